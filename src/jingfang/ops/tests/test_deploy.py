"""deploy/: the nginx config agrees with the app's settings and is valid for the installed nginx;
the gunicorn config, systemd units and PostgreSQL snippets say what docs/deployment.md relies on."""

import configparser
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[4]
DEPLOY = ROOT / "deploy"
NGINX = (DEPLOY / "nginx" / "jingfang.conf").read_text(encoding="utf-8")


def blocks(text: str, opening: str) -> list[str]:
    """The bodies of every `opening { … }` block at any depth (braces balanced)."""
    out = []
    for match in re.finditer(rf"^\s*{re.escape(opening)}\s*\{{", text, flags=re.M):
        depth, i = 0, match.end() - 1
        for j in range(i, len(text)):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                out.append(text[i + 1:j])
                break
    return out


def block(text: str, opening: str) -> str:
    found = blocks(text, opening)
    assert found, opening
    return found[0]


def tls_server() -> str:
    (server,) = [b for b in blocks(NGINX, "server") if "listen 443 ssl" in b]
    return server


def directive(text: str, name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", text, flags=re.M)


def test_several_app_servers_behind_one_upstream():
    servers = directive(block(NGINX, "upstream jingfang_app"), "server")
    assert len(servers) >= 2
    assert all(re.match(r"[\d.]+:8000\b", s) for s in servers)


def test_upload_cap_matches_the_app():
    (size,) = directive(tls_server(), "client_max_body_size")
    allowed = int(size.rstrip("m")) * 1024 * 1024
    cap = settings.JINGFANG_UPLOAD_MAX_BYTES
    assert cap < allowed <= cap + 2 * 1024 * 1024  # the file plus the multipart form, little more


def test_static_files_come_from_the_collectstatic_output_not_django():
    static = block(tls_server(), "location /static/")
    assert directive(static, "alias") == ["/srv/jingfang/var/static/"]
    assert "proxy_pass" not in static
    assert settings.STATIC_URL.strip("/") == "static" and Path(settings.STATIC_ROOT).name == "static"


def test_health_check_and_the_app_are_proxied_with_the_forwarded_headers():
    server = tls_server()
    assert directive(block(server, "location = /healthz"), "proxy_pass") == ["http://jingfang_app"]
    headers = dict(h.split(None, 1) for h in directive(server, "proxy_set_header"))
    assert headers["X-Forwarded-Proto"] == "$scheme"
    # replaced, not appended: audit.log.client_ip records the last address of X-Forwarded-For
    assert headers["X-Forwarded-For"] == "$remote_addr"
    assert headers["Host"] == "$host"


def test_security_headers_are_those_of_the_app_and_appear_once():
    server = tls_server()
    added = {name: value.strip('"') for name, value, _ in
             (re.match(r'(\S+)\s+("[^"]*"|\S+)\s*(always)?', h).groups() for h in directive(server, "add_header"))}
    assert added["X-Frame-Options"] == settings.X_FRAME_OPTIONS
    assert added["Referrer-Policy"] == settings.SECURE_REFERRER_POLICY
    assert added["Cross-Origin-Opener-Policy"] == settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
    assert added["X-Content-Type-Options"] == "nosniff" and settings.SECURE_CONTENT_TYPE_NOSNIFF
    assert added["Strict-Transport-Security"] == "max-age=31536000"
    assert set(directive(server, "proxy_hide_header")) == set(added)  # the app's copies are hidden
    assert "Content-Security-Policy" not in added  # the app's own CSP passes through unchanged
    for location in re.findall(r"location [^{]+\{[^}]*\}", server):
        assert "add_header" not in location  # would silently drop the server-level headers there


def test_plain_http_only_redirects():
    (http,) = [b for b in blocks(NGINX, "server") if "listen 80;" in b]
    assert "return 301 https://$host$request_uri" in http and "proxy_pass" not in http


def test_gunicorn_config(monkeypatch):
    monkeypatch.setenv("JINGFANG_BIND", "10.0.0.11:8000")
    monkeypatch.setenv("JINGFANG_PROXY_IPS", "10.0.0.10")
    monkeypatch.setenv("JINGFANG_WORKERS", "9")
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert conf["wsgi_app"] == "jingfang.wsgi:application"
    assert conf["bind"] == "10.0.0.11:8000" and conf["workers"] == 9
    assert conf["forwarded_allow_ips"] == "10.0.0.10"
    assert conf["secure_scheme_headers"] == {"X-FORWARDED-PROTO": "https"}
    (read_timeout,) = directive(tls_server(), "proxy_read_timeout")
    assert conf["timeout"] >= int(read_timeout.rstrip("s"))
    (upstream_keepalive,) = directive(block(NGINX, "upstream jingfang_app"), "keepalive_timeout")
    assert conf["keepalive"] > int(upstream_keepalive.rstrip("s"))
    assert "%(q)s" not in conf["access_log_format"] and "%(r)s" not in conf["access_log_format"]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / name)
    return parser


def test_systemd_units():
    app = unit("jingfang.service")["Service"]
    assert app["ExecStart"].endswith("gunicorn -c /etc/jingfang/gunicorn.conf.py")
    assert "check --deploy" in app["ExecStartPre"]
    assert app["EnvironmentFile"] == "/etc/jingfang/jingfang.env" and app["NoNewPrivileges"] == "yes"
    backup = unit("jingfang-backup.service")["Service"]
    assert "backup --encrypt --passphrase-file" in backup["ExecStart"] and backup["UMask"] == "0077"
    assert unit("jingfang-backup.timer")["Timer"]["OnCalendar"]
    assert unit("jingfang-worker.service")["Service"]["ExecStart"].endswith("jingfang worker")


def pg(name: str) -> dict[str, str]:
    text = (DEPLOY / "postgresql" / name).read_text(encoding="utf-8")
    return {k: v.split("#")[0].strip() for k, v in re.findall(r"^(\w+)\s*=\s*(.+)$", text, flags=re.M)}


def test_postgresql_primary_and_replica():
    primary, replica = pg("primary.conf"), pg("replica.conf")
    assert primary["wal_level"] == "replica" and primary["archive_mode"] == "on"
    assert "%p" in primary["archive_command"] and "test ! -f" in primary["archive_command"]
    assert replica["hot_standby"] == "on"
    assert "host=" in replica["primary_conninfo"] and "password" not in replica["primary_conninfo"]
    assert replica["primary_slot_name"] == "'replica1'"
    assert int(replica["max_connections"]) >= int(primary["max_connections"])
    assert primary["wal_log_hints"] == replica["wal_log_hints"] == "on"  # pg_rewind after a failover


@pytest.mark.skipif(not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) or not shutil.which("openssl"),
                    reason="nginx or openssl is not installed (apt-get install nginx-light)")
def test_nginx_accepts_the_config():
    done = subprocess.run(["bash", str(DEPLOY / "check.sh")], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "is valid" in done.stdout
