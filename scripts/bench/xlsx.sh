#!/usr/bin/env bash
# Workbooks against CSV: the same rows (every export of a generated province, `motcua generate
# --format csv`) as one CSV file and as one .xlsx sheet (shared strings, plain integers as
# numbers; written by scripts/bench/make_xlsx.py with Python's zipfile), each run through a
# pipeline that differs only in its format; prints wall time and peak RSS of both and checks
# that counters.csv, kpis.csv and bieu-ii06a.csv are byte-identical.
#
#     scripts/bench/xlsx.sh          # BENCH_DAYS=60 BENCH_PER_DAY=2000 (≈250k rows, 27 MB .xlsx)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=${BENCH_DIR:-/tmp/motcua-bench-xlsx}
DAYS=${BENCH_DAYS:-60}
PER_DAY=${BENCH_PER_DAY:-2000}
RUNS=${BENCH_RUNS:-3}
MOTCUA="$ROOT/.build/release/motcua"
[ -n "${BENCH_NO_BUILD:-}" ] || (cd "$ROOT" && swift build -c release >/dev/null)
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
"$MOTCUA" generate --out gen --format csv --no-gzip --days "$DAYS" --dossiers-per-day "$PER_DAY" --quiet
python3 "$ROOT/scripts/bench/make_xlsx.py" gen/exports all.csv all.xlsx
cp gen/catalogs/*.csv .
for f in csv xlsx; do
  cat > "$f.yaml" <<YAML
version: 1
name: bench-$f
inputs:
  - { format: $f, paths: ["all.$f"] }
catalogs: { units: units.csv, procedures: procedures.csv }
periods: { kind: month, from: 2024-02-01, to: 2024-04-30 }
outputs: { dir: out-$f, form_ii06a: true }
limits: { max_reject_rate: 0.05 }
YAML
done
ls -l all.csv all.xlsx
for f in csv xlsx; do
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f "$f run $i: %e s wall, %U s user, %M KB peak RSS" "$MOTCUA" run "$f.yaml" --quiet
  done
done
for o in counters.csv kpis.csv bieu-ii06a.csv; do cmp "out-csv/$o" "out-xlsx/$o"; done
echo "outputs byte-identical"
