#!/usr/bin/env bash
# Stage 1 of the JSON scanner (CByteKernels/json_index.c) alone: a base commit's kernels against
# the work tree's, in one process, over the lines of an NDJSON file, alternating rounds in thread
# CPU time (issue 16; scripts/bench/stage1_ab.c). Checks first that both give every line the
# same positions and verdicts.
#
#     scripts/bench/stage1_ab.sh BASE FILE.ndjson [KERNEL] [ROUNDS]
#
# BASE: a commit (e.g. HEAD~1); FILE: plain NDJSON (e.g. the first 60 MB of the benchmark
# export: zcat /tmp/motcua-bench/big.ndjson.gz | head -c 60000000 | head -n -1 > lines.ndjson);
# KERNEL: 1 SSE2, 2 AVX2 (default), 3 AVX-512; ROUNDS: 9.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BASE=${1:?base commit}; FILE=${2:?ndjson file}; KERNEL=${3:-2}; ROUNDS=${4:-9}
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
K="$ROOT/Sources/CByteKernels"
mkdir -p "$WORK/a" "$WORK/b"
# The kernel and the private headers beside it, as each side has them.
for f in $(git -C "$ROOT" ls-tree --name-only "$BASE" Sources/CByteKernels/ | grep -E '/(json_index\.c|[^/]*\.h)$'); do
    git -C "$ROOT" show "$BASE:$f" > "$WORK/a/$(basename "$f")"
done
cp "$K/json_index.c" "$K"/*.h "$WORK/b/"
rename() { echo "-Dmotcua_json_index=$1_index -Dmotcua_json_index_with=$1_index_with -Dmotcua_json_index_line=$1_line -Dmotcua_json_index_line_with=$1_line_with"; }
CC=${CC:-clang}
for v in a b; do
    # shellcheck disable=SC2046
    $CC -O2 -I"$K/include" -I"$WORK/$v" $(rename $v) -c "$WORK/$v/json_index.c" -o "$WORK/$v.o"
done
$CC -O2 -I"$K/include" -I"$K" -c "$K/utf8.c" -o "$WORK/utf8.o"
$CC -O2 "$ROOT/scripts/bench/stage1_ab.c" "$WORK/a.o" "$WORK/b.o" "$WORK/utf8.o" -o "$WORK/stage1_ab"
echo "base $(git -C "$ROOT" rev-parse --short "$BASE"), work tree of $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet -- "$K" || echo ' + changes'); load $(cut -d' ' -f1-3 /proc/loadavg)"
"$WORK/stage1_ab" "$FILE" "$KERNEL" "$ROUNDS"
