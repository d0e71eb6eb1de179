"""Care rounds: routing one lot's day of visits over its carers' shifts.

`route(problem, time_limit, seed, engine)` returns a Solution; `validate(problem, solution)` checks
it independently of the engine that produced it.
"""

from .engine import route
from .problem import BreakWindow, Carer, Problem, Route, Solution, Stop, Visit, travel_minutes
from .pyvrp_engine import UnsupportedProblem
from .solomon import read_solomon
from .validate import Violation, validate

__all__ = ["BreakWindow", "Carer", "Problem", "Route", "Solution", "Stop", "UnsupportedProblem", "Violation",
           "Visit", "read_solomon", "route", "travel_minutes", "validate"]
