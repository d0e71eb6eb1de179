"""Monte Carlo stress test of a design: demand beyond the instance's scenarios, and providers that
exit during the year, met by the recourse the design allows.

Each draw picks a demand scenario by its probability (the mix of growth, surge and reablement)
and scales it by a county-wide lognormal factor and per-area lognormal noise, both of mean 1, so
demand spreads beyond the scenarios. Each awarded provider exits (closes or hands its packages
back) with probability `exit_rate` at a uniform time in the year: about one agency in six closed
each year in 2014-16 and one in ten in 2017 (../shared/domain.md §3), hence 0.10-0.17. From its exit
on, its block is no longer paid and its hours fall to the recourse.

The year of each draw is cut at the exit times, and each part is dispatched as `evaluate.dispatch`
does — block first (paid whether used or not), then call-off from the lot's surviving providers,
cheapest framework rate first, within capacity and the design's caps, then spot where the design
allows it, and the rest unmet — but vectorised over all parts of all draws at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .design.awards import WEEKS_PER_YEAR, lot_rural_share, prices
from .design.config import DesignConfig
from .design.result import Design
from .instance import Instance

EXIT_RATE_RANGE = (0.10, 0.17)  # providers exiting a year, ../shared/domain.md §3


@dataclass(frozen=True)
class StressSettings:
    draws: int = 500
    seed: int = 0
    exit_rate: float = 0.13  # chance that an awarded provider exits within the year
    county_sigma: float = 0.05  # log-sd of the county-wide demand factor
    area_sigma: float = 0.10  # log-sd of each area's own demand noise


@dataclass
class StressResult:
    """Per draw: annual cost, unmet hours (weekly, averaged over the year), scenario and exits; per
    lot: mean annual cost and delivered hours a week."""

    settings: StressSettings
    cost_gbp_per_year: np.ndarray
    unmet_hours_per_week: np.ndarray
    scenario: np.ndarray
    exits: np.ndarray
    lot_cost_gbp_per_year: np.ndarray
    lot_delivered_hours_per_week: np.ndarray

    def summary(self) -> dict[str, float]:
        cost, unmet = self.cost_gbp_per_year, self.unmet_hours_per_week
        p5, p50, p95 = np.percentile(cost, [5, 50, 95])
        return {"draws": len(cost), "exit_rate": self.settings.exit_rate, "seed": self.settings.seed,
                "cost_mean_gbp_per_year": float(cost.mean()), "cost_p5_gbp_per_year": float(p5),
                "cost_p50_gbp_per_year": float(p50), "cost_p95_gbp_per_year": float(p95),
                "unmet_mean_hours_per_week": float(unmet.mean()),
                "unmet_p50_hours_per_week": float(np.percentile(unmet, 50)),
                "unmet_p95_hours_per_week": float(np.percentile(unmet, 95)),
                "p_any_unmet": float((unmet > 1e-6).mean()), "exits_mean": float(self.exits.mean())}


def stress_test(instance: Instance, config: DesignConfig, design: Design,
                settings: StressSettings = StressSettings()) -> StressResult:
    """Draw demand and provider exits `settings.draws` times; the same seed gives the same numbers."""
    rng = np.random.default_rng(settings.seed)
    n = settings.draws
    probability = instance.probabilities.to_numpy()
    scenario = rng.choice(len(probability), size=n, p=probability / probability.sum())
    county = rng.lognormal(-settings.county_sigma ** 2 / 2, settings.county_sigma, size=(n, 1))
    noise = rng.lognormal(-settings.area_sigma ** 2 / 2, settings.area_sigma, size=(n, len(instance.areas)))
    area_demand = instance.demand.to_numpy().T[scenario] * county * noise
    awarded = sorted({a.provider for a in design.awards})
    exit_time = np.where(rng.random((n, len(awarded))) < settings.exit_rate, rng.random((n, len(awarded))), 1.0)

    # The year of draw i is cut into parts at its sorted exit times; part k starts at start[i, k].
    start = np.concatenate([np.zeros((n, 1)), np.sort(exit_time, axis=1)], axis=1)
    end = np.concatenate([start[:, 1:], np.ones((n, 1))], axis=1)
    draw, part = np.nonzero(end > start)
    alive = exit_time[draw] > start[draw, part][:, None]
    weight = (end - start)[draw, part]

    lot_demand = area_demand @ _membership(instance, design)
    weekly_cost, lot_cost, lot_delivered, unmet = _dispatch(
        instance, config, design, awarded, lot_demand[draw], area_demand.sum(axis=1)[draw], alive)
    return StressResult(
        settings=settings,
        cost_gbp_per_year=WEEKS_PER_YEAR * np.bincount(draw, weight * weekly_cost, minlength=n),
        unmet_hours_per_week=np.bincount(draw, weight * unmet, minlength=n),
        scenario=instance.scenarios.index.to_numpy()[scenario],
        exits=(exit_time < 1.0).sum(axis=1),
        lot_cost_gbp_per_year=WEEKS_PER_YEAR * (weight[:, None] * lot_cost).sum(axis=0) / n,
        lot_delivered_hours_per_week=(weight[:, None] * lot_delivered).sum(axis=0) / n)


def _membership(instance: Instance, design: Design) -> np.ndarray:
    """Areas × lots, 1 where the area is in the lot."""
    position = {a: i for i, a in enumerate(instance.area_ids)}
    matrix = np.zeros((len(position), len(design.lots)))
    for l, lot in enumerate(design.lots):
        matrix[[position[a] for a in lot.areas], l] = 1.0
    return matrix


def _dispatch(instance: Instance, config: DesignConfig, design: Design, awarded: list[str], lot_demand: np.ndarray,
              county_demand: np.ndarray, alive: np.ndarray) -> tuple[np.ndarray, ...]:
    """`evaluate.dispatch` and `evaluate.scenario_cost` for many rows (parts of draws) at once.

    Rows × lots demand, rows × awarded providers alive; returns per row the weekly cost, per row and
    lot the weekly cost and delivered hours, and per row the unmet hours.
    """
    price = prices(instance, config)
    block_rate, framework_rate, spot_rate = price.block, price.framework, price.spot
    capacity = instance.providers["max_hours_per_week"]
    county_cap = config.stability.max_provider_share if config.stability.enabled else None
    most = np.full(len(county_demand), np.inf) if county_cap is None else county_cap * county_demand
    column = {p: i for i, p in enumerate(awarded)}
    rows = len(county_demand)
    used = np.zeros((rows, len(awarded)))
    for a in design.awards:
        used[:, column[a.provider]] += alive[:, column[a.provider]] * a.block_hours_per_week
    lot_cost = np.zeros((rows, len(design.lots)))
    lot_delivered = np.zeros((rows, len(design.lots)))
    unmet = np.zeros(rows)
    contract_per_award = config.cost.contract_fixed_gbp_per_year / WEEKS_PER_YEAR
    for l, lot in enumerate(design.lots):
        need = lot_demand[:, l]
        uplift = 1 + config.cost.rural_uplift * lot_rural_share(instance, lot.areas)
        lot_awards = [a for a in design.awards if a.lot == lot.lot]
        block = np.zeros(rows)
        for a in lot_awards:
            live = alive[:, column[a.provider]]
            block += live * a.block_hours_per_week
            lot_cost[:, l] += live * a.block_hours_per_week * block_rate[a.provider] * uplift + contract_per_award
        residual = need - np.minimum(block, need)
        share_cap = config.volume.max_provider_share_of_lot * need
        if config.volume.framework:
            for a in sorted(lot_awards, key=lambda a: (framework_rate[a.provider], a.provider)):
                p = column[a.provider]
                room = np.minimum.reduce([capacity[a.provider] - used[:, p], most - used[:, p],
                                          share_cap - a.block_hours_per_week, residual])
                room = np.where(alive[:, p], np.maximum(room, 0.0), 0.0)
                used[:, p] += room
                residual = residual - room
                lot_cost[:, l] += room * framework_rate[a.provider] * uplift
        spot = residual if config.volume.spot else np.zeros(rows)
        lot_cost[:, l] += spot * spot_rate
        unmet += residual - spot
        lot_delivered[:, l] = need - (residual - spot)
    return lot_cost.sum(axis=1), lot_cost, lot_delivered, unmet
