"""The compiled LP (model/core/compiled.py): HiGHS is given the Pyomo model, kept in step."""

from __future__ import annotations

import numpy as np
import pytest

from model.core.compiled import CompiledLP
from model.core.config import load_scenario
from model.core.formulation import build_model
from model.core.inputs import prepare
from model.core.solve import Solver
from model.data.tables import load_dataset
from tests.conftest import RUNS, two_node_inputs

# a target whose base includes stock drawn (a parameter times a variable), a blend
# limit (a parameter times a sum) and expansion: every kind of parameter use
RICH = {
    "target_rate": {("r", "bulk"): 0.75},
    "share_max": {("ash", "cement"): 1.0, ("ash", "road"): 0.6, ("slag", "road"): 1.0},
    "drawdown_max_10kt": {"b": 2.0},
    "expansion_max_10kt": {("a", "cement"): 3.0},
    "capex_cny_per_t_yr": {"cement": 5.0, "road": 0.0},
}


def compiled() -> CompiledLP:
    m = build_model(two_node_inputs(**RICH))
    return CompiledLP(m, {"cost": m.total_cost})


def applied(lp: CompiledLP, a: np.ndarray, changes: object) -> np.ndarray:
    out = a.copy()
    for (r, c), value in changes.coefficients.items():  # type: ignore[attr-defined]
        out[r, c] = value
    return out


def test_parameter_changes_give_the_lp_of_a_fresh_compile() -> None:
    lp = compiled()
    a = lp.A.toarray()
    m = lp.model
    m.target_rate["r", "bulk"] = 0.9
    m.share_max["ash", "road"] = 0.4
    m.capacity_10kt["b", "road"] = 12.0
    m.transport_cost_cny_per_tkm["road"] = 0.2
    changes = lp.sync()
    fresh = CompiledLP(m, {"cost": m.total_cost})
    assert [c.name for c in fresh.rows] == [c.name for c in lp.rows]
    assert [v.name for v in fresh.columns] == [v.name for v in lp.columns]
    np.testing.assert_array_equal(applied(lp, a, changes), fresh.A.toarray())
    np.testing.assert_array_equal(lp.row_lower, fresh.row_lower)
    np.testing.assert_array_equal(lp.row_upper, fresh.row_upper)
    np.testing.assert_array_equal(lp.cost["cost"], fresh.cost["cost"])
    assert changes.objectives == {"cost"}


def test_nothing_changed_means_nothing_to_pass_on() -> None:
    lp = compiled()
    lp.model.target_rate["r", "bulk"] = 0.75  # the same value
    assert not lp.sync()


def test_columns_come_in_the_order_the_rows_first_use_them() -> None:
    """As Pyomo's persistent interface lays them out, so HiGHS sees the same LP as before."""
    lp = compiled()
    first = [lp.A[:, [k]].indices.min() for k in range(lp.shape[1])]
    assert first == sorted(first)
    m = lp.model
    by_row = {id(v): k for k, v in enumerate(lp.columns)}
    balance = lp.row_of[id(m.origin_balance["ash", "a"])]
    starting = [k for k in range(lp.shape[1]) if first[k] == balance]
    # hauls, then on-site uses, then what is left: the order the constraint names them
    names = [lp.columns[k].name for k in sorted(starting)]
    assert names[-1] == "unutilized[ash,a]"
    assert all(
        by_row[id(m.haul[h])] < by_row[id(m.unutilized["ash", "a"])] for h in m._out["ash", "a"]
    )


def test_a_resolve_after_changes_equals_a_new_solver() -> None:
    inputs = two_node_inputs(**RICH)
    solver = Solver(inputs, tie_break="co2", co2_range=True)
    solver.solve()
    solver.model.target_rate["r", "bulk"] = 0.85
    solver.model.capacity_10kt["a", "cement"] = 9.0
    again = solver.solve()
    fresh = Solver(inputs, tie_break="co2", co2_range=True)
    fresh.model.target_rate["r", "bulk"] = 0.85
    fresh.model.capacity_10kt["a", "cement"] = 9.0
    new = fresh.solve()
    assert again.objective_10k_cny == pytest.approx(new.objective_10k_cny, rel=1e-9)
    assert again.net_co2_most_10kt == pytest.approx(new.net_co2_most_10kt, rel=1e-9, abs=1e-9)


def test_the_same_lp_as_pyomos_persistent_highs() -> None:
    """Row for row and column for column what Pyomo's persistent interface passed (issue 12).

    The optimum HiGHS returns among several of equal cost depends on the order, and
    the results must not change with the compiled path.
    """
    from pyomo.contrib.solver.solvers.highs import Highs

    scenario = load_scenario(RUNS / "baseline.toml")  # small, and its order needs the care
    m = build_model(prepare(load_dataset(scenario.data, scenario.resolution), scenario))
    lp = CompiledLP(m, {"cost": m.total_cost})
    persistent = Highs()
    persistent.solve(lp.model, load_solutions=False, raise_exception_on_nonoptimal_result=False)
    given = persistent._solver_model.getLp()
    columns = persistent._pyomo_var_to_solver_var_map
    assert [columns[id(v)] for v in lp.columns] == list(range(lp.shape[1]))
    a = given.a_matrix_
    np.testing.assert_array_equal(lp.A.indptr, a.start_)
    np.testing.assert_array_equal(lp.A.indices, a.index_)
    np.testing.assert_array_equal(lp.A.data, a.value_)
    np.testing.assert_array_equal(lp.row_lower, given.row_lower_)
    np.testing.assert_array_equal(lp.cost["cost"], given.col_cost_)


class Recorder:
    """A live HiGHS instance whose method calls are noted (name, arguments)."""

    def __init__(self, h: object) -> None:
        self._h = h
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def __getattr__(self, name: str) -> object:
        attr = getattr(self._h, name)
        if not callable(attr):
            return attr

        def call(*args: object) -> object:
            self.calls.append((name, args))
            return attr(*args)

        return call


def test_the_tie_break_changes_costs_and_the_cap_row_and_starts_from_the_basis() -> None:
    """Issue 12: the second and third solves change the live model, nothing is re-passed.

    The only row bound that moves is the cost cap's, the only coefficient written is
    one already there, the costs switch to CO2 and back, and each run starts from
    the basis of the one before (a re-solve of an unchanged LP takes no iteration).
    """
    solver = Solver(two_node_inputs(**RICH), tie_break="co2", co2_range=True)
    solver.solve()
    lp = solver._lp
    assert lp is not None
    cap = lp.row_of[id(solver.model.tie_cost_cap)]
    h = Recorder(solver._h)
    solver._h = h  # type: ignore[assignment]
    lower, upper = lp.row_lower.copy(), lp.row_upper.copy()
    solver.solve()
    names = {name for name, _ in h.calls}
    assert not names & {"passModel", "clearModel", "clearSolver", "setBasis", "addRow", "addCol"}
    assert names >= {"run", "changeColsCost", "changeObjectiveSense"}
    moved = set()
    for name, args in h.calls:
        if name == "changeRowsBounds":
            _, rows, lo, hi = args
            for r, a, b in zip(rows, lo, hi, strict=True):  # type: ignore[call-overload]
                if (a, b) != (lower[r], upper[r]):
                    moved.add(int(r))
        if name == "changeCoeff":
            r, c, value = args
            assert lp.A[r, c] == value  # written as it is: HiGHS keeps its basis
    assert moved == {cap}
    solver._run()  # the least-cost LP again: the cap is lifted
    assert lp.row_upper[cap] > 1e14
    solver._run()  # from the basis left by the run before: already optimal
    assert h._h.getInfo().simplex_iteration_count == 0  # type: ignore[attr-defined]


def test_a_target_without_any_capacity_is_infeasible_not_a_compile_error() -> None:
    """No capacity anywhere: the target's row has no variable and cannot hold. Pyomo's
    compiler refuses it; the solve reports the scenario infeasible (SolveError), and the
    cost of one more point is None, as for any infeasible re-solve."""
    from model.errors import SolveError

    inputs = two_node_inputs(
        capacity_10kt={("a", "cement"): 0.0, ("b", "road"): 0.0},
        target_rate={("r", "bulk"): 0.5},
    )
    with pytest.raises(SolveError, match="infeasible"):
        Solver(inputs).solve()
    assert Solver(inputs)._run().termination_condition.name == "provenInfeasible"
