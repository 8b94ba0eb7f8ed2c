#!/usr/bin/env bash
# Runs the bridged end-to-end tests in tests/bridge/cases, two at a time,
# then tests/bridge/httpd-netns.sh, and ends with "N passed, N failed". A failure prints both sides' logs.
# Usage: run-bridge-tests.sh BUILD_DIR [NAME-REGEX]  (the regex picks cases by name; httpd-netns is "httpd")
# With HVRT_TRACE_DIR set, each case also leaves QEMU's instruction trace
# and the guest's console there (NAME.trace, NAME.guest.log), for make coverage.
set -uo pipefail

build=${1:-build}
only=${2:-}
image=$build/hvrt.efi
results=$(mktemp -d "${TMPDIR:-/tmp}/hvrt-bridge-tests.XXXXXX")
trap 'rm -rf "$results"' EXIT

trim() { local s=$1; s=${s#"${s%%[! ]*}"}; s=${s%"${s##*[! ]}"}; printf '%s' "$s"; }

# check LOG SIDE PATTERNS: appends what is wrong to $problems.
check() {
    local log=$1 side=$2 rest=$3 pat
    while [ -n "$rest" ]; do
        pat=$(trim "${rest%%&&*}")
        if [[ $rest == *"&&"* ]]; then rest=${rest#*&&}; else rest=""; fi
        [ -z "$pat" ] && continue
        if [[ $pat == !* ]]; then
            grep -Eq -- "${pat#!}" "$log" && problems+="$side matches '${pat#!}'; "
        else
            grep -Eq -- "$pat" "$log" || problems+="$side lacks '$pat'; "
        fi
    done
}

bridge_test() {
    local name=$1 want=$2 bridge=$3 cmdline=$4 guest_patterns=$5 host_patterns=$6
    local dir=$results/$name args=() status problems="" start=$SECONDS trace=()
    mkdir -p "$dir"
    [ -n "${HVRT_TRACE_DIR:-}" ] && trace=(--trace "$HVRT_TRACE_DIR/$name.trace")
    [ "$want" = poweroff ] || args=(--debug-exit)
    # shellcheck disable=SC2086  # the command line splits into words
    HVSIM_BRIDGE=$build/host/hvsim-bridge scripts/run-hvsim.sh --timeout 90 --bridge "$bridge" "${trace[@]}" \
        --guest-log "$dir/guest.log" --host-log "$dir/hvsim.log" "$image" "${args[@]}" $cmdline > "$dir/both.log" 2>&1
    status=$?
    [ -n "${HVRT_TRACE_DIR:-}" ] && cp "$dir/guest.log" "$HVRT_TRACE_DIR/$name.guest.log"
    local expected=$want
    [ "$want" = poweroff ] && expected=0
    [ "$status" = "$expected" ] || problems+="exit status $status, expected $expected; "
    check "$dir/guest.log" guest "bridged to hvsim && $guest_patterns"
    check "$dir/hvsim.log" hvsim "summary: protocol errors 0 && !warning: && !error: && !ring errors [1-9] && hvsim: exit status 0 && $host_patterns"
    if [ -z "$problems" ]; then
        echo "ok   bridged: $name ($((SECONDS - start)) s)" > "$dir/result"
    else
        { echo "FAIL bridged: $name: $problems"
          echo "    guest and hvsim (run-hvsim.sh --bridge \"$bridge\" ... $cmdline):"
          grep -v 'BdsDxe\|\[2J' "$dir/both.log" | tail -n 30 | sed 's/^/    | /'
          # A self-checking app (hvtest, threadtest) names its failed checks
          # with FAIL; they may be far above the tail.
          grep -E '^FAIL' "$dir/guest.log" | head -n 10 | sed 's/^/    guest: /'; } > "$dir/result"
    fi
}

names=()
while IFS= read -r line; do
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    IFS='|' read -r name want bridge cmdline guest_patterns host_patterns <<< "$line"
    name=$(trim "$name") want=$(trim "$want") bridge=$(trim "$bridge") cmdline=$(trim "$cmdline")
    [ -n "$only" ] && ! [[ $name =~ $only ]] && continue
    names+=("$name")
    bridge_test "$name" "$want" "$bridge" "$cmdline" "$guest_patterns" "$host_patterns" &
    while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
done < tests/bridge/cases
wait

passed=0 failed=0
for name in "${names[@]}"; do
    cat "$results/$name/result"
    if head -n 1 "$results/$name/result" | grep -q '^ok'; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done

# httpd against curl in a network namespace of its own (root; it says why
# it skips otherwise): a case of its own, since it needs a Linux peer.
if [ -z "$only" ] || [[ httpd-netns =~ $only ]]; then
    out=$(tests/bridge/httpd-netns.sh "$build" 2>&1)
    printf '%s\n' "$out" | sed '$d'
    if printf '%s\n' "$out" | head -n 1 | grep -q '^ok'; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
