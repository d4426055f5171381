"""PostgreSQL side of backup and restore: psycopg connections and the pg_dump / pg_restore programs.

Connection settings come from a Django DATABASES entry; the password reaches the programs through
PGPASSWORD in their environment, never on the command line (visible in ps).
"""

import os
import re
import shutil
import subprocess

from .archive import BackupError

CLIENT_HINT = "请安装与数据库服务器同一主版本或更新的 PostgreSQL 客户端（Debian: apt-get install postgresql-client-15）"


def conninfo(db: dict) -> dict:
    params = {
        "dbname": db.get("NAME") or "",
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": str(db.get("PORT")) if db.get("PORT") else None,
    }
    params.update({k: v for k, v in (db.get("OPTIONS") or {}).items() if k in ("sslmode", "sslrootcert")})
    return {k: v for k, v in params.items() if v is not None}


def connect(db: dict, **kwargs):
    import psycopg

    try:
        return psycopg.connect(**conninfo(db), **kwargs)
    except psycopg.OperationalError as exc:
        raise BackupError(f"无法连接 PostgreSQL 数据库“{db.get('NAME')}”：{str(exc).strip().splitlines()[0]}") from exc


def environment(db: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    names = {"dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD", "host": "PGHOST",
             "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT"}
    env.update({names[k]: v for k, v in conninfo(db).items()})
    return env


def program(name: str) -> tuple[str, int]:
    """(path, major version) of pg_dump or pg_restore; BackupError saying what to install when missing."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"找不到 {name} 程序：{CLIENT_HINT}")
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if not match:
        raise BackupError(f"无法识别 {name} 的版本：{out.strip()}")
    return path, int(match.group(1))


def server_major(conn) -> int:
    return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000


def require_client(name: str, server: int) -> str:
    path, major = program(name)
    if major < server:
        raise BackupError(f"{name} 的版本（{major}）低于数据库服务器（{server}）：{CLIENT_HINT.replace('15', str(server))}")
    return path


def _run(args: list[str], db: dict, what: str) -> None:
    done = subprocess.run(args, env=environment(db), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{what}失败（退出码{done.returncode}）：{' / '.join(detail[-3:])}")


def dump(db: dict, snapshot: str, target, server: int) -> str:
    """pg_dump -Fc of the exported snapshot into target; returns the pg_dump version line."""
    path = require_client("pg_dump", server)
    _run([path, "-Fc", "--no-password", f"--snapshot={snapshot}", "-f", str(target), "--dbname", db["NAME"]],
         db, "pg_dump 备份")
    return subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout.strip()


def restore(db: dict, source, server: int) -> None:
    """pg_restore into db in one transaction: all or nothing."""
    path = require_client("pg_restore", server)
    _run([path, "--no-password", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          "--dbname", db["NAME"], str(source)], db, "pg_restore 恢复")


def clear_schema(conn) -> None:
    """--force: drop everything in the current schema (the target database's tables, views, sequences)."""
    schema = conn.execute("SELECT current_schema()").fetchone()[0]
    ident = '"' + schema.replace('"', '""') + '"'
    conn.execute(f"DROP SCHEMA {ident} CASCADE")
    conn.execute(f"CREATE SCHEMA {ident}")
    conn.commit()
