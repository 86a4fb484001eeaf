#!/usr/bin/env bash
# The whole test suite of tobira: every crate's unit, property and integration tests.
# Works on a fresh machine: it installs or starts whatever the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"

# The C libraries tobira links (libxml2, xmlsec1, OpenSSL) with their headers; idempotent.
bash tests/support/build-deps.sh

# Real SMTP server (aiosmtpd) for the mail adapter's tests; idempotent.
bash tests/support/smtp.sh >/dev/null

# Real OpenID providers (node's oidc-provider) for federated sign-in tests; idempotent.
bash tests/support/oidc.sh >/dev/null
bash tests/support/saml.sh >/dev/null

# The API contract tools (openapi-spec-validator, schemathesis) for app-http's contract tests;
# idempotent.
bash tests/support/openapi.sh >/dev/null

# Headless Chromium and its driver for the page tests; idempotent (installs as root when missing).
bash tests/support/browser.sh >/dev/null

# PostgreSQL for the store's tests: DATABASE_URL if it answers, else a throwaway cluster.
source tests/support/postgres.sh

cargo test --workspace --locked "$@"
