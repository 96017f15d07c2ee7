#!/usr/bin/env bash
# SPEC §8 benchmark: zlib alone vs motcua (1 and 2 threads, one file and an 8-file set) vs
# DuckDB (the oracle of scripts/oracle, 1 and 2 threads), on a ~1 GB gzip dvcqg-ndjson export.
#
#     scripts/bench/run.sh            # everything; prints a markdown table
#
# Environment (all optional):
#   BENCH_DIR      work folder for inputs, binaries and outputs   (/tmp/motcua-bench)
#   BENCH_MB       uncompressed MB of the export and of the set   (1000)
#   BENCH_RUNS     timed runs per command, median reported        (5)
#   BENCH_SCRATCH  swift build scratch path, relative to the repo (.build-bench)
#   BENCH_NO_BUILD=1   use the motcua binary already built in BENCH_SCRATCH
#   BENCH_NO_DUCKDB=1  skip the DuckDB rows
#
# Wall time: median of BENCH_RUNS runs after one warm-up run (inputs in the page cache), by
# hyperfine when it can be had (installed with apt-get if missing), else a /usr/bin/time loop.
# Peak RSS: the largest maximum resident set size (/usr/bin/time -f %M) over all those runs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=${BENCH_DIR:-/tmp/motcua-bench}
MB=${BENCH_MB:-1000}
RUNS=${BENCH_RUNS:-5}
SCRATCH=${BENCH_SCRATCH:-.build-bench}
MOTCUA="$ROOT/$SCRATCH/release/motcua"
ZLIB="$WORK/zlib_inflate"
ORACLE="$ROOT/scripts/oracle/counters.py"
PERIODS=(--kind month --from 2024-01-01 --to 2024-12-31 --rules tt01)

mkdir -p "$WORK/set" "$WORK/res" "$WORK/out"
exec > >(tee "$WORK/res/report.md")   # the report (stdout) is also kept there
log() { printf '== %s\n' "$*" >&2; }

# ------------------------------------------------------------------ tools
if [ ! -x /usr/bin/time ]; then
    log "installing GNU time"
    apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y time >/dev/null; }
fi
if ! command -v hyperfine >/dev/null 2>&1; then
    log "installing hyperfine"
    apt-get install -y hyperfine >/dev/null 2>&1 ||
        { apt-get update >/dev/null 2>&1 && apt-get install -y hyperfine >/dev/null 2>&1; } ||
        log "no hyperfine: falling back to /usr/bin/time loops"
fi
if [ -z "${BENCH_NO_DUCKDB:-}" ] && ! python3 -c 'import duckdb' 2>/dev/null; then
    log "installing duckdb (pip)"
    python3 -m pip install -q duckdb
fi

# ------------------------------------------------------------------ inputs
# Regenerated when the generator or the size changes (the stamp records both).
STAMP="$(sha256sum "$ROOT/scripts/bench/gen_big.py" | cut -c1-16) mb=$MB"
SINGLE="$WORK/big.ndjson.gz"
if [ ! -f "$SINGLE" ] || [ "$(cat "$WORK/big.stamp" 2>/dev/null)" != "$STAMP" ]; then
    log "generating $SINGLE ($MB MB uncompressed)"
    python3 "$ROOT/scripts/bench/gen_big.py" --mb "$MB" --out "$SINGLE" >&2
    echo "$STAMP" > "$WORK/big.stamp"
fi
if ! ls "$WORK"/set/part-*.ndjson.gz >/dev/null 2>&1 || [ "$(cat "$WORK/set.stamp" 2>/dev/null)" != "$STAMP" ]; then
    log "generating the 8-file set in $WORK/set ($MB MB uncompressed in all)"
    rm -f "$WORK"/set/part-*.ndjson.gz
    python3 "$ROOT/scripts/bench/gen_big.py" --mb "$MB" --files 8 --out "$WORK/set/part" >&2
    echo "$STAMP" > "$WORK/set.stamp"
fi
SET_FILES=("$WORK"/set/part-*.ndjson.gz)   # sorted by the glob: the input order of SPEC §2.1

# ------------------------------------------------------------------ builds
log "building zlib_inflate"
cc -O2 -o "$ZLIB" "$ROOT/scripts/bench/zlib_inflate.c" -lz
if [ -z "${BENCH_NO_BUILD:-}" ]; then
    log "building motcua (swift build -c release --scratch-path $SCRATCH)"
    # (retried: a source file edited during the build makes swift build fail)
    for try in 1 2 3 4 5; do
        (cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" >&2) && break
        [ "$try" = 5 ] && { echo "swift build failed" >&2; exit 1; }
        sleep 20
    done
fi
[ -x "$MOTCUA" ] || { echo "no motcua binary at $MOTCUA" >&2; exit 1; }

# Uncompressed sizes, for MB/s (and a check that both inputs are sound gzip).
SINGLE_BYTES=$("$ZLIB" "$SINGLE" | awk '{print $4}')
SET_BYTES=$("$ZLIB" "${SET_FILES[@]}" | awk '{print $4}')

# ------------------------------------------------------------------ pipelines
pipeline() {   # name, input glob
    cat > "$WORK/$1.yaml" <<EOF
version: 1
name: bench-$1
timezone: "+07:00"
inputs:
  - format: dvcqg-ndjson
    paths: ["$2"]
periods: { kind: month, from: 2024-01-01, to: 2024-12-31 }
rules: tt01
outputs: { dir: $WORK/out/$1, formats: [csv] }
EOF
}
pipeline single "$SINGLE"
pipeline set "$WORK/set/part-*.ndjson.gz"

# ------------------------------------------------------------------ measuring
# measure ID BYTES LABEL -- COMMAND...   → $WORK/res/ID.times (seconds, one a line), ID.rss (KiB)
measure() {
    local id=$1 bytes=$2 label=$3; shift 4
    local cmd rss="$WORK/res/$id.rss"
    printf -v cmd '%q ' "$@"
    : > "$rss"
    log "measuring: $label"
    local timed="/usr/bin/time -f %M -a -o $rss $cmd >/dev/null"
    if command -v hyperfine >/dev/null 2>&1; then
        hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$WORK/res/$id.json" "$timed" >&2
        python3 -c 'import json,sys; [print(t) for t in json.load(open(sys.argv[1]))["results"][0]["times"]]' \
            "$WORK/res/$id.json" > "$WORK/res/$id.times"
    else
        eval "$timed"   # warm-up
        : > "$WORK/res/$id.times"
        for _ in $(seq "$RUNS"); do
            local t0 t1
            t0=$(date +%s.%N); eval "$timed"; t1=$(date +%s.%N)
            echo "$t1 - $t0" | bc -l >> "$WORK/res/$id.times"
        done
    fi
    printf '%s\t%s\t%s\n' "$id" "$bytes" "$label" >> "$WORK/res/index.tsv"
}

: > "$WORK/res/index.tsv"
measure zlib "$SINGLE_BYTES" "zlib alone (\`zlib_inflate\`), 1 file" -- "$ZLIB" "$SINGLE"
measure m1 "$SINGLE_BYTES" "\`motcua run --threads 1\`, 1 file" -- \
    "$MOTCUA" run "$WORK/single.yaml" --threads 1 --quiet --out "$WORK/out/m1"
measure m2 "$SINGLE_BYTES" "\`motcua run --threads 2\`, 1 file" -- \
    "$MOTCUA" run "$WORK/single.yaml" --threads 2 --quiet --out "$WORK/out/m2"
if "$MOTCUA" run --help 2>&1 | grep -q -- '--inflater'; then
    # The same with zlib as the inflater (the default is ISA-L igzip where built with it).
    measure m2z "$SINGLE_BYTES" "\`motcua run --threads 2 --inflater zlib\`, 1 file" -- \
        "$MOTCUA" run "$WORK/single.yaml" --threads 2 --inflater zlib --quiet --out "$WORK/out/m2z"
fi
measure zlib8 "$SET_BYTES" "zlib alone (\`zlib_inflate\`), 8 files" -- "$ZLIB" "${SET_FILES[@]}"
measure s1 "$SET_BYTES" "\`motcua run --threads 1\`, 8 files" -- \
    "$MOTCUA" run "$WORK/set.yaml" --threads 1 --quiet --out "$WORK/out/s1"
measure s2 "$SET_BYTES" "\`motcua run --threads 2\`, 8 files" -- \
    "$MOTCUA" run "$WORK/set.yaml" --threads 2 --quiet --out "$WORK/out/s2"
if [ -z "${BENCH_NO_DUCKDB:-}" ]; then
    measure d1 "$SINGLE_BYTES" "DuckDB oracle, threads 1, 1 file" -- \
        python3 "$ORACLE" "${PERIODS[@]}" --threads 1 --out "$WORK/out/d1.csv" "$SINGLE"
    measure d2 "$SINGLE_BYTES" "DuckDB oracle, threads 2, 1 file" -- \
        python3 "$ORACLE" "${PERIODS[@]}" --threads 2 --out "$WORK/out/d2.csv" "$SINGLE"
fi

# ------------------------------------------------------------------ same counters?
same() {   # label, file A, file B
    if cmp -s "$2" "$3"; then
        echo "- $1: equal ($(($(wc -l < "$2") - 1)) rows)"
    else
        echo "- $1: **DIFFERENT** ($2 vs $3); first differing rows:"
        echo '```'
        diff "$2" "$3" | head -n 20 || true
        echo '```'
    fi
}
CHECKS="$WORK/res/checks.md"
{
    same "motcua 1 file, threads 1 vs threads 2" "$WORK/out/m1/counters.csv" "$WORK/out/m2/counters.csv"
    [ -f "$WORK/out/m2z/counters.csv" ] &&
        same "motcua 1 file, inflater zlib vs default" "$WORK/out/m2z/counters.csv" "$WORK/out/m2/counters.csv"
    same "motcua 8 files, threads 1 vs threads 2" "$WORK/out/s1/counters.csv" "$WORK/out/s2/counters.csv"
    if [ -z "${BENCH_NO_DUCKDB:-}" ]; then
        same "DuckDB threads 1 vs motcua, 1 file" "$WORK/out/d1.csv" "$WORK/out/m2/counters.csv"
        same "DuckDB threads 2 vs motcua, 1 file" "$WORK/out/d2.csv" "$WORK/out/m2/counters.csv"
        log "DuckDB on the 8-file set (correctness only, not timed)"
        python3 "$ORACLE" "${PERIODS[@]}" --threads 2 --out "$WORK/out/dset.csv" "${SET_FILES[@]}" 2>/dev/null
        same "DuckDB vs motcua, 8 files" "$WORK/out/dset.csv" "$WORK/out/s2/counters.csv"
    fi
    python3 - "$WORK/out/m2/summary.json" "$WORK/out/s2/summary.json" <<'EOF'
import json, sys
for p in sys.argv[1:]:
    a = json.load(open(p))["accounting"]
    print("- accounting (%s): %s" % (p, ", ".join("%s %d" % kv for kv in a.items())))
EOF
} > "$CHECKS"

# ------------------------------------------------------------------ table
python3 - "$WORK/res" <<'EOF'
import statistics, sys, os
res = sys.argv[1]
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(res, "index.tsv"))]
def times(i): return [float(x) for x in open(os.path.join(res, i + ".times")) if x.strip()]
def rss(i):
    v = [int(x) for x in open(os.path.join(res, i + ".rss")) if x.strip().isdigit()]
    return max(v) / 1024 if v else float("nan")
med = {i: statistics.median(times(i)) for i, _, _ in rows}
zl = {"zlib8": med.get("zlib8"), "s1": med.get("zlib8"), "s2": med.get("zlib8")}
print("| command | median s (min–max) | MB/s uncompressed | peak RSS MiB | ratio to zlib alone |")
print("|---|---:|---:|---:|---:|")
for i, nbytes, label in rows:
    t = times(i)
    z = zl.get(i, med["zlib"])
    print("| %s | %.2f (%.2f–%.2f) | %.0f | %.1f | %.2f |"
          % (label, med[i], min(t), max(t), int(nbytes) / 1e6 / med[i], rss(i), z / med[i]))
print()
def r(a, b):
    return "%.2f×" % (med[a] / med[b]) if a in med and b in med else "n/a"
print("- motcua 2 threads vs zlib alone (1 file): %s as fast (SPEC §8: ≥ 1.00×, stretch 2×)" % r("zlib", "m2"))
print("- motcua 2 threads vs DuckDB 2 threads (1 file): %s faster (SPEC §8: ≥ 3×, stretch 5×)" % r("d2", "m2"))
print("- motcua 2 threads vs DuckDB 1 thread (1 file): %s faster" % r("d1", "m2"))
print("- motcua 8 files, 2 threads vs 1 thread: %s (SPEC §8: ≥ 1.8×)" % r("s1", "s2"))
print("- motcua 1 file, 2 threads vs 1 thread: %s" % r("m1", "m2"))
if "m2z" in med:
    print("- motcua 2 threads, zlib as inflater vs zlib alone (1 file): %s as fast" % r("zlib", "m2z"))
EOF
echo
echo "Uncompressed input: 1 file $SINGLE_BYTES bytes ($(stat -c %s "$SINGLE") gzip), 8 files $SET_BYTES bytes ($(cat "${SET_FILES[@]}" | wc -c) gzip)."
echo
echo "Counters:"
cat "$CHECKS"
