"""The road model (solver/roads.py): its packaged fit, the fit's reproduction from the road-time table, and
the travel matrices it gives."""

from __future__ import annotations

import numpy as np
import pytest

from solver import roads


def test_the_packaged_fit_is_sensible() -> None:
    fit = roads.load_fit()
    pace = {c: roads.minutes_per_km(c) for c in roads.CLASSES}
    assert pace["urban"] > pace["town"] > pace["rural"] > 0  # towns' and cities' streets are slower per km
    calibration = fit["fixed_part"]["table_calibration"]  # the table: intercept + step x whole minutes
    assert calibration["largest_gap_minutes"] < 0.1 and 5 < calibration["intercept_minutes"] < 7
    for c in roads.CLASSES:  # a carer's trip: the fitted fixed part less the calibration intercept
        fixed = roads.fixed_minutes_per_trip(c)
        assert fixed == pytest.approx(fit["coefficients"][c]["fixed_minutes"] - calibration["intercept_minutes"])
        assert 0 < fixed <= 3, c
        assert fit["fit"][c]["rows"] > 500
    for c in ("urban", "town"):  # enough short trips to check the line where care rounds drive
        assert all(abs(e) < 0.5 for e in fit["fit"][c]["median_error_by_km_bin"].values()), c
    # the README's 1-15 km line has a larger intercept than the 0.5-3 km one: concave minutes against km
    lines = fit["fixed_part"]
    assert lines["line_over_1_to_15_km"]["urban"]["fixed_minutes"] > lines["line_over_0.5_to_3_km"]["urban"][
        "fixed_minutes"]


def test_speeds_keep_mileage_and_minutes_consistent() -> None:
    for c in roads.CLASSES:  # road km per straight km, from the speed and the minutes per km
        assert roads.SPEED_KMH[c] * roads.minutes_per_km(c) / 60 == pytest.approx(roads.DETOUR_FACTOR)
        assert roads.fixed_minutes_per_trip(roads.SPEED_KMH[c]) == pytest.approx(roads.fixed_minutes_per_trip(c))
    slowest, fastest = min(roads.SPEED_KMH.values()), max(roads.SPEED_KMH.values())
    assert roads.fixed_minutes_per_trip(slowest / 2) == roads.fixed_minutes_per_trip(slowest)
    assert roads.fixed_minutes_per_trip(fastest * 2) == roads.fixed_minutes_per_trip(fastest)


def test_a_travel_matrix_charges_the_fixed_part_and_access_only_between_places() -> None:
    xy = np.array([[0.0, 0.0], [0.0, 0.0], [3.0, 4.0], [3.0, 0.0]])  # two visits at one place, then 5 and 3 km
    travel = roads.travel_minutes(xy, "urban")
    assert np.all(np.diag(travel) == 0) and travel[0, 1] == 0 and np.array_equal(travel, travel.T)
    fixed, pace = roads.fixed_minutes_per_trip("urban"), roads.minutes_per_km("urban")
    assert travel[0, 2] == pytest.approx(fixed + roads.ACCESS_MINUTES + 5 * pace)
    assert travel[2, 3] == pytest.approx(fixed + roads.ACCESS_MINUTES + 4 * pace)
    without = roads.travel_minutes(xy, "urban", access_minutes=0.0)
    assert np.allclose(travel - without, np.where(roads.straight_km(xy) > 0, roads.ACCESS_MINUTES, 0.0))
    assert np.allclose(roads.travel_minutes(xy, roads.SPEED_KMH["urban"]), travel)
    for i, j, k in [(0, 2, 3), (2, 0, 3), (0, 3, 2)]:  # a detour through another place never pays
        assert travel[i, j] <= travel[i, k] + travel[k, j]


@pytest.mark.skipif(not (roads.SOURCE / roads.ROAD_TIMES).exists(), reason="../shared's road-time table is absent")
def test_the_fit_reproduces_the_packaged_coefficients() -> None:
    packaged = roads.load_fit()
    refit = roads.fit(roads.SOURCE)
    for c in roads.CLASSES:
        for name, value in packaged["coefficients"][c].items():
            assert refit["coefficients"][c][name] == pytest.approx(value, abs=0.02), (c, name)
    assert refit["provenance"]["rows_used"] == packaged["provenance"]["rows_used"]
