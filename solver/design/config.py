"""Contract-design configurations: the rules of a tender design, read from YAML.

Every key has a default (the `balanced` design); a configuration file overrides what it names.
Unknown keys and wrong types are errors that name the file and key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, get_type_hints

import yaml

from ..instance.problems import InputError, Problem


@dataclass(frozen=True)
class Lots:
    count_min: int = 4
    count_max: int = 10
    balance_tolerance: float | None = 0.25  # lot volume within ±this share of the mean
    volume_min: float | None = None  # hours/week; used when balance_tolerance is null
    volume_max: float | None = None
    contiguous: bool = True
    candidate_centres: int | None = 40  # areas that may be a lot's centre, spread over the county (None: all)


@dataclass(frozen=True)
class Awards:
    providers_min: int = 1  # providers per lot
    providers_max: int = 3
    max_lots_per_provider: int = 3
    min_quality: float = 2.0  # CQC-style score: 2 = requires improvement
    quality_weight: float = 0.0  # £/hour off a bid per quality point above 3 (Essex-style evaluation)
    single_rate_gbp_per_hour: float | None = None  # Bracknell: one rate for every provider


@dataclass(frozen=True)
class Volume:
    block_share_min: float = 0.0  # block hours in a lot, as a share of its base-scenario demand
    block_share_max: float = 0.8
    max_provider_share_of_lot: float = 1.0  # e.g. Norfolk principal provider: 0.7
    framework: bool = True  # call-off from the lot's providers at their framework rate
    spot: bool = True  # the residual market allowed as recourse (not for must-accept sole providers)
    spot_premium: float = 0.25  # a residual-market hour costs the provider's framework bid × (1 + premium)
    residual_reach_km: float = 25.0  # a provider sells residual-market hours only this far from its base
    # Care that cannot be placed, valued at about five times the council rate: the council still owes
    # it (Care Act 2014), and buys it as hospital or residential bed days or emergency placements.
    unmet_penalty_gbp_per_hour: float = 120.0


@dataclass(frozen=True)
class Cost:
    contract_fixed_gbp_per_year: float = 30_000.0  # procurement and monitoring per contract let
    rural_uplift: float = 0.0  # paid on rural hours, e.g. 0.13 (Norfolk 2018-19 band)
    travel_cost_weight: float = 1.0  # weight on carers' travel cost (solver/travel.py; >1 towards published figures)


@dataclass(frozen=True)
class Continuity:
    enabled: bool = True
    penalty_gbp_per_switched_client: float = 1_500.0  # a one-off cost of a forced hand-over, per year of contract
    max_switched_share: float | None = None  # cap on clients forced to switch, share of all clients


@dataclass(frozen=True)
class Stability:
    enabled: bool = True
    max_provider_share: float | None = 0.5  # of all hours, in every scenario
    enforce_min_viable: bool = True
    resilience_share: float = 0.3  # partners' reserved headroom, as a share of each award's block and ceiling
    exit_rate: float = 0.13  # awarded providers failing a year: 1 in 6 (2014-16) to 1 in 10 (2017), domain.md §3


@dataclass(frozen=True)
class Coverage:
    require_all_met: bool = False  # every lot's demand met in every scenario (else unmet is priced)
    min_non_rural_share: float = 0.0  # hours in urban/town areas per lot, at least this share
    max_base_distance_km: float | None = None  # from an awarded provider's base to any area of its lot


@dataclass(frozen=True)
class SolverSettings:
    name: str = "highs"
    time_limit: float = 1200.0  # seconds in all: a cap; counted work decides, so a run is reproducible
    gap: float = 0.01
    seed: int = 0
    lot_share_of_time: float = 0.6  # share of the time limit given to the lot stage
    # branch-and-bound nodes of the final award solve: a deterministic limit (the time limit stays a
    # cap; the award stage's `stopped_by` says which one ended the search). None: by model size
    # (optimise.node_budget, 10-500 nodes)
    node_limit: int | None = None


@dataclass(frozen=True)
class DesignConfig:
    name: str = "balanced"
    description: str = ""
    lots: Lots = field(default_factory=Lots)
    awards: Awards = field(default_factory=Awards)
    volume: Volume = field(default_factory=Volume)
    cost: Cost = field(default_factory=Cost)
    continuity: Continuity = field(default_factory=Continuity)
    stability: Stability = field(default_factory=Stability)
    coverage: Coverage = field(default_factory=Coverage)
    solver: SolverSettings = field(default_factory=SolverSettings)

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


def _as_dict(value: Any) -> Any:
    if is_dataclass(value):
        return {f.name: _as_dict(getattr(value, f.name)) for f in fields(value)}
    return value


def _coerce(value: Any, hint: Any, where: str, file: str, problems: list[Problem]) -> Any:
    text = str(hint)
    allows_none = "None" in text
    if value is None:
        if not allows_none:
            problems.append(Problem(f"'{where}' may not be empty", file, column=where, fix="give a value"))
        return value
    if "bool" in text:
        if not isinstance(value, bool):
            problems.append(Problem(f"'{where}' must be true or false, not {value!r}", file, column=where))
        return value
    if "int" in text and "float" not in text:
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(Problem(f"'{where}' must be a whole number, not {value!r}", file, column=where))
        return value
    if "float" in text:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            problems.append(Problem(f"'{where}' must be a non-negative number, not {value!r}", file, column=where))
            return value
        return float(value)
    if not isinstance(value, str):
        problems.append(Problem(f"'{where}' must be text, not {value!r}", file, column=where))
    return value


def _merge(base: Any, raw: dict[str, Any], prefix: str, file: str, problems: list[Problem]) -> Any:
    hints = get_type_hints(type(base))
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"{prefix}{key}"
        if key not in hints:
            problems.append(Problem(f"unknown key '{where}'", file, column=where,
                                    fix=f"known keys here: {', '.join(hints)}"))
            continue
        current = getattr(base, key)
        if is_dataclass(current):
            if not isinstance(value, dict):
                problems.append(Problem(f"'{where}' must be a mapping", file, column=where))
                continue
            changes[key] = _merge(current, value, f"{where}.", file, problems)
        else:
            changes[key] = _coerce(value, hints[key], where, file, problems)
    return replace(base, **changes)


def load_config(path: str | Path | None) -> DesignConfig:
    if path is None:
        return DesignConfig()
    file = Path(path)
    if not file.exists():
        raise InputError([Problem("configuration file does not exist", str(file), fix="check the path")])
    try:
        raw = yaml.safe_load(file.read_text()) or {}
    except yaml.YAMLError as err:
        raise InputError([Problem(f"is not valid YAML ({err})", str(file))]) from None
    if not isinstance(raw, dict):
        raise InputError([Problem("must be a mapping of settings", str(file))])
    problems: list[Problem] = []
    config = _merge(DesignConfig(name=file.stem), raw, "", str(file), problems)
    if not problems:
        problems += _check(config, str(file))
    if problems:
        raise InputError(problems)
    return config


def with_valuation(config: DesignConfig, reference: DesignConfig) -> DesignConfig:
    """`config`'s contract rules with `reference`'s valuations (unmet care, hand-overs, carers'
    travel, provider failures, quality credit), so designs made under different rules are ranked
    by the same values."""
    return replace(
        config,
        volume=replace(config.volume, unmet_penalty_gbp_per_hour=reference.volume.unmet_penalty_gbp_per_hour),
        continuity=replace(config.continuity, enabled=reference.continuity.enabled,
                           penalty_gbp_per_switched_client=reference.continuity.penalty_gbp_per_switched_client),
        cost=replace(config.cost, travel_cost_weight=reference.cost.travel_cost_weight),
        stability=replace(config.stability, exit_rate=reference.stability.exit_rate),
        awards=replace(config.awards, quality_weight=reference.awards.quality_weight))


def config_from_dict(raw: dict[str, Any], source: str) -> DesignConfig:
    """A configuration recorded in a design file (`Design.config`), checked like a YAML file."""
    problems: list[Problem] = []
    config = _merge(DesignConfig(), raw, "", f"{source} (config)", problems)
    problems += [] if problems else _check(config, f"{source} (config)")
    if problems:
        raise InputError(problems)
    return config


def check_config(config: DesignConfig, source: str) -> DesignConfig:
    """`config` if its rules hold together (e.g. after command-line overrides), else InputError."""
    problems = _check(config, source)
    if problems:
        raise InputError(problems)
    return config


def _check(config: DesignConfig, file: str) -> list[Problem]:
    problems = []
    if not 1 <= config.lots.count_min <= config.lots.count_max:
        problems.append(Problem(f"lots.count_min {config.lots.count_min} and count_max {config.lots.count_max} "
                                "must satisfy 1 <= min <= max", file, column="lots.count_min"))
    if not 1 <= config.awards.providers_min <= config.awards.providers_max:
        problems.append(Problem("awards.providers_min must be at least 1 and at most providers_max", file,
                                column="awards.providers_min"))
    if config.volume.block_share_min > config.volume.block_share_max:
        problems.append(Problem("volume.block_share_min exceeds block_share_max", file, column="volume.block_share_min"))
    if config.stability.exit_rate > 1:
        problems.append(Problem(f"stability.exit_rate {config.stability.exit_rate:g} is not a probability", file,
                                column="stability.exit_rate", fix="give the chance a provider fails in a year, 0-1 "
                                "(0.10-0.17 observed)"))
    if config.solver.node_limit is not None and config.solver.node_limit < 1:
        problems.append(Problem(f"solver.node_limit {config.solver.node_limit} is below 1", file,
                                column="solver.node_limit", fix="give at least 1 node, or leave it out"))
    if config.stability.resilience_share > 0 and config.awards.providers_max < 2:
        problems.append(Problem("stability.resilience_share needs lots with partners to hold headroom, but "
                                "awards.providers_max is 1", file, column="stability.resilience_share",
                                fix="set resilience_share to 0 or allow 2 or more providers per lot"))
    if config.solver.name not in ("highs", "cbc"):
        problems.append(Problem(f"unknown solver '{config.solver.name}'", file, column="solver.name",
                                fix="use highs or cbc"))
    return problems
