"""Instances built from real small areas: the LSOAs of any English local authority district.

The packaged table (`data/lsoa2011_england.csv.gz`, a copy of ../shared/reference/england-lsoa) gives each
of England's 32,844 LSOAs its centre, Census 2021 residents (all ages and 65+) and deprivation deciles.
An authority's LSOAs become the areas: projected to British National Grid, joined by a pruned Delaunay
triangulation, classed urban/town/rural by the density of their Voronoi cells, and given demand from a
take-up rate on the 65+ population that rises with health and income deprivation. Providers and incumbency
come from the user's CSV files or are generated (and marked) synthetic. Every modelling assumption is a
field of `Assumptions` and a keyword of `import_authority`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field, fields
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.spatial import ConvexHull, QhullError, Voronoi, cKDTree

from .generate import (CLIENT_TAKE_UP, HOURS_PER_CLIENT, default_policy, default_scenarios, providers_sentence,
                       rurality_table, synthetic_providers, write_instance)
from .instance import InputError, Problem, load_instance
from .instance.geometry import delaunay_adjacency
from .instance.model import DEFAULT_DOUBLE_HANDED_SHARE
from .instance.schema import DEFAULT_VISIT_MIX, INCUMBENCY, MIX_COLUMNS, PROVIDERS, Table
from .instance.tables import MANIFEST, read_table

LSOA_TABLE = "lsoa2011_england.csv.gz"
ATTRIBUTION = ("Contains public sector information licensed under the Open Government Licence v3.0; "
               "contains OS data © Crown copyright and database right.")
SOURCES = ("Office for National Statistics (LSOA 2011 boundaries; Census 2021 usual residents by age) and the "
           "Ministry of Housing, Communities and Local Government (English Indices of Deprivation 2019), all "
           "under the Open Government Licence v3.0; compiled in the public repository cwthom/hack25usefuldata "
           "and joined by LSOA code.")
SINGLE_AREA_CLASS = "rural"  # an authority of one area (the Isles of Scilly) has no neighbours to measure density by


def _param(default: float, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Assumptions:
    """What an imported instance assumes beyond the data; every field is a keyword of `import_authority`."""

    take_up_rate: float = _param(CLIENT_TAKE_UP, "council-funded home care clients per resident aged 65+, "
                                 "averaged over the authority (about 2% in England)")
    hours_per_client: float = _param(HOURS_PER_CLIENT, "care hours per client per week (ADASS 2024-25: about 14)")
    deprivation_ratio: float = _param(2.0, "take-up in the most deprived decile over take-up in the least "
                                      "deprived, log-linear in between (an assumption: need is higher and "
                                      "self-funding rarer where deprivation is higher)")
    health_weight: float = _param(0.5, "weight of the IMD health decile in the deprivation score; the income "
                                  "decile has the rest")
    urban_density: float = _param(2000.0, "residents per km² at and above which an area is urban")
    town_density: float = _param(400.0, "residents per km² at and above which an area is a town (below: rural)")
    hull_buffer: float = _param(0.5, "the hull that clips the Voronoi cells is widened by this many times the "
                                "median nearest-neighbour spacing of its corner areas, because area centres lie "
                                "inside the authority, not on its border")
    prune_factor: float = _param(2.5, "Delaunay edges longer than this many times the median edge are pruned")
    providers_per_1000_clients: float = _param(25.0, "synthetic providers per 1,000 clients (at least 3; the "
                                               "average council dealt with about 60 providers in 2018)")
    visits_15min_share: float = _param(DEFAULT_VISIT_MIX[15], "share of 15-minute visits")
    visits_30min_share: float = _param(DEFAULT_VISIT_MIX[30], "share of 30-minute visits")
    visits_45min_share: float = _param(DEFAULT_VISIT_MIX[45], "share of 45-minute visits")
    visits_60min_share: float = _param(DEFAULT_VISIT_MIX[60], "share of 60-minute visits")
    double_handed_share: float = _param(DEFAULT_DOUBLE_HANDED_SHARE, "share of visits needing two carers")


def assumptions(overrides: dict[str, float]) -> Assumptions:
    """The default assumptions with `overrides` applied; raises InputError on unknown names or bad values."""
    known = [f.name for f in fields(Assumptions)]
    problems = [Problem(f"'{name}' is not an assumption of the import",
                        fix=_did_you_mean(name, known, f"assumptions are {', '.join(known)}"))
                for name in overrides if name not in known]
    if problems:
        raise InputError(problems)
    params = Assumptions(**{k: float(v) for k, v in overrides.items()})
    values = asdict(params)
    problems += [Problem(f"{name} = {value:g} is negative", fix="use a value of at least 0")
                 for name, value in values.items() if value < 0]
    problems += [Problem(f"{name} = {values[name]:g} is above 1", fix="use a fraction from 0 to 1")
                 for name in ("take_up_rate", "health_weight", "double_handed_share", *MIX_COLUMNS) if values[name] > 1]
    if abs(sum(values[c] for c in MIX_COLUMNS) - 1) > 1e-6:
        problems.append(Problem(f"the visit-length shares sum to {sum(values[c] for c in MIX_COLUMNS):g}, not 1",
                                fix="make the four visits_*min_share values sum to 1"))
    if params.urban_density < params.town_density:
        problems.append(Problem("urban_density is below town_density",
                                fix="make the urban threshold at least the town threshold"))
    if params.deprivation_ratio <= 0:
        problems.append(Problem("deprivation_ratio must be positive", fix="use 1 for no deprivation effect"))
    if problems:
        raise InputError(problems)
    return params


def parse_overrides(pairs: list[str] | None) -> dict[str, float]:
    """NAME=VALUE strings (the CLI's --set) as keyword overrides."""
    overrides, problems = {}, []
    for pair in pairs or []:
        name, _, value = pair.partition("=")
        try:
            overrides[name.strip()] = float(value)
        except ValueError:
            problems.append(Problem(f"--set '{pair}' is not NAME=NUMBER", fix="e.g. --set take_up_rate=0.025"))
    if problems:
        raise InputError(problems)
    return overrides


def lsoa_table() -> pd.DataFrame:
    """England's LSOAs (2011 definitions) with Census 2021 population and IMD 2019 deciles."""
    with files("solver").joinpath("data", LSOA_TABLE).open("rb") as raw:
        return pd.read_csv(raw, compression="gzip", dtype={"lsoa11_code": str, "lad19_code": str})


def authority_rows(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """The LSOAs of the authority named (lad19_name or lad19_code, any case), sorted by code."""
    key = name.strip().casefold()
    rows = table[(table["lad19_name"].str.casefold() == key) | (table["lad19_code"].str.casefold() == key)]
    if rows.empty:
        names = sorted(table["lad19_name"].unique())
        raise InputError([Problem(f"'{name}' is not one of England's {len(names)} local authority districts",
                                  fix=_did_you_mean(name, names, "give a 2019 district name or code, e.g. "
                                                    "'County Durham' or E06000047 (lad19_name, lad19_code)"))])
    return rows.sort_values("lsoa11_code").reset_index(drop=True)


def _did_you_mean(name: str, options: list[str], advice: str) -> str:
    """The advice, led by the options containing `name` or closest to it (difflib), if any."""
    folded = {o.casefold(): o for o in options}
    key = name.strip().casefold()
    containing = [f for f in folded if key and key in f]
    close = difflib.get_close_matches(key, list(folded), n=3, cutoff=0.6)
    near = containing + [f for f in close if f not in containing]
    if not near:
        return advice
    return f"did you mean {' or '.join(repr(folded[f]) for f in near[:4])}? {advice[0].upper()}{advice[1:]}"


# British National Grid: WGS84 -> OSGB36 by Ordnance Survey's 7-parameter Helmert transformation (good to a
# few metres; OSTN15 would be centimetres), then the National Grid's Transverse Mercator on the Airy 1830
# ellipsoid (formulas of OS, "A guide to coordinate systems in Great Britain", annexes B and C).
WGS84_AXES = (6378137.000, 6356752.314245)
AIRY_1830_AXES = (6377563.396, 6356256.909)
HELMERT = {"tx": -446.448, "ty": 125.157, "tz": -542.060, "scale_ppm": 20.4894,
           "rx_arcsec": -0.1502, "ry_arcsec": -0.2470, "rz_arcsec": -0.8421}
GRID = {"scale": 0.9996012717, "lat0": 49.0, "lon0": -2.0, "east0": 400_000.0, "north0": -100_000.0}


def british_national_grid_km(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing in km of WGS84 points (on the ellipsoid, height 0)."""
    phi, lam = _wgs84_to_osgb36(np.radians(lat), np.radians(lon))
    east, north = _national_grid(phi, lam)
    return east / 1000, north / 1000


def _wgs84_to_osgb36(phi: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = WGS84_AXES
    e2 = 1 - b * b / (a * a)
    nu = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    x, y, z = nu * np.cos(phi) * np.cos(lam), nu * np.cos(phi) * np.sin(lam), (1 - e2) * nu * np.sin(phi)
    s = 1 + HELMERT["scale_ppm"] * 1e-6
    rx, ry, rz = (np.radians(HELMERT[k] / 3600) for k in ("rx_arcsec", "ry_arcsec", "rz_arcsec"))
    x, y, z = (HELMERT["tx"] + s * x - rz * y + ry * z, HELMERT["ty"] + rz * x + s * y - rx * z,
               HELMERT["tz"] - ry * x + rx * y + s * z)
    a, b = AIRY_1830_AXES
    e2 = 1 - b * b / (a * a)
    p = np.hypot(x, y)
    phi = np.arctan2(z, p * (1 - e2))
    for _ in range(6):  # converges to well under a millimetre
        nu = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
        phi = np.arctan2(z + e2 * nu * np.sin(phi), p)
    return phi, np.arctan2(y, x)


def _national_grid(phi: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = AIRY_1830_AXES
    f0, phi0, lam0 = GRID["scale"], np.radians(GRID["lat0"]), np.radians(GRID["lon0"])
    e2, n = 1 - b * b / (a * a), (a - b) / (a + b)
    sin, cos, tan2 = np.sin(phi), np.cos(phi), np.tan(phi) ** 2
    nu = a * f0 / np.sqrt(1 - e2 * sin ** 2)
    rho = a * f0 * (1 - e2) / (1 - e2 * sin ** 2) ** 1.5
    eta2 = nu / rho - 1
    dp, sp = phi - phi0, phi + phi0
    m = b * f0 * ((1 + n + 1.25 * n ** 2 + 1.25 * n ** 3) * dp
                  - (3 * n + 3 * n ** 2 + 21 / 8 * n ** 3) * np.sin(dp) * np.cos(sp)
                  + (15 / 8 * n ** 2 + 15 / 8 * n ** 3) * np.sin(2 * dp) * np.cos(2 * sp)
                  - 35 / 24 * n ** 3 * np.sin(3 * dp) * np.cos(3 * sp))
    d = lam - lam0
    north = (m + GRID["north0"] + nu / 2 * sin * cos * d ** 2
             + nu / 24 * sin * cos ** 3 * (5 - tan2 + 9 * eta2) * d ** 4
             + nu / 720 * sin * cos ** 5 * (61 - 58 * tan2 + tan2 ** 2) * d ** 6)
    east = (GRID["east0"] + nu * cos * d + nu / 6 * cos ** 3 * (nu / rho - tan2) * d ** 3
            + nu / 120 * cos ** 5 * (5 - 18 * tan2 + tan2 ** 2 + 14 * eta2 - 58 * tan2 * eta2) * d ** 5)
    return east, north


def voronoi_cell_km2(xy: np.ndarray, hull_buffer: float) -> np.ndarray:
    """Area of each point's Voronoi cell clipped to the points' convex hull, widened as `Assumptions` says."""
    hull, equations = _widened_hull(xy, hull_buffer)
    span = float(np.ptp(xy, axis=0).max()) + 1.0
    far = xy.mean(axis=0) + 20 * span * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])  # bounds every real cell
    voronoi = Voronoi(np.vstack([xy, far]))
    areas = np.empty(len(xy))
    for i in range(len(xy)):
        cell = voronoi.vertices[voronoi.regions[voronoi.point_region[i]]]
        cell = cell[np.argsort(np.arctan2(*(cell - cell.mean(axis=0)).T[::-1]))]  # counter-clockwise
        if (cell @ equations[:, :2].T + equations[:, 2]).max() > 1e-9:
            cell = _clip(cell, hull)
        areas[i] = _polygon_area(cell)
    return areas


def _widened_hull(xy: np.ndarray, hull_buffer: float) -> tuple[np.ndarray, np.ndarray]:
    """Counter-clockwise corners and half-plane equations of the hull of discs round the hull's corners."""
    try:
        corners = xy[ConvexHull(xy).vertices]
    except (QhullError, ValueError):  # two points, or all on a line
        corners = xy
    spacing = cKDTree(xy).query(corners, k=2)[0][:, 1]
    radius = hull_buffer * float(np.median(spacing))
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    ring = (corners[:, None, :] + radius * np.column_stack([np.cos(angles), np.sin(angles)])[None]).reshape(-1, 2)
    hull = ConvexHull(ring)
    return ring[hull.vertices], hull.equations


def _clip(cell: np.ndarray, hull: np.ndarray) -> np.ndarray:
    """Sutherland-Hodgman: the part of a convex polygon inside a convex counter-clockwise polygon."""
    for start, end in zip(hull, np.roll(hull, -1, axis=0)):
        if len(cell) == 0:
            break
        edge = end - start
        side = edge[0] * (cell[:, 1] - start[1]) - edge[1] * (cell[:, 0] - start[0])  # >= 0 inside
        kept = []
        for j in range(len(cell)):
            k = (j + 1) % len(cell)
            if side[j] >= 0:
                kept.append(cell[j])
            if (side[j] >= 0) != (side[k] >= 0):
                kept.append(cell[j] + (cell[k] - cell[j]) * side[j] / (side[j] - side[k]))
        cell = np.array(kept).reshape(-1, 2)
    return cell


def _polygon_area(polygon: np.ndarray) -> float:
    if len(polygon) < 3:
        return 0.0
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def rurality(xy: np.ndarray, residents: np.ndarray, params: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    """Class and residents per km² of each area's Voronoi cell."""
    if len(xy) == 1:
        return np.array([SINGLE_AREA_CLASS]), np.array([np.nan])
    density = residents / np.maximum(voronoi_cell_km2(xy, params.hull_buffer), 1e-6)
    classes = np.select([density >= params.urban_density, density >= params.town_density], ["urban", "town"], "rural")
    return classes, density


def clients_and_hours(rows: pd.DataFrame, params: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    """Clients (whole, summing to the authority's rounded expectation) and care hours per week of each area."""
    score = params.health_weight * rows["health_decile"] + (1 - params.health_weight) * rows["income_decile"]
    relative = params.deprivation_ratio ** ((10 - score.to_numpy()) / 9)  # 1 in the least deprived decile
    pop = rows["pop_65plus_2021"].to_numpy()
    rate = params.take_up_rate * relative / np.average(relative, weights=pop)
    clients = _round_keeping_total(pop * rate)
    return clients, np.round(clients * params.hours_per_client, 2)


def _round_keeping_total(values: np.ndarray) -> np.ndarray:
    """Largest-remainder rounding: whole numbers summing to the rounded total."""
    whole = np.floor(values)
    order = np.argsort(whole - values, kind="stable")
    whole[order[:int(round(values.sum() - whole.sum()))]] += 1
    return whole.astype(int)


def area_table(rows: pd.DataFrame, params: Assumptions) -> tuple[pd.DataFrame, np.ndarray]:
    """The areas table (with the real inputs kept as extra columns) and the areas' points in km."""
    x, y = british_national_grid_km(rows["lat"].to_numpy(), rows["lng"].to_numpy())
    xy = np.column_stack([np.round(x, 3), np.round(y, 3)])
    classes, density = rurality(xy, rows["pop_total_2021"].to_numpy(), params)
    clients, hours = clients_and_hours(rows, params)
    areas = pd.DataFrame({
        "area_id": rows["lsoa11_code"], "name": rows["lsoa11_name"], "x_km": xy[:, 0], "y_km": xy[:, 1],
        "rurality": classes, "pop_65plus": rows["pop_65plus_2021"], "clients": clients, "care_hours_per_week": hours,
        **{c: getattr(params, c) for c in MIX_COLUMNS}, "double_handed_share": params.double_handed_share,
        "residents": rows["pop_total_2021"], "density_per_km2": np.round(density),
        "health_decile": rows["health_decile"], "income_decile": rows["income_decile"],
        "pop_imputed": rows["pop_imputed"],
    })
    return areas, xy


def read_user_table(path: Path, table: Table) -> pd.DataFrame:
    """A providers or incumbency file, typed and checked cell by cell against the instance format."""
    if not path.is_file():
        raise InputError([Problem(f"the {table.name} file does not exist", str(path),
                                  fix=f"check the --{table.name} path")])
    problems: list[Problem] = []
    frame = read_table(path.parent, str(path), table, path.name, problems)
    if problems or frame is None:
        raise InputError(problems)
    return frame


def check_market(providers: pd.DataFrame, incumbency: pd.DataFrame, area_ids: set[str], authority: str) -> None:
    """Ids that must exist, and volumes that must fit capacity; every problem names its file, row and column."""
    problems: list[Problem] = []
    example = min(area_ids)

    def unknown(frame: pd.DataFrame, column: str, known: set[str], what: str, fix: str) -> None:
        problems.extend(Problem(f"'{value}' is not {what}", frame.attrs["source"], int(i) + 2, column, fix)
                        for i, value in frame[column].items() if value not in known)

    in_authority = f"use the LSOA code (lsoa11_code) of an area in {authority}, e.g. {example}"
    unknown(providers, "base_area_id", area_ids, f"an LSOA of {authority}",
            in_authority + " (for an office outside it, the nearest area inside)")
    unknown(incumbency, "area_id", area_ids, f"an LSOA of {authority}", in_authority)
    unknown(incumbency, "provider_id", set(providers["provider_id"]), "a provider_id of the providers file",
            "add the provider to the providers file or correct the id")
    for i, row in providers.iterrows():
        for column in ("current_hours_per_week", "min_viable_hours_per_week"):
            if row[column] > row["max_hours_per_week"]:
                problems.append(Problem(f"{column} {row[column]:g} is above max_hours_per_week "
                                        f"{row['max_hours_per_week']:g}", providers.attrs["source"], int(i) + 2,
                                        column, "raise max_hours_per_week or lower this figure"))
    if problems:
        raise InputError(problems)


def user_market(providers_csv: Path, incumbency_csv: Path | None, areas: pd.DataFrame,
                authority: str) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Supplied providers and incumbency; demand is raised where incumbents already deliver more than estimated.

    Returns the tables and how many areas' demand was raised.
    """
    providers = read_user_table(providers_csv, PROVIDERS)
    if incumbency_csv is None:
        incumbency = pd.DataFrame({c.name: pd.Series(dtype=str if c.kind == "id" else float)
                                   for c in INCUMBENCY.columns})
        incumbency.attrs["source"] = "incumbency"
    else:
        incumbency = read_user_table(incumbency_csv, INCUMBENCY)
    check_market(providers, incumbency, set(areas["area_id"]), authority)
    held = incumbency.groupby("area_id")[["clients", "hours_per_week"]].sum()
    index = areas.set_index("area_id").index
    hours = held["hours_per_week"].reindex(index, fill_value=0).to_numpy()
    clients = held["clients"].reindex(index, fill_value=0).to_numpy()
    raised = hours > areas["care_hours_per_week"].to_numpy()
    areas["care_hours_per_week"] = np.maximum(areas["care_hours_per_week"], hours)
    areas["clients"] = np.maximum(areas["clients"], clients)
    return providers, incumbency, int(raised.sum())


def import_authority(name: str, out: str | Path, providers_csv: str | Path | None = None,
                     incumbency_csv: str | Path | None = None, seed: int = 1, **overrides: float) -> Path:
    """Write an instance for the English local authority district `name` (or code) to `out`; returns `out`.

    `overrides` replace fields of `Assumptions`. Raises InputError for an unknown authority (with close
    matches), bad overrides, or problems in the providers and incumbency files.
    """
    params = assumptions(overrides)
    if incumbency_csv is not None and providers_csv is None:
        raise InputError([Problem("--incumbency needs --providers: its provider_id values refer to that file",
                                  str(incumbency_csv), fix="give the providers file too")])
    rows = authority_rows(lsoa_table(), name)
    authority, code = str(rows["lad19_name"].iat[0]), str(rows["lad19_code"].iat[0])
    areas, xy = area_table(rows, params)
    pairs, adjacency_note = delaunay_adjacency(list(areas["area_id"]), xy, params.prune_factor)
    raised = 0
    if providers_csv is None:
        count = max(3, round(areas["clients"].sum() / 1000 * params.providers_per_1000_clients))
        providers, incumbency = synthetic_providers(np.random.default_rng(seed), areas, xy, count)
    else:
        providers, incumbency, raised = user_market(Path(providers_csv), None if incumbency_csv is None
                                                    else Path(incumbency_csv), areas, authority)
    scenarios = default_scenarios()
    command = _command(authority, providers_csv, incumbency_csv, seed, overrides)
    provenance = {"authority": authority, "code": code, "command": command, "seed": seed,
                  "providers": "synthetic" if providers_csv is None else f"from {Path(providers_csv).name}",
                  "incumbency": ("synthetic" if providers_csv is None else "none supplied" if incumbency_csv is None
                                 else f"from {Path(incumbency_csv).name}"),
                  "adjacency": adjacency_note, "areas_with_demand_raised_to_incumbency": raised,
                  "assumptions": asdict(params)}
    tables = {"manifest": _manifest(authority, code, areas, scenarios, provenance), "areas": areas,
              "adjacency": pd.DataFrame(pairs, columns=["area_a", "area_b"]), "providers": providers,
              "incumbency": incumbency, "scenarios": scenarios}
    out = Path(out)
    write_instance(tables, out, readme(tables, params, provenance))
    load_instance(out)  # the written instance must validate
    return out


def _command(authority: str, providers_csv: Any, incumbency_csv: Any, seed: int, overrides: dict[str, float]) -> str:
    parts = [f'tender import-authority "{authority}"']
    parts += [f"--providers {Path(providers_csv).name}"] if providers_csv is not None else []
    parts += [f"--incumbency {Path(incumbency_csv).name}"] if incumbency_csv is not None else []
    parts += [f"--seed {seed}"] + [f"--set {k}={v:g}" for k, v in overrides.items()]
    return " ".join(parts)


def _manifest(authority: str, code: str, areas: pd.DataFrame, scenarios: pd.DataFrame,
              provenance: dict[str, Any]) -> dict[str, Any]:
    market = "synthetic" if provenance["providers"] == "synthetic" else "supplied"
    return {
        "name": re.sub(r"[^a-z0-9]+", "-", authority.lower()).strip("-"),
        "description": (f"{authority} ({code}): its {len(areas)} LSOAs with Census 2021 population, estimated "
                        f"demand and {market} providers, by `{provenance['command']}`"),
        "tables": {"areas": "areas.csv", "adjacency": "adjacency.csv", "providers": "providers.csv",
                   "incumbency": "incumbency.csv", "scenarios": "scenarios.csv"},
        "policy": default_policy(areas, scenarios),
        "provenance": provenance,
    }


def readme(tables: dict[str, Any], params: Assumptions, provenance: dict[str, Any]) -> str:
    """Provenance (real, derived, estimated, synthetic), totals, the assumptions used and the attribution."""
    areas, providers = tables["areas"], tables["providers"]
    authority, code = provenance["authority"], provenance["code"]
    pop65, residents = int(areas["pop_65plus"].sum()), int(areas["residents"].sum())
    imputed = int(areas["pop_imputed"].sum())
    shares = areas.groupby("rurality")["pop_65plus"].sum() / max(pop65, 1)
    share_text = ", ".join(f"{c} {shares.get(c, 0):.0%}" for c in ("urban", "town", "rural"))
    two_tier = ("\n- Note: this is a shire district (code E07...); in two-tier areas home care is commissioned "
                "by the county council, so a real tender would cover all of the county's districts."
                if code.startswith("E07") else "")
    parameters = "\n".join(f"| `{f.name}` | {getattr(params, f.name):g} | {f.metadata['doc']} |"
                           for f in fields(Assumptions))
    return f"""# {authority} ({code})

Home care instance for {authority}, built by `{provenance['command']}` from England's LSOA table
(`solver/data/{LSOA_TABLE}`).

## What is real, derived, estimated and synthetic

- **Real**: the {len(areas)} areas (LSOAs of 2011 definitions; `area_id` is the LSOA code), their centres,
  residents (`residents`) and residents aged 65+ (`pop_65plus`) from Census 2021, and their IMD 2019 health
  and income deciles. {imputed} area(s) had their populations imputed in the source table (the authority's
  median; `pop_imputed` = 1) because their boundaries changed between 2011 and 2021.
- **Derived**: coordinates in British National Grid km (WGS84 centres, OS Helmert transformation and
  National Grid projection, to a few metres); adjacency {provenance['adjacency']}; rurality from residents
  per km² of each area's Voronoi cell within the authority's widened convex hull (`density_per_km2`):
  urban from {params.urban_density:,.0f}, town from {params.town_density:,.0f}, rural below.
- **Estimated**: clients and care hours, from a take-up rate of {params.take_up_rate:.1%} of residents 65+
  on average, higher in more deprived areas, at {params.hours_per_client:g} hours a week per client; the
  default visit mix. These are not {authority}'s caseload.
- {_market_line(provenance)}
- Policy figures are national 2025-26 defaults (council rate £24.10 an hour, the national average fee),
  not {authority}'s.{two_tier}

## Totals

{residents:,} residents, {pop65:,} aged 65+ ({share_text} by rurality).
{int(areas['clients'].sum()):,} clients ({areas['clients'].sum() / max(pop65, 1):.2%} of residents 65+),
{areas['care_hours_per_week'].sum():,.0f} care hours a week.

{rurality_table(areas)}

{providers_sentence(providers)}

## Assumptions

| parameter | value | meaning |
|---|---|---|
{parameters}

## Attribution

{ATTRIBUTION}

Sources: {SOURCES}
"""


def _market_line(provenance: dict[str, Any]) -> str:
    if provenance["providers"] == "synthetic":
        return (f"**Synthetic**: the providers, who serves whom today (incumbency), their capacities, bids and "
                f"quality, generated with seed {provenance['seed']}; replace them with `--providers` and "
                "`--incumbency` files.")
    line = f"**Supplied**: providers {provenance['providers']}; incumbency {provenance['incumbency']}"
    if provenance["incumbency"] == "none supplied":
        line += " (so no area has an incumbent and no client is counted as switching)"
    raised = provenance["areas_with_demand_raised_to_incumbency"]
    return line + (f". {raised} area(s) had their estimated demand raised to what their incumbents already "
                   "deliver." if raised else ".")


def summary_lines(path: Path) -> list[str]:
    """What `tender import-authority` prints about the instance it wrote."""
    instance = load_instance(path)
    provenance = yaml.safe_load((Path(path) / MANIFEST).read_text())["provenance"]
    areas = instance.areas
    counts = areas["rurality"].value_counts()
    return [f"wrote {path}: {provenance['authority']} ({provenance['code']}), {len(areas)} areas "
            f"({', '.join(f'{counts.get(c, 0)} {c}' for c in ('urban', 'town', 'rural'))}), "
            f"{int(areas['pop_65plus'].sum()):,} residents 65+, {int(areas['clients'].sum()):,} clients, "
            f"{areas['care_hours_per_week'].sum():,.0f} care hours/week",
            f"providers: {len(instance.providers)}, {provenance['providers']}; incumbency {provenance['incumbency']}",
            f"adjacency: {provenance['adjacency']}",
            *(f"warning: {w}" for w in instance.warnings)]
