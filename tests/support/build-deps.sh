#!/usr/bin/env bash
# Makes sure the C libraries tobira links are installed with their headers (Debian packages):
# libxml2 and xmlsec1 with its OpenSSL backend (SAML 2.0 signature verification), clang for
# their bindings, OpenSSL, and pkg-config. Needed to build tobira at all; prints nothing on
# success.
#
# Idempotent and quick once installed. Installing needs root (apt-get); without root and
# without the packages it fails with a message saying what to install.
set -euo pipefail

packages="pkg-config libssl-dev libxml2-dev libxmlsec1-dev libclang-dev"

missing() {
    local p out=""
    for p in $packages; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            out="$out $p"
        fi
    done
    echo "$out"
}

todo="$(missing)"
if [ -n "$todo" ]; then
    if [ "$(id -u)" != "0" ]; then
        echo "building tobira needs Debian's$todo; run as root or:" >&2
        echo "  sudo apt-get install -y$todo" >&2
        exit 1
    fi
    exec 9>/var/lock/tobira-build-deps.lock
    if command -v flock >/dev/null 2>&1; then
        flock 9
    fi
    todo="$(missing)"
    if [ -n "$todo" ]; then
        echo "installing$todo" >&2
        export DEBIAN_FRONTEND=noninteractive
        for attempt in 1 2 3; do
            # shellcheck disable=SC2086 # word splitting intended
            if apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends $todo >&2; then
                break
            fi
            [ "$attempt" = 3 ] && { echo "could not install$todo" >&2; exit 1; }
            sleep 5
        done
    fi
fi
