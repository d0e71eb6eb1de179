"""How care is bought under a design: the one statement of the contract that the award MIP, the
evaluation and the stress test all use.

A design's lots are served lot by lot, and in every lot, week by week, care is bought in this order:

1. **Block** hours of every surviving award, paid whether used or not.
2. **Call-off floors**: each award's guaranteed call-off, paid at its framework rate. A floor is a
   guarantee only because the award model keeps a lot's blocks and floors within its lowest
   scenario's demand.
3. **Every other hour goes to the cheapest source left open**, by the price the council ranks it at
   (the bid, less any quality credit): an award's call-off above its floor, up to its ceiling and
   within the design's share of the lot, or the **residual market**. The residual market is every
   provider's capacity not committed to awards (its capacity less its awards' block, ceilings and
   headroom), offered to the lots within reach of its base in proportion to their hours there, at
   its framework bid plus the spot premium plus the cost of bringing carers from its base, and never
   in a lot where it holds an award.
4. What cannot be placed is **unmet**, priced at `volume.unmet_penalty_gbp_per_hour`.
5. When an awarded provider fails, the hours it delivered are placed again, in the same price
   order, with what the lot's other sources have left: its partners' unused ceilings plus their
   reserved headroom, and the residual market's unused share. Nobody else's care moves.

Because each lot draws on its own sources (an award's ceiling and headroom belong to its lot, a
provider's residual capacity is split between lots in fixed shares), this greedy order is exactly
the least-cost recourse of a linear programme (and a failure's, of a second one on what is left);
the award MIP states those programmes and the evaluation runs the greedy, so the two price the
same world. `dispatch` runs it for many rows at once (scenarios, failures, stress-test draws).

A **failure** is a provider handing back its council awards (its block, floors, call-off and
headroom go; its partners in each of those lots may use their reserved headroom). Its expected
cost is first-order: each awarded provider's failure in the base scenario, weighted by half the
annual exit rate (an exit falls on average mid-year), capped so that with every provider of a lot
failing in turn the base scenario's world without a failure keeps at least half its weight
(`failure_weight`; the stress test draws failures as they come).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..instance import Instance
from ..rounds.pay import PriceAssumptions, travel_cost_per_contact_hour
from ..travel import DETOUR_FACTOR, KM_PER_MILE, SPEED_KMH
from .config import DesignConfig
from .result import Award, Design

WEEKS_PER_YEAR = 52.0
# A residual-market provider far from a lot brings its carers there and back once a shift; a
# home-care shift holds about five contact hours (split shifts of 2-3 hours each side of midday).
CONTACT_HOURS_PER_SHIFT = 5.0
TERMS = ("block", "framework", "residual", "unmet", "quality")  # weekly cost terms of a dispatch
SPEND_TERMS = ("block", "framework", "residual", "contracts")  # the annual terms the council pays


@dataclass(frozen=True)
class Market:
    """Everything about buying care in a set of lots that does not depend on the awards: demand,
    prices, the residual market's shares and prices, the unmet penalty and the failure weight."""

    lot_ids: list[str]
    lots: list[list[str]]
    scenarios: list[str]
    probability: np.ndarray  # by scenario
    demand: np.ndarray  # lots x scenarios, hours/week
    uplift: np.ndarray  # by lot: 1 + rural uplift x rural share of hours
    rural_share: np.ndarray  # by lot
    providers: list[str]
    capacity: np.ndarray  # by provider, hours/week
    block_rate: np.ndarray  # by provider, £/hour paid (before uplift)
    framework_rate: np.ndarray
    quality_credit: np.ndarray  # by provider, £/hour added to a price for ranking only (<= 0 is a credit)
    residual_share: np.ndarray  # providers x lots: share of a provider's spare capacity offered to each lot
    residual_price: np.ndarray  # providers x lots, £/hour paid (inf where out of reach)
    unmet_penalty: float
    failure_weight: float  # weight of each awarded provider's failure world (base scenario)
    contract_fee_per_week: float
    framework: bool
    spot: bool
    max_share_of_lot: float

    @property
    def base(self) -> int:
        """The base scenario (the first), in which failures are priced."""
        return 0

    def block_price(self, lot: int, providers: np.ndarray | int) -> np.ndarray | float:
        """£/hour paid for block hours in the lot (the bid, or the single rate, with any rural uplift)."""
        return self.block_rate[providers] * self.uplift[lot]

    def call_price(self, lot: int, providers: np.ndarray | int) -> np.ndarray | float:
        """£/hour paid for call-off in the lot."""
        return self.framework_rate[providers] * self.uplift[lot]

    def residual_sources(self, lot: int) -> list[int]:
        """Providers offering residual-market hours in the lot."""
        if not self.spot:
            return []
        return [q for q in range(len(self.providers)) if self.residual_share[q, lot] > 0]


def build_market(instance: Instance, config: DesignConfig, lots: list[list[str]],
                 lot_ids: list[str] | None = None) -> Market:
    lot_ids = lot_ids or [f"L{i + 1}" for i in range(len(lots))]
    providers = instance.providers
    ids = list(providers.index)
    single = config.awards.single_rate_gbp_per_hour
    block = providers["block_rate_gbp_per_hour"].to_numpy(dtype=float)
    framework = providers["framework_rate_gbp_per_hour"].to_numpy(dtype=float)
    if single is not None:
        block = np.full(len(ids), float(single))
        framework = np.full(len(ids), float(single))
    quality = providers["quality_score"].to_numpy(dtype=float)
    rural = np.array([lot_rural_share(instance, areas) for areas in lots])
    share, distance = _residual_reach(instance, config, lots)
    policy = instance.policy
    # an hour of carers' travel at the NLW with the build-up's on-costs, no mileage (rounds/pay.py)
    hour = travel_cost_per_contact_hour(PriceAssumptions(
        pay_rate=float(policy["national_living_wage_gbp_per_hour"]), travel_minutes_per_contact_hour=60.0,
        waiting_minutes_per_contact_hour=0.0, miles_per_contact_hour=0.0))
    per_km = 2 * DETOUR_FACTOR * (policy["mileage_rate_gbp_per_mile"] / KM_PER_MILE
                                  + hour / SPEED_KMH["rural"]) / CONTACT_HOURS_PER_SHIFT
    price = np.where(share > 0, framework[:, None] * (1 + config.volume.spot_premium) + per_km * distance, np.inf)
    probability = instance.probabilities.to_numpy(dtype=float)
    # half the exit rate, capped so the base scenario's worlds without a failure keep half its weight
    failure_weight = min(config.stability.exit_rate / 2, probability[0] / (2 * config.awards.providers_max))
    return Market(
        lot_ids=lot_ids, lots=lots, scenarios=list(instance.scenarios.index),
        probability=probability,
        demand=np.array([[float(instance.demand.loc[areas, s].sum()) for s in instance.scenarios.index]
                         for areas in lots]).reshape(len(lots), -1),
        uplift=1 + config.cost.rural_uplift * rural, rural_share=rural, providers=ids,
        capacity=providers["max_hours_per_week"].to_numpy(dtype=float), block_rate=block, framework_rate=framework,
        quality_credit=-config.awards.quality_weight * (quality - 3.0),
        residual_share=share, residual_price=price,
        unmet_penalty=config.volume.unmet_penalty_gbp_per_hour,
        failure_weight=failure_weight,
        contract_fee_per_week=config.cost.contract_fixed_gbp_per_year / WEEKS_PER_YEAR,
        framework=config.volume.framework, spot=config.volume.spot,
        max_share_of_lot=config.volume.max_provider_share_of_lot)


def _residual_reach(instance: Instance, config: DesignConfig, lots: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Providers x lots: the share of each provider's spare capacity offered to each lot (its hours
    within reach of the provider's base, over all hours within reach), and the hours-weighted km from
    the base to the lot's areas within reach."""
    reach = config.volume.residual_reach_km
    distance = instance.distance_km()
    hours = instance.expected_demand()
    bases = instance.providers["base_area_id"]
    share = np.zeros((len(bases), len(lots)))
    km = np.zeros((len(bases), len(lots)))
    for q, base in enumerate(bases):
        for l, areas in enumerate(lots):
            near = distance.loc[base, areas] <= reach
            weight = hours.loc[areas][near.to_numpy()]
            share[q, l] = float(weight.sum())
            if share[q, l] > 0:
                km[q, l] = float((distance.loc[base, weight.index] * weight).sum() / weight.sum())
        total = share[q].sum()
        share[q] = share[q] / total if total > 0 else 0.0
    return share, km


def lot_rural_share(instance: Instance, areas: list[str]) -> float:
    hours = instance.areas.loc[areas, "care_hours_per_week"]
    rural = hours[instance.areas.loc[areas, "rurality"] == "rural"].sum()
    return float(rural / hours.sum()) if hours.sum() > 0 else 0.0


@dataclass(frozen=True)
class Terms:
    """The awards of a design as arrays (one entry per award), every default filled in."""

    lot: np.ndarray  # lot index
    provider: np.ndarray  # provider index
    block: np.ndarray
    floor: np.ndarray
    ceiling: np.ndarray
    headroom: np.ndarray

    def committed(self, providers: int) -> np.ndarray:
        """Hours each provider has promised to its awards: block, ceiling and headroom."""
        return np.bincount(self.provider, self.block + self.ceiling + self.headroom, minlength=providers)


def terms_of(market: Market, awards: list[Award]) -> Terms:
    """Awards as arrays. A hand-written award without a call-off ceiling gets the capacity its
    provider has left after its blocks, shared between its awards by the lots' expected hours (no
    ceiling at all when the design has no framework)."""
    lot_index = {l: i for i, l in enumerate(market.lot_ids)}
    provider_index = {p: i for i, p in enumerate(market.providers)}
    lot = np.array([lot_index[a.lot] for a in awards], dtype=int)
    provider = np.array([provider_index[a.provider] for a in awards], dtype=int)
    block = np.array([a.block_hours_per_week for a in awards], dtype=float)
    floor = np.array([a.call_off_floor_hours_per_week for a in awards], dtype=float)
    headroom = np.array([a.reserved_headroom_hours_per_week for a in awards], dtype=float)
    expected = market.demand @ market.probability
    spare = np.maximum(market.capacity - np.bincount(provider, block, minlength=len(market.providers)), 0.0)
    weight = expected[lot]
    weight_sum = np.bincount(provider, weight, minlength=len(market.providers))
    default = spare[provider] * weight / np.where(weight_sum[provider] > 0, weight_sum[provider], 1.0)
    ceiling = np.array([a.call_off_ceiling_hours_per_week if a.call_off_ceiling_hours_per_week is not None else d
                        for a, d in zip(awards, default)], dtype=float)
    if not market.framework:
        ceiling = floor = np.zeros(len(awards))
    return Terms(lot, provider, block, np.minimum(floor, ceiling), ceiling, headroom)


@dataclass
class Outcome:
    """A dispatch of many rows (scenarios, failures or stress-test parts), weekly: hours by award and
    by lot, and each cost term by row and lot (£/week)."""

    award_lot: np.ndarray  # lot index of each award
    block_paid: np.ndarray  # rows x awards: block hours paid (surviving awards)
    call_off: np.ndarray  # rows x awards: floors and call-off delivered
    residual: np.ndarray  # rows x lots x providers: residual-market hours
    unmet: np.ndarray  # rows x lots
    idle_block: np.ndarray  # rows x lots
    cost: dict[str, np.ndarray]  # term -> rows x lots, £/week

    def total(self) -> np.ndarray:
        """Rows: the ranked weekly cost (every term, the unmet penalty included)."""
        return sum(self.cost[t] for t in TERMS).sum(axis=1)

    def by_lot(self, values: np.ndarray) -> np.ndarray:
        """Rows x awards summed into rows x lots."""
        out = np.zeros((values.shape[0], self.unmet.shape[1]))
        for l in range(out.shape[1]):
            out[:, l] = values[:, self.award_lot == l].sum(axis=1)
        return out

    def delivered(self) -> np.ndarray:
        """Rows x lots: hours of care delivered."""
        return self.by_lot(self.block_paid) - self.idle_block + self.by_lot(self.call_off) + self.residual.sum(axis=2)


def dispatch(market: Market, terms: Terms, need: np.ndarray, failed: np.ndarray | None = None) -> Outcome:
    """Buy `need` (rows x lots, hours/week) in the contract's order; `failed` (rows x awards) marks
    awards whose provider has failed in that row. A failed award's hours are bought again after the
    lot's own dispatch, from what its other sources have left (partners' unused ceilings plus their
    reserved headroom, the residual market's unused share): the council re-places the failed
    provider's clients and moves nobody else's."""
    rows, lots = need.shape
    awards = len(terms.lot)
    dead = np.zeros((rows, awards), dtype=bool) if failed is None else failed
    spare = np.maximum(market.capacity - terms.committed(len(market.providers)), 0.0)
    block_paid = ~dead * terms.block
    call_off = np.zeros((rows, awards))
    residual = np.zeros((rows, lots, len(market.providers)))
    unmet = np.zeros((rows, lots))
    idle = np.zeros((rows, lots))
    cost = {t: np.zeros((rows, lots)) for t in TERMS}
    for l in range(lots):
        mine = np.flatnonzero(terms.lot == l)
        who = terms.provider[mine]
        gone = dead[:, mine]
        price = market.call_price(l, who)
        credit = market.quality_credit[who]
        block, floor, ceiling = terms.block[mine], terms.floor[mine], terms.ceiling[mine]
        surplus = np.maximum(block.sum() - need[:, l], 0.0)
        left = need[:, l] - (block.sum() - surplus)
        floors = _fill(left, np.broadcast_to(floor, (rows, len(mine))), np.lexsort((who, price + credit)))
        left = left - floors.sum(axis=1)
        share_room = market.max_share_of_lot * need[:, l:l + 1] - block - floor
        sellers = np.array([q for q in market.residual_sources(l) if q not in set(who)], dtype=int)
        seller_room = np.broadcast_to(market.residual_share[sellers, l] * spare[sellers], (rows, len(sellers)))
        seller_price = market.residual_price[sellers, l]
        seller_credit = market.quality_credit[sellers]
        # every source by ranked price; awards before the residual market on a tie, then by provider
        rank = np.concatenate([price + credit, seller_price + seller_credit])
        kind = np.concatenate([np.zeros(len(mine)), np.ones(len(sellers))])
        order = np.lexsort((np.concatenate([who, sellers]), kind, rank))
        room = np.maximum(np.minimum(ceiling - floor, share_room), 0.0)
        taken = _fill(left, np.concatenate([room, seller_room], axis=1), order)
        above, bought = taken[:, :len(mine)], taken[:, len(mine):]
        short = left - taken.sum(axis=1)
        # a failed award's hours (less any idle block) bought again; its partners' headroom opens
        lost = np.maximum((gone * (block + floors + above)).sum(axis=1) - surplus, 0.0)
        opened = gone.any(axis=1, keepdims=True) * terms.headroom[mine]
        room_after = ~gone * np.maximum(np.minimum(ceiling + opened - floor, share_room) - above, 0.0)
        again = _fill(lost, np.concatenate([room_after, seller_room - bought], axis=1), order)
        call_off[:, mine] = ~gone * (floors + above + again[:, :len(mine)])
        bought = bought + again[:, len(mine):]
        residual[:, l, sellers] = bought
        unmet[:, l] = np.maximum(short + lost - again.sum(axis=1), 0.0)  # never below 0 by rounding
        idle[:, l] = np.maximum(block_paid[:, mine].sum(axis=1) - need[:, l], 0.0)
        cost["block"][:, l] = block_paid[:, mine] @ market.block_price(l, who)
        cost["framework"][:, l] = call_off[:, mine] @ price
        cost["residual"][:, l] = bought @ seller_price
        cost["unmet"][:, l] = unmet[:, l] * market.unmet_penalty
        cost["quality"][:, l] = (block_paid[:, mine] + call_off[:, mine]) @ credit + bought @ seller_credit
    return Outcome(terms.lot, block_paid, call_off, residual, unmet, idle, cost)


def _fill(need: np.ndarray, room: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Rows x sources: `need` filled from the sources' `room` in `order` (the least-cost fill when
    `order` sorts by price)."""
    taken = np.zeros_like(room)
    if room.shape[1] == 0:
        return taken
    ordered = room[:, order]
    before = np.cumsum(ordered, axis=1) - ordered
    taken[:, order] = np.clip(need[:, None] - before, 0.0, ordered)
    return taken


def market_of(instance: Instance, config: DesignConfig, design: Design) -> tuple[Market, Terms]:
    """A design's market and its awards' terms."""
    market = build_market(instance, config, [lot.areas for lot in design.lots], [lot.lot for lot in design.lots])
    return market, terms_of(market, design.awards)

