#!/usr/bin/env python3
"""Regenerate web/src/iso-numeric.json: ISO 3166-1 numeric code -> alpha-3.

Usage: scripts/gen-iso-numeric.py DATA_DIR > web/src/iso-numeric.json
DATA_DIR holds geo/countrycode_codelist.csv (the same crosswalk as scripts/gen-countries.py).
The Natural Earth shapes of world-atlas carry numeric codes; Tocsin names situations by
alpha-3, so the dashboard's map joins the two with this table.
"""
import csv
import json
import sys


def main(data_dir):
    table = {}
    with open(f"{data_dir}/geo/countrycode_codelist.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["iso3n"] and row["iso3c"]:
                table[f"{int(float(row['iso3n'])):03d}"] = row["iso3c"]
    json.dump(dict(sorted(table.items())), sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
