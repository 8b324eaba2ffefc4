"""Studies on many workers: on a Dask cluster (loopback LocalCluster), kill -9 of the client
and resume, a Dask worker that dies while solving a point; a local worker process that dies."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from model.studies.design import load_study
from model.studies.engine import Outcome, execute
from tests.test_studies import (
    assert_same_table_as_a_whole_run,
    invoke,
    kill_9_once_a_point_is_kept,
    study_file,
)

distributed = pytest.importorskip("distributed")

# 20 points: enough that the client is killed with some, not all, done
GRID = (
    "co2_range = false\n[grid]\ncarbon_price = [0, 50, 100, 150, 200]\n"
    "transport_cost_scale = [0.8, 0.9, 1.1, 1.2]\n"
)
POINTS = 20


def local_cluster(**config: object):
    """Two worker processes, one thread each, on loopback (web server on a free port)."""
    import dask

    with dask.config.set(config):
        return distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
        )


def test_kill_9_of_the_client_then_resume_on_dask_recomputes_nothing(tmp_path: Path) -> None:
    path = study_file(tmp_path, GRID)
    out = tmp_path / "killed"
    with local_cluster() as cluster:
        address = cluster.scheduler_address
        kept = kill_9_once_a_point_is_kept(path, out, "--scheduler", address)
        assert 1 <= len(kept) < POINTS
        assert not (out / "study.csv").exists()

        again = invoke("study", path, "--resume", "--scheduler", address, "--out", out)
        assert again.exit_code == 0, again.output
        words = " ".join(again.output.split())
        assert f"{len(kept)} done, {POINTS - len(kept)} to solve on the Dask cluster" in words
        for name, mtime in kept.items():  # nothing done was solved again
            assert (out / "points" / name).stat().st_mtime_ns == mtime
    assert_same_table_as_a_whole_run(path, out, tmp_path / "whole")
    resumed = pd.read_csv(out / "study.csv")
    assert len(resumed) == POINTS and (resumed["status"] == "optimal").all()


def _kill_a_worker_mid_point(cluster, study, rows: dict[int, dict]) -> None:
    """Run the study on the cluster in a thread; SIGKILL a worker while it holds a point."""
    scheduler = cluster.scheduler
    errors: list[BaseException] = []

    def keep(outcome: Outcome) -> None:
        rows[outcome.index] = outcome.record

    def run() -> None:
        try:
            execute(study, range(len(study.points)), keep, scheduler=cluster.scheduler_address)
        except BaseException as exc:  # the test reports it below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 120
    victim = None
    while victim is None and time.monotonic() < deadline:
        busy = [ws for ws in list(scheduler.workers.values()) if ws.processing]
        victim = busy[0] if busy else None
        time.sleep(0.01)
    assert victim is not None, "no worker took a point"
    os.kill(victim.pid, signal.SIGKILL)
    thread.join(300)
    assert not thread.is_alive(), "the study did not end after a worker died"
    assert not errors, errors


def test_a_dask_worker_that_dies_mid_point_has_the_point_solved_elsewhere(
    tmp_path: Path,
) -> None:
    """By default the scheduler gives a point whose worker died to another worker."""
    study = load_study(study_file(tmp_path, GRID))
    rows: dict[int, dict] = {}
    with local_cluster() as cluster:
        _kill_a_worker_mid_point(cluster, study, rows)
    assert sorted(rows) == list(range(POINTS))
    assert {r["status"] for r in rows.values()} == {"optimal"}


def test_a_point_whose_workers_all_die_is_recorded_as_failed_and_the_study_goes_on(
    tmp_path: Path,
) -> None:
    """With no retry allowed, the point the dead worker held is a failed row saying why;
    every other point is solved."""
    study = load_study(study_file(tmp_path, GRID))
    rows: dict[int, dict] = {}
    with local_cluster(**{"distributed.scheduler.allowed-failures": 0}) as cluster:
        _kill_a_worker_mid_point(cluster, study, rows)
    assert sorted(rows) == list(range(POINTS)), sorted(rows)
    failed = [r for r in rows.values() if r["status"] != "optimal"]
    # the points the dead worker held (one, or a few queued on it); every other is solved
    assert 1 <= len(failed) < POINTS // 2, [(r["point"], r["reason"]) for r in failed]
    for row in failed:
        assert row["status"] == "error"
        assert "Dask worker that ran this point died" in row["reason"]
        assert "carbon_price" in row and "transport_cost_scale" in row


# --- the local process pool: a worker process that dies ----------------------------------


def _kill_a_pool_worker(study, rows: dict[int, dict]) -> None:
    """Run the study on 2 local processes in a thread; SIGKILL one once points come back."""
    import multiprocessing

    errors: list[BaseException] = []

    def keep(outcome: Outcome) -> None:
        rows[outcome.index] = outcome.record

    def run() -> None:
        try:
            execute(study, range(len(study.points)), keep, workers=2)
        except BaseException as exc:  # the test reports it below
            errors.append(exc)

    before = {p.pid for p in multiprocessing.active_children()}
    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 300
    while not rows and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rows, "no point came back"
    workers = [p for p in multiprocessing.active_children() if p.pid not in before]
    assert workers, "no worker process to kill"
    os.kill(workers[0].pid, signal.SIGKILL)
    thread.join(300)
    assert not thread.is_alive(), "the study did not end after a worker process died"
    assert not errors, errors


def test_a_pool_worker_that_dies_mid_study_has_its_point_solved_again(tmp_path: Path) -> None:
    """multiprocessing.Pool waited for ever for the point of a dead worker."""
    study = load_study(study_file(tmp_path, GRID))
    rows: dict[int, dict] = {}
    _kill_a_pool_worker(study, rows)
    assert sorted(rows) == list(range(POINTS)), sorted(rows)
    assert {r["status"] for r in rows.values()} == {"optimal"}


def test_a_point_whose_pool_worker_dies_too_often_is_recorded_as_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from model.studies import engine

    monkeypatch.setattr(engine, "RETRIES", 0)
    study = load_study(study_file(tmp_path, GRID))
    rows: dict[int, dict] = {}
    _kill_a_pool_worker(study, rows)
    assert sorted(rows) == list(range(POINTS)), sorted(rows)
    failed = [r for r in rows.values() if r["status"] != "optimal"]
    # the points in flight when the worker died: one per worker at most
    assert 1 <= len(failed) <= 2, [(r["point"], r["reason"]) for r in failed]
    for row in failed:
        assert row["status"] == "error"
        assert "worker process solving this point died 1 times" in row["reason"]
