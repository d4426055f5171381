"""Rewrite the generated part of docs/api.md from the OpenAPI document, or check that it is current."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingfang.core import api_reference


class Command(BaseCommand):
    help = "由OpenAPI文档重新生成 docs/api.md 的接口清单（--check 只检查是否为最新）"

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(api_reference.DOC_PATH), help="docs/api.md 的位置")
        parser.add_argument("--check", action="store_true", help="只检查，不写文件；不是最新时退出码非零")

    def handle(self, *args, path, check, **options):
        target = Path(path)
        if not target.is_file():
            raise CommandError(f"找不到文件：{target}")
        text = target.read_text(encoding="utf-8")
        try:
            updated = api_reference.splice(text, api_reference.render(api_reference.schema()))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if check:
            if updated != text:
                raise CommandError(f"{target} 与OpenAPI文档不一致：请运行 jingfang api_reference")
            self.stdout.write(f"{target} 是最新的")
            return
        if updated != text:
            target.write_text(updated, encoding="utf-8")
            self.stdout.write(f"已更新 {target}")
        else:
            self.stdout.write(f"{target} 无需更新")
