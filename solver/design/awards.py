"""The award stage: given lots, choose providers per lot and each award's contract terms (block,
call-off floor and ceiling, reserved headroom), with the recourse of `contract` in every demand
scenario and in the failure of every awarded provider (a two-stage stochastic MIP).

The recourse is the linear programme whose least-cost solution is `contract.dispatch`: per lot,
blocks and floors first, then call-off within ceilings and the residual market within its lot
share, then unmet. No rule touches a recourse variable except through the lot's demand, its
sources' rooms and their prices, so for any awards the model's recourse is the evaluation's
dispatch; every rule a concern adds is on the contract terms.

`AwardModel` holds the data and this skeleton. The concerns (cost, continuity, stability,
coverage) each add their own variables, constraints and objective terms; `CONCERNS` lists them in
the order they are applied, and adding one needs no edit to the others.

Constraints go through `require`, which names their family and place. In elastic mode every
required constraint gets a priced slack, so an infeasible design can be explained: the slacks that
are used say which requirement fails, where, and by how much.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

import pulp

from ..care_cost import lowest_direct_costs
from ..instance import Instance
from .config import DesignConfig
from .contract import Market, build_market
from .mip import fixed as held

ELASTIC_PENALTY = 1e7  # per unit of slack: far above any real cost
# each award's contract terms: the model's variable group and the Award field
AWARD_TERMS = {"b": "block_hours_per_week", "fl": "call_off_floor_hours_per_week",
               "c": "call_off_ceiling_hours_per_week", "h": "reserved_headroom_hours_per_week"}


@dataclass
class Slack:
    family: str
    where: str
    variable: pulp.LpVariable
    unit: str


@dataclass
class AwardModel:
    instance: Instance
    config: DesignConfig
    lots: list[list[str]]  # area ids per lot
    elastic: bool = False
    problem: pulp.LpProblem = field(init=False)
    objective: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)  # £/year by term
    slacks: list[Slack] = field(default_factory=list)
    lot_of: dict[str, str] = field(default_factory=dict)  # variable name -> the lot it belongs to

    def __post_init__(self) -> None:
        self.problem = pulp.LpProblem("awards", pulp.LpMinimize)
        self.market: Market = build_market(self.instance, self.config, self.lots)
        market = self.market
        self.lot_ids = market.lot_ids
        self.scenarios = market.scenarios
        self.probability = dict(zip(market.scenarios, market.probability))
        self.providers = market.providers
        self.lot_index = {l: i for i, l in enumerate(self.lot_ids)}
        self.provider_index = {p: i for i, p in enumerate(self.providers)}
        self.capacity = dict(zip(self.providers, market.capacity))
        self.demand = {(l, s): float(market.demand[i, j]) for i, l in enumerate(self.lot_ids)
                       for j, s in enumerate(self.scenarios)}
        self.expected_demand = {l: sum(self.probability[s] * self.demand[l, s] for s in self.scenarios)
                                for l in self.lot_ids}
        self.lowest_demand = {l: min(self.demand[l, s] for s in self.scenarios) for l in self.lot_ids}
        self.eligible = self._eligible_pairs()
        self._skeleton()

    # -- building blocks shared by the concerns -------------------------------------------------

    def variable(self, name: str, lot: str | None, **kwargs) -> pulp.LpVariable:
        """A model variable, recorded with the lot it belongs to (None: one that spans lots, such as a
        provider's); `by_lot` splits the model along these."""
        if lot is not None:
            self.lot_of[name] = lot
        return pulp.LpVariable(name, **kwargs)

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

    def guaranteed(self, l: str, p: str) -> pulp.LpAffineExpression:
        """Hours p is sure of in lot l: its block and its call-off floor."""
        return self.b[l, p] + (self.fl[l, p] if self.fl else 0)

    def contracted(self, l: str, p: str) -> pulp.LpAffineExpression:
        """The most hours p may deliver in lot l outside a failure: block and call-off ceiling."""
        return self.b[l, p] + (self.c[l, p] if self.c else 0)

    def most_hours(self, l: str, p: str) -> float:
        """The most hours p could deliver in lot l in any scenario: the tightest big-M for its award."""
        return min(self.capacity[p], self.config.volume.max_provider_share_of_lot * max(
            self.demand[l, s] for s in self.scenarios))

    def most_block(self, l: str, p: str) -> float:
        return min(self.capacity[p], self.config.volume.block_share_max * self.expected_demand[l],
                   self.config.volume.max_provider_share_of_lot * self.lowest_demand[l])

    def pairs_of_lot(self, l: str) -> list[str]:
        return [p for (lot, p) in self.eligible if lot == l]

    def lots_of_provider(self, p: str) -> list[str]:
        return [l for (l, q) in self.eligible if q == p]

    def prices(self, l: str, p: str) -> tuple[float, float, float]:
        """Block and call-off price paid in lot l, and p's quality credit, £/hour."""
        i, q = self.lot_index[l], self.provider_index[p]
        return (float(self.market.block_price(i, q)), float(self.market.call_price(i, q)),
                float(self.market.quality_credit[q]))

    # -- the decision skeleton ------------------------------------------------------------------

    def _eligible_pairs(self) -> list[tuple[str, str]]:
        quality = self.instance.providers["quality_score"]
        pairs = [(l, p) for l in self.lot_ids for p in self.providers if quality[p] >= self.config.awards.min_quality]
        if self.config.awards.abnormally_low_bids == "exclude":
            floor = dict(zip(self.lot_ids, lowest_direct_costs(self.instance, self.config, self.lots)))
            pairs = [(l, p) for (l, p) in pairs if min(self.prices(l, p)[:2]) >= floor[l]]
        return pairs

    def exclude(self, pairs: Callable[[str, str], bool]) -> None:
        """Concerns narrow the eligible pairs before the skeleton is built (see coverage)."""
        self.eligible = [(l, p) for (l, p) in self.eligible if not pairs(l, p)]

    def _skeleton(self) -> None:
        from .concerns import PRE_SKELETON

        for narrow in PRE_SKELETON:
            narrow(self)
        cfg = self.config
        framework = cfg.volume.framework
        self.w = {(l, p): self.variable(f"w_{l}_{p}", l, cat=pulp.LpBinary) for (l, p) in self.eligible}
        self.b = {(l, p): self.variable(f"b_{l}_{p}", l, lowBound=0) for (l, p) in self.eligible}
        self.c = {(l, p): self.variable(f"c_{l}_{p}", l, lowBound=0) for (l, p) in self.eligible} if framework else {}
        self.fl = {(l, p): self.variable(f"fl_{l}_{p}", l, lowBound=0) for (l, p) in self.eligible} if framework else {}
        self.h = ({(l, p): self.variable(f"h_{l}_{p}", l, lowBound=0) for (l, p) in self.eligible}
                  if cfg.awards.providers_max > 1 else {})
        for l in self.lot_ids:
            chosen = pulp.lpSum(self.w[l, p] for p in self.pairs_of_lot(l))
            self.require("providers per lot", l, chosen, ">=", cfg.awards.providers_min, "providers")
            self.problem += chosen <= cfg.awards.providers_max, f"most_providers_{l}"
            block = pulp.lpSum(self.b[l, p] for p in self.pairs_of_lot(l))
            self.problem += block <= cfg.volume.block_share_max * self.expected_demand[l], f"block_max_{l}"
            if cfg.volume.block_share_min > 0:
                self.require("block volume", l, block, ">=", cfg.volume.block_share_min * self.expected_demand[l])
            if framework:
                self._floors_fit(l, block)
        for (l, p) in self.eligible:
            award = self.w[l, p]
            self.problem += self.b[l, p] <= self.most_block(l, p) * award, f"block_award_{l}_{p}"
            if framework:
                self.problem += self.c[l, p] <= self.most_hours(l, p) * award, f"ceiling_award_{l}_{p}"
                self.problem += self.fl[l, p] <= self.c[l, p], f"floor_in_ceiling_{l}_{p}"
            if self.h:
                self.problem += self.h[l, p] <= self.most_hours(l, p) * award, f"headroom_award_{l}_{p}"
            # valid and tighter than the bounds above summed: an award commits at most the capacity
            self.problem += (self.contracted(l, p) + (self.h[l, p] if self.h else 0)
                             <= self.capacity[p] * award), f"commit_award_{l}_{p}"
        self.committed = {}
        for p in self.providers:
            lots = self.lots_of_provider(p)
            self.committed[p] = pulp.lpSum(self.contracted(l, p) + (self.h[l, p] if self.h else 0) for l in lots)
            if not lots:
                continue
            self.problem += pulp.lpSum(self.w[l, p] for l in lots) <= cfg.awards.max_lots_per_provider, f"most_lots_{p}"
            self.require("capacity", p, self.committed[p], "<=", self.capacity[p])
        self._recourse()
        self._failures()

    def _floors_fit(self, l: str, block: pulp.LpAffineExpression) -> None:
        """A lot's blocks and floors within its lowest demand, so every floor is always called off. A
        lot whose blocks may exceed that (idle block allowed) has floors only if it keeps within it."""
        floors = pulp.lpSum(self.fl[l, p] for p in self.pairs_of_lot(l))
        if self.config.volume.block_share_max * self.expected_demand[l] <= self.lowest_demand[l]:
            self.problem += block + floors <= self.lowest_demand[l], f"floors_fit_{l}"
            return
        has_floors = self.variable(f"has_floors_{l}", l, cat=pulp.LpBinary)
        most = max(self.demand[l, s] for s in self.scenarios)
        self.problem += floors <= most * has_floors, f"floors_switch_{l}"
        self.problem += block + floors <= self.lowest_demand[l] + most * (1 - has_floors), f"floors_fit_{l}"

    def _sellers(self, l: str) -> list[str]:
        return [self.providers[q] for q in self.market.residual_sources(self.lot_index[l])]

    def _seller_room(self, l: str, q: str) -> pulp.LpAffineExpression:
        share = float(self.market.residual_share[self.provider_index[q], self.lot_index[l]])
        return share * (self.capacity[q] - self.committed[q])

    def _seller_price(self, l: str, q: str) -> float:
        i, j = self.provider_index[q], self.lot_index[l]
        return float(self.market.residual_price[i, j] + self.market.quality_credit[i])

    def _bound_seller(self, name: str, l: str, q: str, variable: pulp.LpVariable) -> None:
        """A residual-market purchase within the seller's lot share of its spare capacity, and none
        from a provider that holds an award in the lot."""
        self.require("residual market", f"{q} in {l} ({name})", variable, "<=", self._seller_room(l, q))
        self._no_resale(name, l, q, variable)

    def _no_resale(self, name: str, l: str, q: str, variable: pulp.LpVariable) -> None:
        if (l, q) in self.w:
            share = float(self.market.residual_share[self.provider_index[q], self.lot_index[l]])
            self.problem += variable <= share * self.capacity[q] * (1 - self.w[l, q]), f"no_resale_{name}_{l}_{q}"

    def _recourse(self) -> None:
        """Each scenario's call-off above the floors, residual-market purchases and unmet hours."""
        cfg = self.config
        self.x = ({(l, p, s): self.variable(f"x_{l}_{p}_{s}", l, lowBound=0)
                   for (l, p) in self.eligible for s in self.scenarios} if self.c else {})
        self.r = {(l, q, s): self.variable(f"r_{l}_{q}_{s}", l, lowBound=0)
                  for l in self.lot_ids for q in self._sellers(l) for s in self.scenarios}
        self.u = {(l, s): self.variable(f"u_{l}_{s}", l, lowBound=0) for l in self.lot_ids for s in self.scenarios}
        for (l, p, s), var in self.x.items():
            self.problem += var <= self.c[l, p] - self.fl[l, p], f"ceiling_{l}_{p}_{s}"
            if cfg.volume.max_provider_share_of_lot < 1:
                self.require("share of lot", f"{p} in {l} ({s})", self.guaranteed(l, p) + var, "<=",
                             cfg.volume.max_provider_share_of_lot * self.demand[l, s])
        for (l, q, s), var in self.r.items():
            self._bound_seller(s, l, q, var)
        for l in self.lot_ids:
            for s in self.scenarios:
                supplied = pulp.lpSum(self.guaranteed(l, p) + (self.x[l, p, s] if self.x else 0)
                                      for p in self.pairs_of_lot(l))
                bought = pulp.lpSum(self.r[l, q, s] for q in self._sellers(l))
                self.problem += supplied + bought + self.u[l, s] >= self.demand[l, s], f"demand_{l}_{s}"

    def _failures(self) -> None:
        """The failure of each awarded provider p in the base scenario: the hours it delivered in lot l
        (block, floor and call-off; less any idle block, which needs no replacing) are bought again
        from what the lot's other sources have left — partners' unused ceilings plus their reserved
        headroom, the residual market's unused share — and the rest is unmet. Bought in price order
        this is the fresh dispatch of the lot without p (`contract.dispatch`). Its extra ranked cost
        per week is delta[l, p], less p's block and call-off no longer paid. Each world weighs
        `failure_weight`, at most half the base scenario's weight over a lot's providers, so leaving
        room for a failure never pays more than dispatching in price order saves."""
        self.delta: dict[tuple[str, str], pulp.LpAffineExpression] = {}
        if self.market.failure_weight <= 0:
            return
        cfg = self.config
        base = self.scenarios[self.market.base]
        share = cfg.volume.max_provider_share_of_lot
        for l in self.lot_ids:
            idle = self._idle_block(l, base)
            worlds_calls: dict[str, list[pulp.LpVariable]] = defaultdict(list)
            worlds_bought: dict[str, list[pulp.LpVariable]] = defaultdict(list)
            for p in self.pairs_of_lot(l):
                name = f"{l}_{p}"
                partners = [q for q in self.pairs_of_lot(l) if q != p]
                calls = {q: self.variable(f"xf_{name}_{q}", l, lowBound=0) for q in partners} if self.x else {}
                bought = {q: self.variable(f"rf_{name}_{q}", l, lowBound=0) for q in self._sellers(l)}
                unmet = self.variable(f"uf_{name}", l, lowBound=0)
                for q, var in calls.items():
                    self.problem += var <= self._failure_room(l, q, base), f"room_fail_{name}_{q}"
                    worlds_calls[q].append(var)
                    if share < 1:
                        self.problem += (self.guaranteed(l, q) + self.x[l, q, base] + var
                                         <= share * self.demand[l, base]), f"share_fail_{name}_{q}"
                for q, var in bought.items():
                    self.problem += var + self.r[l, q, base] <= self._seller_room(l, q), f"residual_fail_{name}_{q}"
                    self._no_resale(f"fail_{name}", l, q, var)
                    worlds_bought[q].append(var)
                lost = self.guaranteed(l, p) + (self.x[l, p, base] if self.x else 0)
                self.problem += (pulp.lpSum(calls.values()) + pulp.lpSum(bought.values()) + unmet
                                 >= lost - idle), f"demand_fail_{name}"
                block_price, call_price, credit = self.prices(l, p)
                unpaid = (block_price + credit) * self.b[l, p] + (call_price + credit) * (lost - self.b[l, p])
                self.delta[l, p] = (pulp.lpSum((self.prices(l, q)[1] + self.prices(l, q)[2]) * v for q, v in calls.items())
                                    + pulp.lpSum(self._seller_price(l, q) * v for q, v in bought.items())
                                    + self.market.unmet_penalty * unmet - unpaid)
            self._failures_share_rooms(l, base, worlds_calls, worlds_bought)

    def _failure_room(self, l: str, q: str, base: str) -> pulp.LpAffineExpression:
        """What partner q can take on in lot l when another provider fails: its unused ceiling and
        its reserved headroom."""
        return self.c[l, q] - self.fl[l, q] - self.x[l, q, base] + (self.h[l, q] if self.h else 0)

    def _failures_share_rooms(self, l: str, base: str, calls: dict[str, list[pulp.LpVariable]],
                              bought: dict[str, list[pulp.LpVariable]]) -> None:
        """Valid for whole awards, and what the LP relaxation misses: only the lot's k awarded
        providers fail (k at most K, the providers a lot may have), so a partner's room is drawn on
        by at most K - 1 failures and a seller's by at most K. Without these, fractional awards
        spread a lot over many providers, each failure small and each absorbed in full by rooms
        counted once per failure; with them the bound sees the replacement the rooms cannot give."""
        most = min(self.config.awards.providers_max, len(self.pairs_of_lot(l)))
        for q, variables in calls.items():
            self.problem += (pulp.lpSum(variables) <= (most - 1) * self._failure_room(l, q, base)), \
                f"rooms_shared_{l}_{q}"
        for q, variables in bought.items():
            self.problem += (pulp.lpSum(variables) <= most * (self._seller_room(l, q) - self.r[l, q, base])), \
                f"residual_shared_{l}_{q}"

    def _idle_block(self, l: str, s: str) -> pulp.LpAffineExpression | float:
        """Lot l's block and floor hours beyond its demand in scenario s: max(0, excess), exactly (a
        binary) where blocks may exceed the lowest demand, else none."""
        if self.config.volume.block_share_max * self.expected_demand[l] <= self.lowest_demand[l]:
            return 0.0
        excess = pulp.lpSum(self.guaranteed(l, p) for p in self.pairs_of_lot(l)) - self.demand[l, s]
        most = sum(self.most_block(l, p) + self.most_hours(l, p) for p in self.pairs_of_lot(l))
        idle = self.variable(f"idle_{l}_{s}", l, lowBound=0)
        over = self.variable(f"over_{l}_{s}", l, cat=pulp.LpBinary)
        self.problem += idle >= excess, f"idle_above_{l}_{s}"
        self.problem += idle <= excess + most * (1 - over), f"idle_exact_{l}_{s}"
        self.problem += idle <= most * over, f"idle_none_{l}_{s}"
        return idle

    # -- solving --------------------------------------------------------------------------------

    def finalise(self) -> None:
        from .concerns import CONCERNS

        for concern in CONCERNS:
            concern(self)
        total = pulp.lpSum(self.objective.values())
        if self.elastic:
            total += ELASTIC_PENALTY * pulp.lpSum(s.variable for s in self.slacks)
        self.problem += total

    def first_stage(self) -> list[pulp.LpVariable]:
        """The contract terms and every integer variable: fixed, they leave the recourse LP."""
        fixed = [v for v in self.problem.variables() if v.cat == pulp.LpInteger]
        return fixed + [v for group in (self.b, self.c, self.fl, self.h) for v in group.values()]

    def value(self, expression: pulp.LpAffineExpression | float) -> float:
        return float(pulp.value(expression)) if not isinstance(expression, (int, float)) else float(expression)

    def used_slacks(self) -> list[tuple[str, str, float, str]]:
        return [(s.family, s.where, float(s.variable.varValue or 0.0), s.unit) for s in self.slacks
                if (s.variable.varValue or 0.0) > 1e-6]

    @contextmanager
    def fixed_at(self, awards: list) -> Iterator[None]:
        """While the block runs, every award (w) and its terms fixed at these awards' (result.Award),
        the others at zero."""
        given = {(a.lot, a.provider): a for a in awards}
        fixed = [(self.w[pair], 1.0 if pair in given else 0.0) for pair in self.w]
        for group, name in AWARD_TERMS.items():
            for pair, variable in getattr(self, group).items():
                fixed.append((variable, float(getattr(given[pair], name) or 0.0) if pair in given else 0.0))
        with held(fixed):
            yield

    def awards(self) -> list[dict]:
        """Each award's contract terms, in plain numbers (rounded down to the hundredth, so within every cap)."""
        def hours(group: dict, l: str, p: str) -> float:
            return math.floor(max(0.0, float(group[l, p].varValue or 0.0)) * 100) / 100 if group else 0.0

        return [{"lot": l, "provider": p,
                 **{name: hours(getattr(self, group), l, p) for group, name in AWARD_TERMS.items()}}
                for (l, p), var in self.w.items() if (var.varValue or 0) > 0.5]

    def objective_terms(self) -> dict[str, float]:
        return {k: round(self.value(v), 2) for k, v in self.objective.items()}


def group_slacks(slacks: list[tuple[str, str, float, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for family, where, amount, unit in sorted(slacks, key=lambda x: (x[0], -x[2])):
        grouped[family].append(f"{where}: short by {amount:,.1f} {unit}")
    return dict(grouped)


def incumbency_by_lot(instance: Instance, lots: list[list[str]], lot_ids: list[str], column: str) -> dict[tuple[str, str], float]:
    lot_of = {a: l for l, areas in zip(lot_ids, lots) for a in areas}
    table = instance.incumbency.assign(lot=instance.incumbency["area_id"].map(lot_of))
    return {(l, p): float(v) for (l, p), v in table.groupby(["lot", "provider_id"])[column].sum().items()}

