#!/usr/bin/env bash
# Map benchmark: 100,000 incidents in one situation, then (1) the latency of the situation
# map's data request (GET /api/v1/map/reports, clustered on the server) with wrk on loopback,
# and (2) the time until the situation page's map is usable in headless Chromium.
#
# The incidents are UCDP GED's real events in Syria (shared data), repeated with new ids and
# moved by up to 0.1 degrees after the first pass (make_events.py), loaded through
# `tocsin import ucdp-ged` into a fresh SQLite data directory.
#
# Usage: bench/map/run.sh
# Environment:
#   TOCSIN_BENCH_EVENTS   incidents to load (default 100000)
#   TOCSIN_BENCH_SECONDS  length of each wrk run (default 10)
#   TOCSIN_DATA           the shared data folder (default ../shared/data beside the repository)
# Needs wrk, chromium (apt-get installs them when missing, as root) and `npm ci --prefix web`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${TOCSIN_DATA:-$root/../shared/data}
events=${TOCSIN_BENCH_EVENTS:-100000}
seconds=${TOCSIN_BENCH_SECONDS:-10}

for tool in wrk chromium; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "installing $tool ..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
  fi
done
npm ci --prefix "$root/web" --no-audit --no-fund --loglevel=error

echo "building tocsin (release) ..." >&2
(cd "$root" && cargo build --release -q -p tocsin --bin tocsin)
tocsin=${CARGO_TARGET_DIR:-$root/target}/release/tocsin

work=$(mktemp -d)
server=""
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export TOCSIN_DATA_DIR=$work/data TOCSIN_SECURE_COOKIES=false
unset TOCSIN_DATABASE_URL TOCSIN_CONFIG TOCSIN_LISTEN
"$tocsin" init >/dev/null
password="benchmark passphrase"
printf '%s\n' "$password" | "$tocsin" users add bench-analyst --role analyst --password-stdin >/dev/null
token=$("$tocsin" users token bench-analyst --label bench --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

echo "machine             $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
python3 "$here/make_events.py" "$data/events/ucdp_ged191_syria.csv" "$events" > "$work/events.csv"
start=$(date +%s.%N)
"$tocsin" import ucdp-ged "$work/events.csv" >/dev/null
echo "loaded              $events UCDP GED events in $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)") s"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$tocsin" serve --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.1
done
base="http://127.0.0.1:$port"

# The situation map's first view (Syria at zoom 6), the world at zoom 2, and a close view.
declare -A views=(
  [situation]="/api/v1/map/reports?situation=SYR&bbox=35.0,32.0,43.0,37.5&zoom=6"
  [world]="/api/v1/map/reports?bbox=-180,-85,180,85&zoom=2"
  [close]="/api/v1/map/reports?situation=SYR&bbox=36.9,36.0,37.4,36.4&zoom=11"
)
# CPU seconds the server has used so far (user + system), from /proc: the machine is shared,
# so wall-clock latency moves with the load while CPU per request does not.
cpu() { python3 -c 'import os,sys; f=open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")",1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf("SC_CLK_TCK"))' "$server"; }
for view in situation world close; do
  path=${views[$view]}
  summary=$(curl -fs -H "Authorization: Bearer $token" "$base$path" \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total"], "reports in", len(d["features"]), "cells")')
  echo "== $view: GET $path -> $summary"
  before=$(cpu)
  wrk -t1 -c1 -d"${seconds}s" --latency -H "Authorization: Bearer $token" "$base$path" >"$work/wrk.txt"
  after=$(cpu)
  grep -E "Latency|50%|90%|99%|requests in" "$work/wrk.txt"
  requests=$(grep -oE "^ *[0-9]+ requests in" "$work/wrk.txt" | grep -oE "[0-9]+")
  python3 -c 'import sys; b,a,n=map(float,sys.argv[1:]); print(f"    server CPU per request: {(a-b)/n*1000:.1f} ms ({n:.0f} requests)")' "$before" "$after" "$requests"
  echo "    load average $(cut -d' ' -f1-3 /proc/loadavg)"
done

echo "== situation page in Chromium (/situations/SYR)"
node "$here/page.mjs" "$base" bench-analyst "$password" SYR 5
