"""Result folders: reproducible bytes and all-or-nothing writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.outputs import RESULT_TABLES, atomic_directory, read_run
from model.run import solve_file
from tests.conftest import RUNS


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
    with atomic_directory(target) as staging:
        (staging / "x.txt").write_text("first", encoding="utf-8")
    assert (target / "x.txt").read_text(encoding="utf-8") == "first"
    with pytest.raises(RuntimeError), atomic_directory(target) as staging:
        (staging / "x.txt").write_text("second", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert (target / "x.txt").read_text(encoding="utf-8") == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
