"""The only module that talks to the solver: the model compiled once, HiGHS driven directly.

The built Pyomo model is compiled to sparse arrays (:mod:`model.core.compiled`)
and passed to highspy in one call. Re-solves change the live HiGHS model:
parameter changes become bound and coefficient changes, the tie-break switches
the cost vector and tightens one row, and HiGHS starts from the last basis.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pyomo.core as pyo
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.common.gc_manager import PauseGC
from pyomo.contrib.solver.common.results import TerminationCondition

from model.core.compiled import CompiledLP
from model.core.config import Scenario
from model.core.formulation import build_model
from model.core.highs import Infeasible, Result, highs_of, highs_version, push, refresh
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
    # the compiled LP and its column values at this solution, for values without
    # walking Pyomo's expressions (None for a solution made otherwise)
    lp: CompiledLP | None = field(default=None, repr=False, compare=False)
    x: np.ndarray | None = field(default=None, repr=False, compare=False)

    def value(self, expr: Any) -> float:
        """``pyo.value(expr)`` at this solution, from the arrays where it can be."""
        if self.lp is None or self.x is None:
            return float(pyo.value(expr))
        return self.lp.value(expr, self.x)


class Solver:
    """A built model bound to a live HiGHS instance.

    Change mutable parameters on ``self.model`` and call :meth:`solve` again:
    the changed rows are re-read and HiGHS warm-starts from the previous basis,
    which is what sweeps use. ``timings`` holds the seconds of the last
    :meth:`solve` by stage (translate, solve, tie_break), for the benchmark.
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
        _release_frozen()
        with PauseGC():
            # a model built elsewhere (the multi-year model) needs total_cost and the CO2 terms
            self.model = build_model(inputs) if model is None else model
            self.tie_break = tie_break
            self.co2_range = co2_range and tie_break == "co2"
            if tie_break == "co2":
                _add_tie_break(self.model)
            gc.freeze()  # see _release_frozen
        self.build_seconds = time.perf_counter() - start
        self.scenario = scenario
        self._options = {"time_limit": time_limit_s, "threads": threads}
        self._time_limit_s = float(time_limit_s)
        self._lp: CompiledLP | None = None
        self._h: highspy.Highs | None = None
        # further HiGHS options (name -> value), set before every run, e.g. {"solver": "ipm"}
        self.solver_options: dict[str, Any] = {}
        self._objective = "cost"
        self._sense = "min"
        self.timings: dict[str, float] = {}
        self.least_cost_10k_cny: float | None = None  # the first solve's, before the tie-break
        # the basis every least-cost run starts from, once :meth:`anchor` has set it
        self._start: Any = None

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

    def _translate(self) -> tuple[CompiledLP, highspy.Highs]:
        """Compile the model and pass it to HiGHS (the first time), or pass on what changed."""
        start = time.perf_counter()
        if self._lp is None or self._h is None:
            m = self.model
            objectives = {"cost": m.total_cost}
            if self.tie_break == "co2":
                objectives["co2"] = m.tie_co2_least
            with PauseGC():  # as in the build: many objects, no cycles to free
                self._lp = CompiledLP(m, objectives)
                # Pyomo's compiler leaves its visitor in a cycle (15 MB on the prefecture
                # model): collected among the compile's objects alone, the model being frozen
                gc.collect(0)
                gc.freeze()  # the compiled maps join the model (see _release_frozen)
            if self.tie_break == "co2":  # the cap's body is the cost: its constant is the offset
                self._lp.bound_of(m.tie_cost_rhs, m.tie_cost_cap, self._lp.offset["cost"])
            self._h = highs_of(self._lp, self._options)
            self._objective = "cost"
        else:
            push(self._h, self._lp, self._lp.sync(), self._objective)
            refresh(self._h, self._lp)
        self.timings["translate"] = self.timings.get("translate", 0.0) + (
            time.perf_counter() - start
        )
        return self._lp, self._h

    def anchor(self) -> None:
        """Solve the model as it stands for its least cost and start every later
        least-cost run from that optimum's basis, not from whatever the previous run left.

        Where several allocations share the least cost, which one HiGHS returns depends
        on where it starts. A study's worker anchors its model at the base scenario
        before its first point, so a point's allocation, rates and prices do not depend
        on which points the worker solved before it: one worker or many, in any order,
        or resumed after an interruption, give the same table. A model without an
        optimum leaves the runs to start where the previous one ended.
        """
        self._start = None
        if self._run().optimal:
            assert self._h is not None
            self._start = self._h.getBasis()

    def _run(self, objective: str = "cost", sense: str = "min") -> Result:
        """One HiGHS solve of the model as it stands, nothing loaded, with the time limit."""
        try:
            lp, h = self._translate()
        except InfeasibleConstraintException:  # Pyomo's compiler: a row that cannot hold
            return Infeasible()
        if objective == "cost" and self._start is not None:
            h.setBasis(self._start)
        if objective != self._objective:
            h.changeColsCost(
                lp.shape[1], np.arange(lp.shape[1], dtype=np.int32), lp.cost[objective]
            )
            h.changeObjectiveOffset(lp.offset[objective])
            self._objective = objective
        if sense != self._sense:
            h.changeObjectiveSense(
                highspy.ObjSense.kMaximize if sense == "max" else highspy.ObjSense.kMinimize
            )
            self._sense = sense
        for key, option in self.solver_options.items():
            h.setOptionValue(key, option)
        # HiGHS measures time_limit from the instance's creation (getRunTime adds up every
        # run): without this a study's worker fails every point once its solves total it
        h.setOptionValue("time_limit", h.getRunTime() + self._time_limit_s)
        h.run()
        return Result(h)

    def solve(self) -> Solution:
        """Solve; raise :class:`SolveError` with advice unless the optimum is found."""
        start = time.perf_counter()
        self.timings = {}
        result = self._run()
        seconds = time.perf_counter() - start
        self.timings["solve"] = seconds - self.timings.get("translate", 0.0)
        if not result.optimal:
            condition = result.termination_condition
            raise SolveError(self._explain(condition), status=status_word(condition))
        self.least_cost_10k_cny = result.objective
        lp = self._lp
        assert lp is not None
        lp.hold(result.col_value)
        duals = dict(zip(lp.rows, result.row_dual.tolist(), strict=True))
        version = ".".join(str(v) for v in highs_version())
        tie, most = "none", None
        if self.tie_break == "co2":
            tie_start = time.perf_counter()
            # pyo.value(total_cost) from the arrays (model.core.evaluate: the same float)
            cost = lp.value(self.model.total_cost)
            if self.co2_range:
                most = self._co2_at_least_cost(cost, most=True)
            tie = "co2" if self._co2_at_least_cost(cost) is not None else "none"
            seconds = time.perf_counter() - start
            self.timings["tie_break"] = time.perf_counter() - tie_start
        load_start = time.perf_counter()
        lp.load()  # the allocation reported (least CO2 if the tie-break found it)
        self.timings["load"] = time.perf_counter() - load_start
        return Solution(
            model=self.model,
            status="optimal",
            objective_10k_cny=lp.value(self.model.total_cost),
            solve_seconds=seconds,
            build_seconds=self.build_seconds,
            duals=duals,
            solver_version=version,
            tie_break=tie,
            net_co2_most_10kt=most,
            lp=lp,
            x=lp.x,
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
            cost = result.objective if result.optimal else None
            out[r, g] = None if cost is None else cost - solution.objective_10k_cny
        return out

    def highs_at_least_cost(self) -> tuple[Any, Callable[[Any], int]]:
        """The highspy object holding the least-cost LP as solved now, and a function from
        a Pyomo constraint to its HiGHS row; for ranging (:mod:`model.core.ranging`).

        Re-solves the cost LP as the model stands (warm, nothing loaded): a tie-break
        or next-point solve may have left another LP in HiGHS.
        """
        result = self._run()
        if not result.optimal:
            raise SolveError(self._explain(result.termination_condition))
        assert self._lp is not None and self._h is not None
        row_of = self._lp.row_of
        return self._h, lambda constraint: row_of[id(constraint)]

    def _co2_at_least_cost(self, cost: float, most: bool = False) -> float | None:
        """Second solve: least (or most) net CO2 among allocations costing at most the optimum.

        Caps total cost at z* (1 + 1e-9) + 1e-6 and minimises (maximises) transport
        CO2 less avoided CO2. The least-CO2 allocation is held (``CompiledLP.hold``)
        for :meth:`solve` to load into the model; the most-CO2 one is only measured
        (its net CO2 is returned). The duals of the first solve are kept: in a linear
        program any optimal dual solution pairs with any optimal primal one. If the
        solve fails (time limit, numerics) the allocation held is unchanged and None
        is returned. Each solve has the
        scenario's time limit. The cap is a row of the compiled model (``_add_tie_break``)
        whose bound changes; the objective is the CO2 cost vector compiled beside the cost.
        """
        m = self.model
        m.tie_cost_rhs = cost + 1e-9 * abs(cost) + 1e-6
        try:
            result = self._run("co2", "max" if most else "min")
            if not result.optimal:
                return None
            if most:
                return result.objective
            assert self._lp is not None
            self._lp.hold(result.col_value)  # loaded into the model by solve()
            return self._lp.value(m.tie_co2_least)
        finally:
            m.tie_cost_rhs = _NO_CAP
            self._objective_back()

    def _objective_back(self) -> None:
        """The least-cost objective again, so the next re-solve is a cost solve."""
        if self._h is not None and self._lp is not None and self._objective != "cost":
            lp = self._lp
            self._h.changeColsCost(
                lp.shape[1], np.arange(lp.shape[1], dtype=np.int32), lp.cost["cost"]
            )
            self._h.changeObjectiveOffset(lp.offset["cost"])
            self._objective = "cost"
        if self._h is not None and self._sense != "min":
            self._h.changeObjectiveSense(highspy.ObjSense.kMinimize)
            self._sense = "min"

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


def _release_frozen() -> None:
    """Let the garbage collector see again what an earlier :class:`Solver` froze, and free it.

    A built model is millions of objects in no cycle that matters while it is
    used; the collector's passes over them (first the young generations, then a
    full pass) took about a second of a prefecture solve. So the solver moves
    them out of the collector's sight once built and once compiled
    (``gc.freeze``). A model is freed by reference counting only in part (Pyomo
    models hold cycles), so the next solver built in the same process (tests,
    diagnosis, calibration) hands every frozen object back and collects the
    cycles of the models no longer used: a process holds at most the live
    models, as without freezing.
    """
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()


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
    solver = Solver(elastic)
    result = solver._run()
    if not result.optimal:
        if inputs.floor_rate or inputs.use_floor_10kt or inputs.intake_floor_10kt:
            no_floors = replace(elastic, floor_rate={}, use_floor_10kt={}, intake_floor_10kt={})
            if Solver(no_floors)._run().optimal:
                return (
                    "The base-year floors (each stream keeps its base-year utilization; "
                    "with base_year_uses, each pathway its base-year use) cannot be met "
                    "with the capacity in reach: the data's capacity and base utilization "
                    "disagree (run `wastealloc data build` and `wastealloc data calibrate`), "
                    "or the scenario removed capacity ([capacity] scale < 1); allow "
                    "expansion or set base_year_floor = false and base_year_uses = false."
                )
        return "Even with every target relaxed the model has no solution; check the data."
    model = solver.model
    assert solver._lp is not None
    solver._lp.load(result.col_value)
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
