#!/usr/bin/env bash
# SPEC §8 / issue 5 benchmark, one run, side by side: zlib alone and ISA-L alone inflating the
# input, motcua (1 and 2 threads, each inflater), DuckDB (the oracle of scripts/oracle) and
# Polars (scripts/bench/polars_counters.py) computing the same tt01 counters, on a ~1 GB gzip
# dvcqg-ndjson export and on the same records as an 8-file set — both made by `motcua generate`.
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
#   BENCH_NO_POLARS=1  skip the Polars row
#   BENCH_POLARS_RUNS  timed runs of the (slow) Polars row         (2)
#   BENCH_SCALING_ROUNDS  interleaved rounds of scripts/bench/scaling.py (10; 0 skips it)
#   BENCH_INPUTS_ONLY=1   build and make the inputs, then stop (scripts/bench/dask.sh uses them)
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
POLARS="$ROOT/scripts/bench/polars_counters.py"
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
if ! command -v igzip >/dev/null 2>&1; then
    log "installing igzip (Debian isal)"
    apt-get install -y isal >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y isal >/dev/null; }
fi
if [ -z "${BENCH_NO_POLARS:-}" ] && ! python3 -c 'import polars' 2>/dev/null; then
    log "installing polars (pip)"
    python3 -m pip install -q polars || log "no polars: its rows are skipped"
fi
if [ -z "${BENCH_NO_DUCKDB:-}" ] && ! python3 -c 'import duckdb' 2>/dev/null; then
    log "installing duckdb (pip)"
    python3 -m pip install -q duckdb
fi

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

# ------------------------------------------------------------------ inputs
# `motcua generate` writes one export a day (~7 MB each at 3000 new dossiers a day, records
# of ~1.5 KB with nested attachment/fee/result arrays, some deliberately broken); the days
# concatenated and gzipped (level 6, one member, ~11× like real exports) are the single
# file, and the same days in 8 consecutive groups are the set. Regenerated when the
# generator's sources or the size change (the stamp records both).
DAYS=$(( (MB * 140 + 999) / 1000 ))
GEN_TREE=$(cd "$ROOT" && git rev-parse HEAD:Sources/MotcuaGenerate 2>/dev/null || echo unknown)
STAMP="generate=$GEN_TREE days=$DAYS"
SINGLE="$WORK/big.ndjson.gz"
if [ ! -f "$SINGLE" ] || ! ls "$WORK"/set/part-*.ndjson.gz >/dev/null 2>&1 || [ "$(cat "$WORK/big.stamp" 2>/dev/null)" != "$STAMP" ]; then
    log "generating $DAYS days of exports (motcua generate), then $SINGLE and the 8-file set"
    rm -rf "$WORK/gen" && rm -f "$WORK"/set/part-*.ndjson.gz
    "$MOTCUA" generate --out "$WORK/gen" --units 300 --days "$DAYS" --dossiers-per-day 3000 \
        --start 2024-01-01 --seed 5 --no-gzip --quiet
    DAY_FILES=("$WORK"/gen/exports/hoso-*.ndjson)
    cat "${DAY_FILES[@]}" | gzip -6 > "$SINGLE"
    per=$(( (${#DAY_FILES[@]} + 7) / 8 ))
    for k in 0 1 2 3 4 5 6 7; do
        group=("${DAY_FILES[@]:$((k * per)):$per}")
        [ "${#group[@]}" -gt 0 ] && cat "${group[@]}" | gzip -6 > "$WORK/set/part-0$k.ndjson.gz"
    done
    # The same simulation exported as vendor CSV (§2.3 columns only), for the CSV rows.
    rm -rf "$WORK/gen"
    "$MOTCUA" generate --out "$WORK/gen" --units 300 --days "$DAYS" --dossiers-per-day 3000 \
        --start 2024-01-01 --seed 5 --format csv --no-gzip --quiet
    # One header, then every day's records.
    CSV_FILES=("$WORK"/gen/exports/hoso-*.csv)
    { head -n 1 "${CSV_FILES[0]}"; for f in "${CSV_FILES[@]}"; do tail -n +2 "$f"; done; } | gzip -6 > "$WORK/big.csv.gz"
    rm -rf "$WORK/gen"
    echo "$STAMP" > "$WORK/big.stamp"
fi
SET_FILES=("$WORK"/set/part-*.ndjson.gz)   # sorted by the glob: the input order of SPEC §2.1
[ -n "${BENCH_INPUTS_ONLY:-}" ] && exit 0

# Uncompressed sizes, for MB/s (and a check that both inputs are sound gzip).
SINGLE_BYTES=$("$ZLIB" "$SINGLE" | awk '{print $4}')
SET_BYTES=$("$ZLIB" "${SET_FILES[@]}" | awk '{print $4}')
CSV_BYTES=$("$ZLIB" "$WORK/big.csv.gz" | awk '{print $4}')

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
pipeline csv "$WORK/big.csv.gz"
sed -i 's/format: dvcqg-ndjson/format: csv/' "$WORK/csv.yaml"
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
        hyperfine --style basic --warmup "${WARMUP:-1}" --runs "${N_RUNS:-$RUNS}" --export-json "$WORK/res/$id.json" "$timed" >&2
        python3 -c 'import json,sys; [print(t) for t in json.load(open(sys.argv[1]))["results"][0]["times"]]' \
            "$WORK/res/$id.json" > "$WORK/res/$id.times"
    else
        [ "${WARMUP:-1}" = 0 ] || eval "$timed"   # warm-up
        : > "$WORK/res/$id.times"
        for _ in $(seq "${N_RUNS:-$RUNS}"); do
            local t0 t1
            t0=$(date +%s.%N); eval "$timed"; t1=$(date +%s.%N)
            echo "$t1 - $t0" | bc -l >> "$WORK/res/$id.times"
        done
    fi
    printf '%s\t%s\t%s\n' "$id" "$bytes" "$label" >> "$WORK/res/index.tsv"
}

: > "$WORK/res/index.tsv"
run_m() {   # ID BYTES LABEL PIPELINE THREADS INFLATER
    measure "$1" "$2" "$3" -- "$MOTCUA" run "$WORK/$4.yaml" --threads "$5" --inflater "$6" --quiet --out "$WORK/out/$1"
}
measure zlib "$SINGLE_BYTES" "zlib alone (\`zlib_inflate\`), 1 file" -- "$ZLIB" "$SINGLE"
measure isal "$SINGLE_BYTES" "ISA-L alone (\`igzip -d\`), 1 file" -- igzip -d -c "$SINGLE"
run_m m1 "$SINGLE_BYTES" "\`motcua run --threads 1\` (ISA-L), 1 file" single 1 isal
run_m m1z "$SINGLE_BYTES" "\`motcua run --threads 1 --inflater zlib\`, 1 file" single 1 zlib
run_m m2 "$SINGLE_BYTES" "\`motcua run --threads 2\` (ISA-L), 1 file" single 2 isal
run_m m2z "$SINGLE_BYTES" "\`motcua run --threads 2 --inflater zlib\`, 1 file" single 2 zlib
measure zlib8 "$SET_BYTES" "zlib alone (\`zlib_inflate\`), 8 files" -- "$ZLIB" "${SET_FILES[@]}"
measure isal8 "$SET_BYTES" "ISA-L alone (\`igzip -d\`), 8 files" -- igzip -d -c "${SET_FILES[@]}"
run_m s1 "$SET_BYTES" "\`motcua run --threads 1\` (ISA-L), 8 files" set 1 isal
run_m s2 "$SET_BYTES" "\`motcua run --threads 2\` (ISA-L), 8 files" set 2 isal
run_m s2z "$SET_BYTES" "\`motcua run --threads 2 --inflater zlib\`, 8 files" set 2 zlib
run_m c1 "$CSV_BYTES" "\`motcua run --threads 1\` (ISA-L), CSV, same simulation" csv 1 isal
run_m c2 "$CSV_BYTES" "\`motcua run --threads 2\` (ISA-L), CSV, same simulation" csv 2 isal
if [ -z "${BENCH_NO_DUCKDB:-}" ]; then
    for t in 1 2; do
        measure "d$t" "$SINGLE_BYTES" "DuckDB (counters SQL), threads $t, 1 file" -- \
            python3 "$ORACLE" "${PERIODS[@]}" --threads "$t" --out "$WORK/out/d$t.csv" "$SINGLE"
    done
fi
HAVE_POLARS=
if [ -z "${BENCH_NO_POLARS:-}" ] && [ -f "$POLARS" ] && python3 -c 'import polars' 2>/dev/null; then
    HAVE_POLARS=1
    # ~5× DuckDB's time: two runs, no warm-up, at 2 threads (its faster setting).
    WARMUP=0 N_RUNS=${BENCH_POLARS_RUNS:-2} measure p2 "$SINGLE_BYTES" "Polars (counters expressions), threads 2, 1 file" -- \
        python3 "$POLARS" "${PERIODS[@]}" --threads 2 --out "$WORK/out/p2.csv" "$SINGLE"
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
    same "motcua 1 file, inflater zlib vs ISA-L (1 thread)" "$WORK/out/m1z/counters.csv" "$WORK/out/m1/counters.csv"
    same "motcua 1 file, inflater zlib vs ISA-L (2 threads)" "$WORK/out/m2z/counters.csv" "$WORK/out/m2/counters.csv"
    same "motcua 8 files, threads 1 vs threads 2" "$WORK/out/s1/counters.csv" "$WORK/out/s2/counters.csv"
    same "motcua 8 files vs 1 file (the same records)" "$WORK/out/s2/counters.csv" "$WORK/out/m2/counters.csv"
    if [ -n "$HAVE_POLARS" ]; then
        same "Polars threads 2 vs motcua, 1 file" "$WORK/out/p2.csv" "$WORK/out/m2/counters.csv"
    fi
    if [ -z "${BENCH_NO_DUCKDB:-}" ]; then
        same "DuckDB threads 1 vs motcua, 1 file" "$WORK/out/d1.csv" "$WORK/out/m2/counters.csv"
        same "DuckDB threads 2 vs motcua, 1 file" "$WORK/out/d2.csv" "$WORK/out/m2/counters.csv"
        log "DuckDB on the 8-file set (correctness only, not timed)"
        python3 "$ORACLE" "${PERIODS[@]}" --threads 2 --out "$WORK/out/dset.csv" "${SET_FILES[@]}" 2>/dev/null
        same "DuckDB vs motcua, 8 files" "$WORK/out/dset.csv" "$WORK/out/s2/counters.csv"
    fi
    python3 - "$WORK/out/m2/summary.json" "$WORK/out/s2/summary.json" "$WORK/out/c2/summary.json" <<'EOF'
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
zl = {i: med.get("zlib8") for i in ("zlib8", "isal8", "s1", "s2", "s2z")}
zl.update({i: float("nan") for i in ("c1", "c2")})   # the CSV input is another file
print("| command | median s (min–max) | MB/s uncompressed | peak RSS MiB | ratio to zlib alone |")
print("|---|---:|---:|---:|---:|")
for i, nbytes, label in rows:
    t = times(i)
    z = zl.get(i, med["zlib"])
    ratio = "n/a" if z != z else "%.2f" % (z / med[i])   # nan: no zlib-alone row for this input
    print("| %s | %.2f (%.2f–%.2f) | %.0f | %.1f | %s |"
          % (label, med[i], min(t), max(t), int(nbytes) / 1e6 / med[i], rss(i), ratio))
print()
def r(a, b):
    return "%.2f×" % (med[a] / med[b]) if a in med and b in med else "n/a"
print("- motcua 2 threads vs zlib alone (1 file): %s as fast (SPEC §8: ≥ 1.00×, stretch 2×)" % r("zlib", "m2"))
best = min((i for i in ("d1", "d2") if i in med), key=lambda i: med[i], default=None)
if best:
    print("- motcua 2 threads vs DuckDB's best thread setting (%s, 1 file): %s faster (issue 5: ≥ 3×, stretch 5×)" % (best, r(best, "m2")))
bestp = min((i for i in ("p1", "p2") if i in med), key=lambda i: med[i], default=None)
if bestp:
    print("- motcua 2 threads vs Polars' best thread setting (%s, 1 file): %s faster" % (bestp, r(bestp, "m2")))
print("- motcua 8 files, 2 threads vs 1 thread: %s (SPEC §8: ≥ 1.8×)" % r("s1", "s2"))
print("- motcua 1 file, 2 threads vs 1 thread: %s" % r("m1", "m2"))
print("- motcua 2 threads, zlib as inflater vs zlib alone (1 file): %s as fast" % r("zlib", "m2z"))
print("- ISA-L alone vs zlib alone (1 file): %s as fast" % r("zlib", "isal"))
EOF
echo
echo "Uncompressed input: 1 file $SINGLE_BYTES bytes ($(stat -c %s "$SINGLE") gzip), 8 files $SET_BYTES bytes ($(cat "${SET_FILES[@]}" | wc -c) gzip)."
echo
echo "Counters:"
cat "$CHECKS"

# The 8-file speedup again, in interleaved rounds beside the machine's own 2-way cap (two
# independent half-size runs at once): on a shared host, rows timed minutes apart drift.
if [ "${BENCH_SCALING_ROUNDS:-10}" != 0 ]; then
    echo
    echo "Scaling (scripts/bench/scaling.py, interleaved t1 / t2 / pair rounds):"
    echo
    echo '```'
    BENCH_DIR="$WORK" BENCH_SCRATCH="$SCRATCH" SCALING_ROUNDS="${BENCH_SCALING_ROUNDS:-10}" python3 "$ROOT/scripts/bench/scaling.py"
    echo '```'
fi
