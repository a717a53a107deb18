#!/usr/bin/env python3
"""Regenerate config/watchlists/*.csv from the sanctions fixtures.

    scripts/convert-watchlists.py                 # rewrite config/watchlists/
    scripts/convert-watchlists.py --check         # exit 1 if the shipped files are stale
    scripts/convert-watchlists.py --fixtures DIR --out DIR

Inputs (read-only, ../shared/fixtures beside the checkout by default):
  sanctions/ofac/sanctioned_addresses_<ASSET>.txt   OFAC SDN extracts (0xB10C tool)
  sanctions/alex-lab-2024/alex_lab_2024_addresses.csv

Outputs: ofac.csv and alex-lab-2024.csv in the watchlist CSV format of
docs/watchlists.md (columns address,chain,label,incident,source,severity,
added_at,notes). Addresses are written as the sources spell them; freezewatch
normalises them when it loads the files, and tests/unit/watchlist checks that
every shipped row loads with no issue. Output is deterministic (no timestamps),
so --check can compare byte for byte. Python 3 standard library only.
"""

import argparse
import csv
import io
import os
import sys

COLUMNS = ["address", "chain", "label", "incident", "source", "severity", "added_at", "notes"]

# --- OFAC -----------------------------------------------------------------

OFAC_COMMIT = "f2aee2265956bf28ce71824c2c2c8cab02c2e173"
OFAC_DATE = "2024-09-27"
OFAC_SOURCE = "OFAC SDN (0xB10C extract, snapshot %s)" % OFAC_DATE

# Assets on chains freezewatch watches, in output order. None = the list
# mixes chains (USDT: Ethereum, TRON and Omni/Bitcoin addresses): the chain
# column stays empty and the loader routes each row by address syntax.
OFAC_ASSETS = [
    ("ETH", "evm"),
    ("USDT", None),
    ("USDC", "evm"),
    ("ARB", "evm"),
    ("BSC", "evm"),
    ("ETC", "evm"),
    ("TRX", "tron"),
    ("XBT", "bitcoin"),
]

# --- ALEX Lab ---------------------------------------------------------------

ALEX_VERSION = "048fd1b7a1b0447a3fd854544466f2ce520ce203"
ALEX_SOURCE = ("tayvano/lazarus-bluenoroff-research hacks-and-thefts/alex_labs.md @%s "
               "(community research, not an official sanctions list)" % ALEX_VERSION[:8])
ALEX_INCIDENT = "alex-lab-2024"
# Chain spellings of the fixture -> freezewatch chain names.
ALEX_CHAINS = {"evm": "evm", "bsc/evm": "evm", "stacks": "stacks", "tron": "tron", "bitcoin": "bitcoin"}


def syntax_chain(address):
    """The chain an address belongs to by its syntax (as the loader routes it)."""
    if address[:2].lower() == "0x":
        return "evm"
    if address.startswith("T") and len(address) == 34:
        return "tron"
    if address[:1] in ("S", "s"):
        return "stacks"
    if address[:3].lower() == "bc1" or address[:1] in ("1", "3"):
        return "bitcoin"
    return None


def distinct_key(address):
    # EVM addresses differ only in checksum case; everything else is case-sensitive
    # (bech32 is always lower-case in these lists).
    return address.lower() if syntax_chain(address) == "evm" else address


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]


def render(comment_lines, rows):
    out = io.StringIO()
    for line in comment_lines:
        out.write(("# " + line).rstrip() + "\n")
    w = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(COLUMNS)
    for row in rows:
        w.writerow([row.get(c, "") for c in COLUMNS])
    return out.getvalue()


def convert_ofac(fixtures):
    folder = os.path.join(fixtures, "sanctions", "ofac")
    if not os.path.exists(os.path.join(folder, "LISTS_README.md")):
        raise SystemExit("no OFAC lists in %s" % folder)
    present = sorted(name[len("sanctioned_addresses_"):-len(".txt")]
                     for name in os.listdir(folder)
                     if name.startswith("sanctioned_addresses_") and name.endswith(".txt"))
    kept = [asset for asset, _ in OFAC_ASSETS]
    missing = [a for a in kept if a not in present]
    if missing:
        raise SystemExit("OFAC fixture lacks %s" % ", ".join(missing))
    skipped = [a for a in present if a not in kept]

    rows = []
    per_asset = []
    misfiled = []
    for asset, chain in OFAC_ASSETS:
        name = "sanctioned_addresses_%s.txt" % asset
        addresses = read_lines(os.path.join(folder, name))
        per_asset.append("%s %d" % (asset, len(addresses)))
        for address in addresses:
            by_syntax = syntax_chain(address)
            note = "0xB10C lists@%s %s" % (OFAC_COMMIT[:8], name)
            row_chain = chain
            if chain is None:
                note += "; chain not stated by the source, routed by address syntax (%s)" % by_syntax
            elif by_syntax != chain:
                # The SDN entry files it under an asset whose chain does not
                # match its spelling (XBT lists one TRON address): keep the
                # listing, let the loader route it by syntax, and say so.
                row_chain = None
                misfiled.append("%s (listed as %s, %s syntax)" % (address, asset, by_syntax))
                note += "; listed as %s but spelled as a %s address, routed by address syntax" % (asset, by_syntax)
            if row_chain is None and by_syntax is None:
                raise SystemExit("%s: cannot route %r by syntax" % (name, address))
            rows.append({
                "address": address,
                "chain": row_chain or "",
                "label": "OFAC SDN Digital Currency Address - %s" % asset,
                "incident": "",
                "source": OFAC_SOURCE,
                "severity": "critical",
                "added_at": OFAC_DATE,
                "notes": note,
            })
    distinct = len({distinct_key(r["address"]) for r in rows})
    comments = [
        "GENERATED by scripts/convert-watchlists.py from ../shared/fixtures/sanctions/ofac -- do not edit by hand.",
        "Source: US Treasury OFAC SDN list, 'Digital Currency Address - <ASSET>' fields, as extracted by",
        "  0xB10C/ofac-sanctioned-digital-currency-addresses (branch lists, commit %s)." % OFAC_COMMIT,
        "Snapshot date: %s (stale by definition: refresh from the SDN list before relying on it)." % OFAC_DATE,
        "Assets kept: ETH, USDC, ARB, BSC, ETC (evm), TRX (tron), XBT (bitcoin), and USDT, whose list mixes",
        "  EVM, TRON and Bitcoin (Omni) addresses: its rows leave the chain empty and are routed by address syntax.",
        "Assets left out (not chains freezewatch watches): %s." % ", ".join(skipped),
        "Rows: %d (%s); %d distinct addresses (an address listed for several assets keeps every row)."
        % (len(rows), ", ".join(per_asset), distinct),
        "added_at is the snapshot date, not the date OFAC listed the address.",
        "Listed under an asset of another chain (chain left empty, routed by syntax): %s."
        % ("; ".join(misfiled) if misfiled else "none"),
    ]
    return render(comments, rows)


def convert_alex(fixtures):
    path = os.path.join(fixtures, "sanctions", "alex-lab-2024", "alex_lab_2024_addresses.csv")
    with open(path, encoding="utf-8", newline="") as f:
        data = [line for line in f if not line.startswith("#")]
    reader = csv.DictReader(data)
    expected = {"chain", "address", "role", "flag", "section"}
    if not expected.issubset(reader.fieldnames or []):
        raise SystemExit("%s: expected columns %s, got %s" % (path, sorted(expected), reader.fieldnames))
    rows, left_out, flags = [], [], {}
    for src in reader:
        flag = src["flag"].strip().lower()
        flags[flag] = flags.get(flag, 0) + 1
        if flag != "yes":
            continue
        listed_chain = src["chain"].strip()
        chain = ALEX_CHAINS.get(listed_chain.lower())
        address = src["address"].strip()
        if chain is None:
            left_out.append("%s (%s)" % (address, listed_chain))
            continue
        role = src["role"].strip()
        rows.append({
            "address": address,
            "chain": chain,
            "label": "ALEX Lab exploit (May 2024): %s" % role,
            "incident": ALEX_INCIDENT,
            "source": ALEX_SOURCE,
            "severity": "high",
            "added_at": "",
            "notes": "section: %s; chain as listed: %s" % (src["section"].strip(), listed_chain),
        })
    distinct = len({distinct_key(r["address"]) for r in rows})
    comments = [
        "GENERATED by scripts/convert-watchlists.py from",
        "  ../shared/fixtures/sanctions/alex-lab-2024/alex_lab_2024_addresses.csv -- do not edit by hand.",
        "Source: tayvano/lazarus-bluenoroff-research, hacks-and-thefts/alex_labs.md (stored version %s;" % ALEX_VERSION,
        "  no date recorded), transcribed into the fixture. Community research, NOT an official sanctions list.",
        "Incident: ALEX Lab bridge exploit of 2024-05-14..16 (attribution to DPRK/Lazarus per ALEX's 2024-06-25 statement).",
        "Kept: the %d rows flagged 'yes' (attacker-linked); %d distinct addresses." % (len(rows), distinct),
        "Left out: %d rows flagged 'no' (victim-owned) and %d flagged 'review' (whitehat / frontrunner)."
        % (flags.get("no", 0), flags.get("review", 0)),
        "Left out for an unsupported chain: %s." % (", ".join(left_out) if left_out else "none"),
    ]
    return render(comments, rows)


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixtures", default=os.path.join(os.path.dirname(repo), "shared", "fixtures"),
                    help="fixtures folder (default: ../shared/fixtures beside the checkout)")
    ap.add_argument("--out", default=os.path.join(repo, "config", "watchlists"), help="output folder")
    ap.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 when stale")
    args = ap.parse_args()

    outputs = {
        "ofac.csv": convert_ofac(args.fixtures),
        "alex-lab-2024.csv": convert_alex(args.fixtures),
    }
    stale = []
    for name, text in outputs.items():
        target = os.path.join(args.out, name)
        if args.check:
            try:
                with open(target, encoding="utf-8", newline="") as f:
                    current = f.read()
            except OSError:
                current = None
            if current != text:
                stale.append(target)
            continue
        os.makedirs(args.out, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        print("wrote %s (%d rows)" % (target, text.count("\n") - sum(1 for l in text.splitlines() if l.startswith("#")) - 1))
    if stale:
        print("stale (run scripts/convert-watchlists.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    if args.check:
        print("config/watchlists is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
