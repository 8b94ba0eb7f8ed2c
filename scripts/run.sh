#!/usr/bin/env bash
# make run: boots the image the most telling way this machine allows, and
# says in one line which way and why:
#   - KVM with the Hyper-V enlightenments (make run-kvm), where KVM accepts
#     them (scripts/kvm-probe.sh);
#   - otherwise QEMU (TCG) against hvsim, the simulated Hyper-V host in its
#     own process (make run-hvsim): VMBus, the offers, a KMCL client and the
#     integration services, with no KVM needed;
#   - HOST=qemu: plain QEMU with OVMF, no Hyper-V at all.
#
#   run.sh [--host auto|kvm|hvsim|qemu] [--bridge "ARGS"] [--kvm-default "CMDLINE"]
#          [--hvsim-default "CMDLINE"] IMAGE [CMDLINE]
#
# An empty CMDLINE takes the default of the way chosen (a plain QEMU boot
# then runs hello). Exit status: the image's (qemu-run.sh, run-hvsim.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
host=auto bridge="" kvm_default="" hvsim_default=""
while [ $# -gt 0 ]; do
    case "$1" in
        --host) host=${2:-auto}; shift 2 ;;
        --bridge) bridge=$2; shift 2 ;;
        --kvm-default) kvm_default=$2; shift 2 ;;
        --hvsim-default) hvsim_default=$2; shift 2 ;;
        --) shift; break ;;
        -*) echo "run: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
image=${1:?usage: run.sh [options] IMAGE [CMDLINE]}
cmdline=${2:-}
[ -n "$host" ] || host=auto

why=""
case "$host" in
    auto)
        if why=$("$here/kvm-probe.sh"); then
            host=kvm why="KVM accepts the Hyper-V enlightenments here; HOST=hvsim or HOST=qemu for the others"
        else
            host=hvsim why="no usable KVM here: $why; HOST=qemu for a plain QEMU boot"
        fi ;;
    kvm|hvsim|qemu) why="HOST=$host" ;;
    *) echo "run: HOST=$host: expected kvm, hvsim or qemu (or nothing: the best this machine allows)" >&2; exit 2 ;;
esac

case "$host" in
    kvm)
        echo "run: KVM with the Hyper-V enlightenments ($why)"
        exec "$here/qemu-run.sh" --kvm --interactive "$image" "${cmdline:-$kvm_default}" ;;
    hvsim)
        echo "run: QEMU (TCG) against hvsim, the simulated Hyper-V host ($why)"
        exec "$here/run-hvsim.sh" --bridge "$bridge" "$image" "${cmdline:-$hvsim_default}" ;;
    qemu)
        echo "run: plain QEMU with OVMF, no Hyper-V and no VMBus ($why)"
        exec "$here/qemu-run.sh" --interactive "$image" "$cmdline" ;;
esac
