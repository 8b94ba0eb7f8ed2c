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
# Exit status: with --debug-exit on the image's command line, the image's
# own exit status; otherwise QEMU's (0 after an ACPI power-off). 124 means
# the timeout hit.
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
kvm_args=()
if [ $kvm = 1 ]; then
    if [ ! -w /dev/kvm ]; then
        echo "run-kvm: skipped: /dev/kvm is missing or not writable here (no KVM on this machine)"
        exit 0
    fi
    accel=(-accel kvm)
    kvm_args=(-cpu host,hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer,hv-stimer-direct,hv-crash
         -device hyperv-testdev    # loopback connections for hvtest
         -device vmbus-bridge)     # QEMU's VMBus (offers nothing before QEMU 8.2)
    # Some kernels' KVM (nested or paravirtual ones) refuse the Hyper-V MSRs
    # or even -cpu host: QEMU then dies at start-up. Try a paused machine
    # for 3 s first, so that is a clear skip rather than an assertion.
    preflight=$(timeout 3 qemu-system-x86_64 -nodefaults -machine q35 "${accel[@]}" "${kvm_args[@]}" \
        -display none -monitor none -serial none -S 2>&1 </dev/null) && preflight_status=0 || preflight_status=$?
    if [ $preflight_status -ne 124 ]; then
        echo "run-kvm: skipped: this machine's KVM cannot run QEMU with the Hyper-V enlightenments:"
        printf '%s\n' "$preflight" | grep -v '^$' | head -n 3 | sed 's/^/  qemu: /'
        exit 0
    fi
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

qemu=(qemu-system-x86_64 -nodefaults -machine q35 "${accel[@]}" "${kvm_args[@]}" -m "$memory"
    -display none -no-reboot "${firmware[@]}"
    -drive format=raw,file=fat:rw:"$run_dir/esp"
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 "${extra[@]}")

if [ $interactive = 1 ]; then
    echo "qemu-run: booting $image under OVMF; command line: ${cmdline:-(default)}; Ctrl-A X quits"
    set +e
    timeout --foreground "$timeout_s" "${qemu[@]}" -serial mon:stdio
    status=$?
else
    set +e
    timeout "$timeout_s" "${qemu[@]}" -serial stdio </dev/null > "${log:-/dev/stdout}" 2>&1
    status=$?
fi
set -e
if [ $status -eq 124 ]; then
    echo "qemu-run: timed out after ${timeout_s} s" >&2
    exit 124
fi
# isa-debug-exit: QEMU exits with (status << 1) | 1.
if [ $status -ne 0 ] && [ $status -ne 124 ] && [ $((status & 1)) = 1 ]; then
    status=$((status >> 1))
fi
exit $status
