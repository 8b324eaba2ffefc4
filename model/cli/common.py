"""What every command shares: the typer app, the consoles, errors, interrupts, partial writes."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape

from model.errors import DataError, Interrupted, ScenarioError, WasteallocError

if TYPE_CHECKING:
    from model.files import Kind, Written

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="wastealloc: allocate industrial solid waste to utilization capacity under "
    "China's utilization-rate targets.",
)
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (``kill``, a batch system's time limit) stops like Ctrl-C: staging cleaned up."""
    raise KeyboardInterrupt


class _QuietOnInterrupt(logging.Filter):
    """Drop log records written while a Ctrl-C unwinds (Pyomo logs an ERROR for the
    expression or component it was evaluating); the command reports the interrupt once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not isinstance(sys.exc_info()[1], KeyboardInterrupt)


def _quiet_pyomo_on_interrupt() -> None:
    """Add the filter to Pyomo's own handlers (a logger's filters do not reach its children)."""
    import pyomo.common.log  # noqa: F401  (installs the handler of the "pyomo" logger)

    for handler in logging.getLogger("pyomo").handlers:
        if not any(isinstance(f, _QuietOnInterrupt) for f in handler.filters):
            handler.addFilter(_QuietOnInterrupt())


def _version(value: bool) -> None:
    """``--version``: the installed package's version (package metadata), then exit."""
    if value:
        from importlib import metadata

        console.print(f"wastealloc {metadata.version('wastealloc')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Before every command: make SIGTERM clean up like Ctrl-C does, without Pyomo's noise."""
    import signal
    import threading

    _quiet_pyomo_on_interrupt()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)


def _fail(exc: Exception, code: int | None = None) -> NoReturn:
    """Print the error; exit 2 for bad input (data, scenario, options, folders), 1 otherwise."""
    from model.files import OutputError

    err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
    default = 2 if isinstance(exc, DataError | ScenarioError | OutputError) else 1
    raise typer.Exit(code=code if code is not None else default)


def _interrupted(kept: str) -> NoReturn:
    """Ctrl-C: say what was kept, exit 130 (the shell's code for SIGINT)."""
    err.print(f"[bold yellow]interrupted[/]: {escape(kept)}", soft_wrap=True)
    raise typer.Exit(code=130)


@contextmanager
def failures(kept: str = "nothing was written") -> Iterator[None]:
    """A command's body: wastealloc's errors in one line (exit 2 or 1, :func:`_fail`),
    Ctrl-C saying what was ``kept`` (exit 130, :func:`_interrupted`)."""
    try:
        yield
    except WasteallocError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _interrupted(kept)


@contextmanager
def stages(what: str) -> Iterator[None]:
    """A spinner on stderr with ``what``, the current :func:`model.progress.stage` and the
    time since the command began, for commands that run a while (a prefecture solve
    takes a minute); nothing when stderr is not a terminal."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from model.progress import listening

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as display:
        task = display.add_task(escape(what), total=None)

        def show(name: str) -> None:
            display.update(task, description=f"{escape(what)}: {escape(name)}")

        with listening(show):
            yield


def print_problems(exc: DataError) -> NoReturn:
    """Every problem of bad data on its own line, then exit 2."""
    err.print(f"[bold red]{len(exc.problems)} problem(s)[/] in {escape(exc.data_dir)}:")
    for problem in exc.problems:
        err.print(f"  {escape(str(problem))}", soft_wrap=True)
    raise typer.Exit(code=2) from None


def _notes(written: Written | None) -> None:
    for note in written.notes() if written is not None else []:
        console.print(f"note: {escape(note)}", soft_wrap=True)


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _done(written: Written | None, where: Path) -> None:
    """The closing lines of a command that wrote a folder: what it set aside, where it wrote."""
    _notes(written)
    console.print(f"Results: {escape(shown(where))}", soft_wrap=True)


def _write_partial(
    target: Path,
    tables: dict[str, pd.DataFrame],
    facts: dict[str, object],
    stop: Interrupted,
    kind: Kind,
) -> str:
    """Write the points a study finished before Ctrl-C; say where (or that nothing was kept)."""
    from model.outputs.folders import write_run

    if stop.done == 0:
        return "no point was finished; nothing was written"
    summary = {**facts, "complete": False, "points_done": stop.done, "points": stop.total}
    try:
        write_run(target, tables, summary, kind=kind)
    except KeyboardInterrupt:
        return "interrupted again while writing; nothing was written"
    return (
        f"{stop.done} of {stop.total} points finished and kept in {target} "
        '(summary.json says "complete": false)'
    )


def rate_cell(row: pd.Series) -> str:
    """A utilization rate with its target and whether it is met: '59.2% (57%) ✓'."""
    cell = f"{row['rate']:.1%}"
    if pd.notna(row["target"]):
        mark = "[green]✓[/]" if row["met"] else "[red]✗[/]"
        cell += f" ({float(row['target']):.0%}) {mark}"
    return cell
