#!/usr/bin/env bash
# Build newlib (libc.a, libm.a) for hvrt's freestanding x86_64 ELF target from
# Debian's newlib-source, once. The result is cached under $1 (build/newlib):
# a later run finds the stamp file and returns at once.
set -euo pipefail

prefix=${1:?usage: build-newlib.sh OUTDIR}
prefix=$(mkdir -p "$prefix" && cd "$prefix" && pwd)
stamp=$prefix/.built
flags_id="v1 -O2 -g -ffreestanding -fno-builtin -mno-red-zone -fno-stack-protector -fPIC"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$flags_id" ]; then
    exit 0
fi

tarball=$(ls /usr/src/newlib/newlib-*.tar.xz 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { echo "build-newlib: no /usr/src/newlib/newlib-*.tar.xz (apt-get install newlib-source)" >&2; exit 1; }

src=$prefix/src
obj=$prefix/obj
log=$prefix/build.log
rm -rf "$src" "$obj" "$prefix/install"
mkdir -p "$src" "$obj"
echo "newlib: unpacking $(basename "$tarball") (built once, cached in $prefix)"
tar -xJf "$tarball" -C "$src" --strip-components=1

echo "newlib: configuring (log: $log)"
cd "$obj"
"$src/configure" \
    --target=x86_64-elf --prefix="$prefix/install" \
    --disable-multilib --disable-libgloss --disable-newlib-supplied-syscalls \
    --enable-newlib-io-long-long --enable-newlib-io-c99-formats \
    --disable-newlib-multithread --enable-newlib-retargetable-locking=no \
    CC_FOR_TARGET="clang --target=x86_64-elf" \
    AR_FOR_TARGET=llvm-ar RANLIB_FOR_TARGET=llvm-ranlib NM_FOR_TARGET=llvm-nm \
    CFLAGS_FOR_TARGET="-O2 -g -ffreestanding -fno-builtin -mno-red-zone -fno-stack-protector -fPIC -fno-asynchronous-unwind-tables -Wno-everything" \
    >"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }

# Show progress: one dot per 200 lines of make output, about 40 dots in all.
echo -n "newlib: compiling (about 2.5 minutes on 2 cores) "
jobs=$(nproc 2>/dev/null || echo 2)
if ! make -j"$jobs" all-target-newlib 2>&1 | tee -a "$log" | awk 'NR % 200 == 0 { printf "."; fflush() }'; then
    echo; tail -30 "$log" >&2; exit 1
fi
echo
make install-target-newlib >>"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
rm -rf "$src" "$obj"
echo "$flags_id" > "$stamp"
echo "newlib: done: $prefix/install/x86_64-elf/lib/libc.a"
