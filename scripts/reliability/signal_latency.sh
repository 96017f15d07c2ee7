#!/usr/bin/env bash
# A SIGTERM is honoured promptly in every phase before the publish point: a run over 2.5 M
# malformed lines (260 MB of rejects.ndjson to write) is sent SIGTERM at several moments —
# reading, rolling up, writing the rejects — and must end 143 within a fraction of a second,
# with the previous outputs in place and no temporary file left.
#
#     scripts/reliability/signal_latency.sh [MOTCUA]     # default .build/release/motcua
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
M=${1:-$ROOT/.build/release/motcua}
WORK=$(mktemp -d /tmp/motcua-signal-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
python3 -c "
import gzip
with gzip.open('bad.ndjson.gz', 'wt', compresslevel=1) as f:
    for i in range(2500000): f.write('{\"MaHoSo\": broken %d\n' % i)
"
cat > p.yaml <<YAML
version: 1
name: signal
inputs:
  - { format: dvcqg-ndjson, paths: ["bad.ndjson.gz"] }
periods: { kind: month, from: 2024-02-01, to: 2024-02-29 }
outputs: { dir: out }
limits: { max_reject_rate: 1 }
YAML
start=$(date +%s.%N); "$M" run p.yaml --quiet; whole=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
echo "a whole run: ${whole} s"
bad=0
for frac in 0.2 0.4 0.6 0.75 0.9; do
  delay=$(python3 -c "print($whole * $frac)")
  "$M" run p.yaml --quiet --rules qd766 2>/dev/null & pid=$!
  sleep "$delay"; t0=$(date +%s.%N); kill -TERM $pid 2>/dev/null || true
  set +e; wait $pid; code=$?; set -e
  ms=$(python3 -c "print(round(($(date +%s.%N) - $t0) * 1000))")
  rules=$(grep -o '"rules": *"[a-z0-9]*"' out/summary.json | grep -o '[a-z0-9]*"$' | tr -d '"')
  left=$(ls -A out | grep -c 'tmp' || true)
  echo "SIGTERM at ${delay}s: exit $code in ${ms} ms, published set: $rules, temporary files: $left"
  if [ "$code" = 0 ]; then
    [ "$rules" = qd766 ] || { echo "  exit 0 but the new set is not there"; bad=$((bad + 1)); }
  elif [ "$code" != 143 ] || [ "$rules" != tt01 ] || [ "$ms" -gt 200 ] || [ "$left" != 0 ]; then
    bad=$((bad + 1))
  fi
  # Back to the first set for the next round.
  "$M" run p.yaml --quiet
done
echo "$bad bad"
[ "$bad" -eq 0 ]
