#!/usr/bin/env bash
# report.html at scale (issue 15): a generated province of 500 units over 24 months (2 years of
# exports), run with and without `outputs.report`, release build, --threads 2. Prints the page's
# size and the render phase's time (MOTCUA_DEBUG's "rolled up" → "rendered" marks) both ways:
# their difference is the report's own time. Usage: scripts/bench/report.sh [ROUNDS] (default 5).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${MOTCUA:-.build/release/motcua}
rounds=${1:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" generate --out "$work/gen" --units 500 --days 730 --dossiers-per-day 300 --seed 3 >/dev/null
for report in true false; do
cat > "$work/p-$report.yaml" <<YAML
version: 1
name: province-500
inputs: [{ format: dvcqg-ndjson, paths: ["$work/gen/exports/*.ndjson.gz"] }]
catalogs: { units: $work/gen/catalogs/units.csv, procedures: $work/gen/catalogs/procedures.csv }
periods: { kind: month, from: 2024-03-01, to: 2026-02-28 }
targets:
  - { kpi: on_time_rate, min: 0.95 }
  - { kpi: online_rate, tier: xa, min: 0.30 }
outputs: { dir: $work/out-$report, formats: [csv], report: $report }
limits: { max_reject_rate: 0.01 }
YAML
done
phase() {   # the seconds between two phase marks of a debug log on stdin
  python3 -c '
import re, sys
marks = {}
for line in sys.stdin:
    m = re.search(r"seconds=([0-9.e-]+) \[MotcuaRun\] (rolled up|rendered)", line)
    if m: marks[m.group(2)] = float(m.group(1))
print("%.3f" % (marks["rendered"] - marks["rolled up"]))'
}
echo "round  render_with_report_s  render_without_s  report_bytes"
for i in $(seq "$rounds"); do
  with=$(MOTCUA_DEBUG=1 "$bin" run "$work/p-true.yaml" --threads 2 2>&1 | phase)
  without=$(MOTCUA_DEBUG=1 "$bin" run "$work/p-false.yaml" --threads 2 2>&1 | phase)
  echo "$i  $with  $without  $(stat -c %s "$work/out-true/report.html")"
done
