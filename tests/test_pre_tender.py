"""Before the bids: estimated bids from the cost of care, indicative lot prices, bidders expected."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from solver.care_cost import lot_assumptions
from solver.cli import main
from solver.instance import load_instance
from solver.instance.schema import BID_COLUMNS
from solver.pre_tender import (
    FRAMEWORK_PREMIUM,
    INCUMBENT_BIDS,
    NEWCOMER_BIDS,
    estimated_bids,
)
from solver.rounds.pay import price_per_contact_hour
from solver.travel import incumbent_travel

from .conftest import INSTANCES

QUICK = ["--time-limit", "30", "--node-limit", "50"]


@pytest.fixture(scope="module")
def no_bids(tmp_path_factory) -> Path:
    """The tiny county with the bid columns taken out of its providers file."""
    folder = tmp_path_factory.mktemp("no-bids")
    shutil.copytree(INSTANCES / "tiny", folder, dirs_exist_ok=True)
    with open(INSTANCES / "tiny" / "providers.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(folder / "providers.csv", "w", newline="") as f:
        names = [c for c in rows[0] if c not in BID_COLUMNS]
        writer = csv.DictWriter(f, names, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return folder


def test_without_bids_a_design_needs_before_bids(no_bids: Path, tmp_path: Path, capsys) -> None:
    assert main(["design", str(no_bids), "--out", str(tmp_path), *QUICK]) == 2
    assert "--before-bids" in capsys.readouterr().err


def test_a_bid_is_the_cost_of_care_where_the_provider_works(no_bids: Path) -> None:
    """By hand for P01: the build-up at its current areas and the travel of its current clients."""
    instance = load_instance(no_bids)
    assert not instance.has_bids
    bids = estimated_bids(instance)
    travel = incumbent_travel(instance).set_index("provider_id")["travel_minutes_per_contact_hour"]
    served = instance.incumbency.loc[instance.incumbency["provider_id"] == "P01", "area_id"].tolist()
    block = price_per_contact_hour(lot_assumptions(instance, served, float(travel["P01"])))
    assert bids.loc["P01", "block_rate_gbp_per_hour"] == pytest.approx(block, abs=0.005)
    assert bids.loc["P01", "framework_rate_gbp_per_hour"] == pytest.approx(block * (1 + FRAMEWORK_PREMIUM), abs=0.01)


def test_before_bids_writes_lot_prices_and_bidders(no_bids: Path, tmp_path: Path) -> None:
    assert main(["design", str(no_bids), "--before-bids", "--out", str(tmp_path), *QUICK]) == 0
    prices = pd.read_csv(tmp_path / "lot_prices.csv").set_index("lot")
    lots = pd.read_csv(tmp_path / "lots.csv").set_index("lot")
    assert list(prices.index) == list(lots.index)
    assert (prices["indicative_price_per_contact_hour"] > 20).all() and prices["rural_uplift"].min() == 0
    for _, lot in prices.iterrows():  # every bidder declining, independently
        incumbents, newcomers = lot["incumbents_able_to_bid"], lot["providers_able_to_bid"] - lot["incumbents_able_to_bid"]
        assert lot["expected_bidders"] == pytest.approx(incumbents * INCUMBENT_BIDS + newcomers * NEWCOMER_BIDS, abs=0.06)
        assert lot["chance_of_no_bid"] == pytest.approx((1 - INCUMBENT_BIDS) ** incumbents
                                                        * (1 - NEWCOMER_BIDS) ** newcomers)
    bids = pd.read_csv(tmp_path / "estimated_bids.csv")
    assert np.isfinite(bids[list(BID_COLUMNS)].to_numpy()).all()
