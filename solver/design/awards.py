"""The award stage: given lots, choose providers per lot and block hours, with framework, spot and
unmet hours as the recourse in each demand scenario (a two-stage stochastic MIP).

`AwardModel` holds the data and the decision skeleton (awards, block, framework, spot, unmet,
capacity, demand balance). The concerns (cost, continuity, stability, coverage) each add their own
variables, constraints and objective terms to it; `CONCERNS` lists them in the order they are
applied, and adding one needs no edit to the others.

Constraints go through `require`, which names their family and place. In elastic mode every
required constraint gets a priced slack, so an infeasible design can be explained: the slacks that
are used say which requirement fails, where, and by how much.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

import pulp

from ..instance import Instance
from .config import DesignConfig

WEEKS_PER_YEAR = 52.0
ELASTIC_PENALTY = 1e7  # per unit of slack: far above any real cost


@dataclass
class Slack:
    family: str
    where: str
    variable: pulp.LpVariable
    unit: str


@dataclass(frozen=True)
class Prices:
    """What the council pays under a design's rules, £/hour: each provider's block and framework
    rate (one rate for everyone under a single-rate design), and the spot rate."""

    block: dict[str, float]
    framework: dict[str, float]
    spot: float


def prices(instance: Instance, config: DesignConfig) -> Prices:
    single = config.awards.single_rate_gbp_per_hour
    bids = instance.providers
    block, framework = ({p: single if single is not None else float(r) for p, r in bids[column].items()}
                        for column in ("block_rate_gbp_per_hour", "framework_rate_gbp_per_hour"))
    return Prices(block, framework, instance.policy["council_rate_gbp_per_hour"] * (1 + config.volume.spot_premium))


@dataclass
class AwardModel:
    instance: Instance
    config: DesignConfig
    lots: list[list[str]]  # area ids per lot
    elastic: bool = False
    problem: pulp.LpProblem = field(init=False)
    objective: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)  # £/year by term
    slacks: list[Slack] = field(default_factory=list)
    _expected: dict[tuple[str, str], pulp.LpAffineExpression] = field(default_factory=dict)

    def __post_init__(self) -> None:
        instance, config = self.instance, self.config
        self.problem = pulp.LpProblem("awards", pulp.LpMinimize)
        self.lot_ids = [f"L{i + 1}" for i in range(len(self.lots))]
        self.scenarios = list(instance.scenarios.index)
        self.probability = instance.probabilities.to_dict()
        providers = instance.providers
        self.providers = list(providers.index)
        self.capacity = providers["max_hours_per_week"].to_dict()
        self.prices = prices(instance, config)
        demand = instance.demand
        self.demand = {(l, s): float(demand.loc[areas, s].sum()) for l, areas in zip(self.lot_ids, self.lots)
                       for s in self.scenarios}
        self.expected_demand = {l: sum(self.probability[s] * self.demand[l, s] for s in self.scenarios)
                                for l in self.lot_ids}
        self.eligible = self._eligible_pairs()
        self._skeleton()

    # -- building blocks shared by the concerns -------------------------------------------------

    def require(self, family: str, where: str, lhs: pulp.LpAffineExpression, sense: str, rhs: float | pulp.LpAffineExpression,
                unit: str = "hours/week") -> None:
        """Add lhs (<=, >=, ==) rhs; in elastic mode with a priced slack named by family and place."""
        name = f"{family}:{where}".replace(" ", "_")
        if self.elastic:
            slack = pulp.LpVariable(f"slack_{len(self.slacks)}", lowBound=0)
            self.slacks.append(Slack(family, where, slack, unit))
            if sense == "<=":
                lhs = lhs - slack
            elif sense == ">=":
                lhs = lhs + slack
            else:
                over = pulp.LpVariable(f"slack_{len(self.slacks)}", lowBound=0)
                self.slacks.append(Slack(family, where, over, unit))
                lhs = lhs + slack - over
        constraint = {"<=": lhs <= rhs, ">=": lhs >= rhs, "==": lhs == rhs}[sense]
        self.problem += constraint, f"c{len(self.problem.constraints)}_{name}"[:200]

    def add_cost(self, term: str, expression: pulp.LpAffineExpression | float) -> None:
        self.objective[term] = self.objective.get(term, 0) + expression

    def lot_volume(self, l: str, p: str, s: str) -> pulp.LpAffineExpression:
        """Hours provider p delivers in lot l in scenario s: its block plus its call-off."""
        return self.b[l, p] + (self.f[l, p, s] if (l, p, s) in self.f else 0)

    def expected_volume(self, l: str, p: str) -> pulp.LpAffineExpression:
        """Probability-weighted hours of p in lot l (built once: the concerns use it many times)."""
        if (l, p) not in self._expected:
            self._expected[l, p] = pulp.lpSum(self.probability[s] * self.lot_volume(l, p, s) for s in self.scenarios)
        return self._expected[l, p]

    def most_hours(self, l: str, p: str, s: str) -> float:
        """The most hours p could deliver in lot l in scenario s: the tightest big-M for its award."""
        return min(self.capacity[p], self.config.volume.max_provider_share_of_lot * self.demand[l, s])

    def most_block(self, l: str, p: str) -> float:
        return min(self.capacity[p], self.config.volume.block_share_max * self.expected_demand[l],
                   min(self.most_hours(l, p, s) for s in self.scenarios))

    def pairs_of_lot(self, l: str) -> list[str]:
        return [p for (lot, p) in self.eligible if lot == l]

    def lots_of_provider(self, p: str) -> list[str]:
        return [l for (l, q) in self.eligible if q == p]

    # -- the decision skeleton ------------------------------------------------------------------

    def _eligible_pairs(self) -> list[tuple[str, str]]:
        quality = self.instance.providers["quality_score"]
        return [(l, p) for l in self.lot_ids for p in self.providers if quality[p] >= self.config.awards.min_quality]

    def exclude(self, pairs: Callable[[str, str], bool]) -> None:
        """Concerns narrow the eligible pairs before the skeleton is built (see coverage)."""
        self.eligible = [(l, p) for (l, p) in self.eligible if not pairs(l, p)]

    def _skeleton(self) -> None:
        from .concerns import PRE_SKELETON

        for narrow in PRE_SKELETON:
            narrow(self)
        cfg = self.config
        self.w = {(l, p): pulp.LpVariable(f"w_{l}_{p}", cat=pulp.LpBinary) for (l, p) in self.eligible}
        self.b = {(l, p): pulp.LpVariable(f"b_{l}_{p}", lowBound=0) for (l, p) in self.eligible}
        self.f = ({(l, p, s): pulp.LpVariable(f"f_{l}_{p}_{s}", lowBound=0)
                   for (l, p) in self.eligible for s in self.scenarios} if cfg.volume.framework else {})
        self.spot = ({(l, s): pulp.LpVariable(f"spot_{l}_{s}", lowBound=0) for l in self.lot_ids for s in self.scenarios}
                     if cfg.volume.spot else {})
        self.unmet = {(l, s): pulp.LpVariable(f"unmet_{l}_{s}", lowBound=0) for l in self.lot_ids for s in self.scenarios}
        for l in self.lot_ids:
            chosen = pulp.lpSum(self.w[l, p] for p in self.pairs_of_lot(l))
            self.require("providers per lot", l, chosen, ">=", cfg.awards.providers_min, "providers")
            self.problem += chosen <= cfg.awards.providers_max, f"most_providers_{l}"
            block = pulp.lpSum(self.b[l, p] for p in self.pairs_of_lot(l))
            self.problem += block <= cfg.volume.block_share_max * self.expected_demand[l], f"block_max_{l}"
            if cfg.volume.block_share_min > 0:
                self.require("block volume", l, block, ">=", cfg.volume.block_share_min * self.expected_demand[l])
            for s in self.scenarios:
                supplied = pulp.lpSum(self.lot_volume(l, p, s) for p in self.pairs_of_lot(l))
                recourse = self.unmet[l, s] + (self.spot[l, s] if self.spot else 0)
                self.problem += supplied + recourse >= self.demand[l, s], f"demand_{l}_{s}"
        for (l, p) in self.eligible:
            self.problem += self.b[l, p] <= self.most_block(l, p) * self.w[l, p], f"block_award_{l}_{p}"
            for s in self.scenarios:
                if self.f:
                    self.problem += self.f[l, p, s] <= self.most_hours(l, p, s) * self.w[l, p], f"call_award_{l}_{p}_{s}"
                if cfg.volume.max_provider_share_of_lot < 1:
                    self.require("share of lot", f"{p} in {l} ({s})", self.lot_volume(l, p, s), "<=",
                                 cfg.volume.max_provider_share_of_lot * self.demand[l, s])
        for p in self.providers:
            lots = self.lots_of_provider(p)
            if not lots:
                continue
            self.problem += pulp.lpSum(self.w[l, p] for l in lots) <= cfg.awards.max_lots_per_provider, f"most_lots_{p}"
            for s in self.scenarios:
                self.require("capacity", f"{p} ({s})", pulp.lpSum(self.lot_volume(l, p, s) for l in lots), "<=",
                             self.capacity[p])

    # -- solving --------------------------------------------------------------------------------

    def finalise(self) -> None:
        from .concerns import CONCERNS

        for concern in CONCERNS:
            concern(self)
        total = pulp.lpSum(self.objective.values())
        if self.elastic:
            total += ELASTIC_PENALTY * pulp.lpSum(s.variable for s in self.slacks)
        self.problem += total

    def value(self, expression: pulp.LpAffineExpression | float) -> float:
        return float(pulp.value(expression)) if not isinstance(expression, (int, float)) else float(expression)

    def used_slacks(self) -> list[tuple[str, str, float, str]]:
        return [(s.family, s.where, float(s.variable.varValue or 0.0), s.unit) for s in self.slacks
                if (s.variable.varValue or 0.0) > 1e-6]

    def solution(self) -> dict:
        """Awards with their block hours and expected call-off, in plain numbers."""
        awards = []
        for (l, p), var in self.w.items():
            if (var.varValue or 0) > 0.5:
                awards.append({"lot": l, "provider": p, "block_hours_per_week": round(float(self.b[l, p].varValue or 0), 2),
                               "expected_framework_hours_per_week": round(sum(
                                   self.probability[s] * float(self.f[l, p, s].varValue or 0) for s in self.scenarios
                               ) if self.f else 0.0, 2)})
        return {"awards": awards, "objective_terms": {k: round(self.value(v), 2) for k, v in self.objective.items()}}


def group_slacks(slacks: list[tuple[str, str, float, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for family, where, amount, unit in sorted(slacks, key=lambda x: (x[0], -x[2])):
        grouped[family].append(f"{where}: short by {amount:,.1f} {unit}")
    return dict(grouped)


def lot_rural_share(instance: Instance, areas: list[str]) -> float:
    hours = instance.areas.loc[areas, "care_hours_per_week"]
    rural = hours[instance.areas.loc[areas, "rurality"] == "rural"].sum()
    return float(rural / hours.sum()) if hours.sum() > 0 else 0.0


def incumbency_by_lot(instance: Instance, lots: list[list[str]], lot_ids: list[str], column: str) -> dict[tuple[str, str], float]:
    lot_of = {a: l for l, areas in zip(lot_ids, lots) for a in areas}
    table = instance.incumbency.assign(lot=instance.incumbency["area_id"].map(lot_of))
    return {(l, p): float(v) for (l, p), v in table.groupby(["lot", "provider_id"])[column].sum().items()}

