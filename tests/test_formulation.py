"""The LP against hand calculations on the two-node instance of conftest.py."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from model.core.results import collect
from model.core.solve import Solver
from model.errors import SolveError
from tests.conftest import two_node_inputs


def solve(**overrides: object):
    solver = Solver(two_node_inputs(**overrides), scenario="two-node")
    solution = solver.solve()
    return solver, solution, collect(solution)


def test_no_target_uses_only_what_pays() -> None:
    """Without a target, waste is used only where that is cheaper than storing it.

    ash at a -> cement at a: 0.1*10 + 10 = 11 < 15, so cement fills its 8.
    The other 2 ash would cost 0.1*100 + 20 = 30 at b's road base: stored (15).
    slag at b -> road at b: 0.1*10 + 20 = 21 > 15: stored.
    Cost = 8*11 + 2*15 + 6*15 = 88 + 30 + 90 = 208 (10^4 CNY).
    Cement capacity is worth 15 - 11 = 4 CNY per t.
    """
    _, solution, results = solve()
    assert solution.objective_10k_cny == pytest.approx(208.0, abs=1e-6)
    proc = results.processing.set_index(["stream", "node", "pathway"])["amount_10kt"]
    assert proc.to_dict() == pytest.approx({("ash", "a", "cement"): 8.0})
    cap = results.capacity_use.set_index(["node", "pathway"])["shadow_price_cny_per_t"]
    assert cap["a", "cement"] == pytest.approx(4.0)
    assert cap["b", "road"] == pytest.approx(0.0)


def test_binding_target_optimum_and_shadow_prices() -> None:
    """Target: 75% of the region's 16 must be used, i.e. 12; the 8 in cement leave 4.

    Cheapest extra tonne: slag to road at b, 21 instead of 15 stored: +6 per t
    (ash to b would add 30 - 15 = 15). So 4 slag go to road base.
    Cost = 8*11 + 2*15 + 4*21 + 2*15 = 88 + 30 + 84 + 30 = 232.
    Target shadow price = 6 CNY/t; one percentage point = 6 * 0.01 * 16 = 0.96 (10^4 CNY).
    Cement capacity: one more t lets one ash replace one slag: 15 - 11 + 21 - 15 = 10.
    """
    _, solution, results = solve(target_rate={("r", "bulk"): 0.75})
    assert solution.objective_10k_cny == pytest.approx(232.0, abs=1e-6)
    prices = results.shadow_prices.set_index(["constraint", "region", "node", "group", "pathway"])
    target = prices.loc[("target", "r", "", "bulk", "")]
    assert target["shadow_price"] == pytest.approx(6.0)
    assert target["per_percentage_point_10k_cny"] == pytest.approx(0.96)
    assert bool(target["binding"])
    cement = prices.loc[("capacity", "r", "a", "", "cement")]
    assert cement["shadow_price"] == pytest.approx(10.0)
    util = results.utilization.set_index(["level", "area", "group"])
    assert util.loc[("region", "r", "bulk"), "rate"] == pytest.approx(0.75)
    assert bool(util.loc[("region", "r", "bulk"), "met"])


def test_target_shadow_price_matches_finite_difference() -> None:
    """Raising the rate by 1 pp changes the optimum by the reported per-pp price."""
    _, low, results = solve(target_rate={("r", "bulk"): 0.75})
    _, high, _ = solve(target_rate={("r", "bulk"): 0.76})
    per_pp = results.shadow_prices.query("constraint == 'target'")[
        "per_percentage_point_10k_cny"
    ].iloc[0]
    assert high.objective_10k_cny - low.objective_10k_cny == pytest.approx(per_pp, rel=1e-6)


def test_blend_limit_changes_the_mix() -> None:
    """Slag may be at most half of road base intake: 4 extra tonnes become 2 slag + 2 ash.

    Extra cost = 2*(21-15) + 2*(30-15) = 12 + 30 = 42 instead of 24; total 232 + 18 = 250.
    Target shadow price = (6 + 15) / 2 = 10.5 CNY/t.
    """
    _, solution, results = solve(
        target_rate={("r", "bulk"): 0.75},
        share_max={("ash", "cement"): 1.0, ("ash", "road"): 1.0, ("slag", "road"): 0.5},
    )
    assert solution.objective_10k_cny == pytest.approx(250.0, abs=1e-6)
    proc = results.processing.set_index(["stream", "node", "pathway"])["amount_10kt"]
    assert proc["slag", "b", "road"] == pytest.approx(2.0)
    assert proc["ash", "b", "road"] == pytest.approx(2.0)
    hauls = results.hauls.set_index(["stream", "origin", "destination", "mode"])
    assert hauls.loc[("ash", "a", "b", "road"), "amount_10kt"] == pytest.approx(2.0)
    assert hauls.loc[("ash", "a", "b", "road"), "distance_km"] == pytest.approx(100.0)
    target = results.shadow_prices.query("constraint == 'target'")["shadow_price"].iloc[0]
    assert target == pytest.approx(10.5)


def test_expansion_is_built_when_cheaper_than_hauling() -> None:
    """With cement expandable at a for 2 CNY/t/yr, the last 2 ash stay at a (11 + 2 < 15)."""
    _, solution, results = solve(
        expansion_max_10kt={("a", "cement"): 5.0},
        capex_cny_per_t_yr={"cement": 2.0, "road": 0.0},
    )
    assert results.expansions["expansion_10kt"].sum() == pytest.approx(2.0)
    # 10 ash * 11 + 2 * 2 capex + 6 slag stored * 15
    assert solution.objective_10k_cny == pytest.approx(110 + 4 + 90, abs=1e-6)


def test_carbon_price_counts_transport_and_avoided_emissions() -> None:
    """A carbon price of 100 CNY/t with 0.5 t CO2 avoided per t of slag road base makes it pay.

    slag -> road at b: 21 + 100 * (10 km * 1e-4 t/tkm - 0.5) = 21 + 0.1 - 50 = -28.9 < 15.
    """
    _, _, results = solve(
        carbon_price_cny_per_t=100.0,
        emission_t_per_tkm={"road": 1e-4},
        avoided_co2_t_per_t={("ash", "cement"): 0.0, ("ash", "road"): 0.0, ("slag", "road"): 0.5},
    )
    proc = results.processing.set_index(["stream", "node", "pathway"])["amount_10kt"]
    assert proc["slag", "b", "road"] == pytest.approx(6.0)
    emissions = results.emissions.set_index("component")["co2_10kt"]
    assert emissions["avoided"] == pytest.approx(3.0)  # reported as a positive amount
    # transport: 8 ash * 10 km + 6 slag * 10 km, times 1e-4
    assert emissions["transport"] == pytest.approx((8 * 10 + 6 * 10) * 1e-4)


def test_infeasible_target_names_the_target() -> None:
    """Road base at b capped at 5: at most 8 + 5 = 13 of 16 can be used, so 100% fails."""
    with pytest.raises(SolveError) as info:
        solve(
            target_rate={("r", "bulk"): 1.0},
            capacity_10kt={("a", "cement"): 8.0, ("b", "road"): 5.0},
        )
    message = str(info.value)
    assert "two-node" in message
    assert "r/bulk" in message
    assert "81.2%" in message  # 13 / 16
    assert "elastic" in message


def test_elastic_mode_reports_shortfall_instead_of_failing() -> None:
    _, solution, results = solve(
        target_rate={("r", "bulk"): 1.0},
        capacity_10kt={("a", "cement"): 8.0, ("b", "road"): 5.0},
        elastic_targets=True,
        penalty_cny_per_t=1000.0,
    )
    assert pyo.value(solution.model.shortfall["r", "bulk"]) == pytest.approx(3.0)
    util = results.utilization.set_index(["level", "area", "group"])
    assert not bool(util.loc[("region", "r", "bulk"), "met"])


def test_only_admissible_tuples_are_built() -> None:
    """No haul variable exists for a stream towards a node that cannot use it."""
    solver = Solver(two_node_inputs(), scenario="two-node")
    hauls = set(solver.model.HAULS)
    # slag can only go to road base, which exists at b only
    assert ("slag", "b", "a", "road") not in hauls
    assert ("slag", "b", "b", "road") in hauls
    assert len(hauls) == 3  # ash a->a, ash a->b, slag b->b


def test_mutable_parameters_resolve_without_rebuilding() -> None:
    """Changing a mutable target rate on the built model gives the rebuilt model's optimum."""
    solver = Solver(two_node_inputs(target_rate={("r", "bulk"): 0.75}), scenario="two-node")
    first = solver.solve().objective_10k_cny
    solver.model.target_rate["r", "bulk"] = 0.8
    second = solver.solve().objective_10k_cny
    _, rebuilt, _ = solve(target_rate={("r", "bulk"): 0.8})
    assert first == pytest.approx(232.0)
    assert second == pytest.approx(rebuilt.objective_10k_cny)
