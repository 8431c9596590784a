#!/usr/bin/env bash
# What each of the reports table's indexes costs an import, measured with SQLite alone: a
# dataset file is imported once with `tocsin import`, then its report rows are copied with one
# `INSERT ... SELECT` and one commit (WAL, synchronous = FULL, a 128 MB page cache, as an import
# has) into fresh tables with the reports table's columns and fewer and fewer of its indexes.
# No parsing, no values passed in from Rust, no foreign keys: the least any import of those rows
# into that table can take. Prints the median of ROUNDS copies for each variant, in ms and rows/s.
#
# Usage: bench/intake/floor_by_index.sh [DATASET FILE]   (default: acled, the ACLED sample)
# Environment: TOCSIN_DATA (the shared data folder, default ../shared/data beside the
# repository), ROUNDS (default 3). Installs the sqlite3 shell with apt-get when it is missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${TOCSIN_DATA:-$root/../shared/data}
dataset=${1:-acled}
file=${2:-$data/events/acled_2022h1_sample9000.csv}
rounds=${ROUNDS:-3}

if ! command -v sqlite3 >/dev/null 2>&1; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq sqlite3 >/dev/null
fi
(cd "$root" && cargo build --release -q -p tocsin --bin tocsin)
tocsin=${CARGO_TARGET_DIR:-$root/target}/release/tocsin

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TOCSIN_DATA_DIR=$work/data
unset TOCSIN_DATABASE_URL TOCSIN_CONFIG
"$tocsin" init >/dev/null
"$tocsin" import "$dataset" "$file" >/dev/null
source_db=$work/data/tocsin.db
rows=$(sqlite3 "$source_db" "SELECT count(*) FROM reports")

columns="source_id, channel, text, place_name, latitude, longitude, situation_id, place_state, \
observed_at, received_at, language, credibility, tlp, verification, fingerprint, external_ref, \
details_json"

# copy_ms VARIANT: one copy into a fresh database, in milliseconds.
copy_ms() {
  local variant=$1 db=$work/floor.db unique=UNIQUE
  rm -f "$db" "$db-wal" "$db-shm"
  [[ $variant == none ]] && unique=""
  {
    echo "PRAGMA journal_mode = WAL;"
    echo "CREATE TABLE reports (id INTEGER PRIMARY KEY, source_id TEXT, channel TEXT NOT NULL,
      text TEXT NOT NULL, place_name TEXT, latitude REAL, longitude REAL, situation_id TEXT,
      place_state TEXT NOT NULL, observed_at TEXT, received_at TEXT NOT NULL, language TEXT,
      credibility INTEGER NOT NULL DEFAULT 6, tlp TEXT NOT NULL DEFAULT 'TLP:AMBER',
      verification TEXT NOT NULL DEFAULT 'triage', fingerprint TEXT $unique,
      external_ref TEXT $unique, details_json TEXT);"
    if [[ $variant == all || $variant == no-map ]]; then
      echo "CREATE INDEX reports_situation ON reports (situation_id);"
      echo "CREATE INDEX reports_verification ON reports (verification);"
    fi
    if [[ $variant == all ]]; then
      echo "CREATE INDEX reports_map ON reports (situation_id, longitude, latitude, tlp, verification);"
    fi
  } | sqlite3 "$db" >/dev/null
  python3 - "$db" "$source_db" "$columns" <<'PY'
import sqlite3, sys, time
db, source, columns = sys.argv[1:]
connection = sqlite3.connect(db, isolation_level=None)
for pragma in ("synchronous = FULL", "cache_size = -131072", "wal_autocheckpoint = 0"):
    connection.execute(f"PRAGMA {pragma}")
connection.execute("ATTACH DATABASE ? AS imported", (source,))
# The imported rows read once into the page cache before the clock starts.
connection.execute("SELECT count(*), sum(length(details_json)) FROM imported.reports").fetchone()
started = time.perf_counter()
connection.execute("BEGIN IMMEDIATE")
connection.execute(f"INSERT INTO reports ({columns}) SELECT {columns} FROM imported.reports ORDER BY id")
connection.execute("COMMIT")
print(f"{(time.perf_counter() - started) * 1000:.1f}")
PY
}

echo "$dataset: $rows rows from $(basename "$file"), median of $rounds copies, sqlite $(sqlite3 --version | cut -d' ' -f1)"
for variant in all no-map unique-only none; do
  times=()
  for _ in $(seq "$rounds"); do times+=("$(copy_ms "$variant")"); done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  case $variant in
    all) what="all indexes (both unique, situation, verification, map)" ;;
    no-map) what="without the map index" ;;
    unique-only) what="only the two unique indexes" ;;
    none) what="no index at all" ;;
  esac
  printf '%-58s %7.1f ms = %7.0f rows/s\n' "$what" "$median" "$(python3 -c "print($rows / ($median / 1000))")"
done
