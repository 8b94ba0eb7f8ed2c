#!/usr/bin/env bash
# make coverage: runs the coverage-built unit tests and the bridged
# end-to-end tests with QEMU's instruction log, then scripts/coverage.py
# joins them. Usage: coverage.sh BUILD_DIR UNIT_TEST...
set -euo pipefail

build=$1
shift
out=$build/coverage
rm -rf "$out"
mkdir -p "$out/profiles" "$out/traces"

echo "coverage: hosted unit tests"
objects=()
for t in "$@"; do
    LLVM_PROFILE_FILE="$out/profiles/$t.profraw" "$build/cov/$t" > "$out/$t.log" 2>&1 ||
        echo "coverage: $t failed (see $out/$t.log); its counts still count"
    objects+=(-object "$build/cov/$t")
done
llvm-profdata merge -sparse "$out"/profiles/*.profraw -o "$out/hosted.profdata"
llvm-cov export -format=lcov -instr-profile "$out/hosted.profdata" "${objects[@]}" > "$out/hosted.lcov"

echo "coverage: bridged runs (tests/bridge/cases, with QEMU's -d in_asm)"
HVRT_TRACE_DIR=$out/traces tests/bridge/run-bridge-tests.sh "$build" | sed 's/^/  /'

python3 scripts/coverage.py --lcov "$out/hosted.lcov" --image "$build/hvrt.so" --traces "$out/traces" \
    --report "$out/report.txt" --scope vmbus/ --scope arch/x86_64/hyperv
