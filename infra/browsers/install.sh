#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/browser/), from Debian's own packages.
# Idempotent: does nothing when /usr/bin/chromium is there. Playwright drives it through executable_path;
# Playwright's own browser downloads are never used.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "The browser tests need Chromium at $CHROMIUM, and this system has no apt-get." >&2
    echo "Install Chromium with your system's package manager so that $CHROMIUM exists, then rerun." >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "The browser tests need Chromium at $CHROMIUM. Install it as root, then rerun:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y chromium chromium-driver" >&2
    exit 1
fi

echo "Installing Chromium from Debian's packages for the browser tests (once)."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null

if [ ! -x "$CHROMIUM" ]; then
    echo "apt-get finished but $CHROMIUM is still missing; check the package names for this release." >&2
    exit 1
fi
echo "Chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
