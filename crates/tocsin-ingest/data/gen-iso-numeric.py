#!/usr/bin/env python3
"""Regenerate crates/tocsin-ingest/data/iso-numeric.csv: ISO 3166-1 numeric -> alpha-3.

Usage: crates/tocsin-ingest/data/gen-iso-numeric.py DATA_DIR > crates/tocsin-ingest/data/iso-numeric.csv
DATA_DIR holds geo/countrycode_codelist.csv (the R countrycode crosswalk).

ACLED names countries by ISO numeric code (its `iso` column); Tocsin's situations use alpha-3.
Kosovo has no ISO code: ACLED writes 0 for it, and Tocsin (like the EU and the IMF) uses the
user-assigned alpha-3 XKX, so that row is added by hand below.
"""
import csv
import sys

EXTRA = {0: "XKX"}  # numeric code as used by a dataset -> alpha-3


def main(data_dir):
    table = {}
    path = f"{data_dir}/geo/countrycode_codelist.csv"
    for row in csv.DictReader(open(path, encoding="utf-8")):
        numeric, alpha3 = row["iso3n"].strip(), row["iso3c"].strip()
        if not numeric or not alpha3 or numeric == "NA" or alpha3 == "NA":
            continue
        code = int(float(numeric))
        if table.get(code, alpha3) != alpha3:
            sys.exit(f"numeric code {code} is both {table[code]} and {alpha3}")
        table[code] = alpha3
    for code, alpha3 in EXTRA.items():
        table.setdefault(code, alpha3)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["iso3n", "iso3c"])
    for code in sorted(table):
        out.writerow([code, table[code]])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
