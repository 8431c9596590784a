#!/usr/bin/env bash
# Speed benchmark: the Early Warning Project's fully-out-of-sample backtest (ewp-enet) in R glmnet
# and in Rust (crates/tocsin-risk), measured in the same run, with the ratio.
#
# Usage: bench/risk/run.sh [DATA.csv]
#   DATA.csv defaults to $TOCSIN_DATA/ewp/prepared2024predictors-2025-09-03.csv, with
#   TOCSIN_DATA defaulting to ../shared/data beside the repository.
# Installs Debian's r-base-core and r-cran-glmnet with apt-get when they are missing (needs root
# or sudo). The Rust example is built before anything is timed. Both implementations also
# print their figures, which must agree (12/21/27 caught, AUC 0.825 on the 2025 data).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${1:-${TOCSIN_DATA:-$root/../shared/data}/ewp/prepared2024predictors-2025-09-03.csv}
if [[ ! -f $data ]]; then
  echo "no data file at $data; pass the EWP predictor CSV as the first argument" >&2
  exit 2
fi

if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'library(glmnet)' >/dev/null 2>&1; then
  echo "installing r-base-core and r-cran-glmnet ..." >&2
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq r-base-core r-cran-glmnet >/dev/null
fi

echo "building the Rust example (release) ..." >&2
(cd "$root" && cargo build --release -q -p tocsin-risk --example backtest)
rust_bin=${CARGO_TARGET_DIR:-$root/target}/release/examples/backtest

now() { date +%s%N; }
# with_cpu OUT CPU_FILE COMMAND...: runs COMMAND with stdout to OUT and writes the CPU seconds
# (user + system, all threads) it used to CPU_FILE. On a machine shared with other work the
# wall-clock times move with the load; the CPU times much less.
with_cpu() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys
out, cpu, command = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(out, "w") as stdout:
    subprocess.run(command, stdout=stdout, check=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(cpu, "w").write(str(usage.ru_utime + usage.ru_stime))
PY
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "running R glmnet ..." >&2
load_before=$(cut -d' ' -f1 /proc/loadavg)
started=$(now)
with_cpu "$work/r.json" "$work/r.cpu" Rscript "$here/ewp_backtest.R" "$data"
r_nanos=$(($(now) - started))

echo "running Rust ..." >&2
started=$(now)
with_cpu "$work/rust.json" "$work/rust.cpu" "$rust_bin" --data "$data" --model ewp-enet --json
rust_nanos=$(($(now) - started))
load_after=$(cut -d' ' -f1 /proc/loadavg)

python3 - "$work/r.json" "$work/rust.json" "$r_nanos" "$rust_nanos" "$(nproc)" \
  "$(cat "$work/r.cpu")" "$(cat "$work/rust.cpu")" "$load_before" "$load_after" <<'PY'
import json, sys
r, rust = (json.load(open(path)) for path in sys.argv[1:3])
r_wall, rust_wall, cores = int(sys.argv[3]) / 1e9, int(sys.argv[4]) / 1e9, sys.argv[5]
r_cpu, rust_cpu = float(sys.argv[6]), float(sys.argv[7])
print(f"machine: {cores} cores, load average {sys.argv[8]} before and {sys.argv[9]} after")
print(f"{'':8}{'caught 10/20/30':>18}{'AUC':>9}{'Brier':>10}{'model s':>10}{'process s':>11}")
print(f"{'R':8}{r['caught_10']:>8}/{r['caught_20']}/{r['caught_30']:<5}{r['auc']:>9.4f}{r['brier']:>10.5f}"
      f"{r['seconds']:>10.2f}{r_wall:>11.2f}   ({r['implementation']})")
print(f"{'Rust':8}{rust['caught_10']:>8}/{rust['caught_20']}/{rust['caught_30']:<5}{rust['auc']:>9.4f}"
      f"{rust['brier']:>10.5f}{rust['seconds']:>10.2f}{rust_wall:>11.2f}")
print(f"ratio R / Rust: {r['seconds'] / rust['seconds']:.1f}x (model fitting), "
      f"{r_wall / rust_wall:.1f}x (whole process, including R's start-up and reading the CSV)")
print(f"CPU seconds (all threads): R {r_cpu:.2f}, Rust {rust_cpu:.2f}, ratio {r_cpu / rust_cpu:.1f}x")
same = (r['caught_10'], r['caught_20'], r['caught_30']) == (rust['caught_10'], rust['caught_20'], rust['caught_30'])
if not same or abs(r['auc'] - rust['auc']) > 1e-3:
    print("WARNING: the two implementations disagree")
    sys.exit(1)
PY
