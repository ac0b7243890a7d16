#!/usr/bin/env bash
# Accuracy on the sample bundles: runs tests/accuracy.rs (every bundle of samples/expected.toml, in
# every form it is committed in) and prints its table: per bundle form the findings expected,
# found, missing, allowed (true symptoms that are not the root cause) and extra (at warning or
# above, neither expected nor allowed), the cited evidence that stands; then the totals:
#
#   recall             expected findings found (right severity, at least the confidence asked)
#   precision          findings at warning or above that are expected or allowed / all of them
#   citation honesty   cited evidence whose text stands at the cited line / record / key
#
# Known gaps (`known_gap` in expected.toml) count in the figures but do not fail the test.
#
#   scripts/accuracy.sh            # exit status 1 when an expectation that is not a known gap fails
set -uo pipefail
cd "$(dirname "$0")/.."

out=$(cargo test -q --test accuracy the_sample_bundles_are_diagnosed -- --nocapture 2>&1)
status=$?
table=$(printf '%s\n' "$out" | sed -n '/^ACCURACY/,/^END ACCURACY/p' | sed '$d')
if [ -z "$table" ]; then
    printf '%s\n' "$out"
    exit 1
fi
printf '%s\n' "$table"
if [ $status -ne 0 ]; then
    printf '\nFAILED:\n'
    printf '%s\n' "$out" | sed -n '/panicked at/,/^$/p'
fi
exit $status
