#!/usr/bin/env python3
"""Line coverage of the host-data parsers under the fuzz targets.

Reads one lcov export per target (llvm-cov export -format=lcov of a replay
of that target's corpus through its profile-instrumented build) and prints:

- per target, the parsers it reaches (lines hit / lines, percent);
- for all targets together, every parser with its line coverage against the
  goal (GOAL percent), and a line table of what no target reaches, written
  to --uncovered (file, line number, the source line).

A line counts when any target ran it. Files are named relative to the
repository; only those given with --scope are reported.

usage: coverage.py --uncovered FILE --scope FILE... -- TARGET=LCOV...
"""
import argparse
import collections
import os
import sys

REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOAL = 90.0


def repo_relative(path):
    return os.path.relpath(os.path.normpath(os.path.join(REPO, path)), REPO)


def read_lcov(path, scope):
    """file -> {line: count} for the files in scope."""
    lines = collections.defaultdict(dict)
    current = None
    with open(path) as f:
        for raw in f:
            raw = raw.strip()
            if raw.startswith("SF:"):
                current = repo_relative(raw[3:])
                if current not in scope:
                    current = None
            elif raw.startswith("DA:") and current:
                line, count = (int(x) for x in raw[3:].split(",")[:2])
                lines[current][line] = lines[current].get(line, 0) + count
    return lines


def percent(hit, total):
    return 100.0 * hit / total if total else 100.0


def row(name, hit, total, mark=""):
    return f"  {name:34} {hit:5} / {total:5}  {percent(hit, total):6.2f}%{mark}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--uncovered", required=True)
    ap.add_argument("--scope", nargs="+", required=True)
    ap.add_argument("targets", nargs="+", help="TARGET=LCOV")
    args = ap.parse_args()
    scope = [repo_relative(s) for s in args.scope]

    union = collections.defaultdict(dict)
    for spec in args.targets:
        target, path = spec.split("=", 1)
        per_file = read_lcov(path, set(scope))
        print(f"coverage ({target}): lines of the parsers it reaches")
        for name in scope:
            lines = per_file.get(name, {})
            hit = sum(1 for c in lines.values() if c > 0)
            if hit:
                print(row(name, hit, len(lines)))
            for line, count in lines.items():
                union[name][line] = union[name].get(line, 0) + count

    print(f"coverage (all targets): lines of each parser (goal {GOAL:.0f}%)")
    total_hit = total_lines = 0
    below = []
    with open(args.uncovered, "w") as out:
        out.write("# Lines of the host-data parsers that no fuzz target runs\n")
        out.write("# (make fuzz / make fuzz-cov: a replay of every target's corpus).\n")
        for name in scope:
            lines = union.get(name, {})
            hit = sum(1 for c in lines.values() if c > 0)
            total_hit += hit
            total_lines += len(lines)
            ok = percent(hit, len(lines)) >= GOAL
            if not ok:
                below.append(name)
            print(row(name, hit, len(lines), "" if ok else "  < goal"))
            missed = sorted(line for line, c in lines.items() if c == 0)
            if not missed:
                continue
            try:
                with open(os.path.join(REPO, name)) as f:
                    source = f.read().split("\n")
            except OSError:
                source = []
            out.write(f"\n{name}: {len(missed)} of {len(lines)} lines not reached\n")
            for line in missed:
                text = source[line - 1].rstrip() if line <= len(source) else ""
                out.write(f"  {line:5}  {text}\n")
    print(row("TOTAL", total_hit, total_lines))
    print(f"uncovered lines: {args.uncovered}"
          f" ({total_lines - total_hit} lines; {len(below)} of {len(scope)} files below {GOAL:.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
