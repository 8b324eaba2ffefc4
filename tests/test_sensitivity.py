"""Global sensitivity over the data ranges: the factors move the right parameters."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.core.config import load_scenario
from model.data.tables import load_dataset
from model.errors import ScenarioError
from model.run import solve_scenario
from model.studies.factors import design, factors
from model.studies.sensitivity import run
from tests.conftest import DATA, RUNS


@pytest.fixture(scope="module")
def target() -> object:
    return load_scenario(RUNS / "target-2025.toml")


@pytest.fixture(scope="module")
def reference() -> object:
    return load_scenario(RUNS / "baseline-expansion.toml")


@pytest.fixture(scope="module")
def morris(target, reference):
    return run(target, "morris", trajectories=2, seed=7, reference=reference)


def test_levels_zero_and_one_are_the_low_and_high_values_times_the_scenario_scale(target) -> None:
    dataset = load_dataset(DATA)
    scaled = target.model_copy(
        update={"transport": target.transport.model_copy(update={"cost_scale": 2.0})}
    )
    by_name = {f.name: f for f in factors(dataset, scaled)}
    road = dataset["modes"].loc["road"]
    assert by_name["road_freight"].values(0.0) == [
        ("transport_cost_cny_per_tkm", "road", 2.0 * road["cost_low_cny_per_tkm"])
    ]
    assert by_name["road_freight"].values(1.0)[0][2] == pytest.approx(
        2.0 * road["cost_high_cny_per_tkm"]
    )
    opex = dataset["pathways"]
    half = dict((k, v) for _, k, v in by_name["opex"].values(0.5))
    for pathway, row in opex.iterrows():
        assert half[pathway] == pytest.approx(
            (row["opex_low_cny_per_t"] + row["opex_high_cny_per_t"]) / 2
        )
    detail = [f.name for f in factors(dataset, target, detail=True)]
    assert "opex:cement_clinker_and_admixture" in detail
    assert "revenue:steel_slag/metal_recovery" in detail


def _data_at(point: pd.Series, folder: Path) -> Path:
    """A copy of the data with every ranged figure put at the point's factor levels."""
    copy = folder / "regions"
    shutil.copytree(DATA, copy)

    def put(name: str, central: str, low: str, high: str, level: float, keys=None) -> None:
        path = copy / name
        table = pd.read_csv(path, keep_default_na=False, na_values=[""])
        table[central] = table[central].astype(float)
        lo = table[low].fillna(table[central])
        hi = table[high].fillna(table[central])
        rows = slice(None) if keys is None else table.iloc[:, 0].isin(keys)
        table.loc[rows, central] = (lo + level * (hi - lo))[rows]
        table.to_csv(path, index=False)

    put(
        "modes.csv",
        "cost_cny_per_tkm",
        "cost_low_cny_per_tkm",
        "cost_high_cny_per_tkm",
        point["level_road_freight"],
        ["road"],
    )
    put(
        "modes.csv",
        "cost_cny_per_tkm",
        "cost_low_cny_per_tkm",
        "cost_high_cny_per_tkm",
        point["level_rail_freight"],
        ["rail"],
    )
    put(
        "storage.csv",
        "storage_cost_cny_per_t",
        "storage_cost_low_cny_per_t",
        "storage_cost_high_cny_per_t",
        point["level_storage_cost"],
    )
    put(
        "pathways.csv",
        "opex_cny_per_t",
        "opex_low_cny_per_t",
        "opex_high_cny_per_t",
        point["level_opex"],
    )
    put(
        "compatibility.csv",
        "revenue_cny_per_t",
        "revenue_low_cny_per_t",
        "revenue_high_cny_per_t",
        point["level_revenue"],
    )
    put(
        "compatibility.csv",
        "avoided_co2_t_per_t",
        "avoided_co2_low_t_per_t",
        "avoided_co2_high_t_per_t",
        point["level_avoided_co2"],
    )
    for kind, factor in (("expansion", "expansion_steps"), ("revenue", "revenue_saturation")):
        put("tranches.csv", "factor", "factor_low", "factor_high", point[f"level_{factor}"], [kind])
    return copy


def test_every_design_point_is_the_fresh_solve_of_data_set_to_its_levels(
    target, reference, tmp_path: Path
) -> None:
    """Warm re-solves on the built models agree with building from edited data files,
    for the scenario and for the reference solved at the same point, with the
    scenario's own scales applied on top of the data (0.5 on freight, 2 on storage)."""

    def scaled(scenario):
        return scenario.model_copy(
            update={
                "transport": scenario.transport.model_copy(update={"cost_scale": 0.5}),
                "prices": scenario.prices.model_copy(update={"storage_cost_scale": 2.0}),
            }
        )

    target, reference = scaled(target), scaled(reference)
    runs = run(target, "morris", trajectories=2, seed=7, reference=reference).runs
    assert (runs["status"] == "optimal").all()
    for n in (1, len(runs) - 1):
        point = runs.iloc[n]
        data = _data_at(point, tmp_path / str(n))
        dataset = load_dataset(data)
        fresh = solve_scenario(target.model_copy(update={"data": data}), dataset)
        base = solve_scenario(reference.model_copy(update={"data": data}), dataset)
        assert point["objective_10k_cny"] == pytest.approx(
            fresh.solution.objective_10k_cny, rel=1e-7
        )
        assert point["cost_above_reference_10k_cny"] == pytest.approx(
            fresh.solution.objective_10k_cny - base.solution.objective_10k_cny, rel=1e-6, abs=1e-2
        )


def test_avoided_co2_matters_only_with_a_carbon_price(target, morris) -> None:
    def mu_star(result, factor: str) -> float:
        idx = result.indices
        row = idx[(idx["output"] == "objective_10k_cny") & (idx["factor"] == factor)]
        return float(row["mu_star"].iloc[0])

    # zero up to the 1e-9 cost slack of the least-CO2 second solve
    assert mu_star(morris, "storage_cost") > 0.0
    assert mu_star(morris, "avoided_co2") <= 1e-8 * mu_star(morris, "storage_cost")
    carbon = target.model_copy(
        update={"prices": target.prices.model_copy(update={"carbon_cny_per_t": 100.0})}
    )
    assert mu_star(run(carbon, "morris", trajectories=2, seed=7), "avoided_co2") > 0.0


def test_sobol_needs_a_power_of_two_and_runs_k_plus_2_times_n_points(target) -> None:
    dataset = load_dataset(DATA)
    active = [f for f in factors(dataset, target) if f.has_range]
    with pytest.raises(ScenarioError, match="power of 2"):
        design(active, "sobol", samples=48)
    result = run(target, "sobol", samples=8, seed=3, dataset=dataset)
    assert len(result.runs) == 8 * (len(active) + 2)
    cost = result.indices[result.indices["output"] == "objective_10k_cny"]
    assert set(cost["factor"]) == {f.name for f in active}
    # rates differ between equally cheap optima: kept in runs, not analysed; net CO2
    # is analysed only when the least-CO2 second solve makes it unique
    assert "rate_yrb_bulk" in result.runs
    assert not result.indices["output"].str.startswith("rate_").any()
    assert (result.indices["output"] == "net_co2_10kt").any()
    plain = target.model_copy(
        update={"solver": target.solver.model_copy(update={"tie_break": "none"})}
    )
    outputs = set(run(plain, "morris", trajectories=2, dataset=dataset).indices["output"])
    assert "net_co2_10kt" not in outputs


def test_the_command_writes_indices_runs_factors_and_a_figure(tmp_path: Path) -> None:
    out = tmp_path / "sens"
    result = CliRunner().invoke(
        app,
        ["sensitivity", str(RUNS / "target-2025.toml"), "--trajectories", "2", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {
        ".wastealloc.json",
        "columns.csv",
        "factors.csv",
        "indices.csv",
        "runs.csv",
        "sensitivity.png",
        "sensitivity-zh.png",
        "summary.json",
    }
    # the data dictionary describes every column, those named after regions and factors too
    dictionary = pd.read_csv(out / "columns.csv", keep_default_na=False)
    described = {
        (f, c): m for f, c, m in dictionary[["file", "column", "meaning"]].itertuples(False)
    }
    for name in ("factors.csv", "indices.csv", "runs.csv"):
        for column in pd.read_csv(out / name, nrows=0).columns:
            assert described.get((name, column)), (name, column)
    assert "storage_cost" in result.output
    bad = CliRunner().invoke(
        app, ["sensitivity", str(RUNS / "target-2025.toml"), "--method", "fast"]
    )
    assert bad.exit_code == 2
    assert "expected morris or sobol" in bad.output


def test_warm_re_solves_agree_with_cold_solves_at_every_point(target) -> None:
    """The persistent model, changed point after point, gives what a model built
    afresh and set to the same levels gives: cost, every target shadow price and
    (least-CO2 second solve) net CO2, with non-unit scenario scales."""
    import numpy as np

    from model.studies.levers import outcomes
    from model.studies.sensitivity import _bound_solver, _put

    scaled = target.model_copy(
        update={
            "transport": target.transport.model_copy(update={"cost_scale": 0.5}),
            "prices": target.prices.model_copy(update={"storage_cost_scale": 2.0}),
        }
    )
    dataset = load_dataset(DATA)
    result = run(scaled, "morris", trajectories=2, seed=11, dataset=dataset)
    active = [f for f in factors(dataset, scaled) if f.has_range]
    checked = [c for c in result.runs.columns if c.startswith("shadow_")] + ["net_co2_10kt"]
    assert (result.runs["tie_break"] == "co2").all()
    for _, point in result.runs.iterrows():
        cold = _bound_solver(scaled, dataset)
        _put(cold, active, np.array([point[f"level_{f.name}"] for f in active]))
        fresh = outcomes(cold.solve())
        assert point["objective_10k_cny"] == pytest.approx(fresh["objective_10k_cny"], rel=1e-7)
        for column in checked:
            assert point[column] == pytest.approx(fresh[column], rel=1e-5, abs=1e-4), column


def test_mu_star_is_the_change_across_the_full_range_of_a_linear_output() -> None:
    """y = 3 u1 - 2 u2 on [0, 1]^2: every elementary effect is the slope, so mu* = (3, 2)
    and mu = (3, -2) whatever the number of levels."""
    from model.studies.factors import Factor
    from model.studies.sensitivity import analyse

    active = [Factor("a", "a", (("p", "a", 0.0, 1.0),)), Factor("b", "b", (("p", "b", 0.0, 1.0),))]
    for levels in (4, 6):
        x = design(active, "morris", trajectories=8, levels=levels, seed=1)
        y = pd.DataFrame({"y": 3 * x[:, 0] - 2 * x[:, 1]})
        idx = analyse(active, "morris", x, y, levels=levels, seed=1).set_index("factor")
        assert idx.loc["a", "mu_star"] == pytest.approx(3.0)
        assert idx.loc["b", "mu_star"] == pytest.approx(2.0)
        assert idx.loc["b", "mu"] == pytest.approx(-2.0)
        assert idx["sigma"].to_numpy() == pytest.approx([0.0, 0.0], abs=1e-9)


def test_sobol_shares_of_an_additive_output() -> None:
    """y = u1 + 2 u2, uniform: variances 1/12 and 4/12, so S1 = ST = (0.2, 0.8)."""
    from model.studies.factors import Factor
    from model.studies.sensitivity import analyse

    active = [Factor("a", "a", (("p", "a", 0.0, 1.0),)), Factor("b", "b", (("p", "b", 0.0, 1.0),))]
    x = design(active, "sobol", samples=1024, seed=1)
    y = pd.DataFrame({"y": x[:, 0] + 2 * x[:, 1]})
    idx = analyse(active, "sobol", x, y, seed=1).set_index("factor")
    assert idx["S1"].to_numpy() == pytest.approx([0.2, 0.8], abs=0.03)
    assert idx["ST"].to_numpy() == pytest.approx([0.2, 0.8], abs=0.03)


def test_a_point_that_does_not_solve_stops_with_its_levels(target) -> None:
    """Without expansion the 2025 targets cannot be met: the first point says so."""
    stuck = target.model_copy(
        update={"capacity": target.capacity.model_copy(update={"expansion": False})}
    )
    with pytest.raises(ScenarioError, match=r"design point 0 \(road_freight=.*did not solve"):
        run(stuck, "morris", trajectories=2)


def test_a_reference_without_a_factor_of_the_scenario_is_refused(target, reference) -> None:
    road_only = reference.model_copy(
        update={"transport": reference.transport.model_copy(update={"modes": ("road",)})}
    )
    with pytest.raises(ScenarioError, match="has no factor rail_freight"):
        run(target, "morris", trajectories=2, reference=road_only)


def test_highs_writes_nothing_to_the_terminal(target, capfd) -> None:
    """A factor at 0 zeroes a coefficient of the cost cap: HiGHS would warn on stdout
    at every point; the solver is silent and reports through its status instead."""
    run(target, "morris", trajectories=2, seed=2020)  # this design sets such a 0
    captured = capfd.readouterr()
    assert "WARNING" not in captured.out + captured.err
