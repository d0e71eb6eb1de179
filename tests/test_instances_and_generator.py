"""Shipped instances load; the generator is deterministic and calibrated; valid instances round-trip."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.cli import main
from solver.generate import generate, write_instance
from solver.instance import load_instance

from .conftest import INSTANCES

SHIPPED = sorted(p.name for p in INSTANCES.iterdir() if (p / "instance.yaml").exists())


def test_the_four_instances_are_shipped() -> None:
    assert {"tiny", "shire", "city", "county"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_instance_validates(name: str) -> None:
    instance = load_instance(INSTANCES / name)
    assert instance.graph().number_of_nodes() == len(instance.areas)
    assert abs(instance.probabilities.sum() - 1) < 1e-9


def test_shipped_sizes() -> None:
    sizes = {name: load_instance(INSTANCES / name) for name in ("tiny", "shire", "county")}
    assert len(sizes["tiny"].areas) <= 12
    assert 140 <= len(sizes["shire"].areas) <= 160 and 30 <= len(sizes["shire"].providers) <= 40
    assert len(sizes["county"].areas) >= 1000 and len(sizes["county"].providers) >= 80


def test_generator_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    for run in ("a", "b"):
        write_instance(generate("shire", 60, seed=5), tmp_path / run)
    for file in sorted((tmp_path / "a").iterdir()):
        assert file.read_bytes() == (tmp_path / "b" / file.name).read_bytes(), file.name
    write_instance(generate("shire", 60, seed=6), tmp_path / "c")
    assert (tmp_path / "a" / "areas.csv").read_bytes() != (tmp_path / "c" / "areas.csv").read_bytes()


def test_generator_is_calibrated() -> None:
    tables = generate("shire", 150, seed=11)
    areas, providers, incumbency = tables["areas"], tables["providers"], tables["incumbency"]
    hours_per_client = areas["care_hours_per_week"].sum() / areas["clients"].sum()
    assert 12.5 <= hours_per_client <= 15.5
    assert 0.012 <= areas["clients"].sum() / areas["pop_65plus"].sum() <= 0.03
    assert 0.05 <= areas["visits_15min_share"].mean() <= 0.15 and areas["visits_30min_share"].mean() > 0.5
    small = (incumbency.groupby("provider_id")["clients"].sum() <= 4).mean()
    assert 0.15 <= small <= 0.4
    volumes = providers["current_hours_per_week"].sort_values(ascending=False)
    assert volumes.iloc[0] > 5 * volumes.median()  # heavy-tailed
    assert (providers["block_rate_gbp_per_hour"] < 22.71).any()  # some bids below the cost of care
    assert set(areas["rurality"]) == {"urban", "town", "rural"}


def test_generate_command_writes_a_valid_instance(tmp_path: Path) -> None:
    assert main(["generate", "--profile", "rural", "--areas", "30", "--seed", "2", "--out", str(tmp_path / "r")]) == 0
    assert len(load_instance(tmp_path / "r").areas) == 30


def test_info_prints_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(INSTANCES / "tiny")]) == 0
    printed = capsys.readouterr().out
    assert "HHI" in printed and "rural" in printed and "Incumbents' market shares" in printed


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profile=st.sampled_from(["shire", "city", "rural"]), n_areas=st.integers(2, 40), seed=st.integers(0, 10_000),
       n_providers=st.integers(3, 12))
def test_random_valid_instances_load_and_round_trip(tmp_path_factory: pytest.TempPathFactory, profile: str,
                                                    n_areas: int, seed: int, n_providers: int) -> None:
    folder = tmp_path_factory.mktemp("gen")
    write_instance(generate(profile, n_areas, seed, n_providers), folder / "one")
    first = load_instance(folder / "one")
    assert first.graph().number_of_edges() >= n_areas - 1
    # Round trip: write what was loaded, load it again, get the same data.
    tables = {"manifest": {"name": first.name, "tables": {t: f"{t}.csv" for t in
                                                         ("areas", "adjacency", "providers", "incumbency", "scenarios")},
                           "policy": first.policy},
              "areas": first.areas.reset_index(drop=True), "providers": first.providers.reset_index(drop=True),
              "incumbency": first.incumbency, "scenarios": first.scenarios.reset_index(drop=True),
              "adjacency": pd.DataFrame(first.adjacency, columns=["area_a", "area_b"])}
    write_instance(tables, folder / "two")
    second = load_instance(folder / "two")
    assert second.adjacency == first.adjacency
    assert (second.demand - first.demand).abs().to_numpy().max() < 1e-6
    assert second.providers.equals(first.providers)
