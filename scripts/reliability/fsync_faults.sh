#!/usr/bin/env bash
# A publish whose fsync fails (strace fault injection, the way the issue-19 probe did it) ends
# with exit 74 and the previous complete set in place: every fsync/fdatasync of the publish, in
# turn, is made to fail with EIO, and the output directory must still hold the first run's set.
#
#     scripts/reliability/fsync_faults.sh [MOTCUA]     # default .build/release/motcua
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
M=${1:-$ROOT/.build/release/motcua}
command -v strace >/dev/null || { echo "needs strace (apt-get install strace)"; exit 2; }
WORK=$(mktemp -d /tmp/motcua-fsync-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
"$M" generate --out gen --days 5 --quiet
cat > p.yaml <<YAML
version: 1
name: fsync
inputs:
  - { format: dvcqg-ndjson, paths: ["gen/exports/*.ndjson.gz"] }
catalogs: { units: gen/catalogs/units.csv, procedures: gen/catalogs/procedures.csv }
periods: { kind: month, from: 2024-02-01, to: 2024-02-29 }
outputs: { dir: out, form_ii06a: true, form_ii06a_xlsx: true }
YAML
"$M" run p.yaml --quiet --rules tt01
(cd out && sha256sum counters.csv kpis.csv summary.json bieu-ii06a.csv | grep -v summary) > before.sum
# How many fsyncs a publish makes.
n=$(strace -f -c -e trace=fsync,fdatasync "$M" run p.yaml --quiet --rules tt01 2>&1 >/dev/null | awk '/fsync|fdatasync/ {s += $4} END {print s+0}')
bad=0
for i in $(seq 1 "$n"); do
  set +e
  strace -f -o /dev/null -e trace=fsync,fdatasync -e inject=fsync,fdatasync:error=EIO:when=$i "$M" run p.yaml --quiet --rules qd766 2>err.txt
  code=$?
  set -e
  if [ "$code" -eq 0 ]; then echo "fsync #$i failed, exit 0: the failure was ignored"; bad=$((bad + 1)); continue; fi
  if [ "$code" -ne 74 ]; then echo "fsync #$i failed, exit $code: $(tail -1 err.txt)"; bad=$((bad + 1)); fi
  if ! (cd out && sha256sum -c --quiet ../before.sum); then echo "fsync #$i: the previous set is not intact"; bad=$((bad + 1)); fi
done
echo "$n fsyncs, each failed in turn: $bad bad"
[ "$bad" -eq 0 ]
