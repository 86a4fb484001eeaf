#!/usr/bin/env bash
# Makes sure libfaketime (Debian's `libfaketime`) is installed, and prints the path of its
# preload library (one line on stdout). The fleet tests run one instance of the binary under
# it, its clock minutes ahead of the others'.
#
# Idempotent; installs the package when missing (as root).
set -euo pipefail

find_lib() {
    ls /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 2>/dev/null | head -n 1 || true
}

lib="$(find_lib)"
if [ -z "$lib" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "faketime.sh: need the libfaketime package but not root; install it and retry" >&2
        exit 1
    fi
    echo "installing libfaketime" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfaketime >/dev/null 2>&1 || {
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfaketime >/dev/null
    }
    lib="$(find_lib)"
fi
[ -n "$lib" ] || { echo "faketime.sh: libfaketime.so.1 not found" >&2; exit 1; }
echo "$lib"
