#!/usr/bin/env bash
# Runs one libFuzzer target for a set time (make fuzz, make fuzz-long).
#   run.sh FUZZ_DIR TARGET SECONDS [libFuzzer options...]
# The corpus lives in FUZZ_DIR/corpus/TARGET (kept between runs); the
# committed seeds (tests/fuzz/corpus/TARGET) and regression inputs
# (tests/fuzz/regressions/TARGET) are read, never written. A crash does not
# end the run: its input is kept in FUZZ_DIR/crashes/ with the command that
# reproduces it, and fuzzing goes on for the time left (at most 5 crashes).
# Prints one "ok"/"FAIL" line with executions, corpus size and exec/s, then
# one line per crash; exits non-zero when anything crashed.
set -uo pipefail

dir=$1 target=$2 seconds=$3
shift 3
bin=$dir/$target
corpus=$dir/corpus/$target
crashes=$dir/crashes
mkdir -p "$corpus" "$crashes"
seeds=()
for d in tests/fuzz/corpus/$target tests/fuzz/regressions/$target; do
    [ -d "$d" ] && seeds+=("$d")
done

start=$(date +%s)
execs=0 found=() round=0
while :; do
    left=$((seconds - ($(date +%s) - start)))
    [ "$left" -ge 1 ] || break
    round=$((round + 1))
    log=$dir/$target.$round.log
    marker=$dir/.$target.start
    touch "$marker"
    "$bin" -max_total_time="$left" -print_final_stats=1 -artifact_prefix="$crashes/$target-" \
        "$@" "$corpus" "${seeds[@]}" > "$log" 2>&1
    status=$?
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [ -n "$n" ] || n=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -1)
    execs=$((execs + ${n:-0}))
    [ "$status" -eq 0 ] && break
    input=$(find "$crashes" -newer "$marker" -name "$target-*" -type f | head -1)
    why=$(grep -m1 -E 'ERROR: |runtime error|deadly signal|Timeout|out-of-memory' "$log")
    found+=("${input:-(no input saved; see $log)}: ${why:-exit $status}")
    [ ${#found[@]} -lt 5 ] || break
done
elapsed=$(($(date +%s) - start))
size=$(find "$corpus" -type f | wc -l)
rate=$((execs / (elapsed > 0 ? elapsed : 1)))
if [ ${#found[@]} -eq 0 ]; then
    echo "ok   fuzz: $target ($execs execs in $elapsed s, $rate/s, corpus $size)"
else
    echo "FAIL fuzz: $target (${#found[@]} crashes; $execs execs in $elapsed s, corpus $size)"
    for c in "${found[@]}"; do
        echo "  crash: $c"
        echo "    reproduce: $bin ${c%%: *}"
    done
fi
rm -f "$dir/.$target.start"
[ ${#found[@]} -eq 0 ]
