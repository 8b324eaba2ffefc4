"""Study files and the study engine: strict keys, every point kept, resume, workers, Dask."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.data.tables import load_dataset
from model.errors import ScenarioError
from model.studies.design import load_study
from model.studies.engine import Outcome, execute
from model.studies.report import (
    front,
    plain_number,
    plain_numbers,
    shown_columns,
    sobol_warnings,
)
from tests.conftest import DATA, RUNS

TARGET = RUNS / "target-2025.toml"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(DATA)


def study_file(folder: Path, body: str, name: str = "s") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f'scenario = "{TARGET}"\n{body}', encoding="utf-8")
    return path


def invoke(*args: object) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def solve_all(study, indices, **options) -> dict[int, dict]:
    rows: dict[int, dict] = {}

    def keep(outcome: Outcome) -> None:
        rows[outcome.index] = outcome.record

    execute(study, indices, keep, **options)
    return rows


# --- study files ----------------------------------------------------------------------------


def test_unknown_keys_and_two_ways_of_varying_are_refused(tmp_path: Path) -> None:
    typo = study_file(tmp_path, "[grid]\ncarbon_price = [0, 100]\n[solvr]\nx = 1\n", "typo")
    result = invoke("study", typo)
    assert result.exit_code == 2, result.output
    assert "solvr: unknown key" in result.output
    both = study_file(tmp_path, "[grid]\ncarbon_price = [0]\n[one_at_a_time]\ncarbon_price = [1]\n")
    with pytest.raises(ScenarioError, match="exactly one of"):
        load_study(both)
    rate = study_file(tmp_path, '[grid]\n"target.bulk" = [57, 60]\n', "rate")
    with pytest.raises(ScenarioError, match=r"did you mean 0\.57,0\.6\?"):
        load_study(rate)
    unknown = study_file(tmp_path, "[grid]\nmax_haul_km = [500]\n", "haul")
    with pytest.raises(ScenarioError, match=r"haul\.toml: \[grid\] .*expected target\.GROUP"):
        load_study(unknown)


def test_a_grid_is_every_combination_and_one_at_a_time_starts_at_the_scenario(
    tmp_path: Path, dataset
) -> None:
    grid = load_study(
        study_file(
            tmp_path,
            "[grid]\ncarbon_price = [0, 50, 100]\n"
            "transport_cost_scale = { from = 0.5, to = 1.5, points = 3 }\n",
        ),
        dataset,
    )
    assert len(grid.points) == 9
    assert {(p["carbon_price"], p["transport_cost_scale"]) for p in grid.points} == {
        (c, t) for c in (0.0, 50.0, 100.0) for t in (0.5, 1.0, 1.5)
    }
    oat = load_study(
        study_file(
            tmp_path, "[one_at_a_time]\ncarbon_price = [50]\ncapacity_scale = [0.8, 1.2]\n", "o"
        ),
        dataset,
    )
    # point 0 is the scenario itself (its own carbon price 0, scales 1), then one change each
    assert oat.points == [
        {"carbon_price": 0.0, "capacity_scale": 1.0},
        {"carbon_price": 50.0, "capacity_scale": 1.0},
        {"carbon_price": 0.0, "capacity_scale": 0.8},
        {"carbon_price": 0.0, "capacity_scale": 1.2},
    ]


def test_the_design_hash_follows_the_design_not_the_words(tmp_path: Path, dataset) -> None:
    body = "[grid]\ncarbon_price = [0, 50]\n"
    key = load_study(study_file(tmp_path, body), dataset).key()
    worded = load_study(study_file(tmp_path, 'description = "other words"\n' + body), dataset)
    assert worded.key() == key
    moved = load_study(study_file(tmp_path, "[grid]\ncarbon_price = [0, 60]\n"), dataset)
    assert moved.key() != key


# --- points ---------------------------------------------------------------------------------


def test_a_point_that_does_not_solve_is_recorded_with_its_reason_and_the_rest_solve(
    tmp_path: Path, dataset
) -> None:
    """The 2025 targets leave net CO2 near -163 Mt/yr: a cap of -1000 cannot be met."""
    study = load_study(study_file(tmp_path, "[grid]\nco2_cap_mt = [-1000, -160]\n"), dataset)
    rows = solve_all(study, [0, 1], dataset=dataset)
    assert rows[0]["status"] == "infeasible"
    assert "net CO2 at or below -1000 Mt/yr" in rows[0]["reason"]
    assert rows[1]["status"] == "optimal"
    assert rows[1]["net_co2_10kt"] <= -160 * 100 + 1e-6


def test_a_co2_cap_traces_a_front_where_cost_rises_as_co2_falls(tmp_path: Path, dataset) -> None:
    """Tightening the cap can only raise the least cost (a smaller feasible set)."""
    study = load_study(
        study_file(tmp_path, "co2_range = false\n[grid]\nco2_cap_mt = [-160, -175, -190]\n"),
        dataset,
    )
    rows = solve_all(study, range(3), dataset=dataset)
    from model.studies.report import study_table

    table = study_table(study, rows)
    assert table["objective_10k_cny"].is_monotonic_increasing
    assert table["net_co2_10kt"].is_monotonic_decreasing
    assert table["on_front"].all()


def test_two_local_processes_and_a_dask_cluster_give_the_points_solved_here(
    tmp_path: Path, dataset
) -> None:
    """Each point sets every parameter, so where (and after which point) it is solved does
    not change its cost or target prices."""
    from distributed import LocalCluster

    study = load_study(
        study_file(tmp_path, '[grid]\ncarbon_price = [0, 200]\n"target.yrb.bulk" = [0.57, 0.6]\n'),
        dataset,
    )
    here = solve_all(study, range(4), dataset=dataset)
    pooled = solve_all(study, range(4), workers=2)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    ) as cluster:
        dasked = solve_all(study, range(4), scheduler=cluster.scheduler_address)
    for other in (pooled, dasked):
        assert sorted(other) == [0, 1, 2, 3]
        for i in range(4):
            for column in ("objective_10k_cny", "shadow_yrb_bulk_cny_per_t"):
                assert other[i][column] == pytest.approx(here[i][column], rel=1e-7, abs=1e-6)


# --- the command: kept points, Ctrl-C, kill -9, resume --------------------------------------

GRID = "co2_range = false\n[grid]\ncarbon_price = [0, 200]\ntransport_cost_scale = [0.9, 1.1]\n"


def unique(table: pd.DataFrame) -> pd.DataFrame:
    """The columns every optimum shares (cost, target prices, least net CO2), in point order."""
    keep = ["point", "status", "objective_10k_cny", "net_co2_10kt"]
    keep += [c for c in table if c.startswith("shadow_")]
    return table[keep].sort_values("point").reset_index(drop=True)


def assert_same_table_as_a_whole_run(path: Path, out: Path, whole: Path) -> None:
    """``out``'s study.csv holds what an uninterrupted run of ``path`` (to ``whole``) gives."""
    fresh = invoke("study", path, "--workers", "1", "--out", whole)
    assert fresh.exit_code == 0, fresh.output
    resumed = pd.read_csv(out / "study.csv")
    uninterrupted = pd.read_csv(whole / "study.csv")
    assert len(resumed) == len(uninterrupted)
    assert list(resumed.columns) == list(uninterrupted.columns)
    pd.testing.assert_frame_equal(unique(resumed), unique(uninterrupted), rtol=1e-6)


def kill_9_once_a_point_is_kept(path: Path, out: Path, *options: str) -> dict[str, int]:
    """Run `wastealloc study` in its own process group; kill -9 it once a point is kept.

    Returns the kept part files' modification times (ns).
    """
    command = [sys.executable, "-m", "model.cli", "study", str(path), *options]
    process = subprocess.Popen(
        [*command, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and len(list(out.glob("points/*.json"))) < 1:
            assert process.poll() is None, "the study ended before it could be killed"
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return {p.name: p.stat().st_mtime_ns for p in out.glob("points/*.json")}


def test_kill_9_then_resume_recomputes_nothing_and_gives_the_uninterrupted_table(
    tmp_path: Path,
) -> None:
    path = study_file(tmp_path, GRID)
    out = tmp_path / "killed"
    kept = kill_9_once_a_point_is_kept(path, out, "--workers", "1")
    assert 1 <= len(kept) < 4
    assert not (out / "study.csv").exists()

    again = invoke("study", path, "--resume", "--workers", "1", "--out", out)
    assert again.exit_code == 0, again.output
    assert f"{len(kept)} done, {4 - len(kept)} to solve" in again.output
    for name, mtime in kept.items():  # nothing done was solved again
        assert (out / "points" / name).stat().st_mtime_ns == mtime
    assert_same_table_as_a_whole_run(path, out, tmp_path / "whole")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["complete"] is True and summary["points_done"] == 4
    assert {"response.png", "response-zh.png"} <= set(summary["files"])


def test_ctrl_c_keeps_the_finished_points_and_says_how_to_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from model.studies.engine import Worker

    real = Worker.point
    calls = {"n": 0}

    def third_is_interrupted(self: Worker, index: int) -> Outcome:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, index)

    monkeypatch.setattr(Worker, "point", third_is_interrupted)
    path = study_file(tmp_path, GRID)
    out = tmp_path / "s"
    result = invoke("study", path, "--workers", "1", "--out", out)
    assert result.exit_code == 130, result.output
    assert "interrupted: 2 of 4 points done" in " ".join(result.output.split())
    assert "--resume" in result.output
    assert len(list((out / "points").glob("*.json"))) == 2
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["complete"] is False and summary["points_done"] == 2
    # without --resume the unfinished points are not thrown away
    again = invoke("study", path, "--workers", "1", "--out", out)
    assert again.exit_code == 2
    assert "unfinished run" in again.output
    # a changed design is refused on resume
    changed = study_file(tmp_path, GRID.replace("200]", "300]"))
    assert "300]" in changed.read_text()
    refused = invoke("study", changed, "--resume", "--out", out)
    assert refused.exit_code == 2, refused.output
    assert "computed for another design" in " ".join(refused.output.split())
    assert len(list((out / "points").glob("*.json"))) == 2


# --- tables ---------------------------------------------------------------------------------


def test_swept_values_keep_their_own_precision() -> None:
    assert [plain_number(v) for v in (0.665, 0.67, 100.0, 1e-4, -165.0)] == [
        "0.665",
        "0.67",
        "100",
        "0.0001",
        "-165",
    ]
    # the inner points of a {from, to, points} range: as few digits as keep them apart
    inner = plain_numbers([0.55 + i * 0.1 / 9 for i in range(10)])
    assert inner[:3] == ["0.55", "0.5611", "0.5722"] and inner[-1] == "0.65"
    assert len(set(inner)) == 10
    assert plain_numbers([1 / 3, 0.3334, 0.665]) == ["0.3333", "0.3334", "0.665"]


def test_the_front_keeps_the_points_no_other_beats_on_cost_and_co2() -> None:
    table = pd.DataFrame(
        {
            "objective_10k_cny": [1.0, 2.0, 3.0, 2.5, np.nan],
            "net_co2_10kt": [5.0, 3.0, 1.0, 4.0, np.nan],
        }
    )
    # (2.5, 4) is beaten by (2, 3); the unsolved point is on no front
    assert front(table).tolist() == [True, True, True, False, False]


def test_the_terminal_shows_only_columns_that_vary(tmp_path: Path, dataset) -> None:
    study = load_study(study_file(tmp_path, "[grid]\ncarbon_price = [0, 100]\n"), dataset)
    table = pd.DataFrame(
        {
            "point": [0, 1],
            "carbon_price": [0.0, 100.0],
            "status": ["optimal", "optimal"],
            "objective_10k_cny": [10.0, 12.0],
            "shadow_yrb_bulk_cny_per_t": [30.0, 31.0],
            "shadow_jjj_bulk_cny_per_t": [0.0, 0.0],
        }
    )
    assert shown_columns(study, table) == [
        "carbon_price",
        "objective_10k_cny",
        "shadow_yrb_bulk_cny_per_t",
    ]


def test_sobol_warnings_name_wide_intervals_and_s1_above_st() -> None:
    indices = pd.DataFrame(
        {
            "output": ["y", "y"],
            "factor": ["a", "b"],
            "S1": [0.5, 0.3],
            "S1_conf": [0.02, 0.02],
            "ST": [0.52, 0.1],
            "ST_conf": [0.03, 0.02],
        }
    )
    lines = sobol_warnings(indices, ["y"])
    assert len(lines) == 1 and "b has S1 0.30 above ST 0.10" in lines[0]
    indices["ST_conf"] = [0.15, 0.02]
    assert any("±0.15" in line for line in sobol_warnings(indices, ["y"]))


def test_a_grid_of_three_parameters_draws_curves_at_one_value_of_the_third(tmp_path: Path) -> None:
    """The response figure of a 3-parameter grid joins only points that differ in the
    first parameter: the third is held at one value (the scenario's own where the grid
    has it, else its first), and the second's line styles spread over its range."""
    from model.studies.charts import _held, spread

    path = tmp_path / "study-three.toml"
    path.write_text(
        f'scenario = "{TARGET.as_posix()}"\n[grid]\n"target.bulk" = [0.55, 0.6]\n'
        "transport_cost_scale = [0.8, 0.9, 1.0, 1.1, 1.2, 1.3]\ncarbon_price = [50, 100]\n",
        encoding="utf-8",
    )
    study = load_study(path)
    assert len(study.points) == 2 * 6 * 2
    table = pd.DataFrame(study.points)
    rows, fixed = _held(study, table)
    assert fixed == {"carbon_price": 50.0}  # the scenario's own (0) is not in the grid
    assert len(rows) == 12 and set(rows["carbon_price"]) == {50.0}
    for _, part in rows.groupby("transport_cost_scale"):
        assert sorted(part["target.bulk"]) == [0.55, 0.6]  # one curve: x varies, nothing else
    assert spread(6, 4) == [0, 2, 3, 5]  # four of the six freight values, both ends kept
    assert spread(3, 4) == [0, 1, 2]


def test_a_smaller_sobol_design_is_the_first_points_of_the_shipped_larger_one(dataset) -> None:
    """bench/sobol_convergence.py reads runs/study-sobol-convergence.toml (1,024 samples)
    at its first N samples as the design of `samples = N`: SALib's scrambled Sobol'
    sequence must give the same first rows whatever the number of samples asked for."""
    from model.studies.factors import design, factors

    study = load_study(RUNS / "study-sobol-convergence.toml", dataset)
    spec = study.sensitivity
    assert spec is not None and spec.method == "sobol" and spec.samples == 1024
    k = len(study.factor_names)
    assert len(study.points) == 1024 * (k + 2)
    by_name = {f.name: f for f in factors(dataset, study.scenario, spec.detail)}
    active = [by_name[n] for n in study.factor_names]
    levels = np.array([[p[n] for n in study.factor_names] for p in study.points])
    for n in (64, 256):
        small = design(active, "sobol", samples=n, seed=spec.seed)
        assert np.array_equal(small, levels[: n * (k + 2)])
