"""`compare` and studies on multi-year runs, retirement of existing capacity, map subtitles.

Runs are two short paths on the shipped data (2021 and 2025, the 2025 targets
on time or in 2027), solved once per module; every check is an invariant (a run
against itself, the discount weights, a fresh solve) or worked out by hand.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from model.core.config import load_scenario
from model.core.pathway.periods import existing_share, retired
from model.core.pathway.solve import solve_path
from model.errors import ScenarioError
from model.run import solve_file
from model.studies.compare_path import ALL, compare_runs
from tests.conftest import RUNS
from tests.test_pathway import SCENARIO, W1, W2, make_path, one_node

SHORT = """extends = "{runs}/pathway-2030.toml"
[path]
years = [2021, 2025]
end_year = 2026
{extra}
"""


def solve_short_paths(root: Path, years: str = "") -> dict[str, Path]:
    """Folders of the short path on time (a), two years late (b) and a one-year run (one);
    ``years`` replaces the path's years and end year (TOML lines)."""
    out = {}
    for key, extra in (("a", ""), ("b", "target_years = { national_2025 = 2027 }")):
        toml = root / f"short-{key}.toml"
        text = SHORT.format(runs=RUNS.resolve(), name=f"short-{key}", extra=extra)
        if years:
            text = text.replace("years = [2021, 2025]\nend_year = 2026", years)
        toml.write_text(text)
        out[key] = root / key
        solve_file(toml, out[key], draw_maps=False)
    out["one"] = root / "one"
    solve_file(RUNS / "baseline-expansion.toml", out["one"], draw_maps=False)
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return solve_short_paths(tmp_path_factory.mktemp("paths"))


def test_a_path_against_itself_changes_nothing(runs: dict[str, Path]) -> None:
    tables, facts = compare_runs(runs["a"], runs["a"])
    table = tables["compare"]
    assert facts["kind"] == "multi-year" and facts["years"] == [2021, 2025]
    assert set(table["year"]) == {"2021", "2025", ALL}
    assert table["change"].fillna(0.0).abs().max() == 0.0
    assert (table["a"].isna() == table["b"].isna()).all()


def test_year_by_year_changes_add_up_to_the_discounted_total(runs: dict[str, Path]) -> None:
    """sum_t W_t x (change of the cost per year in t) = change of the discounted total."""
    tables, facts = compare_runs(runs["a"], runs["b"])
    t = tables["compare"].set_index(["section", "item", "year"])
    assert facts["discounted_totals_comparable"]
    summed = sum(
        t.at[("discount weight", "W", y), "a"] * t.at[("cost", "total", y), "change"]
        for y in ("2021", "2025")
    )
    total = t.at[("discounted cost", "total", ALL), "change"]
    assert summed == pytest.approx(total, rel=1e-5, abs=1e-3)
    # the late run has no target in 2025 and the on-time run pays for it then
    assert t.at[("target", "in force", "2025"), "a"] > 0
    assert t.at[("target", "in force", "2025"), "b"] == 0
    assert t.at[("cost", "total", "2025"), "change"] < 0
    # a target that costs something has a price, also where its group draws stock (the
    # constraint keeps lower <= body, so its dual is not clipped to 0)
    prices = tables["compare"].query("section == 'target price' and year == '2025'")
    assert prices["a"].max() > 0
    wide = tables["compare_by_year"].set_index(["section", "item"])
    assert wide.at[("cost", "total"), "2025"] == t.at[("cost", "total", "2025"), "change"]


def test_a_one_year_run_is_compared_with_the_matching_year(runs: dict[str, Path]) -> None:
    """A one-year run (base year 2021) against a path: the path's 2021 tables, and it says so."""
    tables, facts = compare_runs(runs["one"], runs["a"])
    assert facts["year"] == 2021 and "2021" in facts["note"]
    table = tables["compare"]
    assert list(table.columns) == ["section", "item", "unit", "a", "b", "change", "change_unit"]
    with pytest.raises(ScenarioError, match="model years"):
        compare_runs(runs["one"], runs["a"], year=2024)
    _, later = compare_runs(runs["a"], runs["one"], year=2025)
    assert later["year"] == 2025


def test_compare_cli_on_two_paths_writes_the_tables_and_chart(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from model.cli import app

    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", str(runs["a"]), str(runs["b"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "discounted to 2021" in result.output
    names = set(json.loads((out / "summary.json").read_text())["files"])
    assert {"compare.csv", "compare_by_year.csv", "compare_trajectory.png"} <= names
    assert "compare_trajectory-zh.png" in names
    assert "year" in pd.read_csv(out / "compare.csv").columns


def test_existing_capacity_retires_linearly_by_hand() -> None:
    """Existing cement 10 at node a retiring over 4 years from 2021: 10 stand in 2021, 5 in
    2023. Target 100% (ash 10/yr): 2021 uses the 10 (haul 10 + opex 100 = 110); 2023 builds 5
    (capex 30) for 140. Objective W1 x 110 + W2 x 140; without retirement W1 x 110 + W2 x 110.
    """
    assert existing_share(2021, 2021, 4) == 1.0
    assert existing_share(2023, 2021, 4) == 0.5
    assert existing_share(2030, 2021, 4) == 0.0
    assert existing_share(2030, 2021, None) == 1.0
    full = one_node(capacity_10kt={("a", "cement"): 10.0}, target_rate={("r", "bulk"): 1.0})
    inputs = [retired(full, existing_share(y, 2021, 4)) for y in (2021, 2023)]
    solution = solve_path(make_path(inputs, [2021, 2023], 2023), SCENARIO)
    assert solution.objective_10k_cny == pytest.approx(W1 * 110 + W2 * 140, abs=1e-6)
    kept = solve_path(make_path([full, full], [2021, 2023], 2023), SCENARIO)
    assert kept.objective_10k_cny == pytest.approx((W1 + W2) * 110, abs=1e-6)


def test_todays_use_stays_when_its_plant_retires_by_hand() -> None:
    """No target; existing cement 10 at a with today's intake 10 as a floor, retiring over 4
    years. 2023 has 5 standing: the floor makes the model build 5 (capex 30 + haul 10 +
    opex 100 = 140) where it would otherwise use 5 and store 5 (55 + 75 = 130)."""
    base = one_node(capacity_10kt={("a", "cement"): 10.0})
    floored = replace(base, intake_floor_10kt={("a", "cement"): 10.0})
    for inputs, cost_2023 in ((floored, 140.0), (base, 130.0)):
        periods = [retired(inputs, existing_share(y, 2021, 4)) for y in (2021, 2023)]
        solution = solve_path(make_path(periods, [2021, 2023], 2023), SCENARIO)
        assert solution.objective_10k_cny == pytest.approx(W1 * 110 + W2 * cost_2023, abs=1e-6)


def test_existing_life_years_reaches_the_periods(tmp_path: Path) -> None:
    from model.core.pathway.periods import build_path
    from model.data.tables import load_dataset

    toml = tmp_path / "life.toml"
    extra = "existing_life_years = 8"
    toml.write_text(SHORT.format(runs=RUNS.resolve(), name="life", extra=extra))
    scenario = load_scenario(toml)
    path = build_path(load_dataset(scenario.data, scenario.resolution), scenario)
    first, later = (q.inputs.capacity_10kt for q in path.periods)
    assert sum(later.values()) == pytest.approx(0.5 * sum(first.values()))
    # today's uses stay as floors: what retires must be replaced
    floors = [q.inputs.intake_floor_10kt for q in path.periods]
    assert floors[0] and floors[0] == floors[1]


def test_map_subtitle_names_the_map_year_of_a_path() -> None:
    from types import SimpleNamespace

    from model.outputs.maps.base import MapData

    path = {"path": {"years": [2021, 2025, 2030]}}
    data = SimpleNamespace(summary=path, base_year=2030)
    assert MapData.year_phrase(data, "en") == "year 2030 of the path 2021-2030"  # type: ignore[arg-type]
    assert "2030年" in MapData.year_phrase(data, "zh")  # type: ignore[arg-type]
    one = SimpleNamespace(summary={}, base_year=2021)
    assert MapData.year_phrase(one, "en") == "base year 2021"  # type: ignore[arg-type]


def test_a_study_point_on_a_path_equals_a_fresh_solve(tmp_path: Path) -> None:
    """Freight at 1.2 x set in every period of the built path and re-solved in place gives
    the optimum of the scenario solved afresh with [transport] cost_scale = 1.2."""
    from model.data.tables import load_dataset
    from model.run import solve_path_scenario
    from model.studies.engine import Worker
    from model.studies.sweeps import sweep_study

    toml = tmp_path / "short.toml"
    toml.write_text(SHORT.format(runs=RUNS.resolve(), name="s", extra=""))
    scenario = load_scenario(toml)
    dataset = load_dataset(scenario.data, scenario.resolution)
    study = sweep_study(scenario, "transport_cost_scale", [1.0, 1.2], dataset)
    worker = Worker(study, dataset)
    points = [worker.point(i).record for i in (0, 1)]
    assert [p["status"] for p in points] == ["optimal", "optimal"]
    transport = scenario.transport.model_copy(update={"cost_scale": 1.2})
    fresh = solve_path_scenario(scenario.model_copy(update={"transport": transport}), dataset)
    assert points[1]["objective_10k_cny"] == pytest.approx(
        fresh.solution.objective_10k_cny, rel=1e-7
    )
    plain = solve_path_scenario(scenario, dataset)
    assert points[0]["objective_10k_cny"] == pytest.approx(
        plain.solution.objective_10k_cny, rel=1e-7
    )
    # per year: the cost per year of the fresh solve, the 2025 targets and their prices
    costs = fresh.results.tables()["path_costs"].set_index("year")["cost_per_yr_10k_cny"]
    assert points[1]["y2025_cost_10k_cny"] == pytest.approx(costs[2025], rel=1e-6)
    assert any(k.startswith("y2025_shadow_") for k in points[1])
    assert not any(k.startswith("y2021_shadow_") for k in points[1])  # no target before 2025


def test_a_myopic_path_study_is_refused_with_a_reason(tmp_path: Path) -> None:
    from model.data.tables import load_dataset
    from model.studies.engine import Worker
    from model.studies.sweeps import sweep_study

    toml = tmp_path / "myopic.toml"
    toml.write_text(SHORT.format(runs=RUNS.resolve(), name="m", extra='foresight = "myopic"'))
    scenario = load_scenario(toml)
    dataset = load_dataset(scenario.data, scenario.resolution)
    record = Worker(sweep_study(scenario, "carbon_price", [0.0], dataset), dataset).point(0).record
    assert record["status"] == "error" and "perfect" in record["reason"]


def test_a_target_sweep_on_a_path_moves_the_target_where_it_is_in_force(tmp_path: Path) -> None:
    """`wastealloc sweep` of target.yrb.bulk on a path: the 2025 rate meets each value (the
    target is set in 2025, where it is in force); 2021 has no target, hence no price; the
    discounted cost rises with the target."""
    from typer.testing import CliRunner

    from model.cli import app

    toml = tmp_path / "short.toml"
    toml.write_text(SHORT.format(runs=RUNS.resolve(), name="s", extra=""))
    out = tmp_path / "sweep"
    args = ["sweep", str(toml), "--param", "target.yrb.bulk", "--values", "0.57,0.6"]
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "sweep.csv")
    assert list(table["status"]) == ["optimal", "optimal"]
    assert (table["y2025_rate_yrb_bulk"] >= table["value"] - 1e-6).all()
    assert "y2021_shadow_yrb_bulk_cny_per_t" not in table
    assert table["objective_10k_cny"].is_monotonic_increasing
