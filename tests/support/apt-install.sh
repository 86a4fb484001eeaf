#!/usr/bin/env bash
# Makes sure Debian packages are installed: `apt-install.sh WHAT PACKAGE...`, where WHAT says
# what needs them (for the message when they cannot be installed). Prints nothing on success.
#
# Idempotent and quick once installed. Installing needs root (apt-get); without root and
# without the packages it fails with a message saying what to install. One installer at a time
# (test binaries and manual runs may race).
set -euo pipefail

what="$1"
shift
packages="$*"

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
[ -z "$todo" ] && exit 0
if [ "$(id -u)" != "0" ]; then
    echo "$what need Debian's$todo; run as root or:" >&2
    echo "  sudo apt-get install -y$todo" >&2
    exit 1
fi
exec 9>/var/lock/tobira-apt-install.lock
if command -v flock >/dev/null 2>&1; then
    flock 9
fi
todo="$(missing)"
[ -z "$todo" ] && exit 0
echo "installing$todo" >&2
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3; do
    # shellcheck disable=SC2086 # word splitting intended
    if apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends $todo >&2; then
        exit 0
    fi
    [ "$attempt" = 3 ] && { echo "could not install$todo" >&2; exit 1; }
    sleep 5
done
