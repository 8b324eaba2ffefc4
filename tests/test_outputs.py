"""Result folders: reproducible bytes, all-or-nothing writes, and nothing of the user's lost.

Each command that writes a folder (solve, sweep, sensitivity, compare, data
import, map) is pointed at places it must not destroy: a folder of the user's
own files, a file, another command's results, the project itself. Faults (disk
full, a read-only folder, kill -9 in the middle of a write, Ctrl-C) must leave
the previous results as they were.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from model.cli import app
from model.files import MARKER, OutputError, atomic_directory, recover
from model.outputs import folders as outputs
from model.outputs.folders import RESULT_TABLES, read_run, write_run
from model.run import solve_file
from tests.conftest import DATA, REPO, RUNS

BASELINE = RUNS / "baseline.toml"
runner = CliRunner()


def invoke(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def flat(text: str) -> str:
    return " ".join(text.split())


def user_folder(path: Path) -> dict[str, str]:
    """A folder of the user's own files; returns its contents to compare against later."""
    path.mkdir(parents=True, exist_ok=True)
    files = {"notes.txt": "my notes", "my-scenario.toml": 'name = "mine"\n'}
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    return files


def contents(path: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in path.iterdir() if p.is_file()}


def test_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    first = solve_file(RUNS / "target-2025.toml", tmp_path / "a", draw_maps=False).out_dir
    second = solve_file(RUNS / "target-2025.toml", tmp_path / "b", draw_maps=False).out_dir
    assert first is not None and second is not None
    for name in RESULT_TABLES:
        a = (first / f"{name}.csv").read_bytes()
        assert a == (second / f"{name}.csv").read_bytes(), name
    tables, summary = read_run(first)
    assert set(tables) == set(RESULT_TABLES)
    assert summary["status"] == "optimal"


def test_atomic_directory_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with atomic_directory(target, "solve") as written:
        (written.staging / "x.txt").write_text("first", encoding="utf-8")
    assert (target / "x.txt").read_text(encoding="utf-8") == "first"
    assert json.loads((target / MARKER).read_text(encoding="utf-8"))["kind"] == "solve"
    with pytest.raises(RuntimeError), atomic_directory(target, "solve") as written:
        (written.staging / "x.txt").write_text("second", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert (target / "x.txt").read_text(encoding="utf-8") == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_written_files_have_ordinary_modes(tmp_path: Path) -> None:
    """tempfile makes 0600/0700; results must follow the umask like any file the user makes."""
    old = os.umask(0o022)
    try:
        written = write_run(tmp_path / "out", {"t": pd.DataFrame({"a": [1]})}, {"x": 1})
    finally:
        os.umask(old)
    assert written.target.stat().st_mode & 0o777 == 0o755
    assert (written.target / "t.csv").stat().st_mode & 0o777 == 0o644


# --- scenario names and --out that must be refused before anything is written ---------


@pytest.mark.parametrize("name", ["..", ".", "", "/tmp/elsewhere", "a/../../b"])
def test_a_scenario_name_cannot_leave_its_folder(tmp_path: Path, name: str) -> None:
    project = tmp_path / "project"
    runs = project / "runs"
    runs.mkdir(parents=True)
    keep = user_folder(project)
    path = runs / "evil.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\nname = {json.dumps(name)}\n', "utf-8")
    result = invoke("solve", path, "--no-maps")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert contents(project) == keep
    assert sorted(p.name for p in runs.iterdir()) == ["evil.toml"]


def test_solve_refuses_a_folder_of_the_users_files(tmp_path: Path) -> None:
    keep = user_folder(tmp_path / "mine")
    result = invoke("solve", BASELINE, "--out", tmp_path / "mine", "--no-maps")
    assert result.exit_code == 2, result.output
    assert "refusing to replace" in flat(result.stderr)
    assert "notes.txt" in flat(result.stderr)
    assert contents(tmp_path / "mine") == keep


def test_solve_refuses_a_file(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("my report", encoding="utf-8")
    result = invoke("solve", BASELINE, "--out", report, "--no-maps")
    assert result.exit_code == 2, result.output
    assert "is a file" in flat(result.stderr)
    assert report.read_text(encoding="utf-8") == "my report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_solve_refuses_the_runs_folder_and_the_project(tmp_path: Path) -> None:
    for folder in (RUNS, REPO, DATA):
        before = sorted(p.name for p in folder.iterdir())
        result = invoke("solve", BASELINE, "--out", folder, "--no-maps")
        assert result.exit_code == 2, result.output
        assert sorted(p.name for p in folder.iterdir()) == before


def test_an_empty_folder_is_used(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke("solve", BASELINE, "--out", tmp_path / "empty", "--no-maps")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "empty" / "summary.json").is_file()


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("solved") / "baseline"
    result = invoke("solve", BASELINE, "--out", out, "--no-maps")
    assert result.exit_code == 0, result.output
    return out


def test_compare_refuses_to_overwrite_a_run(solved: Path, tmp_path: Path) -> None:
    run = tmp_path / "a"
    shutil.copytree(solved, run)
    before = contents(run)
    result = invoke("compare", run, solved, "--out", run)
    assert result.exit_code == 2, result.output
    assert "wastealloc solve" in flat(result.stderr)
    assert contents(run) == before


def test_sweep_and_sensitivity_refuse_user_folders(tmp_path: Path) -> None:
    keep = user_folder(tmp_path / "mine")
    sweep = invoke(
        "sweep", BASELINE, "--param", "carbon_price", "--values", "0", "--out", tmp_path / "mine"
    )
    assert sweep.exit_code == 2, sweep.output
    sens = invoke("sensitivity", BASELINE, "--trajectories", "2", "--out", tmp_path / "mine")
    assert sens.exit_code == 2, sens.output
    assert contents(tmp_path / "mine") == keep


def test_data_import_refuses_the_shipped_data(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("地区,产生量\n天津,1900\n", encoding="utf-8")
    before = {p.name: p.stat().st_mtime_ns for p in DATA.iterdir()}
    result = invoke("data", "import", table, "--year", "2021", "--out", DATA)
    assert result.exit_code == 2, result.output
    assert "refusing to replace" in flat(result.stderr)
    assert {p.name: p.stat().st_mtime_ns for p in DATA.iterdir()} == before


def test_map_out_refuses_a_user_folder_and_draws_into_a_new_one(
    solved: Path, tmp_path: Path
) -> None:
    keep = user_folder(tmp_path / "mine")
    result = invoke(
        "map", solved, "--layer", "utilization", "--dpi", "50", "--out", tmp_path / "mine"
    )
    assert result.exit_code == 2, result.output
    assert contents(tmp_path / "mine") == keep
    fresh = tmp_path / "figures"
    result = invoke("map", solved, "--layer", "utilization", "--dpi", "50", "--out", fresh)
    assert result.exit_code == 0, result.output
    assert any(p.suffix == ".png" for p in fresh.iterdir())
    # a folder wastealloc made may be drawn into again
    again = invoke("map", solved, "--layer", "net_co2", "--dpi", "50", "--out", fresh)
    assert again.exit_code == 0, again.output


def test_resolving_sets_aside_what_other_commands_added(solved: Path, tmp_path: Path) -> None:
    run = tmp_path / "baseline"
    shutil.copytree(solved, run)
    (run / "map_utilization_bulk_zh.png").write_bytes(b"drawn by wastealloc map")
    (run / "notes.txt").write_text("my notes", encoding="utf-8")
    result = invoke("solve", BASELINE, "--out", run, "--no-maps")
    assert result.exit_code == 0, result.output
    assert "moved to" in flat(result.stdout)
    aside = [p for p in (run / "superseded").iterdir()]
    assert len(aside) == 1
    assert (aside[0] / "notes.txt").read_text(encoding="utf-8") == "my notes"
    assert (aside[0] / "map_utilization_bulk_zh.png").is_file()
    assert not (run / "notes.txt").exists()
    # a second re-solve keeps the earlier set-aside files too
    assert invoke("solve", BASELINE, "--out", run, "--no-maps").exit_code == 0
    assert (run / "superseded" / aside[0].name / "notes.txt").is_file()


def test_a_folder_from_before_markers_is_recognised(solved: Path, tmp_path: Path) -> None:
    legacy = tmp_path / "legacy"
    shutil.copytree(solved, legacy)
    (legacy / MARKER).unlink()
    result = invoke("solve", BASELINE, "--out", legacy, "--no-maps")
    assert result.exit_code == 0, result.output
    assert (legacy / MARKER).is_file()


# --- faults -----------------------------------------------------------------------------


def test_disk_full_keeps_the_previous_results(
    solved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "baseline"
    shutil.copytree(solved, run)
    before = contents(run)

    def full(frame: pd.DataFrame, path: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(outputs, "write_table", full)
    result = invoke("solve", BASELINE, "--out", run, "--no-maps")
    assert result.exit_code == 2, result.output
    message = flat(result.stderr)
    assert "disk is full" in message and "untouched" in message
    assert "Traceback" not in result.output
    assert contents(run) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline"]


def test_a_read_only_folder_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root in CI, where chmod does not stop writes: the refusal is simulated."""

    def read_only(*args: object, **kwargs: object) -> str:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    result = invoke("solve", BASELINE, "--out", tmp_path / "out", "--no-maps")
    assert result.exit_code == 2, result.output
    assert "not writable" in flat(result.stderr)
    assert "nothing was written" in flat(result.stderr)


KILLED_WRITER = """
import sys, time
from pathlib import Path
import pandas as pd
from model.outputs.folders import write_run

def figures(folder):
    (folder / "half.png").write_bytes(b"half")
    Path(sys.argv[2]).write_text("ready")
    time.sleep(60)
    return []

write_run(Path(sys.argv[1]), {"t": pd.DataFrame({"a": [2]})}, {"n": 2}, figures)
"""


def test_kill_9_in_the_middle_of_a_write_keeps_the_previous_results(tmp_path: Path) -> None:
    target = tmp_path / "out"
    write_run(target, {"t": pd.DataFrame({"a": [1]})}, {"n": 1})
    before = contents(target)
    ready = tmp_path / "ready"
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target), str(ready)])
    try:
        for _ in range(600):
            if ready.exists():
                break
            if child.poll() is not None:
                pytest.fail("the writer ended before it was killed")
            import time

            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert contents(target) == before
    stale = [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name]
    assert len(stale) == 1  # left by the kill ...
    write_run(target, {"t": pd.DataFrame({"a": [3]})}, {"n": 3})
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []  # ... cleaned here
    assert pd.read_csv(target / "t.csv")["a"].tolist() == [3]


def test_a_kill_between_the_two_renames_is_undone(tmp_path: Path) -> None:
    """Killed after the old folder moved aside and before the new one moved in."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = tmp_path / "out"
    aside = tmp_path / f".out.old-{dead.pid}-abcdefgh"
    aside.mkdir()
    (aside / "summary.json").write_text("{}", encoding="utf-8")
    recover(target)
    assert (target / "summary.json").is_file()
    assert not aside.exists()


# --- interrupts ---------------------------------------------------------------------------


def test_ctrl_c_during_a_solve_writes_nothing(
    solved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from model import run as run_module

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    run = tmp_path / "baseline"
    shutil.copytree(solved, run)
    before = contents(run)
    monkeypatch.setattr(run_module, "solve_scenario", interrupt)
    result = invoke("solve", BASELINE, "--out", run)
    assert result.exit_code == 130, result.output
    assert "interrupted" in flat(result.stderr)
    assert contents(run) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline"]


def test_ctrl_c_during_a_sweep_keeps_the_finished_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from model.core.solve import Solver

    real = Solver.solve
    calls = {"n": 0}

    def third_is_interrupted(self: Solver) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self)

    monkeypatch.setattr(Solver, "solve", third_is_interrupted)
    out = tmp_path / "sweep"
    values = "0,100,200,300"
    result = invoke("sweep", BASELINE, "--param", "carbon_price", "--values", values, "--out", out)
    assert result.exit_code == 130, result.output
    assert "2 of 4 points" in flat(result.stderr)
    table = pd.read_csv(out / "sweep.csv")
    assert table["value"].tolist() == [0.0, 100.0]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["complete"] is False and summary["points_done"] == 2


def test_ctrl_c_inside_pyomo_prints_no_pyomo_error_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pyomo logs "ERROR: Constructing component ... failed: KeyboardInterrupt" (and
    "evaluating object as numeric value") when Ctrl-C lands inside it; a command says
    "interrupted" once instead. Real errors are still logged."""
    import io
    import logging

    import pyomo.environ as pyo

    assert invoke("validate", DATA).exit_code == 0  # every command installs the filter
    handler = logging.getLogger("pyomo").handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    # Pyomo's handler stays silent while the root logger has handlers (pytest's); the
    # command line has none.
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    seen = io.StringIO()
    previous = handler.setStream(seen)

    def interrupted(model: pyo.ConcreteModel) -> float:
        raise KeyboardInterrupt

    def broken(model: pyo.ConcreteModel) -> float:
        raise ValueError("a real construction error")

    try:
        model = pyo.ConcreteModel()
        with pytest.raises(KeyboardInterrupt):
            model.p = pyo.Param(initialize=interrupted)
        with pytest.raises(ValueError):
            model.q = pyo.Param(initialize=broken)
    finally:
        handler.setStream(previous)
    assert "KeyboardInterrupt" not in seen.getvalue()
    assert "a real construction error" in seen.getvalue()


def test_an_output_error_is_a_wasteallocerror() -> None:
    from model.errors import WasteallocError

    assert issubclass(OutputError, WasteallocError)


def test_sigterm_stops_like_ctrl_c(
    solved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kill` (or a batch system's time limit) cleans up and keeps the old results."""
    import time

    from model import run as run_module

    def terminated(*args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this
        pytest.fail("SIGTERM did not stop the command")

    run = tmp_path / "baseline"
    shutil.copytree(solved, run)
    before = contents(run)
    monkeypatch.setattr(run_module, "solve_scenario", terminated)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        result = invoke("solve", BASELINE, "--out", run)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert result.exit_code == 130, result.output
    assert "interrupted" in flat(result.stderr)
    assert contents(run) == before


def test_solve_refuses_another_scenarios_results(solved: Path, tmp_path: Path) -> None:
    """`solve runs/a.toml --out runs/b` must not replace scenario b's results."""
    other = tmp_path / "baseline-expansion"
    shutil.copytree(solved, other)
    summary = json.loads((other / "summary.json").read_text(encoding="utf-8"))
    summary["scenario"] = "baseline-expansion"
    (other / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    before = contents(other)
    result = invoke("solve", BASELINE, "--out", other, "--no-maps")
    assert result.exit_code == 2, result.output
    assert "scenario 'baseline-expansion'" in flat(result.stderr)
    assert contents(other) == before
    # its own folder is replaced as before
    assert invoke("solve", BASELINE, "--out", solved, "--no-maps").exit_code == 0
