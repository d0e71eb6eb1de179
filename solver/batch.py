"""Batches: a grid of instances × configurations, each pair optimised and scored as an isolated run.

Each run is a subprocess of its own (`python -m solver.batch TASK RESULT`), started from a local
thread pool or from a Dask worker, so a crash or a timeout loses that run only. Every finished run
is written to `runs/<key>.json`, the key a hash of the instance path, the configuration's text, the
seed and the time limit; a rerun skips runs already there except failed ones, which are retried.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .design.config import load_config
from .instance import InputError, Instance, Problem

FINAL = ("ok", "infeasible")  # a run with another status (invalid, error, failed: it crashed) is retried
PACKAGES = {"tender_solver": "tender-solver", "pulp": "pulp", "highspy": "highspy", "ortools": "ortools"}


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
    base = path.parent
    return (expand(raw["instances"], base, "instances"), expand(raw["configs"], base, "configs"),
            raw.get("seed"), raw.get("time_limit"))


def grid(instances: list[str], configs: list[str], seed: int | None, time_limit: float | None) -> list[Task]:
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


def execute(task: Task, cwd: str | None = None) -> dict[str, Any]:
    """Run one task in a subprocess (in `cwd`, where relative paths are read from); a crash or timeout
    becomes a failed record. Safe on a Dask worker that sees the same files."""
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        result = Path(folder) / "result.json"
        try:
            done = subprocess.run([sys.executable, "-m", "solver.batch", json.dumps(asdict(task)), str(result)],
                                  capture_output=True, text=True, timeout=task.timeout(), cwd=cwd, check=False)
        except subprocess.TimeoutExpired:
            return _failed(task, f"timed out after {task.timeout():g} s", began)
        if result.exists():
            return json.loads(result.read_text())
        return _failed(task, f"the run exited with code {done.returncode}: {done.stderr.strip()[-2000:]}", began)


def run_batch(tasks: list[Task], out: Path, workers: int = 2, scheduler: str | None = None,
              progress: Callable[[dict[str, Any]], None] = lambda record: None) -> tuple[pd.DataFrame, int]:
    """Run the tasks without a finished result under `out/runs/`, then gather every result of the grid
    into `out/results.csv` and `results.parquet`. Returns the table and how many runs were started."""
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    todo = pending(tasks, out)
    for record in (_dask(todo, scheduler) if scheduler else _local(todo, workers)):
        _write(runs / f"{record['key']}.json", record)
        progress(record)
    table = pd.DataFrame([_read(runs / f"{t.key}.json") for t in tasks], columns=COLUMNS)
    table.to_csv(out / "results.csv", index=False)
    table.to_parquet(out / "results.parquet", index=False)
    return table, len(todo)


def pending(tasks: list[Task], out: Path) -> list[Task]:
    """The tasks without a final result under `out/runs/`, each key once."""
    return list({t.key: t for t in tasks if _read(out / "runs" / f"{t.key}.json").get("status") not in FINAL}.values())


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


def _local(tasks: list[Task], workers: int) -> Iterator[dict[str, Any]]:
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for future in as_completed([pool.submit(execute, task) for task in tasks]):
            yield future.result()


def _dask(tasks: list[Task], scheduler: str) -> Iterator[dict[str, Any]]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    with Client(scheduler) as client:
        futures = [client.submit(execute, task, os.getcwd(), pure=False) for task in tasks]
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


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def _write(path: Path, record: dict[str, Any]) -> None:
    """Atomically, so an interrupted batch never leaves half a result behind."""
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(partial, path)


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
