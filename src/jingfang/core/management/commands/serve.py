"""`jingfang serve`: run the application under gunicorn (static files served by WhiteNoise)."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.wsgi import get_wsgi_application
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return get_wsgi_application()  # as jingfang.wsgi does, with this process's settings already set


class Command(BaseCommand):
    help = "启动 jingfang 网页与接口服务（gunicorn）"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("JINGFANG_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("JINGFANG_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("JINGFANG_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("JINGFANG_THREADS", "4")))

    def handle(self, *args, host, port, workers, threads, **options):
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"jingfang 已启动：http://{host}:{port}/  （Ctrl+C 停止）")
        _Gunicorn(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "accesslog": "-",
                "timeout": 120,
                "worker_class": "gthread",
            }
        ).run()
