#!/usr/bin/env bash
# Makes sure the loopback SMTP server that adapter-smtp's tests send to (aiosmtpd) is
# installed, and prints the Python interpreter that runs it (one line on stdout).
#
# Idempotent and quick once installed: the server lives in a virtualenv under the Cargo target
# directory, created on the first run. The tests call this script themselves when
# TOBIRA_SMTP_PYTHON is not set; tests/run.sh calls it first so the install happens up front.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/tobira-test-smtp"
python="$venv/bin/python"
aiosmtpd_version="1.4.6"

mkdir -p "$target"
# One installer at a time (the test binary and a manual run may race).
exec 9>"$target/tobira-test-smtp.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi

if ! "$python" -c 'import aiosmtpd' >/dev/null 2>&1; then
    echo "installing aiosmtpd $aiosmtpd_version into $venv" >&2
    python3 -m venv --clear "$venv" >&2
    "$python" -m pip install --quiet --disable-pip-version-check \
        "aiosmtpd==$aiosmtpd_version" >&2
    "$python" -c 'import aiosmtpd' >&2
fi

echo "$python"
