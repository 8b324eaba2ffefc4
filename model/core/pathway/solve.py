"""Solving the multi-year model: all periods at once (perfect foresight) or in turn (myopic).

The solver is :class:`model.core.solve.Solver` with the path's model in place
of a one-year model: the same HiGHS options, errors and CO2 tie-break (among
least-cost solutions the one with the least CO2 over the horizon).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.core as pyo
from pyomo.contrib.solver.common.results import TerminationCondition

from model.core.config import Scenario
from model.core.pathway.build import Build, Stock, build_path_model
from model.core.pathway.periods import Path, Period
from model.core.solve import INFEASIBLE, Solution, Solver, diagnose_infeasible_targets, status_word


class PathSolver(Solver):
    """A :class:`Solver` for a built multi-year model; infeasibility is explained per period."""

    def __init__(self, model: pyo.ConcreteModel, scenario: Scenario) -> None:
        periods = list(model.by_year.values())
        super().__init__(
            periods[0].inputs,
            time_limit_s=scenario.solver.time_limit_s,
            threads=scenario.solver.threads,
            scenario=scenario.name,
            tie_break=scenario.solver.tie_break,
            model=model,
        )
        self.periods = periods

    def _explain(self, condition: TerminationCondition) -> str:
        if condition not in INFEASIBLE:
            return super()._explain(condition)
        years = ", ".join(str(q.year) for q in self.periods)
        lines = [
            f"scenario {self.scenario!r}: {status_word(condition)}: no allocation over the "
            f"model years {years} meets every period's targets with the capacity in reach."
        ]
        for q in self.periods:
            found = diagnose_infeasible_targets(q.inputs)
            if found.startswith("Targets that cannot be met"):
                lines.append(
                    f"{q.year} alone, with existing capacity and one period's expansion limit: "
                    f"{found}"
                )
        if len(lines) == 1:
            lines.append(
                "Each year alone can meet its targets: what links them (capacity added "
                "earlier, the expansion limit, the stock) makes them infeasible together."
            )
        lines.append(
            "What to try: move the targets' year ([path] target_year_shift), allow more "
            'expansion ([capacity] expansion_scale), or set [targets] mode = "elastic".'
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class PathSolution:
    """The solved periods: one :class:`Solution` per period (its block), and the links."""

    path: Path
    models: tuple[pyo.ConcreteModel, ...]  # one for perfect foresight, one per period if myopic
    solutions: tuple[Solution, ...]  # one per model
    objective_10k_cny: float  # discounted total over the horizon

    def period_solutions(self) -> dict[int, Solution]:
        """Per model year, a :class:`Solution` whose model is the period's block and whose
        duals are per year (divided by the period's weight)."""
        out = {}
        for model, solution in zip(self.models, self.solutions, strict=True):
            for year in model.PERIODS:
                weight = model.by_year[year].weight
                out[year] = Solution(
                    model=model.period[year],
                    status=solution.status,
                    objective_10k_cny=float(pyo.value(model.period[year].total_cost.expr)),
                    solve_seconds=solution.solve_seconds,
                    build_seconds=solution.build_seconds,
                    duals={k: v / weight for k, v in solution.duals.items()},
                    solver_version=solution.solver_version,
                    tie_break=solution.tie_break,
                )
        return out


def solve_path(path: Path, scenario: Scenario) -> PathSolution:
    """Solve with the scenario's foresight: perfect (one LP) or myopic (one LP per period,
    each seeing only its own year, with the capacity built and stock left before)."""
    if path.config.foresight == "perfect":
        model = build_path_model(path)
        solution = PathSolver(model, scenario).solve()
        return PathSolution(path, (model,), (solution,), solution.objective_10k_cny)
    models, solutions = [], []
    builds: dict[Build, tuple[float, float]] = {}
    stock: Stock = (dict(path.initial_stock_10kt), {})
    total = 0.0
    for period in path.periods:
        model = build_path_model(path, [period], builds, stock)
        solution = PathSolver(model, scenario).solve()
        builds.update(built(model))
        stock = (
            {i: float(pyo.value(model.old_stock[i, "end"])) for i in model.OLD},
            {(w, i): float(pyo.value(model.stock[w, i, "end"])) for (w, i) in model.STOCKS},
        )
        total += solution.objective_10k_cny
        models.append(model)
        solutions.append(solution)
    return PathSolution(path, tuple(models), tuple(solutions), total)


def built(model: pyo.ConcreteModel) -> dict[Build, tuple[float, float]]:
    """Capacity added in each period of a solved model: (year, node, pathway) ->
    (10^4 t/yr, its annualized capex in 10^4 CNY/yr)."""
    return {
        (y, j, p): (
            float(pyo.value(model.build[j, p, y])),
            float(pyo.value(model.build_capex[j, p, y])),
        )
        for (j, p, y) in model.BUILDS
    }


def period_of(solution: PathSolution, year: int) -> Period:
    return next(q for q in solution.path.periods if q.year == year)
