"""Rebuild the packaged LSOA data from the open data it comes from; run by hand after the sources change:

    .venv/bin/python solver/data/build.py [../shared/reference/england-lsoa]

Writes, beside this script:

- `lsoa2011_england.csv.gz`: the LSOA table with each district's upper-tier authority (`utla_code`,
  `utla_name`, from lookups/lad_to_utla.csv, every row: several 2019 districts have since merged),
  its composite rural-urban class (`ruc_class`: urban, rural or more_rural) and true area (`area_km2`)
  from lookups/composite_ruc_lsoa2011.csv;
- `lsoa2011_boundaries.npz` (solver/geography.py): the boundaries of England's LSOAs; in three of them
  a hole (where a neighbouring LSOA lies) is drawn as a separate part inside another ("nested shells"),
  and shapely's make_valid turns it back into a hole;
- `england_postcodes_2025.npz` (solver/postcodes.py): every English postcode with a grid point, and its
  LSOA (from the ONS lookup, else the boundary holding the point, else the nearest one within
  `NEAREST_WITHIN_M`).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from solver.authority import LSOA_TABLE  # noqa: E402
from solver.geography import BOUNDARIES_FILE, pack_boundaries  # noqa: E402
from solver.instance.grid import lonlat_to_grid_km  # noqa: E402
from solver.postcodes import POSTCODES_FILE, normalise, pack_postcodes  # noqa: E402

DEFAULT_SOURCE = HERE.parents[2] / "shared" / "reference" / "england-lsoa"
RUC_CLASSES = {0: "urban", 1: "rural", 2: "more_rural"}  # the composite class ukruc-3
NEAREST_WITHIN_M = 1_000.0  # a postcode point off the generalised coast, not one in Wales or Scotland
NO_GRID_POINT = 90  # Code-Point Open's positional quality of a postcode without coordinates


def lsoa_table(source: Path) -> pd.DataFrame:
    table = pd.read_csv(source / "lsoa2011_england.csv", dtype={"lsoa11_code": str, "lad19_code": str})
    utla = pd.read_csv(source / "lookups" / "lad_to_utla.csv", dtype=str)
    utla = utla.drop_duplicates("LADCD").set_index("LADCD")
    ruc = pd.read_csv(source / "lookups" / "composite_ruc_lsoa2011.csv").set_index("lsoa")
    for name, frame, key in (("lad_to_utla.csv", utla, "lad19_code"), ("composite_ruc_lsoa2011.csv", ruc,
                                                                       "lsoa11_code")):
        missing = sorted(set(table[key]) - set(frame.index))
        if missing:
            raise SystemExit(f"{name} lacks {len(missing)} of the table's codes, e.g. {missing[:3]}")
    table["utla_code"] = table["lad19_code"].map(utla["UTLACD"])
    table["utla_name"] = table["lad19_code"].map(utla["UTLANM"])
    table["ruc_class"] = table["lsoa11_code"].map(ruc["ukruc-3"]).map(RUC_CLASSES)
    table["area_km2"] = table["lsoa11_code"].map(ruc["area"]).round(5)
    return table.sort_values("lsoa11_code").reset_index(drop=True)


def boundaries(source: Path, codes: list[str]) -> list[shapely.Geometry]:
    with gzip.open(source / "boundaries" / "lsoa2011_bsc.geojson.gz", "rt") as raw:
        features = {f["properties"]["LSOA11CD"]: f["geometry"] for f in json.load(raw)["features"]}
    missing = [c for c in codes if c not in features]
    if missing:
        raise SystemExit(f"the boundaries lack {len(missing)} LSOAs, e.g. {missing[:3]}")
    shapes = [shape(features[c]) for c in codes]
    for i, geometry in enumerate(shapes):
        if not geometry.is_valid:
            shapes[i] = shapely.make_valid(geometry)
            print(f"{codes[i]}: {shapely.is_valid_reason(geometry)}; made valid as a {shapes[i].geom_type}")
            if shapes[i].geom_type not in ("Polygon", "MultiPolygon"):
                raise SystemExit(f"{codes[i]} is not a polygon once made valid")
    return shapes


def postcodes(source: Path, codes: list[str], shapes_lonlat: list[shapely.Geometry]) -> tuple[list[str], list[str]]:
    frame = pd.read_csv(source / "postcodes" / "england_postcodes_2025.csv.gz", dtype=str,
                        usecols=["pcds", "easting", "northing", "positional_quality", "lsoa11cd"])
    frame["postcode"] = [normalise(p) for p in frame["pcds"]]
    if frame["postcode"].isna().any():
        raise SystemExit(f"malformed postcodes in the source: {list(frame.loc[frame['postcode'].isna(), 'pcds'][:3])}")
    known = set(codes)
    given = frame["lsoa11cd"].isin(known)
    located = frame[~given & (frame["positional_quality"].astype(int) != NO_GRID_POINT)]
    metres = shapely.transform(shapes_lonlat, lambda c: lonlat_to_grid_km(c) * 1000)
    tree = shapely.STRtree(metres)
    points = shapely.points(located["easting"].astype(float), located["northing"].astype(float))
    inside, area = tree.query(points, predicate="within")
    lsoa = pd.Series(pd.NA, index=located.index, dtype=object)
    lsoa.iloc[inside] = np.asarray(codes)[area]
    outside = np.flatnonzero(lsoa.isna().to_numpy())
    near, nearest = tree.query_nearest(points[outside], max_distance=NEAREST_WITHIN_M, all_matches=False)
    lsoa.iloc[outside[near]] = np.asarray(codes)[nearest]
    frame.loc[located.index, "lsoa11cd"] = lsoa
    kept = frame[frame["lsoa11cd"].isin(known)]
    print(f"postcodes: {len(frame):,} in the source, {int(given.sum()):,} with an LSOA in the lookup, "
          f"{len(np.unique(inside)):,} placed in the boundary holding their point, {len(near):,} in the nearest within "
          f"{NEAREST_WITHIN_M:g} m; {len(frame) - len(kept):,} left out (no grid point, or none near)")
    return list(kept["postcode"]), list(kept["lsoa11cd"])


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    table = lsoa_table(source)
    codes = list(table["lsoa11_code"])
    table.to_csv(HERE / LSOA_TABLE, index=False, lineterminator="\n", encoding="utf-8",
                 compression={"method": "gzip", "compresslevel": 9, "mtime": 0})
    shapes = boundaries(source, codes)
    np.savez_compressed(HERE / BOUNDARIES_FILE, **pack_boundaries(codes, shapes))
    np.savez_compressed(HERE / POSTCODES_FILE, **pack_postcodes(*postcodes(source, codes, shapes)))
    for name in (LSOA_TABLE, BOUNDARIES_FILE, POSTCODES_FILE):
        print(f"{name}: {(HERE / name).stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
