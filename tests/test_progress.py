"""The stages a long command shows while it runs (model.progress)."""

from __future__ import annotations

from pathlib import Path

from model import progress
from model.run import solve_file
from tests.conftest import RUNS


def test_a_solve_says_each_stage_in_order(tmp_path: Path) -> None:
    seen: list[str] = []
    with progress.listening(seen.append):
        solve_file(RUNS / "baseline.toml", tmp_path / "baseline", draw_maps=False)
    assert seen[0] == "reading the data"
    order = ["reading the data", "preparing the inputs", "building the model"]
    assert seen[:3] == order
    assert seen[3].startswith("solving (HiGHS")
    assert seen[-1] == "writing the results"
    assert seen.index("collecting the results") < seen.index("writing the results")


def test_stages_go_nowhere_without_a_listener_and_listeners_nest() -> None:
    progress.stage("nobody listens")  # no display, no error
    outer: list[str] = []
    inner: list[str] = []
    with progress.listening(outer.append):
        progress.stage("a")
        with progress.listening(inner.append):
            progress.stage("b")
        progress.stage("c")
    progress.stage("d")
    assert (outer, inner) == (["a", "c"], ["b"])
