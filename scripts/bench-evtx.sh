#!/usr/bin/env bash
# EVTX speed, in one run: wsus-triage's time to read every record of the corpus EVTX files (and
# match them against all signatures) against `evtx_dump -o jsonl` dumping the same files.
# Usage: scripts/bench-evtx.sh [ROUNDS]   (default 20 rounds over ../shared/corpus/evtx)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-20}"
corpus="${SHARED:-$(cd .. && pwd)/shared}/corpus/evtx"
tools="$PWD/target/tools"
[ -x "$tools/bin/evtx_dump" ] || cargo install --quiet --locked --root "$tools" evtx@0.15.1
cargo build --release --quiet
bin=target/release/wsus-triage
bytes=$(du -cb "$corpus"/*.evtx | tail -1 | cut -f1)
t0=$(date +%s.%N)
for _ in $(seq "$rounds"); do "$bin" analyze --format json "$corpus" >/dev/null || true; done
t1=$(date +%s.%N)
for _ in $(seq "$rounds"); do for f in "$corpus"/*.evtx; do "$tools/bin/evtx_dump" -o jsonl "$f" >/dev/null 2>&1 || true; done; done
t2=$(date +%s.%N)
python3 - "$t0" "$t1" "$t2" "$bytes" "$rounds" <<'PY'
import sys
t0, t1, t2, size, rounds = map(float, sys.argv[1:])
ours, dump = t1 - t0, t2 - t1
mb = size * rounds / 1e6
print(f"wsus-triage analyze: {ours:.2f} s ({mb/ours:.0f} MB/s)   evtx_dump -o jsonl: {dump:.2f} s ({mb/dump:.0f} MB/s)")
print(f"ratio wsus-triage / evtx_dump = {ours/dump:.2f}")
PY
