#!/usr/bin/env bash
# Figures for hvrt, printed as a table and written to build/bench/results.json.
# Nothing here asserts: timing on a shared machine is noisy, so compare
# figures from one run, and read docs/performance.md for what limits each.
#   image_bytes          size of the default image
#   boot_wall_ms_median  QEMU+OVMF wall time from start to exit (hello), median of 5
#   boot_guest_us        guest time from efi_main to the first app, by the TSC,
#                        under QEMU -icount (deterministic instruction counting)
set -euo pipefail
image=${1:?usage: bench.sh IMAGE}
out=build/bench
mkdir -p "$out"

image_bytes=$(stat -c %s "$image")

echo "bench: boot wall time, 5 runs of hello ..." >&2
times=()
for i in 1 2 3 4 5; do
    start=$(date +%s%N)
    scripts/qemu-run.sh --timeout 60 --log "$out/wall-$i.log" "$image" --debug-exit --quiet hello
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
    printf '  run %d: %d ms\n' "$i" "${times[-1]}" >&2
done
wall_median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)

echo "bench: guest boot time under -icount ..." >&2
scripts/qemu-run.sh --timeout 120 --qemu-args "-icount shift=0,sleep=off" \
    --log "$out/icount.log" "$image" --debug-exit hello
boot_guest_us=$(grep -Eo 'booted in [0-9]+ us' "$out/icount.log" | grep -Eo '[0-9]+' || echo null)

printf '\n%-22s %12s\n' "figure" "value"
printf '%-22s %12s\n' "image_bytes" "$image_bytes"
printf '%-22s %12s\n' "boot_wall_ms_median" "$wall_median"
printf '%-22s %12s\n' "boot_guest_us" "$boot_guest_us"
cat > "$out/results.json" <<JSON
{
  "image_bytes": $image_bytes,
  "boot_wall_ms_median": $wall_median,
  "boot_guest_us": $boot_guest_us
}
JSON
echo "written: $out/results.json" >&2
