#!/usr/bin/env bash
# Figures for hvrt, printed as a table and written to build/bench/results.json.
# Nothing here asserts: timing on a shared machine is noisy, so compare
# figures from one run (ratios), and read docs/performance.md for what limits
# each one.
#   image_bytes            size of the default image (every app, lwIP and the disk
#                          stack too); limit 1 MiB (1048576)
#   image_no_net_bytes     size of the image without the network and disk apps
#                          (Makefile NET_APPS, DISK_APPS); limit 256 KiB (262144)
#   boot_wall_ms_median    QEMU+OVMF wall time from start to exit (hello), median of 5
#   boot_guest_us          guest time from efi_main to the first app, by the TSC,
#                          under QEMU -icount (deterministic instruction counting)
#   boot_guest_us_hvfreq   the same where the hypervisor states the TSC frequency:
#                          bridged to hvsim under -icount, to the Hyper-V layer,
#                          the waits for hvsim left out
#   min_mem_mib            the smallest -m (of 32, 40, 48, 64) at which hello runs,
#                          with the firmware `make run` uses (4 MiB pflash OVMF)
#   min_mem_mib_bios       the same with the one-file OVMF (-bios OVMF.fd)
#   min_mem_mib_net        the smallest -m (bisection, 1 MiB steps between 32 and 64) at
#                          which the default image, bridged to hvsim with a netvsc NIC,
#                          brings lwIP up and pings itself; limit 48
#   ring_*, memcpy_*, signals_per_1k   hosted ring benchmark (two threads),
#                          each the best of 3 runs (see tests/bench/bench_ring.c)
#   ring_vs_dpdk_Mt_S      hvrt's ring over DPDK's (packets/s, medians of interleaved
#                          runs), M = 1 thread or 2, S = payload bytes; _4m: 4 MiB ring
#                          (tests/bench/bench_peer.c); ring_pps_Mt_S, dpdk_pps_Mt_S
#   ring_instr_write_S, ring_instr_read_S, dpdk_instr_write_S, dpdk_instr_read_S
#                          instructions per packet under callgrind (deterministic)
#   kmcl_vs_ring_tx_64, kmcl_vs_ring_rx_64   instructions per 64-byte packet of KMCL's
#                          VmbPacketSend and dispatch-level receive over the raw ring's
#                          write and read (tests/bench/bench_kmcl.c); kmcl_instr_*, ring_instr_*_kmcl
#   kmcl_rx_pps_dispatch_64, kmcl_rx_pps_passive_64   64-byte packets/s from the channel's
#                          interrupt to ProcessPacket, delivered by the dpc or the passive worker
#   core_round_trip_ns     a cache line to the other thread's CPU and back: where
#                          the host placed the two vCPUs, which the ring figures follow
#   open_msgs_N            messages posted to open a channel with N-page rings
#   integrity_1e8_failures 0 when 10^8 packets came back through echo all, once, in order
#   thread_switch_ns       one switch between two yielding threads (hosted, same assembly)
#   dpc_latency_ns         dpc_queue to the dpc running on the dispatch thread (hosted)
#   netvsc_fps_{64,1514}_{tx,rx}, netvsc_gbps_1514_{tx,rx}   frames through the netvsc
#                          driver and hvsim's netvsc host, hosted, one thread; beside
#                          them netvsc_ring_pps_{64,1514}, netvsc_ring_gbps_1514: the
#                          ring alone with packets of the same sizes, same run (the limit)
#   storvsc_iops_4k_qd1, storvsc_iops_4k_qd32, storvsc_mbps_1m   hosted storvsc against hvsim's
#                          file-backed disk (random 4 KiB reads, 1 and 32 in flight; 1 MiB in sequence)
#   pread_iops_4k_qd1, pread_iops_4k_qd32, pread_mbps_1m   pread on the same file in the same run
#                          (32 threads for qd32): the limit storvsc works against
#   hvsock_mbps_4k_tx, hvsock_mbps_64k_tx, hvsock_mbps_4k_rx, hvsock_mbps_64k_rx   hosted hv_sock
#                          through the driver and hvsim's host (guest writes to a host sink,
#                          guest reads of what the host writes); hvsock_ring_mbps_4k: 4088-byte
#                          pipe packets through a 6-page ring alone, same run (the limit)
# Usage: bench.sh IMAGE BENCH_DIR [NO_NET_IMAGE] (the Makefile passes them)
set -euo pipefail
image=${1:?usage: bench.sh IMAGE BENCH_DIR}
bench=${2:?usage: bench.sh IMAGE BENCH_DIR}
out=build/bench
mkdir -p "$out"
declare -A fig
order=()
put() { fig[$1]=$2; order+=("$1"); }

put image_bytes "$(stat -c %s "$image")"
no_net_image=${3:-}
[ -n "$no_net_image" ] && put image_no_net_bytes "$(stat -c %s "$no_net_image")"

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
# Where Hyper-V states the TSC frequency the boot skips its 500 us PIT
# window. QEMU's TCG has no Hyper-V CPUID leaves or MSRs, so this boot runs
# bridged: hvsim states the rate (1 GHz: under -icount shift=0 one TSC tick
# is one instruction, a nanosecond), and the guest reports its time to the
# Hyper-V layer by the TSC without its waits for hvsim (hv_bridge.h).
# Unlike the plain boot this one moves by tens of microseconds from run to
# run (the guest and hvsim are two processes): the median of 3.
echo "bench: guest boot time under -icount, bridged, hvsim stating the TSC rate (3 runs) ..." >&2
hvfreq=()
for i in 1 2 3; do
    scripts/run-hvsim.sh --timeout 120 --qemu-args "-icount shift=0,sleep=off" --bridge "--tsc-hz 1000000000" \
        --guest-log "$out/icount-hvfreq-$i.log" --host-log "$out/icount-hvfreq-hvsim-$i.log" \
        "$image" --debug-exit --no-services hello > /dev/null 2>&1 || true
    us=$(grep -Eao 'bridged boot: [0-9]+ us' "$out/icount-hvfreq-$i.log" | grep -Eo '[0-9]+' || true)
    [ -n "$us" ] && hvfreq+=("$us") && printf '  run %d: %d us\n' "$i" "$us" >&2
done
put boot_guest_us_hvfreq "$([ ${#hvfreq[@]} -gt 0 ] && printf '%s\n' "${hvfreq[@]}" | sort -n |
                             sed -n "$(( (${#hvfreq[@]} + 1) / 2 ))p" || echo null)"

# Prints the smallest -m of the grid at which hello runs; extra arguments go
# to qemu-run.sh (the firmware).
smallest_memory() {
    local tag=$1 min=null m
    shift
    for m in 32 40 48 64; do
        if scripts/qemu-run.sh --timeout 30 --memory "$m" "$@" --log "$out/mem$tag-$m.log" "$image" \
               --debug-exit --quiet hello &&
           grep -q "Hello from hvrt!" "$out/mem$tag-$m.log"; then
            min=$m
            break
        fi
        echo "  -m $m: $(grep -Eao 'Out of Resources|No bootable option|timed out' "$out/mem$tag-$m.log" | head -n 1 || echo failed)" >&2
    done
    echo "$min"
}

echo "bench: smallest memory that boots, pflash OVMF (make run) ..." >&2
put min_mem_mib "$(smallest_memory "")"
bios_ovmf=/usr/share/ovmf/OVMF.fd
if [ -f "$bios_ovmf" ]; then
    echo "bench: smallest memory that boots, -bios $bios_ovmf ..." >&2
    put min_mem_mib_bios "$(smallest_memory -bios --bios "$bios_ovmf")"
fi

# The network image at work: bridged to hvsim with a synthetic NIC, the
# net service starts lwIP over it before the app, and ping goes through
# the stack. Bisection: every size from lo up fails, hi boots (the firmware
# alone needs about 48 MiB: below, OVMF cannot even read the boot disk).
net_boots() {
    local m=$1 log=$out/memnet-$1.log
    scripts/run-hvsim.sh --timeout 30 --memory "$m" --bridge "--devices heartbeat,shutdown,timesync,kvp,netvsc" \
        --guest-log "$log" "$image" --debug-exit --quiet --ip=10.9.0.2/24 ping -c 2 127.0.0.1 >/dev/null 2>&1 &&
        grep -q "ping: 2 sent, 2 received" "$log"
}
smallest_memory_net() {
    local lo=32 hi=64 mid
    if ! net_boots $hi; then echo "  -m $hi: does not boot with the network" >&2; echo null; return; fi
    if net_boots $lo; then echo $lo; return; fi
    while [ $((hi - lo)) -gt 1 ]; do
        mid=$(( (lo + hi) / 2 ))
        if net_boots $mid; then hi=$mid; else lo=$mid; fi
        echo "  -m $mid: $([ $hi = $mid ] && echo boots || echo fails)" >&2
    done
    echo $hi
}
echo "bench: smallest memory in which the image runs on the network (bridged, bisection) ..." >&2
put min_mem_mib_net "$(smallest_memory_net)"

echo "bench: hosted ring and control path ..." >&2
while read -r key value; do put "$key" "$value"; done < <("$bench/bench_ring")
while read -r key value; do put "$key" "$value"; done < <("$bench/bench_open")
echo "bench: thread switch and dpc latency (hosted) ..." >&2
while read -r key value; do put "$key" "$value"; done < <("$bench/bench_threads")

echo "bench: hvrt's ring against DPDK's (interleaved runs, medians; about a minute) ..." >&2
while read -r key value; do put "$key" "$value"; done < <("$bench/bench_peer")

# Instructions per packet: one callgrind run of PEER at SIZE bytes
# (count_run prints its file, or nothing), then the inclusive count of the
# benchmark's send or recv wrapper over the packets it ran (per_packet).
count_run() {
    local cg=$out/callgrind.$1.$2 n
    command -v valgrind >/dev/null || return 0
    n=$(valgrind --tool=callgrind --callgrind-out-file="$cg" "$bench/bench_peer" count "$1" "$2" \
        2>/dev/null | sed -n 's/^packets //p') || return 0
    [ -n "$n" ] && echo "$cg $n"
}
per_packet() {
    local peer=$1 fn=$2 cg=${3:-} n=${4:-} count
    [ -n "$cg" ] && count=$(callgrind_annotate --inclusive=yes "$cg" 2>/dev/null |
                            grep -m 1 -E ":${peer}_peer_${fn} " | awk '{ gsub(",", "", $1); print $1 }')
    if [ -n "${count:-}" ]; then awk -v c="$count" -v n="$n" 'BEGIN { printf "%.1f", c / n }'; else echo null; fi
}
echo "bench: instructions per packet under callgrind ..." >&2
for s in 64 256 1024 4096 65536; do
    for p in hvrt:ring dpdk:dpdk; do
        run=$(count_run "${p%:*}" "$s")
        put "${p#*:}_instr_write_$s" "$(per_packet "${p%:*}" send $run)"
        put "${p#*:}_instr_read_$s" "$(per_packet "${p%:*}" recv $run)"
    done
done

# Instructions per packet inside FN of bench_kmcl (collected only there),
# without the hosted backend's stand-ins for interrupts off/on and the
# clock (calls into hvsim here, single instructions in the image).
# callgrind_annotate may list a function twice (relative and absolute
# file names): each stand-in is counted once, by name.
kmcl_cost() {
    local fn=$1 cg=$out/callgrind.$1 n
    command -v valgrind >/dev/null || { echo null; return; }
    n=$(valgrind --tool=callgrind --collect-atstart=no --toggle-collect="$fn" --callgrind-out-file="$cg" \
        "$bench/bench_kmcl" 2>/dev/null | sed -n 's/^packets //p') || true
    [ -n "$n" ] || { echo null; return; }
    callgrind_annotate --inclusive=yes "$cg" 2>/dev/null | awk -v fn=":$fn\$" -v n="$n" '
        $3 ~ fn && !t { gsub(",", "", $1); t = $1 }
        $3 ~ /hosted\.c:(platform_|hv_cpu_)/ { gsub(",", "", $1); f = $3; sub(/.*:/, "", f); h[f] = $1 }
        END { for (f in h) sum += h[f]; if (t) printf "%.1f", (t - sum) / n; else print "null" }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "null" || b == "null" || b == 0) print "null"; else printf "%.2f", a / b }'; }
echo "bench: KMCL's data path against the raw ring, under callgrind ..." >&2
for d in tx rx; do
    k=$(kmcl_cost "bench_kmcl_$d") r=$(kmcl_cost "bench_ring_$d")
    put "kmcl_instr_${d}_64" "$k"
    put "ring_instr_${d}_64_kmcl" "$r"
    put "kmcl_vs_ring_${d}_64" "$(ratio "$k" "$r")"
done
# The rates from the channel's interrupt to ProcessPacket, natively: by the
# dpc, and by the passive worker (SetIncomingProcessingAtPassive).
while read -r key value; do put "$key" "$value"; done < <("$bench/bench_kmcl" --rates | grep "^kmcl_rx_pps_")
echo "bench: frames through the netvsc driver, hosted ..." >&2
while read -r key value; do put "$key" "$value"; done < <("$bench/bench_netvsc" | grep "^netvsc_")

echo "bench: storvsc against pread on the same file ..." >&2
while read -r key value; do put "$key" "$value"; done < <("$bench/bench_storvsc")

echo "bench: hv_sock through the driver against hvsim's host, and the ring's limit ..." >&2
while read -r key value; do put "$key" "$value"; done < <("$bench/bench_hvsock")

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
ring4m=${fig[ring_gbps_65536_4m]}
printf '%-24s %14s\n' "ring_4m/memcpy" "$(awk -v a="$ring4m" -v b="$mem" 'BEGIN { printf "%.2f", a / b }')"

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
