#!/usr/bin/env bash
# Builds the Hyper-V Gen2 / Azure disk images of an hvrt EFI application:
# a GPT disk whose one partition is an EFI system partition (FAT32) holding
# \EFI\BOOT\BOOTX64.EFI (the removable-media path, which any UEFI firmware
# boots without a boot entry) and \hvrt.cfg (the app command line: a
# removable-media boot has no load options, so the image reads it from there).
#
#   mkimage.sh [--cmdline "APP ARGS ; APP2"] [--formats raw,vhdx,vhd]
#              [--esp-mib N] [--disk-mib N] [--newer-than FILE] EFI OUTDIR
#
# Writes OUTDIR/hvrt.raw, OUTDIR/hvrt.vhdx (dynamic VHDX, for Hyper-V) and
# OUTDIR/hvrt.vhd (fixed VHD with a whole-MiB virtual size, as Azure wants).
# Without --cmdline the command line comes from $HVRT_IMAGE_ARGS (how
# mk/image.mk passes ARGS, so that quotes and ';' survive); empty means the
# image's default app. --newer-than refuses an EFI older than FILE (a stale
# signed copy). Each step prints a line starting with "image:".
set -euo pipefail

die() { echo "image: error: $*" >&2; exit 2; }
step() { echo "image: $*"; }

cmdline=${HVRT_IMAGE_ARGS:-} formats=raw,vhdx,vhd esp_mib=64 disk_mib=72 newer_than=""
while [ $# -gt 0 ]; do
    case "$1" in
        --cmdline) cmdline=${2?--cmdline needs a value}; shift 2 ;;
        --formats) formats=${2?--formats needs a value}; shift 2 ;;
        --esp-mib) esp_mib=${2?--esp-mib needs a value}; shift 2 ;;
        --disk-mib) disk_mib=${2?--disk-mib needs a value}; shift 2 ;;
        --newer-than) newer_than=${2?--newer-than needs a value}; shift 2 ;;
        --) shift; break ;;
        -*) die "unknown option $1 (see the top of $0)" ;;
        *) break ;;
    esac
done
[ $# -eq 2 ] || die "usage: mkimage.sh [options] EFI OUTDIR"
efi=$1 out=$2

# --- check the input before touching anything
[ -f "$efi" ] || die "$efi is missing (make efi builds build/hvrt.efi, make sign KEY=... CERT=... build/hvrt-signed.efi)"
[ "$(head -c 2 "$efi")" = MZ ] || die "$efi is not a PE/EFI image (no MZ header)"
if [ -n "$newer_than" ] && [ "$newer_than" -nt "$efi" ]; then
    die "$efi is older than $newer_than: sign again (make sign KEY=... CERT=...)"
fi
[[ $esp_mib =~ ^[0-9]+$ ]] || die "--esp-mib must be a number of MiB, not '$esp_mib'"
[[ $disk_mib =~ ^[0-9]+$ ]] || die "--disk-mib must be a number of MiB, not '$disk_mib'"
# FAT32 needs at least 65525 clusters: about 33 MiB with 512-byte clusters.
[ "$esp_mib" -ge 34 ] || die "--esp-mib $esp_mib is too small for FAT32 (34 MiB at least)"
# 1 MiB before the ESP (protective MBR, GPT, alignment), 33 sectors of backup GPT after it.
[ "$disk_mib" -ge $((esp_mib + 2)) ] || die "--disk-mib must be at least --esp-mib + 2 ($((esp_mib + 2)))"
case "$cmdline" in *$'\n'*) die "the command line must be one line" ;; esac
[ ${#cmdline} -lt 1024 ] || die "the command line is ${#cmdline} characters; the image takes at most 1023"
declare -A want=([raw]=0 [vhdx]=0 [vhd]=0)
IFS=, read -r -a fmt_list <<< "$formats"
for f in "${fmt_list[@]}"; do
    case "$f" in
        raw|vhdx|vhd) want[$f]=1 ;;
        *) die "unknown format '$f' (raw, vhdx, vhd)" ;;
    esac
done
for tool in mkfs.vfat mmd mcopy mdir sgdisk qemu-img; do
    command -v "$tool" >/dev/null || die "$tool is missing (make deps installs dosfstools, mtools, gdisk, qemu-utils)"
done

mkdir -p "$out"
work=$(mktemp -d "$out/.mkimage.XXXXXX")
trap 'rm -rf "$work"' EXIT
export MTOOLS_SKIP_CHECK=1   # mtools otherwise questions geometry it does not need

mib=$((1024 * 1024))
esp_start=2048                        # sectors: the ESP starts at 1 MiB
esp_sectors=$((esp_mib * mib / 512))

# --- the ESP, as a file of its own
step "creating ESP (FAT32, $esp_mib MiB)..."
truncate -s $((esp_mib * mib)) "$work/esp.img"
mkfs.vfat -F 32 -n "HVRT ESP" "$work/esp.img" >/dev/null
mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$work/esp.img" "$efi" ::/EFI/BOOT/BOOTX64.EFI
{
    echo "# hvrt command line (docs/deploy.md); '#' lines are comments"
    [ -z "$cmdline" ] || printf '%s\n' "$cmdline"
} > "$work/hvrt.cfg"
mcopy -i "$work/esp.img" "$work/hvrt.cfg" ::/hvrt.cfg
step "  \\EFI\\BOOT\\BOOTX64.EFI ($(stat -c %s "$efi") bytes from $efi)"
step "  \\hvrt.cfg: ${cmdline:-(empty: the default app)}"

# --- the GPT disk around it
step "creating GPT disk ($disk_mib MiB, partition 1: EFI system partition, type EF00)..."
raw_bytes=$((disk_mib * mib))
raw_bytes=$(( (raw_bytes + mib - 1) / mib * mib ))   # a whole number of MiB (Azure)
truncate -s "$raw_bytes" "$work/hvrt.raw"
sgdisk --clear --new=1:$esp_start:+$esp_sectors --typecode=1:ef00 \
    --change-name=1:"EFI system partition" "$work/hvrt.raw" >/dev/null
sgdisk --verify "$work/hvrt.raw" | grep -q "No problems found" || die "sgdisk --verify found problems in the GPT"
dd if="$work/esp.img" of="$work/hvrt.raw" bs=1M seek=$((esp_start * 512 / mib)) conv=notrunc,sparse status=none
mdir -i "$work/hvrt.raw@@$((esp_start * 512))" ::/EFI/BOOT/BOOTX64.EFI >/dev/null \
    || die "the ESP cannot be read back from the disk"
rm -f "$work/esp.img"

# --- the formats
if [ "${want[vhdx]}" = 1 ]; then
    step "converting to VHDX (dynamic, for Hyper-V)..."
    qemu-img convert -f raw -O vhdx -o subformat=dynamic "$work/hvrt.raw" "$work/hvrt.vhdx"
    qemu-img check -q -f vhdx "$work/hvrt.vhdx" || die "qemu-img check failed on the VHDX"
fi
if [ "${want[vhd]}" = 1 ]; then
    step "converting to fixed VHD (Azure: whole-MiB virtual size, 'conectix' footer)..."
    qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$work/hvrt.raw" "$work/hvrt.vhd"
    vhd_bytes=$(stat -c %s "$work/hvrt.vhd")
    [ "$vhd_bytes" -eq $((raw_bytes + 512)) ] || die "the VHD is $vhd_bytes bytes, expected $((raw_bytes + 512))"
    [ "$(tail -c 512 "$work/hvrt.vhd" | head -c 8)" = conectix ] || die "the VHD has no 'conectix' footer"
    vsize=$(qemu-img info -f vpc --output=json "$work/hvrt.vhd" | sed -n 's/.*"virtual-size": *\([0-9]*\).*/\1/p')
    [ "$vsize" = "$raw_bytes" ] || die "the VHD's virtual size is $vsize, expected $raw_bytes"
    [ $((vsize % mib)) = 0 ] || die "the VHD's virtual size $vsize is not a whole number of MiB"
fi

# --- publish (only now, so a failed run leaves the previous images intact)
step "done:"
for f in raw vhdx vhd; do
    [ "${want[$f]}" = 1 ] || continue
    mv -f "$work/hvrt.$f" "$out/hvrt.$f"
    step "  $out/hvrt.$f ($(du -k --apparent-size "$out/hvrt.$f" | cut -f1) KiB, $(du -k "$out/hvrt.$f" | cut -f1) KiB on disk)"
done
