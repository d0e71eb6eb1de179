"""`tender batch` on the tiny instance: every run recorded (a failure too), a batch killed or
interrupted leaving no run behind and resumed without redoing finished runs, unreadable records set
aside, bad settings refused before anything runs, and the same grid on a Dask cluster."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from solver.batch import Task, check_settings, grid, pending, read_manifest, run_batch
from solver.cli import main
from solver.instance import InputError

from .conftest import INSTANCES, ROOT

TINY = str(INSTANCES / "tiny")
SHIRE = str(INSTANCES / "shire")
ONE_LOT = "lots: {count_min: 1, count_max: 1}\n"  # the quickest run that finishes ok
CONFIGS = {"small": ONE_LOT, "impossible": "lots: {count_min: 2, count_max: 2, balance_tolerance: 0.5}\n"
           "awards: {providers_min: 5, providers_max: 5, max_lots_per_provider: 1}\n",  # 10 awards, 5 providers
           "unreadable": "lots: {count_minimum: 3}\n"}


@pytest.fixture
def configs(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "configs").mkdir()
    paths = {}
    for name, text in CONFIGS.items():
        paths[name] = str(tmp_path / "configs" / f"{name}.yaml")
        Path(paths[name]).write_text(f"name: {name}\n{text}")
    return paths


def stamps(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.json")}


def quick_configs(folder: Path, count: int) -> list[str]:
    """`count` one-lot configurations, distinct by name (so each is a run of its own)."""
    folder.mkdir()
    for i in range(count):
        (folder / f"one-{i}.yaml").write_text(f"name: one-{i}\n{ONE_LOT}")
    return sorted(str(p) for p in folder.glob("*.yaml"))


def run_processes(out: Path) -> list[int]:
    """Live run processes of a batch writing to `out` (a run's command line names its result file there)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0") if proc.name.isdigit() else []
        except OSError:  # it has just ended
            continue
        if b"solver.batch" in command and any(str(out).encode() in part for part in command):
            found.append(int(proc.name))
    return found


def table_keys(out: Path) -> set[str]:
    path = out / "results.csv"
    return set(pd.read_csv(path)["key"]) if path.exists() else set()


def wait_for(condition: Callable[[], object], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_failures_are_recorded_and_only_failed_runs_retried(tmp_path: Path, configs: dict[str, str]) -> None:
    manifest = tmp_path / "grid.yaml"
    manifest.write_text(f"instances: [{TINY}]\nconfigs: ['configs/*.yaml']\ntime_limit: 5\nseed: 1\n")
    out = tmp_path / "out"
    assert main(["batch", str(manifest), "--out", str(out)]) == 1  # a run failed
    table = pd.read_csv(out / "results.csv").set_index("config")
    assert table["status"].to_dict() == {"impossible": "infeasible", "small": "ok", "unreadable": "invalid"}
    assert "providers per lot" in table.loc["impossible", "error"]
    assert "count_minimum" in table.loc["unreadable", "error"]
    ok = table.loc["small"]
    assert ok["expected_cost_gbp_per_year"] > 0 and ok["award_stage_status"] in ("optimal", "within_gap", "feasible")
    assert ok["seed"] == 1 and ok["time_limit"] == 5 and ok["solver"] == "highs" and ok["pulp"]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), pd.read_csv(out / "results.csv"),
                                  check_dtype=False)
    before = stamps(out)
    tasks = grid([TINY], sorted(configs.values()), 1, 5.0)
    _, started = run_batch(tasks, out)
    assert started == 1  # only the failed run is retried
    after = stamps(out)
    assert [n for n in after if after[n] != before[n]] == [f"{Task(TINY, configs['unreadable'], 1, 5.0).key}.json"]


needs_proc = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads processes from /proc")


@needs_proc
def test_a_batch_killed_twice_leaves_no_run_behind_and_resumes_each_run_once(tmp_path: Path) -> None:
    configs = quick_configs(tmp_path / "configs", 3)
    out, temp = tmp_path / "out", tmp_path / "tmp"
    temp.mkdir()
    command = [sys.executable, "-m", "solver.cli", "batch", "--instances", TINY, "--configs",
               str(tmp_path / "configs" / "*.yaml"), "--time-limit", "1", "--workers", "1", "--out", str(out)]
    finished: dict[str, int] = {}
    for kill in (signal.SIGKILL, signal.SIGTERM):
        batch = subprocess.Popen(command, cwd=ROOT, env=os.environ | {"TMPDIR": str(temp)},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:  # killed with a run under way, and the first time once a run has finished and is in the table
            assert wait_for(lambda: run_processes(out) and (finished or table_keys(out)))
        finally:
            batch.send_signal(kill)
            code = batch.wait()
        if kill == signal.SIGKILL:  # the batch could not clean up: its run dies with it
            assert wait_for(lambda: not run_processes(out), 10)
        else:  # the batch ended its run before it exited
            assert code == 128 + signal.SIGTERM and not run_processes(out)
        assert {n: t for n, t in stamps(out).items() if n in finished} == finished
        finished = stamps(out)
        assert table_keys(out) <= {Path(n).stem for n in finished}  # killed, it may not have listed the last
        assert not list(temp.iterdir())
    assert 1 <= len(finished) < 3 and not list(out.rglob("*.partial"))  # caught, SIGTERM left no half file
    table, started = run_batch(grid([TINY], configs, None, 1.0), out)
    assert started == 3 - len(finished)
    assert (table["status"] == "ok").all() and sorted(table["config_path"]) == configs
    assert {n: t for n, t in stamps(out).items() if n in finished} == finished
    assert len(stamps(out)) == 3 and table_keys(out) == set(table["key"])


@needs_proc
def test_ctrl_c_ends_the_batch_and_its_run(tmp_path: Path) -> None:
    out = tmp_path / "out"

    def interrupt() -> None:
        if wait_for(lambda: run_processes(out)):
            os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):  # a run of several seconds, so Ctrl-C comes while it runs
        run_batch(grid([SHIRE], quick_configs(tmp_path / "configs", 1), None, 60.0), out)
    assert not run_processes(out)
    assert not list((out / "runs").iterdir())  # no record of the interrupted run, nor half of one
    assert pd.read_csv(out / "results.csv").empty


@pytest.mark.parametrize("content", [b'{"key": "0123", "status": "o', b"\xff\xfe garbage", b"[]", b""])
def test_an_unreadable_record_is_moved_aside_and_its_run_pending(tmp_path: Path, content: bytes,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    tasks = grid([TINY], quick_configs(tmp_path / "configs", 1), None, 1.0)
    record = tmp_path / "out" / "runs" / f"{tasks[0].key}.json"
    record.parent.mkdir(parents=True)
    record.write_bytes(content)
    assert pending(tasks, tmp_path / "out") == tasks
    assert not record.exists() and record.with_name(record.name + ".unreadable").read_bytes() == content
    assert str(record) in caplog.text and "done again" in caplog.text


def test_a_half_written_record_is_done_again(tmp_path: Path) -> None:
    tasks = grid([TINY], quick_configs(tmp_path / "configs", 1), None, 1.0)
    runs = tmp_path / "out" / "runs"
    runs.mkdir(parents=True)
    (runs / f"{tasks[0].key}.json").write_text('{"key": "')
    (runs / f"{tasks[0].key}.json.partial").write_text("{")  # left by a batch killed while writing
    table, started = run_batch(tasks, tmp_path / "out")
    assert started == 1 and list(table["status"]) == ["ok"]
    assert json.loads((runs / f"{tasks[0].key}.json").read_text())["status"] == "ok"
    assert sorted(p.name for p in runs.iterdir()) == [f"{tasks[0].key}.json", f"{tasks[0].key}.json.unreadable"]


@pytest.mark.parametrize(("setting", "key"), [("seed: -1", "seed"), ("seed: '3'", "seed"), ("seed: 1.5", "seed"),
                                              ("seed: true", "seed"), ("time_limit: 0", "time_limit"),
                                              ("time_limit: -5", "time_limit"), ("time_limit: fast", "time_limit"),
                                              ("time_limit: .nan", "time_limit"), ("time_limit: true", "time_limit")])
def test_bad_settings_in_a_manifest_are_refused_before_anything_runs(tmp_path: Path, setting: str, key: str) -> None:
    quick_configs(tmp_path / "configs", 1)
    manifest = tmp_path / "grid.yaml"
    manifest.write_text(f"instances: [{TINY}]\nconfigs: ['configs/*.yaml']\n{setting}\n")
    with pytest.raises(InputError) as error:
        read_manifest(manifest)
    [problem] = error.value.problems
    assert (problem.file, problem.key) == (str(manifest), key)
    assert main(["batch", str(manifest), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_settings_are_checked_wherever_they_come_from() -> None:
    assert check_settings(0, 5) == (0, 5.0)
    assert check_settings(None, None) == (None, None)
    with pytest.raises(InputError) as error:
        grid([TINY], [], -1, float("inf"))
    assert {(p.file, p.key) for p in error.value.problems} == {("the command line", "--seed"),
                                                               ("the command line", "--time-limit")}


def test_the_grid_runs_on_a_dask_cluster(tmp_path: Path, configs: dict[str, str]) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        table, started = run_batch(grid([TINY], [configs["small"], configs["impossible"]], 0, 5.0), tmp_path / "out",
                                   scheduler=cluster.scheduler_address)
    assert started == 2
    assert sorted(table["status"]) == ["infeasible", "ok"]
    assert len(list((tmp_path / "out" / "runs").glob("*.json"))) == 2
