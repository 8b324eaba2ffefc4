"""The only module that talks to the solver (HiGHS through Pyomo's persistent interface)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from model.core.config import Scenario
from model.core.formulation import build_model
from model.core.inputs import ModelInputs
from model.errors import ScenarioError, SolveError


@dataclass
class Solution:
    """A solved model with its duals, ready for :mod:`model.core.results`."""

    model: pyo.ConcreteModel
    status: str
    objective_10k_cny: float
    solve_seconds: float
    build_seconds: float
    duals: dict[Any, float] = field(default_factory=dict)
    solver: str = "HiGHS"
    solver_version: str = ""
    tie_break: str = "none"  # "co2" when the least-CO2 optimum was found by a second solve
    # net CO2 of the most-CO2 allocation at the same least cost (None: not computed)
    net_co2_most_10kt: float | None = None


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
        co2_range: bool = False,
        model: pyo.ConcreteModel | None = None,
    ) -> None:
        start = time.perf_counter()
        self.inputs = inputs
        # a model built elsewhere (the multi-year model) needs total_cost and the CO2 terms
        self.model = build_model(inputs) if model is None else model
        self.tie_break = tie_break
        self.co2_range = co2_range and tie_break == "co2"
        if tie_break == "co2":
            _add_tie_break(self.model)
        self.build_seconds = time.perf_counter() - start
        self.scenario = scenario
        self._highs = Highs()
        # HiGHS writes warnings to stdout (e.g. a coefficient of the cost cap set to 0
        # by a sweep); results and failures are reported through the status instead
        self._highs.config.solver_options["output_flag"] = False
        self._options = {"time_limit": time_limit_s, "threads": threads}

    @classmethod
    def for_scenario(
        cls, inputs: ModelInputs, scenario: Scenario, *, co2_range: bool = False
    ) -> Solver:
        """A solver with the scenario's ``[solver]`` settings (time limit, threads, tie-break)."""
        if scenario.path is not None:  # sweeps and sensitivity build one year
            raise ScenarioError(
                f"scenario {scenario.name!r} has a [path] section (several model years): "
                "sweeps and sensitivity take one-year scenarios; solve it with `wastealloc solve`"
            )
        return cls(
            inputs,
            time_limit_s=scenario.solver.time_limit_s,
            threads=scenario.solver.threads,
            scenario=scenario.name,
            tie_break=scenario.solver.tie_break,
            co2_range=co2_range,
        )

    def _run(self) -> Any:
        """One HiGHS solve of the model as it stands, nothing loaded, with the time limit."""
        return self._highs.solve(
            self.model,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            time_limit=self._options["time_limit"],
            threads=self._options["threads"],
        )

    def solve(self) -> Solution:
        """Solve; raise :class:`SolveError` with advice unless the optimum is found."""
        start = time.perf_counter()
        result = self._run()
        seconds = time.perf_counter() - start
        if not _optimal(result):
            condition = result.termination_condition
            raise SolveError(self._explain(condition), status=status_word(condition))
        result.solution_loader.load_vars()
        duals = dict(result.solution_loader.get_duals())
        version = ".".join(str(v) for v in self._highs.version())
        tie, most = "none", None
        if self.tie_break == "co2":
            cost = float(pyo.value(self.model.total_cost))
            if self.co2_range:
                most = self._co2_at_least_cost(cost, most=True)
            tie = "co2" if self._co2_at_least_cost(cost) is not None else "none"
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
            net_co2_most_10kt=most,
        )

    def cost_of_next_point(
        self, solution: Solution, targets: list[tuple[str, str]]
    ) -> dict[tuple[str, str], float | None]:
        """What one whole percentage point more of each target costs, 10^4 CNY/yr: a re-solve each.

        The shadow price is a margin, valid for a small step; this is the finite
        step a reader asks about. None when the re-solve has no optimum (the point
        is infeasible) or the rate would pass 100%. Nothing is loaded into the
        model, so the solution in it stays the one reported.
        """
        m = self.model
        out: dict[tuple[str, str], float | None] = {}
        for r, g in targets:
            rate = float(pyo.value(m.target_rate[r, g]))
            if rate + 0.01 > 1.0 + 1e-9:
                out[r, g] = None
                continue
            m.target_rate[r, g] = rate + 0.01
            try:
                result = self._run()
            finally:
                m.target_rate[r, g] = rate
            cost = float(result.incumbent_objective) if _optimal(result) else None
            out[r, g] = None if cost is None else cost - solution.objective_10k_cny
        return out

    def _co2_at_least_cost(self, cost: float, most: bool = False) -> float | None:
        """Second solve: least (or most) net CO2 among allocations costing at most the optimum.

        Caps total cost at z* (1 + 1e-9) + 1e-6 and minimises (maximises) transport
        CO2 less avoided CO2. The least-CO2 allocation is loaded into the model; the
        most-CO2 one is only measured (its net CO2 is returned). The duals of the
        first solve are kept: in a linear program any optimal dual solution pairs
        with any optimal primal one. If the solve fails (time limit, numerics) the
        loaded allocation is unchanged and None is returned. Each solve has the
        scenario's time limit. The cap and the two objectives are built once
        (``_add_tie_break``), so nothing is added to or removed from the solver here.
        """
        m = self.model
        m.tie_cost_rhs = cost + 1e-9 * abs(cost) + 1e-6
        objective = m.tie_co2_most if most else m.tie_co2_least
        m.total_cost.deactivate()
        objective.activate()
        try:
            result = self._run()
            if not _optimal(result):
                return None
            if most:
                return float(result.incumbent_objective)
            result.solution_loader.load_vars()
            return float(pyo.value(m.transport_co2_10kt - m.avoided_co2_10kt))
        finally:
            objective.deactivate()
            m.total_cost.activate()
            m.tie_cost_rhs = _NO_CAP

    def _explain(self, condition: TerminationCondition) -> str:
        """What the status means for this scenario and what to try, in words."""
        head = f"scenario {self.scenario!r}: {status_word(condition)}"
        if condition in INFEASIBLE:
            detail = diagnose_infeasible_targets(self.inputs)
            return (
                f"{head}: no allocation meets every target with the capacity in reach.\n"
                f"{detail}\nWhat to try: lower the target rates, allow expansion "
                "([capacity] expansion = true, or a larger expansion_scale), raise "
                '[transport] max_haul_km, or set [targets] mode = "elastic" to see the '
                "cheapest shortfall."
            )
        if condition == TerminationCondition.maxTimeLimit:
            return (
                f"{head}: the solver stopped after {self._options['time_limit']:g} s without "
                "proving an optimum.\nWhat to try: raise [solver] time_limit_s."
            )
        if condition == TerminationCondition.unbounded:
            return (
                f"{head}: the cost can fall without limit.\nWhat to try: check for a "
                "negative net processing cost (revenue above opex) on a pathway without "
                "capacity, and run `wastealloc validate` on the data."
            )
        return f"{head}: the solver found no optimum.\nWhat to try: run `wastealloc validate`."


INFEASIBLE = (
    TerminationCondition.provenInfeasible,
    TerminationCondition.locallyInfeasible,
    TerminationCondition.infeasibleOrUnbounded,
)
STATUS_WORDS = {
    TerminationCondition.provenInfeasible: "infeasible",
    TerminationCondition.locallyInfeasible: "infeasible",
    TerminationCondition.infeasibleOrUnbounded: "infeasible",
    TerminationCondition.unbounded: "unbounded",
    TerminationCondition.maxTimeLimit: "time limit reached",
    TerminationCondition.iterationLimit: "iteration limit reached",
    TerminationCondition.objectiveLimit: "objective limit reached",
    TerminationCondition.minStepLength: "numerical difficulties",
    TerminationCondition.interrupted: "interrupted",
    TerminationCondition.error: "solver error",
    TerminationCondition.emptyModel: "empty model",
}
"""The solver's status in words, as written in errors, sweep.csv and runs.csv.

Every variable of the model is bounded (flows by generation, expansion by its
limit), so it cannot be unbounded: infeasibleOrUnbounded means infeasible.
"""


def status_word(condition: TerminationCondition) -> str:
    """The status in words: "infeasible", not HiGHS's ``provenInfeasible``."""
    return STATUS_WORDS.get(condition, "no optimum found")


def _optimal(result: Any) -> bool:
    """HiGHS converged and returned an optimal solution."""
    return bool(
        result.termination_condition == TerminationCondition.convergenceCriteriaSatisfied
        and result.solution_status == SolutionStatus.optimal
    )


_NO_CAP = 1e15  # 10^4 CNY: a cap far above any cost, below HiGHS's 1e20 "infinite" bound


def _add_tie_break(m: pyo.ConcreteModel) -> None:
    """The cost cap and the two CO2 objectives of the second solve, built inactive.

    The cap stays in the model with an infinite right-hand side while it is not
    used, so switching to the second solve changes one bound and the active
    objective, and the persistent solver never re-indexes its rows.
    """
    net = m.transport_co2_10kt - m.avoided_co2_10kt
    m.tie_cost_rhs = pyo.Param(initialize=_NO_CAP, mutable=True)
    m.tie_cost_cap = pyo.Constraint(expr=m.total_cost.expr <= m.tie_cost_rhs)
    m.tie_co2_least = pyo.Objective(expr=net, sense=pyo.minimize)
    m.tie_co2_most = pyo.Objective(expr=net, sense=pyo.maximize)
    m.tie_co2_least.deactivate()
    m.tie_co2_most.deactivate()


def diagnose_infeasible_targets(inputs: ModelInputs) -> str:
    """Re-solve with elastic targets and name the targets that fall short, and by how much."""
    from dataclasses import replace

    elastic = replace(inputs, elastic_targets=True, penalty_cny_per_t=1e6)
    model = build_model(elastic)
    result = Highs().solve(model, load_solutions=False, raise_exception_on_nonoptimal_result=False)
    if result.solution_status != SolutionStatus.optimal:
        if inputs.floor_rate or inputs.use_floor_10kt or inputs.intake_floor_10kt:
            no_floors = replace(elastic, floor_rate={}, use_floor_10kt={}, intake_floor_10kt={})
            retry = Highs().solve(
                build_model(no_floors),
                load_solutions=False,
                raise_exception_on_nonoptimal_result=False,
            )
            if retry.solution_status == SolutionStatus.optimal:
                return (
                    "The base-year floors (each stream keeps its base-year utilization; "
                    "with base_year_uses, each pathway its base-year use) cannot be met "
                    "with the capacity in reach: the data's capacity and base utilization "
                    "disagree (run `wastealloc data build` and `wastealloc data calibrate`), "
                    "or the scenario removed capacity ([capacity] scale < 1); allow "
                    "expansion or set base_year_floor = false and base_year_uses = false."
                )
        return "Even with every target relaxed the model has no solution; check the data."
    result.solution_loader.load_vars()
    lines = []
    for r, g in model.TARGETS:
        short = pyo.value(model.shortfall[r, g])
        if short > 1e-6:
            from model.core.formulation import group_drawn, group_generation

            # the target's base: generation plus any stock drawn (the yearbook's rate)
            gen = pyo.value(group_generation(model, r, g) + group_drawn(model, r, g))
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
