"""The command line, end to end through typer's CliRunner: exit codes, messages, files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from model.cli import app
from model.files import MARKER
from model.outputs.folders import write_run
from tests.conftest import DATA, RUNS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BASELINE = RUNS / "baseline.toml"

runner = CliRunner()


def invoke(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def one_line(text: str) -> str:
    """Output with rich's line wrapping undone, for substring checks."""
    return " ".join(text.split())


def scenario(tmp_path: Path, name: str, body: str) -> Path:
    """A scenario file in tmp_path that extends the shipped baseline by absolute path."""
    path = tmp_path / f"{name}.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n{body}', encoding="utf-8")
    return path


INFEASIBLE = "[targets]\nrates = { bulk = 0.75 }\n[capacity]\nexpansion = false\n"
"""Passes the pre-solve capacity bound but not the LP: shared capacity and floors bind."""
UNREACHABLE = "[targets]\nrates = { bulk = 1.0 }\n[capacity]\nexpansion = false\nscale = 0.5\n"
"""Beyond all capacity in reach of the region (half the shipped capacity): caught before solving."""


@pytest.fixture(scope="module")
def baseline_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    """``wastealloc solve runs/baseline.toml --out <tmp>/baseline``, run once."""
    out = tmp_path_factory.mktemp("solve") / "baseline"
    return invoke("solve", BASELINE, "--out", out), out


def test_validate_shipped_data() -> None:
    result = invoke("validate", DATA)
    assert result.exit_code == 0, result.output
    assert "ok" in result.stdout
    assert result.stderr == ""


def test_validate_broken_copy_names_the_cell(tmp_path: Path) -> None:
    data = tmp_path / "regions"
    shutil.copytree(DATA, data)
    frame = pd.read_csv(data / "generation.csv", dtype=str, keep_default_na=False)
    index = int((frame["generation_10kt"].astype(float) > 0).to_numpy().argmax())
    frame.loc[index, "generation_10kt"] = "-7.5"
    frame.to_csv(data / "generation.csv", index=False, lineterminator="\n")
    result = invoke("validate", data)
    assert result.exit_code == 2, result.output
    text = result.stderr
    row = index + 2  # the header is row 1
    assert f"generation.csv row {row}, column generation_10kt: value '-7.5'" in text
    assert "≥ 0" in text
    assert "ok" not in result.stdout


def test_solve_baseline_writes_every_file(baseline_dir: tuple[Result, Path]) -> None:
    result, out = baseline_dir
    assert result.exit_code == 0, result.output
    assert "baseline: optimal" in result.stdout
    for name in (
        "hauls.csv",
        "processing.csv",
        "unutilized.csv",
        "utilization.csv",
        "shadow_prices.csv",
        "costs.csv",
        "summary.json",
        "map_utilization.png",
    ):
        assert (out / name).is_file(), name
    assert (out / "map_utilization.png").read_bytes()[:8] == PNG_MAGIC
    hauls = pd.read_csv(out / "hauls.csv")
    assert {"stream", "origin", "destination", "mode", "amount_10kt"} <= set(hauls.columns)
    assert len(hauls) > 0
    assert (hauls["amount_10kt"] > 0).all()
    assert not any(p.name.startswith(".") for p in out.parent.iterdir())


def test_summary_records_status_and_input_hashes(baseline_dir: tuple[Result, Path]) -> None:
    _, out = baseline_dir
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal"
    assert summary["scenario"] == "baseline"
    data_hashes = summary["inputs"]["data_sha256"]
    generation = hashlib.sha256((DATA / "generation.csv").read_bytes()).hexdigest()
    assert data_hashes["generation.csv"] == generation
    assert "capacity.csv" in data_hashes
    scenario_hashes = summary["inputs"]["scenario_sha256"]
    # paths are relative to the results folder, so summary.json names no home directory
    relative = os.path.relpath(BASELINE.resolve(), out.resolve())
    assert scenario_hashes == {
        Path(relative).as_posix(): hashlib.sha256(BASELINE.read_bytes()).hexdigest()
    }
    # the listed files are the ones written
    assert set(summary["files"]) == {p.name for p in out.iterdir()} - {"summary.json", MARKER}
    costs = pd.read_csv(out / "costs.csv").set_index("component")["cost_10k_cny"]
    assert costs["total"] == pytest.approx(summary["objective_10k_cny"], rel=1e-6)


def test_unknown_scenario_key_is_named(tmp_path: Path) -> None:
    path = scenario(tmp_path, "typo", "[transport]\nmax_haul = 5\n")
    out = tmp_path / "typo-out"
    result = invoke("solve", path, "--out", out)
    assert result.exit_code != 0
    message = one_line(result.stderr)
    assert "transport.max_haul" in message
    assert "unknown key" in message
    assert not out.exists()


def test_infeasible_scenario_explains_itself(tmp_path: Path) -> None:
    path = scenario(tmp_path, "beyond-capacity", INFEASIBLE)
    result = invoke("solve", path, "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    message = one_line(result.stderr)
    assert "'beyond-capacity'" in message
    # the solver status in words, not HiGHS's enum name ('provenInfeasible')
    assert "'beyond-capacity': infeasible: no allocation meets every target" in message
    assert "provenInfeasible" not in message
    assert "target yrb/bulk: needs 75.0%" in message
    # the advice names scenario keys with their tables, as written in a scenario file
    assert "[capacity] expansion = true" in message
    assert '[targets] mode = "elastic"' in message
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_unreachable_target_is_caught_before_solving(tmp_path: Path) -> None:
    path = scenario(tmp_path, "everything-used", UNREACHABLE)
    result = invoke("solve", path, "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output  # a scenario problem, as in `validate`
    message = one_line(result.stderr)
    assert "'everything-used'" in message
    assert "before solving" in message
    assert "target yrb/bulk" in message
    assert "100.0%" in message
    assert "elastic" in message


def test_validate_checks_own_distances(tmp_path: Path) -> None:
    """The optional distances.csv is checked by validate as solve checks it, and a pair
    given one way only is noted."""
    data = tmp_path / "regions"
    shutil.copytree(DATA, data)
    header = "origin,dest,mode,km,source_id,note\n"
    source = pd.read_csv(DATA / "sources.csv")["source_id"].iloc[0]
    (data / "distances.csv").write_text(
        header
        + f"beijing,atlantis,road,130,{source},\nbeijing,tianjin,road,-5,{source},\n"
        + f"hebei,tianjin,rail,0,{source},\nhebei,hebei,road,0,{source},\n",
        encoding="utf-8",
    )
    result = invoke("validate", data)
    assert result.exit_code == 2, result.output
    text = one_line(result.stderr)
    assert "distances.csv row 2, column dest: value 'atlantis'" in text
    assert "distances.csv row 3, column km: value '-5'" in text
    assert "distances.csv row 4, column km: value '0'" in text
    assert "above 0 between hebei and tianjin" in text
    assert "row 5" not in text  # 0 km from a node to itself is allowed
    (data / "distances.csv").write_text(
        header + f"beijing,tianjin,road,130,{source},\n", encoding="utf-8"
    )
    result = invoke("validate", data)
    assert result.exit_code == 0, result.output
    assert "beijing->tianjin is given one way only" in one_line(result.stdout)


def test_validate_with_scenario_reports_unreachable_targets(tmp_path: Path) -> None:
    path = scenario(tmp_path, "everything-used", UNREACHABLE)
    result = invoke("validate", DATA, "--scenario", path)
    assert result.exit_code == 2, result.output
    assert "target yrb/bulk" in one_line(result.stderr)
    assert invoke("validate", DATA, "--scenario", BASELINE).exit_code == 0


def test_validate_keeps_bracketed_text(tmp_path: Path) -> None:
    """A range problem names its bounds' columns in brackets; rich must not eat them."""
    data = tmp_path / "regions"
    shutil.copytree(DATA, data)
    frame = pd.read_csv(data / "modes.csv", dtype=str, keep_default_na=False)
    frame.loc[frame["mode"] == "road", "cost_cny_per_tkm"] = "9.99"
    frame.to_csv(data / "modes.csv", index=False, lineterminator="\n")
    result = invoke("validate", data)
    assert result.exit_code == 2
    assert "[cost_low_cny_per_tkm, cost_high_cny_per_tkm]" in result.stderr


def test_failed_solve_leaves_previous_results_untouched(tmp_path: Path) -> None:
    out = tmp_path / "results"
    write_run(out, {"previous": pd.DataFrame({"run": [1]})}, {"scenario": "beyond-capacity"})
    before = sorted(p.name for p in out.iterdir())
    path = scenario(tmp_path, "beyond-capacity", INFEASIBLE)
    result = invoke("solve", path, "--out", out)
    assert result.exit_code != 0
    assert sorted(p.name for p in out.iterdir()) == before
    assert pd.read_csv(out / "previous.csv")["run"].tolist() == [1]
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


def test_failure_while_writing_leaves_previous_results_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash after solving, half-way through writing the tables, replaces nothing."""
    from model.outputs import folders

    real = folders.write_table
    written: list[str] = []

    def crash_on_the_third(frame: pd.DataFrame, path: Path) -> None:
        written.append(path.name)
        if len(written) == 3:
            raise RuntimeError("crash")
        real(frame, path)

    out = tmp_path / "results"
    write_run(out, {"previous": pd.DataFrame({"run": [1]})}, {"scenario": "baseline"})
    before = sorted(p.name for p in out.iterdir())
    monkeypatch.setattr(folders, "write_table", crash_on_the_third)
    result = invoke("solve", BASELINE, "--out", out, "--no-maps")
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    assert len(written) == 3
    assert sorted(p.name for p in out.iterdir()) == before
    assert pd.read_csv(out / "previous.csv")["run"].tolist() == [1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_map_redraws_from_saved_results_without_solving(
    baseline_dir: tuple[Result, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from model import run
    from model.core import solve

    def no_solving(*args: object, **kwargs: object) -> None:
        raise AssertionError("map must not solve")

    monkeypatch.setattr(solve.Solver, "solve", no_solving)
    monkeypatch.setattr(run, "solve_scenario", no_solving)
    saved = tmp_path / "saved"
    shutil.copytree(baseline_dir[1], saved)
    result = invoke("map", saved, "--group", "smelting_slag", "--dpi", "60")
    assert result.exit_code == 0, result.output
    drawn = saved / "map_utilization_smelting_slag.png"
    assert drawn.read_bytes()[:8] == PNG_MAGIC
    assert str(drawn) in "".join(result.stdout.split())


def test_map_of_a_folder_without_results_fails_cleanly(tmp_path: Path) -> None:
    result = invoke("map", tmp_path)
    assert result.exit_code == 2
    assert "summary.json" in one_line(result.stderr)
