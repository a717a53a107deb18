#!/usr/bin/env python3
"""An independent implementation of the watchlist version (docs/watchlists.md,
"Version"), written from that description with the standard library only.

It recomputes the two values WatchlistVersion.MatchesTheDocumentedFormat
expects (tests/unit/watchlist/watchlist_test.cpp) and exits non-zero if
either differs, so the documentation, this script and the C++ code agree.
"""
import hashlib
import struct
import sys


def u32(v):
    return struct.pack("<I", v)


def u64(v):
    return struct.pack("<Q", v)


def text(s):
    b = s.encode()
    return u32(len(b)) + b


def origin_digest(file, lst, incident, source, severity):
    return hashlib.sha256(text(file) + text(lst) + text(incident) + text(source) + text(severity)).digest()[:16]


def record(file, line, lst, label, incident, source, severity, added_at, notes):
    return origin_digest(file, lst, incident, source, severity) + u32(line) + text(label) + text(added_at) + text(notes)


def entry_digest(chain, address, records):
    out = text(chain) + text(address) + u32(len(records))
    for r in sorted(records):  # (file, line, list, label, incident, source, severity, added_at, notes)
        out += record(*r)
    return int.from_bytes(hashlib.sha256(out).digest(), "big")


def version(entries, evm_tron=False, stacks_bitcoin=False):
    total = sum(entry_digest(*e) for e in entries) % (1 << 256)
    head = text("freezewatch-watchlist-v4") + bytes([int(evm_tron), int(stacks_bitcoin)]) + u64(len(entries))
    return hashlib.sha256(head + total.to_bytes(32, "big")).hexdigest()


EVM_X = "0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed"
TRON_T = "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm"

CASES = {
    "empty": ([], "16ba908210be8520b8829cbdfe06835a4c8378e96fa875603745cf7016d5e3a9"),
    "three listings": (
        [
            ("evm", EVM_X, [("b.txt", 7, "b", "", "", "", "critical", "", ""),
                            ("a.csv", 2, "a", "x", "inc", "src", "high", "2024-05-16", "n")]),
            ("tron", TRON_T, [("", 0, "api", "lazarus", "", "", "high", "", "")]),
        ],
        "1a374e52aaefec29171cbe1cd9de3815b4632a5fb21147206831cd56d64adb2b",
    ),
}

failed = 0
for name, (entries, want) in CASES.items():
    got = version(entries)
    print(f"{name}: {got}")
    if got != want:
        print(f"  expected {want}", file=sys.stderr)
        failed += 1
sys.exit(1 if failed else 0)
