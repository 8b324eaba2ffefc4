"""Running a study's points: one built model per worker, re-solved point after point.

A :class:`Worker` holds the built model of the study's scenario (and of its
reference) bound to a persistent HiGHS instance; each point sets every varied
parameter and re-solves from the optimal basis of the base scenario
(:meth:`~model.core.solve.Solver.anchor`), so that a point's row does not depend
on which points the worker solved before it, even where several allocations
share the least cost. A point that does not solve is
recorded with its status and the reason in words; the study goes on.

:func:`execute` runs points in this process (one worker), in a pool of local
processes (one per core by default, each with its own built model), or on a
Dask distributed cluster (``scheduler`` = the address of ``dask scheduler``),
where each worker thread keeps its own built model between points. Results come
back one by one, in the order they finish, to a callback that keeps them.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from model.core.config import Scenario
from model.core.inputs import prepare
from model.core.pathway.study import blocks, path_solver
from model.core.results import collect
from model.core.solve import Solution, Solver
from model.data.tables import Dataset, load_dataset
from model.errors import ScenarioError, SolveError, WasteallocError
from model.studies.design import CO2_CAP, Study
from model.studies.factors import factors
from model.studies.levers import add_co2_cap, outcomes, parse_param, setter
from model.studies.path_points import path_outcomes


@dataclass(frozen=True)
class Outcome:
    """One finished point: its index, its row of the study table, its allocation if kept."""

    index: int
    record: dict[str, Any]
    allocation: pd.DataFrame | None = None


def _all_periods(spec: Any, model: Any) -> Callable[[Any], None]:
    """The lever's setter in every model year of a path (one setter in a one-year model);
    a target is set in the years it is in force, an error only if it is in none."""
    parts = []
    for block in blocks(model):
        try:
            parts.append(setter(spec, block))
        except ScenarioError:
            if len(blocks(model)) == 1:
                raise
    if not parts:
        raise ScenarioError(f"sweep {spec.name}: no waste of that group in that region in any year")

    def put(value: Any) -> None:
        for part in parts:
            part(value)

    return put


def point_row(solution: Solution) -> dict[str, Any]:
    """What a study records of a one-year point: its outcomes (read from the solver's
    arrays), carbon cost, how the tie was broken and the most-CO2 bound if computed."""
    row: dict[str, Any] = {"tie_break": solution.tie_break}
    row |= outcomes(solution)
    row["carbon_cost_10k_cny"] = solution.value(solution.model.carbon_cost)
    if solution.net_co2_most_10kt is not None:
        row["net_co2_most_10kt"] = solution.net_co2_most_10kt
    return row


def describe_point(study: Study, index: int) -> dict[str, Any]:
    """The settings of a point as table columns (parameter values, scenario, factor levels)."""
    point = study.points[index]
    if study.kind == "scenarios":
        return {"scenario": study.scenarios[point["scenario"]].name}
    if study.kind == "sensitivity":
        return {f"level_{name}": level for name, level in point.items()}
    return dict(point)


def _skip(value: Any) -> None:
    """The setter of a parameter the reference does not take (a target, the CO2 cap)."""


def _reason(exc: BaseException) -> str:
    """An error's message on one line (the table keeps one row per point)."""
    return "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())


class Worker:
    """The built models of one study in one process or thread."""

    def __init__(self, study: Study, dataset: Dataset | None = None) -> None:
        self.study = study
        scenario = study.scenario
        self.dataset = (
            dataset if dataset is not None else load_dataset(scenario.data, scenario.resolution)
        )
        self._built: dict[int, tuple[Solver, list[Callable[[Any], None]]]] = {}
        self._reference: tuple[Solver, list[Callable[[Any], None]]] | None = None
        self._reference_cost: float | None = None

    # -- building ----------------------------------------------------------------------
    def _solver(self, scenario: Scenario, co2_range: bool) -> Solver:
        if scenario.path is not None:  # every period's block takes the levers
            cap = add_co2_cap if CO2_CAP in self.study.params else None
            return path_solver(self.dataset, scenario, cap)
        solver = Solver.for_scenario(prepare(self.dataset, scenario), scenario, co2_range=co2_range)
        if CO2_CAP in self.study.params:
            add_co2_cap(solver.model)
        return solver

    def _setters(
        self, solver: Solver, scenario: Scenario, main: bool
    ) -> list[Callable[[Any], None]]:
        """One setter per parameter (or factor); the reference skips targets and the cap."""
        study = self.study
        if study.kind == "sensitivity":
            by_name = {f.name: f for f in factors(self.dataset, scenario, study.sensitivity.detail)}  # type: ignore[union-attr]

            def put_factor(name: str) -> Callable[[Any], None]:
                factor = by_name[name]

                def put(level: float) -> None:
                    for param, key, value in factor.values(float(level)):
                        for block in blocks(solver.model):
                            getattr(block, param)[key] = value

                return put

            return [put_factor(n) for n in study.factor_names]
        out: list[Callable[[Any], None]] = []
        for name in study.params:
            applies = main or not (name.startswith("target.") or name == CO2_CAP)
            spec = parse_param(name, self.dataset)
            out.append(_all_periods(spec, solver.model) if applies else _skip)
        return out

    def _main(self, index: int) -> tuple[Solver, list[Callable[[Any], None]]]:
        study = self.study
        slot = study.points[index]["scenario"] if study.kind == "scenarios" else -1
        if slot not in self._built:
            scenario = study.scenarios[slot] if slot >= 0 else study.scenario
            solver = self._solver(scenario, study.co2_range)
            solver.anchor()
            self._built[slot] = (solver, self._setters(solver, scenario, main=True))
        return self._built[slot]

    def _other(self) -> tuple[Solver, list[Callable[[Any], None]]] | None:
        reference = self.study.reference
        if reference is None:
            return None
        if self._reference is None:
            solver = self._solver(reference, False)
            solver.anchor()
            self._reference = (solver, self._setters(solver, reference, main=False))
        return self._reference

    # -- one point ---------------------------------------------------------------------
    def point(self, index: int) -> Outcome:
        """Solve one point; a failure is a row with its status and reason, never an exception."""
        study = self.study
        record: dict[str, Any] = {"point": index, **describe_point(study, index)}
        allocation = None
        try:
            solver, setters = self._main(index)
            values = [study.points[index].get(n) for n in self._names()]
            for put, value in zip(setters, values, strict=True):
                put(value)
            solution = solver.solve()
            record |= {"status": "optimal", "reason": ""}
            record |= self._record(solution)
            if study.allocations:
                allocation = collect(solution).processing
            extra = self._above_reference(solution, values)
            if extra is not None:
                record["cost_above_reference_10k_cny"] = extra
        except SolveError as exc:
            record |= {"status": exc.status or "not optimal", "reason": self._why(exc, index)}
        except WasteallocError as exc:
            record |= {"status": "error", "reason": _reason(exc)}
        except (ArithmeticError, ValueError, KeyError, RuntimeError) as exc:
            record |= {"status": "error", "reason": f"{type(exc).__name__}: {_reason(exc)}"}
        return Outcome(index, record, allocation)

    def _names(self) -> Sequence[str]:
        if self.study.kind == "sensitivity":
            return self.study.factor_names
        return self.study.params

    def _record(self, solution: Solution) -> dict[str, Any]:
        if hasattr(solution.model, "PERIODS"):
            return path_outcomes(solution)
        return point_row(solution)

    def _above_reference(self, solution: Solution, values: list[Any]) -> float | None:
        """Cost above the reference at the same parameter values (targets and cap excepted)."""
        other = self._other()
        if other is None:
            return None
        if self.study.kind == "scenarios":
            if self._reference_cost is None:
                self._reference_cost = other[0].solve().objective_10k_cny
            cost = self._reference_cost
        else:
            for put, value in zip(other[1], values, strict=True):
                put(value)
            cost = other[0].solve().objective_10k_cny
        extra = solution.objective_10k_cny - cost
        # equal optima differ by up to the second solve's cost slack (1e-9): 0
        tiny = 2e-9 * abs(solution.objective_10k_cny) + 1e-5
        return 0.0 if abs(extra) <= tiny else extra

    def _why(self, exc: SolveError, index: int) -> str:
        cap = self.study.points[index].get(CO2_CAP)
        if cap is not None and exc.status == "infeasible":
            return (
                f"no allocation keeps net CO2 at or below {cap:g} Mt/yr with the scenario's "
                "targets and floors met (the cap is below the least CO2 the capacity allows)"
            )
        return _reason(exc)


# -- where the points run ----------------------------------------------------------------

_LOCAL = threading.local()


def _worker_for(study: Study) -> Worker:
    """This thread's worker for the study (built on its first point, kept for the next)."""
    key = study.key()
    held = getattr(_LOCAL, "worker", None)
    if held is None or held[0] != key:
        _LOCAL.worker = (key, Worker(study))
    return _LOCAL.worker[1]


def run_point(study: Study, index: int) -> Outcome:
    """A task for a pool process or a Dask worker: one point of the study."""
    return _worker_for(study).point(index)


_STUDY: Study | None = None


def _start_process(study: Study) -> None:
    """Pool initializer: Ctrl-C is the parent's to handle; keep the study for the tasks."""
    global _STUDY
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STUDY = study


def _pool_point(index: int) -> Outcome:
    assert _STUDY is not None
    return run_point(_STUDY, index)


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def execute(
    study: Study,
    indices: Iterable[int],
    on_result: Callable[[Outcome], None],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    dataset: Dataset | None = None,
) -> None:
    """Solve the points ``indices``; call ``on_result`` with each as it finishes.

    ``workers`` = 1 solves in this process; more starts that many local processes;
    ``scheduler`` sends the points to a Dask cluster instead. Ctrl-C stops the
    workers and re-raises KeyboardInterrupt; the points already passed to
    ``on_result`` are the finished ones.
    """
    todo = list(indices)
    if not todo:
        return
    if scheduler is not None:
        _on_dask(study, todo, on_result, scheduler)
    elif workers <= 1 or len(todo) == 1:
        worker = Worker(study, dataset)
        for index in todo:
            on_result(worker.point(index))
    else:
        _on_pool(study, todo, on_result, min(workers, len(todo)))


RETRIES = 2
"""A point whose worker process died is solved again this many times, then recorded as failed."""


def _on_pool(
    study: Study, todo: list[int], on_result: Callable[[Outcome], None], workers: int
) -> None:
    """The points on ``workers`` local processes, at most one point in flight per worker.

    A worker process that dies (killed, out of memory) breaks the pool: the points
    in flight then are solved again, after the others, in a new pool; a point in
    flight at ``RETRIES + 1`` deaths is recorded as failed, and the study goes on.
    """
    import multiprocessing
    from collections import deque

    # forkserver: workers start from a clean process (not a fork of one with threads)
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["model.studies.engine"])
    queue = deque(todo)
    deaths: dict[int, int] = {}
    while queue:
        for index in _pool_round(study, queue, on_result, workers, context):
            deaths[index] = deaths.get(index, 0) + 1
            if deaths[index] > RETRIES:
                reason = (
                    f"no result: the worker process solving this point died {deaths[index]} "
                    "times (out of memory or killed?)"
                )
                on_result(failed(study, index, reason))
            else:
                queue.append(index)


def _pool_round(
    study: Study,
    queue: Any,
    on_result: Callable[[Outcome], None],
    workers: int,
    context: Any,
) -> list[int]:
    """Solve points from ``queue`` until it is empty or a worker dies; return the points
    that were in flight when one died (none if every point came back)."""
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_process, initargs=(study,)
    )
    running: dict[Future[Outcome], int] = {}
    lost: list[int] = []
    try:
        while (queue or running) and not lost:
            while queue and len(running) < workers:
                index = queue.popleft()
                running[pool.submit(_pool_point, index)] = index
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            if any(isinstance(f.exception(), BrokenProcessPool) for f in finished):
                finished, _ = wait(running)  # the pool is broken: every future ends now
            for future in finished:
                index = running.pop(future)
                exc = future.exception()
                if isinstance(exc, BrokenProcessPool):
                    lost.append(index)
                elif exc is not None:
                    reason = f"{type(exc).__name__} in the worker process: {_reason(exc)}"
                    on_result(failed(study, index, reason))
                else:
                    on_result(future.result())
    except BaseException:
        for process in list(pool._processes.values()):  # no public way to stop them at once
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return lost


def failed(study: Study, index: int, reason: str) -> Outcome:
    """A point that returned no result (its worker died, or the task raised): a row saying why."""
    record = {"point": index, **describe_point(study, index), "status": "error", "reason": reason}
    return Outcome(index, record)


def _dask_outcome(study: Study, future: Any, index: int) -> Outcome:
    """A finished Dask task's outcome; a task that erred is a failed point, not an abort.

    A worker that dies while solving a point (killed, out of memory) has the point
    moved to another worker by the scheduler; after ``distributed.scheduler.allowed-failures``
    deaths (3 by default) the task errs with ``KilledWorker``, and the point is recorded
    as failed with that reason.
    """
    if future.status == "finished":
        outcome: Outcome = future.result()
        return outcome
    exc = future.exception()
    if type(exc).__name__ == "KilledWorker":
        return failed(
            study,
            index,
            "no result: every Dask worker that ran this point died while solving it "
            f"(out of memory or killed? see the workers' logs): {_reason(exc)}",
        )
    return failed(study, index, f"{type(exc).__name__} on the Dask worker: {_reason(exc)}")


def _on_dask(
    study: Study, todo: list[int], on_result: Callable[[Outcome], None], scheduler: str
) -> None:
    from distributed import Client, as_completed

    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise WasteallocError(
            f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({exc}); start one "
            "with `dask scheduler` and workers with `dask worker ADDRESS` (README, Studies)"
        ) from None
    futures: list[Any] = []
    try:
        shared = client.scatter(study, broadcast=True)
        prefix = f"wastealloc-{study.key()[:12]}"
        index_of = {f"{prefix}-{i}": i for i in todo}
        futures = [client.submit(run_point, shared, i, key=f"{prefix}-{i}") for i in todo]
        for future in as_completed(futures):
            on_result(_dask_outcome(study, future, index_of[future.key]))
    except BaseException:
        client.cancel(futures)
        raise
    finally:
        client.close()
