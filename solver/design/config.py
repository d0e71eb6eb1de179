"""Contract-design configurations: the rules of a tender design, read from YAML.

Every key has a default (the `balanced` design); a configuration file overrides what it names. Each
key's type and range are declared once, on its field (`Annotated` constraints read by pydantic), and
every configuration, whether read from a file, recorded in a design file or changed on the command
line, is checked against them and against the relations between keys (`_relations`): an unknown
key, a wrong type, a share written as a percentage, NaN or infinity is an error naming the file and
key. `schema()` is the JSON Schema editors use (`configs/schema.json`).
"""


from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import ConfigDict, Field, StrictBool, StrictStr, TypeAdapter, ValidationError, with_config

from ..instance.problems import InputError, Problem, close_match

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)
SEED_MAX = 2**31 - 1  # HiGHS's largest random seed
SOLVER_OPTIONS = {"name": "--solver", "time_limit": "--time-limit", "gap": "--gap", "seed": "--seed",
                  "node_limit": "--node-limit"}  # solver settings as the command line names them


def _number(description: str, **bounds: float) -> Any:
    return Annotated[float, Field(strict=True, description=description, **bounds)]


def _count(description: str, minimum: int = 1) -> Any:
    return Annotated[int, Field(strict=True, ge=minimum, description=description)]


def _share(description: str) -> Any:
    return _number(description, ge=0, le=1)


def _flag(description: str) -> Any:
    return Annotated[StrictBool, Field(description=description)]


@with_config(_STRICT)
@dataclass(frozen=True)
class Lots:
    count_min: _count("fewest lots") = 4
    count_max: _count("most lots (at most the number of areas is used)") = 10
    balance_tolerance: _share("every lot's volume within ±this share of the mean; null: use volume_min and "
                              "volume_max") | None = 0.25
    volume_min: _number("hours/week a lot holds at least (when balance_tolerance is null)", ge=0) | None = None
    volume_max: _number("hours/week a lot holds at most (when balance_tolerance is null)", gt=0) | None = None
    contiguous: _flag("lots contiguous on the areas' adjacency") = True
    candidate_centres: _count("areas that may be a lot's centre, spread over the county; null: all") | None = 40


@with_config(_STRICT)
@dataclass(frozen=True)
class Awards:
    providers_min: _count("providers per lot, at least") = 1
    providers_max: _count("providers per lot, at most") = 3
    max_lots_per_provider: _count("lots one provider may win") = 3
    min_quality: _number("lowest CQC-style score awarded (1 inadequate, 2 requires improvement, 3 good, "
                         "4 outstanding)", ge=1, le=4) = 2.0
    quality_weight: _number("£/hour off a bid per quality point above 3 (Essex-style evaluation)",
                            ge=0, le=20) = 0.0
    single_rate_gbp_per_hour: _number("one rate for every provider (Bracknell); null: each provider's bids",
                                      gt=0, le=200) | None = None
    abnormally_low_bids: Annotated[Literal["flag", "exclude"], Field(
        description="bids below the direct cost of minimum-wage care in a lot, even at the least travel the rules "
                    "allow: flag them, or exclude them from that lot")] = "flag"


@with_config(_STRICT)
@dataclass(frozen=True)
class Volume:
    block_share_min: _share("block hours in a lot, at least this share of its base-scenario demand") = 0.0
    block_share_max: _share("block hours in a lot, at most this share of its base-scenario demand") = 0.8
    max_provider_share_of_lot: _number("one provider's share of a lot, at most (Norfolk principal "
                                       "provider: 0.7)", gt=0, le=1) = 1.0
    framework: _flag("call-off from the lot's providers at their framework rate") = True
    spot: _flag("the residual market allowed as recourse (not for must-accept sole providers)") = True
    spot_premium: _number("a residual-market hour costs the provider's framework bid × (1 + premium); "
                          "0.25 is 25%", ge=0, le=5) = 0.25
    residual_reach_km: _number("a provider sells residual-market hours only this far from its base",
                               ge=0, le=1000) = 25.0
    # Care that cannot be placed, valued at about five times the council rate: the council still owes
    # it (Care Act 2014), and buys it as hospital or residential bed days or emergency placements.
    unmet_penalty_gbp_per_hour: _number("value of an hour of care that cannot be placed", ge=0,
                                        le=10_000) = 120.0


@with_config(_STRICT)
@dataclass(frozen=True)
class Cost:
    contract_fixed_gbp_per_year: _number("procurement and monitoring per contract let", ge=0) = 30_000.0
    rural_uplift: _number("share paid on top for rural hours, e.g. 0.13 (Norfolk 2018-19 band)",
                          ge=0, le=1) = 0.0
    travel_cost_weight: _number("weight on carers' travel cost (solver/travel.py)", ge=0, le=10) = 1.0


@with_config(_STRICT)
@dataclass(frozen=True)
class Continuity:
    enabled: _flag("value clients kept with their carers") = True
    penalty_gbp_per_switched_client: _number("a forced hand-over's cost, per year of contract", ge=0) = 1_500.0
    max_switched_share: _share("cap on clients forced to switch, share of all clients; null: no cap") | None = None


@with_config(_STRICT)
@dataclass(frozen=True)
class Stability:
    enabled: _flag("market-stability rules on") = True
    max_provider_share: _number("one provider's share of all hours, at most, in every scenario",
                                gt=0, le=1) | None = 0.5
    enforce_min_viable: _flag("every awarded provider guaranteed its viable volume") = True
    resilience_share: _share("partners' reserved headroom, as a share of each award's block and ceiling") = 0.3
    exit_rate: _share("awarded providers failing a year: 1 in 6 (2014-16) to 1 in 10 (2017), domain.md §3") = 0.13


@with_config(_STRICT)
@dataclass(frozen=True)
class Coverage:
    require_all_met: _flag("every lot's demand met in every scenario (else unmet care is priced)") = False
    min_non_rural_share: _share("hours in urban or town areas per lot, at least this share") = 0.0
    max_base_distance_km: _number("from an awarded provider's base to any area of its lot",
                                  gt=0) | None = None


@with_config(_STRICT)
@dataclass(frozen=True)
class SolverSettings:
    name: Literal["highs", "cbc"] = "highs"
    time_limit: _number("seconds in all: a cap; counted work decides, so a run is reproducible",
                        gt=0) = 1200.0
    gap: _number("relative gap at which a solve stops, 0.01 is 1%", ge=0, lt=1) = 0.01
    seed: Annotated[int, Field(strict=True, ge=0, le=SEED_MAX, description="solver and heuristic seed")] = 0
    lot_share_of_time: _number("share of the time limit given to the lot stage", gt=0, lt=1) = 0.6
    node_limit: _count("branch-and-bound nodes of the final award solve: a deterministic limit (the time "
                       "limit stays a cap); null: by model size (optimise.node_budget, 10-500)") | None = None


@with_config(_STRICT)
@dataclass(frozen=True)
class DesignConfig:
    name: StrictStr = "balanced"
    description: StrictStr = ""
    lots: Lots = field(default_factory=Lots)
    awards: Awards = field(default_factory=Awards)
    volume: Volume = field(default_factory=Volume)
    cost: Cost = field(default_factory=Cost)
    continuity: Continuity = field(default_factory=Continuity)
    stability: Stability = field(default_factory=Stability)
    coverage: Coverage = field(default_factory=Coverage)
    solver: SolverSettings = field(default_factory=SolverSettings)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_ADAPTER = TypeAdapter(DesignConfig)


def schema() -> dict[str, Any]:
    """The JSON Schema of a configuration file (what `configs/schema.json` holds)."""
    return _ADAPTER.json_schema()


def load_config(path: str | Path | None) -> DesignConfig:
    if path is None:
        return DesignConfig()
    file = Path(path)
    if not file.is_file():
        raise InputError([Problem("configuration file does not exist", str(file), fix="check the path")])
    try:
        raw = yaml.safe_load(file.read_text()) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise InputError([Problem(f"is not valid YAML ({err})", str(file))]) from None
    if not isinstance(raw, dict):
        raise InputError([Problem("must be a mapping of settings", str(file),
                                  fix="write one 'key: value' per line, sections as in configs/balanced.yaml")])
    return _validated({"name": file.stem, **raw}, str(file))


def config_from_dict(raw: dict[str, Any], source: str) -> DesignConfig:
    """A configuration recorded in a design file (`Design.config`), checked like a YAML file."""
    if not isinstance(raw, dict):
        raise InputError([Problem("'config' must be a mapping of settings", source, key="config")])
    return _validated(raw, f"{source} (config)")


def with_solver(config: DesignConfig, source: str, keys: dict[str, str] | None = None,
                **changes: Any) -> DesignConfig:
    """`config` with solver settings changed (e.g. from the command line), checked; `keys` names a
    setting as its source knows it (e.g. {"solver.time_limit": "--time-limit"})."""
    return _validated(replace(config, solver=replace(config.solver, **changes)).to_dict(), source, keys or {})


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


def instance_problems(config: DesignConfig, n_areas: int, n_providers: int, source: str) -> list[Problem]:
    """Rules the instance cannot hold whatever the design: more lots than areas, more providers per
    lot than there are providers, fewer candidate centres than lots."""
    problems = []
    if config.lots.count_min > n_areas:
        problems.append(Problem(f"is {config.lots.count_min} but the instance has {n_areas} areas",
                                source, key="lots.count_min", fix=f"ask for at most {n_areas} lots"))
    centres = config.lots.candidate_centres
    if centres is not None and centres < min(config.lots.count_min, n_areas):
        problems.append(Problem(f"is {centres}, fewer than the {config.lots.count_min} lots asked for", source, key="lots.candidate_centres",
                                fix="give at least lots.count_min candidate centres, or null for all areas"))
    if config.awards.providers_min > n_providers:
        problems.append(Problem(f"is {config.awards.providers_min} but the instance has {n_providers} providers", source, key="awards.providers_min",
                                fix=f"ask for at most {n_providers} providers per lot"))
    return problems


def _validated(raw: dict[str, Any], source: str, keys: dict[str, str] | None = None) -> DesignConfig:
    try:
        config = _ADAPTER.validate_python(raw)
    except ValidationError as error:
        raise InputError([_problem(e, source, keys or {}) for e in error.errors()]) from None
    problems = _relations(config, source)
    if problems:
        raise InputError(problems)
    return config


def _problem(error: dict[str, Any], source: str, keys: dict[str, str]) -> Problem:
    """One pydantic error as a Problem naming the key, the value and what to give instead."""
    where = ".".join(str(part) for part in error["loc"])
    key = keys.get(where, where)
    value, kind, bounds = error.get("input"), error["type"], error.get("ctx") or {}
    if kind == "unexpected_keyword_argument":
        section, _, name = where.rpartition(".")
        known = _known_keys(section)
        close = close_match(name, known)
        return Problem("is not a known key", source, key=key,
                       fix=f"did you mean '{close}'?" if close else f"known keys here: {', '.join(known)}")
    if kind == "dataclass_type":
        return Problem(f"must be a mapping of settings, not {value!r}", source, key=key)
    share = kind in ("less_than_equal", "less_than") and bounds.get("le", bounds.get("lt")) == 1
    return Problem(f"is {value!r}, but {error['msg'].replace('Input should', 'it should')}", source, key=key,
                   fix="shares are written 0-1: 80% is 0.8" if share else None)


def _known_keys(section: str) -> list[str]:
    target: Any = DesignConfig()
    for part in filter(None, section.split(".")):
        target = getattr(target, part, None)
    return [f.name for f in fields(target)] if is_dataclass(target) else []


def _relations(config: DesignConfig, file: str) -> list[Problem]:
    """Relations between keys that each key's own range cannot state."""
    lots, awards, volume = config.lots, config.awards, config.volume
    problems = []
    if lots.count_min > lots.count_max:
        problems.append(Problem(f"lots.count_min {lots.count_min} exceeds count_max {lots.count_max}", file,
                                key="lots.count_min", fix="make count_min at most count_max"))
    if lots.volume_min is not None and lots.volume_max is not None and lots.volume_min > lots.volume_max:
        problems.append(Problem(f"lots.volume_min {lots.volume_min:g} exceeds volume_max {lots.volume_max:g}",
                                file, key="lots.volume_min", fix="make volume_min at most volume_max"))
    if awards.providers_min > awards.providers_max:
        problems.append(Problem(f"awards.providers_min {awards.providers_min} exceeds providers_max "
                                f"{awards.providers_max}", file, key="awards.providers_min",
                                fix="make providers_min at most providers_max"))
    if volume.block_share_min > volume.block_share_max:
        problems.append(Problem(f"volume.block_share_min {volume.block_share_min:g} exceeds block_share_max "
                                f"{volume.block_share_max:g}", file, key="volume.block_share_min",
                                fix="make block_share_min at most block_share_max"))
    if config.stability.resilience_share > 0 and awards.providers_max < 2:
        problems.append(Problem("stability.resilience_share needs lots with partners to hold headroom, but "
                                "awards.providers_max is 1", file, key="stability.resilience_share",
                                fix="set resilience_share to 0 or allow 2 or more providers per lot"))
    return problems
