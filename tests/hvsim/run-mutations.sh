#!/usr/bin/env bash
# The mutation check (part of make test): deliberate mistakes compiled into
# the guest one at a time, through -D switches its sources honour only here
# (HVRT_MUTATE_*, never defined by the Makefile), and the hvsim tests must
# fail with each. "ok   mutation X caught" is a pass. A mistake the tests
# pass with is a failure: either no test can see it, or hvsim makes the same
# mistake (which hvsim's own wire code is there to prevent: docs/hvsim.md,
# "What is independent").
#
# Each mutation builds only the test programs it needs, without sanitizers
# and unoptimised, into BUILD/mutation/ (again only when a source changed),
# to keep the whole check near a minute on two busy cores; those programs
# built the same way without a mistake (the baseline) must pass first.
# Usage: run-mutations.sh BUILD_DIR
set -uo pipefail

build=${1:-build}
out=$build/mutation
mkdir -p "$out"
cc=${HOSTCC:-clang}
passed=0 failed=0

# name | -D switch | test programs, one of which must fail
mutations=(
    "a wrong trailer|HVRT_MUTATE_TRAILER|test_hvsim_vmbus"
    "a wrong offset8|HVRT_MUTATE_OFFSET8|test_hvsim_vmbus"
    "a signal while the host's interrupt mask is set|HVRT_MUTATE_SIGNAL_MASKED|test_hvsim_vmbus"
    "a wrong GPADL split|HVRT_MUTATE_GPADL_SPLIT|test_hvsim_vmbus"
    "a wrong offer field offset|HVRT_MUTATE_OFFER_OFFSET|test_vmbus"
)

# Builds test program $2 with -D$1 into $out (again only when a source or
# header changed since: a suite run after a plain build does not pay twice)
# and runs it; sets bin and log. Status: 0 passed, 1 failed, 2 did not build.
build_and_run() {
    local define=$1 t=$2
    bin=$out/$define-$t
    log=$out/$define-$t.log
    local fresh
    fresh=$( [ -x "$bin" ] && find vmbus arch lib apps include tests/unit tests/hvsim tests/hosted Makefile \
             -newer "$bin" -print -quit 2>/dev/null)
    # shellcheck disable=SC2046  # the source list splits into words
    if { [ ! -x "$bin" ] || [ -n "$fresh" ]; } &&
       ! "$cc" -std=gnu11 -O0 -g0 -w -I. -Iinclude "-D$define" "tests/unit/$t.c" \
            $(make -s --no-print-directory print-srcs T="$t") -o "$bin" -lpthread > "$log" 2>&1; then
        return 2
    fi
    # A crash is a failure like any other; the shell's own report of it
    # would only clutter the suite's log.
    { timeout 120 "$bin" > "$log" 2>&1; } 2> /dev/null && return 0
    return 1
}

# The same programs built the same way without a mistake must pass, or
# "caught" below would mean nothing.
baseline_ok=true
for t in $(printf '%s\n' "${mutations[@]}" | cut -d'|' -f3 | tr ' ' '\n' | sort -u); do
    build_and_run HVRT_MUTATE_NONE "$t"
    case $? in
    0) echo "ok   mutation baseline: $t passes without a mistake" ;;
    *) echo "FAIL mutation baseline: $t fails without a mistake ($log)"; baseline_ok=false ;;
    esac
done
if ! $baseline_ok; then
    echo "0 passed, 1 failed"
    exit 1
fi

for m in "${mutations[@]}"; do
    IFS='|' read -r name define tests <<< "$m"
    verdict="" log=""
    for t in $tests; do
        build_and_run "$define" "$t"
        case $? in
        1) verdict="caught"; break ;;
        2) verdict="does not build"; break ;;
        esac
    done
    if [ "$verdict" = caught ]; then
        why=$(grep -m1 -E 'failed|FAIL' "$log" | sed 's/^ *//' | cut -c1-100)
        echo "ok   mutation $name caught ($t: ${why:-the program crashed})"
        passed=$((passed + 1))
    else
        echo "FAIL mutation $name: ${verdict:-not caught: $tests passed with it} ($log)"
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
