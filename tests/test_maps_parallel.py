"""Figures drawn side by side (model.outputs.maps.parallel): the same results, in the
order of the jobs, as one after another; a failure, or a worker that dies, named."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from model.outputs.maps import parallel

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="figures are drawn side by side on Linux"
)


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers whatever the machine has (one core would draw in this process)."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.delenv("WASTEALLOC_MAP_WORKERS", raising=False)


def writes(name: str) -> parallel.Drawer:
    def draw(folder: Path) -> list[Path]:
        path = folder / f"{name}.txt"
        path.write_text(str(os.getpid()), encoding="utf-8")
        return [path]

    return draw


def fails(folder: Path) -> list[Path]:
    (folder / "half.txt").write_text("written before the failure", encoding="utf-8")
    raise ValueError("no data for this layer")


def dies(folder: Path) -> list[Path]:
    os._exit(3)


def test_jobs_are_drawn_by_other_processes_and_come_back_in_their_order(tmp_path: Path) -> None:
    jobs = [(f"figure {i}", writes(f"f{i}")) for i in range(5)]
    results = parallel.draw_all(tmp_path, jobs)
    assert [files for files, _ in results] == [[tmp_path / f"f{i}.txt"] for i in range(5)]
    assert all(failure is None for _, failure in results)
    pids = {(tmp_path / f"f{i}.txt").read_text(encoding="utf-8") for i in range(5)}
    assert str(os.getpid()) not in pids


def test_one_after_another_in_this_process_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WASTEALLOC_MAP_WORKERS", "1")
    parallel.draw_all(tmp_path, [("a", writes("a")), ("b", writes("b"))])
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == str(os.getpid())


def test_a_failure_is_named_with_its_reason_and_the_others_are_drawn(tmp_path: Path) -> None:
    results = parallel.draw_all(tmp_path, [("good", writes("good")), ("bad", fails)])
    assert results[0] == ([tmp_path / "good.txt"], None)
    files, failure = results[1]
    assert failure is not None and failure.figure == "bad"
    assert "no data for this layer" in failure.reason
    assert tmp_path / "half.txt" in files  # whole files it wrote before failing are listed


def test_a_worker_that_dies_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    results = parallel.draw_all(tmp_path, [("dies", dies), ("after", writes("after"))])
    assert len(results) == 2
    _, failure = results[0]
    assert failure is not None and failure.figure == "dies"
    assert "stopped" in failure.reason
