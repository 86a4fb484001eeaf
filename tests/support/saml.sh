#!/usr/bin/env bash
# Makes sure the loopback SAML 2.0 test identity provider (Debian's SimpleSAMLphp, served by
# PHP's built-in server from /usr/share/simplesamlphp/www with a configuration the tests
# write) and the SAML build dependencies (libxml2, xmlsec1 and clang for the bindings) are
# installed. Prints nothing on success.
#
# Idempotent and quick once installed. Installing needs root (apt-get); without root and
# without the packages it fails with a message saying what to install.
set -euo pipefail

here="$(dirname "$0")"
bash "$here/build-deps.sh"
bash "$here/apt-install.sh" "the SAML tests" simplesamlphp php-cli php-xml php-mbstring

if ! [ -f /usr/share/simplesamlphp/www/saml2/idp/SSOService.php ]; then
    echo "SimpleSAMLphp is installed but /usr/share/simplesamlphp/www is not where expected" >&2
    exit 1
fi
