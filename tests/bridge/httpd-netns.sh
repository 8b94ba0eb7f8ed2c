#!/usr/bin/env bash
# httpd in the real image, bridged to hvsim, with a real Linux client:
# hvsim's netvsc on a TAP device inside a network namespace this script
# creates (and removes), curl and Python in that namespace. Checks the
# status page, keep-alive, a static file from the ESP (the image's own boot
# disk behind storvsc), HEAD, 404, a 1 MiB download and a 300 KB upload
# checked byte for byte, and 8 clients at once. Prints one ok/FAIL line
# (or ok ... skipped, with the reason, where root, /dev/net/tun, ip, curl
# or python3 is missing), and the usual "N passed, N failed".
# Usage: httpd-netns.sh BUILD_DIR   (HTTPD_KEEP=DIR keeps its logs there)
set -uo pipefail

build=${1:-build}
image=$build/hvrt.efi
disk=$build/bridge-disk/hvrt.raw
name="bridged: httpd-netns"
skip() { echo "ok   $name (skipped: $1)"; echo "1 passed, 0 failed"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root for a network namespace"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
for tool in ip curl python3; do command -v $tool >/dev/null || skip "no $tool"; done
[ -f "$disk" ] || skip "no $disk (make $disk)"

ns=hvrt-httpd-$$
dir=$(mktemp -d "${TMPDIR:-/tmp}/hvrt-httpd.XXXXXX")
guest_pid=""
cleanup() {
    [ -n "$guest_pid" ] && kill "$guest_pid" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    [ -n "${HTTPD_KEEP:-}" ] && cp -r "$dir" "$HTTPD_KEEP"; rm -rf "$dir"
}
trap cleanup EXIT
problems=""
fail() { problems+="$1; "; }
in_ns() { ip netns exec "$ns" "$@"; }

ip netns add "$ns" || skip "cannot create a network namespace"
in_ns ip link set lo up
in_ns ip tuntap add dev hvtap0 mode tap
in_ns ip addr add 10.9.0.1/24 dev hvtap0
in_ns ip link set hvtap0 up

# 16 requests: the checks below, one connection each but for the keep-alive pair.
start=$SECONDS
in_ns scripts/run-hvsim.sh --timeout 150 \
    --bridge "--devices heartbeat,shutdown,timesync,kvp,netvsc --tap hvtap0 --disk $disk:ro" \
    --guest-log "$dir/guest.log" --host-log "$dir/hvsim.log" "$image" --debug-exit --ip=10.9.0.2/24 \
    httpd --requests 16 > "$dir/both.log" 2>&1 &
guest_pid=$!
for _ in $(seq 600); do
    grep -q "httpd: listening on port 80" "$dir/guest.log" 2>/dev/null && break
    kill -0 "$guest_pid" 2>/dev/null || break
    sleep 0.2
done
url=http://10.9.0.2
get() { in_ns curl -sS --max-time 30 "$@"; }

if grep -q "httpd: listening on port 80" "$dir/guest.log"; then
    page=$(get "$url/")
    [[ $page == *"hvrt appliance"* && $page == *netvsc0* && $page == *10.9.0.2* ]] ||
        fail "the status page lacks its facts: ${page:0:200}"
    both=$(get -w '|%{num_connects}\n' "$url/healthz" "$url/healthz")
    [ "$both" = $'ok\n|1\nok\n|0' ] || fail "keep-alive: two requests, one connection: got '$both'"
    cfg=$(get "$url/esp/hvrt.cfg")
    [[ $cfg == *"hvrt command line (docs/deploy.md)"* ]] || fail "/esp/hvrt.cfg: '${cfg:0:200}'"
    head=$(get -I "$url/")
    [[ $head == *"HTTP/1.1 200 OK"* && $head =~ Content-Length:\ [1-9] ]] || fail "HEAD /: '$head'"
    code=$(get -o /dev/null -w '%{http_code}' "$url/nope")
    [ "$code" = 404 ] || fail "GET /nope: status $code, not 404"
    get -o "$dir/bytes" "$url/bytes/1048576"
    python3 - "$dir/bytes" <<'EOF' || fail "/bytes/1048576 differs from the pattern"
import sys
data = open(sys.argv[1], "rb").read()
want = bytes((i * 7 + (i >> 9)) & 0xFF for i in range(1048576))
sys.exit(0 if data == want else 1)
EOF
    python3 -c 'import os, sys; sys.stdout.buffer.write(os.urandom(300000))' > "$dir/upload"
    sink=$(get --data-binary "@$dir/upload" -H 'Content-Type: application/octet-stream' "$url/sink")
    want=$(python3 - "$dir/upload" <<'EOF'
import sys
h = 0xcbf29ce484222325
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
print("300000 %016x" % h)
EOF
)
    [ "$sink" = "$want" ] || fail "POST /sink: '$sink', want '$want'"
    pids=()
    for i in 1 2 3 4 5 6 7 8; do get -o "$dir/par$i" "$url/bytes/65536" & pids+=($!); done
    wait "${pids[@]}"
    for i in 1 2 3 4 5 6 7 8; do
        [ "$(stat -c %s "$dir/par$i" 2>/dev/null)" = 65536 ] || fail "client $i of 8 got $(stat -c %s "$dir/par$i" 2>/dev/null) bytes"
    done
else
    fail "httpd never listened"
fi

wait "$guest_pid"
status=$?
guest_pid=""
[ "$status" = 0 ] || fail "exit status $status, expected 0"
grep -q "httpd: served 16 requests" "$dir/guest.log" || fail "guest lacks 'httpd: served 16 requests'"
grep -q "summary: protocol errors 0" "$dir/hvsim.log" || fail "hvsim lacks 'protocol errors 0'"
grep -Eq "warning:|error:|ring errors [1-9]" "$dir/hvsim.log" && fail "hvsim reports a warning or error"
if [ -z "$problems" ]; then
    echo "ok   $name ($((SECONDS - start)) s)"
    echo "1 passed, 0 failed"
else
    echo "FAIL $name: $problems"
    grep -v 'BdsDxe\|\[2J' "$dir/both.log" | tail -n 30 | sed 's/^/    | /'
    echo "0 passed, 1 failed"
    exit 1
fi
