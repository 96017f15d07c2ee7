#!/usr/bin/env bash
# The JSON scanner (stage 1 and stage 2) of a base commit against the work tree's, as whole
# processes alternating round by round, in thread CPU time (issue 16): each side is a small
# package (scripts/bench/scan_ab/harness.swift) linked against that side's MotcuaMicroKernels.
# On a shared machine the per-round ratio is the figure to read.
#
#     scripts/bench/scan_ab.sh BASE FILE.ndjson [ROUNDS] [MODE]
#
# BASE: a commit (e.g. HEAD~1); FILE: plain NDJSON (e.g. 30,000
# lines of the benchmark export: zcat /tmp/motcua-bench/big.ndjson.gz | head -n 30000 > s.ndjson);
# ROUNDS: 12; MODE: scan (JSONStructuralScanner.scan) or decode (NDJSONDecoder.decode).
# Builds (release) in a temporary folder; each round runs each side's 8 passes.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BASE=${1:?base commit}; FILE=${2:?ndjson file}; ROUNDS=${3:-12}; MODE=${4:-scan}
WORK=$(mktemp -d)
cleanup() { git -C "$ROOT" worktree remove --force "$WORK/base/motcua" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
git -C "$ROOT" worktree add --detach -q "$WORK/base/motcua" "$BASE"
# One harness package per side, the engine as a path dependency (SwiftPM names it by its
# folder's name, lowercased).
for side in base work; do
    if [ "$side" = base ]; then engine="$WORK/base/motcua"; else engine="$ROOT"; fi
    identity=$(basename "$engine" | tr '[:upper:]' '[:lower:]')
    mkdir -p "$WORK/$side/harness/Sources/harness"
    cp "$ROOT/scripts/bench/scan_ab/harness.swift" "$WORK/$side/harness/Sources/harness/main.swift"
    cat > "$WORK/$side/harness/Package.swift" <<MANIFEST
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "harness",
    dependencies: [.package(path: "$engine")],
    targets: [.executableTarget(name: "harness", dependencies: [.product(name: "MotcuaMicroKernels", package: "$identity")])]
)
MANIFEST
    echo "building $side" >&2
    (cd "$WORK/$side/harness" && swift build -c release -q >&2)
done
echo "base $(git -C "$ROOT" rev-parse --short "$BASE"), work tree of $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet -- Sources || echo ' + changes'); $MODE, $ROUNDS rounds; load $(cut -d' ' -f1-3 /proc/loadavg)"
ratios=()
for r in $(seq "$ROUNDS"); do
    out_a=$("$WORK/base/harness/.build/release/harness" "$FILE" 8 "$MODE")
    out_b=$("$WORK/work/harness/.build/release/harness" "$FILE" 8 "$MODE")
    if [ "$r" = 1 ]; then
        echo "base: $out_a"; echo "work tree: $out_b"
        [ "${out_a%%, best*}" = "${out_b%%, best*}" ] || { echo "the two sides accept different lines" >&2; exit 1; }
    fi
    a=$(echo "$out_a" | sed 's/.*best \([0-9]*\) MB.*/\1/')
    b=$(echo "$out_b" | sed 's/.*best \([0-9]*\) MB.*/\1/')
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')
    ratios+=("$ratio")
    echo "round $r: base $a MB/s, work tree $b MB/s, ratio $ratio (load $(cut -d' ' -f1 /proc/loadavg))"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "median ratio (work tree / base): %.3f (%.3f–%.3f)\n", m, v[1], v[NR] }'
