#!/usr/bin/env bash
# Speed benchmark: the Early Warning Project's fully-out-of-sample backtest (ewp-enet) in R glmnet
# and in Rust (crates/tocsin-risk), measured in the same run, with the ratio.
#
# Usage: bench/risk/run.sh [DATA.csv]
#   DATA.csv defaults to $TOCSIN_DATA/ewp/prepared2024predictors-2025-09-03.csv, with
#   TOCSIN_DATA defaulting to ../shared/data beside the repository.
#   ROUNDS (default 3) is how many times each implementation runs, alternately (R, Rust, R,
#   Rust, ...), so that both meet the same conditions; each round's figures are printed, then
#   the median of each implementation's times and the ratio of the medians. On a machine shared
#   with other work one run of each can be 10 % off either way.
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
rounds=${ROUNDS:-3}
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
  echo "ROUNDS must be a whole number of at least 1, not '$rounds'" >&2
  exit 2
fi

load_before=$(cut -d' ' -f1 /proc/loadavg)
for round in $(seq "$rounds"); do
  echo "round $round of $rounds: R glmnet ..." >&2
  started=$(now)
  with_cpu "$work/r.$round.json" "$work/r.$round.cpu" Rscript "$here/ewp_backtest.R" "$data"
  echo $(($(now) - started)) >"$work/r.$round.wall"
  echo "round $round of $rounds: Rust ..." >&2
  started=$(now)
  with_cpu "$work/rust.$round.json" "$work/rust.$round.cpu" "$rust_bin" --data "$data" --model ewp-enet --json
  echo $(($(now) - started)) >"$work/rust.$round.wall"
done
load_after=$(cut -d' ' -f1 /proc/loadavg)

python3 - "$work" "$rounds" "$(nproc)" "$load_before" "$load_after" <<'PY'
import json, statistics, sys
work, rounds, cores, load_before, load_after = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]

def runs(name):
    out = []
    for k in range(1, rounds + 1):
        figures = json.load(open(f"{work}/{name}.{k}.json"))
        figures["wall"] = int(open(f"{work}/{name}.{k}.wall").read()) / 1e9
        figures["cpu"] = float(open(f"{work}/{name}.{k}.cpu").read())
        out.append(figures)
    return out

r, rust = runs("r"), runs("rust")
print(f"machine: {cores} cores, load average {load_before} before and {load_after} after")
print(f"{'round':<7}{'':6}{'caught 10/20/30':>16}{'AUC':>9}{'Brier':>10}{'model s':>10}{'process s':>11}{'CPU s':>9}")
for k in range(rounds):
    for name, f in (("R", r[k]), ("Rust", rust[k])):
        figures = "/".join(str(f[key]) for key in ("caught_10", "caught_20", "caught_30"))
        print(f"{k + 1:<7}{name:6}{figures:>16}{f['auc']:>9.4f}{f['brier']:>10.5f}"
              f"{f['seconds']:>10.2f}{f['wall']:>11.2f}{f['cpu']:>9.2f}")
    print(f"{'':7}ratio R / Rust: {r[k]['seconds'] / rust[k]['seconds']:.1f}x (model fitting)")
median = lambda runs, key: statistics.median(f[key] for f in runs)
print(f"R: {r[0]['implementation']}")
print(f"median of {rounds}: R {median(r, 'seconds'):.2f} s, Rust {median(rust, 'seconds'):.2f} s model fitting")
print(f"ratio R / Rust: {median(r, 'seconds') / median(rust, 'seconds'):.1f}x (model fitting), "
      f"{median(r, 'wall') / median(rust, 'wall'):.1f}x (whole process, including R's start-up and reading the CSV)")
print(f"CPU seconds (all threads): R {median(r, 'cpu'):.2f}, Rust {median(rust, 'cpu'):.2f}, "
      f"ratio {median(r, 'cpu') / median(rust, 'cpu'):.1f}x")
caught = lambda f: (f['caught_10'], f['caught_20'], f['caught_30'])
disagree = [k + 1 for k in range(rounds)
            if caught(r[k]) != caught(rust[k]) or abs(r[k]['auc'] - rust[k]['auc']) > 1e-3]
if disagree:
    print(f"WARNING: the two implementations disagree (round {', '.join(map(str, disagree))})")
    sys.exit(1)
PY
