"""`wastealloc sweep`, `compare` and `sensitivity`: studies over many solves."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from model.cli import options as options_
from model.cli.common import (
    _done,
    _fail,
    _interrupted,
    _notes,
    _write_partial,
    app,
    console,
    err,
    failures,
)
from model.cli.indices import print_indices
from model.cli.study import (
    SCHEDULER_HELP,
    WORKERS_HELP,
    print_table,
    progress_bar,
    where_points_run,
)
from model.errors import Interrupted, WasteallocError

if TYPE_CHECKING:
    pass


@app.command("sweep")
def sweep_(
    scenario: Annotated[Path, typer.Argument(help="Scenario file, e.g. runs/target-2025.toml")],
    param: Annotated[
        str,
        typer.Option(
            help="target.GROUP, target.REGION.GROUP, carbon_price, co2_cap_mt, "
            "transport_cost_scale, capacity_scale or storage_cost_scale"
        ),
    ],
    values: Annotated[str, typer.Option(help="Comma-separated values, e.g. 0.55,0.57,0.6")],
    out: Annotated[
        Path | None, typer.Option(help="Folder (default: runs/<scenario>-sweep-<param>/)")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=1024, help="Worker processes (each builds the model once)")
    ] = 1,
) -> None:
    """Re-solve a scenario at several values of one parameter; write sweep.csv.

    A sweep is a study of one parameter (`wastealloc study` runs study files:
    grids, one-at-a-time, scenario lists, resumable).
    """
    from model.core.config import load_scenario
    from model.data.tables import load_dataset
    from model.files import check_target
    from model.outputs.folders import write_run
    from model.run import default_out_dir
    from model.studies.sweeps import sweep, sweep_study

    with failures():
        numbers = options_.sweep_values(param, values)
        loaded = load_scenario(scenario)
        base = default_out_dir(loaded)
        target = out if out is not None else base.with_name(f"{base.name}-sweep-{param}")
        check_target(target, "sweep")  # refuse before solving, not after
        facts: dict[str, object] = {"scenario": loaded.name, "parameter": param}
        facts["values"] = numbers
        dataset = load_dataset(loaded.data, loaded.resolution)
        try:
            with progress_bar(f"sweep of {param}", len(numbers)) as tick:
                table = sweep(loaded, param, numbers, dataset, workers=workers, progress=tick)
        except Interrupted as stop:
            kept = _write_partial(target, {"sweep": stop.partial}, facts, stop, "sweep")
            _interrupted(kept)
        written = write_run(target, {"sweep": table}, {**facts, "complete": True}, kind="sweep")
        study = sweep_study(loaded, param, numbers, dataset)
    print_table(study, table.rename(columns={"value": param}), f"{loaded.name}: sweep of {param}")
    for _, row in table[table["status"] != "optimal"].head(3).iterrows():
        console.print(escape(f"{param} = {row['value']:g}: {row['reason']}"), soft_wrap=True)
    _done(written, target / "sweep.csv")


def _redraw_maps(previous: Path) -> Callable[[Path], list[str]] | None:
    """Change maps that `wastealloc map --compare` drew into the comparison folder being
    replaced: drawn again into the new one (model.outputs.maps.record)."""
    from model.outputs.maps.record import RECORD

    if not (previous / RECORD).is_file():
        return None

    def figures(staging: Path) -> list[str]:
        from model.outputs.maps.record import redraw

        written, failed = redraw(previous, staging)
        for failure in failed:
            console.print(f"note: {escape(str(failure))}", soft_wrap=True)
        return [p.name for p in written]

    return figures


@app.command("compare")
def compare_(
    a: Annotated[Path, typer.Argument(help="Results folder A, e.g. runs/baseline-expansion")],
    b: Annotated[Path, typer.Argument(help="Results folder B, e.g. runs/target-2025")],
    out: Annotated[
        Path | None, typer.Option(help="Folder for compare.csv (default: runs/compare-A-B/)")
    ] = None,
    all_rows: Annotated[
        bool, typer.Option("--all", help="Print every row, not only those that change")
    ] = False,
    year: Annotated[
        int | None,
        typer.Option(
            help="A one-year run against a multi-year one: the model year to compare it with "
            "(default: the one-year run's base year)"
        ),
    ] = None,
) -> None:
    """What B changes against A: cost, rates, target prices, CO2, capacity (compare.csv);
    two multi-year runs year by year (README, Multi-year)."""
    from model.cli.path import compare_figures, print_path_compare
    from model.outputs.folders import write_run
    from model.studies.compare_path import compare_runs

    with failures():
        target = out if out is not None else a.parent / f"compare-{a.name}-{b.name}"
        tables, facts = compare_runs(a, b, year)
        summary = {"a": str(a), "b": str(b), **facts}
        figures = compare_figures(a, b, facts, _redraw_maps(target))
        written = write_run(target, tables, summary, figures, kind="compare")
    if not facts["same_data"]:
        console.print("note: the two runs read different data files (summary.json hashes)")
    if "note" in facts:
        console.print(escape(f"note: {facts['note']}"), soft_wrap=True)
    if facts.get("kind") == "multi-year":
        print_path_compare(tables["compare"], facts, all_rows)
        _done(written, target / "compare.csv")
        return
    table = tables["compare"]
    shown = table if all_rows else table[table["change"].abs().fillna(1.0) > 1e-6]
    view = Table(title=escape(f"B = {facts['b']} against A = {facts['a']}"), title_justify="left")
    for column in ("section", "item", "unit", "A", "B", "B - A"):
        view.add_column(column, justify="right" if column in ("A", "B", "B - A") else "left")

    def cell(value: float) -> str:
        return "-" if pd.isna(value) else f"{value:,.2f}"

    for _, row in shown.iterrows():
        view.add_row(
            escape(str(row["section"])),
            escape(str(row["item"])),
            escape(str(row["unit"])),
            cell(row["a"]),
            cell(row["b"]),
            cell(row["change"]) + (" pp" if row["change_unit"] == "percentage points" else ""),
        )
    console.print(view)
    _done(written, target / "compare.csv")


@app.command("sensitivity")
def sensitivity_(
    scenario: Annotated[Path, typer.Argument(help="Scenario file, e.g. runs/target-2025.toml")],
    method: Annotated[
        str, typer.Option(help="morris (screening, cheap) or sobol (variance shares)")
    ] = "morris",
    trajectories: Annotated[int, typer.Option(min=2, help="Morris trajectories")] = 10,
    levels: Annotated[int, typer.Option(min=2, help="Morris grid levels (even)")] = 4,
    samples: Annotated[
        int, typer.Option(min=2, help="Sobol' base samples (a power of 2; README, Studies)")
    ] = 512,
    seed: Annotated[
        int, typer.Option(min=0, max=2**32 - 1, help="Random seed of the design")
    ] = 2020,
    detail: Annotated[
        bool, typer.Option(help="One factor per pathway opex, revenue and CO2 figure")
    ] = False,
    reference: Annotated[
        Path | None,
        typer.Option(
            help="Reference scenario solved at the same points, e.g. "
            "runs/baseline-expansion.toml: adds the cost above it as an output"
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder (default: runs/<scenario>-sensitivity-<method>/)")
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=1024, help=WORKERS_HELP)] = None,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP)] = None,
) -> None:
    """Global sensitivity to the low-high ranges of the data (SALib); write indices.csv."""
    from model.core.config import load_scenario
    from model.data.tables import load_dataset
    from model.files import check_target
    from model.outputs.folders import write_run
    from model.run import default_out_dir
    from model.studies.factors import factors
    from model.studies.sensitivity import plot, run

    if method not in ("morris", "sobol"):
        err.print(f"[bold red]error:[/] --method {escape(method)}: expected morris or sobol")
        raise typer.Exit(code=2)
    with failures():
        loaded = load_scenario(scenario)
        against = load_scenario(reference) if reference is not None else None
        dataset = load_dataset(loaded.data, loaded.resolution)
        ranged = sum(f.has_range for f in factors(dataset, loaded, detail))
        options_.check_design_size(method, ranged, trajectories=trajectories, samples=samples)
        base = default_out_dir(loaded)
        target = out if out is not None else base.with_name(f"{base.name}-sensitivity-{method}")
        check_target(target, "sensitivity")  # refuse before solving, not after
        facts: dict[str, object] = {
            "scenario": loaded.name,
            "method": method,
            "trajectories": trajectories if method == "morris" else None,
            "levels": levels if method == "morris" else None,
            "samples": samples if method == "sobol" else None,
            "seed": seed,
            "detail": detail,
            "reference": against.name if against is not None else None,
        }
        n, _ = where_points_run(workers, scheduler)
        points = trajectories * (ranged + 1) if method == "morris" else samples * (ranged + 2)
        try:
            with progress_bar(f"{method} design", points) as bar:
                result = run(
                    loaded,
                    method,  # type: ignore[arg-type]
                    trajectories=trajectories,
                    levels=levels,
                    samples=samples,
                    seed=seed,
                    detail=detail,
                    reference=against,
                    dataset=dataset,
                    progress=lambda done, total: bar(done),
                    workers=n,
                    scheduler=scheduler,
                    keep_going=True,
                )
        except Interrupted as stop:
            kept = _write_partial(target, {"runs": stop.partial}, facts, stop, "sensitivity")
            _interrupted(kept + " (no indices: they need every design point)")
        tables = {"factors": result.factors, "runs": result.runs}
        if not result.problem:
            tables["indices"] = result.indices
        written = write_run(
            target,
            tables,
            {
                **facts,
                "complete": not result.problem,
                "solves": len(result.runs),
                "not_optimal": int((result.runs["status"] != "optimal").sum()),
                "factors_without_range": list(result.skipped),
            },
            figures=None if result.problem else (lambda folder: plot(result, folder)),
            kind="sensitivity",
        )
        if result.problem:
            _notes(written)
            _fail(
                WasteallocError(
                    f"{result.problem} Each point's status and reason: {target}/runs.csv"
                )
            )
    print_indices(result, method, against is not None)
    _done(written, target)
