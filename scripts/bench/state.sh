#!/usr/bin/env bash
# The state between runs (issue 13, REFERENCE §7.7): a state holding a year of daily exports
# (~1 GB uncompressed) plus one new day. Measures, with 2 threads:
#
#   full       the run over all the files, without a state
#   nightly    the run with the state after the new day was added (the state restored from a
#              pristine copy before each repetition, outside the timed part)
#   rebuild    the same with --full-refresh (every file read, the state written anew)
#   nothing    a run with the state when nothing is new
#   compacting the nightly run that compacts the state (MOTCUA_STATE_DELTAS=0: every partition
#              written anew, as every night did before deltas; a night past the delta limit)
#   asof       the nightly run of the guide's cron, `--as-of` the new day, over a state kept by a
#              run `--as-of` the day before: the last period moved, so the roll-up sums it anew
#              (the other periods from the sums the state kept); its outputs are compared with
#              a full run `--as-of` the new day
#
# for two pipelines over the same inputs and the same state (the state does not depend on the
# outputs): "daily" writes what pipelines/daily.yaml writes (counters and KPIs as csv and json,
# form II.06a as csv and xlsx, broken down by sector), "lean" only counters.csv and kpis.csv —
# the difference is what the outputs cost every run, with a state or without. Prints a markdown
# report: wall medians and the ratio to the full run, peak RSS against SPEC's bound (100 MiB +
# 200 B per distinct dossier), the state's bytes per dossier against 64 + the id's length, and
# the nightly run's phases from the MOTCUA_DEBUG=1 debug lines.
#
#     scripts/bench/state.sh [path/to/motcua]      # default .build/release/motcua
#
# Environment (all optional):
#   STATE_BENCH_DIR   work folder, outside the repo        (/tmp/motcua-state-bench)
#   STATE_PER_DAY     --dossiers-per-day of the generator   (1150: ~1.1 GB over 366 days)
#   STATE_UNITS       --units                               (300)
#   STATE_RUNS        timed runs per command (median)       (7)
#   STATE_RSS_RUNS    /usr/bin/time runs per command (max)  (3)
#   STATE_THREADS     --threads                             (2)
#
# Wall time by hyperfine when installed (else a /usr/bin/time loop); inputs and state in the
# page cache (one warm-up run, and `sync` after restoring the state so that writing back the
# copy does not land inside the timed run). Peak RSS: the largest %M of GNU time over the runs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MOTCUA=$(readlink -f "${1:-$ROOT/.build/release/motcua}")
WORK=${STATE_BENCH_DIR:-/tmp/motcua-state-bench}
PER_DAY=${STATE_PER_DAY:-1150}
UNITS=${STATE_UNITS:-300}
RUNS=${STATE_RUNS:-7}
RSS_RUNS=${STATE_RSS_RUNS:-3}
T=${STATE_THREADS:-2}
DAYS=366   # 2024-01-01 … 2024-12-31: the state holds the first 365, the last is the new day

[ -x "$MOTCUA" ] || { echo "no motcua binary at $MOTCUA (swift build -c release)" >&2; exit 2; }
mkdir -p "$WORK/res"
cd "$WORK"
log() { printf '== %s\n' "$*" >&2; }

# ------------------------------------------------------------------ the year of exports
if [ ! -f Y/.done ] || [ "$(cat Y/.done)" != "$UNITS $PER_DAY $DAYS" ]; then
    log "generating $DAYS days, $UNITS units, $PER_DAY dossiers a day"
    rm -rf Y
    "$MOTCUA" generate --out Y --units "$UNITS" --days "$DAYS" --dossiers-per-day "$PER_DAY" \
        --start 2024-01-01 --threads "$T" --quiet
    echo "$UNITS $PER_DAY $DAYS" > Y/.done
fi
mapfile -t DAYFILES < <(ls Y/exports | sort)
NEW=${DAYFILES[$((DAYS - 1))]}
rm -rf in && mkdir in
for f in "${DAYFILES[@]:0:$((DAYS - 1))}"; do ln "Y/exports/$f" "in/$f"; done   # hard links: no copy, no symlink warnings

for name in daily lean; do
    case $name in
        daily) outputs='{ dir: out, formats: [csv, json], form_ii06a: true, form_ii06a_xlsx: true }' ;;
        lean)  outputs='{ dir: out, formats: [csv] }' ;;
    esac
    cat > "$name.yaml" <<YAML
version: 1
name: state-bench-$name
inputs: [{ format: dvcqg-ndjson, paths: ["in/*.ndjson.gz"] }]
catalogs: { units: Y/catalogs/units.csv, procedures: Y/catalogs/procedures.csv }
periods: { kind: month, from: 2024-01-01, to: 2024-12-31 }
rules: tt01
breakdown: [sector]
outputs: $outputs
limits: { max_reject_rate: 0.01, on_corrupt_input: fail }
YAML
done

# ------------------------------------------------------------------ the pristine states
log "state over $((DAYS - 1)) days (st0), then the new day $NEW"
rm -rf st0 st st1
"$MOTCUA" run daily.yaml --quiet --threads "$T" --state st0 --out o-first
ln "Y/exports/$NEW" "in/$NEW"
cp -a st0 st1
"$MOTCUA" run daily.yaml --quiet --threads "$T" --state st1 --out o-st1   # st1: after the night, nothing new for it
NEW_DAY=$(echo "$NEW" | grep -o '[0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}')
PREV_DAY=$(date -u -d "$NEW_DAY - 1 day" +%F)
rm -rf st0a && mv "in/$NEW" "new.tmp"   # st0a: st0 kept by a run --as-of the day before
"$MOTCUA" run daily.yaml --quiet --threads "$T" --state st0a --out o-first-asof --as-of "$PREV_DAY"
mv new.tmp "in/$NEW"
sync

RESTORE="rm -rf st && cp -a st0 st && sync"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
KINDS=(full nightly rebuild nothing compacting asof)
declare -A MEDIAN MIN MAX RSS CPU

median_of() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

measure() {   # measure PIPELINE: fills MEDIAN/MIN/MAX/RSS[PIPELINE.kind] and res/PIPELINE.phases
    local p=$1 k key
    local run="$MOTCUA run $p.yaml --quiet --threads $T"
    declare -A CMD=(
        [full]="$run --out o-$p-full"
        [nightly]="$run --state st --out o-$p-nightly"
        [rebuild]="$run --state st --out o-$p-rebuild --full-refresh"
        [nothing]="$run --state st1 --out o-$p-nothing"
        [compacting]="env MOTCUA_STATE_DELTAS=0 $run --state st --out o-$p-compacting"
        [asof]="$run --state st --out o-$p-asof --as-of $NEW_DAY"
    )
    declare -A PREP=([full]="true" [nightly]="$RESTORE" [rebuild]="$RESTORE" [nothing]="true" [compacting]="$RESTORE"
                     [asof]="rm -rf st && cp -a st0a st && sync")
    for k in "${KINDS[@]}"; do
        key="$p.$k"
        log "timing $key: ${CMD[$k]}"
        if command -v hyperfine >/dev/null; then
            hyperfine --style none --warmup 1 --runs "$RUNS" --prepare "${PREP[$k]}" \
                --export-json "res/$key.json" -n "$key" "${CMD[$k]}" >&2
            read -r "MEDIAN[$key]" "MIN[$key]" "MAX[$key]" "CPU[$key]" < <(python3 -c "
import json, sys; r = json.load(open(sys.argv[1]))['results'][0]; print(r['median'], r['min'], r['max'], r['user'] + r['system'])" "res/$key.json")
        else
            bash -c "${PREP[$k]}"; bash -c "${CMD[$k]}"      # warm-up
            : > "res/$key.times"
            for _ in $(seq "$RUNS"); do
                bash -c "${PREP[$k]}"
                /usr/bin/time -f %e -a -o "res/$key.times" bash -c "${CMD[$k]}"
            done
            MEDIAN[$key]=$(median_of < "res/$key.times")
            MIN[$key]=$(sort -g "res/$key.times" | head -1); MAX[$key]=$(sort -g "res/$key.times" | tail -1)
            CPU[$key]=nan
        fi
    done
    for k in "${KINDS[@]}"; do
        key="$p.$k"
        : > "res/$key.rss"
        for _ in $(seq "$RSS_RUNS"); do
            bash -c "${PREP[$k]}"
            /usr/bin/time -f %M -a -o "res/$key.rss" ${CMD[$k]}
        done
        RSS[$key]=$(sort -g "res/$key.rss" | tail -1)
    done
    # The outputs agree with the full run's (summary.json aside: timing and `state`); the
    # as-of night's with a full run --as-of the same day.
    $run --out "o-$p-full-asof" --as-of "$NEW_DAY"
    for k in nightly rebuild nothing compacting asof; do
        local reference="o-$p-full"
        [ "$k" = asof ] && reference="o-$p-full-asof"
        for f in "$reference"/*; do
            local n; n=$(basename "$f")
            [ "$n" = summary.json ] && continue
            cmp -s "$f" "o-$p-$k/$n" || { echo "o-$p-$k/$n differs from $reference's" >&2; exit 1; }
        done
    done
    grep -q '"rollup":"updated"' "o-$p-asof/summary.json" || { echo "o-$p-asof: the roll-up did not update the kept sums" >&2; exit 1; }
    grep -q '"rollup":"updated"' "o-$p-nightly/summary.json" || { echo "o-$p-nightly: the roll-up did not update the kept sums" >&2; exit 1; }
    # Both nights load only part of the state: the new day's ids (and, the cron night, the
    # dossiers that may count in the moved period).
    for k in nightly asof; do
        python3 -c "
import json, sys; s = json.load(open(sys.argv[1]))['state']
sys.exit(0 if s['dossiers_loaded'] < s['dossiers'] / 2 else 1)" "o-$p-$k/summary.json" \
            || { echo "o-$p-$k: the night loaded every saved dossier" >&2; exit 1; }
    done
    # The nightly run's phases: MOTCUA_DEBUG=1 marks (seconds since the run started); then the
    # same for a night that compacts (res/$p.compacting.phases).
    local deltas
    for deltas in "" 0; do
        local phases="res/$p.phases"
        [ -n "$deltas" ] && phases="res/$p.compacting.phases"
        : > "$phases"
        for i in $(seq "$RUNS"); do
            bash -c "$RESTORE"
            local t0 t1; t0=$(date +%s.%N)
            env ${deltas:+MOTCUA_STATE_DELTAS=$deltas} MOTCUA_DEBUG=1 "$MOTCUA" run "$p.yaml" --threads "$T" --state st --out "o-$p-nightly" > "res/$p.debug" 2>&1
            t1=$(date +%s.%N)
            sed -nE 's/.* debug motcua: (.* )?seconds=([0-9.e-]+) \[MotcuaRun\] (.*)$/'"$i"'\t\3\t\2/p' "res/$p.debug" >> "$phases"
            printf '%s\twall\t%s\n' "$i" "$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$t1")" >> "$phases"
        done
    done
}

for p in daily lean; do measure "$p"; done

# ------------------------------------------------------------------ the state's size
"$MOTCUA" state st1 > res/state.txt
cat res/state.txt >&2
read -r DOSSIERS STATE_BYTES PART_BYTES ID_AVG PART_DOSSIERS < <(python3 - st1 res/state.txt <<'PY'
import os, re, struct, sys
root = sys.argv[1]
gen = os.path.join(root, os.readlink(os.path.join(root, "current")))
total = sum(os.path.getsize(os.path.join(gen, n)) for n in os.listdir(gen))
part_bytes, n, id_bytes = 0, 0, 0
for name in sorted(os.listdir(gen)):
    if not name.startswith("part-"):
        continue
    data = open(os.path.join(gen, name), "rb").read()
    part_bytes += len(data)
    # 32-byte header, u64 count, then dossiers of 56 fixed bytes + id (its length a u16 at 54).
    count = struct.unpack_from("<q", data, 32)[0]
    at = 40
    for _ in range(count):
        k = struct.unpack_from("<H", data, at + 54)[0]
        id_bytes += k
        at += 56 + k
    n += count
# The state's dossiers (the partitions' and the deltas' new ones), as `motcua state` counts them.
dossiers = int(re.search(r"dossiers +(\d+)", open(sys.argv[2]).read()).group(1))
print(dossiers, total, part_bytes, id_bytes / n, n)
PY
)

# ------------------------------------------------------------------ the report
read -r NREC NDOS UBYTES CBYTES < <(python3 -c "
import json; s = json.load(open('o-daily-full/summary.json')); a = s['accounting']
print(a['records'], a['dossiers'], sum(i['bytes'] for i in s['inputs']), sum(i['compressed_bytes'] for i in s['inputs']))")
BOUND_KB=$(( (100 * 1048576 + 200 * NDOS) / 1024 ))
fmt() { python3 -c "import sys; print(f'{float(sys.argv[1]):.2f}')" "$1"; }
mib() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1024:.0f}')" "$1"; }

echo "### $DAYS daily exports, $(date -u '+%Y-%m-%d %H:%M') UTC, motcua $(cd "$ROOT" && git rev-parse --short HEAD)"
echo
echo "Input: $DAYS files, $UBYTES bytes uncompressed ($CBYTES gzip), $NREC records, $NDOS distinct dossiers;"
echo "the state holds the first $((DAYS - 1)) files, the new day is $NEW ($(stat -c %s "Y/exports/$NEW") bytes gzip)."
echo "--threads $T; wall: median of $RUNS runs after one warm-up (min – max); CPU: hyperfine's mean user + system time;"
echo "peak RSS: the largest of $RSS_RUNS runs; load average before / after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)."
echo "SPEC's bound for $NDOS dossiers: 100 MiB + 200 B × dossiers = $(mib "$BOUND_KB") MiB."
echo
echo "| pipeline | run | wall median (s) | min – max (s) | × full | CPU user+sys, mean (s) | peak RSS (MiB) |"
echo "|---|---|---:|---:|---:|---:|---:|"
for p in daily lean; do
    for k in "${KINDS[@]}"; do
        key="$p.$k"
        ratio=$(python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "${MEDIAN[$key]}" "${MEDIAN[$p.full]}")
        echo "| $p | $k | $(fmt "${MEDIAN[$key]}") | $(fmt "${MIN[$key]}") – $(fmt "${MAX[$key]}") | $ratio | $(fmt "${CPU[$key]}") | $(mib "${RSS[$key]}") |"
    done
done
echo
python3 -c "
import sys
n, total, part, idavg, pn = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
print(f'State (st1: the state after the night, with its delta): {total:,} bytes for {n:,} dossiers = '
      f'**{total / n:.1f} B per dossier** (the 64 partitions alone {part / pn:.1f} per dossier they hold); average id length {idavg:.1f} B, '
      f'so the target 64 + id = {64 + idavg:.1f} B.')
" "$DOSSIERS" "$STATE_BYTES" "$PART_BYTES" "$ID_AVG" "$PART_DOSSIERS"
echo
echo "The nightly run's phases (MOTCUA_DEBUG=1 marks; seconds per phase, median of $RUNS runs of their own), and"
echo "those of a night that compacts:"
echo
python3 - res/daily.phases res/lean.phases res/daily.compacting.phases res/lean.compacting.phases <<'PY'
import statistics, sys
names = ["state planned (digests)", "state loaded", "new files read", "read and reduced", "rolled up", "rendered",
         "state written", "state switched", "published"]
label = {"state planned (digests)": "resolve, list the inputs, digest them, plan",
         "state loaded": "load the state (the ledger's figures and the kept sums; every dossier only when the night needs them)",
         "new files read": "read the new file",
         "read and reduced": "load the saved versions of the new file's ids (all of them on a compacting night), merge",
         "rolled up": "roll up", "rendered": "render the outputs", "state written": "write the generation (fsynced)",
         "state switched": "switch `current`, remove the previous generation", "published": "publish the outputs"}
cols = []
for path in sys.argv[1:5]:
    runs = {}
    for line in open(path):
        i, phase, t = line.rstrip("\n").split("\t")
        runs.setdefault(i, {})[phase] = float(t)
    per = {n: [] for n in names}
    for marks in runs.values():
        prev = 0.0
        for n in names:
            per[n].append(marks[n] - prev)
            prev = marks[n]
    med = {n: statistics.median(v) for n, v in per.items()}
    med["outside"] = statistics.median(r["wall"] - r["published"] for r in runs.values())
    med["wall"] = statistics.median(r["wall"] for r in runs.values())
    cols.append(med)
print("| phase | daily (s) | lean (s) | daily, compacting (s) | lean, compacting (s) |")
print("|---|---:|---:|---:|---:|")
label["outside"] = "process start and exit, outside the marks"
label["wall"] = "**wall** (these runs, with debug logging)"
for n in names + ["outside", "wall"]:
    print(f"| {label[n]} | " + " | ".join(f"{c[n]:.3f}" for c in cols) + " |")
PY
