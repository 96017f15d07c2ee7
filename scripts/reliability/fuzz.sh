#!/usr/bin/env bash
# libFuzzer targets for the parsers (Fuzz/*.swift), built with
#   swiftc -sanitize=fuzzer,address -parse-as-library -O
# over the subset of Sources/MotcuaCore they need (no Yams/Logging/Dispatch code).
#
#   scripts/reliability/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     # default 180, all targets
#   scripts/reliability/fuzz.sh --replay                              # run saved regressions only
#
# Runs in fork mode and goes on after a crash (-ignore_crashes): one run reports every distinct
# failure it meets. Targets: gzip json csv date chunker. Corpora start from scripts/reliability/make_fuzz_seeds.py
# and grow in .build-fuzzrel/corpus/<target>; crashers are copied to Fuzz/regressions/<target>/
# (commit them: --replay runs every one). Logs: .build-fuzzrel/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_TARGET=180
REPLAY=0
if [[ "${1:-}" == "--replay" ]]; then REPLAY=1; shift; elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then SECONDS_PER_TARGET=$1; shift; fi
TARGETS=("$@")
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=(gzip json csv date chunker)
WORK=.build-fuzzrel
# Crash reports from libFuzzer/ASan, not the Swift runtime backtracer (slow, interactive).
export SWIFT_BACKTRACE=enable=no
mkdir -p "$WORK/bin" "$WORK/logs" "$WORK/artifacts"

S=Sources/MotcuaCore
ENGINE=("$S"/Parsing/*.swift "$S"/Framing/*.swift "$S"/Gzip/*.swift "$S"/Dossiers/*.swift
        "$S"/Pipeline/Pipeline.swift "$S"/Aggregate/Periods.swift "$S"/Run/MotcuaError.swift
        Fuzz/Shims.swift Fuzz/Common.swift)
ISAL_FLAGS=()
if pkg-config --exists libisal 2>/dev/null || [[ -e /usr/include/isa-l/igzip_lib.h ]]; then
  ISAL_FLAGS=(-D ISAL -I Sources/CIsal -lisal)
fi

file_of() {
  case $1 in gzip) echo Fuzz/FuzzGzip.swift;; json) echo Fuzz/FuzzJSON.swift;; csv) echo Fuzz/FuzzCSV.swift;;
             date) echo Fuzz/FuzzDate.swift;; chunker) echo Fuzz/FuzzChunker.swift;; *) echo "unknown target $1" >&2; exit 64;; esac
}

for t in "${TARGETS[@]}"; do
  echo "== build $t"
  swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MotcuaFuzz \
    -I Sources/CZlib "${ISAL_FLAGS[@]}" -lz "${ENGINE[@]}" "$(file_of "$t")" -o "$WORK/bin/fuzz-$t" 2>&1 |
    { grep -v "ld.gold: warning: Cannot export local symbol" || true; }
done

if [[ $REPLAY -eq 1 ]]; then
  status=0
  for t in "${TARGETS[@]}"; do
    inputs=(Fuzz/regressions/"$t"/*)
    [[ -e "${inputs[0]}" ]] || { echo "== $t: no regression inputs"; continue; }
    echo "== replay $t (${#inputs[@]} inputs)"
    "$WORK/bin/fuzz-$t" -runs=1 "${inputs[@]}" > "$WORK/logs/replay-$t.log" 2>&1 || { echo "   FAILED (see $WORK/logs/replay-$t.log)"; status=1; }
  done
  exit $status
fi

python3 scripts/reliability/make_fuzz_seeds.py "$WORK/seeds" > /dev/null
for t in "${TARGETS[@]}"; do
  rm -rf "$WORK/artifacts/$t"
  mkdir -p "$WORK/corpus/$t" "$WORK/artifacts/$t"
  echo "== fuzz $t for ${SECONDS_PER_TARGET}s"
  set +e
  "$WORK/bin/fuzz-$t" "$WORK/corpus/$t" "$WORK/seeds/$t" \
    -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix="$WORK/artifacts/$t/" > "$WORK/logs/$t.log" 2>&1
  rc=$?
  set -e
  # Save crashers / timeouts / OOMs as regression inputs.
  found=0
  for a in "$WORK/artifacts/$t"/*; do
    [[ -e "$a" ]] || continue
    mkdir -p "Fuzz/regressions/$t"
    cp "$a" "Fuzz/regressions/$t/"
    found=$((found + 1))
  done
  # Fork mode's progress lines: "#<execs>: cov: <edges> ft: ... crashes: <n> ...".
  last=$(grep -E '^#[0-9]+: cov:' "$WORK/logs/$t.log" | tail -1 || true)
  execs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo "?")
  crashes=$(grep -oE 'oom/timeout/crash: [0-9/]+' <<<"$last" | sed 's/.*: //' || echo 0/0/0)
  corpus=$(ls "$WORK/corpus/$t" | wc -l)
  echo "   exit $rc, executions ${execs:-?}, coverage $cov, corpus $corpus, oom/timeout/crash $crashes, artifacts $found"
  # What each artifact breaks, one line per distinct message.
  for a in "$WORK/artifacts/$t"/*; do
    [[ -e "$a" ]] || continue
    { timeout 60 "$WORK/bin/fuzz-$t" -runs=1 "$a" 2>&1 || true; } | grep -m1 -E "FUZZ INVARIANT BROKEN|ERROR: AddressSanitizer|Fatal error|ERROR: libFuzzer" || echo "(no failure on replay)"
  done | sort | uniq -c | sed 's/^/     /'
done
# The targets that read through InputReader leave one scratch file per process.
rm -f /dev/shm/motcua-fuzz-* 2>/dev/null || true
