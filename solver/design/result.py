"""A Design: lots, awards and block hours, with how it was found. Serialises to JSON with a schema
version; a council's current arrangement can be written by hand in the same form and evaluated."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..instance import InputError, Instance, Problem

SCHEMA_VERSION = 1
HOURS_FIELDS = ("block_hours_per_week", "call_off_floor_hours_per_week", "call_off_ceiling_hours_per_week",
                "reserved_headroom_hours_per_week", "expected_framework_hours_per_week")


@dataclass
class Lot:
    lot: str
    areas: list[str]
    centre: str | None = None


@dataclass
class Award:
    """One provider's contract in one lot. Block hours are paid whether used or not; the call-off
    floor is guaranteed call-off; call-off above it goes up to the ceiling (None: whatever capacity
    the provider has left, see `contract.terms_of`); the reserved headroom is capacity held back for
    the failure of a partner in the lot. Expected framework hours are the evaluation's, for reading."""

    lot: str
    provider: str
    block_hours_per_week: float = 0.0
    call_off_floor_hours_per_week: float = 0.0
    call_off_ceiling_hours_per_week: float | None = None
    reserved_headroom_hours_per_week: float = 0.0
    expected_framework_hours_per_week: float = 0.0


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
    """Read a design file (optimised or hand-written) and check it against the instance."""
    file = Path(path)
    if not file.exists():
        raise InputError([Problem("design file does not exist", str(file), fix="check the path")])
    try:
        raw = json.loads(file.read_text())
    except json.JSONDecodeError as err:
        raise InputError([Problem(f"is not valid JSON ({err.msg} at line {err.lineno})", str(file))]) from None
    problems: list[Problem] = []
    version = raw.get("schema_version")
    if version != SCHEMA_VERSION:
        problems.append(Problem(f"schema_version is {version!r}, expected {SCHEMA_VERSION}", str(file),
                                column="schema_version", fix=f'add "schema_version": {SCHEMA_VERSION}'))
    try:
        lots = [Lot(**lot) for lot in raw.get("lots", [])]
        awards = [Award(**award) for award in raw.get("awards", [])]
    except TypeError as err:
        raise InputError([Problem(f"a lot or award has an unexpected field ({err})", str(file),
                                  fix="lots have lot, areas, centre; awards have lot, provider, " + ", ".join(HOURS_FIELDS))]) from None
    seen: dict[str, str] = {}
    lot_ids = {lot.lot for lot in lots}
    for lot in lots:
        for area in lot.areas:
            if area not in instance.areas.index:
                problems.append(Problem(f"lot {lot.lot} names unknown area '{area}'", str(file), column="lots"))
            elif area in seen:
                problems.append(Problem(f"area {area} is in lots {seen[area]} and {lot.lot}", str(file), column="lots",
                                        fix="put every area in exactly one lot"))
            seen[area] = lot.lot
    missing = [a for a in instance.area_ids if a not in seen]
    if missing:
        problems.append(Problem(f"{len(missing)} area(s) are in no lot: {', '.join(missing[:10])}", str(file),
                                column="lots", fix="put every area in exactly one lot"))
    for award in awards:
        if award.lot not in lot_ids:
            problems.append(Problem(f"an award names unknown lot '{award.lot}'", str(file), column="awards"))
        if award.provider not in instance.providers.index:
            problems.append(Problem(f"an award names unknown provider '{award.provider}'", str(file), column="awards"))
        for name in HOURS_FIELDS:
            value = getattr(award, name)
            if value is None and name == "call_off_ceiling_hours_per_week":
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                problems.append(Problem(f"award {award.provider} in {award.lot}: {name} is {value!r}", str(file),
                                        column=f"awards.{name}", fix="give a finite number of hours, 0 or more"))
    if problems:
        raise InputError(problems)
    return Design(instance=str(raw.get("instance", instance.name)), lots=lots, awards=awards,
                  config=raw.get("config", {}), solve=raw.get("solve", {}), kpis=raw.get("kpis", {}))
