"""Waste drawn from earlier years' stockpiles: hand-checked instances and the shipped scenarios."""

from __future__ import annotations

import pytest

from model.core.config import load_scenario
from model.core.inputs import stock_drawdown_limits
from model.core.results import collect
from model.core.solve import Solver
from model.data.tables import load_dataset
from model.run import solve_scenario
from tests.conftest import DATA, RUNS, two_node_inputs

PAYING_SLAG = {("ash", "cement"): 0.0, ("ash", "road"): 0.0, ("slag", "road"): 25.0}


def solve(**overrides: object):
    solution = Solver(two_node_inputs(**overrides), scenario="two-node").solve()
    return solution, collect(solution)


def test_paying_stock_is_drawn_up_to_the_limit() -> None:
    """Slag in road base earns 25 against a cost of 0.1*10 + 20 = 21: -4 per t.

    All 6 t of b's slag go to road base, and 2 t more are drawn from b's stock
    (the limit; road base has room for 10). Ash as in the base instance: 8 t to
    cement at 11, 2 t stored at 15. Cost = 88 + 30 - 6*4 - 2*4 = 86 (10^4 CNY).
    One more tonne of stock is worth 4 CNY. Rates (yearbook definition):
    b = (6 + 2) / (6 + 2) = 100%; region = (8 + 6 + 2) / (16 + 2) = 88.9%.
    """
    solution, results = solve(revenue_cny_per_t=PAYING_SLAG, drawdown_max_10kt={"b": 2.0})
    assert solution.objective_10k_cny == pytest.approx(86.0, abs=1e-6)
    drawn = results.drawdown.set_index(["node", "stream"])["drawn_10kt"]
    assert drawn.to_dict() == pytest.approx({("b", "slag"): 2.0})
    util = results.utilization.set_index(["level", "area", "group"])
    assert util.loc[("node", "b", "all"), "rate"] == pytest.approx(1.0)
    assert util.loc[("region", "r", "all"), "drawn_10kt"] == pytest.approx(2.0)
    assert util.loc[("region", "r", "all"), "rate"] == pytest.approx(16.0 / 18.0)
    assert solution.duals[solution.model.drawdown_limit["b"]] == pytest.approx(-4.0)


def test_no_limit_means_no_drawdown() -> None:
    """The same paying slag without a limit: nothing is drawn, cost 88 + 30 - 24 = 94."""
    solution, results = solve(revenue_cny_per_t=PAYING_SLAG)
    assert solution.objective_10k_cny == pytest.approx(94.0, abs=1e-6)
    assert results.drawdown.empty
    assert results.utilization["drawn_10kt"].abs().max() == pytest.approx(0.0)


def test_drawdown_meets_a_target_own_generation_cannot() -> None:
    """4 t of mud at a has no use, so at most 16 of 20 t are utilized (80%).

    Target 82%: 16 + d >= 0.82 (20 + d), i.e. d >= 0.4 / 0.18 = 2.222 t drawn
    (limit 3). All own ash and slag are used first (ash to b's road base costs 15
    more than storing per t of target; a drawn tonne counts only 0.18 and costs 21):
    cost = 8*11 + 2*30 + 6*21 + 2.222*21 + 4*15 = 380.667.
    """
    base = two_node_inputs()
    solution, results = solve(
        streams=("ash", "slag", "mud"),
        group_streams={"bulk": frozenset({"ash", "slag", "mud"})},
        generation_10kt={**base.generation_10kt, ("mud", "a"): 4.0},
        storage_cost_cny_per_t={"ash": 15.0, "slag": 15.0, "mud": 15.0},
        levy_cny_per_t={"ash": 0.0, "slag": 0.0, "mud": 0.0},
        capacity_10kt={("a", "cement"): 8.0, ("b", "road"): 12.0},
        target_rate={("r", "bulk"): 0.82},
        drawdown_max_10kt={"b": 3.0},
    )
    d = 0.4 / 0.18
    assert results.drawdown["drawn_10kt"].sum() == pytest.approx(d, abs=1e-6)
    assert solution.objective_10k_cny == pytest.approx(88 + 60 + 126 + d * 21 + 60, abs=1e-6)
    util = results.utilization.set_index(["level", "area", "group"])
    assert util.loc[("region", "r", "bulk"), "rate"] == pytest.approx(0.82)
    assert bool(util.loc[("region", "r", "bulk"), "met"])


def test_base_year_draw_is_kept_as_practice() -> None:
    """b drew 2 t from stock in the base year and used all its slag (floor 100%).

    Slag in road base costs 0.1*10 + 20 = 21 per t against 15 stored, so only the
    floors make b use it: 6 t own slag and the 2 t drawn (road base at b has room
    for 10). Ash as in the base instance (floor 80% = 8 t): 8 t to cement at 11,
    2 t stored at 15. Cost = 88 + 30 + 8*21 = 286 (10^4 CNY); without the draw
    floor 88 + 30 + 6*21 = 244 and nothing is drawn. Node b's rate and floor rate
    are (6 + 2) / (6 + 2) = 100%.
    """
    floors = {("ash", "a"): 0.8, ("slag", "b"): 1.0}
    solution, results = solve(
        floor_rate=floors, drawdown_max_10kt={"b": 2.0}, drawdown_floor_10kt={"b": 2.0}
    )
    assert solution.objective_10k_cny == pytest.approx(286.0, abs=1e-6)
    assert results.drawdown["drawn_10kt"].sum() == pytest.approx(2.0, abs=1e-6)
    util = results.utilization.set_index(["level", "area", "group"])
    assert util.loc[("node", "b", "all"), "utilized_10kt"] == pytest.approx(8.0)
    assert util.loc[("node", "b", "all"), "floor_rate"] == pytest.approx(1.0)
    solution, results = solve(floor_rate=floors, drawdown_max_10kt={"b": 2.0})
    assert solution.objective_10k_cny == pytest.approx(244.0, abs=1e-6)
    assert results.drawdown.empty


def test_baseline_reproduces_every_province_of_the_yearbook() -> None:
    """With base-year floors, every province generates and utilizes what the 2021
    yearbook reports (Zhejiang's 5,336 utilized includes 21 drawn from stock), to
    the 0.01 (100 t) the shipped tables are rounded to."""
    run = solve_scenario(load_scenario(RUNS / "baseline.toml"))
    util = run.results.utilization
    nodes = util[(util["level"] == "node") & (util["group"] == "all")].set_index("area")
    totals = load_dataset(DATA)["province_totals"]
    reported = totals[(totals["year"] == 2021) & (totals["status"] == "reported")]
    reported = reported.set_index("node").loc[nodes.index]
    for column in ("generated_10kt", "utilized_10kt"):
        gap = (nodes[column] - reported[column]).abs()
        assert gap.max() <= 0.05, gap.sort_values().tail(3)
    assert nodes.loc["zhejiang", "drawn_10kt"] == pytest.approx(21.0)


def test_shipped_limit_is_utilized_above_generated() -> None:
    """Zhejiang utilized 5,336 against 5,315 generated in 2021: 21 may be drawn; no other
    province utilized more than it generated."""
    limits = stock_drawdown_limits(load_dataset(DATA))
    assert limits == pytest.approx({"zhejiang": 21.0})


def test_prefecture_limits_add_up_to_the_province() -> None:
    limits = stock_drawdown_limits(load_dataset(DATA, "prefecture"))
    assert all(node.startswith("zhejiang_") for node in limits)
    assert sum(limits.values()) == pytest.approx(21.0)


@pytest.mark.parametrize("name", ["baseline", "target-2025"])
def test_solved_drawdown_stays_within_its_limit(name: str) -> None:
    run = solve_scenario(load_scenario(RUNS / f"{name}.toml"))
    limits = run.solution.model.inputs.drawdown_max_10kt
    assert limits, "the shipped data allow a drawdown (Zhejiang)"
    drawn = run.results.drawdown.groupby("node")["drawn_10kt"].sum()
    for node, amount in drawn.items():
        assert amount <= limits[node] + 1e-6
    util = run.results.utilization
    nodes = util[(util["level"] == "node") & (util["group"] == "all")].set_index("area")
    assert (nodes["rate"] <= 1.0 + 1e-9).all()
