#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the browser tests (harness/tests/browser.rs).
# Idempotent and quiet: does nothing when both are already on the PATH. Needs root (or sudo).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
echo "installing chromium and chromium-driver for the browser tests" >&2
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq chromium chromium-driver >/dev/null
