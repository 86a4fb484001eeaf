#!/usr/bin/env bash
# A PostgreSQL server for the store tests, on any machine.
#
#   source tests/support/postgres.sh          # exports DATABASE_URL; a cluster it started
#                                             # is stopped when the sourcing shell exits
#   bash tests/support/postgres.sh [CMD...]   # runs CMD (default: the adapter-postgres
#                                             # tests) with DATABASE_URL, then stops it
#
# If DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) answers, it is used as is.
# Otherwise a throwaway cluster is started under target/ with the machine's PostgreSQL
# binaries, installing Debian's `postgresql` package first when they are missing (as root).
# PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
# Also makes sure libpq (which the PostgreSQL driver links) is installed. Idempotent.

_tobira_pg_main() {
    local repo target dir port url bindir as_pg=()
    repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    target="${CARGO_TARGET_DIR:-$repo/target}"
    export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"

    _tobira_apt() {
        if [ "$(id -u)" != 0 ]; then
            echo "postgres.sh: need $* but not root; install it and retry" >&2
            return 1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    }

    # The driver links libpq.
    if ! { ldconfig -p 2>/dev/null || true; } | grep 'libpq\.so ' >/dev/null; then
        _tobira_apt libpq-dev || return 1
    fi

    # Binaries: psql to probe, initdb/pg_ctl for a throwaway cluster.
    bindir="${PG_BIN:-}"
    if [ -z "$bindir" ]; then
        bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    fi
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || ! command -v psql >/dev/null; then
        _tobira_apt postgresql postgresql-client || return 1
        bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    fi
    export PG_BIN="$bindir"

    if psql "$DATABASE_URL" -Atqc 'SELECT 1' >/dev/null 2>&1; then
        echo "postgres.sh: using $DATABASE_URL" >&2
        return 0
    fi

    dir="${TOBIRA_PG_DIR:-$target/pg-test}"
    port="${TOBIRA_PG_PORT:-55432}"
    url="postgres://postgres@127.0.0.1:$port/test"
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$dir"
        as_pg=(runuser -u postgres --)
        if ! "${as_pg[@]}" test -w "$dir"; then
            echo "postgres.sh: the postgres user cannot write $dir; set TOBIRA_PG_DIR" >&2
            return 1
        fi
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        "${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 \
            --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
        cat >>"$dir/data/postgresql.conf" <<EOF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
max_connections = 200
EOF
    fi
    if ! "${as_pg[@]}" "$bindir/pg_ctl" status -D "$dir/data" >/dev/null 2>&1; then
        "${as_pg[@]}" "$bindir/pg_ctl" start -w -t 60 -D "$dir/data" -l "$dir/server.log" \
            >/dev/null || { cat "$dir/server.log" >&2; return 1; }
        _TOBIRA_PG_STARTED="$dir/data"
    fi
    if ! psql "postgres://postgres@127.0.0.1:$port/postgres" -Atqc \
        "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep 1 >/dev/null; then
        psql "postgres://postgres@127.0.0.1:$port/postgres" -qc 'CREATE DATABASE test' || return 1
    fi
    export DATABASE_URL="$url"
    _TOBIRA_PG_STOP=("${as_pg[@]}" "$bindir/pg_ctl" stop -m fast -D "$dir/data")
    echo "postgres.sh: started a throwaway cluster at $DATABASE_URL" >&2
}

_tobira_pg_stop() {
    if [ -n "${_TOBIRA_PG_STARTED:-}" ]; then
        "${_TOBIRA_PG_STOP[@]}" >/dev/null 2>&1 || true
        _TOBIRA_PG_STARTED=""
    fi
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: export and stop on exit.
    _tobira_pg_main || return 1
    trap _tobira_pg_stop EXIT
else
    set -euo pipefail
    _tobira_pg_main
    trap _tobira_pg_stop EXIT
    cd "$(dirname "$0")/../.."
    if [ "$#" -eq 0 ]; then
        set -- cargo test -p adapter-postgres
    fi
    "$@"
fi
