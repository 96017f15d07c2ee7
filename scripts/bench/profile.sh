#!/usr/bin/env bash
# perf profile of `motcua run --threads 2` on the benchmark's single file (run.sh makes the
# input, the pipeline and the binary first). Prints the top entries by shared object and by
# symbol (self time, --no-children).
#
#     scripts/bench/profile.sh [TOP]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=${BENCH_DIR:-/tmp/motcua-bench}
SCRATCH=${BENCH_SCRATCH:-.build-bench}
MOTCUA="$ROOT/$SCRATCH/release/motcua"
TOP=${1:-25}
[ -f "$WORK/single.yaml" ] || { echo "run scripts/bench/run.sh first" >&2; exit 1; }
command -v perf >/dev/null || { echo "perf is not installed" >&2; exit 1; }

perf record -g -o "$WORK/perf.data" -- "$MOTCUA" run "$WORK/single.yaml" --threads 2 --quiet \
    --out "$WORK/out/perf" >/dev/null 2>"$WORK/perf.record.log"
# Swift symbols demangled (swift demangle), the empty trailing columns cut; `|| true`
# because head closes the pipe early.
tidy() {
    if command -v swift >/dev/null; then swift demangle --simplified; else cat; fi |
        sed -e 's/[[:space:]-]*$//' | grep -v '^#' | grep -v '^$' | head -n "$1" || true
}
report() { perf report -i "$WORK/perf.data" --no-children --stdio -g none "$@" 2>/dev/null || true; }
echo "### perf report --no-children --sort dso"
report --sort dso | tidy "$TOP"
echo
echo "### perf report --no-children --sort symbol"
report --sort symbol | tidy "$TOP"
echo
echo "### perf report --no-children --sort pid,dso (per thread)"
report --sort pid,dso | tidy 16
