#!/usr/bin/env bash
# A file another program writes into the output directory while a run publishes is kept: the
# exchange (renameat2) is held back 2 s by strace, a file is created meanwhile, and after the
# run it must still be there, beside the new complete set.
#
#     scripts/reliability/foreign_file.sh [MOTCUA]     # default .build/release/motcua
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
M=${1:-$ROOT/.build/release/motcua}
command -v strace >/dev/null || { echo "needs strace (apt-get install strace)"; exit 2; }
WORK=$(mktemp -d /tmp/motcua-foreign-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
"$M" generate --out gen --days 3 --quiet
cat > p.yaml <<YAML
version: 1
name: foreign
inputs:
  - { format: dvcqg-ndjson, paths: ["gen/exports/*.ndjson.gz"] }
periods: { kind: month, from: 2024-02-01, to: 2024-02-29 }
outputs: { dir: out }
YAML
"$M" run p.yaml --quiet
echo "kept" > out/before.txt
strace -f -o /dev/null -e trace=renameat2 -e inject=renameat2:delay_enter=2000000:when=1 "$M" run p.yaml --quiet --rules qd766 &
pid=$!
sleep 1
echo "written during the run" > out/during.txt
wait $pid
ok=0
[ -f out/before.txt ] && echo "file there before the run: kept" || { echo "file there before the run: LOST"; ok=1; }
[ -f out/during.txt ] && echo "file written during the run: kept" || { echo "file written during the run: LOST"; ok=1; }
grep -q '"rules": *"qd766"' out/summary.json && echo "new set published" || { echo "new set NOT published"; ok=1; }
exit $ok
