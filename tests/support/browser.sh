#!/usr/bin/env bash
# Makes sure headless Chromium and its WebDriver (Debian's `chromium` and `chromium-driver`)
# are installed for app-http's browser tests, and prints the two paths (one line each on
# stdout: chromium, then chromedriver).
#
# Idempotent and quick once installed. Installing needs root (apt-get); without root and
# without the packages it fails with a message saying what to install.
set -euo pipefail

find_chromium() {
    command -v chromium || command -v chromium-browser || true
}

chromium="$(find_chromium)"
driver="$(command -v chromedriver || true)"

if [ -z "$chromium" ] || [ -z "$driver" ]; then
    if [ "$(id -u)" != "0" ]; then
        echo "browser tests need Debian's chromium and chromium-driver; run as root or:" >&2
        echo "  sudo apt-get install -y chromium chromium-driver" >&2
        exit 1
    fi
    # One installer at a time (the test binary and a manual run may race).
    exec 9>/var/lock/tobira-test-browser.lock
    if command -v flock >/dev/null 2>&1; then
        flock 9
    fi
    chromium="$(find_chromium)"
    driver="$(command -v chromedriver || true)"
    if [ -z "$chromium" ] || [ -z "$driver" ]; then
        echo "installing chromium and chromium-driver" >&2
        export DEBIAN_FRONTEND=noninteractive
        # dpkg occasionally fails on a transient temporary file; try a few times.
        for attempt in 1 2 3; do
            if apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-noto-cjk >&2; then
                break
            fi
            [ "$attempt" = 3 ] && { echo "could not install chromium" >&2; exit 1; }
            sleep 5
        done
        chromium="$(find_chromium)"
        driver="$(command -v chromedriver)"
    fi
fi

echo "$chromium"
echo "$driver"
