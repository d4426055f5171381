"""gunicorn settings for one jingfang app server behind nginx (deploy/nginx/jingfang.conf).

Run: gunicorn -c /etc/jingfang/gunicorn.conf.py   (deploy/systemd/jingfang.service does)
Environment (deploy/jingfang.env.example):
  JINGFANG_BIND        address:port nginx connects to (a private address; firewall it to nginx only)
  JINGFANG_WORKERS     processes (default 2 x CPU cores + 1)
  JINGFANG_THREADS     threads per process (default 4)
  JINGFANG_PROXY_IPS   comma-separated addresses of the nginx host(s) whose X-Forwarded-Proto is trusted
  JINGFANG_TIMEOUT     seconds before a stuck request's worker is restarted (default 120: large exports
                       run in the background worker, so nothing legitimate should take longer)
"""

import multiprocessing
import os

wsgi_app = "jingfang.wsgi:application"
bind = os.environ.get("JINGFANG_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("JINGFANG_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "gthread"
threads = int(os.environ.get("JINGFANG_THREADS", "4"))
timeout = int(os.environ.get("JINGFANG_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 75  # above nginx's upstream keepalive_timeout (60 s)
# Recycle workers now and then (bounded memory growth); jitter so they do not all restart at once.
max_requests = 2000
max_requests_jitter = 200
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Behind nginx: only nginx's own X-Forwarded-Proto counts (Django also needs JINGFANG_BEHIND_PROXY=1).
forwarded_allow_ips = os.environ.get("JINGFANG_PROXY_IPS", "127.0.0.1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# Request limits (nginx refuses bodies over client_max_body_size before they get here).
limit_request_line = 8190
limit_request_fields = 100

# Logs to stdout/stderr (journald under systemd). No query strings: a search may carry a name.
accesslog = "-"
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
proc_name = "jingfang"
