"""A Design: lots, awards and block hours, with how it was found. Serialises to JSON with a schema
version; a council's current arrangement can be written by hand in the same form and evaluated."""

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from pydantic import ConfigDict, Field, StrictStr, TypeAdapter, ValidationError, with_config

from ..instance import InputError, Instance, Problem

SCHEMA_VERSION = 1
HOURS_FIELDS = ("block_hours_per_week", "call_off_floor_hours_per_week", "call_off_ceiling_hours_per_week",
                "reserved_headroom_hours_per_week", "expected_framework_hours_per_week")
# A design file's types and ranges, checked by pydantic when one is read (`read_design`).
_FILE = ConfigDict(extra="forbid", allow_inf_nan=False)
Hours = Annotated[float, Field(strict=True, ge=0)]


@with_config(_FILE)
@dataclass
class Lot:
    lot: StrictStr
    areas: list[StrictStr]
    centre: StrictStr | None = None


@with_config(_FILE)
@dataclass
class Award:
    """One provider's contract in one lot. Block hours are paid whether used or not; the call-off
    floor is guaranteed call-off; call-off above it goes up to the ceiling (None: whatever capacity
    the provider has left, see `contract.terms_of`); the reserved headroom is capacity held back for
    the failure of a partner in the lot. Expected framework hours are the evaluation's, for reading."""

    lot: StrictStr
    provider: StrictStr
    block_hours_per_week: Hours = 0.0
    call_off_floor_hours_per_week: Hours = 0.0
    call_off_ceiling_hours_per_week: Hours | None = None
    reserved_headroom_hours_per_week: Hours = 0.0
    expected_framework_hours_per_week: Hours = 0.0


@with_config(_FILE)
@dataclass
class Design:
    instance: str
    lots: list[Lot]
    awards: list[Award]
    config: dict[str, Any] = field(default_factory=dict)
    solve: dict[str, Any] = field(default_factory=dict)
    kpis: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, **asdict(self)}

    def to_frame(self) -> pd.DataFrame:
        """One row per award: its lot, provider and contract terms."""
        return pd.DataFrame([asdict(a) for a in self.awards], columns=["lot", "provider", *HOURS_FIELDS])

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    def lot_of_area(self) -> dict[str, str]:
        return {a: lot.lot for lot in self.lots for a in lot.areas}


def read_design(path: str | Path, instance: Instance) -> Design:
    """Read a design file (optimised or hand-written) and check it: its types and ranges, then
    against the instance (areas, lots, providers and their capacity)."""
    file = Path(path)
    if not file.is_file():
        raise InputError([Problem("design file does not exist", str(file), fix="check the path")])
    try:
        raw = json.loads(file.read_text())
    except json.JSONDecodeError as err:
        raise InputError([Problem(f"is not valid JSON ({err.msg} at line {err.lineno})", str(file))]) from None
    except UnicodeDecodeError:
        raise InputError([Problem("is not a text file", str(file), fix="give the design.json a run wrote")]) from None
    if not isinstance(raw, dict):
        raise InputError([Problem(f"must be a JSON object with lots and awards, not a {type(raw).__name__}",
                                  str(file), fix="see docs/examples/tiny-current.json")])
    if raw.get("schema_version") != SCHEMA_VERSION:
        raise InputError([Problem(f"schema_version is {raw.get('schema_version')!r}, expected {SCHEMA_VERSION}",
                                  str(file), key="schema_version", fix=f'add "schema_version": {SCHEMA_VERSION}')])
    fields = {key: value for key, value in raw.items() if key != "schema_version"}
    try:
        design = _DESIGN.validate_python({"instance": instance.name, "lots": [], "awards": [], **fields})
    except ValidationError as error:
        raise InputError([_problem(e, str(file)) for e in error.errors()]) from None
    problems = _against_instance(design, instance, str(file))
    if problems:
        raise InputError(problems)
    return design


_DESIGN = TypeAdapter(Design)


def _problem(error: dict[str, Any], file: str) -> Problem:
    """A pydantic error as a Problem naming the field (e.g. awards[3].block_hours_per_week)."""
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]).lstrip(".")
    if error["type"] == "unexpected_keyword_argument":
        fix = ("a design file has schema_version, instance, lots, awards, config, solve, kpis" if len(error["loc"]) == 1
               else "lots have lot, areas, centre; awards have lot, provider, " + ", ".join(HOURS_FIELDS))
        return Problem("is not a field of a design file", file, key=where, fix=fix)
    message = error["msg"].replace("Input should", "should")
    return Problem(f"is {error.get('input')!r}, but {message[0].lower()}{message[1:]}", file, key=where)


def _against_instance(design: Design, instance: Instance, file: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for lot, count in Counter(lot.lot for lot in design.lots).items():
        if count > 1:
            problems.append(Problem(f"lot {lot} is given {count} times", file, key="lots",
                                    fix="give each lot once, with all its areas"))
    for lot in design.lots:
        for area in lot.areas:
            if area not in instance.areas.index:
                problems.append(Problem(f"lot {lot.lot} names unknown area '{area}'", file, key="lots"))
            elif area in seen:
                problems.append(Problem(f"area {area} is in lots {seen[area]} and {lot.lot}", file, key="lots",
                                        fix="put every area in exactly one lot"))
            seen[area] = lot.lot
    missing = [a for a in instance.area_ids if a not in seen]
    if missing:
        problems.append(Problem(f"{len(missing)} area(s) are in no lot: {', '.join(missing[:10])}", file,
                                key="lots", fix="put every area in exactly one lot"))
    lot_ids = {lot.lot for lot in design.lots}
    for (lot, provider), count in Counter((a.lot, a.provider) for a in design.awards).items():
        if count > 1:
            problems.append(Problem(f"provider {provider} has {count} awards in lot {lot}", file, key="awards",
                                    fix="give one award per provider and lot, with its hours summed"))
    for lot in sorted(lot_ids - {a.lot for a in design.awards}):
        problems.append(Problem(f"lot {lot} has no award", file, key="awards",
                                fix="award the lot to at least one provider, or merge its areas into another lot"))
    guaranteed: Counter[str] = Counter()
    for award in design.awards:
        if award.lot not in lot_ids:
            problems.append(Problem(f"an award names unknown lot '{award.lot}'", file, key="awards"))
        if award.provider not in instance.providers.index:
            problems.append(Problem(f"an award names unknown provider '{award.provider}'", file, key="awards"))
        ceiling = award.call_off_ceiling_hours_per_week
        if ceiling is not None and ceiling < award.call_off_floor_hours_per_week:
            problems.append(Problem(f"award {award.provider} in {award.lot}: call-off ceiling {ceiling:g} is below "
                                    f"its floor {award.call_off_floor_hours_per_week:g}", file,
                                    key="awards.call_off_ceiling_hours_per_week",
                                    fix="make the ceiling at least the floor, or leave it out"))
        guaranteed[award.provider] += (award.block_hours_per_week + award.call_off_floor_hours_per_week
                                       + award.reserved_headroom_hours_per_week)
    for provider, hours in guaranteed.items():
        capacity = (float(instance.providers.at[provider, "max_hours_per_week"])
                    if provider in instance.providers.index else float("inf"))
        if hours > capacity * (1 + 1e-6):
            problems.append(Problem(f"provider {provider} is given {hours:,.1f} h/week of block, call-off floor "
                                    f"and reserved headroom but can deliver {capacity:,.1f}", file, key="awards",
                                    fix="keep each provider's block, floor and headroom within its "
                                        "max_hours_per_week"))
    return problems
