#!/usr/bin/env bash
# Installs the Debian packages hvrt needs, when any is missing. As root it
# runs apt-get; otherwise it prints the exact command and fails.
set -euo pipefail

packages=(
    clang lld llvm          # compiler, linker, llvm-nm/llvm-ar
    binutils                # objcopy: ELF to PE32+ (llvm-objcopy cannot)
    gnu-efi                 # crt0, libefi, headers
    newlib-source           # built once into build/newlib
    qemu-system-x86 ovmf    # booting the image
    mtools dosfstools       # FAT images
    gdisk qemu-utils        # disk images: GPT (sgdisk), VHDX and VHD (qemu-img)
    sbsigntool openssl      # Secure Boot signing (sbsign, sbverify), test keys
    libclang-rt-14-dev      # ASan/UBSan for the host tests
    clang-format-14         # make format-check (git-clang-format-14)
    python3                 # make coverage joins its two sources
    valgrind                # make bench: instructions per packet (callgrind)
    dnsmasq-base iputils-ping curl   # real peers of the network tests (a namespace of their own)
    make xz-utils
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
    echo "hvrt needs these Debian packages: ${missing[*]}" >&2
    echo "run as root:  apt-get update && $cmd" >&2
    exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
