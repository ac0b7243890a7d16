#!/usr/bin/env bash
# Benchmarks `wsus-triage triage` on a generated ticket archive against merely decompressing every
# bundle (`unzip -p` of each to /dev/null), and reports the peak memory of triage (/usr/bin/time -v).
#
#   scripts/bench-triage.sh                      # 200 bundles of 10-100 MB (about 11 GB of logs)
#   BUNDLES=20 MAX_MB=40 scripts/bench-triage.sh # a quicker run
#
# The archive (examples/gen_triage_archive.rs, deterministic) is kept in $ARCHIVE and reused while
# its parameters do not change. Goals: triage within 1.5x of decompression alone, peak RSS < 512 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

BUNDLES=${BUNDLES:-200}
MIN_MB=${MIN_MB:-10}
MAX_MB=${MAX_MB:-100}
SEED=${SEED:-1}
ARCHIVE=${ARCHIVE:-target/bench-triage-archive}
THREADS=${THREADS:-$(nproc)}

command -v unzip >/dev/null || { echo "unzip is needed (apt-get install unzip)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (apt-get install time)" >&2; exit 2; }

cargo build --release --quiet --bin wsus-triage --example gen_triage_archive

stamp="$ARCHIVE/.generated-$BUNDLES-$MIN_MB-$MAX_MB-$SEED"
if [ ! -f "$stamp" ]; then
    rm -rf "$ARCHIVE"
    echo "generating $BUNDLES bundles of $MIN_MB-$MAX_MB MB in $ARCHIVE ..."
    target/release/examples/gen_triage_archive "$ARCHIVE" --bundles "$BUNDLES" \
        --min-mb "$MIN_MB" --max-mb "$MAX_MB" --seed "$SEED"
    touch "$stamp"
fi
zipped=$(du -sm "$ARCHIVE" | cut -f1)
unzipped=$(for z in "$ARCHIVE"/*.zip; do unzip -Zt "$z" | awk '{print $3}'; done | awk '{s+=$1} END {printf "%d", s/1048576}')

now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }
elapsed() { calc "$2 - $1"; }

# Warm the page cache so both runs read from memory.
cat "$ARCHIVE"/*.zip >/dev/null

out=$(mktemp -d)
t0=$(now)
/usr/bin/time -f "%U %S" -o "$out/unzip.txt" sh -c 'for z in "$0"/*.zip; do unzip -p "$z" >/dev/null; done' "$ARCHIVE"
t1=$(now)
unzip_seq=$(elapsed "$t0" "$t1")
unzip_cpu=$(awk '{print $1 + $2}' "$out/unzip.txt")

t0=$(now)
ls "$ARCHIVE"/*.zip | xargs -P "$THREADS" -n 1 sh -c 'unzip -p "$0" >/dev/null'
t1=$(now)
unzip_par=$(elapsed "$t0" "$t1")

t0=$(now)
set +e
/usr/bin/time -v -o "$out/time.txt" target/release/wsus-triage triage "$ARCHIVE" \
    --threads "$THREADS" --format jsonl --output "$out/triage.jsonl"
status=$?
set -e
t1=$(now)
triage=$(elapsed "$t0" "$t1")
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time.txt")
triage_cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$out/time.txt")
summary=$(tail -n 1 "$out/triage.jsonl" | head -c 400)

printf '\narchive:            %d bundles, %d MiB zipped, %d MiB unzipped\n' "$BUNDLES" "$zipped" "$unzipped"
printf 'unzip -p, one by one:     %8.1f s  (%.0f MiB/s)\n' "$unzip_seq" "$(calc "$unzipped / $unzip_seq")"
printf 'unzip -p, %d at a time:    %8.1f s\n' "$THREADS" "$unzip_par"
printf 'triage (%d threads):       %8.1f s  (%.0f MiB/s), exit %d\n' "$THREADS" "$triage" "$(calc "$unzipped / $triage")" "$status"
printf 'triage / unzip one by one: %8.2fx   (goal <= 1.5x)\n' "$(calc "$triage / $unzip_seq")"
printf 'triage / unzip %d at a time: %6.2fx\n' "$THREADS" "$(calc "$triage / $unzip_par")"
printf 'CPU seconds: unzip %.1f, triage %.1f (%.2fx); load average now: %s\n' "$unzip_cpu" "$triage_cpu" "$(calc "$triage_cpu / $unzip_cpu")" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'triage peak RSS:          %8d MiB (goal < 512 MiB)\n' "$((rss_kb / 1024))"
printf 'summary: %s\n' "$summary"
rm -rf "$out"
