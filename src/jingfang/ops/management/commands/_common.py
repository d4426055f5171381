"""Shared by backup and restore: progress lines by verbosity, and where the passphrase comes from.

The passphrase comes from a file (--passphrase-file) or JINGFANG_BACKUP_PASSPHRASE, never from the
command line, where other users of the machine could read it (ps).
"""

import os
from pathlib import Path

from django.core.management.base import CommandError


def progress_writer(command, verbosity: int):
    """Progress lines at level 1 (steps) always, level 2 (each table) with -v 2."""

    def write(message: str, level: int = 1) -> None:
        if verbosity >= level:
            command.stdout.write(message)

    return write


def add_passphrase_argument(parser) -> None:
    parser.add_argument(
        "--passphrase-file",
        help="加密口令所在文件（第一行）；也可用环境变量 JINGFANG_BACKUP_PASSPHRASE",
    )


def read_passphrase(options) -> str | None:
    if options.get("passphrase_file"):
        try:
            text = Path(options["passphrase_file"]).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法读取口令文件 {options['passphrase_file']}：{exc.strerror}") from exc
        lines = text.splitlines()
        return lines[0] if lines else ""
    return os.environ.get("JINGFANG_BACKUP_PASSPHRASE") or None
