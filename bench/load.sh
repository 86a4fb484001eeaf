#!/usr/bin/env bash
# Load figures of the HTTP app on PostgreSQL (docs/benchmarks.md). Loopback only, bounded runs.
#
#   bash bench/load.sh            # DATABASE_URL or the throwaway cluster of tests/support
#
# Prints: the raw Argon2id limit of this machine, password sign-ins per second against it,
# authenticated requests per second at 64 connections with latency percentiles, and the
# server's peak memory during 500 concurrent sign-ins.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; }
source tests/support/postgres.sh
cargo build --release -q -p app-http --bin tobira
cargo build --release -q -p auth-core --example argon2_limit

target/release/examples/argon2_limit | tee target/load-argon2.txt
limit=$(awk '/^limit:/ {print $2}' target/load-argon2.txt)

db="tobira_load_$$"
psql "$DATABASE_URL" -qc "CREATE DATABASE $db"
url="${DATABASE_URL%/*}/$db"
data=$(mktemp -d)
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$data"
}
trap cleanup EXIT

export TOBIRA_DATABASE_URL="$url" TOBIRA_RATE_LIMIT_PER_MINUTE=100000000 RUST_LOG=warn
token=$(target/release/tobira --data-dir "$data" contract create --owner-email load@example.co.jp --plan basic \
  | sed -n 's#.*/invitation/\([A-Za-z0-9_-]*\).*#\1#p')
target/release/tobira --data-dir "$data" serve --listen 127.0.0.1:0 > "$data/out" 2> "$data/err" &
pid=$!
for _ in $(seq 100); do grep -q '^listening on' "$data/out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$data/out")
cookie=$(python3 bench/setup.py "$base" "$token" load@example.co.jp Kumo-2024x)

# Warm up: open the store's pool connections and the code paths before measuring.
wrk -t2 -c16 -d3s -s bench/signin.lua "$base/api/sign-in" > /dev/null
wrk -t2 -c64 -d3s -H "Cookie: $cookie" "$base/api/session" > /dev/null

echo "== password sign-ins (16 connections, 1 load thread, 20 s)"
wrk -t1 -c16 -d20s --latency -s bench/signin.lua "$base/api/sign-in" | tee target/load-signin.txt
rate=$(awk '/^Requests\/sec/ {print $2}' target/load-signin.txt)
python3 -c "print(f'sign-ins: {float($rate):.1f}/s = {100*float($rate)/float($limit):.0f} % of the Argon2id limit {float($limit):.1f}/s')"

echo "== authenticated requests: GET /api/session (64 connections, 20 s)"
wrk -t2 -c64 -d20s --latency -H "Cookie: $cookie" "$base/api/session" | tee target/load-session.txt

echo "== peak memory with 500 concurrent sign-ins (10 s)"
before=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
wrk -t2 -c500 -d10s -s bench/signin.lua "$base/api/sign-in" > target/load-burst.txt || true
after=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
echo "peak RSS before the burst: $((before / 1024)) MiB, after: $((after / 1024)) MiB"
grep -E 'Requests/sec|Non-2xx' target/load-burst.txt || true
