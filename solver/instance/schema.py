"""The instance format: which tables an instance has and what each column holds.

This module is the single source of truth for the format; `docs/instance-format.md` explains it
for people preparing their own files. Units are in the column names: `_km`, `_hours_per_week`,
`_gbp_per_hour`, `_share` (a fraction between 0 and 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["id", "text", "number", "count", "share", "category"]

RURALITY_CLASSES = ("urban", "town", "rural")
PAYMENT_BASES = ("per_minute_contact", "banded_15_minutes", "per_hour_including_travel", "salaried_block")
VISIT_LENGTHS_MINUTES = (15, 30, 45, 60)
DEFAULT_VISIT_MIX = {15: 0.10, 30: 0.65, 45: 0.15, 60: 0.10}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    description: str
    required: bool = True
    allowed: tuple[str, ...] = ()
    minimum: float | None = 0.0  # numbers are non-negative unless said otherwise
    maximum: float | None = None


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = True
    alternatives: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    """Groups of columns of which one complete group must be present (e.g. x/y or lat/lon)."""


MIX_COLUMNS = tuple(f"visits_{m}min_share" for m in VISIT_LENGTHS_MINUTES)

AREAS = Table(
    "areas",
    "One row per small area (ward, LSOA, primary-care network).",
    (
        Column("area_id", "id", "Unique id of the area."),
        Column("name", "text", "Readable name."),
        Column("x_km", "number", "Easting in projected kilometres (e.g. British National Grid / 1000).",
               required=False, minimum=None),
        Column("y_km", "number", "Northing in projected kilometres.", required=False, minimum=None),
        Column("lat", "number", "Latitude in degrees (WGS84), if x_km/y_km are not given.",
               required=False, minimum=-90, maximum=90),
        Column("lon", "number", "Longitude in degrees (WGS84), if x_km/y_km are not given.",
               required=False, minimum=-180, maximum=180),
        Column("rurality", "category", "Rurality class.", allowed=RURALITY_CLASSES),
        Column("pop_65plus", "count", "Residents aged 65 and over."),
        Column("clients", "count", "Council-funded home care clients living in the area."),
        Column("care_hours_per_week", "number", "Contact hours of care delivered per week."),
        *(Column(c, "share", f"Share of visits lasting {m} minutes (the shares sum to 1).",
                 required=False, maximum=1.0) for c, m in zip(MIX_COLUMNS, VISIT_LENGTHS_MINUTES)),
        Column("double_handed_share", "share", "Share of visits needing two carers at once.",
               required=False, maximum=1.0),
        Column("visits_per_week", "number", "Visits per week; derived from hours and the mix if absent.",
               required=False),
    ),
    key=("area_id",),
    alternatives=(("x_km", "y_km"), ("lat", "lon")),
)

ADJACENCY = Table(
    "adjacency",
    "Pairs of areas that share a border. Optional: when absent it is derived from the area points.",
    (
        Column("area_a", "id", "One area of the pair."),
        Column("area_b", "id", "The other area of the pair."),
    ),
    key=("area_a", "area_b"),
    required=False,
)

PROVIDERS = Table(
    "providers",
    "One row per home care provider that could bid.",
    (
        Column("provider_id", "id", "Unique id of the provider."),
        Column("name", "text", "Readable name."),
        Column("base_area_id", "id", "Area where the provider's office is."),
        Column("current_hours_per_week", "number", "Council-funded hours it delivers now."),
        Column("max_hours_per_week", "number", "Most hours per week it could deliver."),
        Column("block_rate_gbp_per_hour", "number", "Bid price for guaranteed (block) hours."),
        Column("framework_rate_gbp_per_hour", "number", "Bid price for called-off (framework) hours."),
        Column("quality_score", "number", "Quality rating, CQC style: 1 inadequate, 2 requires "
               "improvement, 3 good, 4 outstanding.", minimum=1, maximum=4),
        Column("min_viable_hours_per_week", "number", "Hours per week below which it is not viable."),
    ),
    key=("provider_id",),
)

INCUMBENCY = Table(
    "incumbency",
    "Who serves whom today: one row per provider and area it currently serves.",
    (
        Column("provider_id", "id", "The provider."),
        Column("area_id", "id", "The area."),
        Column("clients", "count", "Clients of this provider in this area."),
        Column("hours_per_week", "number", "Hours per week it delivers in this area."),
    ),
    key=("provider_id", "area_id"),
)

SCENARIOS = Table(
    "scenarios",
    "Demand scenarios: each multiplies every area's hours by its rurality class's multiplier.",
    (
        Column("scenario", "id", "Scenario name (e.g. base, growth, winter_surge, reablement)."),
        Column("probability", "share", "Probability; the column sums to 1.", maximum=1.0),
        Column("multiplier_urban", "number", "Demand multiplier for urban areas."),
        Column("multiplier_town", "number", "Demand multiplier for town areas."),
        Column("multiplier_rural", "number", "Demand multiplier for rural areas."),
        Column("description", "text", "What the scenario represents.", required=False),
    ),
    key=("scenario",),
)

SCENARIO_AREA_MULTIPLIERS = Table(
    "scenario_area_multipliers",
    "Optional per-area multipliers; they replace the class multiplier for that scenario and area.",
    (
        Column("scenario", "id", "Scenario name, from the scenarios table."),
        Column("area_id", "id", "Area id, from the areas table."),
        Column("multiplier", "number", "Demand multiplier for this area in this scenario."),
    ),
    key=("scenario", "area_id"),
    required=False,
)

TABLES: tuple[Table, ...] = (AREAS, ADJACENCY, PROVIDERS, INCUMBENCY, SCENARIOS, SCENARIO_AREA_MULTIPLIERS)


@dataclass(frozen=True)
class PolicyField:
    name: str
    kind: Literal["count", "number", "category"]
    description: str
    required: bool = True
    allowed: tuple[str, ...] = ()


POLICY_FIELDS: tuple[PolicyField, ...] = (
    PolicyField("year", "count", "Financial year the tender starts (e.g. 2025 for 2025-26)."),
    PolicyField("national_living_wage_gbp_per_hour", "number", "National Living Wage (21 and over)."),
    PolicyField("mileage_rate_gbp_per_mile", "number", "Mileage paid to carers per mile."),
    PolicyField("payment_basis", "category", "How the council pays providers today.",
                allowed=PAYMENT_BASES),
    PolicyField("council_rate_gbp_per_hour", "number", "The council's current hourly rate."),
    PolicyField("budget_gbp_per_year", "number", "Annual budget for home care.", required=False),
)
