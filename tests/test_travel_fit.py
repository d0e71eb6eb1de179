"""The travel estimator fitted on routing runs (solver/travel_fit.py, solver/data/travel_fit.json)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from solver.instance import load_instance
from solver.travel import (COEFFICIENTS, FIT_PATH, load_fit, market_travel_minutes_per_contact_hour,
                           travel_minutes_per_contact_hour)
from solver.travel_fit import MAX_UNSERVED_SHARE, generate_lots, grow_lot, route_lot

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 0.3  # three short routing runs of one small lot; see the fit's held-out p90 error


@pytest.fixture(scope="module")
def wiltshire():
    return load_instance(ROOT / "instances" / "wiltshire")


def test_coefficients_file_loads():
    fit = load_fit(FIT_PATH)
    assert set(fit["coefficients"]) == set(COEFFICIENTS)
    assert all(math.isfinite(v) for v in fit["coefficients"].values())
    p = fit["provenance"]
    assert {"date", "instances", "lots", "held_out_median_ape_pct", "held_out_p90_ape_pct"} <= set(p)
    assert p["lots"] >= 50 and p["test_lots"] >= 10


def test_lot_generation_is_deterministic_by_seed(wiltshire):
    instances = {"wiltshire": wiltshire}
    first, again = generate_lots(instances, 6, seed=3), generate_lots(instances, 6, seed=3)
    assert first == again
    assert generate_lots(instances, 6, seed=4) != first
    neighbours = {a: set() for a in wiltshire.area_ids}
    for a, b in wiltshire.adjacency:
        neighbours[a].add(b)
        neighbours[b].add(a)
    for _, areas, share in first:
        assert 0 < share <= 1
        assert len(set(areas)) == len(areas) >= 1
        assert all(neighbours[a] & set(areas[:i]) for i, a in enumerate(areas) if i)  # grown contiguously


def test_routed_estimate_within_tolerance_on_a_small_lot(wiltshire):
    areas = grow_lot(wiltshire, 3, np.random.default_rng(12))  # about 90 visits a day
    lot = route_lot(wiltshire, "wiltshire", areas, share=1.0, seed=1, time_limit=1.0, samples=3)
    assert lot.unserved_share <= MAX_UNSERVED_SHARE and lot.routed > 0  # what the fit itself accepts
    estimate = travel_minutes_per_contact_hour(wiltshire, areas)
    assert abs(estimate - lot.routed) <= TOLERANCE * lot.routed


def test_thinner_shares_travel_more(wiltshire):
    areas = grow_lot(wiltshire, 10, np.random.default_rng(3))
    alone, half, tenth = (travel_minutes_per_contact_hour(wiltshire, areas, s) for s in (1.0, 0.5, 0.1))
    assert 0 < alone < half < tenth
    # two providers with half each travel as one with half; an uneven split travels less than even
    assert market_travel_minutes_per_contact_hour(wiltshire, areas, [50, 50]) == pytest.approx(half)
    assert alone < market_travel_minutes_per_contact_hour(wiltshire, areas, [90, 10]) < half
