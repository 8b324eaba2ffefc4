"""Properties every optimal allocation of the shipped data must have.

The checks read the result tables (what a user reads) and compare them with the
input data read independently of :mod:`model.core.inputs`, so a slip in either the
formulation or the result tables shows up here.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest

from model.core.config import Scenario, load_scenario
from model.data.tables import Dataset, load_dataset
from model.run import Run, solve_scenario
from tests.conftest import DATA, RUNS

TOL = 1e-6
"""Absolute tolerance on amounts, 10^4 t (10 kg)."""


def changed(scenario: Scenario, section: str, **changes: Any) -> Scenario:
    """A copy of a frozen scenario with some keys of one section replaced."""
    part = getattr(scenario, section).model_copy(update=changes)
    return scenario.model_copy(update={section: part})


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset(load_scenario(RUNS / "baseline.toml").data)


@pytest.fixture(scope="module")
def baseline(dataset: Dataset) -> Run:
    return solve_scenario(load_scenario(RUNS / "baseline.toml"), dataset)


@pytest.fixture(scope="module")
def target_2025(dataset: Dataset) -> Run:
    return solve_scenario(load_scenario(RUNS / "target-2025.toml"), dataset)


def generation(dataset: Dataset) -> pd.Series:
    """Generation by (stream, node), 10^4 t, straight from generation.csv."""
    gen = dataset["generation"]["generation_10kt"].astype(float)
    return gen.swaplevel().rename_axis(["stream", "node"]).sort_index()


def total(frame: pd.DataFrame, keys: list[str], names: list[str]) -> pd.Series:
    """Sum of ``amount_10kt`` by ``keys``, index renamed to ``names``."""
    out = frame.groupby(keys)["amount_10kt"].sum()
    return out.rename_axis(names)


def aligned(*series: pd.Series) -> list[pd.Series]:
    index = series[0].index
    for s in series[1:]:
        index = index.union(s.index)
    return [s.reindex(index, fill_value=0.0) for s in series]


def test_origin_balance(baseline: Run, dataset: Dataset) -> None:
    """Hauled out + left unutilized = generation + drawn from stock, for every (stream, node)."""
    res = baseline.results
    out = total(res.hauls, ["stream", "origin"], ["stream", "node"])
    left = total(res.unutilized, ["stream", "node"], ["stream", "node"])
    drawn = res.drawdown.groupby(["stream", "node"])["drawn_10kt"].sum()
    gen = generation(dataset)
    out, left, gen, drawn = aligned(out, left, gen, drawn)
    assert drawn.sum() > 0  # Zhejiang's base-year draw is kept
    gap = (out + left - gen - drawn).abs()
    assert gap.max() <= TOL, gap.sort_values().tail()
    assert len(gen) == len(generation(dataset))  # nothing hauled from a place not in the data
    assert out.sum() > 0 and left.sum() > 0  # the check is not vacuous


def test_destination_balance(baseline: Run) -> None:
    """What arrives at a node is processed there, stream by stream."""
    res = baseline.results
    arrived = total(res.hauls, ["stream", "destination"], ["stream", "node"])
    processed = total(res.processing, ["stream", "node"], ["stream", "node"])
    arrived, processed = aligned(arrived, processed)
    assert (arrived - processed).abs().max() <= TOL


def test_capacity_respected(baseline: Run, dataset: Dataset) -> None:
    cfg = baseline.scenario.capacity
    res = baseline.results
    capacity = dataset["capacity"]
    intake = total(res.processing, ["node", "pathway"], ["node", "pathway"])
    added = res.expansions.set_index(["node", "pathway"])["expansion_10kt"]
    existing = capacity["capacity_10kt"].astype(float) * cfg.scale
    intake, added, existing = aligned(intake, added, existing)
    over = intake - (existing + added)
    assert over.max() <= TOL, over.sort_values().tail()
    limit = capacity["expansion_max_10kt"].astype(float) * cfg.expansion_scale
    assert (added - limit.reindex(added.index, fill_value=0.0)).max() <= TOL
    assert (over > -TOL).any()  # some plant is full: capacity matters in this run


def test_blend_limits_respected(baseline: Run, dataset: Dataset) -> None:
    """No stream exceeds its share of a pathway's intake at a node; only compatible pairs."""
    proc = baseline.results.processing
    share = dataset["compatibility"]["share_max"].astype(float)
    pairs = list(zip(proc["stream"], proc["pathway"], strict=True))
    assert set(pairs) <= set(share.index)
    intake = proc.groupby(["node", "pathway"])["amount_10kt"].transform("sum")
    limit = pd.Series([share[p] for p in pairs], index=proc.index) * intake
    assert (proc["amount_10kt"] - limit).max() <= TOL
    assert (share < 1).any()  # there are blend limits to respect


def test_practice_floors_respected(baseline: Run, dataset: Dataset) -> None:
    """With base_year_floor, each (stream, node) utilizes at least its base-year share."""
    assert baseline.scenario.targets.base_year_floor
    gen = generation(dataset)
    used = dataset["base_utilization"]["utilized_10kt"].astype(float)
    used = used.swaplevel().rename_axis(["stream", "node"]).reindex(gen.index, fill_value=0.0)
    positive = gen > 0
    floor = (used[positive] / gen[positive]).clip(upper=1.0) * gen[positive]
    left = total(baseline.results.unutilized, ["stream", "node"], ["stream", "node"])
    utilized = gen[positive] - left.reindex(floor.index, fill_value=0.0)
    short = floor - utilized
    assert short.max() <= TOL, short.sort_values().tail()
    assert (floor > 0).sum() > 10


def test_total_cost_is_the_sum_of_its_components(baseline: Run, dataset: Dataset) -> None:
    """Components add up to the total and the objective; each recomputed from the tables.

    Amount (10^4 t) x unit cost (CNY/t) is in 10^4 CNY, the unit of the cost table.
    """
    res = baseline.results
    scen = baseline.scenario
    costs = res.costs.set_index("component")["cost_10k_cny"]
    parts = costs.drop("total")
    assert parts.sum() == pytest.approx(costs["total"], rel=1e-9)
    assert costs["total"] == pytest.approx(baseline.solution.objective_10k_cny, rel=1e-9)

    modes = dataset["modes"]
    pathways = dataset["pathways"]
    compat = dataset["compatibility"]
    storage = dataset["storage"]["storage_cost_cny_per_t"] * scen.prices.storage_cost_scale
    h = res.hauls
    # road km (a rail haul's access legs, an on-site use's km) at the road rate, the
    # rest at the mode's rate, plus the mode's handling (none on site)
    rates = modes["cost_cny_per_tkm"] * scen.transport.cost_scale
    mode_rate = h["mode"].map(rates).fillna(0.0)
    handling = h["mode"].map(modes["handling_cny_per_t"]).fillna(0.0)
    assert set(h["mode"]) - set(modes.index) == {"on_site"}  # on-site uses are in the table
    unit = rates["road"] * h["road_km"] + mode_rate * (h["distance_km"] - h["road_km"]) + handling
    p = res.processing
    revenue = [
        compat.loc[(w, q), "revenue_cny_per_t"]
        for w, q in zip(p["stream"], p["pathway"], strict=True)
    ]
    e = res.expansions
    expected = {
        "transport": (h["amount_10kt"] * unit).sum(),
        "processing": (p["amount_10kt"] * p["pathway"].map(pathways["opex_cny_per_t"])).sum(),
        "revenue": -(p["amount_10kt"] * pd.Series(revenue, index=p.index)).sum(),
        "storage": (res.unutilized["amount_10kt"] * res.unutilized["stream"].map(storage)).sum(),
        "expansion": (e["expansion_10kt"] * e["pathway"].map(pathways["capex_cny_per_t_yr"])).sum(),
        "levy": 0.0,  # the baseline charges no levy
        "carbon": 0.0,  # nor a carbon price
        "shortfall_penalty": 0.0,  # and its targets are hard
    }
    assert set(expected) == set(parts.index)
    assert h["cost_10k_cny"].sum() == pytest.approx(expected["transport"], rel=1e-8)
    for name, value in expected.items():
        assert parts[name] == pytest.approx(value, rel=1e-8, abs=1e-3), name


def test_raising_the_target_never_lowers_the_cost(target_2025: Run, dataset: Dataset) -> None:
    """Bulk rate 0.55 -> 0.57 -> 0.59 in every region only shrinks the feasible set."""
    scen = target_2025.scenario
    costs = [
        solve_scenario(changed(scen, "targets", rates={"bulk": rate}), dataset)
        for rate in (0.55, 0.57, 0.59)
    ]
    objective = [run.solution.objective_10k_cny for run in costs]
    for low, high in pairwise(objective):
        assert high >= low - 1e-7 * abs(low)
    # yrb/bulk binds at 0.57 in this data, so the last step costs something
    assert objective[2] > objective[1]


def test_adding_capacity_never_raises_the_cost(baseline: Run, dataset: Dataset) -> None:
    more = solve_scenario(changed(baseline.scenario, "capacity", scale=1.2), dataset)
    before = baseline.solution.objective_10k_cny
    assert more.solution.objective_10k_cny <= before + 1e-7 * abs(before)


def test_shadow_prices_are_non_negative_without_sign(target_2025: Run) -> None:
    """The results module promises non-negative prices; -0.0 prints as '-0.000000'."""
    prices = target_2025.results.shadow_prices
    values = prices["shadow_price"].astype(float)
    assert (values >= 0).all()
    assert not np.signbit(values).any()


def test_target_shadow_price_matches_finite_difference(target_2025: Run, dataset: Dataset) -> None:
    r"""The reported target price is the marginal cost of utilization, CNY per t.

    Raising the rate of target (r, g) by :math:`\delta` raises its right-hand side
    by :math:`\delta G_{r,g}` (10^4 t, G the group's generation in the region), so

    .. math:: \lambda_{r,g} \approx \frac{C(rate + \delta) - C(rate)}{\delta\, G_{r,g}}

    with C in 10^4 CNY and :math:`\lambda` in CNY/t. The LP's cost is piecewise linear
    in the rate, so the dual lies between the backward and forward differences and,
    for a small step (:math:`\delta = 0.001`), close to the forward one (2%).
    Checked for every binding target of target-2025 (yrb/bulk among them).
    """
    delta = 0.001
    prices = target_2025.results.shadow_prices
    binding = prices[(prices["constraint"] == "target") & prices["binding"]]
    assert ("yrb", "bulk") in set(zip(binding["region"], binding["group"], strict=True))
    util = target_2025.results.utilization.set_index(["level", "area", "group"])
    before = target_2025.solution.objective_10k_cny
    for _, row in binding.iterrows():
        region, group, price = row["region"], row["group"], row["shadow_price"]
        rate = util.loc[("region", region, group), "target"]
        gen = util.loc[("region", region, group), "generated_10kt"]

        def cost(new_rate: float, region: str = region, group: str = group) -> float:
            scen = changed(target_2025.scenario, "targets", regions={region: {group: new_rate}})
            return solve_scenario(scen, dataset).solution.objective_10k_cny

        forward = (cost(rate + delta) - before) / (delta * gen)
        backward = (before - cost(rate - delta)) / (delta * gen)
        where = f"{region}/{group}: price {price}, backward {backward}, forward {forward}"
        assert forward == pytest.approx(price, rel=0.02), where
        assert backward - 1e-6 * price <= price <= forward + 1e-6 * price, where


TARGET_SETS = sorted(set(pd.read_csv(DATA / "targets.csv")["target_set"]))


@pytest.mark.parametrize("target_set", TARGET_SETS)
def test_every_shipped_target_set_solves(
    target_set: str, target_2025: Run, dataset: Dataset
) -> None:
    """Each target set of targets.csv, alone, with expansion allowed, is met at optimum.

    Targets of a set are applied to every region, also where the group has no
    generation (red mud outside the Yellow River Basin); those are left out.
    """
    run = solve_scenario(changed(target_2025.scenario, "targets", sets=(target_set,)), dataset)
    util = run.results.utilization
    targets = util[util["target"].notna()]
    assert len(targets) > 0
    assert targets["met"].all()
    assert set(targets["group"]) == set(
        dataset["targets"].query("target_set == @target_set")["group"]
    )


def test_no_stream_is_hauled_both_ways_between_two_nodes() -> None:
    """Swapping the same stream between neighbours is never cheapest once access legs count."""
    for name in ("baseline.toml", "target-2025.toml"):
        run = solve_scenario(load_scenario(RUNS / name))
        hauls = run.results.hauls
        moved = hauls[hauls["origin"] != hauls["destination"]]
        flows = moved.groupby(["stream", "origin", "destination"])["amount_10kt"].sum()
        both = [(w, i, j) for (w, i, j) in flows.index if (w, j, i) in flows.index]
        assert both == [], f"{name}: {both}"


def test_the_least_co2_second_solve_keeps_cost_and_prices_and_lowers_co2(target_2025) -> None:
    """tie_break = "co2" (the default) against "none": same cost to 1e-9, same target
    shadow prices, and net CO2 no higher."""
    from model.run import solve_scenario

    scenario = target_2025.scenario
    assert scenario.solver.tie_break == "co2"
    assert target_2025.solution.tie_break == "co2"
    plain = scenario.model_copy(
        update={"solver": scenario.solver.model_copy(update={"tie_break": "none"})}
    )
    first = solve_scenario(plain, target_2025.dataset)
    assert first.solution.tie_break == "none"
    # the second solve may use the 1e-9 cost slack it is given (plus solver tolerance)
    assert target_2025.solution.objective_10k_cny == pytest.approx(
        first.solution.objective_10k_cny, rel=2e-9
    )

    def prices(run):
        table = run.results.shadow_prices
        return table[table["constraint"] == "target"].set_index(["region", "group"])["shadow_price"]

    assert prices(target_2025).to_numpy() == pytest.approx(prices(first).to_numpy(), abs=1e-6)

    def net(run):
        return float(run.results.emissions.set_index("component").loc["net", "co2_10kt"])

    assert net(target_2025) <= net(first) + 1e-6


def test_the_least_co2_allocation_does_not_depend_on_the_algorithm(dataset: Dataset) -> None:
    """Simplex and interior point reach the same least cost and, after the second solve,
    the same net CO2; the model is left with its cost objective and no active cap, and
    solving again gives the same answer."""
    import pyomo.environ as pyo

    from model.core.inputs import prepare
    from model.core.solve import Solver
    from model.studies.levers import outcomes

    scenario = load_scenario(RUNS / "target-2025.toml")
    found = []
    for options in ({}, {"solver": "ipm"}):
        solver = Solver(prepare(dataset, scenario), tie_break="co2", co2_range=True)
        solver.solver_options.update(options)
        solution = solver.solve()
        found.append(outcomes(solution))
        m = solver.model
        active = [o.name for o in m.component_objects(pyo.Objective, active=True)]
        assert active == ["total_cost"]
        assert pyo.value(m.tie_cost_rhs) > 1e14
        assert solution.net_co2_most_10kt is not None
        assert solution.net_co2_most_10kt >= found[-1]["net_co2_10kt"] - 1e-6
        again = outcomes(solver.solve())
        assert again["net_co2_10kt"] == pytest.approx(found[-1]["net_co2_10kt"], abs=1e-3)
    assert found[0]["objective_10k_cny"] == pytest.approx(found[1]["objective_10k_cny"], rel=2e-9)
    assert found[0]["net_co2_10kt"] == pytest.approx(found[1]["net_co2_10kt"], abs=1e-2)


def test_the_reference_keeps_todays_uses_and_prices_hauls_as_they_run(dataset: Dataset) -> None:
    """baseline-expansion keeps each base-year use, hauls nothing by rail inside a node
    without rail_access_km, and never hauls an on-site use.

    Floors recomputed from the CSVs: a stream's base-year use in a pathway is
    base utilization x pathway mix (pairs without a blend limit; capacity is
    rounded to 0.01, hence the tolerance), a pathway's intake at least
    min(sum of those, existing capacity).
    """
    run = solve_scenario(load_scenario(RUNS / "baseline-expansion.toml"), dataset)
    assert run.scenario.targets.base_year_uses
    used = dataset["base_utilization"]["utilized_10kt"].astype(float)
    mix = dataset["estimation/pathway_mix"]
    share = dataset["compatibility"]["share_max"].astype(float)
    rows = [
        (w, j, r.pathway, amount * r.share, share[w, r.pathway] >= 1)
        for (j, w), amount in used.items()
        for r in mix[mix["stream"] == w].itertuples()
        if amount > 0
    ]
    floors = pd.DataFrame(rows, columns=["stream", "node", "pathway", "floor", "free"])
    proc = run.results.processing.set_index(["stream", "node", "pathway"])["amount_10kt"]
    free = floors[floors["free"]].set_index(["stream", "node", "pathway"])["floor"]
    short = free - proc.reindex(free.index, fill_value=0.0)
    assert short.max() <= 0.01, short.sort_values().tail()
    cap = dataset["capacity"]["capacity_10kt"].astype(float)
    intake = proc.groupby(["node", "pathway"]).sum()
    need = floors.groupby(["node", "pathway"])["floor"].sum()
    need = pd.concat([need, cap.reindex(need.index)], axis=1).min(axis=1)
    assert (need - intake.reindex(need.index, fill_value=0.0)).max() <= TOL
    assert len(free) > 100 and need.sum() > 0

    hauls = run.results.hauls
    no_rail = dataset.nodes["rail_access_km"].isna()
    inside = hauls[(hauls["origin"] == hauls["destination"]) & (hauls["mode"] == "rail")]
    assert not inside["origin"].map(no_rail).any()
    on_site = dataset["compatibility"]["on_site_km"].dropna()
    assert len(on_site) > 0
    site = hauls[hauls["mode"] == "on_site"]
    assert (site["origin"] == site["destination"]).all()
    assert set(site["distance_km"]) <= set(on_site)
    proc = run.results.processing
    pairs = proc.set_index(["stream", "pathway"]).index.isin(on_site.index)
    from_site = site.groupby(["stream", "origin"])["amount_10kt"].sum()
    used_on_site = proc[pairs].groupby(["stream", "node"])["amount_10kt"].sum()
    assert from_site.to_numpy() == pytest.approx(used_on_site.to_numpy())
