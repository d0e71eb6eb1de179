"""Batches: a grid of instances × configurations, each pair optimised and scored as an isolated run.

Each run is a subprocess of its own (`python -m solver.batch TASK RESULT`), started from a
local thread pool or from a Dask worker, so a crash or a timeout loses that run only, and no run
outlives its batch (`solver.processes`). A run writes its record to `runs/<key>.json` itself, the key a
hash of the instance path, the configuration's text, the seed and the time limit; every file is
written whole or not at all (to a `.partial`, then renamed) and the results table is rewritten as each
run finishes, so a batch killed at any moment leaves every finished run and a table of them. A rerun
skips runs already there except failed ones, which are retried, and moves aside a record it cannot
read (`<key>.json.unreadable`), doing its run again.
"""

from __future__ import annotations

import glob
import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import closing
from dataclasses import asdict, dataclass, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .design.config import SOLVER_OPTIONS, DesignConfig, load_config, with_solver
from .instance import InputError, Instance, Problem
from .processes import Processes, signals_as_exit

FINAL = ("ok", "infeasible")  # a run with another status (invalid, error, failed: it crashed) is retried
PACKAGES = {"tender_solver": "tender-solver", "pulp": "pulp", "highspy": "highspy", "ortools": "ortools"}
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    """One run of the grid; `seed` and `time_limit` override the configuration's when given."""

    instance: str
    config: str
    seed: int | None = None
    time_limit: float | None = None

    @property
    def key(self) -> str:
        limit = None if self.time_limit is None else float(self.time_limit)  # 5 and 5.0 are one run
        text = json.dumps([str(Path(self.instance).resolve()), Path(self.config).read_text(), self.seed, limit])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def timeout(self) -> float:
        """Wall-clock seconds before the run is killed: the solve, plus loading and evaluation."""
        limit = self.time_limit
        if limit is None:
            try:
                limit = load_config(self.config).solver.time_limit
            except InputError:
                limit = 0.0  # the run fails at once on the same error
        return 3 * limit + 60.0


def expand(patterns: list[str], base: Path, what: str) -> list[str]:
    """Paths matching the patterns (relative to `base`), in order, each once; an empty pattern is an error."""
    found: list[str] = []
    problems = []
    for pattern in patterns:
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        matches = sorted(glob.glob(full))
        if what == "instances":
            matches = [m for m in matches if Path(m).is_file() or (Path(m) / "instance.yaml").exists()]
        if not matches:
            problems.append(Problem(f"no {what} match '{pattern}'", str(base), fix="check the path or glob"))
        found += [m for m in matches if m not in found]
    if problems:
        raise InputError(problems)
    return found


def read_manifest(path: Path) -> tuple[list[str], list[str], int | None, float | None]:
    """Instances, configurations (paths or globs relative to the manifest's folder), seed and time limit."""
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise InputError([Problem(f"cannot read the manifest ({error})", str(path))]) from None
    missing = [key for key in ("instances", "configs") if not isinstance(raw.get(key), list)]
    unknown = sorted(set(raw) - {"instances", "configs", "seed", "time_limit"})
    if missing or unknown:
        raise InputError([Problem(f"the manifest needs lists 'instances' and 'configs' (missing: {missing}) and "
                                  f"takes only 'seed' and 'time_limit' besides (unknown: {unknown})", str(path))])
    seed, time_limit = check_settings(raw.get("seed"), raw.get("time_limit"), str(path),
                                      {"solver.seed": "seed", "solver.time_limit": "time_limit"})
    base = path.parent
    return expand(raw["instances"], base, "instances"), expand(raw["configs"], base, "configs"), seed, time_limit


def check_settings(seed: object, time_limit: object, source: str = "the command line",
                   keys: dict[str, str] | None = None) -> tuple[int | None, float | None]:
    """The seed and time limit of every run (None: each configuration's own), checked by the
    configuration's own rules before anything runs; InputError naming `source` and the key
    (`keys`: how the source names them) if either cannot be used."""
    changes = {key: value for key, value in (("seed", seed), ("time_limit", time_limit)) if value is not None}
    names = keys or {f"solver.{key}": SOLVER_OPTIONS[key] for key in ("seed", "time_limit")}
    checked = with_solver(DesignConfig(), source, names, **changes).solver
    return (None if seed is None else checked.seed), (None if time_limit is None else checked.time_limit)


def grid(instances: list[str], configs: list[str], seed: int | None, time_limit: float | None) -> list[Task]:
    """Every instance with every configuration, under one seed and time limit (checked; None: each
    configuration's own)."""
    seed, time_limit = check_settings(seed, time_limit)
    return [Task(i, c, seed, time_limit) for i in instances for c in configs]


def run_task(task: Task) -> dict[str, Any]:
    """Optimise and score one pair, in this process (`run.run`); a failure is recorded, not raised."""
    from .instance import load_instance
    from .run import run

    began = time.perf_counter()
    record: dict[str, Any] = {**_identity(task), **versions()}
    try:
        instance = load_instance(task.instance)
    except InputError as error:
        return record | {"status": "invalid", "error": "\n".join(str(p) for p in error.problems),
                         "seconds": round(time.perf_counter() - began, 2)}
    changes = {k: v for k, v in (("seed", task.seed), ("time_limit", task.time_limit)) if v is not None}
    result = run(instance, Path(task.config), adjust=lambda c: replace(c, solver=replace(c.solver, **changes)))
    if result.config is not None:
        record.update(config=result.config.name, seed=result.config.solver.seed,
                      time_limit=result.config.solver.time_limit, solver=result.config.solver.name)
    record.update(status=result.status, error=result.failure)
    if result.design is not None:
        record.update(**_stages(result.design.solve), **_kpis(instance, result.kpis))
    record["seconds"] = round(time.perf_counter() - began, 2)
    return record


def execute(task: Task, result: Path, cwd: str | None = None, processes: Processes | None = None) -> dict[str, Any]:
    """Run one task in a subprocess (in `cwd`, where relative paths are read from) that writes its record
    to `result`; a crash or a timeout is written there as a failed record. Safe on a Dask worker that
    sees, and may write, the same files. Raises Interrupted when `processes` is stopped meanwhile."""
    began = time.perf_counter()
    command = [sys.executable, "-m", "solver.batch", json.dumps(asdict(task)), str(result)]
    with (processes or Processes()).run(command, cwd) as process:
        try:
            _, errors = process.communicate(timeout=task.timeout())
        except subprocess.TimeoutExpired:
            failure = f"timed out after {task.timeout():g} s"
        else:
            if process.returncode == 0 and (record := _read(result)):
                return record
            failure = f"the run exited with code {process.returncode}: {errors.strip()[-2000:]}"
    record = _failed(task, failure, began)
    _write(result, record)
    return record


def run_batch(tasks: list[Task], out: Path, workers: int = 2, scheduler: str | None = None,
              progress: Callable[[dict[str, Any]], None] = lambda record: None) -> tuple[pd.DataFrame, int]:
    """Run the tasks without a final result under `out/runs/`, rewriting `out/results.csv` and
    `results.parquet` (every run of the grid with a record, in grid order) as each finishes. Returns
    the table and how many runs were started. Interrupted (Ctrl-C, SIGTERM, SIGHUP), it ends its local
    runs before it stops."""
    runs = out.resolve() / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    for partial in [*runs.glob("*.partial"), *out.glob("*.partial")]:  # a file a killed batch was writing
        partial.unlink(missing_ok=True)
    todo = pending(tasks, out)
    records = _records(tasks, runs)
    table = _publish(tasks, records, out)
    finished = _dask(todo, runs, scheduler) if scheduler else _local(todo, runs, workers)
    with signals_as_exit(), closing(finished):
        for record in finished:
            records[record["key"]] = record
            table = _publish(tasks, records, out)
            progress(record)
    return table, len(todo)


def pending(tasks: list[Task], out: Path) -> list[Task]:
    """The tasks without a final result under `out/runs/`, each key once."""
    records = _records(tasks, out / "runs")
    return list({t.key: t for t in tasks if records.get(t.key, {}).get("status") not in FINAL}.values())


def printable(table: pd.DataFrame) -> pd.DataFrame:
    """The results with short headings (for `FORMATS`), one row per run."""
    return table.assign(instance=[Path(i).name for i in table["instance"]]).set_index("config")[
        list(HEADINGS)].rename(columns=HEADINGS)


def versions() -> dict[str, str | None]:
    def of(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None
    return {column: of(name) for column, name in PACKAGES.items()}


def _local(tasks: list[Task], runs: Path, workers: int) -> Iterator[dict[str, Any]]:
    processes = Processes()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        try:
            futures = [pool.submit(execute, task, runs / f"{task.key}.json", None, processes) for task in tasks]
            for future in as_completed(futures):
                yield future.result()
        finally:  # on an interruption too: end the runs, or leaving the pool would wait for them
            pool.shutdown(wait=False, cancel_futures=True)
            processes.stop()


def _dask(tasks: list[Task], runs: Path, scheduler: str) -> Iterator[dict[str, Any]]:
    """The runs on a Dask cluster; a run under way when the batch is interrupted finishes there, and a
    resumed batch finds its record."""
    from distributed import Client
    from distributed import as_completed as dask_completed

    with Client(scheduler) as client:
        futures = [client.submit(execute, task, runs / f"{task.key}.json", os.getcwd(), pure=False) for task in tasks]
        for future in dask_completed(futures):
            yield future.result()


def _identity(task: Task) -> dict[str, Any]:
    return {"key": task.key, "instance": task.instance, "config_path": task.config, "config": Path(task.config).stem,
            "seed": task.seed, "time_limit": task.time_limit}


def _failed(task: Task, error: str, began: float) -> dict[str, Any]:
    return {**_identity(task), **versions(), "status": "failed", "error": error,
            "seconds": round(time.perf_counter() - began, 2)}


def _stages(solve: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for stage in ("lot_stage", "award_stage"):
        report = solve.get(stage) or {}
        out[f"{stage}_status"], out[f"{stage}_gap"] = report.get("status"), report.get("gap")
    return out


def _kpis(instance: Instance, kpis: dict[str, Any]) -> dict[str, Any]:
    unmet = kpis["unmet_hours_per_week_by_scenario"]
    return {key: kpis[key] for key in ("expected_cost_gbp_per_year", "cost_per_contact_hour_gbp",
                                       "clients_forced_to_switch", "hhi_after", "largest_share")} | {
        "unmet_expected_hours_per_week": round(float(sum(instance.probabilities[s] * h for s, h in unmet.items())), 1)}


def _records(tasks: list[Task], runs: Path) -> dict[str, dict[str, Any]]:
    return {t.key: record for t in tasks if (record := _read(runs / f"{t.key}.json"))}


def _read(path: Path) -> dict[str, Any]:
    """The record at `path`, {} if there is none. One that cannot be read (half written by an older
    version, or damaged) is moved aside to `<name>.unreadable`, with a warning, so its run is done again."""
    if not path.exists():
        return {}
    try:
        record = json.loads(path.read_bytes())
        problem = None if isinstance(record, dict) and "status" in record else "not a run's record"
    except ValueError as error:  # invalid JSON or UTF-8
        problem = str(error)
    if problem is None:
        return record
    aside = path.with_name(path.name + ".unreadable")
    os.replace(path, aside)
    _log.warning("%s cannot be read (%s): moved to %s; its run will be done again", path, problem, aside.name)
    return {}


def _publish(tasks: list[Task], records: dict[str, dict[str, Any]], out: Path) -> pd.DataFrame:
    """The table of the grid's runs with a record, written to `out/results.csv` and `results.parquet`."""
    table = pd.DataFrame([records[t.key] for t in tasks if t.key in records], columns=COLUMNS)
    _replace(out / "results.csv", lambda path: table.to_csv(path, index=False))
    _replace(out / "results.parquet", lambda path: table.to_parquet(path, index=False))
    return table


def _write(path: Path, record: dict[str, Any]) -> None:
    _replace(path, lambda partial: partial.write_text(json.dumps(record, indent=2) + "\n"))


def _replace(path: Path, write: Callable[[Path], object]) -> None:
    """Write `path` whole or not at all: to `<name>.partial`, then renamed over it. A partial file is
    removed if the writing is interrupted, or on the next start if the process was killed."""
    partial = path.with_name(path.name + ".partial")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


COLUMNS = ["instance", "config", "config_path", "key", "status", "seed", "time_limit", "solver", "lot_stage_status",
           "lot_stage_gap", "award_stage_status", "award_stage_gap", "seconds", "expected_cost_gbp_per_year",
           "cost_per_contact_hour_gbp", "clients_forced_to_switch", "hhi_after", "largest_share",
           "unmet_expected_hours_per_week", *PACKAGES, "error"]

HEADINGS = {"instance": "instance", "status": "status", "award_stage_status": "award stage",
            "expected_cost_gbp_per_year": "£/yr", "cost_per_contact_hour_gbp": "£/h",
            "clients_forced_to_switch": "switched", "hhi_after": "HHI", "largest_share": "top share",
            "unmet_expected_hours_per_week": "unmet h/wk", "seconds": "s"}
FORMATS = {"£/yr": "£{:,.0f}", "£/h": "£{:.2f}", "top share": "{:.0%}", "unmet h/wk": "{:,.1f}", "s": "{:.1f}"}


if __name__ == "__main__":
    _write(Path(sys.argv[2]), run_task(Task(**json.loads(sys.argv[1]))))
