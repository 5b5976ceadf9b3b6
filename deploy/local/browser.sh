#!/usr/bin/env bash
# Install Debian's chromium for the dashboard's browser test, once; quiet when present.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "browser: chromium is missing; install it with: sudo apt-get install -y chromium" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
if ! apt-get install -y -qq chromium >/tmp/fixstream-chromium-install.log 2>&1; then
    echo "browser: installing chromium failed; see /tmp/fixstream-chromium-install.log" >&2
    tail -n 20 /tmp/fixstream-chromium-install.log >&2
    exit 1
fi
echo "browser: $(chromium --version 2>/dev/null | head -n 1) installed"
