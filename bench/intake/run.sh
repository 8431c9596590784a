#!/usr/bin/env bash
# Speed benchmark of field-report intake: durable reports per second through the HTTP API
# (wrk on loopback against `tocsin serve`) and dataset import rows per second, each with the
# ratio to a plain batched SQLite insert of the same rows measured in the same run.
#
# Usage: bench/intake/run.sh
# Environment:
#   TOCSIN_BENCH_SECONDS      length of the HTTP run (default 20)
#   TOCSIN_BENCH_CONNECTIONS  wrk connections, one HTTP run for each count in the list
#                             (default "64 128": clients waiting on their answers, fewer
#                             and more of them)
#   TOCSIN_BENCH_THREADS      wrk threads (default 1: the machine has 2 cores, the server needs them)
#   TOCSIN_BENCH_AUTH         Authorization header to send (default: a token the script
#                             issues to a fresh monitor account)
#   TOCSIN_DATA               the shared data folder (default ../shared/data beside the repository)
#   TOCSIN_BENCH_TOCSIN       a tocsin binary built elsewhere to serve the HTTP run (e.g. of
#                             another commit, to compare two builds in the same conditions)
#   TOCSIN_BENCH_IMPORTER     an intake_bench binary built elsewhere to time the imports with
#                             (its Tocsin code is the one timed; the baselines and the count
#                             always come from this checkout's build)
# Installs wrk with apt-get when it is missing (needs root or sudo). Everything is built before
# anything is timed; the database is a fresh SQLite file in a temporary folder.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${TOCSIN_DATA:-$root/../shared/data}
seconds=${TOCSIN_BENCH_SECONDS:-20}
connection_counts=${TOCSIN_BENCH_CONNECTIONS:-64 128}
threads=${TOCSIN_BENCH_THREADS:-1}

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk ..." >&2
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi

echo "building tocsin and the baseline (release) ..." >&2
(cd "$root" && cargo build --release -q -p tocsin --bin tocsin --example intake_bench)
target=${CARGO_TARGET_DIR:-$root/target}/release
tocsin=${TOCSIN_BENCH_TOCSIN:-$target/tocsin}
bench=$target/examples/intake_bench
importer=${TOCSIN_BENCH_IMPORTER:-$bench}
echo "server binary       $tocsin" >&2
echo "import binary       $importer" >&2

work=$(mktemp -d)
server=""
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A JSON field of a one-line object, with python3 (present wherever apt is).
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
ratio() { python3 -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.2f}")' "$1" "$2"; }

# Other work on the machine takes cores from the server: say how busy it was.
echo "machine             $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
status=0
# http_run CONNECTIONS: one HTTP run on a fresh data directory, checked and compared.
http_run() {
  local connections=$1 auth=${TOCSIN_BENCH_AUTH:-}
  rm -rf "$work/data" "$work"/baseline-api.db*
  echo "== HTTP intake: POST /api/v1/reports, ${seconds}s, $connections connections, $threads wrk thread(s)"
  export TOCSIN_DATA_DIR=$work/data
  unset TOCSIN_DATABASE_URL TOCSIN_CONFIG TOCSIN_LISTEN
  "$tocsin" init >/dev/null
  if [[ -z $auth ]]; then
    "$tocsin" users add bench-relay --role monitor >/dev/null
    auth="Bearer $(field "$("$tocsin" users token bench-relay --label bench --json)" token)"
  fi
  "$tocsin" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
  server=$!
  address=""
  for _ in $(seq 100); do
    address=$(sed -n 's/^listening on \(http:\/\/.*\)$/\1/p' "$work/serve.out")
    [[ -n $address ]] && break
    sleep 0.1
  done
  [[ -n $address ]] || { echo "the server did not start:" >&2; cat "$work/serve.err" >&2; exit 2; }

  TOCSIN_BENCH_AUTH=$auth wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$here/post.lua" "$address" >"$work/wrk.out"
  # The server's processor time so far, by thread name (user and system, in clock ticks): on a
  # machine shared with other work, time per report moves much less than reports per second.
  for task in /proc/"$server"/task/*; do
    echo "$(cat "$task/comm") $(cut -d')' -f2 "$task/stat" | awk '{print $12 + $13}')"
  done >"$work/threads.txt" 2>/dev/null || true
  kill -TERM "$server"
  wait "$server" || true
  server=""
  result=$(grep '^WRK_RESULT' "$work/wrk.out")
  get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$result"; }
  requests=$(get requests)
  elapsed=$(get seconds)
  non2xx=$(get non2xx)
  answered=$((requests - non2xx))
  per_second=$(python3 -c "print(round($answered / $elapsed))")
  counted=$("$bench" count "$work/data/tocsin.db")
  reports=$(field "$counted" reports)
  accepted=$(field "$counted" accepted_payloads)
  intact=$(field "$counted" audit_intact)
  echo "answered 2xx        $answered of $requests requests in ${elapsed}s ($(get connect)/$(get read)/$(get write)/$(get timeout) connect/read/write/timeout errors)"
  echo "throughput          $per_second durable reports/s"
  echo "latency             p50 $(get p50_ms) ms, p90 $(get p90_ms) ms, p99 $(get p99_ms) ms, max $(get max_ms) ms"
  echo "stored              $reports reports, $accepted accepted payloads, audit chain intact: $intact"
  python3 - "$work/threads.txt" "$reports" "$(getconf CLK_TCK)" <<'PY'
import collections, sys
path, reports, ticks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
by_name = collections.Counter()
for line in open(path):
    name, _, used = line.strip().rpartition(" ")
    by_name[name] += int(used)
per_report = {name: used / ticks / max(reports, 1) * 1e6 for name, used in by_name.items()}
parts = ", ".join(f"{name} {us:.0f}" for name, us in sorted(per_report.items(), key=lambda kv: -kv[1]) if us >= 0.5)
print(f"server CPU          {sum(per_report.values()):.0f} µs a report ({parts})")
PY

  # wrk stops with up to one request per connection sent but not yet answered; the server
  # finishes those, so the database may hold that many more than were answered — never fewer.
  if ((reports < answered || reports > answered + connections)) || ((accepted != reports)) || [[ $intact != True ]]; then
    echo "MISMATCH: $answered answered 2xx, $reports reports stored, $accepted payloads accepted" >&2
    status=1
  else
    echo "check               every answered report is stored ($((reports - answered)) more were in flight when wrk stopped)"
  fi

  baseline=$("$bench" reports "$work" "$answered")
  baseline_per_second=$(field "$baseline" rows_per_second)
  echo "baseline            $(printf %.0f "$baseline_per_second") rows/s (plain batched SQLite insert of the same $answered rows)"
  echo "ratio               $(ratio "$per_second" "$baseline_per_second") of the baseline"
}
for connections in $connection_counts; do
  http_run "$connections"
done

# The HTTP runs leave hundreds of megabytes for the kernel to write back; an import's flush
# would wait behind them. Remove their databases and let the disk settle first.
rm -rf "$work/data" "$work"/baseline-api.db*
sync
for dataset in ucdp-ged acled; do
  case $dataset in
    ucdp-ged) file=$data/events/ucdp_ged191_syria.csv ;;
    acled) file=$data/events/acled_2022h1_sample9000.csv ;;
  esac
  if [[ ! -f $file ]]; then
    echo "== import $dataset: no file at $file, skipped" >&2
    continue
  fi
  echo "== import $dataset: $(basename "$file") (in process; median of 3 runs on fresh databases)"
  out=$("$importer" import "$dataset" "$file" "$work")
  rows_per_second=$(field "$out" rows_per_second)
  baseline_per_second=$(field "$out" baseline_rows_per_second)
  python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"rows                {r['rows']} ({r['inserted']} new)")
print(f"open and migrate    {r['open_and_migrate_seconds'] * 1000:.1f} ms (not counted below)")
if 'import_seconds' in r:
    # Reading the file and storing its events overlap; closing the store afterwards copies the
    # log into the database file.
    print(f"read and store      {r['import_seconds'] * 1000:.1f} ms = {r['rows_per_second']:.0f} rows/s")
    print(f"close (checkpoint)  {r['close_seconds'] * 1000:.1f} ms (not counted above)")
else:
    # Builds before reading and storing overlapped (TOCSIN_BENCH_IMPORTER) timed them apart.
    print(f"parse + store       {r['parse_seconds'] * 1000:.1f} + {r['store_seconds'] * 1000:.1f} ms = {r['rows_per_second']:.0f} rows/s")
print(f"baseline            {r['baseline_seconds'] * 1000:.1f} ms = {r['baseline_rows_per_second']:.0f} rows/s")
if 'floor_seconds' in r:
    # The same rows copied table to table inside SQLite, with Tocsin's schema and settings.
    print(f"SQLite alone        {r['floor_seconds'] * 1000:.1f} ms = {r['floor_rows_per_second']:.0f} rows/s (no parsing, no binding: the floor)")
PY
  echo "ratio               $(ratio "$rows_per_second" "$baseline_per_second") of the baseline"
done
echo "machine             load average $(cut -d' ' -f1-3 /proc/loadavg) after the run"
exit $status
