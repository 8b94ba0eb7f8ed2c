#!/usr/bin/env bash
# Tests of the disk images and of signing (docs/deploy.md), ending with one
# line "N passed, N failed":
#   - scripts/mkimage.sh: raw, VHDX and fixed VHD; qemu-img info/check, the
#     GPT, the VHD footer (Azure), the ESP read back with mtools; bad input;
#   - each format booted under QEMU+OVMF (TCG) to the app's output;
#   - scripts/sign.sh with a throwaway key: sbverify, bad input, and the signed
#     image still boots (Secure Boot off);
#   - Secure Boot on, with Debian's OVMF snakeoil build (its key in PK, KEK and
#     db): the image signed with the snakeoil key boots; the unsigned image and
#     one signed with another key are refused.
# Usage: run-image-tests.sh [BUILD_DIR]   (default: build; needs BUILD_DIR/hvrt.efi)
# About 35 s on 2 cores; two QEMUs at a time, 60 s timeout each.
set -uo pipefail
# shellcheck disable=SC2016  # the bash -c snippets take their arguments as $1..., on purpose

cd "$(dirname "$0")/../.." || exit 1
build=${1:-build}
[ -f "$build/hvrt.efi" ] || { echo "image tests: $build/hvrt.efi is missing (make efi)"; echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0
work=$(mktemp -d "${TMPDIR:-/tmp}/hvrt-image-tests.XXXXXX")
cleanup() {
    local p
    for p in $(jobs -p); do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
export MTOOLS_SKIP_CHECK=1

ok()   { echo "ok   $1"; passed=$((passed + 1)); }
bad()  { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }
# check NAME COMMAND...: one assertion, passes when COMMAND succeeds.
# Its output is shown only on failure.
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$name"; else bad "$name"; [ -z "$out" ] || sed 's/^/    | /' <<< "$out"; fi
}
# expect_fail NAME PATTERN COMMAND...: COMMAND must fail with PATTERN in its output.
expect_fail() {
    local name=$1 pattern=$2 out status
    shift 2
    out=$("$@" 2>&1); status=$?
    if [ $status -ne 0 ] && grep -qE -- "$pattern" <<< "$out"; then
        ok "$name"
    else
        bad "$name" "status $status, output: $(head -c 300 <<< "$out")"
    fi
}

mib=$((1024 * 1024))
disk_bytes=$((72 * mib))
esp_offset=$mib
efi=$work/hvrt.efi
cp "$build/hvrt.efi" "$efi"   # a snapshot: the build may change under us
cmdline="--debug-exit hello"
expected_cfg=$work/expected.cfg
{ echo "# hvrt command line (docs/deploy.md); '#' lines are comments"; echo "$cmdline"; } > "$expected_cfg"

json_field() { sed -n "s/.*\"$2\": *\"\\{0,1\\}\\([^\",]*\\)\"\\{0,1\\},\\{0,1\\}$/\\1/p" "$1" | head -n 1; }
# be_uint FILE OFFSET LENGTH: a big-endian unsigned number from a file.
be_uint() { local v=0 b; for b in $(od -An -v -tu1 -j "$2" -N "$3" "$1"); do v=$((v * 256 + b)); done; echo "$v"; }

# ---------------------------------------------------------------- building
echo "== mkimage (raw, VHDX, fixed VHD)"
disk=$work/disk
scripts/mkimage.sh --cmdline "$cmdline" "$efi" "$disk" > "$work/mkimage.log" 2>&1
status=$?
if [ $status -eq 0 ] && [ -f "$disk/hvrt.raw" ] && [ -f "$disk/hvrt.vhdx" ] && [ -f "$disk/hvrt.vhd" ]; then
    ok "mkimage: builds hvrt.raw, hvrt.vhdx, hvrt.vhd"
else
    bad "mkimage: builds hvrt.raw, hvrt.vhdx, hvrt.vhd" "status $status"; sed 's/^/    | /' "$work/mkimage.log"
fi
check "mkimage: shows progress (ESP, GPT, VHDX, VHD steps)" \
    bash -c 'grep -q "^image: creating ESP (FAT32, 64 MiB)" "$1" && grep -q "^image: creating GPT disk" "$1" &&
             grep -q "^image: converting to VHDX" "$1" && grep -q "^image: converting to fixed VHD" "$1"' _ "$work/mkimage.log"

# ---------------------------------------------------------------- raw + GPT
echo "== raw disk and GPT"
qemu-img info -f raw --output=json "$disk/hvrt.raw" > "$work/raw.json" 2>&1
check "raw: qemu-img info: format raw, virtual size 72 MiB" \
    test "$(json_field "$work/raw.json" format)/$(json_field "$work/raw.json" virtual-size)" = "raw/$disk_bytes"
check "raw: sgdisk --verify finds no problems" bash -c 'sgdisk --verify "$1" | grep -q "No problems found"' _ "$disk/hvrt.raw"
sgdisk --info=1 "$disk/hvrt.raw" > "$work/part1.txt" 2>&1
check "raw: partition 1 is an EFI system partition (C12A7328-...), sectors 2048..133119 (64 MiB)" \
    bash -c 'grep -q "Partition GUID code: C12A7328-F81F-11D2-BA4B-00A0C93EC93B" "$1" &&
             grep -q "First sector: 2048 " "$1" && grep -q "Last sector: 133119 " "$1"' _ "$work/part1.txt"
check "raw: the ESP is FAT32 (boot sector at 1 MiB says FAT32)" \
    test "$(dd if="$disk/hvrt.raw" bs=1 skip=$((esp_offset + 82)) count=8 status=none)" = "FAT32   "

# ---------------------------------------------------------------- ESP via mtools
echo "== the ESP read back with mtools"
check_esp() {   # LABEL FILE: BOOTX64.EFI identical to the EFI, hvrt.cfg as written
    local label=$1 img="$2@@$esp_offset"
    mdir -i "$img" ::/EFI/BOOT > "$work/$label.mdir" 2>&1
    check "$label ESP: mdir lists \\EFI\\BOOT\\BOOTX64.EFI" grep -q "BOOTX64  EFI" "$work/$label.mdir"
    rm -f "$work/$label.BOOTX64.EFI"
    mcopy -i "$img" ::/EFI/BOOT/BOOTX64.EFI "$work/$label.BOOTX64.EFI" 2>/dev/null
    check "$label ESP: BOOTX64.EFI is identical to hvrt.efi (cmp)" cmp -s "$work/$label.BOOTX64.EFI" "$efi"
    mtype -i "$img" ::/hvrt.cfg > "$work/$label.cfg" 2>/dev/null
    check "$label ESP: \\hvrt.cfg holds the command line '$cmdline'" cmp -s "$work/$label.cfg" "$expected_cfg"
}
check_esp raw "$disk/hvrt.raw"
check_esp vhd "$disk/hvrt.vhd"    # a fixed VHD is the raw disk and a footer

# ---------------------------------------------------------------- VHDX
echo "== VHDX (Hyper-V)"
qemu-img info -f vhdx --output=json "$disk/hvrt.vhdx" > "$work/vhdx.json" 2>&1
check "vhdx: qemu-img info: format vhdx, virtual size 72 MiB" \
    test "$(json_field "$work/vhdx.json" format)/$(json_field "$work/vhdx.json" virtual-size)" = "vhdx/$disk_bytes"
check "vhdx: qemu-img check finds no errors" bash -c 'qemu-img check -f vhdx "$1" | grep -q "No errors were found"' _ "$disk/hvrt.vhdx"
qemu-img convert -f vhdx -O raw "$disk/hvrt.vhdx" "$work/from-vhdx.raw" 2>/dev/null
check "vhdx: converted back to raw, identical to hvrt.raw" cmp -s "$work/from-vhdx.raw" "$disk/hvrt.raw"
rm -f "$work/from-vhdx.raw"

# ---------------------------------------------------------------- fixed VHD
echo "== fixed VHD (Azure)"
vhd=$disk/hvrt.vhd
qemu-img info -f vpc --output=json "$vhd" > "$work/vhd.json" 2>&1
vsize=$(json_field "$work/vhd.json" virtual-size)
check "vhd: qemu-img info: format vpc, virtual size 72 MiB" \
    test "$(json_field "$work/vhd.json" format)/$vsize" = "vpc/$disk_bytes"
check "vhd: virtual size is a whole number of MiB" test $(( ${vsize:-1} % mib )) -eq 0
vhd_bytes=$(stat -c %s "$vhd")
check "vhd: file is the virtual size + a 512-byte footer" test "$vhd_bytes" -eq $((disk_bytes + 512))
footer=$work/footer.bin
tail -c 512 "$vhd" > "$footer"
check "vhd: footer cookie 'conectix' in the last 512 bytes" test "$(head -c 8 "$footer")" = conectix
check "vhd: footer disk type 2 (fixed)" test "$(be_uint "$footer" 60 4)" -eq 2
check "vhd: footer original and current size = the virtual size" \
    test "$(be_uint "$footer" 40 8)/$(be_uint "$footer" 48 8)" = "$disk_bytes/$disk_bytes"
vhd_checksum_ok() {   # one's complement of the byte sum, the checksum field (64..67) left out
    local sum=0 i=0 b
    for b in $(od -An -v -tu1 "$footer"); do
        [ $i -lt 64 ] || [ $i -gt 67 ] && sum=$((sum + b))
        i=$((i + 1))
    done
    [ $(( ~sum & 0xffffffff )) -eq "$(be_uint "$footer" 64 4)" ]
}
check "vhd: footer checksum is valid" vhd_checksum_ok
check "vhd: data before the footer is identical to hvrt.raw" cmp -s -n "$disk_bytes" "$vhd" "$disk/hvrt.raw"
# qemu-img check has no checker for vpc ("does not support checks"): the footer checks above stand in.

# ---------------------------------------------------------------- bad input
echo "== bad input"
expect_fail "mkimage: a missing EFI is refused" "is missing" scripts/mkimage.sh "$work/nope.efi" "$work/bad"
echo "not a PE" > "$work/text.efi"
expect_fail "mkimage: a file that is not PE is refused" "not a PE" scripts/mkimage.sh "$work/text.efi" "$work/bad"
expect_fail "mkimage: an ESP too small for FAT32 is refused" "too small for FAT32" \
    scripts/mkimage.sh --esp-mib 16 "$efi" "$work/bad"
expect_fail "mkimage: an unknown format is refused" "unknown format" scripts/mkimage.sh --formats vmdk "$efi" "$work/bad"
check "mkimage: nothing is written on bad input" test ! -e "$work/bad/hvrt.raw"

# ---------------------------------------------------------------- signing
echo "== signing (sbsigntool)"
keys=$work/keys
mkdir -p "$keys"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj "/CN=hvrt image test key/" \
    -keyout "$keys/test.key" -out "$keys/test.crt" >/dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj "/CN=hvrt other key/" \
    -keyout "$keys/other.key" -out "$keys/other.crt" >/dev/null 2>&1
signed=$work/hvrt-signed.efi
scripts/sign.sh "$efi" "$signed" "$keys/test.key" "$keys/test.crt" > "$work/sign.log" 2>&1
check "sign: signs with a throwaway key" test -s "$signed"
check "sign: sbverify --cert accepts the signed image" sbverify --cert "$keys/test.crt" "$signed"
check "sign: sbverify --cert refuses the unsigned image" bash -c '! sbverify --cert "$1" "$2" >/dev/null 2>&1' _ "$keys/test.crt" "$efi"
check "sign: sbverify --cert refuses the signed image against another certificate" \
    bash -c '! sbverify --cert "$1" "$2" >/dev/null 2>&1' _ "$keys/other.crt" "$signed"
expect_fail "sign: no KEY is refused" "no key" scripts/sign.sh "$efi" "$work/x.efi" "" "$keys/test.crt"
expect_fail "sign: a missing CERT file is refused" "no such file" scripts/sign.sh "$efi" "$work/x.efi" "$keys/test.key" "$keys/none.crt"
expect_fail "sign: a key that does not match the certificate is refused" "does not match" \
    scripts/sign.sh "$efi" "$work/x.efi" "$keys/other.key" "$keys/test.crt"
check "sign: nothing is written on bad input" test ! -e "$work/x.efi"
scripts/mkimage.sh --formats raw --cmdline "$cmdline" "$signed" "$work/signed-disk" > /dev/null 2>&1
check "mkimage: builds a raw disk of the signed image" test -f "$work/signed-disk/hvrt.raw"
expect_fail "mkimage --newer-than: a stale signed image is refused" "older than" \
    bash -c 'touch -d "+1 minute" "$1" && scripts/mkimage.sh --newer-than "$1" "$2" "$3"' _ "$work/newer" "$signed" "$work/bad"

# Secure Boot with Debian's snakeoil OVMF (PK, KEK, db: PkKek-1-snakeoil).
sb_code=/usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd
sb_vars=/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd
so_key=/usr/share/ovmf/PkKek-1-snakeoil.key
so_crt=/usr/share/ovmf/PkKek-1-snakeoil.pem
have_sb=1
for f in "$sb_code" "$sb_vars" "$so_key" "$so_crt"; do [ -f "$f" ] || have_sb=0; done
if [ $have_sb = 1 ]; then
    # The snakeoil key's passphrase is "snakeoil" (the ovmf package's README.Debian).
    openssl pkey -in "$so_key" -passin pass:snakeoil -out "$keys/snakeoil.key" 2>/dev/null
    scripts/sign.sh "$efi" "$work/hvrt-snakeoil.efi" "$keys/snakeoil.key" "$so_crt" > /dev/null 2>&1
    check "sign: signs with the OVMF snakeoil key" sbverify --cert "$so_crt" "$work/hvrt-snakeoil.efi"
    scripts/mkimage.sh --formats raw --cmdline "$cmdline" "$work/hvrt-snakeoil.efi" "$work/snakeoil-disk" > /dev/null 2>&1
fi
scripts/mkimage.sh --formats raw "$efi" "$work/default-disk" > /dev/null 2>&1
check "mkimage: without a command line, \\hvrt.cfg holds only the comment" \
    test "$(mtype -i "$work/default-disk/hvrt.raw@@$esp_offset" ::/hvrt.cfg 2>/dev/null | grep -vc '^#')" -eq 0

# ---------------------------------------------------------------- boots
echo "== booting the disks (QEMU, OVMF, TCG; two at a time)"
# boot NAME FILE FORMAT FIRMWARE(plain|secure) EXPECT(hello|poweroff|refused)
# Writes "ok ..." or "FAIL ..." with the console into $work/NAME.result.
boot() {
    local name=$1 file=$2 format=$3 firmware=$4 expect=$5
    local log=$work/$name.console qlog=$work/$name.qemu vars=$work/$name.vars
    local code machine=q35 extra=() problems="" status start=$SECONDS
    if [ "$firmware" = secure ]; then
        code=$sb_code; cp "$sb_vars" "$vars"
        machine=q35,smm=on; extra=(-global "driver=cfi.pflash01,property=secure,value=on")
    else
        code=/usr/share/OVMF/OVMF_CODE_4M.fd; cp /usr/share/OVMF/OVMF_VARS_4M.fd "$vars"
    fi
    : > "$log"
    # snapshot=on: the guest's writes go to a temporary overlay, the file stays as built.
    timeout 60 qemu-system-x86_64 -nodefaults -machine "$machine" -accel tcg -m 256 \
        -display none -no-reboot "${extra[@]}" \
        -drive if=pflash,format=raw,unit=0,readonly=on,file="$code" \
        -drive if=pflash,format=raw,unit=1,file="$vars" \
        -drive format="$format",file="$file",snapshot=on \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -serial file:"$log" < /dev/null > "$qlog" 2>&1 &
    local qpid=$!
    # A refused image leaves OVMF waiting for a key press: stop it once it says so.
    while kill -0 "$qpid" 2>/dev/null; do
        if grep -q "No bootable option or device was found" "$log"; then kill "$qpid" 2>/dev/null; break; fi
        sleep 0.3
    done
    wait "$qpid"; status=$?
    [ $status -ne 124 ] || problems+="timed out after 60 s; "
    # isa-debug-exit: QEMU exits with (status << 1) | 1.
    [ $status -ne 0 ] && [ $((status & 1)) = 1 ] && status=$((status >> 1))
    case $expect in
        hello)
            grep -q "Hello from hvrt!" "$log" || problems+="console lacks 'Hello from hvrt!'; "
            grep -q "command line: $cmdline" "$log" || problems+="console lacks 'command line: $cmdline' (from \\hvrt.cfg); "
            grep -q "hvrt: exit status 0" "$log" || problems+="console lacks 'hvrt: exit status 0'; "
            [ "$status" = 0 ] || problems+="exit status $status, expected 0; " ;;
        poweroff)
            grep -q "Hello from hvrt!" "$log" || problems+="console lacks 'Hello from hvrt!'; "
            grep -q "command line: (empty)" "$log" || problems+="console lacks 'command line: (empty)'; "
            [ "$status" = 0 ] || problems+="QEMU status $status, expected 0 (ACPI power-off); " ;;
        refused)
            grep -q "failed to load Boot.*Access Denied" "$log" || problems+="console lacks OVMF's 'failed to load ... Access Denied'; "
            ! grep -q "hvrt:" "$log" || problems+="hvrt ran; " ;;
    esac
    if [ -z "$problems" ]; then
        echo "ok   boot: $name ($((SECONDS - start)) s)" > "$work/$name.result"
    else
        { echo "FAIL boot: $name: $problems"; echo "    console:"; sed 's/^/    | /' "$log"
          [ -s "$qlog" ] && { echo "    qemu:"; sed 's/^/    | /' "$qlog"; }; } > "$work/$name.result"
    fi
}

boots=(
    "raw-disk|$disk/hvrt.raw|raw|plain|hello"
    "vhdx-disk|$disk/hvrt.vhdx|vhdx|plain|hello"
    "vhd-disk|$disk/hvrt.vhd|vpc|plain|hello"
    "default-cmdline|$work/default-disk/hvrt.raw|raw|plain|poweroff"
    "signed-secure-boot-off|$work/signed-disk/hvrt.raw|raw|plain|hello"
)
if [ $have_sb = 1 ]; then
    boots+=(
        "secure-boot-snakeoil-signed-boots|$work/snakeoil-disk/hvrt.raw|raw|secure|hello"
        "secure-boot-unsigned-refused|$disk/hvrt.raw|raw|secure|refused"
        "secure-boot-other-key-refused|$work/signed-disk/hvrt.raw|raw|secure|refused"
    )
else
    skip "Secure Boot boots" "Debian's OVMF snakeoil files are missing ($sb_code, $sb_vars, $so_key)"
fi
names=()
for b in "${boots[@]}"; do
    IFS='|' read -r name file format firmware expect <<< "$b"
    names+=("$name")
    boot "$name" "$file" "$format" "$firmware" "$expect" &
    while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
done
wait
for name in "${names[@]}"; do
    if [ -f "$work/$name.result" ] && head -n 1 "$work/$name.result" | grep -q '^ok'; then
        cat "$work/$name.result"; passed=$((passed + 1))
    else
        if [ -f "$work/$name.result" ]; then cat "$work/$name.result"; else echo "FAIL boot: $name: no result"; fi
        failed=$((failed + 1))
    fi
done

[ $skipped -eq 0 ] || echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
