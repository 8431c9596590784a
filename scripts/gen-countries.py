#!/usr/bin/env python3
"""Regenerate crates/tocsin-domain/data/countries.csv, the embedded country table.

Usage: scripts/gen-countries.py DATA_DIR > crates/tocsin-domain/data/countries.csv
DATA_DIR holds geo/countrycode_codelist.csv and geo/gwstates.csv.

Each row is one country: Gleditsch-Ward code (if any), ISO 3166-1 alpha-3 and alpha-2 (if any),
English name. States of the Gleditsch-Ward list that the crosswalk does not match get their ISO
code from the fixes below (current or ISO 3166-3 former codes), or none.
"""
import csv
import sys

GW_FIXES = {  # GW code -> ISO 3166 alpha-3/alpha-2 (current or ISO 3166-3 former), or none
    255: ("DEU", "DE"), 260: ("", ""), 265: ("DDR", "DD"), 315: ("CSK", "CS"),
    345: ("SRB", "RS"), 347: ("XKX", "XK"), 678: ("", ""), 679: ("YEM", "YE"),
    680: ("YMD", "YD"), 816: ("VNM", "VN"), 817: ("", ""),
}


def main(data_dir):
    crosswalk = list(csv.DictReader(open(f"{data_dir}/geo/countrycode_codelist.csv", encoding="utf-8")))
    iso_by_gw, names = {}, {}
    for r in crosswalk:
        if r["iso3c"]:
            names[r["iso3c"]] = (r["iso2c"], r["country.name.en"])
            if r["gwn"]:
                iso_by_gw[int(float(r["gwn"]))] = r["iso3c"]
    by_name = {}
    for r in crosswalk:
        if r["iso3c"]:
            for key in ("country.name.en", "cow.name", "p4.name", "iso.name.en"):
                if r.get(key):
                    by_name.setdefault(r[key].lower(), r["iso3c"])
    claimed = {iso3 for iso3, _ in GW_FIXES.values() if iso3}
    states = {}  # a state with interrupted independence has several rows: keep one
    for r in csv.DictReader(open(f"{data_dir}/geo/gwstates.csv", encoding="utf-8")):
        states[int(r["gwcode"])] = r["country_name"]
    # Codes used by the Early Warning Project but absent from the GW list (unified Yemen, 679).
    for gw, (iso3, _) in GW_FIXES.items():
        if gw not in states and iso3:
            states[gw] = names[iso3][1]
    rows, used = [], set()
    # Every Gleditsch-Ward state, with its ISO code where one exists.
    for gw, gw_name in states.items():
        if gw in GW_FIXES:
            iso3 = GW_FIXES[gw][0]
        else:
            iso3 = iso_by_gw.get(gw) or by_name.get(gw_name.lower(), "")
            if iso3 in claimed:
                iso3 = ""
        if iso3 in used:
            iso3 = ""
        iso2 = names[iso3][0] if iso3 in names else ""
        if gw in GW_FIXES:
            iso2 = GW_FIXES[gw][1]
        name = names[iso3][1] if iso3 in names else gw_name
        rows.append([gw, iso3, iso2, name])
        if iso3:
            used.add(iso3)
    # Then every ISO country the GW list lacks (territories, microstates).
    for iso3, (iso2, name) in names.items():
        if iso3 not in used:
            rows.append(["", iso3, iso2, name])
            used.add(iso3)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["gw_code", "iso3", "iso2", "name"])
    for gw, iso3, iso2, name in sorted(rows, key=lambda row: (row[3], str(row[0]))):
        out.writerow([gw, iso3, iso2, name])


if __name__ == "__main__":
    main(sys.argv[1])
