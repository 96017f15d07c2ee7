#!/usr/bin/env bash
# Micro benchmarks (issue 5): the separate Benchmarks/ package (ordo-one/benchmark 1.38.1,
# MallocInterposer trait) — the zlib and ISA-L inflaters, the NDJSON and CSV parse paths,
# date parsing, the merge of partial results, the id tables — with malloc counts, checked
# against the p90 thresholds in Benchmarks/Thresholds/. Not part of `swift test` or .ci/run.
#
#     scripts/bench/micro.sh          # build, run every benchmark once, print the tables,
#                                     # check them against Benchmarks/Thresholds
#
# Environment (all optional):
#   MICRO_TARGET   regex of suites to run: Inflate JSONScan CSVScan Dates Merge IdTable (all)
#   MICRO_FILTER   regex of benchmark names to run (all)
#   MICRO_FORMAT   table format: text or markdown                                  (text)
#   MICRO_UPDATE_THRESHOLDS=1  rewrite Benchmarks/Thresholds from this run instead of
#                  checking (after an intended change; commit the new files)
#
# The run is stored as the baseline "micro" in Benchmarks/.benchmarkBaselines (git-ignored);
# the check compares its p90 values, per benchmark and metric, with the thresholds files and
# the tolerances in Benchmarks/Sources/MicroData (wall clock up to 3×, mallocs +8, bytes +10 %).
# Exit 0 when nothing is worse than its threshold (improvements are reported, not failed),
# 1 on a regression or a failed build/run.
#
# Needs nothing beyond scripts/install-deps.sh: on Swift 6.3 the MallocInterposer trait is the
# malloc-interposer Swift package (no jemalloc, no system package). Build folder: Benchmarks/.build.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BASELINE=micro
"$ROOT/scripts/install-deps.sh"
cd "$ROOT/Benchmarks"

select=()
[ -n "${MICRO_TARGET:-}" ] && select+=(--target "$MICRO_TARGET")
[ -n "${MICRO_FILTER:-}" ] && select+=(--filter "$MICRO_FILTER")

echo "== machine"
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "cpu:     $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GB", $2/1e6}' /proc/meminfo)"
echo "kernel:  $(uname -r)"
echo "swift:   $(swift --version 2>/dev/null | head -1)"
dirty=$(git -C "$ROOT" status --porcelain -- Sources Package.swift | wc -l)
echo "commit:  $(git -C "$ROOT" rev-parse --short HEAD)$([ "$dirty" -eq 0 ] || echo " + $dirty uncommitted paths in Sources/, Package.swift")"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"

echo "== run (swift package benchmark baseline update $BASELINE)"
swift package --allow-writing-to-package-directory benchmark baseline update "$BASELINE" \
    --no-progress "${select[@]}"

echo "== results"
swift package benchmark baseline read "$BASELINE" --no-progress --format "${MICRO_FORMAT:-text}" --path stdout 2>&1 |
    grep -v -e 'runtime interposer' -e 'skipping LD_PRELOAD' -e '^Building' -e '^Build '

if [ -n "${MICRO_UPDATE_THRESHOLDS:-}" ]; then
    echo "== thresholds update (Benchmarks/Thresholds from this run)"
    swift package --allow-writing-to-package-directory benchmark thresholds update "$BASELINE" --no-progress
    exit 0
fi

echo "== thresholds check (p90 of this run against Benchmarks/Thresholds)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
swift package benchmark thresholds check "$BASELINE" --no-progress 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# The plugin ends with an error of this name when a check fails (swift package exits 1 for both).
if grep -q 'benchmarkThresholdRegression' "$log"; then
    echo "== FAIL: worse than the thresholds (see above)"
    exit 1
elif grep -q 'benchmarkThresholdImprovement' "$log"; then
    echo "== OK, with improvements beyond the tolerances: consider MICRO_UPDATE_THRESHOLDS=1"
    exit 0
elif [ "$status" -ne 0 ]; then
    echo "== FAIL: the check did not run (exit $status)"
    exit 1
fi
echo "== OK: every checked metric within its threshold"
