"""Every kind of bad input gets a message naming the file, row, column and fix, and exit code 2."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest
import yaml

from solver.cli import main
from solver.instance import InputError, load_instance


def edit_csv(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame).to_csv(path, index=False)


def set_cell(table: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    def breaker(folder: Path) -> None:
        def change(frame: pd.DataFrame) -> pd.DataFrame:
            frame.loc[row, column] = value
            return frame
        edit_csv(folder / f"{table}.csv", change)
    return breaker


def drop_column(table: str, column: str) -> Callable[[Path], None]:
    return lambda folder: edit_csv(folder / f"{table}.csv", lambda f: f.drop(columns=[column]))


def duplicate_row(table: str, row: int) -> Callable[[Path], None]:
    return lambda folder: edit_csv(folder / f"{table}.csv", lambda f: pd.concat([f, f.iloc[[row]]], ignore_index=True))


def remove_file(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).unlink()


def isolate_area(folder: Path) -> None:
    edit_csv(folder / "adjacency.csv", lambda f: f[(f.area_a != "A12") & (f.area_b != "A12")])


def overfill_provider(folder: Path) -> None:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[0, "max_hours_per_week"] = str(float(frame.loc[0, "current_hours_per_week"]) - 1)
        return frame
    edit_csv(folder / "providers.csv", change)


def set_column(table: str, column: str, value: str | Callable[[pd.Series], pd.Series]) -> Callable[[Path], None]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame[column] = value(frame[column]) if callable(value) else value
        return frame
    return lambda folder: edit_csv(folder / f"{table}.csv", change)


def rename_column(table: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda folder: edit_csv(folder / f"{table}.csv", lambda f: f.rename(columns={old: new}))


def edit_text(name: str, change: Callable[[str], str]) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_text(change((folder / name).read_text()))


def edit_bytes(name: str, change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(change((folder / name).read_bytes()))


def edit_lines(name: str, change: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    return edit_text(name, lambda text: "\n".join(change(text.splitlines())) + "\n")


def set_policy(key: str, value: str) -> Callable[[Path], None]:
    """The value as YAML text, so that .nan and .inf can be written."""
    return edit_text("instance.yaml", lambda text: re.sub(rf"(?m)^  {key}:.*$", f"  {key}: {value}", text))


def header_only(table: str) -> Callable[[Path], None]:
    return edit_lines(f"{table}.csv", lambda lines: lines[:1])


def separated_by(table: str, separator: str) -> Callable[[Path], None]:
    def breaker(folder: Path) -> None:
        frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
        frame.to_csv(folder / f"{table}.csv", index=False, sep=separator)
    return breaker


def workbook_named_csv(folder: Path) -> None:
    frame = pd.read_csv(folder / "areas.csv", dtype=str, keep_default_na=False)
    frame.to_excel(folder / "areas.xlsx", index=False)
    (folder / "areas.xlsx").replace(folder / "areas.csv")


def both(*breakers: Callable[[Path], None]) -> Callable[[Path], None]:
    def breaker(folder: Path) -> None:
        for each in breakers:
            each(folder)
    return breaker


def coordinates(x: Callable[[pd.Series], pd.Series], y: Callable[[pd.Series], pd.Series]) -> Callable[[Path], None]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame["x_km"] = x(frame["x_km"].astype(float)).round(5).astype(str)
        frame["y_km"] = y(frame["y_km"].astype(float)).round(5).astype(str)
        return frame
    return lambda folder: edit_csv(folder / "areas.csv", change)


def lat_lon_swapped(frame: pd.DataFrame) -> pd.DataFrame:
    frame["lon"] = (51.0 + frame.pop("y_km").astype(float) / 111.2).round(5).astype(str)
    frame["lat"] = (-0.5 + frame.pop("x_km").astype(float) / 70.0).round(5).astype(str)
    return frame


CASES = {
    # name: (breaker, substrings the message must hold)
    "missing file": (remove_file("providers.csv"), ["providers.csv", "does not exist", "create it"]),
    "missing column": (drop_column("areas", "care_hours_per_week"), ["areas.csv", "missing column 'care_hours_per_week'"]),
    "wrong type": (set_cell("areas", 2, "clients", "many"), ["areas.csv", "row 4", "column 'clients'", "'many' is not a number"]),
    "negative hours": (set_cell("areas", 0, "care_hours_per_week", "-5"), ["row 2", "care_hours_per_week", "below the minimum 0"]),
    "NaN hours": (set_cell("incumbency", 1, "hours_per_week", "NaN"), ["incumbency.csv", "row 3", "hours_per_week", "is empty"]),
    "duplicate id": (duplicate_row("providers", 0), ["providers.csv", "row 7", "duplicate provider_id=P01"]),
    "unknown area in adjacency": (set_cell("adjacency", 0, "area_b", "Z99"), ["adjacency.csv", "row 2", "area_b", "'Z99' is not an id in the areas table"]),
    "unknown provider in incumbency": (set_cell("incumbency", 0, "provider_id", "P77"), ["incumbency.csv", "row 2", "'P77' is not an id in the providers table"]),
    "unknown provider base": (set_cell("providers", 1, "base_area_id", "A99"), ["providers.csv", "row 3", "base_area_id", "'A99'"]),
    "probabilities": (set_cell("scenarios", 0, "probability", "0.5"), ["scenarios.csv", "probability", "sum to 0.95, not 1"]),
    "disconnected": (isolate_area, ["instance.yaml", "key 'tables.adjacency'", "2 separate pieces", "{A12} (1 areas)"]),
    "over capacity": (overfill_provider, ["providers.csv", "row 2", "current_hours_per_week", "above its capacity"]),
    "bad category": (set_cell("areas", 0, "rurality", "suburban"), ["row 2", "rurality", "'suburban' is not one of urban, town, rural"]),
    # policy: finite, plain numbers within their limits
    "policy NaN": (set_policy("national_living_wage_gbp_per_hour", ".nan"), ["instance.yaml", "key 'policy.national_living_wage_gbp_per_hour'", "'nan' is not a number"]),
    "policy infinite": (set_policy("mileage_rate_gbp_per_mile", ".inf"), ["instance.yaml", "policy.mileage_rate_gbp_per_mile", "'inf' is not a finite number"]),
    "policy huge": (set_policy("council_rate_gbp_per_hour", "1.0e+300"), ["policy.council_rate_gbp_per_hour", "above the maximum 1000", "in pounds an hour"]),
    "policy zero wage": (set_policy("national_living_wage_gbp_per_hour", "0"), ["policy.national_living_wage_gbp_per_hour", "0 is below the minimum 1"]),
    "policy short year": (set_policy("year", "25"), ["policy.year", "25 is below the minimum 1990"]),
    "policy quoted number": (set_policy("year", "'2025'"), ["policy.year", "'2025' is not a number", "without quotes"]),
    "policy misspelt key": (edit_text("instance.yaml", lambda t: t.replace("mileage_rate_gbp_per_mile", "mileage_gbp_per_mile")),
                            ["key 'policy.mileage_rate_gbp_per_mile'", "rename 'mileage_gbp_per_mile' to 'mileage_rate_gbp_per_mile'"]),
    "policy mapping misspelt": (edit_text("instance.yaml", lambda t: t.replace("policy:", "polcy:")),
                                ["instance.yaml", "needs a 'policy' mapping", "rename 'polcy' to 'policy'"]),
    "unknown table misspelt": (edit_text("instance.yaml", lambda t: t.replace("incumbency: incumbency.csv", "incumbancy: incumbency.csv")),
                               ["instance.yaml", "unknown table 'incumbancy'", "rename it 'incumbency'"]),
    "manifest not UTF-8": (edit_bytes("instance.yaml", lambda b: b.replace(b"Synthetic", b"Synth\xe9tic")), ["instance.yaml", "is not UTF-8 text", "save it as UTF-8"]),
    # impossible magnitudes, often the wrong unit
    "huge area hours": (set_cell("areas", 0, "care_hours_per_week", "1e300"), ["areas.csv", "row 2", "column 'care_hours_per_week'", "above the maximum 10,000,000"]),
    "huge capacity": (set_cell("providers", 0, "max_hours_per_week", "1e300"), ["providers.csv", "row 2", "column 'max_hours_per_week'", "above the maximum 10,000,000"]),
    "bids in pence": (set_cell("providers", 0, "block_rate_gbp_per_hour", "2498"), ["providers.csv", "row 2", "block_rate_gbp_per_hour", "in pounds an hour"]),
    "coordinates in metres": (set_cell("areas", 0, "x_km", "409853"), ["areas.csv", "row 2", "column 'x_km'", "in kilometres (metres / 1000)"]),
    "multiplier huge": (set_cell("scenarios", 1, "multiplier_rural", "1e300"), ["scenarios.csv", "row 3", "multiplier_rural", "above the maximum 100"]),
    "no care at all": (set_column("areas", "care_hours_per_week", "0"), ["areas.csv", "care_hours_per_week", "every area has 0 care hours a week"]),
    "hours in no visits": (set_column("areas", "visits_per_week", "0"), ["areas.csv", "row 2", "visits_per_week", "in 0 visits"]),
    "areas at one point": (both(set_cell("areas", 4, "x_km", "9.853"), set_cell("areas", 4, "y_km", "10.624")),
                           ["areas.csv", "row 6", "column 'x_km/y_km'", "areas A01 (row 2) and A05 (row 6) are at the same point (x_km 9.853, y_km 10.624)",
                            "give each area its own centre"]),
    "geography not a mapping": (edit_text("instance.yaml", lambda t: t + "geography: EPSG:27700\n"),
                                ["instance.yaml", "key 'geography'", "geography is str 'EPSG:27700', not a mapping", "or remove geography"]),
    # empty tables: one clear problem, not a cascade
    "header-only providers": (header_only("providers"), ["providers.csv", "has a header but no rows — give at least one provider"]),
    "header-only areas": (header_only("areas"), ["areas.csv", "has a header but no rows — give at least one area"]),
    "header-only scenarios": (header_only("scenarios"), ["scenarios.csv", "at least one scenario"]),
    "header-only adjacency": (header_only("adjacency"), ["adjacency.csv", "or remove 'adjacency' from the tables"]),
    "empty file": (edit_text("providers.csv", lambda t: ""), ["providers.csv", "is empty", "provider_id,name,base_area_id", "at least one provider"]),
    "no header row": (edit_lines("areas.csv", lambda lines: lines[1:]), ["areas.csv", "row 1", "has no header row", "insert the header row area_id,name"]),
    # file format
    "semicolons": (separated_by("areas", ";"), ["areas.csv", "this file is separated by ';'", "save it as comma-separated"]),
    "tabs": (separated_by("providers", "\t"), ["providers.csv", "this file is separated by tabs", "save it as comma-separated"]),
    "Windows-1252": (edit_bytes("areas.csv", lambda b: b.replace(b"Elmwick 2,", b"Elmw\xefck 2,")), ["areas.csv", "row 3", "is not UTF-8 text", "CSV UTF-8"]),
    "workbook named .csv": (workbook_named_csv, ["areas.csv", "zipped file", ".xlsx name"]),
    "header repeated": (edit_lines("areas.csv", lambda lines: lines[:5] + lines[:1] + lines[5:]), ["areas.csv", "row 6", "repeats the header row"]),
    "column named twice": (edit_lines("areas.csv", lambda lines: [line + "," + line.split(",")[6] for line in lines]),
                           ["areas.csv", "row 1", "names column 'clients' twice (columns G and N)"]),
    "extra cell": (edit_lines("areas.csv", lambda lines: lines[:3] + [lines[3] + ",extra"] + lines[4:]),
                   ["areas.csv", "row 4", "has 14 cells but the header names 13 columns"]),
    "rows count blank lines": (both(set_cell("areas", 4, "clients", "x"), edit_lines("areas.csv", lambda lines: lines[:3] + ["", ",,,"] + lines[3:])),
                               ["areas.csv", "row 8", "column 'clients'", "'x' is not a number"]),
    # names near a name of the format
    "misspelt required column": (rename_column("areas", "care_hours_per_week", "care_hours_per_wk"),
                                 ["areas.csv", "missing column 'care_hours_per_week'", "rename 'care_hours_per_wk' to 'care_hours_per_week'"]),
    "misspelt mix column": (rename_column("areas", "visits_15min_share", "visits_15_min_share"),
                            ["areas.csv", "but not visits_15min_share", "rename 'visits_15_min_share' to 'visits_15min_share'"]),
    "header in capitals": (edit_lines("areas.csv", lambda lines: [lines[0].upper()] + lines[1:]), ["areas.csv", "rename 'AREA_ID' to 'area_id'"]),
    "id in other case": (set_cell("incumbency", 0, "area_id", "a01"), ["incumbency.csv", "row 2", "column 'area_id'", "did you mean 'A01'?"]),
    "category in other case": (set_cell("areas", 0, "rurality", "Urban"), ["areas.csv", "row 2", "rurality", "write 'urban'"]),
}

ONE_PROBLEM = ("header-only providers", "header-only areas", "header-only scenarios", "empty file", "no header row",
               "semicolons", "tabs", "Windows-1252", "header repeated", "column named twice", "unknown table misspelt")
"""Whole-file mistakes: one problem each, not one per cell or a cascade through the other tables."""


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_named_and_exits_2(case: str, tiny_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    breaker, expected = CASES[case]
    breaker(tiny_copy)
    with pytest.raises(InputError) as caught:
        load_instance(tiny_copy)
    message = str(caught.value)
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"
    assert main(["validate", str(tiny_copy)]) == 2
    printed = capsys.readouterr().err
    assert "Traceback" not in printed and expected[-1] in printed.replace("\n", " ")


@pytest.mark.parametrize("case", ONE_PROBLEM)
def test_a_broken_file_is_one_problem(case: str, tiny_copy: Path) -> None:
    CASES[case][0](tiny_copy)
    with pytest.raises(InputError) as caught:
        load_instance(tiny_copy)
    assert len(caught.value.problems) == 1, str(caught.value)


WARNINGS = {
    # name: (change, substrings one warning must hold)
    "misspelt optional column": (rename_column("areas", "double_handed_share", "double_handed"),
                                 ["areas.csv", "column 'double_handed'", "did you mean 'double_handed_share'?"]),
    "misspelt policy key": (edit_text("instance.yaml", lambda t: t.replace("budget_gbp_per_year", "budget_gbp_per_yr")),
                            ["instance.yaml", "key 'policy.budget_gbp_per_yr'", "did you mean 'budget_gbp_per_year'?"]),
    "degrees west of Greenwich": (coordinates(lambda x: -0.5 + x / 70, lambda y: 51 + y / 111.2),
                                  ["areas.csv", "x_km/y_km", "look like longitude/latitude in degrees"]),
    "degrees east of Greenwich": (coordinates(lambda x: 0.9 + x / 70, lambda y: 52.5 + y / 111.2),
                                  ["areas.csv", "x_km/y_km", "look like longitude/latitude in degrees"]),
    "metres as kilometres": (coordinates(lambda x: x * 1000, lambda y: y * 1000), ["areas.csv", "x_km/y_km", "divide metres by 1000"]),
    "points metres apart": (coordinates(lambda x: x / 100, lambda y: y / 100), ["areas.csv", "x_km/y_km", "a median 14 m from their nearest neighbour"]),
    "lat/lon swapped": (lambda folder: edit_csv(folder / "areas.csv", lat_lon_swapped), ["areas.csv", "column 'lat'", "outside the usual 49 to 61"]),
    "every bid zero": (set_column("providers", "block_rate_gbp_per_hour", "0"),
                       ["providers.csv", "block_rate_gbp_per_hour", "5 of 5 bids are below the National Living Wage (£12.21)", "row 2 (P01 £0.00)"]),
    "one bid zero": (set_cell("providers", 1, "framework_rate_gbp_per_hour", "0"),
                     ["providers.csv", "framework_rate_gbp_per_hour", "1 of 5 bids is below", "row 3 (P02 £0.00)"]),
    "bid below half the wage": (set_cell("providers", 2, "block_rate_gbp_per_hour", "5"), ["providers.csv", "row 4 (P03 £5.00)"]),
    "bid above £100": (set_cell("providers", 0, "block_rate_gbp_per_hour", "150"), ["providers.csv", "block_rate_gbp_per_hour", "above £100 an hour"]),
    "high living wage": (set_policy("national_living_wage_gbp_per_hour", "30"), ["instance.yaml", "policy.national_living_wage_gbp_per_hour", "outside the usual 5 to 25"]),
    "large provider": (set_cell("providers", 0, "max_hours_per_week", "60000"), ["providers.csv", "row 2", "max_hours_per_week", "outside the usual 0 to 50,000"]),
    "large area": (set_cell("areas", 0, "care_hours_per_week", "50000"), ["areas.csv", "row 2", "care_hours_per_week", "outside the usual 0 to 20,000"]),
    "zero multiplier": (set_cell("scenarios", 1, "multiplier_rural", "0"), ["scenarios.csv", "row 3", "multiplier_rural", "outside the usual 0.5 to 2"]),
    "base not first": (edit_lines("scenarios.csv", lambda lines: [lines[0], lines[2], lines[1], *lines[3:]]),
                       ["scenarios.csv", "row 3", "scenario 'base' is row 3", "move 'base' to the first row"]),
    "base without weight": (both(set_cell("scenarios", 0, "probability", "0"), set_cell("scenarios", 1, "probability", "0.75")),
                            ["scenarios.csv", "row 2", "probability", "its probability is 0"]),
    "visits too short": (set_column("areas", "visits_per_week", "10000"), ["areas.csv", "visits_per_week", "mean visit outside 10 to 120 minutes"]),
    "provider without incumbency": (edit_lines("incumbency.csv", lambda lines: [line for line in lines if not line.startswith("P02")]),
                                    ["provider P02's incumbency rows add up to 0 hours/week"]),
}


@pytest.mark.parametrize("case", sorted(WARNINGS))
def test_suspicious_input_is_a_warning(case: str, tiny_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    change, expected = WARNINGS[case]
    change(tiny_copy)
    warnings = [str(w) for w in load_instance(tiny_copy).warnings]
    assert any(all(text in w for text in expected) for w in warnings), warnings
    assert main(["validate", str(tiny_copy)]) == 0
    assert expected[-1] in " ".join(capsys.readouterr().err.split())  # as printed, wrapped


HARMLESS = {
    "byte-order mark": edit_bytes("areas.csv", lambda b: b"\xef\xbb\xbf" + b),
    "UTF-16": edit_bytes("areas.csv", lambda b: b.decode().encode("utf-16")),
    "Windows line endings": edit_bytes("areas.csv", lambda b: b.replace(b"\n", b"\r\n")),
    "old Mac line endings": edit_bytes("providers.csv", lambda b: b.replace(b"\n", b"\r")),
    "blank lines": edit_lines("areas.csv", lambda lines: [""] + lines[:4] + ["", "  "] + lines[4:] + [""]),
    "spreadsheet's empty rows": edit_lines("areas.csv", lambda lines: lines + [",,,,,,,,,,,,"] * 3),
    "spreadsheet's empty columns": edit_lines("areas.csv", lambda lines: [line + ",," for line in lines]),
    "quoted cells": edit_lines("providers.csv", lambda lines: [",".join(f'"{c}"' for c in line.split(",")) for line in lines]),
    "spaces around names and ids": both(edit_lines("areas.csv", lambda lines: [lines[0].replace("area_id", " area_id ")] + lines[1:]),
                                       set_cell("incumbency", 0, "area_id", "A01 ")),
    "an extra column": set_column("areas", "notes", "anything"),
    "manifest with Windows line endings": edit_bytes("instance.yaml", lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n")),
}


@pytest.mark.parametrize("case", sorted(HARMLESS))
def test_harmless_variants_load_cleanly(case: str, tiny_copy: Path) -> None:
    original = load_instance(tiny_copy)
    HARMLESS[case](tiny_copy)
    instance = load_instance(tiny_copy)
    assert [str(w) for w in instance.warnings] == []
    assert instance.demand.equals(original.demand) and instance.providers.equals(original.providers)


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no instance manifest"):
        load_instance(tmp_path)


def test_console_script_prints_no_traceback(tiny_copy: Path) -> None:
    set_cell("areas", 0, "care_hours_per_week", "-1")(tiny_copy)
    result = subprocess.run([sys.executable, "-m", "solver.cli", "validate", str(tiny_copy)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "care_hours_per_week" in result.stderr


def test_several_problems_are_all_reported(tiny_copy: Path) -> None:
    set_cell("areas", 0, "clients", "x")(tiny_copy)
    set_cell("areas", 1, "clients", "-2")(tiny_copy)
    with pytest.raises(InputError) as caught:
        load_instance(tiny_copy)
    assert len(caught.value.problems) == 2


def test_suspicious_inputs_are_warnings(tiny_copy: Path) -> None:
    def shrink(frame: pd.DataFrame) -> pd.DataFrame:
        frame["max_hours_per_week"] = frame["current_hours_per_week"]
        frame["min_viable_hours_per_week"] = "0"
        return frame
    edit_csv(tiny_copy / "providers.csv", shrink)
    edit_csv(tiny_copy / "incumbency.csv", lambda f: f[f.area_id != "A03"])
    instance = load_instance(tiny_copy)
    text = " ".join(str(w) for w in instance.warnings)
    assert "capacity" in text and "below demand" in text
    assert "no incumbent provider: A03" in text


def test_areas_at_one_point_are_one_problem(tiny_copy: Path) -> None:
    """Three areas at one point, given as lat/lon: one problem naming all three (Voronoi cells need distinct points)."""
    def to_lat_lon(frame: pd.DataFrame) -> pd.DataFrame:
        frame = lat_lon_swapped(frame).rename(columns={"lat": "lon", "lon": "lat"})
        frame.loc[[3, 7], ["lat", "lon"]] = frame.loc[[0, 0], ["lat", "lon"]].to_numpy()
        return frame
    edit_csv(tiny_copy / "areas.csv", to_lat_lon)
    with pytest.raises(InputError) as caught:
        load_instance(tiny_copy)
    [problem] = caught.value.problems
    assert problem.column == "lat/lon" and problem.row == 5
    assert problem.message.startswith("areas A01 (row 2), A04 (row 5) and A08 (row 9) are at the same point (lat ")


def test_free_form_provenance(tiny_copy: Path) -> None:
    manifest = yaml.safe_load((tiny_copy / "instance.yaml").read_text())
    manifest["provenance"] = "made by hand from the council's spreadsheets"
    (tiny_copy / "instance.yaml").write_text(yaml.safe_dump(manifest))
    assert load_instance(tiny_copy).adjacency_note == f"from {tiny_copy / 'adjacency.csv'}"


def test_derived_adjacency_when_absent(tiny_copy: Path) -> None:
    manifest = yaml.safe_load((tiny_copy / "instance.yaml").read_text())
    del manifest["tables"]["adjacency"]
    (tiny_copy / "instance.yaml").write_text(yaml.safe_dump(manifest))
    instance = load_instance(tiny_copy)
    assert "Delaunay" in instance.adjacency_note
    assert len(instance.adjacency) >= len(instance.areas) - 1


def test_xlsx_workbook_and_lat_lon(tiny_copy: Path) -> None:
    """Tables may be sheets of one workbook, and coordinates latitude/longitude."""
    original = load_instance(tiny_copy)
    manifest = yaml.safe_load((tiny_copy / "instance.yaml").read_text())
    frames = {name: pd.read_csv(tiny_copy / file, dtype=str, keep_default_na=False)
              for name, file in manifest["tables"].items()}
    areas = frames["areas"]
    areas["lat"] = (51.0 + areas.pop("y_km").astype(float) / 111.2).round(6).astype(str)
    areas["lon"] = (-2.0 + areas.pop("x_km").astype(float) / 70.0).round(6).astype(str)
    with pd.ExcelWriter(tiny_copy / "book.xlsx") as book:
        for name, frame in frames.items():
            frame.to_excel(book, sheet_name=name, index=False)
    manifest["tables"] = {name: f"book.xlsx#{name}" for name in frames}
    (tiny_copy / "instance.yaml").write_text(yaml.safe_dump(manifest))
    instance = load_instance(tiny_copy)
    assert instance.demand.equals(original.demand)
    ratio = instance.distance_km().to_numpy().sum() / original.distance_km().to_numpy().sum()
    assert ratio == pytest.approx(1.0, abs=0.01)
