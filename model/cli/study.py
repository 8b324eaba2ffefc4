"""`wastealloc study`: a study file's points, kept one by one, on every core or on Dask."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from model.cli.common import _done, _fail, app, console, err, shown
from model.errors import WasteallocError

WORKERS_HELP = "Worker processes, each holding one built model (default: one per core)"
SCHEDULER_HELP = (
    "Address of a Dask scheduler (e.g. tcp://10.0.0.5:8786): run the points on its workers"
)


@contextmanager
def progress_bar(label: str, total: int, done: int = 0) -> Iterator[Callable[[int], None]]:
    """A bar on stderr with points done, rate and time left; nothing when not a terminal.

    Yields a function taking the number of points done so far.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.2f} points/s" if speed else "- points/s")

    with Progress(
        TextColumn(escape(label)),
        BarColumn(),
        MofNCompleteColumn(),
        Rate(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=total, completed=done)
        yield lambda n: bar.update(task, completed=n)


def where_points_run(workers: int | None, scheduler: str | None) -> tuple[int, str]:
    """(workers, words) for the points of a study: on Dask, on local processes, or here."""
    from model.studies.engine import default_workers

    if scheduler is not None:
        return 1, f"on the Dask cluster at {scheduler}"
    n = workers if workers is not None else default_workers()
    return n, f"on {n} worker process{'es' if n > 1 else ''}"


@app.command("study")
def study_(
    path: Annotated[Path, typer.Argument(help="Study file, e.g. runs/study-target-transport.toml")],
    resume: Annotated[
        bool, typer.Option(help="Continue an interrupted study: recompute no finished point")
    ] = False,
    workers: Annotated[int | None, typer.Option(min=1, max=1024, help=WORKERS_HELP)] = None,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP)] = None,
    out: Annotated[Path | None, typer.Option(help="Folder (default: runs/<study name>/)")] = None,
) -> None:
    """Solve every point of a study file; keep each at once; write study.csv and figures."""
    from model.data.tables import load_dataset
    from model.studies.design import load_study
    from model.studies.engine import Outcome, execute
    from model.studies.store import StudyFolder

    command = f"wastealloc study {shown(path)}" + (f" --out {shown(out)}" if out else "")
    try:
        study = load_study(path)
        target = out if out is not None else path.parent / study.name
        folder = StudyFolder(target, study)
        done = folder.open(resume, command)
        total = len(study.points)
        todo = [i for i in range(total) if i not in done]
        n, words = where_points_run(workers, scheduler)
        console.print(
            escape(
                f"{study.name}: {total} points ({study.kind.replace('_', '-')}), "
                + (f"{len(done)} done, " if done else "")
                + f"{len(todo)} to solve {words}"
            )
        )
        try:
            with progress_bar(study.name, total, len(done)) as tick:

                def keep(outcome: Outcome) -> None:
                    folder.write(outcome)
                    done[outcome.index] = outcome.record
                    tick(len(done))

                dataset = load_dataset(study.scenario.data, study.scenario.resolution)
                execute(study, todo, keep, workers=n, scheduler=scheduler, dataset=dataset)
        except KeyboardInterrupt:
            _stopped(folder, study, done, command)
            return
        written = _finish(folder, study, done, dataset)
    except WasteallocError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        err.print(
            "[bold yellow]interrupted[/]: the finished points are kept; resume with "
            f"`{escape(command)} --resume`"
        )
        raise typer.Exit(code=130) from None
    _print(study, written)
    _done(None, folder.target)


def _stopped(folder: Any, study: Any, done: dict[int, dict[str, Any]], command: str) -> None:
    """Ctrl-C: the finished points are on disk; write their table, say how to resume."""
    from model.studies.report import study_table

    try:
        summary = _summary(study, done, complete=False)
        folder.write_tables({"study": study_table(study, done)} if done else {}, summary)
    except KeyboardInterrupt:
        pass
    err.print(
        f"[bold yellow]interrupted[/]: {len(done)} of {len(study.points)} points done "
        f"(kept in {escape(shown(folder.target))}), resume with `{escape(command)} --resume`",
        soft_wrap=True,
    )
    raise typer.Exit(code=130)


def _summary(study: Any, done: dict[int, dict[str, Any]], complete: bool) -> dict[str, Any]:
    failed = sum(1 for r in done.values() if r.get("status") != "optimal")
    return {
        "study": study.name,
        "description": study.description,
        "kind": study.kind,
        "scenario": study.scenario.name,
        "reference": study.reference.name if study.reference is not None else None,
        "design_sha256": study.key(),
        "parameters": list(study.params or study.factor_names),
        "points": len(study.points),
        "points_done": len(done),
        "not_optimal": failed,
        "complete": complete,
    }


def _finish(folder: Any, study: Any, done: dict[int, dict[str, Any]], dataset: Any) -> Any:
    """Every point is done: the table, the indices of a SALib design, the figures."""
    from model.studies import charts
    from model.studies.report import study_table

    table = study_table(study, done)
    tables = {"study": table}
    summary = _summary(study, done, complete=True)
    result = None
    if study.kind == "sensitivity":
        from model.studies.sensitivity import finish

        result = finish(study, table.rename(columns={"point": "run"}), dataset)
        tables |= {"factors": result.factors, "indices": result.indices}
        summary["factors_without_range"] = list(result.skipped)
        if result.problem:
            summary["no_indices"] = result.problem
    figures = charts.draw_study(study, table, folder.target, result)
    summary["files"] = sorted([f"{n}.csv" for n in tables] + figures)
    folder.write_tables(tables, summary)
    return table, result, figures


def print_table(study: Any, table: Any, title: str) -> None:
    """The points, with the settings and the outputs that vary, in the terminal's units."""
    from model.studies.report import UNITS, cells, shown_columns

    headings, rows = cells(study, table, shown_columns(study, table, console.width))
    units = UNITS
    if study.scenario.path is not None:  # a multi-year scenario: its cost is the discounted total
        units = "costs discounted over the model years in 10^8 CNY, " + UNITS.split(", ", 1)[1]
    caption = units
    if len(rows) > MAX_ROWS:  # a large study: its first and last points, the rest in the file
        caption = f"{len(rows) - MAX_ROWS:,} points between these are in study.csv; {units}"
        rows = [*rows[: MAX_ROWS // 2], ["..."] * len(headings), *rows[-MAX_ROWS // 2 :]]
    view = Table(title=escape(title), title_justify="left", caption=caption, caption_justify="left")
    for heading in headings:
        view.add_column(escape(heading), justify="right")
    for row in rows:
        view.add_row(*[escape(c) for c in row])
    console.print(view)


MAX_ROWS = 40
"""Points a study's terminal table shows at most (half from each end)."""


def _print(study: Any, written: Any) -> None:
    table, result, _ = written
    if study.kind == "sensitivity" and result is not None:
        from model.cli.indices import print_indices

        if result.problem:
            err.print(f"[bold red]no indices[/]: {escape(result.problem)}", soft_wrap=True)
        else:
            print_indices(result, study.sensitivity.method, study.reference is not None)
    else:
        print_table(study, table, f"{study.name}: {len(table)} points")
    failed = table[table["status"] != "optimal"] if "status" in table else table.iloc[0:0]
    for _, row in failed.head(5).iterrows():
        console.print(
            escape(f"point {row['point']}: {row['status']}: {row['reason']}"), soft_wrap=True
        )
    if len(failed) > 5:
        console.print(
            f"... {len(failed) - 5} more points did not solve (study.csv: status, reason)"
        )
