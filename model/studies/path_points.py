"""What a study records of a point on a multi-year scenario (``[path]``).

The discounted total cost (``objective_10k_cny``, what the response charts
plot), the discounted carbon cost, the mean net CO2 per year over the horizon,
and per model year the cost per year, utilization rate, target shadow price of
every region and group and net CO2, in columns ``y<year>_...`` (the one-year
names of :func:`model.studies.levers.outcomes` after the year).
"""

from __future__ import annotations

from typing import Any

import pyomo.core as pyo

from model.core.pathway.solve import PathSolution
from model.core.solve import Solution
from model.studies.levers import outcomes


def path_outcomes(solution: Solution) -> dict[str, Any]:
    """What a study records of a solved path (see the module docstring)."""
    model = solution.model
    solved = PathSolution(model.path, (model,), (solution,), solution.objective_10k_cny)
    row: dict[str, Any] = {
        "objective_10k_cny": solution.objective_10k_cny,
        "tie_break": solution.tie_break,
    }
    carbon, net, years = 0.0, 0.0, 0
    per_year: dict[str, Any] = {}
    for year, period in sorted(solved.period_solutions().items()):
        q = model.by_year[year]
        one = outcomes(period)
        carbon += q.weight * float(pyo.value(period.model.carbon_cost.expr))
        net += q.years * one["net_co2_10kt"]
        years += q.years
        per_year[f"y{year}_cost_10k_cny"] = float(pyo.value(period.model.total_cost.expr)) + float(
            pyo.value(model.reclaim_cost[year])
        )
        per_year |= {f"y{year}_{k}": v for k, v in one.items() if k != "objective_10k_cny"}
    row["carbon_cost_10k_cny"] = carbon
    row["net_co2_10kt"] = net / years
    return row | per_year
