"""Monte Carlo stress test of a design: demand beyond the instance's scenarios, and providers that
exit during the year, met by the recourse the design allows.

Each draw picks a demand scenario by its probability (the mix of growth, surge and reablement)
and scales it by a county-wide lognormal factor and per-area lognormal noise, both of mean 1, so
demand spreads beyond the scenarios. Each awarded provider exits (closes or hands its packages
back) with probability `exit_rate` at a uniform time in the year: about one agency in six closed
each year in 2014-16 and one in ten in 2017 (../shared/domain.md §3), hence 0.10-0.17. From its exit
on, its awards are gone (its block is no longer paid) and its partners may use their reserved
headroom.

The year of each draw is cut at the exit times, and every part of every draw is bought with
`contract.dispatch`, the purchase order the award model and the evaluation use. A draw's cost is
what the council pays (block, call-off, residual market, contracts) plus its unmet hours at the
unmet penalty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .design.config import DesignConfig
from .design.contract import WEEKS_PER_YEAR, dispatch, market_of
from .design.result import Design
from .instance import Instance

EXIT_RATE_RANGE = (0.10, 0.17)  # providers exiting a year, ../shared/domain.md §3
MONEY = ("block", "framework", "residual", "unmet")  # the terms a draw pays (the unmet at its penalty)


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

    def to_frame(self) -> pd.DataFrame:
        """One row per draw: scenario, exits, annual cost and unmet hours a week."""
        return pd.DataFrame({"scenario": self.scenario, "exits": self.exits, "cost_gbp_per_year": self.cost_gbp_per_year,
                             "unmet_hours_per_week": self.unmet_hours_per_week}).rename_axis("draw")

    def to_dict(self) -> dict[str, float]:
        return self.summary()

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
                settings: StressSettings | None = None) -> StressResult:
    """Draw demand and provider exits `settings.draws` times; the same seed gives the same numbers.
    Without settings, exits come at the configuration's `stability.exit_rate`."""
    settings = settings or StressSettings(exit_rate=config.stability.exit_rate)
    market, terms = market_of(instance, config, design)
    rng = np.random.default_rng(settings.seed)
    n = settings.draws
    probability = market.probability
    scenario = rng.choice(len(probability), size=n, p=probability / probability.sum())
    county = rng.lognormal(-settings.county_sigma ** 2 / 2, settings.county_sigma, size=(n, 1))
    noise = rng.lognormal(-settings.area_sigma ** 2 / 2, settings.area_sigma, size=(n, len(instance.areas)))
    area_demand = instance.demand.to_numpy().T[scenario] * county * noise
    awarded = sorted(set(terms.provider))
    exit_time = np.where(rng.random((n, len(awarded))) < settings.exit_rate, rng.random((n, len(awarded))), 1.0)

    # The year of draw i is cut into parts at its sorted exit times; part k starts at start[i, k].
    start = np.concatenate([np.zeros((n, 1)), np.sort(exit_time, axis=1)], axis=1)
    end = np.concatenate([start[:, 1:], np.ones((n, 1))], axis=1)
    draw, part = np.nonzero(end > start)
    gone = exit_time[draw] <= start[draw, part][:, None]  # parts x awarded providers
    weight = (end - start)[draw, part]
    column = {p: i for i, p in enumerate(awarded)}
    failed = gone[:, [column[p] for p in terms.provider]] if len(terms.lot) else np.zeros((len(draw), 0), dtype=bool)

    lot_demand = area_demand @ _membership(instance, design)
    outcome = dispatch(market, terms, lot_demand[draw], failed)
    lot_cost = sum(outcome.cost[t] for t in MONEY) + market.contract_fee_per_week * np.array(
        [(terms.lot == l).sum() for l in range(len(design.lots))])
    lot_delivered = outcome.delivered()
    unmet = outcome.unmet.sum(axis=1)
    return StressResult(
        settings=settings,
        cost_gbp_per_year=WEEKS_PER_YEAR * np.bincount(draw, weight * lot_cost.sum(axis=1), minlength=n),
        unmet_hours_per_week=np.bincount(draw, weight * unmet, minlength=n),
        scenario=np.array(market.scenarios)[scenario],
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
