#!/usr/bin/env bash
# Makes sure the loopback SAML 2.0 test identity provider (Debian's SimpleSAMLphp, served by
# PHP's built-in server from /usr/share/simplesamlphp/www with a configuration the tests
# write) and the SAML build dependencies (libxml2, xmlsec1 and clang for the bindings) are
# installed. Prints nothing on success.
#
# Idempotent and quick once installed. Installing needs root (apt-get); without root and
# without the packages it fails with a message saying what to install.
set -euo pipefail

packages="simplesamlphp php-cli php-xml php-mbstring libxml2-dev libxmlsec1-dev libclang-dev pkg-config"

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
        echo "the SAML tests need Debian's$todo; run as root or:" >&2
        echo "  sudo apt-get install -y$todo" >&2
        exit 1
    fi
    # One installer at a time (the test binary and a manual run may race).
    exec 9>/var/lock/tobira-test-saml.lock
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

if ! [ -f /usr/share/simplesamlphp/www/saml2/idp/SSOService.php ]; then
    echo "SimpleSAMLphp is installed but /usr/share/simplesamlphp/www is not where expected" >&2
    exit 1
fi
