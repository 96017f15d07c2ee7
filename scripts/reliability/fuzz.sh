#!/usr/bin/env bash
# libFuzzer targets for the reading stage (Fuzz/*.swift), built with
#   swiftc -sanitize=fuzzer,address -parse-as-library -O
# over the engine rooms they need: Sources/MotcuaFoundation, Sources/MotcuaWorkbook and
# Sources/MotcuaReading (gzip, framing, parsing, formats, dossiers), plus Sources/CByteKernels (C, built with clang under
# the same sanitizers). No Yams/Logging code is involved.
#
# How the two Swift modules become one: each fuzz target is ONE swiftc module (MotcuaFuzz) —
# Foundation + Reading + Fuzz/Common.swift + the target's file. That keeps every internal
# engine type (RecordFraming, CSVRecordSplitter, …) reachable without `@testable` or
# -enable-testing, and it needs no module interfaces. The rooms' `import MotcuaFoundation` /
# `import MotcuaReading` lines would fail there (no such modules), so the sources are copied to
# .build-fuzzrel/src/ with exactly those lines blanked (line numbers stay as in Sources/, so
# crash reports and compiler errors point at the right lines; paths say .build-fuzzrel/src/
# instead of Sources/). `-package-name motcua` makes the rooms' `package` declarations legal.
# CByteKernels gets a module map in .build-fuzzrel/cmodules/ (SwiftPM generates one in a
# package build); CZlibSystem/CIsal use their own module maps under Sources/.
#
#   scripts/reliability/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     # default 180, all targets
#   scripts/reliability/fuzz.sh --replay [TARGET...]                  # run saved regressions only
#
# Runs in fork mode and goes on after a crash (-ignore_crashes): one run reports every distinct
# failure it meets. Targets: gzip json csv date chunker. Corpora start from scripts/reliability/make_fuzz_seeds.py
# and grow in .build-fuzzrel/corpus/<target>; crashers are copied to Fuzz/regressions/<target>/
# (commit them: --replay runs every one). Logs: .build-fuzzrel/logs/<target>.log.
# Needs: the Swift toolchain's clang and libFuzzer/ASan runtimes, zlib1g-dev, optionally
# libisal-dev (then zlib and ISA-L are compared), python3 (seeds).
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

# The engine rooms as one module (see the header): imports of the rooms blanked in a copy.
SRC="$WORK/src"
rm -rf "$SRC" "$WORK/cmodules"
ENGINE=()
while IFS= read -r f; do
  mkdir -p "$SRC/$(dirname "$f")"
  sed -E 's/^(@testable |@_implementationOnly |(public|package|internal) )?import (MotcuaFoundation|MotcuaWorkbook|MotcuaReading)$//' "$f" > "$SRC/$f"
  ENGINE+=("$SRC/$f")
done < <(find Sources/MotcuaFoundation Sources/MotcuaWorkbook Sources/MotcuaReading -name '*.swift' | sort)
ENGINE+=(Fuzz/Common.swift)
# CByteKernels: its module map (as SwiftPM would generate it) and its C code, instrumented.
mkdir -p "$WORK/cmodules/CByteKernels"
printf 'module CByteKernels {\n  header "%s"\n  export *\n}\n' "$PWD/Sources/CByteKernels/include/bytekernels.h" \
  > "$WORK/cmodules/CByteKernels/module.modulemap"
KERNEL_OBJECTS=()
for c in Sources/CByteKernels/*.c; do
  o="$WORK/cmodules/$(basename "$c" .c).o"
  clang -O2 -g -fsanitize=fuzzer-no-link,address -I Sources/CByteKernels/include -c "$c" -o "$o"
  KERNEL_OBJECTS+=("$o")
done
# MotcuaWorkbook (in the module above: the xlsx format is a reading room's neighbour) needs
# libxml2 (its system module) and ZIPFoundation, built here as a module of its own from the
# package's resolved checkout.
ZIPF="$WORK/pkg/checkouts/ZIPFoundation"
[[ -d "$ZIPF" ]] || swift package --scratch-path "$WORK/pkg" resolve > /dev/null 2>&1
mkdir -p "$WORK/zipfoundation"
swiftc -wmo -parse-as-library -O -sanitize=address -module-name ZIPFoundation -Xcc -D_GNU_SOURCE \
  -emit-module-path "$WORK/zipfoundation/ZIPFoundation.swiftmodule" -emit-object -o "$WORK/zipfoundation/ZIPFoundation.o" \
  -I "$ZIPF/Sources/CZLib" "$ZIPF"/Sources/ZIPFoundation/*.swift
KERNEL_OBJECTS+=("$WORK/zipfoundation/ZIPFoundation.o")
XML_FLAGS=()
for f in $(pkg-config --cflags-only-I libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2); do XML_FLAGS+=(-Xcc "$f"); done
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
  swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MotcuaFuzz -package-name motcua \
    -I Sources/CZlibSystem -I Sources/CLibXML2 -I "$WORK/cmodules/CByteKernels" -I "$WORK/zipfoundation" -I "$ZIPF/Sources/CZLib" "${XML_FLAGS[@]}" "${ISAL_FLAGS[@]}" -lz -lxml2 \
    "${ENGINE[@]}" "${KERNEL_OBJECTS[@]}" "$(file_of "$t")" -o "$WORK/bin/fuzz-$t" 2>&1 |
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
