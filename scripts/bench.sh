#!/usr/bin/env bash
# Figures for hvrt, printed as a table and written to build/bench/results.json.
# Nothing here asserts: timing on a shared machine is noisy, so compare
# figures from one run (ratios), and read docs/performance.md for what limits
# each one.
#   image_bytes            size of the default image
#   boot_wall_ms_median    QEMU+OVMF wall time from start to exit (hello), median of 5
#   boot_guest_us          guest time from efi_main to the first app, by the TSC,
#                          under QEMU -icount (deterministic instruction counting)
#   min_mem_mib            the smallest -m (of 32, 48, 64) at which hello runs
#   ring_*, memcpy_*, signals_per_1k   hosted ring benchmark (two threads)
#   open_msgs_N            messages posted to open a channel with N-page rings
#   integrity_1e8_failures 0 when 10^8 packets came back through echo all, once, in order
# Usage: bench.sh IMAGE BENCH_DIR (the Makefile passes them)
set -euo pipefail
image=${1:?usage: bench.sh IMAGE BENCH_DIR}
bench=${2:?usage: bench.sh IMAGE BENCH_DIR}
out=build/bench
mkdir -p "$out"
declare -A fig
order=()
put() { fig[$1]=$2; order+=("$1"); }

put image_bytes "$(stat -c %s "$image")"

echo "bench: boot wall time, 5 runs of hello ..." >&2
times=()
for i in 1 2 3 4 5; do
    start=$(date +%s%N)
    scripts/qemu-run.sh --timeout 60 --log "$out/wall-$i.log" "$image" --debug-exit --quiet hello
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
    printf '  run %d: %d ms\n' "$i" "${times[-1]}" >&2
done
put boot_wall_ms_median "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)"

echo "bench: guest boot time under -icount ..." >&2
scripts/qemu-run.sh --timeout 120 --qemu-args "-icount shift=0,sleep=off" \
    --log "$out/icount.log" "$image" --debug-exit hello || true
put boot_guest_us "$(grep -Eo 'booted in [0-9]+ us' "$out/icount.log" | grep -Eo '[0-9]+' || echo null)"

echo "bench: smallest memory that boots ..." >&2
min=null
for m in 32 48 64; do
    if scripts/qemu-run.sh --timeout 30 --memory "$m" --log "$out/mem-$m.log" "$image" --debug-exit --quiet hello &&
       grep -q "Hello from hvrt!" "$out/mem-$m.log"; then
        min=$m
        break
    fi
    echo "  -m $m: $(grep -Eao 'Out of Resources|timed out' "$out/mem-$m.log" | head -n 1 || echo failed)" >&2
done
put min_mem_mib "$min"

echo "bench: hosted ring and control path ..." >&2
while read -r key value; do put "$key" "$value"; done < <("$bench/bench_ring")
while read -r key value; do put "$key" "$value"; done < <("$bench/bench_open")

echo "bench: integrity, 10^8 packets through echo (a few minutes) ..." >&2
if [ -x build/host/test_integrity ] && INTEGRITY_PACKETS=100000000 build/host/test_integrity > "$out/integrity.log" 2>&1; then
    put integrity_1e8_failures 0
else
    put integrity_1e8_failures 1
fi

printf '\n%-24s %14s\n' figure value
for k in "${order[@]}"; do printf '%-24s %14s\n' "$k" "${fig[$k]}"; done
ring=${fig[ring_gbps_65536]} mem=${fig[memcpy_gbps_65536]}
printf '%-24s %14s\n' "ring/memcpy" "$(awk -v a="$ring" -v b="$mem" 'BEGIN { printf "%.2f", a / b }')"

{
    echo "{"
    n=${#order[@]}
    for i in "${!order[@]}"; do
        k=${order[$i]}
        sep=$([ "$i" -lt $((n - 1)) ] && echo "," || echo "")
        echo "  \"$k\": ${fig[$k]}$sep"
    done
    echo "}"
} > "$out/results.json"
echo "written: $out/results.json" >&2
