#!/usr/bin/env bash
# Session checks against this machine's ceiling (docs/benchmarks.md), measured in one run.
# Loopback only, bounded runs.
#
#   bash bench/session.sh              # DATABASE_URL or the throwaway cluster of tests/support
#   DURATION=10 bash bench/session.sh  # seconds per figure (default 20)
#
# Prints, each after a warm-up:
#   1. GET /healthz of the release binary with wrk (64 connections): the HTTP ceiling;
#   2. pgbench -S (16 clients) against the same PostgreSQL: the indexed-read ceiling;
#   3. GET /api/session with a live session's cookie (64 connections): the session check,
#      whose p99 latency is printed too;
# then the combined ceiling 1 / (1/healthz + 1/pgbench) of "one HTTP request plus one indexed
# read" and the session checks' ratio to it. Client, app and PostgreSQL share the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-20}"

command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; }
source tests/support/postgres.sh
command -v pgbench >/dev/null || { echo "session.sh: pgbench (postgresql-contrib) is missing" >&2; exit 1; }
cargo build --release -q -p app-http --bin tobira

db="tobira_session_$$"
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

# pgbench's own tables (scale 10: 1,000,000 accounts) in the same database.
pgbench -q -i -s 10 "$url" >/dev/null 2>&1

# wrk's requests/s and p99 in milliseconds.
rate() { awk '/^Requests\/sec/ {print $2}' "$1"; }
p99() {
  awk '$1 == "99%" {v = $2; u = v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v);
       f = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1; printf "%.2f", v * f}' "$1"
}

echo "== warm-up (3 s each)"
wrk -t2 -c64 -d3s "$base/healthz" > /dev/null
pgbench -n -S -c 16 -j 2 -T 3 "$url" > /dev/null 2>&1
wrk -t2 -c64 -d3s -H "Cookie: $cookie" "$base/api/session" > /dev/null

echo "== 1. GET /healthz (64 connections, ${duration} s)"
wrk -t2 -c64 -d"${duration}s" --latency "$base/healthz" | tee target/session-healthz.txt

echo "== 2. pgbench -S (16 clients, ${duration} s)"
pgbench -n -S -c 16 -j 2 -T "$duration" "$url" 2>/dev/null | tee target/session-pgbench.txt

echo "== 3. GET /api/session (64 connections, ${duration} s)"
wrk -t2 -c64 -d"${duration}s" --latency -H "Cookie: $cookie" "$base/api/session" | tee target/session-check.txt
grep -q 'Non-2xx' target/session-check.txt && { echo "session.sh: session checks failed" >&2; exit 1; }

healthz=$(rate target/session-healthz.txt)
pg=$(awk '/^tps/ {print $3; exit}' target/session-pgbench.txt)
session=$(rate target/session-check.txt)
p99=$(p99 target/session-check.txt)
python3 - "$healthz" "$pg" "$session" "$p99" <<'PY'
import sys
healthz, pg, session, p99 = map(float, sys.argv[1:5])
ceiling = 1 / (1 / healthz + 1 / pg)
print()
print(f"healthz:        {healthz:10,.0f} req/s")
print(f"pgbench -S:     {pg:10,.0f} reads/s")
print(f"ceiling:        {ceiling:10,.0f} /s  = 1 / (1/healthz + 1/pgbench)")
print(f"session checks: {session:10,.0f} /s  p99 {p99:.1f} ms")
print(f"ratio:          {100 * session / ceiling:10.0f} % of the ceiling (target >= 80 %, p99 < 20 ms)")
PY
