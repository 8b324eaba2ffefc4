"""The only module that talks to the solver (HiGHS through Pyomo's persistent interface)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from model.errors import SolveError
from model.formulation import build_model
from model.inputs import ModelInputs


@dataclass
class Solution:
    """A solved model with its duals, ready for :mod:`model.results`."""

    model: pyo.ConcreteModel
    status: str
    objective_10k_cny: float
    solve_seconds: float
    build_seconds: float
    duals: dict[Any, float] = field(default_factory=dict)
    solver: str = "HiGHS"
    solver_version: str = ""
    tie_break: str = "none"  # "co2" when the least-CO2 optimum was found by a second solve


class Solver:
    """A built model bound to a persistent HiGHS instance.

    Change mutable parameters on ``self.model`` and call :meth:`solve` again:
    HiGHS warm-starts from the previous basis, which is what sweeps use.
    """

    def __init__(
        self,
        inputs: ModelInputs,
        *,
        time_limit_s: float = 600.0,
        threads: int | None = None,
        scenario: str = "scenario",
        tie_break: str = "none",
    ) -> None:
        start = time.perf_counter()
        self.inputs = inputs
        self.model = build_model(inputs)
        self.build_seconds = time.perf_counter() - start
        self.scenario = scenario
        self.tie_break = tie_break
        self._highs = Highs()
        self._options = {"time_limit": time_limit_s, "threads": threads}

    def solve(self) -> Solution:
        """Solve; raise :class:`SolveError` with advice unless the optimum is found."""
        start = time.perf_counter()
        result = self._highs.solve(
            self.model,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            time_limit=self._options["time_limit"],
            threads=self._options["threads"],
        )
        seconds = time.perf_counter() - start
        optimal = (
            result.termination_condition == TerminationCondition.convergenceCriteriaSatisfied
            and result.solution_status == SolutionStatus.optimal
        )
        if not optimal:
            raise SolveError(
                self._explain(result.termination_condition),
                status=result.termination_condition.name,
            )
        result.solution_loader.load_vars()
        duals = dict(result.solution_loader.get_duals())
        version = ".".join(str(v) for v in self._highs.version())
        tie = "none"
        if self.tie_break == "co2":
            tie = self._least_co2(float(pyo.value(self.model.total_cost)))
            seconds = time.perf_counter() - start
        return Solution(
            model=self.model,
            status="optimal",
            objective_10k_cny=float(pyo.value(self.model.total_cost)),
            solve_seconds=seconds,
            build_seconds=self.build_seconds,
            duals=duals,
            solver_version=version,
            tie_break=tie,
        )

    def _least_co2(self, cost: float) -> str:
        """Second solve: least net CO2 among allocations costing at most the optimum.

        Keeps total cost <= z* (1 + 1e-9) + 1e-6 and minimises transport CO2 less
        avoided CO2. The duals of the first solve are kept: in a linear program any
        optimal dual solution pairs with any optimal primal one. If the second
        solve fails (numerics), the first optimum stays loaded and "none" is
        returned. The model is left as it was found.
        """
        m = self.model
        m.total_cost.deactivate()
        m.tie_cost_cap = pyo.Constraint(expr=m.total_cost.expr <= cost + 1e-9 * abs(cost) + 1e-6)
        m.tie_objective = pyo.Objective(expr=m.transport_co2_10kt - m.avoided_co2_10kt)
        try:
            result = self._highs.solve(
                m,
                load_solutions=False,
                raise_exception_on_nonoptimal_result=False,
                time_limit=self._options["time_limit"],
                threads=self._options["threads"],
            )
            if (
                result.termination_condition == TerminationCondition.convergenceCriteriaSatisfied
                and result.solution_status == SolutionStatus.optimal
            ):
                result.solution_loader.load_vars()
                return "co2"
            return "none"
        finally:
            m.del_component(m.tie_objective)
            m.del_component(m.tie_cost_cap)
            m.total_cost.activate()

    def _explain(self, condition: TerminationCondition) -> str:
        name = condition.name
        head = f"scenario {self.scenario!r}: the solver stopped with status {name!r}."
        if condition in (
            TerminationCondition.provenInfeasible,
            TerminationCondition.locallyInfeasible,
            TerminationCondition.infeasibleOrUnbounded,
        ):
            detail = diagnose_infeasible_targets(self.inputs)
            return (
                f"{head}\nNo allocation meets every target with the capacity in reach.\n"
                f"{detail}\nWhat to try: lower the target rates, allow expansion "
                "([capacity] expansion = true, or a larger expansion_scale), raise "
                '[transport] max_haul_km, or set [targets] mode = "elastic" to see the '
                "cheapest shortfall."
            )
        if condition == TerminationCondition.maxTimeLimit:
            return f"{head}\nWhat to try: raise [solver] time_limit_s."
        if condition == TerminationCondition.unbounded:
            return (
                f"{head}\nThe cost can fall without limit: check for a negative net "
                "processing cost (revenue above opex) on a pathway without capacity."
            )
        return f"{head}\nWhat to try: run `wastealloc validate` on the data."


def diagnose_infeasible_targets(inputs: ModelInputs) -> str:
    """Re-solve with elastic targets and name the targets that fall short, and by how much."""
    from dataclasses import replace

    elastic = replace(inputs, elastic_targets=True, penalty_cny_per_t=1e6)
    model = build_model(elastic)
    result = Highs().solve(model, load_solutions=False, raise_exception_on_nonoptimal_result=False)
    if result.solution_status != SolutionStatus.optimal:
        if inputs.floor_rate:
            no_floors = replace(elastic, floor_rate={})
            retry = Highs().solve(
                build_model(no_floors),
                load_solutions=False,
                raise_exception_on_nonoptimal_result=False,
            )
            if retry.solution_status == SolutionStatus.optimal:
                return (
                    "The base-year floors (each stream keeps its base-year utilization) "
                    "cannot be met with the capacity in reach: the data's capacity and "
                    "base utilization disagree (run `wastealloc data build` and "
                    "`wastealloc data calibrate`), or the scenario removed capacity "
                    "([capacity] scale < 1); allow expansion or set base_year_floor = false."
                )
        return "Even with every target relaxed the model has no solution; check the data."
    result.solution_loader.load_vars()
    lines = []
    for r, g in model.TARGETS:
        short = pyo.value(model.shortfall[r, g])
        if short > 1e-6:
            from model.formulation import group_generation

            gen = pyo.value(group_generation(model, r, g))
            rate = pyo.value(model.target_rate[r, g])
            reach = (rate * gen - short) / gen if gen else 0.0
            lines.append(
                f"  target {r}/{g}: needs {rate:.1%} of {gen:,.0f} x10^4 t; the allocation "
                f"with the least total shortfall reaches {reach:.1%} "
                f"(short by {short:,.1f} x10^4 t)"
            )
    return (
        "Targets that cannot be met:\n" + "\n".join(lines)
        if lines
        else (
            "The elastic re-solve meets every target: the infeasibility lies elsewhere "
            "(check inter-region flow limits)."
        )
    )
