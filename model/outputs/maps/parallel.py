"""Drawing the figures of a map set side by side, one process per core.

The figures of a set are independent (each reads the same map data and writes its own
files), so on a machine with several cores they are drawn by forked worker processes,
which start with everything the parent has imported and computed, the map data
included: nothing is pickled but a figure's number and what it wrote. One figure that
fails does not stop the others, as when they are drawn one after another; a worker
that dies (killed, out of memory) costs the figures it had not finished, named in the
failures. Fork is only used on Linux (elsewhere, and with one core, one figure after
another). ``WASTEALLOC_MAP_WORKERS=1`` draws one after another anyway.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import matplotlib.pyplot as plt

from model.outputs.maps.files import FigureFailure

Drawer = Callable[[Path], list[Path]]
Attempt = tuple[list[Path], FigureFailure | None]

MAX_WORKERS = 4
"""Most processes drawing at once (each holds its own figure; more rarely pays)."""

HEAVY = ("interactive", "sankey")
"""Figures that take longest (HTML pages with an embedded font): started first."""

_jobs: tuple[Path, Sequence[tuple[str, Drawer]]] | None = None
"""The folder and jobs being drawn, for the forked workers to read (set while drawing)."""


def workers(jobs: int) -> int:
    """How many processes draw ``jobs`` figures: one per core, at most :data:`MAX_WORKERS`."""
    wanted = os.environ.get("WASTEALLOC_MAP_WORKERS", "").strip()
    limit = int(wanted) if wanted.isdigit() and int(wanted) > 0 else MAX_WORKERS
    if not sys.platform.startswith("linux"):
        return 1
    return max(1, min(jobs, len(os.sched_getaffinity(0)), limit))


def attempt(folder: Path, label: str, draw: Drawer) -> Attempt:
    """Draw one figure: the files written, and the failure if it failed.

    After a failure the figure's open matplotlib figures are closed and the files it
    did write (formats finished before the failure, whole files) are listed: the files
    that appeared in the folder meanwhile, not the hidden ones being written (with
    figures drawn side by side, those of other figures may be listed too; the caller
    lists each file once)."""
    open_before = set(plt.get_fignums())
    files_before = set(folder.iterdir())
    try:
        return draw(folder), None
    # any error, not only ours: one figure must not cost the others, or a solve its
    # tables; the failure is reported with its reason (never silent)
    except Exception as exc:
        for number in set(plt.get_fignums()) - open_before:
            plt.close(number)
        appeared = [p for p in set(folder.iterdir()) - files_before if not p.name.startswith(".")]
        return sorted(appeared), FigureFailure.of(label, exc)


def _attempt_job(index: int) -> Attempt:
    assert _jobs is not None  # set by draw_all before the workers were forked
    folder, jobs = _jobs
    return attempt(folder, *jobs[index])


def draw_all(folder: Path, jobs: Sequence[tuple[str, Drawer]]) -> list[Attempt]:
    """Each job's attempt, in the order of ``jobs``, drawn by :func:`workers` processes."""
    n = workers(len(jobs))
    if n <= 1:
        return [attempt(folder, label, draw) for label, draw in jobs]
    global _jobs
    order = sorted(range(len(jobs)), key=lambda i: jobs[i][0].split()[0] not in HEAVY)
    results: dict[int, Attempt] = {}
    _jobs = (folder, jobs)
    pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"))
    try:
        futures = {i: pool.submit(_attempt_job, i) for i in order}
        for i, future in futures.items():
            try:
                results[i] = future.result()
            except BrokenProcessPool:
                reason = "the process drawing it stopped before it was done"
                results[i] = [], FigureFailure(jobs[i][0], reason)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _jobs = None
    return [results[i] for i in range(len(jobs))]
