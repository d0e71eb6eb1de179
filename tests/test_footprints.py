"""Synthetic providers work local patches: their clients sit near their offices, and rural areas are still served."""

from __future__ import annotations

import numpy as np
import pytest

from solver.generate import BRANCH_CLIENTS, generate


def office_km(tables: dict, offices: dict[str, list[str]]) -> list[np.ndarray]:
    """For each incumbency row, its area's distance (km) to each of `offices[provider]`."""
    xy = tables["areas"].set_index("area_id")[["x_km", "y_km"]]
    rows = tables["incumbency"]
    return [np.hypot(*(xy.loc[offices[p]].to_numpy() - xy.loc[a].to_numpy()).T)
            for p, a in zip(rows["provider_id"], rows["area_id"])]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_most_clients_are_within_a_patch_of_their_provider(seed: int) -> None:
    tables = generate("shire", 60, seed)
    branches = tables["providers"].attrs["branches"]
    km = office_km(tables, {p: [o for o, _ in offices] for p, offices in branches.items()})
    radius = [np.array([r for _, r in branches[p]]) for p in tables["incumbency"]["provider_id"]]
    inside = [bool((d <= r).any()) for d, r in zip(km, radius)]
    assert np.average(inside, weights=tables["incumbency"]["clients"]) >= 0.7


def test_a_providers_clients_are_nearer_its_base_than_other_providers_bases() -> None:
    tables = generate("shire", 60, 1)
    providers, rows = tables["providers"], tables["incumbency"]
    bases = list(providers["base_area_id"])
    column = {p: i for i, p in enumerate(providers["provider_id"])}
    km = np.array(office_km(tables, {p: bases for p in column}))  # incumbency rows x providers' bases
    own = km[np.arange(len(rows)), rows["provider_id"].map(column)]
    others = (km.sum(axis=1) - own) / (len(bases) - 1)
    per_provider = rows.assign(own=own * rows["clients"], others=others * rows["clients"]).groupby("provider_id")
    mean = per_provider[["own", "others"]].sum().div(per_provider["clients"].sum(), axis=0)
    assert (mean["own"] < mean["others"]).mean() >= 0.8
    assert mean["own"].median() < 0.6 * mean["others"].median()


def test_large_providers_have_branches_and_rural_clients_are_served() -> None:
    tables = generate("shire", 150, 1)
    providers, incumbency, areas = tables["providers"], tables["incumbency"], tables["areas"]
    branches = providers.attrs["branches"]
    assert all(branches[p][0][0] == b for p, b in zip(providers["provider_id"], providers["base_area_id"]))
    clients = incumbency.groupby("provider_id")["clients"].sum()
    assert len(branches[clients.idxmax()]) > 1 and clients.max() > BRANCH_CLIENTS
    rural = set(areas.loc[areas["rurality"] == "rural", "area_id"])
    served = incumbency.loc[incumbency["area_id"].isin(rural), "clients"].sum()
    assert served >= 0.85 * areas.loc[areas["rurality"] == "rural", "clients"].sum()


def test_footprints_are_deterministic_by_seed() -> None:
    first, again, other = generate("shire", 60, 4), generate("shire", 60, 4), generate("shire", 60, 5)
    assert first["providers"].attrs["branches"] == again["providers"].attrs["branches"]
    assert first["incumbency"].equals(again["incumbency"])
    assert not first["incumbency"].equals(other["incumbency"])
