"""Study points read from the solver's arrays (issue 12): the same numbers as the full tables.

``model.core.evaluate`` gives pyo.value of an expression from the column values,
and ``model.core.outcomes`` what a study point records; both must give the very
floats the Pyomo and pandas path gives, so that study tables do not change.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pyomo.environ as pyo
import pytest

from model.core.config import load_scenario
from model.core.inputs import prepare
from model.core.outcomes import point_outcomes
from model.core.results import collect
from model.core.solve import Solution, Solver
from model.data.tables import load_dataset
from tests.conftest import RUNS, two_node_inputs

NAMED = (
    "total_cost",
    "transport_cost",
    "processing_cost",
    "revenue",
    "storage_cost",
    "levy_cost",
    "expansion_cost",
    "carbon_cost",
    "penalty_cost",
    "transport_co2_10kt",
    "avoided_co2_10kt",
)


def from_tables(solution: Solution) -> dict[str, float]:
    """What a study point recorded before issue 12: read from collect()'s tables."""
    results = collect(solution)
    row = {"objective_10k_cny": solution.objective_10k_cny}
    util = results.utilization
    for _, u in util[util["level"] == "region"].iterrows():
        row[f"rate_{u['area']}_{u['group']}"] = float(u["rate"])
    prices = results.shadow_prices
    for _, p in prices[prices["constraint"] == "target"].iterrows():
        row[f"shadow_{p['region']}_{p['group']}_cny_per_t"] = float(p["shadow_price"])
    row["net_co2_10kt"] = float(results.emissions.set_index("component").loc["net", "co2_10kt"])
    return row


@pytest.fixture(scope="module")
def province() -> Solver:
    scenario = load_scenario(RUNS / "target-2025.toml")
    inputs = prepare(load_dataset(scenario.data, scenario.resolution), scenario)
    return Solver.for_scenario(inputs, scenario, co2_range=True)


def points(solver: Solver) -> Any:
    """Solutions at a few settings: targets, carbon price and transport cost moved."""
    m = solver.model
    rates = {k: pyo.value(m.target_rate[k]) for k in m.TARGETS}
    road = pyo.value(m.transport_cost_cny_per_tkm["road"])
    for factor, price, scale in ((1.0, 0.0, 1.0), (0.93, 80.0, 1.0), (0.97, 80.0, 1.6)):
        for k, rate in rates.items():
            m.target_rate[k] = rate * factor
        m.carbon_price_cny_per_t = price
        m.transport_cost_cny_per_tkm["road"] = road * scale
        yield solver.solve()


def test_point_outcomes_are_the_tables_numbers(province: Solver) -> None:
    for solution in points(province):
        fast = point_outcomes(solution)
        slow = from_tables(solution)
        assert list(fast) == list(slow)  # same columns in the same order
        assert fast == slow  # exactly: the same floats
        assert any(k.startswith("rate_") for k in fast) and any(
            k.startswith("shadow_") for k in fast
        )


def test_expression_values_from_the_arrays_are_pyomos(province: Solver) -> None:
    for solution in points(province):
        m = solution.model
        for name in NAMED:
            expr = getattr(m, name)
            assert solution.value(expr) == float(pyo.value(expr)), name
        net = m.transport_co2_10kt - m.avoided_co2_10kt
        assert solution.value(net) == float(pyo.value(net))
        assert solution.objective_10k_cny == float(pyo.value(m.total_cost))


def test_a_solution_without_arrays_reads_the_model() -> None:
    """A solution made elsewhere (the multi-year model's periods) takes the Pyomo path."""
    solution = Solver(two_node_inputs(), tie_break="co2").solve()
    bare = replace(solution, lp=None, x=None)
    assert point_outcomes(bare) == point_outcomes(solution) == from_tables(solution)
    assert bare.value(solution.model.total_cost) == solution.value(solution.model.total_cost)


def test_utilization_table_from_arrays_is_the_same_table(province: Solver) -> None:
    from model.core.arrays import SolutionArrays
    from model.core.results import utilization_table

    solution = province.solve()
    m = solution.model
    fast = utilization_table(m, m.inputs, SolutionArrays(solution))
    slow = utilization_table(m, m.inputs)
    assert fast.equals(slow)


def test_collect_from_arrays_gives_the_tables_of_the_model_path(province: Solver) -> None:
    """Every table of a run is the same whether read from the arrays or the model."""
    solution = province.solve()
    fast = collect(solution).tables()
    slow = collect(replace(solution, lp=None, x=None)).tables()
    for name, frame in slow.items():
        assert fast[name].equals(frame), name
