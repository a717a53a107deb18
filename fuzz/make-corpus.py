#!/usr/bin/env python3
"""Writes a libFuzzer seed corpus for fuzz/sip005_fuzz: every distinct raw
Stacks transaction recorded in the fixtures (event-observer TSVs and JSON
bodies), one binary file each, named by its SHA-1.

usage: make-corpus.py <fixtures dir (../shared/fixtures)> <corpus dir>
"""
import glob
import hashlib
import json
import os
import sys


def raw_txs(fixtures):
    base = os.path.join(fixtures, "stacks", "event-observer")
    bodies = []
    for path in sorted(glob.glob(os.path.join(base, "*.tsv"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t", 3)
                if len(cols) == 4:
                    bodies.append(cols[3])
    for path in sorted(glob.glob(os.path.join(base, "**", "*.json"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            bodies.append(f.read())
    for body in bodies:
        doc = json.loads(body)
        if isinstance(doc, list):  # /new_mempool_tx
            yield from (h for h in doc if isinstance(h, str))
        elif isinstance(doc, dict):
            for tx in doc.get("transactions", []):
                yield tx.get("raw_tx", "")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    seen = set()
    for h in raw_txs(sys.argv[1]):
        h = h[2:] if h.startswith("0x") else h
        if len(h) < 4 or h in seen:
            continue
        seen.add(h)
        data = bytes.fromhex(h)
        with open(os.path.join(out, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
    print(f"wrote {len(seen)} transactions to {out}")


if __name__ == "__main__":
    main()
