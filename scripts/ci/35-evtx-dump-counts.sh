#!/usr/bin/env bash
# No EVTX record is lost: for every .evtx of the public corpus, wsus-triage reads at least as many
# records as the evtx crate's own `evtx_dump` (which itself never reads fewer than python-evtx).
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus="${SHARED:-$(cd .. && pwd)/shared}/corpus/evtx"
tools="$PWD/target/tools"
if ! [ -x "$tools/bin/evtx_dump" ]; then
  cargo install --quiet --locked --root "$tools" evtx@0.15.1 >/dev/null
fi
bin=target/release/wsus-triage
fail=0
for f in "$corpus"/*.evtx; do
  dump=$("$tools/bin/evtx_dump" -o jsonl "$f" 2>/dev/null | grep -c '^{' || true)
  ours=$("$bin" inventory --format json "$f" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bundles"][0]["files"][0]["records"] or 0)')
  mark="="
  if [ "$ours" -lt "$dump" ]; then mark="LOST"; fail=1; elif [ "$ours" -gt "$dump" ]; then mark="+"; fi
  printf '%-55s evtx_dump %6s  wsus-triage %6s  %s\n' "$(basename "$f")" "$dump" "$ours" "$mark"
done
exit $fail
