"""One run: a design optimised under a configuration (or given), scored by the evaluation and, when
asked, the stress test. `tender design`, `compare`, `batch` and `frontier` all go through `run`, and
say how it ended in one vocabulary (`STATUSES`). A run that fails keeps its explanation instead of
raising, so a batch or a comparison never loses the others' results."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .design.config import DesignConfig, instance_problems, load_config
from .design.optimise import Infeasible, optimise
from .design.result import Design
from .evaluate import evaluate
from .instance import InputError, Instance, Problem
from .instance.schema import BID_COLUMNS
from .stress import StressResult, StressSettings, stress_test

# ok: optimised and scored; given: a design file scored; infeasible: the rules cannot all be met (the
# failure says which, where); invalid: the configuration or design file is wrong (it says what to fix);
# error: anything else (a crash in one run must not lose the others)
STATUSES = ("ok", "given", "infeasible", "invalid", "error")


@dataclass
class Run:
    """One design, scored, or the reason there is none."""

    name: str
    source: str  # configuration or design file
    status: str = "ok"
    config: DesignConfig | None = None
    design: Design | None = None
    stress: StressResult | None = None
    failure: str | None = None
    seconds: float = 0.0
    rule_costs: pd.DataFrame | None = None  # what each rule costs on the design's lots (rule_costs.py)

    @property
    def kpis(self) -> dict[str, Any]:
        return self.design.kpis if self.design is not None else {}

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "status": self.status, "failure": self.failure,
                "seconds": round(self.seconds, 2), "design": self.design.to_dict() if self.design else None,
                "stress": self.stress.summary() if self.stress else None}

    def to_frame(self) -> pd.DataFrame:
        """The evaluated lots (empty when there is no design)."""
        return pd.DataFrame(self.kpis.get("lots", [])).set_index("lot") if self.design else pd.DataFrame()


def run(instance: Instance, config: DesignConfig | Path, stress: StressSettings | None = None,
        adjust: Callable[[DesignConfig], DesignConfig] = lambda config: config,
        progress: Callable[[str], None] = lambda message: None, source: str | None = None) -> Run:
    """Optimise under `config` (or the configuration file it names), evaluate, and stress-test when
    `stress` is given; failures are recorded in the run, not raised. `source` names where a
    configuration already read came from (default: its file, or its name)."""
    began = time.perf_counter()
    name = config.stem if isinstance(config, Path) else config.name
    result = Run(name, source or (str(config) if isinstance(config, Path) else config.name))
    try:
        result.config = prepared(instance, config, adjust)
        result.name = result.config.name
        result.design = optimise(instance, result.config, progress=lambda m: progress(f"{result.name}: {m}"))
        score(instance, result, stress, progress)
    except Infeasible as error:
        result.status, result.failure = "infeasible", str(error)
    except InputError as error:
        result.status, result.failure = "invalid", "\n".join(str(problem) for problem in error.problems)
    except Exception as error:  # noqa: BLE001 - a solver crash in one run must not lose the others
        result.status, result.failure = "error", f"{type(error).__name__}: {error}"
    result.seconds = time.perf_counter() - began
    return result


def prepared(instance: Instance, config: DesignConfig | Path,
             adjust: Callable[[DesignConfig], DesignConfig] = lambda config: config) -> DesignConfig:
    """The configuration (read if a path), adjusted, and checked against what the instance can hold;
    InputError naming the file and key if it cannot be used."""
    source = str(config) if isinstance(config, Path) else config.name
    chosen = adjust(load_config(config) if isinstance(config, Path) else config)
    problems = instance_problems(chosen, len(instance.areas), len(instance.providers), source)
    if not instance.has_bids:
        problems.append(Problem("the providers have no bids", f"{instance.path}/providers.csv",
                                column=", ".join(BID_COLUMNS),
                                fix="give every provider's block and framework bid, or design before the bids "
                                    "with `tender design --before-bids` (bids estimated from the cost of care)"))
    if problems:
        raise InputError(problems)
    return chosen


def given(instance: Instance, design: Design, source: Path, config: DesignConfig,
          stress: StressSettings | None = None) -> Run:
    """A design read from `source` (e.g. the council's current contracts) scored under `config`."""
    began = time.perf_counter()
    design.config = config.to_dict()
    design.solve = design.solve or {"method": f"given ({source.name})"}
    result = Run("current", str(source), "given", config, design)
    score(instance, result, stress)
    result.seconds = time.perf_counter() - began
    return result


def score(instance: Instance, result: Run, stress: StressSettings | None,
          progress: Callable[[str], None] = lambda message: None) -> None:
    """Evaluate the run's design into its KPIs and, with settings, stress-test it."""
    result.design.kpis = evaluate(instance, result.config, result.design)
    if stress is not None:
        progress(f"{result.name}: stress-testing ({stress.draws} draws)")
        result.stress = stress_test(instance, result.config, result.design, stress)
