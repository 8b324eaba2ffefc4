"""The multi-year model (model.core.pathway): hand-solved instances and the one-year equivalence.

Instances are synthetic (one node ``a`` of the two-node fixture, stream ash,
pathway cement); every expected figure is worked out in the test's docstring.
Units as in the model: 10^4 t, CNY/t, so costs are in 10^4 CNY.
"""

from __future__ import annotations

from dataclasses import replace

import pyomo.environ as pyo
import pytest

from model.core.config import Scenario, load_scenario
from model.core.inputs import ModelInputs
from model.core.pathway.periods import Path, Period, discount_weight, rate_in
from model.core.pathway.settings import PathConfig
from model.core.pathway.solve import solve_path
from model.core.solve import Solver
from tests.conftest import RUNS, two_node_inputs

R = 0.1
W1 = 1 + 1 / 1.1  # 2021 standing for 2021 and 2022, discounted to 2021
W2 = 1 / 1.1**2  # 2023 alone


def one_node(**overrides: object) -> ModelInputs:
    """Node a alone: ash 10 per year; cement at a (haul a->a 10 km x 0.1 = 1 CNY/t), opex 10,
    storage 15, no existing capacity, expansion up to 10 at capex 6 CNY per t/yr."""
    base = two_node_inputs(
        nodes=("a",),
        node_region={"a": "r"},
        streams=("ash",),
        pathways=("cement",),
        group_streams={"bulk": frozenset({"ash"})},
        generation_10kt={("ash", "a"): 10.0},
        capacity_10kt={("a", "cement"): 0.0},
        expansion_max_10kt={("a", "cement"): 10.0},
        share_max={("ash", "cement"): 1.0},
        revenue_cny_per_t={("ash", "cement"): 0.0},
        avoided_co2_t_per_t={("ash", "cement"): 0.0},
        opex_cny_per_t={"cement": 10.0},
        capex_cny_per_t_yr={"cement": 6.0},
        storage_cost_cny_per_t={"ash": 15.0},
        levy_cny_per_t={"ash": 0.0},
        distance_km={("a", "a"): 10.0},
        arcs=(("a", "a", "road"),),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def make_path(
    inputs: list[ModelInputs],
    years: list[int],
    end_year: int,
    *,
    stored_share: float = 1.0,
    old_stock: float = 0.0,
    **config: object,
) -> Path:
    """A path over ``years`` with the given inputs per period, discounted at 10%."""
    cfg = PathConfig(years=tuple(years), end_year=end_year, **config)  # type: ignore[arg-type]
    periods = tuple(
        Period(y, n, discount_weight(years[0], y, n, R), inp, first=t == 0)
        for t, (y, n, inp) in enumerate(zip(years, cfg.period_years(), inputs, strict=True))
    )
    return Path(
        periods=periods,
        config=cfg,
        discount_rate=R,
        stored_share={"a": stored_share},
        initial_stock_10kt={"a": old_stock} if old_stock else {},
        base_draw_10kt={},
        growth_per_yr={},
    )


SCENARIO = Scenario(name="hand")


def builds(solution: object, year: int) -> float:
    return sum(
        float(pyo.value(m.build["a", "cement", year]))
        for m in solution.models  # type: ignore[attr-defined]
        if year in m.PERIODS
    )


def test_discount_weight_by_hand() -> None:
    assert discount_weight(2021, 2021, 2, 0.1) == pytest.approx(1 + 1 / 1.1)
    assert discount_weight(2021, 2027, 3, 0.08) == pytest.approx(sum(1.08**-k for k in (6, 7, 8)))
    assert discount_weight(2025, 2025, 1, 0.08) == 1.0


def test_build_late_when_the_target_comes_late() -> None:
    """No target in 2021, rate 50% in 2023: capacity is built in 2023, not before.

    Building costs 6 per t/yr and saves 15 - 10 - 1 = 4, so it is not worth it
    without a target. 2021 (W1 = 1.90909): store 10 -> 150. 2023 (W2 = 0.82645):
    build 5, capex 30, haul 5, opex 50, store 5 x 15 = 75 -> 160.
    Objective 1.90909 x 150 + 0.82645 x 160 = 418.5950. Stock (all stored):
    2 x 10 = 20 after 2021, 20 + 5 = 25 after 2023.
    """
    path = make_path([one_node(), one_node(target_rate={("r", "bulk"): 0.5})], [2021, 2023], 2023)
    solution = solve_path(path, SCENARIO)
    assert solution.objective_10k_cny == pytest.approx(W1 * 150 + W2 * 160, abs=1e-6)
    assert builds(solution, 2021) == pytest.approx(0.0, abs=1e-9)
    assert builds(solution, 2023) == pytest.approx(5.0, abs=1e-9)
    m = solution.models[0]
    assert pyo.value(m.stock["ash", "a", 2023]) == pytest.approx(20.0, abs=1e-9)
    assert pyo.value(m.stock["ash", "a", "end"]) == pytest.approx(25.0, abs=1e-9)


def test_build_early_when_the_target_comes_early() -> None:
    """Rate 50% from 2021: 5 built in 2021 stand in 2023 too, nothing more is built.

    2021: capex 30 + haul 5 + opex 50 + store 75 = 160; 2023 the same.
    """
    target = one_node(target_rate={("r", "bulk"): 0.5})
    solution = solve_path(make_path([target, target], [2021, 2023], 2023), SCENARIO)
    assert builds(solution, 2021) == pytest.approx(5.0, abs=1e-9)
    assert builds(solution, 2023) == pytest.approx(0.0, abs=1e-9)
    assert solution.objective_10k_cny == pytest.approx((W1 + W2) * 160, abs=1e-6)


def test_capacity_lasts_its_lifetime_only() -> None:
    """Lifetime 2 years, periods of 2 years: capacity built for 2021 is gone in 2023 and must
    be built again; with 20 years it is built once."""
    target = one_node(target_rate={("r", "bulk"): 0.5})
    years = [2021, 2023, 2025]
    short = solve_path(make_path([target] * 3, years, 2026, lifetime_years=2), SCENARIO)
    assert [builds(short, y) for y in years] == pytest.approx([5.0, 5.0, 5.0], abs=1e-9)
    long = solve_path(make_path([target] * 3, years, 2026, lifetime_years=20), SCENARIO)
    assert [builds(long, y) for y in years] == pytest.approx([5.0, 0.0, 0.0], abs=1e-9)
    block = long.models[0].period[2025]
    assert pyo.value(block.expansion["a", "cement"]) == pytest.approx(5.0, abs=1e-9)


def test_stock_drawn_down_within_its_limit() -> None:
    """Old stock 30 at a; cement earns 30 CNY/t, existing capacity 20 (no expansion).

    Using a tonne gains 30 - 10 - 1 = 19 (and a fresh one saves 15 of storage too),
    so all 10 generated are used and the spare capacity takes stock: in 2021
    (the first year, no base-year draw) nothing can be drawn; in 2023 at most
    kappa x stock = 0.2 x 30 = 6 per year. Old stock after 2023: 30 - 1 x 6 = 24.
    Objective: 2021 10 x (1 + 10 - 30) = -190; 2023 16 x (-19) = -304.
    """
    used = one_node(
        capacity_10kt={("a", "cement"): 20.0},
        expansion_max_10kt={},
        revenue_cny_per_t={("ash", "cement"): 30.0},
    )
    draws = replace(used, drawdown_max_10kt={"a": 1.0})  # periods.py marks stock holders so
    path = make_path([used, draws], [2021, 2023], 2023, old_stock=30.0, reclaim_share_per_yr=0.2)
    solution = solve_path(path, SCENARIO)
    m = solution.models[0]
    assert pyo.value(m.period[2023].drawdown["ash", "a"]) == pytest.approx(6.0, abs=1e-9)
    assert pyo.value(m.old_stock["a", "end"]) == pytest.approx(24.0, abs=1e-9)
    assert solution.objective_10k_cny == pytest.approx(W1 * -190 + W2 * -304, abs=1e-6)
    from model.core.pathway.results import collect_path

    drawdown = collect_path(solution)["drawdown"]
    row = drawdown[(drawdown["year"] == 2023) & (drawdown["node"] == "a")].iloc[0]
    assert (row["drawn_10kt"], row["node_limit_10kt"]) == pytest.approx((6.0, 6.0), abs=1e-9)


def test_stock_balance_holds_in_every_period() -> None:
    """S_end = S_start + n (stored share x unutilized - drawn from the stream's stock)."""
    path = make_path(
        [one_node(), one_node(target_rate={("r", "bulk"): 0.5})],
        [2021, 2023],
        2023,
        stored_share=0.4,
    )
    m = solve_path(path, SCENARIO).models[0]
    for y, nxt, n in ((2021, 2023, 2), (2023, "end", 1)):
        left = pyo.value(m.period[y].unutilized["ash", "a"])
        expected = pyo.value(m.stock["ash", "a", y]) + n * 0.4 * left
        assert pyo.value(m.stock["ash", "a", nxt]) == pytest.approx(expected, abs=1e-9)
    assert pyo.value(m.stock["ash", "a", "end"]) == pytest.approx(0.4 * (2 * 10 + 5), abs=1e-9)


def test_myopic_and_perfect_foresight_differ_where_they_must() -> None:
    """Expansion in two tranches per period (5 at capex x1, 5 at x3); 100% target in 2023 only.

    Perfect foresight builds the cheap 5 in 2021 (2021: capex 30, haul 5, opex 50,
    store 75 = 160; 2023: capex 30 + 30, haul 10, opex 100 = 170): 445.950.
    Myopic 2021 sees no target and builds nothing (150); 2023 must build 10,
    5 at 6 and 5 at 18 (capex 120, haul 10, opex 100 = 230): 476.446.
    """
    tranches = ((0.5, 1.0), (0.5, 3.0))
    free = one_node(expansion_tranches=tranches)
    target = replace(free, target_rate={("r", "bulk"): 1.0})
    perfect = make_path([free, target], [2021, 2023], 2023, stored_share=0.0)
    myopic = make_path([free, target], [2021, 2023], 2023, stored_share=0.0, foresight="myopic")
    p = solve_path(perfect, SCENARIO)
    q = solve_path(myopic, SCENARIO)
    assert p.objective_10k_cny == pytest.approx(W1 * 160 + W2 * 170, abs=1e-6)
    assert q.objective_10k_cny == pytest.approx(W1 * 150 + W2 * 230, abs=1e-6)
    assert builds(p, 2021) == pytest.approx(5.0, abs=1e-9)
    assert builds(q, 2021) == pytest.approx(0.0, abs=1e-9)
    assert builds(q, 2023) == pytest.approx(10.0, abs=1e-9)


def test_one_period_equals_the_one_year_model_on_a_small_instance() -> None:
    """The two-node fixture with a target and expansion: the same optimum, flow by flow."""
    inp = two_node_inputs(
        target_rate={("r", "bulk"): 0.9},
        expansion_max_10kt={("b", "road"): 5.0},
        capex_cny_per_t_yr={"cement": 0.0, "road": 3.0},
    )
    one = Solver(inp, tie_break="co2")
    single = one.solve()
    path = make_path([inp], [2021], 2021)
    multi = solve_path(path, Scenario(name="hand"))
    block = multi.models[0].period[2021]
    assert multi.objective_10k_cny == pytest.approx(single.objective_10k_cny, rel=1e-9)
    m = one.model
    for k in m.HAULS:
        assert pyo.value(block.haul[k]) == pytest.approx(pyo.value(m.haul[k]), abs=1e-9)
    for k in m.PROCESSES:
        assert pyo.value(block.process[k]) == pytest.approx(pyo.value(m.process[k]), abs=1e-9)


def test_one_period_equals_the_one_year_model_on_target_2025(tmp_path: object) -> None:
    """runs/target-2025.toml as a path of the year 2025 with no growth: the same objective,
    cost components, net CO2 and amount on every arc (streams on an arc can swap at
    equal cost and CO2, so those are compared in total)."""
    from model.core.pathway.periods import build_path
    from model.data.tables import load_dataset
    from model.run import solve_scenario

    one_year = load_scenario(RUNS / "target-2025.toml")
    scenario = one_year.model_copy(update={"path": PathConfig(years=(2025,))})
    dataset = load_dataset(one_year.data)
    run = solve_scenario(one_year, dataset)
    multi = solve_path(build_path(dataset, scenario), scenario)
    assert multi.objective_10k_cny == pytest.approx(run.solution.objective_10k_cny, rel=1e-9)
    m, b = run.solution.model, multi.models[0].period[2025]
    for name in ("transport_cost", "processing_cost", "revenue", "storage_cost", "expansion_cost"):
        assert pyo.value(getattr(b, name)) == pytest.approx(pyo.value(getattr(m, name)), rel=1e-9)
    net = pyo.value(m.transport_co2_10kt - m.avoided_co2_10kt)
    assert pyo.value(b.transport_co2_10kt - b.avoided_co2_10kt) == pytest.approx(net, rel=1e-9)
    arcs: dict[tuple[str, str, str], list[float]] = {}
    for w, i, j, mode in m.HAULS:
        pair = arcs.setdefault((i, j, mode), [0.0, 0.0])
        pair[0] += pyo.value(m.haul[w, i, j, mode])
        pair[1] += pyo.value(b.haul[w, i, j, mode])
    for one, path in arcs.values():
        assert path == pytest.approx(one, rel=1e-9, abs=1e-6)


def test_target_rates_by_year() -> None:
    """Hold: nothing before the year, the rate from it. Interpolate: linear from the
    base-year rate (40% in 2021 towards 57% in 2025: 2023 is 48.5%)."""
    assert rate_in(2023, 2021, 2025, 0.57, 0.40, "hold") is None
    assert rate_in(2025, 2021, 2025, 0.57, 0.40, "hold") == 0.57
    assert rate_in(2023, 2021, 2025, 0.57, 0.40, "interpolate") == pytest.approx(0.485)
    assert rate_in(2021, 2021, 2025, 0.57, 0.40, "interpolate") == pytest.approx(0.40)
    assert rate_in(2023, 2021, 2025, 0.57, 0.60, "interpolate") is None  # already above


def test_shipped_paths_move_the_deadline_and_grow_the_waste() -> None:
    """pathway-2030-late applies the 2025 targets from 2027; generation grows 4.6%/yr."""
    from model.core.pathway.periods import build_path
    from model.data.tables import load_dataset

    on_time = load_scenario(RUNS / "pathway-2030.toml")
    late = load_scenario(RUNS / "pathway-2030-late.toml")
    dataset = load_dataset(on_time.data)
    a, b = build_path(dataset, on_time), build_path(dataset, late)
    rate = {p.year: p.inputs.target_rate.get(("jjj", "bulk")) for p in a.periods}
    late_rate = {p.year: p.inputs.target_rate.get(("jjj", "bulk")) for p in b.periods}
    assert rate == {2021: None, 2023: None, 2025: 0.57, 2027: 0.57, 2030: 0.57}
    assert late_rate == {2021: None, 2023: None, 2025: None, 2027: 0.57, 2030: 0.57}
    assert b.periods[3].inputs.target_rate.get(("yrb", "red_mud")) == 0.15  # keeps its year
    first, third = a.periods[0].inputs.generation_10kt, a.periods[2].inputs.generation_10kt
    key = next(iter(first))
    assert third[key] == pytest.approx(first[key] * 1.046**4)


def test_pathway_2030_results_folder(tmp_path: object) -> None:
    """The shipped path solves; every table has a year column; the tables agree with
    each other: stock end = start + years x (stored - drawn) row by row, each
    period's discounted cost = weight x cost per year, and they add up to the objective."""
    import json
    from pathlib import Path as FilePath

    import pandas as pd

    from model.run import solve_file

    out = FilePath(str(tmp_path)) / "p"
    solve_file(RUNS / "pathway-2030.toml", out, draw_maps=False)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    years = summary["path"]["years"]
    for name in summary["files"]:
        if name == "columns.csv":  # the data dictionary: one row per column of each file
            continue
        frame = pd.read_csv(out / name)
        assert frame.columns[0] == "year", name
        assert set(frame["year"]) <= set(years), name
    stock = pd.read_csv(out / "stock.csv")
    n = stock["year"].map(dict(zip(years, [2, 2, 2, 3, 1], strict=True)))
    expected = stock["stock_start_10kt"] + n * (stock["stored_10kt"] - stock["drawn_10kt"])
    # the files round amounts to 0.0001 (10^4 t), and n years multiply that rounding
    assert (stock["stock_end_10kt"] - expected).abs().max() < 1e-4 * (1 + 2 * n.max())
    costs = pd.read_csv(out / "path_costs.csv")
    weighted = costs["weight"] * costs["cost_per_yr_10k_cny"]
    # the weight is written to 6 decimals
    assert ((costs["discounted_10k_cny"] - weighted) / weighted).abs().max() < 1e-6
    assert costs["discounted_10k_cny"].sum() == pytest.approx(
        summary["objective_10k_cny"], rel=1e-6
    )
    trajectory = pd.read_csv(out / "trajectory.csv")
    targeted = trajectory[trajectory["target"].notna()]
    assert (targeted["rate"] >= targeted["target"] - 1e-6).all()
    assert set(targeted["year"]) == {2025, 2027, 2030}  # hold: no target before 2025


def test_path_keys_are_checked(tmp_path: object) -> None:
    """Unknown keys, years out of order and a target year for a set not applied are errors."""
    from pathlib import Path as FilePath

    from model.core.pathway.periods import build_path
    from model.data.tables import load_dataset
    from model.errors import ScenarioError
    from model.run import solve_scenario

    folder = FilePath(str(tmp_path))
    bad = folder / "bad.toml"
    bad.write_text("[path]\nyears = [2025, 2023]\nfoersight = 'myopic'\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad)
    assert "path.years" in str(err.value) and "path.foersight: unknown key" in str(err.value)
    odd = folder / "odd.toml"
    odd.write_text("[path]\nyears = [2021]\ntarget_years = { national_2030 = 2030 }\n")
    scenario = load_scenario(odd)
    with pytest.raises(ScenarioError, match="target_years names national_2030"):
        build_path(load_dataset(scenario.data), scenario)
    with pytest.raises(ScenarioError, match=r"\[path\] section"):
        solve_scenario(scenario)


def test_expansion_limit_per_period_or_on_all_that_stands() -> None:
    """Ash 10 in 2021, 16 in 2023, all to be used in 2023; expansion limit 10.

    Per period: 2021 builds nothing (no target), 2023 builds 10... not enough for 16,
    so the LP builds 6 in 2021 ahead of time (cost 6 - 4 per t/yr for two years)
    and 10 in 2023. On all that stands (as in one year) 16 > 10 is infeasible.
    """
    from model.errors import SolveError

    late = one_node(generation_10kt={("ash", "a"): 16.0}, target_rate={("r", "bulk"): 1.0})
    inputs = [one_node(), late]
    per_period = solve_path(make_path(inputs, [2021, 2023], 2023), SCENARIO)
    assert builds(per_period, 2021) == pytest.approx(6.0, abs=1e-9)
    assert builds(per_period, 2023) == pytest.approx(10.0, abs=1e-9)
    with pytest.raises(SolveError, match="infeasible"):
        solve_path(make_path(inputs, [2021, 2023], 2023, expansion_limit="standing"), SCENARIO)


def test_a_path_folder_is_read_as_its_map_year(tmp_path: object) -> None:
    """Maps and compare read one model year of a multi-year folder (the map year)."""
    import json
    from pathlib import Path as FilePath

    import pandas as pd

    from model.outputs.folders import read_run

    folder = FilePath(str(tmp_path))
    costs = pd.DataFrame({"year": [2021, 2030], "component": ["total"] * 2, "cost_10k_cny": [1, 2]})
    costs.to_csv(folder / "costs.csv", index=False)
    summary = {
        "scenario": "p",
        "base_year": 2021,
        "path": {"years": [2021, 2030], "map_year": 2030},
    }
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    tables, read = read_run(folder)
    assert tables["costs"].to_dict("list") == {"component": ["total"], "cost_10k_cny": [2]}
    assert read["base_year"] == 2030
