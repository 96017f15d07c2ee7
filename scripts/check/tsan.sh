#!/usr/bin/env bash
# ThreadSanitizer: builds the package and its tests with -sanitize=thread and runs the suite.
#
#     scripts/check/tsan.sh [SWIFT-TEST-FILTER]      e.g. scripts/check/tsan.sh 'MergeAndSchedule|Pipelines'
#
# The end-to-end tests run the built `motcua` binary, which is TSan-instrumented too. So that
# TSan does not change what those tests see, every process writes its reports to files under
# $TSAN_DIR (log_path) instead of stderr, and keeps its own exit code (exitcode=0); this script
# then fails if any report was written. Scratch: .build-tsan (separate from the normal build).
# Env: TSAN_DIR (default: a new mktemp -d), JOBS (default 2), EXTRA_TSAN_OPTIONS.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

FILTER=${1:-}
TSAN_DIR=${TSAN_DIR:-$(mktemp -d -t motcua-tsan.XXXXXX)}
mkdir -p "$TSAN_DIR"
rm -f "$TSAN_DIR"/race.*

# halt_on_error=0: report every race, keep going; second_deadlock_stack: both stacks of
# lock-order reports; history_size=4: more memory of old accesses (fewer "failed to restore
# the stack"), at some memory cost.
export TSAN_OPTIONS="log_path=$TSAN_DIR/race exitcode=0 halt_on_error=0 second_deadlock_stack=1 history_size=4 ${EXTRA_TSAN_OPTIONS:-}"

args=(--sanitize=thread --scratch-path .build-tsan -j "${JOBS:-2}")
[[ -n "$FILTER" ]] && args+=(--filter "$FILTER")

echo "tsan: building (swift build --build-tests --sanitize=thread --scratch-path .build-tsan)" >&2
swift build --build-tests --sanitize=thread --scratch-path .build-tsan -j "${JOBS:-2}"

echo "tsan: running tests; reports go to $TSAN_DIR/race.<pid>" >&2
status=0
swift test --skip-build "${args[@]}" || status=$?

reports=$(cat "$TSAN_DIR"/race.* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer' || true)
if [[ "$reports" -gt 0 ]]; then
    echo "tsan: $reports report(s) in $TSAN_DIR:" >&2
    grep -h '^WARNING: ThreadSanitizer\|^SUMMARY: ThreadSanitizer' "$TSAN_DIR"/race.* | sort | uniq -c | sort -rn >&2
    echo "tsan: first report:" >&2
    first=$(grep -l '^WARNING: ThreadSanitizer' "$TSAN_DIR"/race.* | head -1)
    sed -n '/^WARNING: ThreadSanitizer/,/^SUMMARY/p' "$first" | head -80 >&2
    exit 1
fi
[[ $status -ne 0 ]] && { echo "tsan: tests failed (status $status), no TSan reports" >&2; exit "$status"; }
echo "tsan: no reports" >&2
