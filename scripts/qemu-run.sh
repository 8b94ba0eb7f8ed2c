#!/usr/bin/env bash
# Boots an hvrt image in QEMU with OVMF (TCG unless --kvm) and shows its
# console. The command line goes into \hvrt.cfg on a FAT volume made from a
# fresh directory, since a removable-media boot carries no load options.
#
#   qemu-run.sh [--interactive] [--kvm] [--timeout SECONDS] [--memory MIB]
#               [--log FILE] [--qemu-args "ARGS"] [--via-shell] [--bios FILE]
#               IMAGE [APP ARGS...]
#
# The firmware is the 4 MiB pflash OVMF (code + a fresh copy of the vars);
# --bios FILE boots a one-file OVMF with -bios instead (e.g.
# /usr/share/ovmf/OVMF.fd), which needs less memory of its own.
#
# --via-shell starts the image from the UEFI shell (startup.nsh) instead, so
# the command line arrives as real load options; the shell waits 5 s first.
#
# Exit status: the image's own. With --debug-exit on the image's command
# line it comes through QEMU's isa-debug-exit device; otherwise the run ends
# with an ACPI power-off and the status is the one the console printed
# ("hvrt: exit status N"; 0 when it printed none, as --quiet does for 0).
# 124 means the timeout hit; a skipped --kvm run (no usable KVM here) is 0.
set -euo pipefail

via_shell=0 interactive=0 kvm=0 timeout_s=60 memory=256 log="" bios="" extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --interactive) interactive=1; shift ;;
        --kvm) kvm=1; shift ;;
        --via-shell) via_shell=1; shift ;;
        --timeout) timeout_s=$2; shift 2 ;;
        --memory) memory=$2; shift 2 ;;
        --log) log=$2; shift 2 ;;
        --bios) bios=$2; shift 2 ;;
        --qemu-args) read -r -a extra <<< "$2"; shift 2 ;;
        --) shift; break ;;
        -*) echo "qemu-run: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
image=${1:?usage: qemu-run.sh [options] IMAGE [APP ARGS...]}
shift
cmdline="$*"

ovmf_code=/usr/share/OVMF/OVMF_CODE_4M.fd
ovmf_vars=/usr/share/OVMF/OVMF_VARS_4M.fd
firmware_files=("$ovmf_code" "$ovmf_vars")
[ -z "$bios" ] || firmware_files=("$bios")
for f in "${firmware_files[@]}" "$image"; do
    [ -f "$f" ] || { echo "qemu-run: $f is missing (make efi)" >&2; exit 2; }
done

accel=(-accel tcg)
if [ $kvm = 1 ]; then
    # Some kernels' KVM (nested or paravirtual ones) refuse the Hyper-V MSRs
    # or even -cpu host: the probe says so, and this is a clear skip.
    if ! why=$("$(dirname "$0")/kvm-probe.sh"); then
        echo "run-kvm: skipped: no usable KVM here: $why"
        exit 0
    fi
    mapfile -t accel < <("$(dirname "$0")/kvm-probe.sh" --print-args)
fi

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/hvrt-run.XXXXXX")
trap 'rm -rf "$run_dir"' EXIT
if [ $via_shell = 1 ]; then
    # No removable-media loader: OVMF falls back to its shell, which runs this.
    mkdir -p "$run_dir/esp"
    cp "$image" "$run_dir/esp/hvrt.efi"
    printf 'fs0:\\hvrt.efi %s\r\n' "$cmdline" > "$run_dir/esp/startup.nsh"
else
    mkdir -p "$run_dir/esp/EFI/BOOT"
    cp "$image" "$run_dir/esp/EFI/BOOT/BOOTX64.EFI"
    printf '%s\n' "$cmdline" > "$run_dir/esp/hvrt.cfg"
fi
if [ -n "$bios" ]; then
    firmware=(-bios "$bios")
else
    cp "$ovmf_vars" "$run_dir/vars.fd"   # a fresh copy: a reused one can send OVMF to its shell
    firmware=(-drive if=pflash,format=raw,unit=0,readonly=on,file="$ovmf_code"
        -drive if=pflash,format=raw,unit=1,file="$run_dir/vars.fd")
fi

qemu=(qemu-system-x86_64 -nodefaults -machine q35 "${accel[@]}" -m "$memory"
    -display none -no-reboot "${firmware[@]}"
    -drive format=raw,file=fat:rw:"$run_dir/esp"
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 "${extra[@]}")

# The console goes to a file as well, for the exit status below.
console=${log:-$run_dir/console.log}
if [ $interactive = 1 ]; then
    echo "qemu-run: booting $image under OVMF; command line: ${cmdline:-(default)}; Ctrl-A X quits"
    set +e
    timeout --foreground "$timeout_s" "${qemu[@]}" -serial mon:stdio | tee "$console"
    status=${PIPESTATUS[0]}
elif [ -n "$log" ]; then
    set +e
    timeout "$timeout_s" "${qemu[@]}" -serial stdio </dev/null > "$log" 2>&1
    status=$?
else
    set +e
    timeout "$timeout_s" "${qemu[@]}" -serial stdio </dev/null 2>&1 | tee "$console"
    status=${PIPESTATUS[0]}
fi
set -e
if [ $status -eq 124 ]; then
    echo "qemu-run: timed out after ${timeout_s} s" >&2
    exit 124
fi
# isa-debug-exit: QEMU exits with (status << 1) | 1.
if [ $status -ne 0 ] && [ $((status & 1)) = 1 ]; then
    status=$((status >> 1))
elif [ $status -eq 0 ]; then
    # An ACPI power-off: QEMU's 0 says nothing of how the image ended; the
    # console does ("hvrt: exit status N", absent under --quiet for 0).
    said=$(tr -d '\r' < "$console" | sed -n 's/^hvrt: exit status \([0-9][0-9]*\).*/\1/p' | tail -n 1)
    status=${said:-0}
fi
exit $status
