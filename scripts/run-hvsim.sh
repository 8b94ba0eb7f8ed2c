#!/usr/bin/env bash
# Boots the real hvrt image under QEMU (TCG) against hvsim: the bridged
# platform (docs/testing.md). QEMU's guest RAM lives in a shared file that
# hvsim-bridge maps; the guest's COM2 is a unix socket hvsim-bridge talks
# through. Prints the guest's console and hvsim's log side by side, as
# "guest | ..." and "hvsim | ..." lines in the order they happen.
#
#   run-hvsim.sh [--timeout SECONDS] [--memory MIB] [--bridge "ARGS"] [--qemu-args "ARGS"]
#                [--guest-log FILE] [--host-log FILE] [--trace FILE] IMAGE [APP ARGS...]
#
# --bridge passes options to hvsim-bridge (e.g. "--max-version 4.0",
# "--shutdown-after 500", "--verbose"); --qemu-args adds to QEMU's (make
# bench: "-icount shift=0,sleep=off"); the image gets --hvsim in front of
# the command line. --trace writes every guest instruction QEMU translates
# to FILE (QEMU's -d in_asm), which make coverage maps back to source lines.
# Exit status: the image's (as qemu-run.sh reports it),
# or 125 when hvsim-bridge failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bridge_bin=${HVSIM_BRIDGE:-$here/../build/host/hvsim-bridge}
timeout_s=60 memory=256 bridge_args="" extra_qemu_args="" guest_log="" host_log="" trace=""
while [ $# -gt 0 ]; do
    case "$1" in
        --timeout) timeout_s=$2; shift 2 ;;
        --memory) memory=$2; shift 2 ;;
        --bridge) bridge_args=$2; shift 2 ;;
        --qemu-args) extra_qemu_args=$2; shift 2 ;;
        --guest-log) guest_log=$2; shift 2 ;;
        --host-log) host_log=$2; shift 2 ;;
        --trace) trace=$2; shift 2 ;;
        --) shift; break ;;
        -*) echo "run-hvsim: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
image=${1:?usage: run-hvsim.sh [options] IMAGE [APP ARGS...]}
shift
[ -x "$bridge_bin" ] || { echo "run-hvsim: $bridge_bin is missing (make build/host/hvsim-bridge)" >&2; exit 2; }

# /dev/shm: the RAM file should be memory, not disk. Containers often
# give /dev/shm only 64 MiB, and a full tmpfs kills QEMU with SIGBUS
# mid-boot: fall back to a disk-backed directory when it lacks room.
shm=/dev/shm
shm_free_mib=$(df -Pm "$shm" 2>/dev/null | awk 'NR == 2 { print $4 }')
if [ ! -w "$shm" ] || [ "${shm_free_mib:-0}" -lt $((memory + 64)) ]; then
    shm=${TMPDIR:-/tmp}
fi
dir=$(mktemp -d "$shm/hvrt-bridge.XXXXXX")
bridge_pid=""
cleanup() {
    [ -n "$bridge_pid" ] && kill "$bridge_pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
guest_log=${guest_log:-$dir/guest.log}
host_log=${host_log:-$dir/hvsim.log}

qemu_args="-object memory-backend-file,id=hvrt-ram,size=${memory}M,mem-path=$dir/ram,share=on"
qemu_args+=" -machine memory-backend=hvrt-ram"
qemu_args+=" -chardev socket,id=com2,path=$dir/com2,server=on,wait=off"
qemu_args+=" -device isa-serial,chardev=com2,iobase=0x2f8,irq=3"
[ -n "$trace" ] && qemu_args+=" -d in_asm -D $trace"
[ -n "$extra_qemu_args" ] && qemu_args+=" $extra_qemu_args"

# hvsim-bridge waits for the RAM file and the socket, which QEMU creates.
# shellcheck disable=SC2086
( "$bridge_bin" --mem "$dir/ram" --serial "$dir/com2" $bridge_args 2>&1; echo "hvsim: exit status $?" ) \
    | tee "$host_log" | sed -u 's/^/hvsim | /' &
bridge_pid=$!

set +e
"$here/qemu-run.sh" --timeout "$timeout_s" --memory "$memory" --qemu-args "$qemu_args" \
    "$image" --hvsim "$@" 2>&1 | tee "$guest_log" | sed -u 's/^/guest | /'
status=${PIPESTATUS[0]}
wait "$bridge_pid"
bridge_pid=""
set -e
bridge_status=$(sed -n 's/^hvsim: exit status //p' "$host_log" | tail -1)
if [ "${bridge_status:-1}" != 0 ] && [ "$status" = 0 ]; then
    echo "run-hvsim: hvsim-bridge ended with status ${bridge_status:-unknown}" >&2
    exit 125
fi
exit "$status"
