#!/usr/bin/env python3
"""Writes N UCDP GED events for the map benchmark: the real events of a UCDP GED file,
repeated with new ids and, after the first pass, moved by up to 0.1 degrees (seeded, so every
run loads the same points).

Usage: make_events.py UCDP_GED_CSV N > events.csv
"""
import csv
import random
import sys


def main(source, count):
    with open(source, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames
        rows = list(reader)
    writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    rng = random.Random(20261121)
    for i in range(count):
        row = dict(rows[i % len(rows)])
        row["id"] = str(900_000_000 + i)
        if i >= len(rows):
            lat = float(row["latitude"]) + rng.uniform(-0.1, 0.1)
            lon = float(row["longitude"]) + rng.uniform(-0.1, 0.1)
            row["latitude"], row["longitude"] = f"{lat:.5f}", f"{lon:.5f}"
            row["geom_wkt"] = f"POINT ({lon:.5f} {lat:.5f})"
        writer.writerow(row)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
