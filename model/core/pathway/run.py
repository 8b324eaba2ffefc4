"""The pipeline of a multi-year scenario: load -> periods -> build -> solve -> tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from model.core.config import Scenario
from model.core.pathway.periods import build_path
from model.core.pathway.results import collect_path
from model.core.pathway.solve import PathSolution, solve_path
from model.core.presolve import floors_without_outlet, unreachable_targets
from model.data.tables import Dataset
from model.errors import ScenarioError
from model.outputs.folders import versions


@dataclass(frozen=True)
class PathResults:
    """The tables of a solved path, each with a ``year`` column."""

    by_name: dict[str, pd.DataFrame]

    def tables(self) -> dict[str, pd.DataFrame]:
        return self.by_name

    def of_year(self, year: int) -> dict[str, pd.DataFrame]:
        """The one-year tables of a model year (no year column), as a one-year run has them."""
        one_year = {}
        for name, frame in self.by_name.items():
            if name in ("builds", "stock", "path_costs", "trajectory"):
                continue
            one_year[name] = frame[frame["year"] == year].drop(columns="year")
        return {k: v.reset_index(drop=True) for k, v in one_year.items()}


def solve_path_scenario(
    scenario: Scenario, dataset: Dataset
) -> tuple[PathSolution, PathResults, dict[str, Any]]:
    """Solve a ``[path]`` scenario in memory: the solution, its tables and its summary."""
    path = build_path(dataset, scenario)
    for period in path.periods:
        stranded = floors_without_outlet(period.inputs)
        unreachable = (
            []
            if period.inputs.elastic_targets
            else unreachable_targets(period.inputs, scenario.name)
        )
        if stranded or unreachable:
            lines = [*stranded, *(str(p) for p in unreachable)]
            raise ScenarioError(
                f"scenario {scenario.name!r}, model year {period.year}: floors or targets that "
                "no capacity in reach can meet (found before solving):\n  " + "\n  ".join(lines)
            )
    solution = solve_path(path, scenario)
    results = PathResults(collect_path(solution))
    return solution, results, _summary(scenario, dataset, solution, results)


def _summary(
    scenario: Scenario, dataset: Dataset, solution: PathSolution, results: PathResults
) -> dict[str, Any]:
    cfg = solution.path.config
    tables = results.tables()
    costs = tables["path_costs"].set_index("year")
    trajectory = tables["trajectory"]
    builds = tables["builds"].groupby("year")["built_10kt"].sum()
    stock = tables["stock"].groupby("year")["stock_end_10kt"].sum()
    years: dict[str, Any] = {}
    for period in solution.path.periods:
        y = period.year
        part = trajectory[(trajectory["year"] == y) & trajectory["target"].notna()]
        total = trajectory[(trajectory["year"] == y) & (trajectory["region"] == "all")]
        years[str(y)] = {
            "years": period.years,
            "weight": round(period.weight, 6),
            "cost_per_yr_10k_cny": round(float(costs.at[y, "cost_per_yr_10k_cny"]), 4),
            "utilization_rate": {str(r.group): round(float(r.rate), 6) for r in total.itertuples()},
            "targets": {"count": len(part), "met": int(part["met"].sum())},
            "capacity_built_10kt": round(float(builds.get(y, 0.0)), 4),
            "stock_end_10kt": round(float(stock.get(y, 0.0)), 4),
        }
    first = solution.solutions[0]
    return {
        "scenario": scenario.name,
        "description": scenario.description,
        "status": "optimal",
        "objective_10k_cny": round(solution.objective_10k_cny, 4),
        "objective_meaning": "discounted cost over the horizon, 10^4 CNY (base: the first year)",
        "units": {"mass": "10^4 t/yr", "money": "10^4 CNY/yr", "co2": "10^4 t/yr"},
        "base_year": int(dataset.parameters["base_year"]),
        "resolution": scenario.resolution,
        "path": {
            "years": list(cfg.years),
            "foresight": cfg.foresight,
            "discount_rate": solution.path.discount_rate,
            "growth_set": cfg.growth.set,
            "targets_before_their_year": cfg.targets,
            "lifetime_years": cfg.lifetime_years,
            "expansion_limit": cfg.expansion_limit,
            "map_year": cfg.map_year if cfg.map_year is not None else cfg.years[-1],
            "per_year": years,
        },
        "model_size": {
            "variables": sum(int(m.nvariables()) for m in solution.models),
            "constraints": sum(int(m.nconstraints()) for m in solution.models),
        },
        "timing_s": {
            "build": round(sum(s.build_seconds for s in solution.solutions), 3),
            "solve": round(sum(s.solve_seconds for s in solution.solutions), 3),
        },
        "solver": {
            "name": first.solver,
            "version": first.solver_version,
            "tie_break": first.tie_break,
        },
        "versions": versions(),
        "inputs": {
            "data_dir": str(dataset.data_dir),
            "data_sha256": dataset.hashes,
            "scenario_sha256": scenario.input_hashes(),
        },
        "notes": list(solution.path.periods[0].inputs.notes),
        "written_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
