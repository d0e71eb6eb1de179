"""What each rule of a design costs: the award stage solved again, on the design's own lots, with one
rule relaxed at a time.

For a rule the design's configuration sets, the relaxed award model is solved with the same solver
settings; its best design (its objective) and its bound (the LP relaxation of the whole model)
bracket what relaxing the rule would buy on these lots:

    saving found = design's objective − relaxed objective   (a design that exists: at least this)
    most it buys = design's objective − relaxed bound       (no award on these lots does better)

A saving inside the design's own gap is not told apart from none. Rules that shape the lots (their
count and balance) are not re-solved here: the lots are held, which the table says.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from .design.config import DesignConfig
from .design.optimise import Infeasible, solve_awards
from .design.result import Design
from .instance import Instance


@dataclass(frozen=True)
class Rule:
    name: str
    relaxed: str  # what relaxing means, in words
    applies: Callable[[DesignConfig, Design], bool]
    relax: Callable[[DesignConfig], DesignConfig]


def _set(section: str, **changes) -> Callable[[DesignConfig], DesignConfig]:
    return lambda c: replace(c, **{section: replace(getattr(c, section), **changes)})


RULES = (
    Rule("providers per lot, at least", "one provider may hold a lot",
         lambda c, d: c.awards.providers_min > 1, _set("awards", providers_min=1)),
    Rule("providers per lot, at most", "one more provider per lot", lambda c, d: True,
         lambda c: _set("awards", providers_max=c.awards.providers_max + 1)(c)),
    Rule("lots one provider may win", "one more lot per provider",
         lambda c, d: c.awards.max_lots_per_provider < len(d.lots),
         lambda c: _set("awards", max_lots_per_provider=c.awards.max_lots_per_provider + 1)(c)),
    Rule("quality floor", "any quality score may win", lambda c, d: c.awards.min_quality > 1,
         _set("awards", min_quality=1.0)),
    Rule("abnormally low bids excluded", "such bids flagged but allowed",
         lambda c, d: c.awards.abnormally_low_bids == "exclude", _set("awards", abnormally_low_bids="flag")),
    Rule("market share cap", "no cap on one provider's share",
         lambda c, d: c.stability.enabled and c.stability.max_provider_share is not None,
         _set("stability", max_provider_share=None)),
    Rule("viability guarantee", "awarded providers need not be guaranteed their viable volume",
         lambda c, d: c.stability.enabled and c.stability.enforce_min_viable, _set("stability", enforce_min_viable=False)),
    Rule("resilience headroom", "no headroom reserved for a partner's failure",
         lambda c, d: c.stability.enabled and c.stability.resilience_share > 0, _set("stability", resilience_share=0.0)),
    Rule("continuity cap", "no cap on clients forced to switch",
         lambda c, d: c.continuity.enabled and c.continuity.max_switched_share is not None,
         _set("continuity", max_switched_share=None)),
    Rule("block share floor", "no minimum block share", lambda c, d: c.volume.block_share_min > 0,
         _set("volume", block_share_min=0.0)),
    Rule("block share ceiling", "block may take any share", lambda c, d: c.volume.block_share_max < 1,
         _set("volume", block_share_max=1.0)),
    Rule("one provider's share of a lot", "no cap within a lot", lambda c, d: c.volume.max_provider_share_of_lot < 1,
         _set("volume", max_provider_share_of_lot=1.0)),
    Rule("every lot's demand met", "unmet care priced instead", lambda c, d: c.coverage.require_all_met,
         _set("coverage", require_all_met=False)),
    Rule("providers' reach", "any provider may win any lot", lambda c, d: c.coverage.max_base_distance_km is not None,
         _set("coverage", max_base_distance_km=None)),
)
HELD = ("lot count and balance", "the lots are held: relaxing them changes the lots, not re-solved here")


def rule_costs(instance: Instance, config: DesignConfig, design: Design, seconds: float,
               node_limit: int | None = None) -> pd.DataFrame:
    """One row per rule the configuration sets: what relaxing it would buy on the design's lots, £ a
    year (the saving found and the most any award could buy), with the relaxed solve's status."""
    lots = [lot.areas for lot in design.lots]
    award = design.solve.get("award_stage") or {}
    objective = award.get("objective")
    if objective is None:
        objective = design.kpis["expected_cost_gbp_per_year"]
    gap = award.get("gap") or 0.0
    rows = []
    for rule in RULES:
        if not rule.applies(config, design):
            continue
        began = time.perf_counter()
        row = {"rule": rule.name, "relaxed": rule.relaxed}
        try:
            _, report = solve_awards(instance, rule.relax(config), lots, seconds, node_limit)
        except Infeasible as infeasible:
            rows.append(row | {"status": "infeasible: " + "; ".join(infeasible.explanation)})
            continue
        found = objective - report.objective if report.objective is not None else math.nan
        most = objective - report.bound if report.bound is not None else math.nan
        rows.append(row | {"saving_found_gbp_per_year": round(max(found, 0.0), 0),
                           "most_it_buys_gbp_per_year": round(max(most, 0.0), 0),
                           "binding": found > gap * abs(objective),
                           "status": report.status, "seconds": round(time.perf_counter() - began, 1)})
    rows.append({"rule": HELD[0], "relaxed": "", "status": HELD[1]})
    return pd.DataFrame(rows).set_index("rule")
