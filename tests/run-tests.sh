#!/usr/bin/env bash
# Runs every test, names every test case with its result ("ok   WHERE: CASE",
# "FAIL WHERE: CASE" followed by what failed: the assertion, its file and
# line, and the values; "skip WHERE: CASE: why") and ends with one line
# "N passed, N failed" (plus ", N skipped" when some were) counting cases:
#   - the host unit tests, each case of each program (tests/unit/check.h);
#   - the QEMU boot tests in tests/boot/cases, two at a time;
#   - the bridged end-to-end tests, the image against hvsim (tests/bridge);
#   - a short run of each fuzz target from its seed corpus (make fuzz-smoke);
#   - the mutation check: guest mistakes hvsim must catch (tests/hvsim/run-mutations.sh);
#   - the disk image and signing tests (tests/image/run-image-tests.sh);
#   - the layers' include rules (scripts/check-layers.sh), and the layout
#     of the C lines changed since .clang-format (scripts/format-check.sh,
#     advisory: a difference is a skip).
# Usage: run-tests.sh [--only ERE] BUILD_DIR UNIT_TEST...   (the Makefile passes these)
# --only (make test T=ERE) runs the cases whose program or suite (a unit-test
# program's name, boot, layers, format, bridged, fuzz, mutation, image) or case name matches
# ERE. HVRT_FUZZ_TARGETS names the fuzz targets (make passes its list).
set -uo pipefail

only=""
if [ "${1:-}" = --only ]; then only=$2; shift 2; fi
build=$1
shift
image=$build/hvrt.efi
passed=0 failed=0 skipped=0
failures=()

# selected WHERE [CASE]: whether --only lets this suite or program (and case) run.
selected() {
    [ -z "$only" ] || [[ $1 =~ $only ]] || [[ ${2:-} =~ $only ]] || [[ "$1: ${2:-}" =~ $only ]]
}

# Whether unit-test program T has a case --only picks (its RUN_TEST names).
unit_selected() {
    local t=$1 c
    selected "$t" && return 0
    for c in $(grep -oE 'RUN_TEST\([A-Za-z_0-9]+\)' "tests/unit/$t.c" 2>/dev/null | sed 's/RUN_TEST(//; s/)//'); do
        selected "$t" "$c" && return 0
    done
    return 1
}

# One unit-test program: one line per case from its ok/FAIL lines, the lines
# of a failed case's checks under it, and a crash pinned on the case that
# was running ("run  NAME", CHECK_ANNOUNCE). A program whose name matches
# --only runs whole; otherwise its cases are picked by CHECK_ONLY.
unit_program() {
    local t=$1 out status line current="" pending=() p=0 f=0 summary=""
    local filter=()
    unit_selected "$t" || return 0
    selected "$t" || filter=(CHECK_ONLY="$only")
    out=$(env CHECK_ANNOUNCE=1 "${filter[@]}" "$build/host/$t" 2>&1)
    status=$?
    while IFS= read -r line; do
        case "$line" in
            "run  "*) current=${line#run  }; pending=() ;;
            # A case's result is the ok/FAIL line with its announced name;
            # other such lines are the program's own output (hvtest's report).
            "ok   $current") [ -n "$current" ] || continue
                echo "ok   $t: $current"; p=$((p + 1)); current="" ;;
            "FAIL $current") [ -n "$current" ] || continue
                echo "FAIL $t: $current"
                [ ${#pending[@]} -eq 0 ] || printf '%s\n' "${pending[@]}" | tail -n 20 | sed 's/^ *//; s/^/    /'
                f=$((f + 1)); failures+=("$t: $current"); current="" pending=() ;;
            # A program that cannot run here (no network namespace, no
            # dnsmasq) says "skip CASE: why" outside any case.
            "skip "*) if [ -z "$current" ]; then
                    echo "skip $t: ${line#skip }"; skipped=$((skipped + 1))
                else pending+=("$line"); fi ;;
            *) if [[ $line =~ ^[0-9]+\ passed,\ [0-9]+\ failed$ ]]; then summary=$line; else pending+=("$line"); fi ;;
        esac
    done <<< "$out"
    if [ -n "$current" ] || [ -z "$summary" ] || { [ $status -ne 0 ] && [ $f = 0 ]; }; then
        # Crashed (a sanitizer report, a signal) or ended without its summary.
        echo "FAIL $t: ${current:-(outside any case)}: the program ended with status $status"
        [ ${#pending[@]} -eq 0 ] || printf '%s\n' "${pending[@]}" | tail -n 40 | sed 's/^/    | /'
        f=$((f + 1)); failures+=("$t: ${current:-crash}")
    fi
    passed=$((passed + p)) failed=$((failed + f))
}

echo "== host unit tests (ASan, UBSan)"
for t in "$@"; do
    unit_program "$t"
done

results=$(mktemp -d "${TMPDIR:-/tmp}/hvrt-tests.XXXXXX")
trap 'rm -rf "$results"' EXIT

trim() { local s=$1; s=${s#"${s%%[! ]*}"}; s=${s%"${s##*[! ]}"}; printf '%s' "$s"; }

# One boot test; writes "ok" or "FAIL ..." into $results/NAME.result.
boot_test() {
    local name=$1 want=$2 cmdline=$3 patterns=$4 how=$5
    local log=$results/$name.log args=() status problems="" runner=()
    [ "$how" = shell ] && runner=(--via-shell)
    [[ $how == mem=* ]] && runner=(--memory "${how#mem=}")
    [ "$want" = poweroff ] || [ "$want" = reset ] || [[ $how == make:* ]] || args=(--debug-exit)
    local start=$SECONDS expected_status=$want
    [ "$want" = poweroff ] || [ "$want" = reset ] && expected_status=0
    if [[ $how == make:* ]]; then
        # Through make run, as a user types it: make's own status is 0 or 2,
        # and a failing image's status shows in make's "Error N" line. -o:
        # the image and hvsim-bridge make test built, never a newer build.
        env -u MAKEFLAGS -u MAKELEVEL make -s --no-print-directory -o "$image" -o "$build/host/hvsim-bridge" \
            run BUILD="$build" HOST="${how#make:}" ARGS="$cmdline" > "$log" 2>&1 < /dev/null
        status=$?
        if [ "$expected_status" = 0 ]; then
            [ $status = 0 ] || problems+="make exit status $status, expected 0; "
        else
            [ $status = 2 ] || problems+="make exit status $status, expected 2 (a failed recipe); "
            grep -Eq "\] Error $expected_status\$" "$log" || problems+="make does not say 'Error $expected_status'; "
        fi
    else
        # shellcheck disable=SC2086  # the command line splits into words
        scripts/qemu-run.sh "${runner[@]}" --timeout 90 --log "$log" "$image" "${args[@]}" $cmdline
        status=$?
        [ "$status" = "$expected_status" ] || problems+="exit status $status, expected $expected_status; "
    fi
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
    selected boot "$name" || continue
    names+=("$name")
    boot_test "$name" "$want" "$cmdline" "$patterns" "$how" &
    # Two QEMUs at a time: CI has two cores.
    while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
done < tests/boot/cases
wait

[ ${#names[@]} -gt 0 ] && echo "== QEMU boot tests (OVMF, TCG)"
for name in "${names[@]+"${names[@]}"}"; do
    cat "$results/$name.result"
    if head -n 1 "$results/$name.result" | grep -q '^ok'; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("boot: $name")
    fi
done

# A sub-suite that prints one "ok"/"FAIL"/"skip" line per case and its own
# "N passed, N failed". Its TITLE is printed when it ran a case; PREFIX goes
# in front of case names that lack one.
run_suite() {
    local title=$1 prefix=$2 out status summary p f line word rest
    shift 2
    out=$("$@" 2>&1)
    status=$?
    summary=$(printf '%s\n' "$out" | tail -n 1)
    if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
        p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
    else
        p=0 f=1
    fi
    [ $status -ne 0 ] && [ "$f" = 0 ] && f=1
    [ -n "$only" ] && [ $((p + f)) = 0 ] && return   # --only picked none of its cases
    echo "== $title"
    while IFS= read -r line; do
        [[ $line =~ ^(ok|FAIL|skip)\ +(.*)$ ]] || continue
        word=${BASH_REMATCH[1]} rest=${BASH_REMATCH[2]}
        [[ $rest == "$prefix"* ]] || rest="$prefix$rest"
        printf '%-4s %s\n' "$word" "$rest"
        [ "$word" = skip ] && skipped=$((skipped + 1))
        [ "$word" = FAIL ] && failures+=("$rest")
    done <<< "$out"
    passed=$((passed + p)) failed=$((failed + f))
    if [ "$f" != 0 ]; then
        printf '%s\n' "$out" | grep -Ev '^(ok|skip) ' | tail -n 40 | sed 's/^/    /'
        failures+=("$title")
    fi
}

! selected layers || run_suite "the layers' include rules (make check-layers)" "layers: " scripts/check-layers.sh
! selected format || run_suite "layout of the changed C lines (make format-check; advisory)" "format: " \
    scripts/format-check.sh --advisory
# The bridged cases are picked by name; the suite's name picks them all.
bridge_only=$only
selected bridged && bridge_only=""
run_suite "bridged end-to-end tests (the image under QEMU against hvsim-bridge)" "bridged: " \
    tests/bridge/run-bridge-tests.sh "$build" "$bridge_only"
fuzz_targets=()
for t in ${HVRT_FUZZ_TARGETS:-}; do
    selected fuzz "$t" && fuzz_targets+=("$t")
done
if [ -z "${HVRT_FUZZ_TARGETS:-}" ] && selected fuzz; then
    run_suite "fuzz smoke (each libFuzzer target from its seed corpus)" "fuzz: " make -s fuzz-smoke
elif [ ${#fuzz_targets[@]} -gt 0 ]; then
    run_suite "fuzz smoke (each libFuzzer target from its seed corpus)" "fuzz: " \
        make -s fuzz-smoke FUZZ_TARGETS="${fuzz_targets[*]}"
fi
# The mutation check and the image tests build on their own baselines:
# they run whole or not at all.
! selected mutation || run_suite "mutation check (deliberate guest mistakes the hvsim tests must catch)" "" \
    tests/hvsim/run-mutations.sh "$build"
! selected image || run_suite "disk images and signing (tests/image)" "image: " \
    tests/image/run-image-tests.sh "$build"

[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
if [ -n "$only" ] && [ $((passed + failed + skipped)) = 0 ]; then
    echo "no test case matches T='$only' (a program, suite or case name, as an extended regex)"
    failed=1
fi
summary="$passed passed, $failed failed"
[ $skipped = 0 ] || summary+=", $skipped skipped"
echo "$summary"
[ "$failed" = 0 ]
