#!/usr/bin/env bash
# Fetches a Debian source package's upstream tarball and unpacks it, once:
#   fetch-debian-source.sh PACKAGE OUTDIR
# leaves the upstream tree in OUTDIR/src and a stamp naming the version.
# Third-party code is built from here, never committed. The deb-src entry
# (same archive and suite as the machine's deb lines) is added when missing;
# that needs root, as installing packages does.
set -euo pipefail

package=${1:?usage: fetch-debian-source.sh PACKAGE OUTDIR}
outdir=${2:?usage: fetch-debian-source.sh PACKAGE OUTDIR}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
stamp=$outdir/.fetched

if [ -f "$stamp" ] && [ -d "$outdir/src" ]; then
    exit 0
fi

sources=/etc/apt/sources.list.d/hvrt-src.sources
src_list_opts=(-o "Dir::Etc::sourcelist=$sources" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0)
if ! apt-cache showsrc "$package" 2>/dev/null | grep -q '^Package:'; then
    if [ "$(id -u)" != 0 ]; then
        echo "fetch-source: $package's source needs a deb-src entry; run as root, or add" >&2
        echo "  'deb-src http://deb.debian.org/debian bookworm main' to apt's sources" >&2
        exit 1
    fi
    if [ ! -f "$sources" ]; then
        suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
        cat >"$sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
    echo "fetch-source: apt-get update (deb-src for $package)"
    apt-get update -q "${src_list_opts[@]}" >/dev/null
fi

# dpkg-source is not needed: the upstream tarball is all we build from
# (Debian's patches for lwIP and DPDK concern their Linux packaging).
work=$(mktemp -d "$outdir/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "fetch-source: downloading $package's source (cached in $outdir)"
(cd "$work" && apt-get source -q --download-only "$package" >/dev/null 2>&1) || {
    echo "fetch-source: apt-get source $package failed" >&2
    exit 1
}
orig=$(ls "$work"/*.orig.tar.* 2>/dev/null | head -n 1)
[ -n "$orig" ] || { echo "fetch-source: no upstream tarball for $package" >&2; exit 1; }
rm -rf "$outdir/src"
mkdir -p "$outdir/src"
tar -xf "$orig" -C "$outdir/src" --strip-components=1
basename "$orig" >"$stamp"
echo "fetch-source: $package: $(cat "$stamp") in $outdir/src"
