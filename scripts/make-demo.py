#!/usr/bin/env python3
"""Regenerates config/demo/alex-lab-2024.jsonl, the demo's deposit stream.

A day of ordinary exchange deposits (made-up customer addresses, derived
deterministically below) with the ALEX Lab 2024 attacker's Stacks address,
the Lazarus-linked TRON address it used, and an OFAC-listed USDT address
depositing in between, as pending deposits that are later credited.
Output is canonical deposit events (docs/deposit-events.md), one per line.
"""
import hashlib
import json
import random
import sys
from pathlib import Path

C32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def dsha(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def c32_encode(data):
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        out = C32[n % 32] + out
        n //= 32
    for byte in data:
        if byte:
            break
        out = "0" + out
    return out


def stacks_address(version, h160):
    check = dsha(bytes([version]) + h160)[:4]
    return "S" + C32[version] + c32_encode(h160 + check)


def base58check(payload):
    data = payload + dsha(payload)[:4]
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        out = B58[n % 58] + out
        n //= 58
    for byte in data:
        if byte:
            break
        out = "1" + out
    return out


def h160(seed):
    return hashlib.sha256(seed.encode()).digest()[:20]


STACKS_ATTACKER = "SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS"   # alex-lab-2024.csv
LAZARUS_TRON = "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm"              # alex-lab-2024.csv
OFAC_USDT_EVM = "0x175d44451403Edf28469dF03A9280c1197ADb92c"       # OFAC SDN, USDT list
ALEX_BSC_ATTACKER = "0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed"   # alex-lab-2024.csv

ASSETS = {
    "stacks": ("STX", "", 6),
    "ethereum": ("USDT", "0xdac17f958d2ee523a2206206994597c13d831ec7", 6),
    "tron": ("USDT", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", 6),
}


def customer_address(chain, i):
    h = h160(f"freezewatch-demo-{chain}-{i}")
    if chain == "stacks":
        return stacks_address(22, h)
    if chain == "tron":
        return base58check(b"\x41" + h)
    return "0x" + h.hex()


def main():
    rng = random.Random(2024_05_14)
    events = []
    t0 = 1715680800  # 2024-05-14T10:00:00Z
    hits = {12: ("stacks", STACKS_ATTACKER, 1_250_000_000_000),
            25: ("tron", LAZARUS_TRON, 480_000_000_000),
            38: ("ethereum", OFAC_USDT_EVM, 96_500_000_000),
            51: ("ethereum", ALEX_BSC_ATTACKER, 250_000_000_000)}
    pending = []
    for i in range(60):
        chain = rng.choice(["stacks", "ethereum", "tron"])
        if i in hits:
            chain, sender, amount = hits[i]
        else:
            sender = customer_address(chain, rng.randrange(10_000))
            amount = rng.randrange(10, 50_000) * 10**6
        symbol, contract, decimals = ASSETS[chain]
        account = f"u-{rng.randrange(100000, 999999)}"
        ev = {
            "type": "deposit",
            "deposit_id": f"dep-{100000 + i}",
            "account_id": account,
            "chain": chain,
            "network": "mainnet",
            "asset_symbol": symbol,
            "asset_contract": contract,
            "asset_decimals": decimals,
            "sender": sender,
            "deposit_address": customer_address(chain, 1_000_000 + i),
            "amount": str(amount),
            "tx_id": "0x" + hashlib.sha256(f"demo-tx-{i}".encode()).hexdigest(),
            "event_index": 0,
            "status": "pending",
            "timestamp": f"2024-05-14T{10 + i // 60:02d}:{i % 60:02d}:00Z",
        }
        if chain == "stacks":
            ev["memo"] = f"{account}"
        events.append(ev)
        pending.append(ev)
        # Every few deposits, earlier ones get credited: the same deposit_id, status credited.
        if i % 7 == 6:
            for old in pending[:3]:
                upd = dict(old, status="credited", block_height=150000 + i)
                events.append(upd)
            pending = pending[3:]
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "config/demo/alex-lab-2024.jsonl"
    out.write_text("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events))
    print(f"wrote {len(events)} events to {out}")


if __name__ == "__main__":
    main()
