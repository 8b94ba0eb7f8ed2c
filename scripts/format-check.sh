#!/usr/bin/env bash
# make format-check: the C lines changed since .clang-format last changed
# (git's own record of that commit, so rebases do not stale it) must be as
# clang-format-14 writes them with .clang-format. Whole files are not
# checked: older code keeps a hand layout no setting reproduces (see
# .clang-format). clang-format's one space before a trailing /* comment,
# where we write three, is not counted as a difference.
#
#   format-check.sh [--advisory]
#
# Ends with "N passed, N failed". --advisory (make test, while the branches
# written before this check land) reports differences as a skip, not a
# failure. Skips where there is no git checkout or no git-clang-format-14.
# To fix what it reports: git clang-format-14 BASELINE (the commit it names).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

advisory=0
[ "${1:-}" = --advisory ] && advisory=1
fmt=clang-format-14
if ! command -v "git-$fmt" >/dev/null || ! git rev-parse --git-dir >/dev/null 2>&1; then
    echo "skip format: needs a git checkout and git-$fmt (Debian package clang-format-14)"
    echo "0 passed, 0 failed"
    exit 0
fi
baseline=$(git log -1 --format=%H -- .clang-format)
if [ -z "$baseline" ]; then
    echo "skip format: .clang-format is not committed yet"
    echo "0 passed, 0 failed"
    exit 0
fi

# What clang-format would change in the changed lines, minus the spacing
# before trailing comments.
changes=$("git-$fmt" --binary "$fmt" --diff --extensions c,h "$baseline" -- . 2>&1)
left=$(python3 -c '
import re, sys
out, minus, plus, header = [], [], [], ""
def norm(lines):
    return [re.sub(r"\s+/\*", " /*", l[1:]).rstrip() for l in lines]
def flush():
    global minus, plus
    if (minus or plus) and norm(minus) != norm(plus):
        out.extend([header] + minus + plus)
    minus, plus = [], []
for line in sys.stdin.read().splitlines():
    if line.startswith("diff --git"):
        flush(); header = line
    elif line.startswith("-") and not line.startswith("---"):
        minus.append(line)
    elif line.startswith("+") and not line.startswith("+++"):
        plus.append(line)
    else:
        flush()
flush()
print("\n".join(out))
' <<< "$changes")

name="format: C lines changed since ${baseline:0:12} are as clang-format writes them"
if [ -z "$left" ]; then
    echo "ok   $name"
    echo "1 passed, 0 failed"
elif [ $advisory = 1 ]; then
    echo "skip $name: $(grep -c '^+' <<< "$left") lines differ (advisory; make format-check shows them)"
    echo "0 passed, 0 failed"
else
    echo "FAIL $name"
    printf '%s\n' "$left" | head -n 80 | sed 's/^/    /'
    echo "    (git clang-format-14 $baseline rewrites them)"
    echo "0 passed, 1 failed"
    exit 1
fi
