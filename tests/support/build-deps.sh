#!/usr/bin/env bash
# Makes sure the C libraries tobira links are installed with their headers (Debian packages):
# libxml2 and xmlsec1 with its OpenSSL backend (SAML 2.0 signature verification), clang for
# their bindings, OpenSSL, and pkg-config. Needed to build tobira at all; prints nothing on
# success. Installing needs root (see apt-install.sh).
set -euo pipefail
exec bash "$(dirname "$0")/apt-install.sh" "building tobira and its tests" \
    pkg-config libssl-dev libxml2-dev libxmlsec1-dev libclang-dev
