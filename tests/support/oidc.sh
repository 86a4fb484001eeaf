#!/usr/bin/env bash
# Makes sure the loopback OpenID Connect test providers (node's oidc-provider, see
# tests/support/oidc/provider.mjs) are installed for the federated sign-in tests, and prints two
# lines on stdout: the node executable, then the provider script to run with it
# (`<node> <provider.mjs>`, stdin piped; it prints one JSON line describing the providers).
#
# Idempotent and quick once installed: the npm packages (pinned in tests/support/oidc/
# package-lock.json) are installed with `npm ci` under the Cargo target directory, again only
# when the lock file changed. Needs node >= 20.19 and npm; without node, installs Debian's
# nodejs and npm when run as root, otherwise fails with a message saying what to install.
# (oidc-provider 9 prints an "Unsupported runtime" warning on node 20, asking for node 22; it
# works on 20.19 and later all the same.)
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
src="$root/tests/support/oidc"
target="${CARGO_TARGET_DIR:-$root/target}"
min_node="20.19.0"

mkdir -p "$target/tobira-test-oidc"
target="$(cd "$target" && pwd)"
dir="$target/tobira-test-oidc"
# One installer at a time (the test binary and a manual run may race).
exec 9>"$target/tobira-test-oidc.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" != "0" ]; then
        echo "the OpenID Connect test providers need node >= $min_node and npm; run as root or:" >&2
        echo "  sudo apt-get install -y nodejs npm" >&2
        exit 1
    fi
    packages="npm"
    command -v node >/dev/null 2>&1 || packages="nodejs npm"
    echo "installing $packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086 # word splitting intended
    apt-get install -y -qq --no-install-recommends $packages >&2
fi

node="$(command -v node)"
case "$node" in
    /*) ;;
    *) node="$(cd "$(dirname "$node")" && pwd)/$(basename "$node")" ;;
esac

if ! "$node" -e '
    const want = process.argv[1].split(".").map(Number);
    const have = process.versions.node.split(".").map(Number);
    for (let i = 0; i < 3; i++) {
        if (have[i] !== want[i]) process.exit(have[i] > want[i] ? 0 : 1);
    }
' "$min_node"; then
    echo "node $("$node" --version) at $node is too old for the OpenID Connect test providers" >&2
    echo "(oidc-provider $(sed -n 's/.*"oidc-provider": *"\([^"]*\)".*/\1/p' "$src/package.json") needs node >= $min_node);" >&2
    echo "install a newer node (e.g. Debian 13's nodejs) first" >&2
    exit 1
fi

# The stamp is written after a successful `npm ci`, which first empties node_modules, so a
# failed install is retried on the next run.
stamp="$dir/node_modules/.tobira-installed"
if ! [ -d "$dir/node_modules/oidc-provider" ] \
    || ! cat "$src/package.json" "$src/package-lock.json" | cmp -s - "$stamp"; then
    echo "installing the OpenID Connect test providers (npm ci) into $dir" >&2
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >&2)
    cat "$src/package.json" "$src/package-lock.json" >"$stamp"
fi

# Always refreshed; replaced atomically since a running test may be starting node on it.
cp "$src/provider.mjs" "$dir/provider.mjs.tmp"
mv -f "$dir/provider.mjs.tmp" "$dir/provider.mjs"

echo "$node"
echo "$dir/provider.mjs"
