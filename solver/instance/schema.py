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
LON_LAT_BOX = ((-9.0, 2.0), (49.0, 61.0))  # Great Britain in degrees; in British National Grid km, open sea


# Hard limits: beyond them a value is impossible (a typo or the wrong unit), not merely unusual.
MAX_HOURS_PER_WEEK = 10_000_000.0  # far more home care than any council buys, let alone one area or provider
MAX_VISITS_PER_WEEK = 4 * MAX_HOURS_PER_WEEK  # all of them 15-minute visits
MAX_PEOPLE = 20_000_000  # more than the UK's residents aged 65 and over
MAX_RATE_GBP_PER_HOUR = 1_000.0
MAX_MULTIPLIER = 100.0
MAX_COORDINATE_KM = 20_000.0  # half the Earth's circumference


@dataclass(frozen=True)
class Column:
    """A column of a table, or a field of the manifest's policy."""

    name: str
    kind: Kind
    description: str
    required: bool = True
    allowed: tuple[str, ...] = ()
    minimum: float | None = 0.0  # numbers are non-negative unless said otherwise
    maximum: float | None = None
    usual: tuple[float, float] | None = None
    """Values outside this range are possible but suspicious: a warning, not an error."""


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = True
    alternatives: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    """Groups of columns of which one complete group must be present (e.g. x/y or lat/lon)."""
    together: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    """Groups of optional columns given all or none."""
    item: str = "row"
    """What one row is, for messages: 'give at least one area'."""
    may_be_empty: bool = False
    """A header with no rows is a valid table (no provider serves the county today)."""


MIX_COLUMNS = tuple(f"visits_{m}min_share" for m in VISIT_LENGTHS_MINUTES)

AREAS = Table(
    "areas",
    "One row per small area (ward, LSOA, primary-care network).",
    (
        Column("area_id", "id", "Unique id of the area."),
        Column("name", "text", "Readable name."),
        Column("lsoa11_code", "text", "LSOA (2011) code of the area, for joining to small-area data.",
               required=False),
        Column("x_km", "number", "Easting in projected kilometres (e.g. British National Grid / 1000).",
               required=False, minimum=-MAX_COORDINATE_KM, maximum=MAX_COORDINATE_KM),
        Column("y_km", "number", "Northing in projected kilometres.", required=False,
               minimum=-MAX_COORDINATE_KM, maximum=MAX_COORDINATE_KM),
        Column("lat", "number", "Latitude of the area's centre in degrees (WGS84); projected to x_km/y_km "
               "when they are not given.",
               required=False, minimum=-90, maximum=90, usual=LON_LAT_BOX[1]),
        Column("lon", "number", "Longitude of the area's centre in degrees (WGS84); see lat.",
               required=False, minimum=-180, maximum=180, usual=LON_LAT_BOX[0]),
        Column("rurality", "category", "Rurality class.", allowed=RURALITY_CLASSES),
        Column("pop_65plus", "count", "Residents aged 65 and over.", maximum=MAX_PEOPLE, usual=(0, 100_000)),
        Column("clients", "count", "Council-funded home care clients living in the area.",
               maximum=MAX_PEOPLE, usual=(0, 5_000)),
        Column("care_hours_per_week", "number", "Contact hours of care delivered per week.",
               maximum=MAX_HOURS_PER_WEEK, usual=(0, 20_000)),
        *(Column(c, "share", f"Share of visits lasting {m} minutes (the shares sum to 1).",
                 required=False, maximum=1.0) for c, m in zip(MIX_COLUMNS, VISIT_LENGTHS_MINUTES)),
        Column("double_handed_share", "share", "Share of visits needing two carers at once.",
               required=False, maximum=1.0),
        Column("visits_per_week", "number", "Visits per week; derived from hours and the mix if absent.",
               required=False, maximum=MAX_VISITS_PER_WEEK),
    ),
    key=("area_id",),
    alternatives=(("x_km", "y_km"), ("lat", "lon")),
    together=(MIX_COLUMNS,),
    item="area",
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
    item="pair of neighbouring areas",
)

BID_COLUMNS = ("block_rate_gbp_per_hour", "framework_rate_gbp_per_hour")
PROVIDERS = Table(
    "providers",
    "One row per home care provider that could bid.",
    (
        Column("provider_id", "id", "Unique id of the provider."),
        Column("name", "text", "Readable name."),
        Column("base_area_id", "id", "Area where the provider's office is."),
        Column("current_hours_per_week", "number", "Council-funded hours it delivers now.",
               maximum=MAX_HOURS_PER_WEEK, usual=(0, 50_000)),
        Column("max_hours_per_week", "number", "Most hours per week it could deliver.",
               maximum=MAX_HOURS_PER_WEEK, usual=(0, 50_000)),
        Column("block_rate_gbp_per_hour", "number", "Bid price for guaranteed (block) hours; leave both bid "
               "columns out before the bids are in (tender design --before-bids estimates them).",
               required=False, maximum=MAX_RATE_GBP_PER_HOUR),
        Column("framework_rate_gbp_per_hour", "number", "Bid price for called-off (framework) hours.",
               required=False, maximum=MAX_RATE_GBP_PER_HOUR),
        Column("quality_score", "number", "Quality rating, CQC style: 1 inadequate, 2 requires "
               "improvement, 3 good, 4 outstanding.", minimum=1, maximum=4),
        Column("min_viable_hours_per_week", "number", "Hours per week below which it is not viable.",
               maximum=MAX_HOURS_PER_WEEK),
    ),
    key=("provider_id",),
    item="provider",
    together=(BID_COLUMNS,),
)

INCUMBENCY = Table(
    "incumbency",
    "Who serves whom today: one row per provider and area it currently serves.",
    (
        Column("provider_id", "id", "The provider."),
        Column("area_id", "id", "The area."),
        Column("clients", "count", "Clients of this provider in this area.", maximum=MAX_PEOPLE),
        Column("hours_per_week", "number", "Hours per week it delivers in this area.", maximum=MAX_HOURS_PER_WEEK),
    ),
    key=("provider_id", "area_id"),
    item="provider and area it serves now",
    may_be_empty=True,
)

SCENARIOS = Table(
    "scenarios",
    "Demand scenarios: each multiplies every area's hours by its rurality class's multiplier.",
    (
        Column("scenario", "id", "Scenario name (e.g. base, growth, winter_surge, reablement)."),
        Column("probability", "share", "Probability; the column sums to 1.", maximum=1.0),
        *(Column(f"multiplier_{c}", "number", f"Demand multiplier for {c} areas.", maximum=MAX_MULTIPLIER,
                 usual=(0.5, 2)) for c in RURALITY_CLASSES),
        Column("description", "text", "What the scenario represents.", required=False),
    ),
    key=("scenario",),
    item="scenario",
)

SCENARIO_AREA_MULTIPLIERS = Table(
    "scenario_area_multipliers",
    "Optional per-area multipliers; they replace the class multiplier for that scenario and area.",
    (
        Column("scenario", "id", "Scenario name, from the scenarios table."),
        Column("area_id", "id", "Area id, from the areas table."),
        Column("multiplier", "number", "Demand multiplier for this area in this scenario.",
               maximum=MAX_MULTIPLIER, usual=(0.5, 2)),
    ),
    key=("scenario", "area_id"),
    required=False,
    item="scenario and area multiplier",
)

TABLES: tuple[Table, ...] = (AREAS, ADJACENCY, PROVIDERS, INCUMBENCY, SCENARIOS, SCENARIO_AREA_MULTIPLIERS)


POLICY_FIELDS: tuple[Column, ...] = (
    Column("year", "count", "Financial year the tender starts (e.g. 2025 for 2025-26).", minimum=1990,
           maximum=2100),
    Column("national_living_wage_gbp_per_hour", "number", "National Living Wage (21 and over).", minimum=1,
           maximum=100, usual=(5, 25)),
    Column("mileage_rate_gbp_per_mile", "number", "Mileage paid to carers per mile.", maximum=10, usual=(0, 1.5)),
    Column("payment_basis", "category", "How the council pays providers today.", allowed=PAYMENT_BASES),
    Column("council_rate_gbp_per_hour", "number", "The council's current hourly rate.", minimum=1,
           maximum=MAX_RATE_GBP_PER_HOUR, usual=(10, 60)),
    Column("budget_gbp_per_year", "number", "Annual budget for home care.", required=False, maximum=1e11),
)
