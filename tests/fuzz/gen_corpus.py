#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/).
Each seed is a well-formed input in the target's input layout (see the
comment at the top of each tests/fuzz/fuzz_*.c). Re-run after changing a
layout:  python3 tests/fuzz/gen_corpus.py"""
import os
import struct
import zlib

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

# Every packet type the reader may meet, one each, and the bad shapes.
for t in range(0, 14):
    put("fuzz_ring", "type-%d" % t, ring_input([lambda s, t=t: packet(t, s, b"abcdefgh", flags=t & 1)]))
put("fuzz_ring", "gpa-direct-two-ranges", ring_input([lambda s: packet(
    9, s, b"x", ext=struct.pack("<II", 0, 2) + struct.pack("<II", 5000, 4000) + struct.pack("<QQ", 1, 2) +
    struct.pack("<II", 10, 0) + struct.pack("<Q", 3))]))
put("fuzz_ring", "small-buffer", ring_input([lambda s: packet(6, s, b"y" * 200)], mode=1 | 4))


# Writer mode: the guest writes [op][len][bytes] records; the host reads.
def writer(records, sel=500, moves=(0, 0, 0, 0), mask=0, pending=0, features=1):
    hdr = struct.pack("<HBB", sel, 8, 0)
    hdr += struct.pack("<5I", 0, 0, mask, pending, features) + struct.pack("<4I", *moves)
    return hdr + b"".join(bytes([op, len(b)]) + b for op, b in records)


rng = struct.pack("<IIII", 100, 0, 5000, 8)
put("fuzz_ring", "writer-every-kind", writer([(0, b"inband"), (4, b"wants completion"), (1, b"comp"),
                                              (2, rng), (0x12, rng + rng), (0x32, rng * 2), (3, b"pipe"),
                                              (0x13, b"partial"), (0xB, b"no room")]))
put("fuzz_ring", "writer-fills-small-ring", writer([(0, b"z" * 200)] * 6, sel=60))
put("fuzz_ring", "writer-host-moves", writer([(0x80, b"a" * 40), (0, b"b" * 40), (0x80, b"c" * 40), (0, b"d")],
                                             sel=40, moves=(8, 0xFFFFFFF8, 16, 12), pending=300))
put("fuzz_ring", "writer-masked", writer([(0, b"m")], mask=1, features=0))

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


# Every message type the host can send, well formed (with a waiter for the
# reply types) and one byte short, with each host (mode bits 0-1: Hyper-V
# 5.3, 6.0, capped at 2.4, QEMU 4.0), connected and during negotiation
# (bit 2, version 0); then the guest-bound and unknown types.
def msg(mtype, size, fill=b""):
    m = struct.pack("<II", mtype, 0) + fill
    return (m + b"\0" * size)[:size]


# type -> (minimum size, key offset of its waiter, key)
REPLIES = {6: (16, 8, 7), 10: (16, 12, 0x4856), 12: (12, 8, 0x4856), 15: (16, 0, 0),
           17: (8, 0, 0), 20: (12, 8, 7), 23: (28, 0, 0), 24: (16, 8, 7), 26: (12, 0, 0), 28: (8, 0, 0)}
for kind in range(4):
    for reconnect in (0, 4):
        mode = kind | reconnect
        tag = "k%d%s" % (kind, "-negotiating" if reconnect else "")
        put("fuzz_vmbus_msg", "offer-" + tag, msgs(mode, [(offer(60 + kind), 0)]))
        put("fuzz_vmbus_msg", "offer-v1-size-" + tag, msgs(mode, [(offer(70 + kind)[:190], 0)]))
        put("fuzz_vmbus_msg", "offer-short-" + tag, msgs(mode, [(offer(80 + kind)[:189], 0)]))
        put("fuzz_vmbus_msg", "rescind-" + tag, msgs(mode, [(offer(90), 0), (msg(2, 12, struct.pack("<I", 90)), 0),
                                                            (msg(2, 11), 0)]))
        put("fuzz_vmbus_msg", "alloffers-" + tag, msgs(mode, [(msg(4, 8), 0), (msg(4, 7), 0)]))
        for mtype, (size, key_off, key) in REPLIES.items():
            fill = b""
            if key_off:
                fill = b"\0" * (key_off - 8) + struct.pack("<I", key)
            if mtype == 15:
                fill = struct.pack("<BBHI", 1, 0, 0, 4)
            waiter = struct.pack("<BBIHB", mtype, key_off, key, 7 if key_off else 0, 240)
            put("fuzz_vmbus_msg", "reply-%d-%s" % (mtype, tag),
                msgs(mode | 8, [(msg(mtype, size, fill), 0), (msg(mtype, size, fill), 0)], waiter))
            put("fuzz_vmbus_msg", "reply-%d-short-%s" % (mtype, tag),
                msgs(mode | 8, [(msg(mtype, size - 1, fill), 0)], waiter))
    put("fuzz_vmbus_msg", "guest-bound-k%d" % kind,
        msgs(kind, [(msg(t, 48), 0) for t in (0, 3, 5, 7, 8, 9, 11, 13, 14, 16, 18, 19, 21, 22, 25, 27, 29, 30)]))
    put("fuzz_vmbus_msg", "not-vmbus-k%d" % kind, msgs(kind, [(offer(50), 1), (msg(4, 8), 1), (b"\1\0\0", 0)]))
for sel in range(1, 16):
    put("fuzz_vmbus_msg", "reconnect-highest-%d" % sel, msgs(4 | (sel << 4), [(msg(4, 8), 0)]))
put("fuzz_vmbus_msg", "rescind-ends-waiter", msgs(8, [(offer(91), 0), (msg(2, 12, struct.pack("<I", 91)), 0)],
                                                  struct.pack("<BBIHB", 10, 12, 1, 91, 16)))
put("fuzz_vmbus_msg", "unknown-type", msgs(0, [(msg(0xFFFFFFFF, 16), 0), (msg(0x80000001, 240), 0)]))
put("fuzz_vmbus_msg", "offer-bad-relids", msgs(0, [(offer(0), 0), (offer(2048), 0), (offer(2047), 0),
                                                   (msg(2, 12, struct.pack("<I", 4000)), 0)]))

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

# Every service negotiated at each of its versions (frameworks 1.0 and 3.0),
# then each of its message types, well formed; and the refusals.
SERVICES = {0: [(3, 0), (1, 0)], 1: [(3, 2), (3, 1), (3, 0), (1, 0)], 2: [(4, 0), (3, 0), (1, 0)],
            3: [(4, 0), (3, 0), (1, 0)]}
MSG_TYPE = {0: 1, 1: 3, 2: 4, 3: 2}


def utf16(text, size):
    b = text.encode("utf-16-le") + b"\0\0"
    return (b + b"\0" * size)[:size]


def kvp_record(key, value, vtype=1):
    k, v = utf16(key, 512), utf16(value, 2048)
    return struct.pack("<III", vtype, 2 * len(key) + 2, 2 * len(value) + 2) + k + v


def kvp(op, pool, rec):
    return struct.pack("<BBH", op, pool, 0) + rec


def service_bodies(sel, ver):
    if sel == 0:
        return {"beat": struct.pack("<Q", 7) + b"\0" * 32, "beat-short": b"\0" * 7}
    if sel == 1:
        body = lambda flags: struct.pack("<III", 1, 30, flags) + b"bye".ljust(2048, b"\0")[:64]
        return {"off": body(0), "force": body(1), "restart": body(2), "hibernate": body(4),
                "unknown-flags": body(0x80), "short": struct.pack("<II", 1, 30)}
    if sel == 2:
        v4 = ver[0] >= 4
        t = lambda parent, ref, flags: (struct.pack("<QQB", parent, ref, flags) + b"\0" * 7 if v4 else
                                        struct.pack("<QQQB", parent, ref, 0, flags) + b"\0" * 7)
        return {"sync": t(133000000000000000, 1000, 1), "sample": t(133000000000000000, 0, 2),
                "probe": t(133000000000000000, 0, 0), "before-1970": t(1000, 0, 1),
                "far-reference": t(133000000000000000, 0xFFFFFFFFFFFFFFFF, 2),
                "short": b"\0" * (16 if v4 else 24)}
    rec = kvp_record("HostName", "host-1")
    return {"set-external": kvp(1, 0, rec), "get-external": kvp(0, 0, kvp_record("HostName", "")),
            "get-auto": kvp(0, 2, kvp_record("OSName", "")), "get-missing": kvp(0, 1, kvp_record("None", "")),
            "set-guest": kvp(1, 1, rec), "set-empty": kvp(1, 0, kvp_record("HostName", "")),
            "delete": kvp(2, 0, struct.pack("<I", 18) + utf16("HostName", 512)),
            "delete-missing": kvp(2, 0, struct.pack("<I", 8) + utf16("Nope", 512)),
            "delete-guest": kvp(2, 1, struct.pack("<I", 8) + utf16("Nope", 512)),
            "enum-external": kvp(3, 0, struct.pack("<I", 0) + b"\0" * 2572),
            "enum-guest": kvp(3, 1, struct.pack("<I", 0) + b"\0" * 2572),
            "enum-auto-end": kvp(3, 2, struct.pack("<I", 10) + b"\0" * 2572),
            "enum-bad-pool": kvp(3, 9, struct.pack("<I", 0) + b"\0" * 2572),
            "enum-short": kvp(3, 2, b"\0" * 100), "get-short": kvp(0, 2, b"\0" * 100),
            "set-short": kvp(1, 0, b"\0" * 100), "delete-short": kvp(2, 0, b"\0" * 100),
            "ip-info": kvp(4, 0, b"\0" * 64), "no-op": b"\0\0"}


for sel, versions in SERVICES.items():
    for fw in ((3, 0), (1, 0)):
        for ver in versions:
            neg = rec(4 | sel, negotiate([fw], [ver]))
            for name, body in service_bodies(sel, ver).items():
                data = neg + rec(4 | sel, ic(MSG_TYPE[sel], body, fw=fw, ver=ver))
                if len(data) < 4096:
                    put("fuzz_ic", "s%d-fw%d-v%d.%d-%s" % (sel, fw[0], ver[0], ver[1], name), data)
    put("fuzz_ic", "s%d-no-common-version" % sel, rec(4 | sel, negotiate([(9, 9)], [(9, 9)])) +
        rec(4 | sel, ic(MSG_TYPE[sel], b"\0" * 64)))
    put("fuzz_ic", "s%d-negotiate-short" % sel, rec(4 | sel, ic(0, b"\0" * 4, fw=(1, 0), ver=(1, 0))))
    put("fuzz_ic", "s%d-negotiate-counts" % sel, rec(4 | sel, ic(0, struct.pack("<HHI", 101, 1, 0), fw=(1, 0))))
    put("fuzz_ic", "s%d-wrong-type" % sel, rec(4 | sel, negotiate([(3, 0)], SERVICES[sel][:1])) +
        rec(4 | sel, ic(7, b"\0" * 16)))
    put("fuzz_ic", "s%d-not-a-request" % sel, rec(4 | sel, ic(0, b"\0" * 16, flags=0x4)))
    put("fuzz_ic", "s%d-ic-size-too-big" % sel, rec(sel, ic(0, b"\0" * 16)[:40]))
    put("fuzz_ic", "s%d-no-completion" % sel, rec(sel, negotiate([(3, 0)], SERVICES[sel][:1])))
    put("fuzz_ic", "s%d-comp-packets" % sel, rec(8 | sel, struct.pack("<Q", 1) * 4) + rec(12 | sel, b""))

kvp_neg = rec(4 | 3, negotiate([(3, 0)], [(4, 0)]))
put("fuzz_ic", "kvp-set-delete", kvp_neg +
    rec(4 | 3, ic(2, kvp(1, 0, kvp_record("HostName", "host-1")), ver=(4, 0))) +
    rec(4 | 3, ic(2, kvp(2, 0, struct.pack("<I", 18) + utf16("HostName", 512)), ver=(4, 0))))

# ---- fuzz_kmcl: [config] then 8-byte ops [op][a][b][c][u32 d]
def op(code, a=0, b=0, c=0, d=0):
    return struct.pack("<BBBBI", code, a, b, c, d)


SINK, ECHO = 0, 1
for cfg in range(8):
    put("fuzz_kmcl", "cfg%d-echo-and-sink" % cfg, bytes([cfg]) + op(5, ECHO, 1, 16, 7) + op(0, 1, 0, 8, 3) +
        op(5, SINK, 1, 4, 9) + op(0, 4, 0, 2, 0))
for kind in range(8):
    for n in range(4):
        put("fuzz_kmcl", "packet-kind%d-n%d" % (kind, n), b"\0" + op(0, kind | n << 3, 0, 8 * n + 1, 40 + n))
for t in range(14):
    put("fuzz_kmcl", "packet-type%d" % t, b"\0" + op(0, 6, t, 0, 0x1000000) + op(0, 0, 0, 4, 0))
for bits in range(8):
    put("fuzz_kmcl", "packet-hostile%d" % bits, b"\0" + op(0, 0, 3 | bits << 2, 4, 0x00030001) + op(0, 0, 0, 4, 0))
put("fuzz_kmcl", "xfer-wild-count", b"\0" + op(0, 2 | 1 << 3, 0x40, 4, 12))
put("fuzz_kmcl", "gpa-wild-offset", b"\0" + op(0, 3, 0x20, 4, 12) + op(0, 3 | 2 << 3, 0x40, 4, 12))
put("fuzz_kmcl", "known-completions", b"\0" + b"".join(op(5, SINK, 1, 4, i) for i in range(4)) +
    b"".join(op(0, 4, 0, 2, i) for i in range(4)) + op(0, 5, 7, 2, 0xFFFFFFFF))
put("fuzz_kmcl", "unsignalled-then-spurious", b"\0" + op(0, 0x80, 0, 4) + op(0, 0x81, 0, 4) + op(4, SINK, 1) +
    op(4, ECHO, 0))
put("fuzz_kmcl", "write-index-moved", b"\0" + op(3, 0, 0, 0, 8) + op(0, 0, 0, 4) + op(3, 0, 0, 0, 0xFFFFFFF0))
put("fuzz_kmcl", "ring-full", b"\0" + op(8, SINK, 1) + b"".join(op(0, 0, 0, 255, i) for i in range(12)) + op(8, SINK, 0))
for mode in range(8):
    for who in (SINK, ECHO):
        put("fuzz_kmcl", "send-mode%d-%s" % (mode, "echo" if who else "sink"),
            b"\0" + op(5, who, mode, 16, 0x3010 + mode) + op(14, 0, 0, 0, 3000000))
for how in range(3):
    put("fuzz_kmcl", "held-complete%d" % how, b"\0" + op(15, SINK, 5) + op(0, 1, 0, 4) + op(0, 1, 0, 4) +
        op(7, SINK, 7, how))
put("fuzz_kmcl", "fail-queue", b"\0" + op(15, SINK, 0x87) + op(0, 0, 0, 4) + op(0, 0, 0, 4))
put("fuzz_kmcl", "echo-held-then-pause", b"\0" + op(15, ECHO, 5) + op(5, ECHO, 0, 8) + op(5, ECHO, 0, 8) +
    op(8, ECHO, 1) + op(5, ECHO, 1, 8) + op(8, ECHO, 0))
put("fuzz_kmcl", "paused-packets-wait", b"\0" + op(8, SINK, 1) + op(0, 0, 0, 4) + op(0, 4, 0, 4, 1) + op(8, SINK, 0))
for who in (SINK, ECHO):
    w = "echo" if who else "sink"
    put("fuzz_kmcl", "rescind-now-" + w, b"\0" + op(5, who, 1, 4) + op(9, who) + op(5, who, 1, 4))
    put("fuzz_kmcl", "rescind-during-reenable-" + w, b"\0" + op(10, who, 0, 0, 5000) + op(11, who))
    put("fuzz_kmcl", "rescind-during-sync-" + w, b"\0" + op(10, who, 0, 0, 500000) + op(5, who, 2, 8, 7))
    put("fuzz_kmcl", "opened-fails-" + w, b"\0" + op(15, who, 0, 1) + op(11, who) + op(15, who, 0, 0))
    for fault in range(8):
        put("fuzz_kmcl", "reenable-b%d-%s" % (fault, w), b"\0" + op(11, who, fault))
    for c in (0x40, 0x41, 0x42, 0x43, 0x10, 0x14, 0x20, 0x24, 0x80, 0x18):
        put("fuzz_kmcl", "reenable-c%x-%s" % (c, w), b"\0" + op(11, who, 0, c))
    put("fuzz_kmcl", "teardown-ignored-" + w, b"\0" + op(13, who, 0, 0) + op(11, who, 0x18))
    for g in range(4):
        put("fuzz_kmcl", "gpadl%d-%s" % (g, w), b"\0" + op(13, who, g, g))
for m in range(8):
    for b in (0, 1, 2, 3):
        put("fuzz_kmcl", "forge%d-b%d" % (m, b), b"\0" + op(12, m, b, 0, 5) + op(12, m | 8, b, 0, 2047) +
            op(5, ECHO, 1, 4))
put("fuzz_kmcl", "host-stops-reading", b"\0" + op(4, SINK, 2) + b"".join(op(5, SINK, 1, 200, i) for i in range(10)) +
    op(5, ECHO, 2, 100, 1))
put("fuzz_kmcl", "opened-disables", b"\0" + op(15, SINK, 0, 2) + op(11, SINK) + op(0, 0, 0, 4))
put("fuzz_kmcl", "enable-without-device", b"\0" + op(15, SINK, 0, 4) + op(9, SINK) + op(0, 0, 0, 4))
for m in (0, 1, 2, 3):
    for fault in (1, 2, 4):
        put("fuzz_kmcl", "forge%d-inside-reenable-b%d" % (m, fault),
            b"\0" + op(12, m | 0xC0, 4 | (8 if m == 1 else 0), 0, 3000) + op(11, SINK, fault))
put("fuzz_kmcl", "rescind-inside-open", b"\0" + op(10, SINK | 0x40, 0, 0, 2000) + op(11, SINK))
put("fuzz_kmcl", "misuse", b"\0" + op(13, SINK, 0, 4) + op(13, ECHO, 0, 4))
put("fuzz_kmcl", "time-passes", b"\0" + op(5, SINK, 1, 4) + op(14, 0, 0, 0, 19999999))

# ---- fuzz_netvsc: records [kind][u16 len][bytes] (see tests/fuzz/fuzz_netvsc.c)
def nrec(kind, payload):
    return bytes([kind]) + struct.pack("<H", len(payload)) + payload


def rndis(mtype, body):
    return struct.pack("<II", mtype, 8 + len(body)) + body


def deliver(offset, msg, channel_type=1):
    """The host writes msg at offset of the receive buffer, then a transfer-page packet names it."""
    return (nrec(2, struct.pack("<I", offset) + msg) +
            nrec(3, bytes([1]) + struct.pack("<II", offset, len(msg)) +
                 struct.pack("<IIII", 107, channel_type, 0xFFFFFFFF, 0)))


def done():
    return nrec(4, struct.pack("<II", 108, 1))   # the host completes the oldest send


def bring_up(version=0x60001):
    b = nrec(0, struct.pack("<IIII", 2, 0xFFFFFFFF, 34, 1))
    b += nrec(0, struct.pack("<IIIIIII", 102, 1, 1, 0, 1806, 36, 1806 * 36))
    b += nrec(0, struct.pack("<III", 105, 1, 6144))
    b += deliver(0, rndis(0x80000002, struct.pack("<11I", 1, 0, 1, 0, 1, 0, 8, 0x4000, 3, 0, 0))) + done()
    b += deliver(2048, rndis(0x80000004, struct.pack("<4I", 2, 0, 6, 16) + bytes.fromhex("00155d687601"))) + done()
    b += deliver(4096, rndis(0x80000004, struct.pack("<5I", 3, 0, 4, 16, 1500))) + done()
    b += deliver(6144, rndis(0x80000004, struct.pack("<5I", 4, 0, 4, 16, 0))) + done()
    b += deliver(8192, rndis(0x80000004, struct.pack("<5I", 5, 0, 4, 16, 100000000))) + done()
    b += deliver(10240, rndis(0x80000005, struct.pack("<2I", 6, 0))) + done()
    return b


frame = bytes.fromhex("ffffffffffff00155d00000208060001080006040001") + b"\0" * 38
data_msg = rndis(1, struct.pack("<9I", 36, len(frame), 0, 0, 0, 0, 0, 0, 0) + frame)
put("fuzz_netvsc", "bring-up", bring_up())
put("fuzz_netvsc", "frames", bring_up() + deliver(12288, data_msg, 0) + nrec(5, struct.pack("<H", 60)) + done() +
    nrec(5, struct.pack("<H", 1514)) + done())
put("fuzz_netvsc", "indications", bring_up() +
    deliver(12288, rndis(7, struct.pack("<3I", 0x4001000C, 0, 0))) +
    deliver(14336, rndis(7, struct.pack("<3I", 0x40010013, 4, 12) + struct.pack("<I", 10000))) +
    deliver(16384, rndis(7, struct.pack("<3I", 0x40010018, 0, 0))) +
    deliver(18432, rndis(8, struct.pack("<I", 77))) + done())
put("fuzz_netvsc", "two-frames-one-packet", bring_up() + nrec(2, struct.pack("<I", 20480) + data_msg) +
    nrec(2, struct.pack("<I", 22528) + data_msg) +
    nrec(3, bytes([2]) + struct.pack("<IIII", 20480, len(data_msg), 22528, len(data_msg)) +
         struct.pack("<IIII", 107, 0, 0xFFFFFFFF, 0)))
put("fuzz_netvsc", "inband", bring_up() + nrec(1, struct.pack("<III", 134, 16, 12) + b"\0" * 64) +
    nrec(1, struct.pack("<II", 129, 1)))
put("fuzz_netvsc", "old-version", nrec(0, struct.pack("<IIII", 2, 0, 0, 0)) * 5 + bring_up())


# ---- fuzz_storvsc: [u8 sel][u32 requested][bytes]: a VSTOR completion or SCSI data
def vstor_completion(srb_status, scsi_status, transferred, sense=b"", size=0x40):
    srb = struct.pack("<HBBBBBBBBBBI", 0x34, srb_status, scsi_status, 0, 0, 0, 0, 16, len(sense), 1, 0, transferred)
    srb += (sense + b"\0" * 20)[:20]
    pkt = struct.pack("<III", 1, 0, 0) + srb
    return (pkt + b"\0" * 64)[:size]


def sv(sel, requested, data):
    return bytes([sel]) + struct.pack("<I", requested) + data


fixed_sense = lambda key, asc, ascq: bytes([0x70, 0, key, 0, 0, 0, 0, 10, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0])
put("fuzz_storvsc", "read-ok", sv(0, 4096, vstor_completion(0x01, 0, 4096)))
put("fuzz_storvsc", "pre-win8", sv(1, 512, vstor_completion(0x01, 0, 512, size=0x30)))
put("fuzz_storvsc", "unit-attention", sv(0, 512, vstor_completion(0x84, 2, 0, fixed_sense(6, 0x29, 0))))
put("fuzz_storvsc", "medium-error", sv(0, 512, vstor_completion(0x84, 2, 0, fixed_sense(3, 0x11, 0))))
put("fuzz_storvsc", "invalid-lun", sv(0, 0, vstor_completion(0x20, 2, 0)))
put("fuzz_storvsc", "inquiry", sv(2, 96, b"\0\0\x06\x02\x5b\0\0\0Msft    Virtual Disk    1.0 " + b"\0" * 60))
put("fuzz_storvsc", "vpd-serial", sv(2, 255, b"\0\x80\0\x08  SER-42"))
put("fuzz_storvsc", "vpd-limits", sv(2, 64, b"\0\xb0\0\x3c" + b"\0" * 4 + struct.pack(">II", 512, 8) + b"\0" * 48))
put("fuzz_storvsc", "capacity16", sv(0, 32, struct.pack(">QI", (1 << 33) - 1, 512) + b"\0" * 20))
put("fuzz_storvsc", "report-luns", sv(4, 2048, struct.pack(">II", 24, 0) + bytes([0, 0] + [0] * 6) +
                                      bytes([0, 1] + [0] * 6) + bytes([0, 5] + [0] * 6)))


# ---- fuzz_fs: a disk image of 512-byte sectors
def tiny_fat12():
    """7 sectors: boot, one FAT, a 16-entry root, 4 data clusters; HVRT.CFG in cluster 2."""
    boot = bytearray(512)
    boot[0:3] = b"\xeb\x3c\x90"
    boot[3:11] = b"mkfs.fat"
    struct.pack_into("<HBHBHHBH", boot, 11, 512, 1, 1, 1, 16, 7, 0xF8, 1)
    boot[510:512] = b"\x55\xaa"
    fat = bytearray(512)
    fat[0:3] = b"\xf8\xff\xff"
    fat[3:6] = b"\xff\x0f\x00"   # cluster 2: end of chain
    root = bytearray(512)
    root[0:32] = b"HVRT    CFG" + bytes([0x20]) + b"\0" * 14 + struct.pack("<HI", 2, 10)
    data = bytearray(4 * 512)
    data[0:10] = b"hello fat\n"
    return bytes(boot + fat + root + data)


def tiny_gpt():
    """8 sectors: protective MBR, header, entries (4 x 128), an ESP at 4..6, backup header slot."""
    esp_type = bytes.fromhex("28732AC11FF8D211BA4B00A0C93EC93B")
    entries = bytearray(512)
    entries[0:16] = esp_type
    struct.pack_into("<QQ", entries, 32, 4, 6)
    hdr = bytearray(512)
    hdr[0:8] = b"EFI PART"
    struct.pack_into("<IIIIQQQQ", hdr, 8, 0x10000, 92, 0, 0, 1, 7, 3, 6)
    struct.pack_into("<QIII", hdr, 72, 2, 4, 128, zlib.crc32(bytes(entries)) & 0xFFFFFFFF)
    struct.pack_into("<I", hdr, 16, zlib.crc32(bytes(hdr[:92])) & 0xFFFFFFFF)
    return bytes(bytearray(512) + hdr + entries + bytearray(512 * 5))


put("fuzz_fs", "fat12", tiny_fat12())
put("fuzz_fs", "gpt", tiny_gpt()[:4095])
print("seed corpora written to", ROOT)
