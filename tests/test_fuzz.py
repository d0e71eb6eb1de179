"""Malformed input of every kind, through the command line as a user gives it: each case ends in exit
2 naming the file and the key, column or option at fault, or in a clean run; never a traceback, and
never NaN or infinity in what a clean run writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.cli import main
from solver.design.config import DesignConfig, schema

from .conftest import INSTANCES, ROOT

TINY = INSTANCES / "tiny"
CURRENT = json.loads((ROOT / "docs" / "examples" / "tiny-current.json").read_text())


def command(argv: list[str], capsys) -> tuple[int, str]:
    """Exit code and everything printed; an exception escaping `main` fails the test."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as stop:  # argparse's own errors
        code = stop.code
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text and "internal error" not in text, text
    return code, text


def no_nan(folder: Path) -> None:
    for file in folder.rglob("*"):
        if file.suffix in (".json", ".csv"):
            text = file.read_text()
            assert not any(word in text for word in ("NaN", "nan,", "Infinity", ",inf")), file


def evaluate(tmp_path: Path, capsys, design: object = CURRENT, config: str | None = None) -> tuple[int, str]:
    design_file = tmp_path / "design.json"
    design_file.write_text(design if isinstance(design, str) else json.dumps(design))
    argv = ["evaluate", TINY, design_file, "--out", tmp_path / "out"]
    if config is not None:
        (tmp_path / "rules.yaml").write_text(config)
        argv += ["--config", tmp_path / "rules.yaml"]
    return command(argv, capsys)


# Configurations: each (YAML, the key the error names)
BAD_CONFIGS = [
    ("volume: {block_share_max: 80}", "volume.block_share_max"),
    ("stability: {max_provider_share: 1.7}", "stability.max_provider_share"),
    ("solver: {gap: 5}", "solver.gap"),
    ("solver: {time_limit: -5}", "solver.time_limit"),
    ("solver: {name: cplex}", "solver.name"),
    ("solver: {seed: seven}", "solver.seed"),
    ("lots: {candidate_centres: 0}", "lots.candidate_centres"),
    ("lots: {count_min: 20, count_max: 30}", "lots.count_min"),  # tiny has 12 areas
    ("lots: {count_min: 5, count_max: 3}", "lots.count_min"),
    ("lots: {count_min: 4.5}", "lots.count_min"),
    ("lots: {balance_tolerance: -0.1}", "lots.balance_tolerance"),
    ("lots: {volume_min: 500, volume_max: 100, balance_tolerance: null}", "lots.volume_min"),
    ("volume: {spot_premium: .nan}", "volume.spot_premium"),
    ("volume: {unmet_penalty_gbp_per_hour: .inf}", "volume.unmet_penalty_gbp_per_hour"),
    ("volume: {block_share_min: 1.2}", "volume.block_share_min"),
    ("volume: {block_share_min: 0.9, block_share_max: 0.5}", "volume.block_share_min"),
    ("volume: {spot: yes please}", "volume.spot"),
    ("awards: {max_lots_per_provider: -1}", "awards.max_lots_per_provider"),
    ("awards: {providers_min: 3, providers_max: 2}", "awards.providers_min"),
    ("awards: {providers_min: 40, providers_max: 40}", "awards.providers_min"),  # tiny has 5 providers
    ("awards: {min_quality: 7}", "awards.min_quality"),
    ("awards: 3", "awards"),
    ("stability: {exit_rate: 13}", "stability.exit_rate"),
    ("stability: {resilience_share: 0.3}\nawards: {providers_max: 1}", "stability.resilience_share"),
    ("continuity: {max_switched_share: 2}", "continuity.max_switched_share"),
    ("cost: {rural_uplift: 13}", "cost.rural_uplift"),
    ("lots: {count_mni: 2}", "lots.count_mni"),
    ("colour: blue", "colour"),
]


@pytest.mark.parametrize("text, key", BAD_CONFIGS)
def test_a_bad_configuration_names_its_key_before_any_solve(tmp_path: Path, capsys, text: str, key: str) -> None:
    (tmp_path / "rules.yaml").write_text(text)
    code, printed = command(["design", TINY, "--config", tmp_path / "rules.yaml", "--out", tmp_path / "out"], capsys)
    assert code == 2 and f"rules.yaml, key '{key}'" in printed, printed
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text", ["[1, 2]", "lots: [", "\x00\x01", "42"])
def test_a_configuration_that_is_not_a_mapping_is_named(tmp_path: Path, capsys, text: str) -> None:
    code, printed = evaluate(tmp_path, capsys, config=text)
    assert code == 2 and "rules.yaml" in printed


def test_the_shipped_schema_is_the_configurations_own() -> None:
    assert json.loads((ROOT / "configs" / "schema.json").read_text()) == schema()


SETTINGS = {section: [f.name for f in DesignConfig.__dataclass_fields__[section].default_factory().__dataclass_fields__
                      .values()] for section in ("lots", "awards", "volume", "cost", "continuity", "stability",
                                                 "coverage")}
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from(["", "0.5", "many", "80%"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(section=st.sampled_from(sorted(SETTINGS)), data=st.data())
def test_any_value_of_any_setting_is_refused_clearly_or_evaluated(tmp_path_factory, capsys, section: str,
                                                                  data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(SETTINGS[section]))
    value = data.draw(VALUES)
    folder = tmp_path_factory.mktemp("setting")
    code, printed = evaluate(folder, capsys, config=json.dumps({section: {key: value}}))
    assert code in (0, 2), printed
    if code == 2:
        assert f"key '{section}." in printed, printed
    else:
        no_nan(folder / "out")


# Design files: each (how the file is broken, the key the error names)
def with_award(**fields) -> dict:
    return {**CURRENT, "awards": [{**CURRENT["awards"][0], **fields}, *CURRENT["awards"][1:]]}


BAD_DESIGNS = [
    ([1, 2], None),
    ({**CURRENT, "schema_version": 2}, "schema_version"),
    (with_award(block_hours_per_week="100"), "awards[0].block_hours_per_week"),
    (with_award(block_hours_per_week=-1), "awards[0].block_hours_per_week"),
    (with_award(block_hours_per_week=1_000_000), "awards"),  # beyond the provider's capacity
    (with_award(call_off_floor_hours_per_week=50, call_off_ceiling_hours_per_week=10),
     "awards.call_off_ceiling_hours_per_week"),
    (with_award(colour="blue"), "awards[0].colour"),
    (with_award(provider=7), "awards[0].provider"),
    ({**CURRENT, "awards": CURRENT["awards"] + [CURRENT["awards"][0]]}, "awards"),  # one award twice
    ({**CURRENT, "awards": [a for a in CURRENT["awards"] if a["lot"] != "West"]}, "awards"),  # a lot with none
    ({**CURRENT, "lots": CURRENT["lots"][:2]}, "lots"),
    ({**CURRENT, "lots": CURRENT["lots"] + [CURRENT["lots"][0]]}, "lots"),
    ({**CURRENT, "lots": "Town"}, "lots"),
    ({**CURRENT, "lots": [{"lot": "Town", "areas": "A01"}]}, "lots[0].areas"),
    ({**CURRENT, "config": [1]}, "config"),
    ({**CURRENT, "config": {"volume": {"spot_premium": 25}}}, "volume.spot_premium"),
    ({**CURRENT, "extra": 1}, "extra"),
]


@pytest.mark.parametrize("design, key", BAD_DESIGNS)
def test_a_bad_design_file_names_its_key(tmp_path: Path, capsys, design: object, key: str | None) -> None:
    code, printed = evaluate(tmp_path, capsys, design=design)
    assert code == 2 and "design.json" in printed, printed
    assert key is None or f"key '{key}'" in printed, printed


def test_nan_hours_in_a_design_file_are_refused(tmp_path: Path, capsys) -> None:
    text = json.dumps(with_award(block_hours_per_week=1.0)).replace('"block_hours_per_week": 1.0',
                                                                    '"block_hours_per_week": NaN', 1)
    code, printed = evaluate(tmp_path, capsys, design=text)
    assert code == 2 and "key 'awards[0].block_hours_per_week'" in printed and "finite" in printed


def test_a_good_design_file_evaluates_without_nan(tmp_path: Path, capsys) -> None:
    code, _ = evaluate(tmp_path, capsys)
    assert code == 0
    no_nan(tmp_path / "out")


# Options: refused by the command line before anything is read or solved
BAD_OPTIONS = [
    (["design", TINY, "--time-limit", "-5"], "--time-limit"),
    (["design", TINY, "--time-limit", "nan"], "--time-limit"),
    (["design", TINY, "--gap", "-1"], "--gap"),
    (["design", TINY, "--gap", "5"], "--gap"),
    (["design", TINY, "--node-limit", "0"], "--node-limit"),
    (["design", TINY, "--seed", "-1"], "--seed"),
    (["design", TINY, "--out", ROOT / "README.md"], "--out"),
    (["design", TINY, "--out", "/proc/tender"], "--out"),
    (["info", TINY, "--top", "-3"], "--top"),
    (["generate", "--areas", "10", "--providers", "0", "--out", "x"], "--providers"),
    (["generate", "--areas", "0", "--out", "x"], "--areas"),
    (["compare", TINY, "--configs", ROOT / "configs" / "balanced.yaml", "--draws", "0"], "--draws"),
    (["compare", TINY, "--configs", ROOT / "configs" / "balanced.yaml", "--exit-rate", "1.5"], "--exit-rate"),
    (["rounds", TINY, "--areas", "A01", "--time-limit", "-1"], "--time-limit"),
    (["rounds", TINY, "--areas", "A01", "--days", "0"], "--days"),
    (["rounds", TINY, "--areas", "A01", "--share", "1.5"], "--share"),
    (["batch", "--instances", TINY, "--configs", ROOT / "configs" / "balanced.yaml", "--workers", "0"], "--workers"),
    (["batch", "--instances", TINY, "--configs", ROOT / "configs" / "balanced.yaml", "--time-limit", "-5"],
     "--time-limit"),
]


@pytest.mark.parametrize("argv, option", BAD_OPTIONS, ids=[" ".join(map(str, a[1:])) for a, _ in BAD_OPTIONS])
def test_a_bad_option_is_named_before_any_work(capsys, argv: list, option: str) -> None:
    code, printed = command(argv, capsys)
    assert code == 2 and (f"argument {option}:" in printed or f"line, key '{option}'" in printed), printed


def test_compare_takes_an_instance_folder_given_after_its_configurations(tmp_path: Path, capsys) -> None:
    typo = tmp_path / "typo.yaml"
    typo.write_text("lots: {count_mni: 2}\n")
    code, printed = command(["compare", "--configs", typo, TINY], capsys)
    assert code == 2 and "typo.yaml, key 'lots.count_mni'" in printed


def test_version(capsys) -> None:
    code, printed = command(["--version"], capsys)
    assert code == 0 and printed.startswith("tender ")


# Instances: each (file, how it is broken, what the error names)
def break_instance(folder: Path, file: str, change) -> None:
    path = folder / file
    path.write_text(change(path.read_text()))


BAD_INSTANCES = [
    ("instance.yaml", lambda t: t.replace("national_living_wage_gbp_per_hour: 12.21",
                                          "national_living_wage_gbp_per_hour: .nan"), "national_living_wage"),
    ("instance.yaml", lambda t: t.replace("council_rate_gbp_per_hour: 24.1", "council_rate_gbp_per_hour: .inf"),
     "council_rate"),
    ("providers.csv", lambda t: t.splitlines()[0] + "\n", "providers.csv"),
    ("areas.csv", lambda t: t.splitlines()[0] + "\n", "areas.csv"),
    ("providers.csv", lambda t: t.replace(",", ";"), "providers.csv"),
]


@pytest.mark.parametrize("file, change, named", BAD_INSTANCES)
def test_a_bad_instance_is_named(tmp_path: Path, capsys, file: str, change, named: str) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    break_instance(folder, file, change)
    for argv in (["validate", folder], ["evaluate", folder, ROOT / "docs" / "examples" / "tiny-current.json",
                                         "--out", tmp_path / "out"]):
        code, printed = command(argv, capsys)
        assert code == 2 and named in printed, printed


def test_huge_hours_are_refused(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    lines = (folder / "areas.csv").read_text().splitlines()
    header = lines[0].split(",")
    column = header.index("care_hours_per_week")
    row = lines[1].split(",")
    row[column] = "1e300"
    (folder / "areas.csv").write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n")
    code, printed = command(["validate", folder], capsys)
    assert code == 2 and "care_hours_per_week" in printed
