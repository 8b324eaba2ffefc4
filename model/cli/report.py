"""`wastealloc report`: a workbook and a brief from a saved run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from model.cli.common import _done, app, console, err, failures


@app.command("report")
def report_(
    run: Annotated[Path, typer.Argument(help="Results folder, e.g. runs/target-2025")],
    reference: Annotated[
        Path | None,
        typer.Option(
            help="Results folder to report the differences against, e.g. runs/baseline-expansion"
        ),
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of the brief and workbook: en or zh")] = "en",
    out: Annotated[
        Path | None, typer.Option(help="Report folder (default: runs/<run>-report[-zh]/)")
    ] = None,
) -> None:
    """Write an Excel workbook and a Markdown brief of a saved run (no solving)."""
    from model.outputs.report import LANGS, default_out, write_report

    if lang not in LANGS:
        err.print(f"[bold red]error:[/] --lang {escape(lang)}: expected one of {', '.join(LANGS)}")
        raise typer.Exit(code=2)
    target = out if out is not None else default_out(run, lang)
    with failures(), console.status(f"writing the report of {escape(str(run))} ..."):
        report = write_report(run, target, reference=reference, lang=lang)
    quotes = [line[2:] for line in report.brief.splitlines() if line.startswith("> ")]
    for line in quotes:
        console.print(escape(line), soft_wrap=True)
    console.print(f"Files: {', '.join(report.files)}")
    _done(report.written, target)
