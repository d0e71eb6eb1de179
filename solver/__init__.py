"""Home care tender design: lots, providers per lot, block and framework volumes.

The public API, for notebooks and scripts (docs/python-api.md has a worked example)::

    from solver import load_instance, load_config, optimise, evaluate, stress_test, compare
"""

from .compare import compare
from .design.config import DesignConfig, load_config
from .design.optimise import Infeasible, optimise
from .design.result import Award, Design, Lot, read_design
from .evaluate import evaluate
from .instance import InputError, Instance, load_instance
from .run import Run, given, run
from .stress import StressSettings, stress_test

__version__ = "0.1.0"
__all__ = ["Award", "Design", "DesignConfig", "Infeasible", "InputError", "Instance", "Lot", "Run", "StressSettings",
           "compare", "evaluate", "given", "load_config", "load_instance", "optimise", "read_design", "run",
           "stress_test"]
