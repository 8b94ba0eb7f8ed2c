#!/usr/bin/env bash
# Coverage of the fuzz targets (make fuzz, make fuzz-cov): replays each
# target's corpus (FUZZ_DIR/corpus/TARGET, the committed seeds and the
# regression inputs) once through its profile-instrumented build
# (FUZZ_DIR/cov/TARGET), then tests/fuzz/coverage.py prints the lines each
# target reaches and, for all together, each parser against the goal, and
# writes what no target reaches to FUZZ_DIR/uncovered.txt.
#   coverage.sh FUZZ_DIR PROFDATA COV "SCOPE FILES" TARGET...
set -euo pipefail

dir=$1 profdata=$2 cov=$3 scope=$4
shift 4
out=$dir/cov
specs=()
for t in "$@"; do
    dirs=()
    for d in "$dir/corpus/$t" "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t"; do
        [ -d "$d" ] && dirs+=("$d")
    done
    rm -f "$out/$t".*.profraw
    # -runs=0: each input of the corpus once, then stop. A crash here (an
    # input that fails again) still leaves the counts of what ran.
    LLVM_PROFILE_FILE=$out/$t.%p.profraw "$out/$t" -runs=0 "${dirs[@]}" > "$out/$t.log" 2>&1 ||
        echo "coverage: the replay of $t failed (see $out/$t.log)"
    "$profdata" merge -sparse "$out/$t".*.profraw -o "$out/$t.profdata"
    "$cov" export -format=lcov -instr-profile "$out/$t.profdata" "$out/$t" > "$out/$t.lcov"
    specs+=("$t=$out/$t.lcov")
done
# shellcheck disable=SC2086
python3 tests/fuzz/coverage.py --uncovered "$dir/uncovered.txt" --scope $scope -- "${specs[@]}"
