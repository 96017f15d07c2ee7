#!/usr/bin/env bash
# Load figure of the PostgreSQL output (issue 17; BENCHMARKS.md): a year of monthly counters
# and KPIs of a generated 500-unit province with the sector breakdown, written RUNS times
# into a throwaway PostgreSQL 15 cluster (scripts/pg/throwaway-cluster.sh). The first run
# inserts; each later one replaces the same 12 months (DELETE + COPY in one transaction), as a
# re-run does. Prints each run's transaction time (the log's `database: … in S s`), rows per
# second, and the run's wall time with and without the database.
#
#   scripts/bench/postgres.sh [RUNS]     (data in /tmp/motcua-bench-pg, kept between calls)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
swift build -c release --scratch-path "${SCRATCH:-.build}" >/dev/null
bin="${SCRATCH:-.build}/release/motcua"
data=/tmp/motcua-bench-pg
if [ ! -f "$data/year.yaml" ]; then
  "$bin" generate --out "$data" --units 500 --days 366 --dossiers-per-day 3000 --start 2024-01-01 --quiet
  cat >"$data/year.yaml" <<'YAML'
version: 1
name: province-500
inputs:
  - format: dvcqg-ndjson
    paths: ["exports/*.ndjson.gz"]
catalogs: { units: catalogs/units.csv, procedures: catalogs/procedures.csv }
periods: { kind: month, from: 2024-01-01, to: 2024-12-31 }
breakdown: [sector]
targets:
  - { kpi: on_time_rate, min: 0.95 }
  - { kpi: online_rate, min: 0.30 }
outputs: { dir: out, formats: [csv] }
limits: { max_reject_rate: 0.05 }
YAML
fi
cluster=/tmp/motcua-bench-pg-cluster-$$
trap 'scripts/pg/throwaway-cluster.sh destroy "$cluster"' EXIT
eval "export $(scripts/pg/throwaway-cluster.sh start "$cluster" | tr '\n' ' ')"
url="postgres://motcua@127.0.0.1:$PGPORT/motcua"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  line=$("$bin" run "$data/year.yaml" --postgres "$url" 2>&1 | grep 'database:')
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  seconds=$(echo "$line" | sed -E 's/.* in ([0-9.]+) s$/\1/')
  rows=$(echo "$line" | sed -E 's/.*database: ([0-9]+) counters, ([0-9]+) kpis, ([0-9]+) rejects_by_reason.*/\1+\2+\3/' | bc)
  printf 'run %d: %d rows in %s s = %.0f rows/s (wall %.2f s, load %s)\n' "$i" "$rows" "$seconds" "$(echo "$rows / $seconds" | bc -l)" "$wall" "$(cut -d' ' -f1 /proc/loadavg)"
done
for i in 1 2 3; do
  start=$(date +%s.%N)
  "$bin" run "$data/year.yaml" --quiet
  printf 'without the database: wall %.2f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
done
