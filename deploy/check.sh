#!/usr/bin/env bash
# Check deploy/nginx/jingfang.conf with the installed nginx, in a throw-away directory:
#   deploy/check.sh           `nginx -t` on the config (self-signed certificate, local paths)
#   deploy/check.sh --smoke   also start two app servers (gunicorn with deploy/gunicorn.conf.py, on a
#                             fresh SQLite database) and nginx on high ports, and send real requests
#                             through it: /healthz via both app servers, static files from disk,
#                             security headers once each, X-Forwarded-Proto honoured, the upload cap.
# Needs nginx and openssl (Debian: apt-get install nginx-light openssl). Exits non-zero on any failure.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
NGINX="$(command -v nginx || true)"
[ -x "$NGINX" ] || NGINX=/usr/sbin/nginx
if [ ! -x "$NGINX" ]; then
    echo "nginx is not installed (apt-get install nginx-light): nothing checked" >&2
    exit 2
fi

SMOKE=0
[ "${1:-}" = "--smoke" ] && SMOKE=1
BASE="${JINGFANG_CHECK_PORT:-18400}"
HTTP_PORT=$BASE HTTPS_PORT=$((BASE + 1)) APP1=$((BASE + 2)) APP2=$((BASE + 3))
WORK="$(mktemp -d /tmp/jingfang-deploy-check.XXXXXX)"
PIDS=()
cleanup() {
    [ -f "$WORK/nginx.pid" ] && kill -QUIT "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done  # gunicorn: quick shutdown
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/static" "$WORK/logs" "$WORK/tmp" "$WORK/var"
chmod 755 "$WORK"  # nginx's workers (www-data or nobody) read the static files
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
    -keyout "$WORK/privkey.pem" -out "$WORK/fullchain.pem" 2>/dev/null

# The config with local paths and ports; IPv6 listeners dropped (containers may lack IPv6).
sed -e "s#/etc/ssl/jingfang/#$WORK/#g" \
    -e "s#/srv/jingfang/var/static/#$WORK/static/#g" \
    -e "s#/var/log/nginx/#$WORK/logs/#g" \
    -e "s#/var/www/letsencrypt#$WORK/acme#g" \
    -e "s#listen 80;#listen 127.0.0.1:$HTTP_PORT;#" \
    -e "s#listen 443 ssl http2;#listen 127.0.0.1:$HTTPS_PORT ssl http2;#" \
    -e "/listen \[::\]/d" \
    -e "s#server 10.0.0.11:8000#server 127.0.0.1:$APP1#" \
    -e "s#server 10.0.0.12:8000#server 127.0.0.1:$APP2#" \
    -e "/server 10.0.0.13:8000/d" \
    "$HERE/nginx/jingfang.conf" > "$WORK/jingfang.conf"

MIME=/etc/nginx/mime.types
[ -f "$MIME" ] || { echo "types { text/css css; application/javascript js; }" > "$WORK/mime.types"; MIME="$WORK/mime.types"; }
cat > "$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
events { worker_connections 64; }
http {
    include $MIME;
    default_type application/octet-stream;
    client_body_temp_path $WORK/tmp/body;
    proxy_temp_path $WORK/tmp/proxy;
    fastcgi_temp_path $WORK/tmp/fastcgi;
    uwsgi_temp_path $WORK/tmp/uwsgi;
    scgi_temp_path $WORK/tmp/scgi;
    include $WORK/jingfang.conf;
}
EOF

"$NGINX" -t -q -p "$WORK" -c "$WORK/nginx.conf"
echo "nginx -t: deploy/nginx/jingfang.conf is valid ($("$NGINX" -v 2>&1))"
[ $SMOKE = 1 ] || exit 0

# ---- smoke test: two app servers and nginx, real requests --------------------------------------
export JINGFANG_VAR_DIR="$WORK/var" DATABASE_URL="sqlite:///$WORK/var/jingfang.sqlite3"
export JINGFANG_SECRET_KEY="check-$(head -c 24 /dev/urandom | base64)" JINGFANG_ALLOWED_HOSTS=localhost
export JINGFANG_BEHIND_PROXY=1 JINGFANG_SSL_REDIRECT=1 JINGFANG_DEV_KEYS=1 JINGFANG_WORKERS=1 JINGFANG_THREADS=2
export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
unset JINGFANG_DEBUG JINGFANG_REPLICA_URL
"$PY" -m jingfang migrate --noinput -v0
"$PY" -m jingfang collectstatic --noinput -v0
cp -r "$JINGFANG_VAR_DIR/static/." "$WORK/static/"
for port in $APP1 $APP2; do
    JINGFANG_BIND="127.0.0.1:$port" "$PY" -m gunicorn -c "$HERE/gunicorn.conf.py" \
        > "$WORK/logs/app-$port.log" 2>&1 &
    PIDS+=($!)
done
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf"
for _ in $(seq 1 60); do
    curl -sf -o /dev/null "http://127.0.0.1:$APP1/healthz" -H "Host: localhost" -H "X-Forwarded-Proto: https" \
        && curl -sf -o /dev/null "http://127.0.0.1:$APP2/healthz" -H "Host: localhost" -H "X-Forwarded-Proto: https" && break
    sleep 0.5
done

URL="https://localhost:$HTTPS_PORT"
CURL=(curl -s --resolve "localhost:$HTTPS_PORT:127.0.0.1" --resolve "localhost:$HTTP_PORT:127.0.0.1" --cacert "$WORK/fullchain.pem")
fail() { echo "FAILED: $*" >&2; tail -n 5 "$WORK"/logs/*.log >&2; exit 1; }

[ "$("${CURL[@]}" "$URL/healthz")" = '{"status": "ok"}' ] || fail "/healthz through nginx"
for _ in 1 2 3 4 5 6; do "${CURL[@]}" -o /dev/null "$URL/healthz"; done
for port in $APP1 $APP2; do
    grep -q '"GET /healthz"' "$WORK/logs/app-$port.log" || fail "app server on $port got no request"
done
echo "ok: /healthz answered through nginx by both app servers"

"${CURL[@]}" -o "$WORK/app.js" -D "$WORK/static.h" "$URL/static/jingfang/app.js"
grep -q "^HTTP/[0-9.]* 200" "$WORK/static.h" || fail "static file"
cmp -s "$WORK/app.js" "$WORK/static/jingfang/app.js" || fail "static file content"
if grep -q "/static/" "$WORK"/logs/app-*.log; then fail "a static file reached Django"; fi
echo "ok: /static/ served by nginx from the collectstatic output (no request reached Django)"

"${CURL[@]}" -D "$WORK/page.h" -o /dev/null "$URL/accounts/login/"
grep -q "^HTTP/[0-9.]* 200" "$WORK/page.h" || fail "login page over HTTPS (X-Forwarded-Proto not honoured?)"
for header in Strict-Transport-Security X-Frame-Options X-Content-Type-Options Referrer-Policy \
              Cross-Origin-Opener-Policy Content-Security-Policy; do
    n=$(grep -ci "^$header:" "$WORK/page.h" || true)
    [ "$n" = 1 ] || fail "$header appears $n times on the login page"
done
grep -qi "^set-cookie: csrftoken=.*; secure" "$WORK/page.h" || fail "CSRF cookie without Secure"
direct=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: localhost" "http://127.0.0.1:$APP1/accounts/login/")
[ "$direct" = 301 ] || fail "plain HTTP straight to an app server should be redirected (got $direct)"
echo "ok: HTTPS recognised from X-Forwarded-Proto; each security header once; Secure cookies"

code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "http://localhost:$HTTP_PORT/patients/")
[ "$code" = 301 ] || fail "port 80 should redirect to HTTPS (got $code)"
head -c $((7 * 1024 * 1024)) /dev/zero > "$WORK/big.bin"
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -F "file=@$WORK/big.bin" "$URL/exchange/")
[ "$code" = 413 ] || fail "a 7 MB upload should be refused by nginx (got $code)"
echo "ok: HTTP redirects to HTTPS; a 7 MB upload is refused by nginx (413)"

echo "smoke test passed"
