"""Every kind of bad input gets a message naming the file, row, column and fix, and exit code 2."""

from __future__ import annotations

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
    "disconnected": (isolate_area, ["instance.yaml", "2 separate pieces", "{A12} (1 areas)"]),
    "over capacity": (overfill_provider, ["providers.csv", "row 2", "current_hours_per_week", "above its capacity"]),
    "bad category": (set_cell("areas", 0, "rurality", "suburban"), ["row 2", "rurality", "'suburban' is not one of urban, town, rural"]),
}


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
