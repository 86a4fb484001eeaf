#!/usr/bin/env bash
# Makes sure the API contract tools are installed — openapi-spec-validator (validates
# `/openapi.json`) and schemathesis (property-based API testing against that document) — and
# prints the Python interpreter that has both (one line on stdout).
#
# Idempotent and quick once installed: the tools live in a virtualenv under the Cargo target
# directory, created on the first run. The tests call this script themselves when
# TOBIRA_OPENAPI_PYTHON is not set; tests/run.sh calls it first so the install happens up front.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/tobira-test-openapi"
python="$venv/bin/python"
validator_version="0.9.0"
schemathesis_version="4.32.5"

mkdir -p "$target"
# One installer at a time (the test binary and a manual run may race).
exec 9>"$target/tobira-test-openapi.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi

installed() {
    "$python" - "$validator_version" "$schemathesis_version" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version
assert version("openapi-spec-validator") == sys.argv[1]
assert version("schemathesis") == sys.argv[2]
import openapi_spec_validator, schemathesis  # noqa: F401
PY
}

if ! installed; then
    echo "installing openapi-spec-validator $validator_version and schemathesis $schemathesis_version into $venv" >&2
    python3 -m venv --clear "$venv" >&2
    "$python" -m pip install --quiet --disable-pip-version-check \
        "openapi-spec-validator==$validator_version" \
        "schemathesis==$schemathesis_version" >&2
    installed
fi

echo "$python"
