"""Sweeps re-solve a built model; each point must equal a fresh solve of that scenario."""

from __future__ import annotations

import pytest

from model.core.config import load_scenario
from model.data.tables import load_dataset
from model.errors import ScenarioError
from model.run import solve_scenario
from model.studies.sweeps import sweep
from tests.conftest import DATA, RUNS


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(DATA)


def test_target_sweep_matches_fresh_solves(dataset) -> None:
    scenario = load_scenario(RUNS / "target-2025.toml")
    values = [0.55, 0.57, 0.6]
    table = sweep(scenario, "target.yrb.bulk", values, dataset)
    assert list(table["status"]) == ["optimal"] * 3
    assert table["objective_10k_cny"].is_monotonic_increasing
    for value, cost in zip(values, table["objective_10k_cny"], strict=True):
        regions = {"yrb": {"bulk": value}}
        fresh = scenario.model_copy(
            update={"targets": scenario.targets.model_copy(update={"regions": regions})}
        )
        expected = solve_scenario(fresh, dataset).solution.objective_10k_cny
        assert cost == pytest.approx(expected, rel=1e-7)
    assert table["cost_change_10k_cny"].iloc[0] == 0.0


def test_capacity_scale_sweep_matches_the_scenario_key(dataset) -> None:
    scenario = load_scenario(RUNS / "target-2025.toml")
    table = sweep(scenario, "capacity_scale", [1.0, 1.3], dataset)
    fresh = scenario.model_copy(
        update={"capacity": scenario.capacity.model_copy(update={"scale": 1.3})}
    )
    expected = solve_scenario(fresh, dataset).solution.objective_10k_cny
    assert table["objective_10k_cny"].iloc[1] == pytest.approx(expected, rel=1e-7)
    assert table["objective_10k_cny"].iloc[1] <= table["objective_10k_cny"].iloc[0] + 1e-6


def test_an_infeasible_point_is_recorded_not_fatal(dataset) -> None:
    """Without capacity the base-year floors cannot be met; later points still solve."""
    scenario = load_scenario(RUNS / "baseline.toml")
    table = sweep(scenario, "capacity_scale", [0.0, 1.0], dataset)
    assert table["status"].iloc[0] != "optimal"
    assert table["status"].iloc[1] == "optimal"


def test_unknown_parameter_and_group(dataset) -> None:
    scenario = load_scenario(RUNS / "target-2025.toml")
    with pytest.raises(ScenarioError, match=r"expected target\.GROUP"):
        sweep(scenario, "max_haul_km", [500.0], dataset)
    with pytest.raises(ScenarioError, match="unknown group"):
        sweep(scenario, "target.slag", [0.5], dataset)


def test_cli_sweep_writes_sweep_csv(tmp_path) -> None:
    from typer.testing import CliRunner

    from model.cli import app

    out = tmp_path / "sweep"
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(RUNS / "target-2025.toml"),
            "--param",
            "carbon_price",
            "--values",
            "0,100",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "sweep.csv").is_file()
    assert (out / "summary.json").is_file()
    bad = CliRunner().invoke(
        app,
        ["sweep", str(RUNS / "target-2025.toml"), "--param", "carbon_price", "--values", "a,b"],
    )
    assert bad.exit_code == 2
