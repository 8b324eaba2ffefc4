"""The LP against hand calculations on the two-node instance of conftest.py."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from model.core.results import collect, transport_summary
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


RAIL = {
    "modes": ("road", "rail"),
    "arcs": (
        ("a", "a", "road"),
        ("a", "b", "road"),
        ("a", "b", "rail"),
        ("b", "a", "road"),
        ("b", "b", "road"),
    ),
    "leg_km": {("a", "b", "rail"): (40.0, 60.0)},
    "transport_cost_cny_per_tkm": {"road": 0.1, "rail": 0.02},
    "handling_cny_per_t": {"road": 0.0, "rail": 3.0},
    "emission_t_per_tkm": {"road": 0.0, "rail": 0.0},
    "storage_cost_cny_per_t": {"ash": 100.0, "slag": 15.0},
}


def test_a_rail_haul_pays_its_access_legs_by_road() -> None:
    """Rail a -> b: 40 km of road legs and 60 km of rail, plus 3 CNY/t terminal handling.

    Per t: road legs 0.1 * 40 = 4.0, rail 0.02 * 60 = 1.2, handling 3: 8.2 CNY/t
    (the whole 100 km at the rail rate would be 0.02 * 100 + 3 = 5). By road the
    haul costs 0.1 * 100 = 10. Ash storage costs 100, so the 2 ash beyond cement
    go to b by rail: 8.2 + 20 opex = 28.2 < 10 + 20 = 30 by road.
    Cost = 8 * 11 + 2 * 28.2 + 6 slag stored * 15 = 88 + 56.4 + 90 = 234.4.
    Tonne-km: ash a -> a 8 * 10 = 80 by road; a -> b 2 * 100 = 200, of which
    2 * 40 = 80 by road: rail's share is 120 / 280.
    """
    _, solution, results = solve(**RAIL)
    assert solution.objective_10k_cny == pytest.approx(234.4, abs=1e-6)
    hauls = results.hauls.set_index(["stream", "origin", "destination", "mode"])
    rail = hauls.loc[("ash", "a", "b", "rail")]
    assert rail["amount_10kt"] == pytest.approx(2.0)
    assert rail["cost_10k_cny"] == pytest.approx(2 * 8.2)
    assert (rail["distance_km"], rail["road_km"]) == pytest.approx((100.0, 40.0))
    assert transport_summary(results.hauls)["rail_share_of_tkm"] == pytest.approx(120 / 280)


def test_an_on_site_use_takes_the_waste_where_it_arises() -> None:
    """Slag used in road base on site (2 km), never hauled.

    Slag -> road at b on site: 0.1 * 2 + 20 = 20.2 per t. Target 75% of 16 = 12:
    8 ash in cement, then 4 slag at +5.2 each over storage (ash to b costs 30).
    Cost = 88 + 2 * 15 + 4 * 20.2 + 2 * 15 = 88 + 30 + 80.8 + 30 = 228.8.
    """
    solver, solution, results = solve(
        on_site_km={("slag", "road"): 2.0}, target_rate={("r", "bulk"): 0.75}
    )
    assert solution.objective_10k_cny == pytest.approx(228.8, abs=1e-6)
    assert not [k for k in solver.model.HAULS if k[0] == "slag"]
    row = results.hauls.set_index(["stream", "mode"]).loc[("slag", "on_site")]
    assert (row["origin"], row["destination"]) == ("b", "b")
    assert row["amount_10kt"] == pytest.approx(4.0)
    assert row["cost_10k_cny"] == pytest.approx(4 * 0.2)
    price = results.shadow_prices.query("constraint == 'target'")["shadow_price"].iloc[0]
    assert price == pytest.approx(5.2)


def test_expansion_tranches_fill_in_order_without_binaries() -> None:
    """Cement at a may grow by 6: 3 at capex 2 (factor 1), then 3 at capex 6 (factor 3).

    Ash 12 at a, storage 20: 8 in existing cement at 11; the next 3 at 11 + 2 = 13,
    the last 1 at 11 + 6 = 17 < 20 (road base at b costs 30). The LP has no integer
    variable; the cheaper step fills first because the cost is convex.
    Cost = 8 * 11 + 3 * 13 + 1 * 17 + 6 slag * 15 = 88 + 39 + 17 + 90 = 234.
    """
    solver, solution, results = solve(
        generation_10kt={("ash", "a"): 12.0, ("slag", "b"): 6.0},
        storage_cost_cny_per_t={"ash": 20.0, "slag": 15.0},
        expansion_max_10kt={("a", "cement"): 6.0},
        capex_cny_per_t_yr={"cement": 2.0, "road": 0.0},
        expansion_tranches=((0.5, 1.0), (0.5, 3.0)),
    )
    m = solver.model
    assert all(v.domain is pyo.NonNegativeReals for v in m.component_data_objects(pyo.Var))
    assert solution.objective_10k_cny == pytest.approx(234.0, abs=1e-6)
    assert pyo.value(m.expansion_step["a", "cement", 1]) == pytest.approx(3.0)
    assert pyo.value(m.expansion_step["a", "cement", 2]) == pytest.approx(1.0)
    assert results.expansions["capex_10k_cny"].sum() == pytest.approx(3 * 2 + 1 * 6)


def test_revenue_falls_in_tranches_as_a_market_saturates() -> None:
    """Revenue 10 per t of ash in cement: full up to 8 (today's intake), half for the next
    4 (a width of 50% of 8), nothing beyond.

    Ash 14 at a, cement 8 + 6 expandable at no capex, storage 15. Net cost per t in
    cement: 11 - 10 = 1 (first 8), 11 - 5 = 6 (next 4), 11 (last 2): all < 15.
    Cost = 8 * 1 + 4 * 6 + 2 * 11 + 6 slag * 15 = 8 + 24 + 22 + 90 = 144; revenue
    80 + 20 + 0 = 100.
    """
    solver, solution, results = solve(
        generation_10kt={("ash", "a"): 14.0, ("slag", "b"): 6.0},
        expansion_max_10kt={("a", "cement"): 6.0},
        revenue_cny_per_t={("ash", "cement"): 10.0, ("ash", "road"): 0.0, ("slag", "road"): 0.0},
        revenue_tranches=((1.0, 1.0), (0.5, 0.5), (None, 0.0)),
    )
    m = solver.model
    assert solution.objective_10k_cny == pytest.approx(144.0, abs=1e-6)
    assert pyo.value(m.revenue_step["ash", "a", "cement", 2]) == pytest.approx(4.0)
    assert pyo.value(m.revenue_step["ash", "a", "cement", 3]) == pytest.approx(2.0)
    costs = results.costs.set_index("component")["cost_10k_cny"]
    assert costs["revenue"] == pytest.approx(-100.0)


def test_base_year_use_floors_keep_todays_uses() -> None:
    """1 ash must stay in road base at b, and road base at b must take 3 in all.

    The ash costs 30 there instead of 15 stored (+15); the other 2 are slag at
    21 instead of 15 (+6 each). Cost = 208 + 15 + 12 = 235. One more t of intake is
    one more slag (6); one more t of ash floor is +15 for the ash but one slag less
    under the intake floor (-6): 9.
    """
    _, solution, results = solve(
        use_floor_10kt={("ash", "b", "road"): 1.0}, intake_floor_10kt={("b", "road"): 3.0}
    )
    assert solution.objective_10k_cny == pytest.approx(235.0, abs=1e-6)
    prices = results.shadow_prices.set_index("constraint")["shadow_price"]
    assert prices["use_floor"] == pytest.approx(9.0)
    assert prices["intake_floor"] == pytest.approx(6.0)


def test_floors_and_targets_at_their_bound_are_flagged_one_sided() -> None:
    """Slag's floor at 100% cannot rise; a target of 100% cannot either."""
    _, _, results = solve(
        floor_rate={("slag", "b"): 1.0},
        target_rate={("r", "bulk"): 1.0},
        storage_cost_cny_per_t={"ash": 100.0, "slag": 15.0},
        capacity_10kt={("a", "cement"): 8.0, ("b", "road"): 20.0},
    )
    prices = results.shadow_prices.set_index("constraint")
    assert bool(prices.loc["practice_floor", "one_sided"])
    assert bool(prices.loc["target", "one_sided"])
    assert "100%" in prices.loc["target", "note"]
    assert not bool(prices.loc["capacity"]["one_sided"].any())


def test_the_cost_of_a_whole_extra_point_is_a_re_solve() -> None:
    """At 75% the next point costs 6 * 0.01 * 16 = 0.96 (the margin holds for a whole point).

    At 81% with road base at b capped at 5, 13 of 16 (81.25%) is the most that can
    be used: 82% is infeasible, so the point is reported as None.
    """
    solver = Solver(two_node_inputs(target_rate={("r", "bulk"): 0.75}), scenario="two-node")
    solution = solver.solve()
    assert solver.cost_of_next_point(solution, [("r", "bulk")]) == {
        ("r", "bulk"): pytest.approx(0.96)
    }
    assert solution.model.target_rate["r", "bulk"].value == pytest.approx(0.75)
    tight = Solver(
        two_node_inputs(
            target_rate={("r", "bulk"): 0.81},
            capacity_10kt={("a", "cement"): 8.0, ("b", "road"): 5.0},
        ),
        scenario="two-node",
    )
    first = tight.solve()
    found = tight.cost_of_next_point(first, [("r", "bulk")])
    assert found == {("r", "bulk"): None}
    table = collect(first, found).shadow_prices.query("constraint == 'target'")
    assert "infeasible" in table["note"].iloc[0]


def test_a_target_met_exactly_at_a_zero_price_is_re_solved() -> None:
    """Slag in road base earns 25 against 21 of cost, so all 6 t are used for free;
    ash fills cement (8 t at 11 < 15 stored). 14 of 16 t = 87.5% without any target.

    A target of exactly 87.5% is met at a zero price (degenerate): ``tight`` sees it,
    while a target of 80% is slack. The next point, 88.5%, needs 0.16 t more: ash
    hauled to road base at b for 0.1 * 100 + 20 = 30 instead of 15 stored, so it
    costs 0.16 * 15 = 2.4 (10^4 CNY), and the note says the margin was misleading.
    """
    from model.core.prices import tight

    revenue = {("ash", "cement"): 0.0, ("ash", "road"): 0.0, ("slag", "road"): 25.0}
    solver = Solver(
        two_node_inputs(revenue_cny_per_t=revenue, target_rate={("r", "bulk"): 0.875}),
        scenario="two-node",
    )
    solution = solver.solve()
    assert tight(solution.model, ("r", "bulk"))
    step = solver.cost_of_next_point(solution, [("r", "bulk")])
    assert step == {("r", "bulk"): pytest.approx(2.4)}
    # Any dual in [0, 15] is optimal here; the solver may return either end. At 0 (as
    # HiGHS returns for the 2021 YRB by-product gypsum target) the note explains it.
    target = solution.model.target["r", "bulk"]
    assert 0.0 - 1e-9 <= solution.duals[target] <= 15.0 + 1e-9
    solution.duals[target] = 0.0
    table = collect(solution, step).shadow_prices.query("constraint == 'target'")
    assert not bool(table["binding"].iloc[0])
    assert "met exactly at a zero price" in table["note"].iloc[0]
    slack = Solver(
        two_node_inputs(revenue_cny_per_t=revenue, target_rate={("r", "bulk"): 0.8}),
        scenario="two-node",
    )
    assert not tight(slack.solve().model, ("r", "bulk"))
