#!/usr/bin/env bash
# A SIGTERM is heard within 200 ms in the phases signal_latency.sh does not reach: listing
# inputs (a `**/` pattern over 300,000 files in 30,000 directories) and rendering and writing
# very large outputs (one phase since the files are written as they are rendered; the
# "writing the set" probes then fall on the renames of the publish) — counters and kpis (CSV and JSON, 182 daily periods × 1,000 units:
# 1.2 GB), bieu-ii06a.xlsx (24,000 sheets) and report.html (60 daily periods × 1,000 units).
# A first run of each, with MOTCUA_DEBUG's phase times, publishes a tt01 set and says when
# each phase starts; then runs with --rules qd766 are sent SIGTERM at points spread over the
# phase. Each must end 143, having said so within 200 ms, the tt01 set still in place and no
# temporary file left (a signal after the publish point lets the run finish: exit 0 with the
# new set); the exit itself comes later by the time the kernel takes to free the memory.
#
#     scripts/reliability/signal_phases.sh [MOTCUA]     # default .build/release/motcua
#     FRACS="0.5" DEADLINE=30 scripts/reliability/signal_phases.sh OLD-MOTCUA   # fewer, shorter probes
#     PHASES="tables" scripts/reliability/signal_phases.sh      # some of: listing tables xlsx report
#
# Needs about 3 GB of memory and 2 GB of disk; takes a few minutes.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
M=${1:-$ROOT/.build/release/motcua}
M=$(cd "$(dirname "$M")" && pwd)/$(basename "$M")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/motcua-phases-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
now() { date +%s.%N; }
bad=0

# One run of pipeline $1 sent SIGTERM $2 s after it starts; $3 names the moment. "heard": when
# motcua said it stopped (its stderr line, after its clean-up); "exit": when it was reaped —
# later by the kernel's teardown of its memory (about 0.1 s per GB on the test machine).
probe() {
  local yaml=$1 delay=$2 what=$3 out
  out=$(grep -o 'dir: [a-z-]*' "$yaml" | cut -d' ' -f2)
  rm -f err.log
  # timeout passes the SIGTERM on; a run still deaf at the deadline is killed (137), so that an
  # old binary can be measured too.
  timeout -s KILL "${DEADLINE:-120}" "$M" run "$yaml" --quiet --rules qd766 \
    2> >(while IFS= read -r line; do printf '%s %s\n' "$(now)" "$line"; done > err.log) & local pid=$!
  sleep "$delay"; local t0; t0=$(now); kill -TERM $pid 2>/dev/null || true
  set +e; wait $pid; local code=$?; set -e
  local ms; ms=$(python3 -c "print(round(($(now) - $t0) * 1000))")
  sleep 0.2   # the stderr reader's last line
  local said; said=$(grep -m1 'interrupted' err.log | cut -d' ' -f1 || true)
  local heard=-; [ -n "$said" ] && heard=$(python3 -c "print(round(($said - $t0) * 1000))")
  local rules=none
  [ -f "$out/summary.json" ] && rules=$(grep -o '"rules": *"[a-z0-9]*"' "$out/summary.json" | grep -o '[a-z0-9]*"$' | tr -d '"')
  local left; left=$( (ls -A "$out" 2>/dev/null; ls -A .) | grep -c 'motcua-tmp' || true)
  echo "  $what (${delay}s): exit $code, heard in ${heard} ms, exited in ${ms} ms, published set: $rules, temporary files: $left"
  if [ "$code" = 0 ]; then
    [ "$rules" = qd766 ] || { echo "    exit 0 but the new set is not there"; bad=$((bad + 1)); }
    "$M" run "$yaml" --quiet   # back to the first set
  elif [ "$code" != 143 ] || [ "$heard" = - ] || [ "$heard" -gt 200 ] || [ "$left" != 0 ] \
       || { [ "$rules" != tt01 ] && [ "$rules" != none ]; }; then
    bad=$((bad + 1))
  fi
}

# Phase times (seconds since the run began) from a debug log: "... seconds=6.45 [MotcuaRun] rendered".
phase() { grep -o "seconds=[0-9.e-]* \[MotcuaRun\] $2" "$1" | head -1 | sed 's/seconds=\([^ ]*\).*/\1/'; }
at() { python3 -c "print(round($1 + ($2 - $1) * $3, 3))"; }

PHASES=${PHASES:-listing tables xlsx report}
if [[ " $PHASES " == *" listing "* ]]; then
echo "== listing: 300,000 files in 30,000 directories, exports/**/*.ndjson.gz"
python3 -c "
import os
for a in range(30):
    for b in range(10):
        for c in range(100):
            d = 'tree/exports/%02d/%d/%02d' % (a, b, c)
            os.makedirs(d)
            for f in range(10): open('%s/h%d.ndjson.gz' % (d, f), 'wb').close()
"
cat > tree.yaml <<YAML
version: 1
name: tree
inputs:
  - { format: dvcqg-ndjson, paths: ["tree/exports/**/*.ndjson.gz"] }
periods: { kind: month, from: 2024-02-01, to: 2024-02-29 }
outputs: { dir: out-tree }
YAML
# validate lists exactly as a run does, and stops there.
start=$(now); "$M" validate tree.yaml >/dev/null; listing=$(python3 -c "print(round($(now) - $start, 2))")
echo "  listing alone (motcua validate): ${listing} s"
for frac in ${FRACS:-0.1 0.3 0.5 0.7 0.9}; do probe tree.yaml "$(at 0 "$listing" $frac)" "listing at $(python3 -c "print(int($frac * 100))") %"; done
rm -rf tree tree.yaml out-tree
fi

echo "== rendering: motcua generate --units 1000 --days 60 --dossiers-per-day 500"
"$M" generate --out gen --units 1000 --days 60 --dossiers-per-day 500 --start 2024-01-01 --quiet
pipeline() {   # name, periods, outputs
  cat > "$1.yaml" <<YAML
version: 1
name: $1
inputs:
  - { format: dvcqg-ndjson, paths: ["gen/exports/*.ndjson.gz"] }
catalogs: { units: gen/catalogs/units.csv, procedures: gen/catalogs/procedures.csv }
periods: $2
rules: tt01
outputs: { dir: out-$1, $3 }
limits: { max_reject_rate: 1 }
YAML
}
pipeline tables "{ kind: day, from: 2023-09-01, to: 2024-02-29 }" "formats: [csv, json]"
pipeline xlsx "{ kind: month, from: 2022-03-01, to: 2024-02-29 }" "formats: [csv], form_ii06a_xlsx: true"
pipeline report "{ kind: day, from: 2024-01-01, to: 2024-02-29 }" "formats: [csv], report: true"
for name in tables xlsx report; do
  [[ " $PHASES " == *" $name "* ]] || continue
  MOTCUA_DEBUG=1 "$M" run "$name.yaml" 2> "$name.log" >/dev/null
  rolled=$(phase "$name.log" "rolled up"); rendered=$(phase "$name.log" rendered); published=$(phase "$name.log" published)
  echo "-- $name: rolled up at ${rolled} s, rendered at ${rendered} s, published at ${published} s; $(du -sh "out-$name" | cut -f1) of outputs"
  for frac in ${FRACS:-0.1 0.3 0.5 0.7 0.9}; do
    probe "$name.yaml" "$(at "$rolled" "$rendered" $frac)" "rendering at $(python3 -c "print(int($frac * 100))") %"
  done
  if [ "$name" = tables ]; then
    for frac in ${FRACS:-0.2 0.5 0.8}; do
      probe "$name.yaml" "$(at "$rendered" "$published" $frac)" "writing the set at $(python3 -c "print(int($frac * 100))") %"
    done
  fi
  rm -rf "out-$name"
done
echo "$bad bad"
[ "$bad" -eq 0 ]
