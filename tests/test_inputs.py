"""Applying a scenario to the data: flow limits, modes, floors that cannot be served."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from model.core.config import load_scenario
from model.core.inputs import prepare
from model.data.tables import load_dataset
from model.errors import DataError, ScenarioError
from model.run import solve_scenario
from tests.conftest import DATA, RUNS


def scenario_file(tmp_path: Path, body: str, data: Path | None = None) -> Path:
    head = f'extends = "{(RUNS / "target-2025.toml").as_posix()}"\n'
    if data is not None:
        head += f'data = "{data.as_posix()}"\n'
    path = tmp_path / "s.toml"
    path.write_text(head + body, encoding="utf-8")
    return path


def test_flow_limit_between_regions_is_respected(tmp_path: Path) -> None:
    """A Yellow River Basin bulk target of 62% sends some waste to Beijing-Tianjin-Hebei."""
    free = solve_scenario(
        load_scenario(scenario_file(tmp_path, "[targets.regions.yrb]\nbulk = 0.62\n"))
    )
    hauls = free.results.hauls
    region = free.dataset.nodes["region"]
    cross = hauls[
        hauls["origin"].map(region).eq("yrb") & hauls["destination"].map(region).eq("jjj")
    ]["amount_10kt"].sum()
    assert cross > 1.0, "the test needs a flow to limit"
    limit = round(cross / 2, 3)
    limited = solve_scenario(
        load_scenario(
            scenario_file(
                tmp_path,
                "[targets.regions.yrb]\nbulk = 0.62\n"
                f'[transport]\nflow_max = {{ "yrb->jjj" = {limit} }}\n',
            )
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


def test_own_distances_override_geodesic_and_are_checked(tmp_path: Path) -> None:
    """distances.csv replaces geodesic x circuity pair by pair; bad rows are all named.

    Hebei -> Beijing by road given as 300 km between transport points: the haul
    adds the access legs, (82.2 + 70.1) / 2 x 1.3 = 98.995 km, so 398.995 km.
    The way back is not given: noted, and it keeps the computed distance.
    """
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    header = "origin,dest,mode,km,source_id,note\n"
    (data / "distances.csv").write_text(
        header + "hebei,beijing,road,300,wastealloc_user_distances,\n", encoding="utf-8"
    )
    scenario = load_scenario(scenario_file(tmp_path, "", data))
    plain = prepare(load_dataset(DATA), scenario)
    given = prepare(load_dataset(data), scenario)
    assert given.distance_km["hebei", "beijing"] == pytest.approx(300 + 98.995, abs=1e-3)
    assert given.distance_km["beijing", "hebei"] == plain.distance_km["beijing", "hebei"]
    assert any("one way only" in note for note in given.notes)

    (data / "distances.csv").write_text(
        header
        + "hebei,atlantis,road,300,wastealloc_user_distances,\n"
        + "hebei,tianjin,road,-5,wastealloc_user_distances,\n"
        + "tianjin,hebei,rail,,wastealloc_user_distances,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as info:
        prepare(load_dataset(data), scenario)
    found = {(p.file, p.row, p.column) for p in info.value.problems}
    assert found == {
        ("distances.csv", 2, "dest"),
        ("distances.csv", 3, "km"),
        ("distances.csv", 4, "km"),
    }


def test_tranches_that_would_make_the_cost_non_convex_are_an_error(tmp_path: Path) -> None:
    """A cheaper second expansion tranche would be filled first: the LP needs rising steps."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    tranches = pd.read_csv(data / "tranches.csv")
    tranches.loc[(tranches["kind"] == "expansion") & (tranches["tranche"] == 2), "factor"] = 0.5
    tranches.to_csv(data / "tranches.csv", index=False)
    with pytest.raises(DataError) as info:
        prepare(load_dataset(data), load_scenario(scenario_file(tmp_path, "", data)))
    problem = info.value.problems[0]
    assert (problem.file, problem.column) == ("tranches.csv (expansion)", "factor")
    assert "rise" in problem.expected
