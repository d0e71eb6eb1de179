"""Reader for Solomon's VRPTW text format (../shared/reference/solomon/).

Row 0 is the depot, whose window is every vehicle's shift; each vehicle is a Carer with the
instance's capacity. Travel time is the Euclidean distance in floating point, and the objective
(total travel) is then the distance-only cost that best_known.csv's `distance_only_cost` reports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .problem import Carer, Problem, Visit


def read_solomon(path: str | Path) -> Problem:
    path = Path(path)
    lines = path.read_text().splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["NUMBER", "CAPACITY"])
    vehicles, capacity = (int(v) for v in lines[header + 1].split())
    rows = [[float(v) for v in line.split()] for line in lines[header + 2:]
            if len(line.split()) == 7 and line.split()[0].isdigit()]
    xy = np.array([r[1:3] for r in rows])
    travel = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    depot = rows[0]
    visits = [Visit(id=str(int(r[0])), location=i, earliest=r[4], latest=r[5], service=r[6], client=str(int(r[0])),
                    demand=int(r[3]))
              for i, r in enumerate(rows) if i > 0]
    carers = [Carer(id=f"v{k + 1}", home=0, shift_start=depot[4], shift_end=depot[5], capacity=capacity)
              for k in range(vehicles)]
    return Problem(visits=visits, carers=carers, travel=travel, coordinates=xy, name=lines[0].strip() or path.stem)
