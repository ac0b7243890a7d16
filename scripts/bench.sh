#!/usr/bin/env bash
# Speed benchmark: `wsus-triage analyze` (release build) on a large generated WSUS server folder,
# against ripgrep counting the error patterns the signatures look for in the same files.
#
#   scripts/bench.sh                 # ≥ 1 GB of IIS W3C logs + ~240 MB of WindowsUpdate.log and
#                                    # SoftwareDistribution.log under target/bench-logs
#   IIS_MB=200 TEXT_MB=50 scripts/bench.sh   # a smaller run
#   RUNS=5 THREADS=2 scripts/bench.sh
#
# Prints the best wall time of RUNS runs of each tool, MB/s, the ratio and wsus-triage's peak RSS
# (`/usr/bin/time -v`). Both tools read from the page cache (the files are read once before).
# Timings are printed, never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."

IIS_MB=${IIS_MB:-1100}
TEXT_MB=${TEXT_MB:-240}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-target/bench-logs}
THREADS_ARG=()
[ -n "${THREADS:-}" ] && THREADS_ARG=(--threads "$THREADS")

if ! command -v rg >/dev/null 2>&1; then
    echo "ripgrep not found: installing it" >&2
    if command -v apt-get >/dev/null 2>&1; then
        (apt-get install -y ripgrep >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y ripgrep >/dev/null; }) || true
    fi
    command -v rg >/dev/null 2>&1 || cargo install ripgrep
fi

cargo build --release --quiet --bin wsus-triage --example gen_bench_logs
BIN=target/release/wsus-triage

STAMP="$DIR/.generated-$IIS_MB-$TEXT_MB"
if [ ! -f "$STAMP" ]; then
    rm -rf "$DIR"
    echo "generating $IIS_MB MB of IIS logs and $TEXT_MB MB of text logs in $DIR ..." >&2
    target/release/examples/gen_bench_logs "$DIR" "$IIS_MB" "$TEXT_MB"
    touch "$STAMP"
fi

BYTES=$(find "$DIR" -type f ! -name '.generated-*' -printf '%s\n' | awk '{s += $1} END {print s}')
MBYTES=$(awk -v b="$BYTES" 'BEGIN {printf "%.0f", b / 1048576}')
FILES=$(find "$DIR" -type f ! -name '.generated-*' | wc -l)
# Warm the page cache so that both tools read from memory.
find "$DIR" -type f ! -name '.generated-*' -exec cat {} + >/dev/null

# The patterns the signatures use: 401 on /Content/ in IIS logs (WSUS-CONTENT-VROOT-AUTH), and the
# Windows Update error codes (0x8024xxxx, `*FAILED* [8024xxxx]`) of the client and server logs.
RG_ARGS=(-c --no-messages -e ' 401 ' -e '/Content/' -e '0x8024[0-9A-Fa-f]{4}' -e '\[8024[0-9A-Fa-f]{4}\]' "$DIR")

best() { # "wall cpu" of the run with the best wall time among RUNS runs of "$@"
    local best_wall="" best_cpu=""
    for _ in $(seq "$RUNS"); do
        local out wall cpu
        # analyze exits 1 when it has findings: not a failure here.
        /usr/bin/time -o "$TIMES" -f "%e %U %S" "$@" >/dev/null 2>&1 || true
        out=$(tail -1 "$TIMES")
        wall=$(echo "$out" | awk '{print $1}')
        cpu=$(echo "$out" | awk '{print $2 + $3}')
        if [ -z "$best_wall" ] || awk -v a="$wall" -v b="$best_wall" 'BEGIN {exit !(a < b)}'; then
            best_wall=$wall
            best_cpu=$cpu
        fi
    done
    echo "$best_wall $best_cpu"
}

TIMES=$(mktemp)
trap 'rm -f "$TIMES"' EXIT
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
read -r T_WT CPU_WT < <(best "$BIN" analyze --format json "${THREADS_ARG[@]}" "$DIR")
read -r T_RG CPU_RG < <(best rg "${RG_ARGS[@]}")
LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)
/usr/bin/time -o "$TIMES" -v "$BIN" analyze --format json "${THREADS_ARG[@]}" "$DIR" >/dev/null 2>&1 || true
RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TIMES")
RECORDS=$("$BIN" inventory --format json "${THREADS_ARG[@]}" "$DIR" | python3 -c \
    'import json,sys; d=json.load(sys.stdin); print(sum(f.get("records") or 0 for b in d["bundles"] for f in b["files"]))' \
    2>/dev/null || echo "?")

echo "input:        $FILES files, $MBYTES MB ($BYTES bytes), $RECORDS records parsed, $(nproc) cores"
awk -v t="$T_WT" -v c="$CPU_WT" -v m="$MBYTES" 'BEGIN {printf "wsus-triage:  %.2f s  %6.0f MB/s  (analyze --format json; %.2f s of CPU)\n", t, m / t, c}'
awk -v t="$T_RG" -v c="$CPU_RG" -v m="$MBYTES" 'BEGIN {printf "ripgrep:      %.2f s  %6.0f MB/s  (rg -c, 4 patterns; %.2f s of CPU)\n", t, m / t, c}'
awk -v a="$T_WT" -v b="$T_RG" 'BEGIN {printf "ratio:        %.2fx ripgrep'"'"'s time (goal: within 2x)\n", a / b}'
awk -v k="$RSS_KB" 'BEGIN {printf "peak RSS:     %.0f MB (wsus-triage, /usr/bin/time -v; includes mapped file pages)\n", k / 1024}'
echo "load average: $LOAD_BEFORE before, $LOAD_AFTER after (other work on the machine slows both tools)"
