#!/usr/bin/env bash
# The benchmark's peer: DPDK's VMBus ring (drivers/bus/vmbus/vmbus_bufring.c
# and the two headers it needs), taken from Debian's `dpdk` source package
# and cached under OUTDIR. Never committed: the build compiles it from here.
#   fetch-dpdk-ring.sh OUTDIR
# Leaves OUTDIR/src/drivers/bus/vmbus/... and OUTDIR/.fetched (the tarball's
# name). apt uses a private list directory under OUTDIR with a deb-src entry
# for the machine's own archive and suite, so the system's lists are not
# touched. Exits non-zero, saying why, when the source cannot be had: the
# benchmark then runs without the peer.
set -euo pipefail

outdir=${1:?usage: fetch-dpdk-ring.sh OUTDIR}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
stamp=$outdir/.fetched
files=(drivers/bus/vmbus/vmbus_bufring.c drivers/bus/vmbus/rte_vmbus_reg.h
       drivers/bus/vmbus/private.h drivers/bus/vmbus/rte_bus_vmbus.h)

if [ -f "$stamp" ] && [ -f "$outdir/src/drivers/bus/vmbus/vmbus_bufring.c" ]; then
    exit 0
fi

# The deb lines' archive and suite, for the deb-src entry.
uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
uri=${uri:-http://deb.debian.org/debian}
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
apt_dir=$outdir/apt
mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial"
cat > "$apt_dir/parts/src.sources" <<SRC
Types: deb-src
URIs: $uri
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt_dir/parts"
      -o "Dir::State::Lists=$apt_dir/lists" -o APT::Sandbox::User=root)
echo "fetch-dpdk-ring: apt-get update (deb-src $uri $suite) ..." >&2
apt-get "${opts[@]}" -q update >"$apt_dir/update.log" 2>&1 ||
    { echo "fetch-dpdk-ring: apt-get update failed (see $apt_dir/update.log)" >&2; exit 1; }

work=$(mktemp -d "$outdir/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "fetch-dpdk-ring: apt-get source --download-only dpdk ..." >&2
(cd "$work" && apt-get "${opts[@]}" -q source --download-only dpdk) >"$apt_dir/source.log" 2>&1 ||
    { echo "fetch-dpdk-ring: apt-get source dpdk failed (see $apt_dir/source.log)" >&2; exit 1; }
orig=$(ls "$work"/dpdk_*.orig.tar.* 2>/dev/null | head -n 1)
[ -n "$orig" ] || { echo "fetch-dpdk-ring: no upstream tarball for dpdk" >&2; exit 1; }

# Only the files the benchmark compiles; the tarball's top directory varies.
rm -rf "$outdir/src"
mkdir -p "$outdir/src"
tar -xf "$orig" -C "$outdir/src" --strip-components=1 --wildcards "${files[@]/#/*/}"
basename "$orig" > "$stamp"
echo "fetch-dpdk-ring: $(cat "$stamp"): ${files[*]} in $outdir/src" >&2
