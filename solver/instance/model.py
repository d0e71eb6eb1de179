"""The validated Instance, and the checks across tables that make it trustworthy."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from .geometry import GRID_CRS, LOCAL_CRS, delaunay_adjacency, lonlat_to_km
from .problems import InputError, Problem, listing
from .schema import (BID_COLUMNS, DEFAULT_VISIT_MIX, LON_LAT_BOX, MIX_COLUMNS, RURALITY_CLASSES,
                     VISIT_LENGTHS_MINUTES)
from .tables import manifest_path, read_tables

DEFAULT_DOUBLE_HANDED_SHARE = 0.10
PROBABILITY_TOLERANCE = 1e-6
HIGHEST_USUAL_BID_GBP_PER_HOUR = 100.0
USUAL_VISIT_MINUTES = (10.0, 120.0)  # mean visit length implied by an area's hours and visits
WIDEST_COUNTY_KM = 1_000.0
CLOSEST_AREAS_KM = 0.05  # area centres closer than this to their neighbours, at the median, are not in km
SAME_POINT_KM = 1e-6  # centres closer than a millimetre are one point, which has no Voronoi cell of its own


@dataclass
class Instance:
    """Data only: areas, adjacency, providers, incumbency, demand scenarios and policy."""

    name: str
    path: Path
    areas: pd.DataFrame  # indexed by area_id
    adjacency: list[tuple[str, str]]
    adjacency_note: str
    providers: pd.DataFrame  # indexed by provider_id
    incumbency: pd.DataFrame  # provider_id, area_id, clients, hours_per_week
    scenarios: pd.DataFrame  # indexed by scenario
    demand: pd.DataFrame  # hours per week, area_id x scenario
    policy: dict[str, Any]
    warnings: list[Problem] = field(default_factory=list)
    crs: str = LOCAL_CRS  # what x_km, y_km are: GRID_CRS or LOCAL_CRS
    boundaries: dict[str, BaseGeometry] | None = None  # area_id -> Polygon or MultiPolygon, WGS84 lon/lat

    @property
    def area_ids(self) -> list[str]:
        return list(self.areas.index)

    @property
    def provider_ids(self) -> list[str]:
        return list(self.providers.index)

    @property
    def has_bids(self) -> bool:
        """Whether every provider's block and framework bids are given."""
        return bool(self.providers[list(BID_COLUMNS)].notna().all().all())

    @property
    def probabilities(self) -> pd.Series:
        return self.scenarios["probability"]

    def graph(self) -> nx.Graph:
        graph = nx.Graph()
        graph.add_nodes_from(self.area_ids)
        graph.add_edges_from(self.adjacency)
        return graph

    def distance_km(self) -> pd.DataFrame:
        """Straight-line distances between area centres."""
        xy = self.areas[["x_km", "y_km"]].to_numpy()
        dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        return pd.DataFrame(dist, index=self.areas.index, columns=self.areas.index)

    def expected_demand(self) -> pd.Series:
        return self.demand @ self.probabilities


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance folder (or its instance.yaml); raises InputError."""
    path = Path(path)
    manifest, tables, policy, warnings = read_tables(path)
    file = manifest_path(path)
    problems: list[Problem] = []

    areas = _areas(tables["areas"])
    area_set = set(areas.index)
    if areas["care_hours_per_week"].sum() == 0:
        problems.append(Problem("every area has 0 care hours a week", tables["areas"].attrs["source"],
                                column="care_hours_per_week", fix="give the hours of care each area receives"))
    _check_mix(tables["areas"], problems)
    _check_visits(tables["areas"], problems, warnings)
    _check_coordinates(tables["areas"], warnings)
    _check_distinct_points(tables["areas"], areas[["x_km", "y_km"]].to_numpy(dtype=float), problems)

    adjacency_table = tables["adjacency"]
    if adjacency_table is None:
        adjacency, note = delaunay_adjacency(list(areas.index), areas[["x_km", "y_km"]].to_numpy())
    else:
        adjacency = _adjacency(adjacency_table, area_set, problems)
        provenance = manifest.get("provenance")  # free-form: a mapping may record how the file was made
        derived = provenance.get("adjacency") if isinstance(provenance, dict) else None
        note = f"from {adjacency_table.attrs['source']}" + (f", {derived}" if derived else "")

    providers = tables["providers"]
    check_ids(providers, "base_area_id", area_set, "areas", problems)
    check_capacities(providers, problems)
    if set(BID_COLUMNS) <= set(providers.columns):
        _check_bids(providers, policy["national_living_wage_gbp_per_hour"], warnings)
    providers = providers.set_index("provider_id", drop=False)
    providers = providers.reindex(columns=[*providers.columns, *(c for c in BID_COLUMNS if c not in providers)])

    incumbency = tables["incumbency"]
    check_ids(incumbency, "provider_id", set(providers.index), "providers", problems)
    check_ids(incumbency, "area_id", area_set, "areas", problems)

    scenarios = tables["scenarios"]
    total = float(scenarios["probability"].sum())
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        problems.append(Problem(f"scenario probabilities sum to {total:.6g}, not 1", scenarios.attrs["source"],
                                column="probability", fix="rescale them so they sum to exactly 1"))
    _check_base_scenario(scenarios, warnings)
    overrides = tables["scenario_area_multipliers"]
    if overrides is not None:
        check_ids(overrides, "scenario", set(scenarios["scenario"]), "scenarios", problems)
        check_ids(overrides, "area_id", area_set, "areas", problems)

    crs, boundaries = _geography(manifest.get("geography"), file, list(areas.index), problems)
    if not problems:
        _check_connected(areas, adjacency, note, file, problems)
        _check_incumbent_hours(areas, incumbency, problems)
    if problems:
        raise InputError(problems)

    scenarios = scenarios.set_index("scenario", drop=False)
    demand = _demand(areas, scenarios, overrides)
    _warn(areas, providers, incumbency, demand, warnings)
    return Instance(
        name=str(manifest.get("name", file.parent.name)), path=file.parent, areas=areas,
        adjacency=adjacency, adjacency_note=note, providers=providers,
        incumbency=incumbency.reset_index(drop=True), scenarios=scenarios, demand=demand,
        policy=policy, warnings=warnings, crs=crs, boundaries=boundaries)


def _areas(raw: pd.DataFrame) -> pd.DataFrame:
    areas = raw.copy()
    if not {"x_km", "y_km"} <= set(areas.columns):
        areas["x_km"], areas["y_km"] = lonlat_to_km(areas["lat"].to_numpy(), areas["lon"].to_numpy())
    for column, length in zip(MIX_COLUMNS, VISIT_LENGTHS_MINUTES):
        if column not in areas.columns:
            areas[column] = DEFAULT_VISIT_MIX[length]
    if "double_handed_share" not in areas.columns:
        areas["double_handed_share"] = DEFAULT_DOUBLE_HANDED_SHARE
    mean_visit_hours = sum(areas[c] * m for c, m in zip(MIX_COLUMNS, VISIT_LENGTHS_MINUTES)) / 60.0
    if "visits_per_week" not in areas.columns:
        areas["visits_per_week"] = (areas["care_hours_per_week"] / mean_visit_hours.where(mean_visit_hours > 0)).fillna(0.0)
    return areas.set_index("area_id", drop=False)


def _check_mix(raw: pd.DataFrame, problems: list[Problem]) -> None:
    if MIX_COLUMNS[0] not in raw.columns:  # the columns come all together or not at all
        return
    sums = raw[list(MIX_COLUMNS)].sum(axis=1)
    for index, total in sums.items():
        if abs(total - 1.0) > 0.01:
            problems.append(Problem(f"visit-length shares of area {raw.at[index, 'area_id']} sum to {total:.3g}, "
                                    "not 1", raw.attrs["source"], int(index) + 2, MIX_COLUMNS[0],
                                    "make the visits_*min_share columns sum to 1"))


def _check_visits(raw: pd.DataFrame, problems: list[Problem], warnings: list[Problem]) -> None:
    """Given visits must be able to hold the area's hours, at a believable length per visit."""
    if "visits_per_week" not in raw.columns:
        return
    hours, visits = raw["care_hours_per_week"], raw["visits_per_week"]
    for index in raw.index[(visits == 0) & (hours > 0)]:
        problems.append(Problem(f"area {raw.at[index, 'area_id']} has {hours[index]:g} care hours a week in 0 visits",
                                raw.attrs["source"], int(index) + 2, "visits_per_week",
                                "give its visits per week, or leave the column out to derive them"))
    minutes = (hours * 60 / visits)[visits > 0]
    low, high = USUAL_VISIT_MINUTES
    odd = minutes[(minutes < low) | (minutes > high)]
    if not odd.empty:
        rows = [f"row {int(i) + 2} ({m:.0f} min)" for i, m in odd.items()]
        warnings.append(Problem(f"{len(odd)} area(s) have a mean visit outside {low:g} to {high:g} minutes "
                                f"(care_hours_per_week x 60 / visits_per_week): {listing(rows, 5)}",
                                raw.attrs["source"], column="visits_per_week",
                                fix="check the visits and hours are both per week"))


def _check_coordinates(raw: pd.DataFrame, warnings: list[Problem]) -> None:
    """Given x_km/y_km that are not kilometres: degrees, metres or some other unit."""
    if not {"x_km", "y_km"} <= set(raw.columns):
        return
    xy = raw[["x_km", "y_km"]].to_numpy(dtype=float)
    where, columns = raw.attrs["source"], "x_km/y_km"
    lon, lat = LON_LAT_BOX
    if (_within(xy[:, 0], lon) and _within(xy[:, 1], lat)) or (_within(xy[:, 0], lat) and _within(xy[:, 1], lon)):
        warnings.append(Problem(
            f"{columns} look like longitude/latitude in degrees (x {xy[:, 0].min():g} to {xy[:, 0].max():g}, "
            f"y {xy[:, 1].min():g} to {xy[:, 1].max():g}), not kilometres", where, column=columns,
            fix="put degrees in lat/lon columns, or give British National Grid metres / 1000"))
    elif len(xy) > 1 and (spacing := float(np.median(cKDTree(xy).query(xy, k=2)[0][:, 1]))) < CLOSEST_AREAS_KM:
        warnings.append(Problem(f"area centres are a median {spacing * 1000:.0f} m from their nearest neighbour",
                                where, column=columns,
                                fix="check the coordinates are kilometres and that areas do not share a point"))
    span = float(np.ptp(xy, axis=0).max())
    if span > WIDEST_COUNTY_KM:
        warnings.append(Problem(f"the areas span {span:,.0f} km, wider than any county", where, column=columns,
                                fix="check the coordinates are kilometres: divide metres by 1000"))


def _check_distinct_points(raw: pd.DataFrame, xy: np.ndarray, problems: list[Problem]) -> None:
    """Each area at its own point (areas sharing one have no Voronoi cells): one problem per group sharing one."""
    given = {"x_km", "y_km"} <= set(raw.columns)
    graph = nx.Graph(list(cKDTree(xy).query_pairs(SAME_POINT_KM)))
    for group in sorted(sorted(c) for c in nx.connected_components(graph)):
        rows = raw.index[group]
        first = rows[0]
        point = (f"x_km {raw.at[first, 'x_km']:g}, y_km {raw.at[first, 'y_km']:g}" if given else
                 f"lat {raw.at[first, 'lat']:g}, lon {raw.at[first, 'lon']:g}")
        areas = [f"{raw.at[row, 'area_id']} (row {int(row) + 2})" for row in rows]
        problems.append(Problem(f"areas {', '.join(areas[:-1])} and {areas[-1]} are at the same point ({point})",
                                raw.attrs["source"], int(rows[1]) + 2, "x_km/y_km" if given else "lat/lon",
                                "give each area its own centre, or merge areas that are one place into one row"))


def _within(values: np.ndarray, bounds: tuple[float, float]) -> bool:
    return bool(((values >= bounds[0]) & (values <= bounds[1])).all())


def _id_key(value: str) -> str:
    """An id as spreadsheets and typing change it: case, spaces, dashes, underscores, leading zeros."""
    return re.sub(r"(?<!\d)0+(?=\d)", "", re.sub(r"[\s_-]", "", value.lower()))


def check_ids(table: pd.DataFrame, column: str, known: set[str], what: str, problems: list[Problem]) -> None:
    """Each value of `column` must be one of `known`, the ids of the `what` table."""
    by_key = {_id_key(k): k for k in known}
    for index, value in table[column].items():
        if value not in known:
            meant = by_key.get(_id_key(value))
            problems.append(Problem(f"'{value}' is not an id in the {what} table", table.attrs["source"],
                                    int(index) + 2, column, f"did you mean '{meant}'?" if meant else
                                    f"use an id from the {what} table or add it there"))


def check_capacities(providers: pd.DataFrame, problems: list[Problem]) -> None:
    """Each provider's current and minimum viable volumes must fit its capacity."""
    where = providers.attrs["source"]
    for index, row in providers.iterrows():
        if row["current_hours_per_week"] > row["max_hours_per_week"]:
            problems.append(Problem(
                f"provider {row['provider_id']} delivers {row['current_hours_per_week']:g} hours/week now, "
                f"above its capacity of {row['max_hours_per_week']:g}", where, int(index) + 2,
                "current_hours_per_week", "raise max_hours_per_week or correct the current volume"))
        if row["min_viable_hours_per_week"] > row["max_hours_per_week"]:
            problems.append(Problem(
                f"provider {row['provider_id']} needs {row['min_viable_hours_per_week']:g} hours/week to be "
                f"viable but can deliver at most {row['max_hours_per_week']:g}", where, int(index) + 2,
                "min_viable_hours_per_week", "lower the minimum viable volume or raise the capacity"))


def _adjacency(table: pd.DataFrame, area_set: set[str], problems: list[Problem]) -> list[tuple[str, str]]:
    check_ids(table, "area_a", area_set, "areas", problems)
    check_ids(table, "area_b", area_set, "areas", problems)
    pairs: set[tuple[str, str]] = set()
    for index, row in table.iterrows():
        a, b = row["area_a"], row["area_b"]
        if a == b:
            problems.append(Problem(f"area {a} is paired with itself", table.attrs["source"], int(index) + 2,
                                    "area_b", "remove the row"))
        pairs.add((min(a, b), max(a, b)))
    return sorted(pairs)


def _check_connected(areas: pd.DataFrame, adjacency: list[tuple[str, str]], note: str, file: Path,
                     problems: list[Problem]) -> None:
    graph = nx.Graph()
    graph.add_nodes_from(areas.index)
    graph.add_edges_from(adjacency)
    if nx.is_connected(graph):
        return
    parts = sorted((sorted(c) for c in nx.connected_components(graph)), key=len, reverse=True)
    listed = listing([f"{{{listing(p, 6)}}} ({len(p)} areas)" for p in parts], 5)
    problems.append(Problem(f"the adjacency graph ({note}) falls into {len(parts)} separate pieces: {listed}",
                            str(file), key="tables.adjacency",
                            fix="add rows to the adjacency table joining each piece to its neighbours"))


def _geography(entry: Any, file: Path, area_ids: list[str], problems: list[Problem]
               ) -> tuple[str, dict[str, BaseGeometry] | None]:
    """The manifest's `geography: {crs: ..., boundaries: FILE}`; absent, the areas' km are a local grid."""
    if entry is None:
        return LOCAL_CRS, None
    example = f"'geography: {{crs: {GRID_CRS}, boundaries: boundaries.geojson}}'"
    if not isinstance(entry, dict):
        problems.append(Problem(f"geography is {type(entry).__name__} {entry!r}, not a mapping", str(file),
                                key="geography", fix=f"write {example}, or remove geography"))
        return LOCAL_CRS, None
    crs = entry.get("crs")
    if crs not in (GRID_CRS, LOCAL_CRS):
        problems.append(Problem(f"geography needs crs {GRID_CRS} (x_km, y_km are British National Grid km) or "
                                f"{LOCAL_CRS}, not {crs!r}", str(file), key="geography.crs",
                                fix=f"write {example}, or remove geography"))
        return LOCAL_CRS, None
    if entry.get("boundaries") is None:
        return crs, None
    return crs, _boundaries(file.parent / str(entry["boundaries"]), area_ids, problems)


def _boundaries(file: Path, area_ids: list[str], problems: list[Problem]) -> dict[str, BaseGeometry] | None:
    """One Polygon or MultiPolygon (WGS84 lon/lat) per area from a GeoJSON FeatureCollection."""
    where, fix = str(file), "give one Feature per area with properties {area_id: ...} (see docs/instance-format.md)"
    try:
        collection = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        problems.append(Problem(f"the boundaries file cannot be read ({error.strerror})", where,
                                fix="correct geography.boundaries in instance.yaml, or remove it"))
        return None
    except ValueError as error:
        problems.append(Problem(f"is not valid GeoJSON ({error})", where, fix=fix))
        return None
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        problems.append(Problem("is not a GeoJSON FeatureCollection", where, fix=fix))
        return None
    known, by_key = set(area_ids), {_id_key(a): a for a in area_ids}
    shapes: dict[str, BaseGeometry] = {}
    named: set[str] = set()
    for number, feature in enumerate(features, start=1):
        properties = (feature.get("properties") if isinstance(feature, dict) else None) or {}
        area = str(properties.get("area_id", ""))
        if area not in known:
            meant = by_key.get(_id_key(area))
            problems.append(Problem(f"feature {number}'s area_id '{area}' is not an area of the instance", where,
                                    fix=f"did you mean '{meant}'?" if meant else "use an area_id of the areas table"))
            continue
        if area in named:
            problems.append(Problem(f"area {area} has more than one feature (feature {number} again)", where,
                                    fix="give each area one feature; a MultiPolygon holds several parts"))
            continue
        named.add(area)
        try:
            geometry = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            problems.append(Problem(f"area {area}'s geometry cannot be read ({error})", where, fix=fix))
            continue
        if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
            problems.append(Problem(f"area {area}'s geometry is a {geometry.geom_type}, not a Polygon or MultiPolygon",
                                    where, fix="give each area its boundary"))
            continue
        west, south, east, north = geometry.bounds
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            problems.append(Problem(f"area {area}'s coordinates are not longitude/latitude (bounds {west:g}, "
                                    f"{south:g}, {east:g}, {north:g})", where,
                                    fix="write boundaries in WGS84 longitude/latitude (RFC 7946), not grid metres"))
            continue
        shapes[area] = geometry
    missing = [a for a in area_ids if a not in named]
    if missing:
        problems.append(Problem(f"{len(missing)} area(s) have no boundary: {listing(missing)}", where, fix=fix))
    return shapes if len(shapes) == len(area_ids) else None


def _check_incumbent_hours(areas: pd.DataFrame, incumbency: pd.DataFrame, problems: list[Problem]) -> None:
    served = incumbency.groupby("area_id")["hours_per_week"].sum()
    for area_id, hours in served.items():
        demand = areas.at[area_id, "care_hours_per_week"]
        if hours > demand * 1.001 + 1e-6:
            problems.append(Problem(
                f"incumbents deliver {hours:g} hours/week in area {area_id}, more than its "
                f"{demand:g} care hours", incumbency.attrs["source"], column="hours_per_week",
                fix="correct the incumbency hours or the area's care_hours_per_week"))


def _demand(areas: pd.DataFrame, scenarios: pd.DataFrame, overrides: pd.DataFrame | None) -> pd.DataFrame:
    columns = {}
    for name, row in scenarios.iterrows():
        multiplier = areas["rurality"].map({c: row[f"multiplier_{c}"] for c in RURALITY_CLASSES})
        columns[name] = multiplier
    table = pd.DataFrame(columns, index=areas.index)
    if overrides is not None:
        for _, row in overrides.iterrows():
            table.at[row["area_id"], row["scenario"]] = row["multiplier"]
    table = table.mul(areas["care_hours_per_week"], axis=0)
    table.columns.name = "scenario"
    return table


def _warn(areas: pd.DataFrame, providers: pd.DataFrame, incumbency: pd.DataFrame, demand: pd.DataFrame,
          warnings: list[Problem]) -> None:
    capacity = float(providers["max_hours_per_week"].sum())
    peak = demand.sum().max()
    if capacity < peak:
        warnings.append(Problem(f"providers' total capacity ({capacity:,.0f} hours/week) is below demand in the "
                                f"busiest scenario ({peak:,.0f}); the shortfall must be bought spot or left unmet"))
    served = set(incumbency["area_id"])
    unserved = [a for a in areas.index if a not in served and areas.at[a, "care_hours_per_week"] > 0]
    if unserved:
        warnings.append(Problem(f"{len(unserved)} area(s) with demand have no incumbent provider: {listing(unserved)}"))
    held = incumbency.groupby("provider_id")["hours_per_week"].sum().reindex(providers.index, fill_value=0.0)
    for provider_id, hours in held.items():
        current = providers.at[provider_id, "current_hours_per_week"]
        if abs(hours - current) > max(1.0, 0.01 * current):
            warnings.append(Problem(f"provider {provider_id}'s incumbency rows add up to {hours:,.0f} hours/week, "
                                    f"not its current_hours_per_week of {current:,.0f}"))


def _check_bids(providers: pd.DataFrame, living_wage: float, warnings: list[Problem]) -> None:
    """Bids below the wage of the carer delivering the hour, or far above any council's rate."""
    for column in ("block_rate_gbp_per_hour", "framework_rate_gbp_per_hour"):
        bids = providers[column]
        for odd, why, fix in (
                (bids < living_wage, f"below the National Living Wage (£{living_wage:.2f}), too little to pay "
                                     "the carer for the hour", "check them: a missing bid is not £0"),
                (bids > HIGHEST_USUAL_BID_GBP_PER_HOUR, f"above £{HIGHEST_USUAL_BID_GBP_PER_HOUR:.0f} an hour",
                 "check them: bids are pounds per hour of care, not pence or per week")):
            if not odd.any():
                continue
            rows = [f"row {int(i) + 2} ({providers.at[i, 'provider_id']} £{bids[i]:,.2f})" for i in bids.index[odd]]
            count = int(odd.sum())
            warnings.append(Problem(f"{count} of {len(bids)} bids {'is' if count == 1 else 'are'} {why}: "
                                    f"{listing(rows, 5)}", providers.attrs["source"], column=column, fix=fix))


def _check_base_scenario(scenarios: pd.DataFrame, warnings: list[Problem]) -> None:
    """Failures are priced in the first scenario, so it should be today's demand and have weight."""
    where, first = scenarios.attrs["source"], scenarios.index[0]
    name = scenarios.at[first, "scenario"]
    named = scenarios.index[scenarios["scenario"] == "base"]
    if len(named) and named[0] != first:
        warnings.append(Problem(f"scenario 'base' is row {int(named[0]) + 2}, but the first row ('{name}') is the "
                                "base scenario, in which provider failures are priced", where, int(named[0]) + 2,
                                "scenario", "move 'base' to the first row"))
    elif scenarios.at[first, "probability"] == 0:
        warnings.append(Problem(f"the first scenario ('{name}') is the base scenario, in which provider failures are "
                                "priced, but its probability is 0", where, int(first) + 2, "probability",
                                "put the scenario of today's demand first, with its probability"))
