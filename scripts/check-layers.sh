#!/usr/bin/env bash
# The include rules that keep the layers apart, one case each, ending with
# "N passed, N failed" (make check-layers, run by make test):
#   - arch/ includes nothing from lib/ or include/hvrt/: the machine layer
#     gets what it needs from the runtime as functions handed to it at
#     start-up (lib/start.c: pages, the clock, the exception report);
#   - vmbus/ reaches arch/ only through its arch-neutral headers (arch/*.h:
#     platform.h, hv_abi.h, context.h), never a machine's (arch/x86_64/...);
#   - drivers/ use only the public API (include/hvrt/), nothing of vmbus/,
#     arch/ or lib/ (docs/api.md);
#   - and the check itself finds a planted violation of each.
# Usage: check-layers.sh [ROOT]   (default: the repository this script is in)
set -uo pipefail

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
passed=0 failed=0

# includes DIR: every #include line under DIR, as "file:line: text".
includes() {
    [ -d "$root/$1" ] || return 0
    (cd "$root" && grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' \
        --include='*.c' --include='*.h' --include='*.S' "$1")
}
pick() { grep -E "#[[:space:]]*include[[:space:]]*[<\"]$1"; }

arch_upward()   { includes arch | pick '(lib|hvrt)/'; }
vmbus_machine() { includes vmbus | pick 'arch/[^">]*/'; }
driver_inside() { includes drivers | pick '(vmbus|arch|lib)/'; }

# rule NAME FUNCTION: a case that passes when FUNCTION finds nothing.
rule() {
    local name=$1 found
    found=$($2)
    if [ -z "$found" ]; then
        echo "ok   layers: $name"; passed=$((passed + 1))
    else
        echo "FAIL layers: $name"; printf '%s\n' "$found" | sed 's/^/    /'; failed=$((failed + 1))
    fi
}

rule "arch/ includes nothing from lib/ or include/hvrt/" arch_upward
rule "vmbus/ includes from arch/ only arch-neutral headers (arch/*.h)" vmbus_machine
rule "drivers/ include only the public API (include/hvrt/)" driver_inside

# The check must be able to fail: a tree with violations of each rule.
if [ -z "${1:-}" ]; then
    planted=$(mktemp -d "${TMPDIR:-/tmp}/hvrt-layers.XXXXXX")
    mkdir -p "$planted/arch/x86_64" "$planted/vmbus" "$planted/drivers/x"
    printf '#include "arch/platform.h"\n#include "lib/console.h"\n' > "$planted/arch/x86_64/a.c"
    printf '#include <hvrt/runtime.h>\n' > "$planted/arch/b.h"
    printf '#include "arch/platform.h"\n#include "arch/x86_64/cpu.h"\n' > "$planted/vmbus/c.c"
    printf '#include <hvrt/vmbus.h>\n#include "vmbus/channel.h"\n' > "$planted/drivers/x/d.c"
    out=$("$0" "$planted")
    rm -rf "$planted"
    if [ "$(grep -c '^    ' <<< "$out")" = 4 ] && grep -q '^0 passed, 3 failed$' <<< "$out"; then
        echo "ok   layers: the check finds planted violations of each rule"; passed=$((passed + 1))
    else
        echo "FAIL layers: the check finds planted violations of each rule"
        sed 's/^/    | /' <<< "$out"; failed=$((failed + 1))
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
