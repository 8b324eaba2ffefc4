"""Applying a scenario to the data: flow limits, modes, floors that cannot be served."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from model.core.config import load_scenario
from model.core.inputs import prepare
from model.core.run import solve_scenario
from model.data.tables import load_dataset
from model.errors import DataError, ScenarioError
from tests.conftest import DATA, RUNS


def scenario_file(tmp_path: Path, body: str, data: Path | None = None) -> Path:
    head = f'extends = "{(RUNS / "target-2025.toml").as_posix()}"\n'
    if data is not None:
        head += f'data = "{data.as_posix()}"\n'
    path = tmp_path / "s.toml"
    path.write_text(head + body, encoding="utf-8")
    return path


def test_flow_limit_between_regions_is_respected(tmp_path: Path) -> None:
    free = solve_scenario(load_scenario(RUNS / "target-2025.toml"))
    hauls = free.results.hauls
    region = free.dataset.nodes["region"]
    cross = hauls[
        hauls["origin"].map(region).eq("yrb") & hauls["destination"].map(region).eq("jjj")
    ]["amount_10kt"].sum()
    assert cross > 1.0, "the test needs a flow to limit"
    limit = round(cross / 2, 3)
    limited = solve_scenario(
        load_scenario(
            scenario_file(tmp_path, f'[transport]\nflow_max = {{ "yrb->jjj" = {limit} }}\n')
        )
    )
    h = limited.results.hauls
    after = h[h["origin"].map(region).eq("yrb") & h["destination"].map(region).eq("jjj")]
    assert after["amount_10kt"].sum() <= limit + 1e-6
    assert limited.solution.objective_10k_cny >= free.solution.objective_10k_cny - 1e-6


def test_flow_limit_naming_an_unknown_region(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, '[transport]\nflow_max = { "yrb->prd" = 10 }\n')
    with pytest.raises(ScenarioError, match="prd"):
        prepare(load_dataset(DATA), load_scenario(path))


def test_a_mode_the_data_does_not_define(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    modes = pd.read_csv(data / "modes.csv")
    modes[modes["mode"] == "road"].to_csv(data / "modes.csv", index=False)
    path = scenario_file(tmp_path, "", data)
    with pytest.raises(ScenarioError, match="rail"):
        prepare(load_dataset(data), load_scenario(path))


def test_floors_that_no_haul_can_serve_are_an_error(tmp_path: Path) -> None:
    """Qinghai without capacity and with 100 km hauls: its floors would be dropped silently."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    capacity = pd.read_csv(data / "capacity.csv")
    capacity[capacity["node"] != "qinghai"].to_csv(data / "capacity.csv", index=False)
    path = scenario_file(tmp_path, "[transport]\nmax_haul_km = 100\n", data)
    with pytest.raises(ScenarioError) as info:
        solve_scenario(load_scenario(path))
    assert "qinghai/" in str(info.value)
    assert "base_year_floor" in str(info.value)


def test_a_stream_with_nowhere_to_go_is_a_data_problem(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "capacity.csv").write_text(
        (data / "capacity.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as info:
        load_dataset(data)
    streams = {p.value for p in info.value.problems if p.file == "capacity.csv"}
    assert {"fly_ash", "tailings"} <= streams


def test_prefecture_problems_name_the_prefecture_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    nodes = pd.read_csv(data / "prefecture" / "nodes.csv", dtype=str, keep_default_na=False)
    nodes.loc[3, "province"] = ""
    nodes.to_csv(data / "prefecture" / "nodes.csv", index=False)
    with pytest.raises(DataError) as info:
        load_dataset(data, "prefecture")
    files = {p.file for p in info.value.problems}
    assert files <= {f"prefecture/{n}.csv" for n in ("nodes", "generation")}
    blank = [p for p in info.value.problems if p.column == "province"]
    assert blank and blank[0].row == 5
