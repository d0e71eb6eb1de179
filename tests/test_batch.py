"""`tender batch` on the tiny instance: every run recorded (a failure too), a killed batch resumed
without redoing finished runs, and the same grid on a Dask cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from solver.batch import Task, grid, run_batch
from solver.cli import main

from .conftest import INSTANCES, ROOT

TINY = str(INSTANCES / "tiny")
SMALL = "lots: {count_min: 3, count_max: 3, balance_tolerance: 0.35}\n"
CONFIGS = {"small": SMALL, "impossible": SMALL + "awards: {providers_min: 5, providers_max: 5, max_lots_per_provider: 1}\n",
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


def test_a_killed_batch_resumes_keeping_finished_runs(tmp_path: Path) -> None:
    paths = []
    for i in range(3):  # three feasible runs, distinct by content
        paths.append(tmp_path / f"small-{i}.yaml")
        paths[-1].write_text(f"name: small-{i}\n{SMALL}")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "solver.cli", "batch", "--instances", TINY, "--configs", str(tmp_path / "*.yaml"),
               "--time-limit", "5", "--workers", "1", "--out", str(out)]
    batch = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list((out / "runs").glob("*.json")) and time.monotonic() < deadline and batch.poll() is None:
        time.sleep(0.05)
    os.killpg(batch.pid, signal.SIGKILL)  # the batch and the run under way
    batch.wait()
    finished = stamps(out)
    assert 1 <= len(finished) < 3
    table, started = run_batch(grid([TINY], [str(p) for p in paths], None, 5.0), out)
    assert started == 3 - len(finished)
    assert (table["status"] == "ok").all()
    assert {n: t for n, t in stamps(out).items() if n in finished} == finished


def test_the_grid_runs_on_a_dask_cluster(tmp_path: Path, configs: dict[str, str]) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        table, started = run_batch(grid([TINY], [configs["small"], configs["impossible"]], 0, 5.0), tmp_path / "out",
                                   scheduler=cluster.scheduler_address)
    assert started == 2
    assert sorted(table["status"]) == ["infeasible", "ok"]
    assert len(list((tmp_path / "out" / "runs").glob("*.json"))) == 2
