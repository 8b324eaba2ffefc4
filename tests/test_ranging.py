"""How far a target price holds (issue 14, item 2): HiGHS ranging checked by re-solves."""

from __future__ import annotations

import pytest

from model.core.config import load_scenario
from model.core.inputs import prepare
from model.core.ranging import target_ranges
from model.core.solve import Solver
from model.data.tables import load_dataset
from model.run import solve_scenario
from tests.conftest import RUNS


@pytest.fixture(scope="module")
def solved() -> tuple[Solver, list]:
    scenario = load_scenario(RUNS / "target-2025.toml")
    dataset = load_dataset(scenario.data, scenario.resolution)
    solver = Solver(prepare(dataset, scenario), scenario=scenario.name)
    solution = solver.solve()
    return solver, target_ranges(solver, solution)


def price_at(solver: Solver, key: tuple[str, str], rate: float) -> float:
    """The target's shadow price when its rate is set to ``rate`` (restored afterwards)."""
    m = solver.model
    before = m.target_rate[key].value
    m.target_rate[key] = rate
    try:
        return max(0.0, solver.solve().duals.get(m.target[key], 0.0))
    finally:
        m.target_rate[key] = before


def test_the_price_holds_inside_the_interval_and_changes_beyond(solved) -> None:
    solver, ranges = solved
    assert ranges, "target-2025 has a binding target (yrb/bulk) on the shipped data"
    for found in ranges:
        key = (found.region, found.group)
        low, high = found.holds_from_rate, found.holds_to_rate
        assert low <= found.rate <= high
        span = high - low
        assert span > 0
        for inside in (low + 0.01 * span, high - 0.01 * span):
            assert price_at(solver, key, inside) == pytest.approx(found.price_cny_per_t, rel=1e-6)
        # cost is convex in the rate: beyond either end the price moves, up above, down below
        if high < 1.0:
            assert price_at(solver, key, high + 0.1 * span) > found.price_cny_per_t + 1e-3
        if low > 0.0:
            assert price_at(solver, key, low - 0.1 * span) < found.price_cny_per_t - 1e-3


def test_shadow_prices_carry_the_interval_of_binding_targets_only() -> None:
    run = solve_scenario(load_scenario(RUNS / "target-2025.toml"))
    prices = run.results.shadow_prices
    targets = prices[prices["constraint"] == "target"]
    binding = targets[targets["binding"].astype(bool)]
    assert not binding.empty
    assert binding["holds_from_rate"].notna().all() and binding["holds_to_rate"].notna().all()
    rates = run.results.utilization.set_index(["level", "area", "group"])["target"]
    for _, row in binding.iterrows():
        rate = rates["region", row["region"], row["group"]]
        assert row["holds_from_rate"] <= rate <= row["holds_to_rate"]
    others = prices.drop(binding.index)
    assert others["holds_from_rate"].isna().all() and others["holds_to_rate"].isna().all()
