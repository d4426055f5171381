#!/usr/bin/env bash
# Test tools from Debian's packages: Chromium with a CJK font for the browser tests, nginx (and openssl)
# for the test that nginx accepts deploy/nginx/jingfang.conf. Installed when missing and we may.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || missing+=(fonts-noto-cjk)
{ command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || missing+=(nginx-light)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} (Debian packages) for the tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null 2>&1 \
    || echo "WARNING: could not install ${missing[*]}; the tests needing them will be skipped."
  # the nginx package just installed may have started a server on port 80; the tests only run `nginx -t`
  if [[ " ${missing[*]} " == *" nginx-light "* ]]; then
    if command -v systemctl >/dev/null 2>&1; then systemctl stop nginx >/dev/null 2>&1 || true; fi
    pkill -x nginx >/dev/null 2>&1 || true
  fi
else
  echo "WARNING: missing ${missing[*]} (apt-get install ${missing[*]}); the tests needing them will be skipped."
fi
exit 0
