"""HiGHS itself: the compiled LP passed to a live instance, changes passed on, and what one
run left (status, objective, primal values, row duals). :mod:`model.core.solve` drives it."""

from __future__ import annotations

from typing import Any

import highspy
import numpy as np
from pyomo.common.tee import capture_output
from pyomo.contrib.solver.common.results import TerminationCondition

from model.core.compiled import Changes, CompiledLP

_CONDITIONS = {
    highspy.HighsModelStatus.kOptimal: TerminationCondition.convergenceCriteriaSatisfied,
    highspy.HighsModelStatus.kInfeasible: TerminationCondition.provenInfeasible,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: TerminationCondition.infeasibleOrUnbounded,
    highspy.HighsModelStatus.kUnbounded: TerminationCondition.unbounded,
    highspy.HighsModelStatus.kObjectiveBound: TerminationCondition.objectiveLimit,
    highspy.HighsModelStatus.kObjectiveTarget: TerminationCondition.objectiveLimit,
    highspy.HighsModelStatus.kTimeLimit: TerminationCondition.maxTimeLimit,
    highspy.HighsModelStatus.kIterationLimit: TerminationCondition.iterationLimit,
    highspy.HighsModelStatus.kLoadError: TerminationCondition.error,
    highspy.HighsModelStatus.kModelError: TerminationCondition.error,
    highspy.HighsModelStatus.kPresolveError: TerminationCondition.error,
    highspy.HighsModelStatus.kSolveError: TerminationCondition.error,
    highspy.HighsModelStatus.kPostsolveError: TerminationCondition.error,
}
"""HiGHS's model status as Pyomo's termination condition (as Pyomo's own interface maps it)."""


class Result:
    """What one HiGHS run left: status, objective, primal values and row duals."""

    def __init__(self, h: highspy.Highs) -> None:
        status = h.getModelStatus()
        self.termination_condition = _CONDITIONS.get(status, TerminationCondition.unknown)
        self.optimal = status == highspy.HighsModelStatus.kOptimal
        self.objective = float(h.getInfo().objective_function_value) if self.optimal else None
        self._h = h

    @property
    def col_value(self) -> np.ndarray:
        return np.asarray(self._h.getSolution().col_value)

    @property
    def row_dual(self) -> np.ndarray:
        return np.asarray(self._h.getSolution().row_dual)


class Infeasible(Result):
    """A run not made: compiling the model already found a constraint without variables
    that cannot hold (e.g. a target in a region with no capacity to use its waste)."""

    def __init__(self) -> None:
        self.termination_condition = TerminationCondition.provenInfeasible
        self.optimal = False
        self.objective = None


def highs_version() -> tuple[int, int, int]:
    return (highspy.HIGHS_VERSION_MAJOR, highspy.HIGHS_VERSION_MINOR, highspy.HIGHS_VERSION_PATCH)


def highs_of(lp: CompiledLP, options: dict[str, Any]) -> highspy.Highs:
    """A HiGHS instance holding the compiled LP (least cost), silent, with the time limit."""
    with capture_output(capture_fd=True):  # HiGHS prints its banner when created
        h = highspy.Highs()
    # HiGHS writes warnings to stdout (e.g. a coefficient of the cost cap set to 0
    # by a sweep); results and failures are reported through the status instead
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(options["time_limit"]))
    if options["threads"] is not None:
        h.setOptionValue("threads", int(options["threads"]))
    bounds = (lp.col_lower, lp.col_upper, lp.row_lower, lp.row_upper)
    h.passModel(lp_of(lp.A, lp.cost["cost"], bounds, offset=lp.offset["cost"]))
    return h


def lp_of(
    a: Any, cost: np.ndarray, bounds: tuple[np.ndarray, ...], offset: float = 0.0
) -> highspy.HighsLp:
    """A HiGHS LP: ``row_lower <= A x <= row_upper``, ``col_lower <= x <= col_upper``,
    least ``cost @ x + offset``; ``a`` a scipy sparse matrix (used column-wise), ``bounds``
    (col_lower, col_upper, row_lower, row_upper)."""
    a = a.tocsc()
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = a.shape[1], a.shape[0]
    model.col_cost_ = cost
    model.offset_ = offset
    model.col_lower_, model.col_upper_, model.row_lower_, model.row_upper_ = bounds
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = a.indptr
    model.a_matrix_.index_ = a.indices
    model.a_matrix_.value_ = a.data
    return model


def refresh(h: Any, lp: CompiledLP) -> None:
    """Put HiGHS in the state Pyomo's persistent interface left it in before each re-solve.

    That interface re-set every row bound and every parameter-dependent
    coefficient to its (mostly unchanged) value before each re-solve; a
    coefficient change makes HiGHS refactorize from the basis rather than
    continue with its current factorization. The optimum is the same either way,
    but where several allocations share it the path decides which one HiGHS
    returns, and the results must not change (issue 12): so the same kind of
    changes are made here, in two calls (checked by scripts/compare_with_main.sh).
    """
    n = lp.shape[0]
    h.changeRowsBounds(n, np.arange(n, dtype=np.int32), lp.row_lower, lp.row_upper)
    a = lp.A
    h.changeCoeff(int(a.indices[0]), 0, float(a.data[0]))


def push(h: Any, lp: CompiledLP, changes: Changes, objective: str) -> None:
    """Pass parameter changes to the live HiGHS model: bounds, coefficients, costs."""
    if changes.row_bounds:
        rows = np.array(sorted(changes.row_bounds), dtype=np.int32)
        h.changeRowsBounds(len(rows), rows, lp.row_lower[rows], lp.row_upper[rows])
    for (r, c), value in changes.coefficients.items():
        h.changeCoeff(r, c, value)
    if objective in changes.objectives:
        h.changeColsCost(lp.shape[1], np.arange(lp.shape[1], dtype=np.int32), lp.cost[objective])
        h.changeObjectiveOffset(lp.offset[objective])
