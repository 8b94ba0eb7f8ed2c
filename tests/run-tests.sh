#!/usr/bin/env bash
# Runs every test and ends with one line "N passed, N failed":
#   - the host unit tests (each prints its own "N passed, N failed");
#   - the QEMU boot tests in tests/boot/cases, two at a time;
#   - the bridged end-to-end tests, the image against hvsim (tests/bridge);
#   - a short run of each fuzz target from its seed corpus (make fuzz-smoke);
#   - the mutation check: guest mistakes hvsim must catch (tests/hvsim/run-mutations.sh);
#   - the disk image and signing tests (tests/image/run-image-tests.sh).
# Usage: run-tests.sh BUILD_DIR UNIT_TEST...   (the Makefile passes these)
set -uo pipefail

build=$1
shift
image=$build/hvrt.efi
passed=0 failed=0
failures=()

echo "== host unit tests (ASan, UBSan)"
for t in "$@"; do
    out=$("$build/host/$t" 2>&1)
    status=$?
    summary=$(printf '%s\n' "$out" | tail -n 1)
    if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
    else
        p=0 f=1   # crashed or sanitizer report: counts as one failure
    fi
    [ $status -ne 0 ] && [ "$f" = 0 ] && f=1
    passed=$((passed + p)) failed=$((failed + f))
    if [ "$f" != 0 ]; then
        printf '%s\n' "$out" | sed 's/^/    /'
        echo "FAIL $t ($p passed, $f failed)"
        failures+=("$t")
    else
        echo "ok   $t ($p tests)"
    fi
done

echo "== QEMU boot tests (OVMF, TCG)"
results=$(mktemp -d "${TMPDIR:-/tmp}/hvrt-tests.XXXXXX")
trap 'rm -rf "$results"' EXIT

trim() { local s=$1; s=${s#"${s%%[! ]*}"}; s=${s%"${s##*[! ]}"}; printf '%s' "$s"; }

# One boot test; writes "ok" or "FAIL ..." into $results/NAME.result.
boot_test() {
    local name=$1 want=$2 cmdline=$3 patterns=$4 how=$5
    local log=$results/$name.log args=() status problems="" runner=()
    [ "$how" = shell ] && runner=(--via-shell)
    [[ $how == mem=* ]] && runner=(--memory "${how#mem=}")
    [ "$want" = poweroff ] || [ "$want" = reset ] || args=(--debug-exit)
    local start=$SECONDS
    # shellcheck disable=SC2086  # the command line splits into words
    scripts/qemu-run.sh "${runner[@]}" --timeout 90 --log "$log" "$image" "${args[@]}" $cmdline
    status=$?
    local expected_status=$want
    [ "$want" = poweroff ] || [ "$want" = reset ] && expected_status=0
    [ "$status" = "$expected_status" ] || problems+="exit status $status, expected $expected_status; "
    local rest=$patterns pat
    while [ -n "$rest" ]; do
        pat=$(trim "${rest%%&&*}")
        if [[ $rest == *"&&"* ]]; then rest=${rest#*&&}; else rest=""; fi
        [ -z "$pat" ] && continue
        if [[ $pat == !* ]]; then
            grep -Eq -- "${pat#!}" "$log" && problems+="console matches '${pat#!}'; "
        else
            grep -Eq -- "$pat" "$log" || problems+="console lacks '$pat'; "
        fi
    done
    if [ -z "$problems" ]; then
        echo "ok   boot: $name ($((SECONDS - start)) s)" > "$results/$name.result"
    else
        { echo "FAIL boot: $name: $problems"; echo "    console (qemu-run.sh ... $cmdline):"; sed 's/^/    | /' "$log"; } > "$results/$name.result"
    fi
}

names=()
while IFS= read -r line; do
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    IFS='|' read -r name want cmdline patterns how <<< "$line"
    name=$(trim "$name") want=$(trim "$want") cmdline=$(trim "$cmdline") how=$(trim "${how:-}")
    names+=("$name")
    boot_test "$name" "$want" "$cmdline" "$patterns" "$how" &
    # Two QEMUs at a time: CI has two cores.
    while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
done < tests/boot/cases
wait

for name in "${names[@]}"; do
    cat "$results/$name.result"
    if head -n 1 "$results/$name.result" | grep -q '^ok'; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("boot: $name")
    fi
done

# A sub-suite that prints ok/FAIL lines and its own "N passed, N failed".
run_suite() {
    local label=$1 out status summary p f
    shift
    out=$("$@" 2>&1)
    status=$?
    printf '%s\n' "$out" | grep -E '^(ok|FAIL)' | sed 's/^/  /'
    summary=$(printf '%s\n' "$out" | tail -n 1)
    if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
        p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
    else
        p=0 f=1
    fi
    [ $status -ne 0 ] && [ "$f" = 0 ] && f=1
    passed=$((passed + p)) failed=$((failed + f))
    if [ "$f" != 0 ]; then
        printf '%s\n' "$out" | grep -v '^ok' | tail -n 40 | sed 's/^/    /'
        failures+=("$label")
    fi
}

echo "== bridged end-to-end tests (the image under QEMU against hvsim-bridge)"
run_suite "bridged tests" tests/bridge/run-bridge-tests.sh "$build"
echo "== fuzz smoke (each libFuzzer target from its seed corpus)"
run_suite "fuzz smoke" make -s fuzz-smoke
echo "== mutation check (deliberate guest mistakes the hvsim tests must catch)"
run_suite "mutation check" tests/hvsim/run-mutations.sh "$build"
echo "== disk images and signing (tests/image)"
run_suite "image tests" tests/image/run-image-tests.sh "$build"

[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
