#!/usr/bin/env bash
# Browser tests drive Debian's Chromium with a CJK font; install both when missing and we may.
set -u
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "noto.*cjk"; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian chromium and fonts-noto-cjk for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null 2>&1 \
    || echo "WARNING: could not install chromium; browser tests will be skipped."
else
  echo "WARNING: /usr/bin/chromium is missing (apt-get install chromium fonts-noto-cjk); browser tests will be skipped."
fi
exit 0
