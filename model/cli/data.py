"""`wastealloc data build | calibrate | import`: the dataset itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from model.cli.common import (
    _fail,
    app,
    console,
    print_problems,
)
from model.core.config import DEFAULT_DATA_DIR
from model.errors import DataError, WasteallocError

if TYPE_CHECKING:
    pass


data_app = typer.Typer(
    no_args_is_help=True,
    help="Build the estimated tables, import statistics, calibrate (check with `validate`).",
)
app.add_typer(data_app, name="data")


@data_app.command("build")
def data_build(
    data_dir: Annotated[Path, typer.Argument(help="Data folder")] = DEFAULT_DATA_DIR,
) -> None:
    """Recompute the estimated tables (province totals, generation, capacity) from inputs."""
    from model.data.build import write_build

    try:
        written = write_build(data_dir)
    except WasteallocError as exc:
        _fail(exc)
    for path in written:
        console.print(f"wrote {escape(str(path))}", soft_wrap=True)


@data_app.command("calibrate")
def data_calibrate(
    data_dir: Annotated[Path, typer.Argument(help="Data folder")] = DEFAULT_DATA_DIR,
) -> None:
    """Solve the baseline and write calibration.csv: modelled vs base-year utilization."""
    from model.studies.calibration import write_calibration

    try:
        result = write_calibration(data_dir)
    except WasteallocError as exc:
        _fail(exc)
    table = result.table
    worst = table.loc[table["difference_pp"].abs().idxmax()]
    console.print(
        f"wrote {escape(str(Path(data_dir) / 'calibration.csv'))}: "
        f"{int(table['within_tolerance'].sum())} "
        f"of {len(table)} provinces within ±{table['tolerance_pp'].iloc[0]} pp; largest gap "
        f"{escape(str(worst['name_en']))} {worst['difference_pp']:+.2f} pp"
    )
    low, high = table["practice_premium_cny_per_t"].agg(["min", "max"])
    console.print(
        f"economics only (no practice floors): {result.economics_only_rate_all:.1%} utilized "
        f"against {result.base_rate_all:.1%} in the base year; current practice costs "
        f"{result.premium_all_cny_per_t:.1f} CNY per utilized t more than that "
        f"({low:.0f}-{high:.0f} by province; see data/regions/README.md, Calibration)"
    )


@data_app.command("import")
def data_import(
    file: Annotated[Path, typer.Argument(help="Yearbook table (CSV, .xlsx or .xls) or template")],
    year: Annotated[int, typer.Option(help="Year of the figures in the file")],
    data: Annotated[Path, typer.Option(help="Dataset to start from")] = DEFAULT_DATA_DIR,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the new dataset (default: data/regions-<file>)")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title recorded in sources.csv")] = None,
    partial: Annotated[
        bool,
        typer.Option(help="Accept a file without every province; the others are re-estimated."),
    ] = False,
) -> None:
    """Import province totals into a copy of the dataset and rebuild the estimates."""
    from model.data.importer import import_table
    from model.files import check_target

    target = out if out is not None else data.parent / f"regions-{file.stem}"
    try:
        check_target(target, "dataset")  # never the shipped data or a folder of the user's
        result = import_table(file, data, target, year, title, partial)
    except WasteallocError as exc:
        if isinstance(exc, DataError):
            print_problems(exc)
        _fail(exc)

    def say(text: str) -> None:
        console.print(escape(text), soft_wrap=True)

    say(
        f"wrote {result.out_dir} (base year {result.year}): "
        f"{len(result.imported)} province totals imported ({', '.join(result.imported)})"
    )
    for note in result.unit_notes:
        say(f"unit: {note}")
    if result.national:
        figures = ", ".join(f"{k} {v:,.0f}" for k, v in result.national.items())
        say(f"national totals from the file's national row: {figures}")
    if result.national_kept:
        say(
            f"national figures not in the file, kept from {data}: {', '.join(result.national_kept)}"
        )
    for node, generated, utilized in result.above_generated:
        say(
            f"{node}: utilized {utilized:,.0f} above generated {generated:,.0f}, kept as reported "
            "in province_totals.csv "
            "(the excess is drawn from earlier years' stockpiles)"
        )
    for node, how in result.missing.items():
        say(f"not in the file, {node}: {how}")
    if result.ignored:
        rows = "; ".join(f"row {row} {first}" for row, first in result.ignored)
        say(f"rows not used ({len(result.ignored)}): {rows}")
    if result.calibration_removed:
        say(
            "calibration.csv removed (it described the old figures): run "
            f"`wastealloc data calibrate {result.out_dir}` to rewrite it"
        )
    for note in result.notes:
        say(note)
    say(f'use it in a scenario with:  data = "{result.out_dir}"')
