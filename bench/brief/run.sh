#!/usr/bin/env bash
# Times brief rendering (HTML and PDF, situation and parliamentary) in release mode on a
# realistic fixed brief: 8 incidents on the map, 14 risk factors, 5 drivers, 5 tools with
# caveats, a six-year risk trend and a stage timeline. Usage: bench/brief/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run --release --quiet -p tocsin-brief --example bench -- "${1:-20}"
