#!/usr/bin/env bash
# Succeeds when PostgreSQL answers on 127.0.0.1:5432 (user postgres, trust auth), starting it if needed.
set -u
ready() { pg_isready -q -h 127.0.0.1 -p 5432 -U postgres 2>/dev/null || \
  python3 -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; }
ready && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for v in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true
  done
  for _ in $(seq 1 20); do ready && exit 0; sleep 1; done
fi
exit 1
