#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/).
Each seed is a well-formed input in the target's input layout (see the
comment at the top of each tests/fuzz/fuzz_*.c). Re-run after changing a
layout:  python3 tests/fuzz/gen_corpus.py"""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    assert len(data) < 4096, (target, name, len(data))
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def pad8(b):
    return b + b"\0" * (-len(b) % 8)


# ---- fuzz_ring: [u16 size sel][u8 mode][u8][5 x u32 control][4 x u32 moves][data]
def packet(ptype, start, payload, ext=b"", flags=0, tid=7):
    offset8 = (16 + len(ext)) // 8
    body = pad8(payload)
    len8 = offset8 + len(body) // 8
    desc = struct.pack("<HHHHQ", ptype, offset8, len8, flags, tid)
    return desc + ext + body + struct.pack("<II", 0, start)


def ring_input(packets, sel=60, mode=1, read=0, moves=(0, 0, 0, 0)):
    data = b""
    for p in packets:
        data += p(len(data)) if callable(p) else p
    size = 32 + 8 * (sel % 1020)
    assert len(data) < size
    hdr = struct.pack("<HBB", sel, mode, 0)
    hdr += struct.pack("<5I", len(data), read, 0, 0, 1) + struct.pack("<4I", *moves)
    return hdr + data


pipe = struct.pack("<II", 1, 12) + b"hello, world"
gpa_ext = struct.pack("<II", 0, 1) + struct.pack("<II", 100, 16) + struct.pack("<Q", 0x1234)
xfer_ext = struct.pack("<HBBI", 1, 0, 0, 2) + struct.pack("<IIII", 64, 0, 64, 4096)
put("fuzz_ring", "inband", ring_input([lambda s: packet(6, s, b"ping", flags=1)]))
put("fuzz_ring", "pipe-two-packets", ring_input(
    [lambda s: packet(6, s, pipe), lambda s: packet(11, s, b"done")], mode=3))
put("fuzz_ring", "gpa-direct", ring_input([lambda s: packet(9, s, b"payload!", ext=gpa_ext)]))
put("fuzz_ring", "xfer-pages", ring_input([lambda s: packet(7, s, b"", ext=xfer_ext)]))
put("fuzz_ring", "bad-index", ring_input([lambda s: packet(6, s, b"x")], mode=0) [:4] +
    struct.pack("<I", 0xFFFFFFF8) + b"\0" * 32)

# ---- fuzz_vmbus_msg: [mode][9 bytes waiter] then [len][flags][bytes]...
def guid(d1):
    return struct.pack("<IHH8s", d1, 0x1111, 0x2222, b"\x80\x00abcdef")


def offer(relid, d1=0x68767274):
    m = struct.pack("<II", 1, 0) + guid(d1) + guid(relid) + b"\0" * 16
    m += struct.pack("<HH", 0, 0) + b"\0" * 120 + struct.pack("<HHIBBHI", 0, 0, relid, 0, 0, 1, 0x10000 + relid)
    assert len(m) == 196
    return m


def msgs(mode, items, waiter=b"\0" * 9):
    out = bytes([mode]) + waiter
    for m, fl in items:
        out += bytes([len(m), fl]) + m
    return out


put("fuzz_vmbus_msg", "offer", msgs(0, [(offer(40), 0), (struct.pack("<II", 4, 0), 0)]))
put("fuzz_vmbus_msg", "offer-rescind", msgs(0, [(offer(41), 0), (offer(41), 0),
                                               (struct.pack("<III", 2, 0, 41), 0)]))
put("fuzz_vmbus_msg", "version-response-waiter", msgs(
    8, [(struct.pack("<IIBBHI", 15, 0, 1, 0, 0, 4), 0)], struct.pack("<BBIHB", 15, 0, 0, 0, 64)))
put("fuzz_vmbus_msg", "gpadl-created-keyed", msgs(
    8, [(struct.pack("<IIIII", 10, 0, 5, 0xE1E10, 0), 0)], struct.pack("<BBIHB", 10, 12, 0xE1E10, 5, 20)))
put("fuzz_vmbus_msg", "reconnect-qemu", msgs(4 | 3, [(offer(3), 0), (b"\x01\0\0\0", 1)]))
put("fuzz_vmbus_msg", "copper-open-result", msgs(
    8 | 1, [(struct.pack("<IIIII", 6, 0, 7, 9, 0), 0)], struct.pack("<BBIHB", 6, 12, 9, 7, 24)))

# ---- fuzz_ic (time sync 4.0 body: u64 parent time, u64 reference time, u8 flags): [sel][u16 len][payload]...; payload = pipe header + IC header + body
def ic(msg_type, body, fw=(3, 0), ver=(3, 0), flags=0x3, status=0):
    h = struct.pack("<HHHHHHIBBH", fw[0], fw[1], msg_type, ver[0], ver[1], len(body), status, 0, flags, 0)
    p = h + body
    return struct.pack("<II", 1, len(p)) + p


def negotiate(fws, svcs):
    b = struct.pack("<HHI", len(fws), len(svcs), 0)
    for v in fws + svcs:
        b += struct.pack("<HH", *v)
    return ic(0, b, fw=(1, 0), ver=(1, 0))


def rec(sel, payload):
    return bytes([sel]) + struct.pack("<H", len(payload)) + payload


put("fuzz_ic", "negotiate-heartbeat", rec(4 | 0, negotiate([(3, 0), (1, 0)], [(3, 0), (1, 0)])))
put("fuzz_ic", "heartbeat", rec(4 | 0, negotiate([(3, 0)], [(3, 0)])) +
    rec(4 | 0, ic(1, struct.pack("<Q", 42) + b"\0" * 32)))
put("fuzz_ic", "timesync", rec(4 | 2, negotiate([(3, 0)], [(4, 0), (3, 0)])) +
    rec(4 | 2, ic(4, struct.pack("<QQB", 132000000000000000, 1000, 1) + b"\0" * 7, ver=(4, 0))))
put("fuzz_ic", "kvp-enumerate", rec(4 | 3, negotiate([(3, 0)], [(5, 0), (4, 0)])) +
    rec(4 | 3, ic(2, struct.pack("<BBH", 4, 2, 0) + struct.pack("<I", 0) + b"\0" * 2560, ver=(5, 0))))
put("fuzz_ic", "shutdown-bad-pipe", rec(4 | 1, struct.pack("<II", 1, 9999) + b"\0" * 20))
put("fuzz_ic", "comp-packet", rec(8 | 0, b"\0" * 16))
# Regression: a SYNC far in the future (found by fuzz_ic: signed overflow
# in apps/ic/timesync.c's (int64_t)(parent - EPOCH) * 100).
put("fuzz_ic", "timesync-far-future", rec(4 | 2, negotiate([(3, 0)], [(4, 0)])) +
    rec(4 | 2, ic(4, struct.pack("<QQB", 0x7FFFFFFFFFFFFFFF, 0, 1) + b"\0" * 7, ver=(4, 0))))
print("seed corpora written to", ROOT)
