#!/usr/bin/env python3
"""Line coverage of vmbus/ and the Hyper-V part of arch/ over two kinds of run:

- hosted: the unit tests built with clang's source-based coverage (an lcov
  export from llvm-cov);
- bridged: the real image under QEMU against hvsim, where QEMU's in_asm log
  lists every guest instruction it translated (TCG translates a block just
  before running it), mapped back to source lines through the image's debug
  information.

A line is executable if either build has code for it. Prints a table per file
and every executable line that ran in neither, and writes the same to a report.

usage: coverage.py --lcov FILE --image SO --traces DIR --report FILE [--scope PREFIX ...]
"""
import argparse
import collections
import glob
import os
import re
import subprocess
import sys

REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), ".."))


def repo_relative(path):
    path = os.path.normpath(os.path.join(REPO, path))
    return os.path.relpath(path, REPO)


def in_scope(path, scopes):
    return any(path.startswith(s) for s in scopes) and path.endswith(".c")


def hosted_lines(lcov_path, scopes):
    """file -> {line: count} from an lcov tracefile."""
    lines = collections.defaultdict(dict)
    current = None
    with open(lcov_path) as f:
        for raw in f:
            raw = raw.strip()
            if raw.startswith("SF:"):
                current = repo_relative(raw[3:])
                if not in_scope(current, scopes):
                    current = None
            elif raw.startswith("DA:") and current:
                line, count = raw[3:].split(",")[:2]
                line, count = int(line), int(count)
                lines[current][line] = lines[current].get(line, 0) + count
    return lines


def image_lines(image, scopes):
    """file -> {line: [addresses]} from the image's line table (llvm-objdump -l)."""
    out = subprocess.run(["llvm-objdump", "-d", "--line-numbers", "--no-show-raw-insn", image],
                         capture_output=True, text=True, check=True).stdout
    lines = collections.defaultdict(lambda: collections.defaultdict(list))
    current = None
    loc = re.compile(r"^; (.+):(\d+)")
    insn = re.compile(r"^\s*([0-9a-f]+):")
    for raw in out.splitlines():
        m = loc.match(raw)
        if m:
            path = repo_relative(m.group(1))
            current = (path, int(m.group(2))) if in_scope(path, scopes) and int(m.group(2)) > 0 else None
            continue
        m = insn.match(raw)
        if m and current:
            lines[current[0]][current[1]].append(int(m.group(1), 16))
        elif not raw.strip() or raw.endswith(">:"):
            current = None
    return lines


def image_base_symbol(image):
    out = subprocess.run(["llvm-nm", image], capture_output=True, text=True, check=True).stdout
    for raw in out.splitlines():
        parts = raw.split()
        if len(parts) == 3 and parts[2] == "ImageBase":
            return int(parts[0], 16)
    sys.exit("coverage: no ImageBase symbol in " + image)


def bridged_addresses(trace_dir, link_base):
    """Image addresses (as linked) that QEMU translated in any bridged run."""
    seen = set()
    runs = 0
    base_re = re.compile(r"image at 0x([0-9a-f]+)")
    insn_re = re.compile(r"^0x([0-9a-f]+):")
    for trace in sorted(glob.glob(os.path.join(trace_dir, "*.trace"))):
        console = trace[: -len(".trace")] + ".guest.log"
        try:
            with open(console, errors="replace") as f:
                m = base_re.search(f.read())
        except OSError:
            m = None
        if not m:
            print(f"coverage: {os.path.basename(trace)}: the guest never said where it was loaded; skipped")
            continue
        load_base = int(m.group(1), 16)
        runs += 1
        with open(trace, errors="replace") as f:
            for raw in f:
                m = insn_re.match(raw)
                if m:
                    seen.add(int(m.group(1), 16) - load_base + link_base)
    return seen, runs


def ranges(numbers):
    numbers = sorted(numbers)
    out, start, prev = [], None, None
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append((start, prev))
            start = prev = n
    if start is not None:
        out.append((start, prev))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lcov", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--traces", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--scope", action="append", default=[])
    args = ap.parse_args()
    scopes = args.scope or ["vmbus/", "arch/x86_64/hyperv"]

    hosted = hosted_lines(args.lcov, scopes)
    image = image_lines(args.image, scopes)
    addresses, runs = bridged_addresses(args.traces, image_base_symbol(args.image))

    report = []
    def say(s=""):
        print(s)
        report.append(s)

    say(f"coverage of {', '.join(scopes)}: hosted unit tests, and {runs} bridged runs of the image")
    say(f"{'file':44} {'lines':>6} {'hosted':>7} {'bridged':>8} {'either':>7}")
    totals = [0, 0, 0, 0]
    nowhere = {}
    for path in sorted(set(hosted) | set(image)):
        h = hosted.get(path, {})
        img = image.get(path, {})
        executable = set(h) | set(img)
        ran_hosted = {l for l, c in h.items() if c > 0}
        ran_bridged = {l for l, addrs in img.items() if any(a in addresses for a in addrs)}
        either = ran_hosted | ran_bridged
        missing = executable - either
        if missing:
            nowhere[path] = missing
        row = [len(executable), len(ran_hosted), len(ran_bridged), len(either)]
        totals = [t + r for t, r in zip(totals, row)]
        pct = 100.0 * row[3] / row[0] if row[0] else 100.0
        hosted_col = f"{row[1]:7}" if path in hosted else f"{'-':>7}"
        say(f"{path:44} {row[0]:6} {hosted_col} {row[2]:8} {row[3]:7}  {pct:5.1f}%")
    pct = 100.0 * totals[3] / totals[0] if totals[0] else 100.0
    say(f"{'total':44} {totals[0]:6} {totals[1]:7} {totals[2]:8} {totals[3]:7}  {pct:5.1f}%")
    say("('-': not built into the hosted tests; the image's own backends)")
    say()
    say("lines that run nowhere (neither hosted nor bridged):")
    for path, missing in sorted(nowhere.items()):
        try:
            with open(os.path.join(REPO, path)) as f:
                source = f.read().splitlines()
        except OSError:
            source = []
        for first, last in ranges(missing):
            for n in range(first, last + 1):
                text = source[n - 1].strip() if 0 < n <= len(source) else ""
                say(f"  {path}:{n}: {text}")
    with open(args.report, "w") as f:
        f.write("\n".join(report) + "\n")
    print(f"\ncoverage: report in {args.report}")


if __name__ == "__main__":
    main()
