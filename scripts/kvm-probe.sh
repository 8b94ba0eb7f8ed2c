#!/usr/bin/env bash
# Can this machine run hvrt under KVM with the Hyper-V enlightenments?
# Prints one line saying why not (nothing when it can) and exits 0 when it
# can, 1 when it cannot. qemu-run.sh --kvm and run.sh (make run) ask it.
#
# Some kernels' KVM (nested or paravirtual ones) refuse the Hyper-V MSRs or
# even -cpu host: QEMU then dies at start-up. So the probe starts a paused
# machine with the same flags for 3 s: still running after 3 s means KVM
# took them.
set -uo pipefail

# The flags hvrt's KVM runs use (qemu-run.sh --kvm takes them from here).
KVM_QEMU_ARGS=(-accel kvm
    -cpu host,hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer,hv-stimer-direct,hv-crash
    -device hyperv-testdev    # loopback connections for hvtest
    -device vmbus-bridge)     # QEMU's VMBus (offers nothing before QEMU 8.2)

if [ "${1:-}" = --print-args ]; then
    printf '%s\n' "${KVM_QEMU_ARGS[@]}"
    exit 0
fi
if [ ! -w /dev/kvm ]; then
    echo "/dev/kvm is missing or not writable"
    exit 1
fi
out=$(timeout 3 qemu-system-x86_64 -nodefaults -machine q35 "${KVM_QEMU_ARGS[@]}" \
    -display none -monitor none -serial none -S 2>&1 </dev/null)
status=$?
[ $status -eq 124 ] && exit 0
first=$(printf '%s\n' "$out" | grep -v '^$' | head -n 1)
echo "KVM refuses QEMU's Hyper-V enlightenments${first:+ (qemu: $first)}"
exit 1
