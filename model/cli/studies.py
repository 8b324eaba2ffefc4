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
    _write_partial,
    app,
    console,
    err,
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
            help="target.GROUP, target.REGION.GROUP, carbon_price, transport_cost_scale, "
            "capacity_scale or storage_cost_scale"
        ),
    ],
    values: Annotated[str, typer.Option(help="Comma-separated values, e.g. 0.55,0.57,0.6")],
    out: Annotated[
        Path | None, typer.Option(help="Folder (default: runs/<scenario>-sweep-<param>/)")
    ] = None,
) -> None:
    """Re-solve a scenario at several values of one parameter; write sweep.csv."""
    from model.core.config import load_scenario
    from model.files import check_target
    from model.outputs.folders import write_run
    from model.run import default_out_dir
    from model.studies.sweeps import sweep

    try:
        numbers = options_.sweep_values(param, values)
        loaded = load_scenario(scenario)
        base = default_out_dir(loaded)
        target = out if out is not None else base.with_name(f"{base.name}-sweep-{param}")
        check_target(target, "sweep")  # refuse before solving, not after
        facts: dict[str, object] = {"scenario": loaded.name, "parameter": param}
        facts["values"] = numbers
        try:
            with console.status(f"sweeping {escape(param)} over {len(numbers)} values ..."):
                table = sweep(loaded, param, numbers)
        except Interrupted as stop:
            kept = _write_partial(target, {"sweep": stop.partial}, facts, stop, "sweep")
            _interrupted(kept)
            return
        written = write_run(target, {"sweep": table}, {**facts, "complete": True}, kind="sweep")
    except WasteallocError as exc:
        _fail(exc)
        return
    except KeyboardInterrupt:
        _interrupted("nothing was written")
        return
    table_view = Table(title=escape(f"{loaded.name}: sweep of {param}"), title_justify="left")
    shown = ["value", "status", "objective_10k_cny", "cost_change_10k_cny"]
    parts = param.split(".")
    focus = "_".join(parts[1:]) if parts[0] == "target" else ""
    shadows = [c for c in table.columns if c.startswith("shadow_")]
    shown += ([c for c in shadows if focus in c] or shadows)[:3]
    shown = [c for c in shown if c in table.columns]
    for column in shown:
        table_view.add_column(column, justify="right")
    for _, row in table.iterrows():
        table_view.add_row(
            *[
                (
                    "-"
                    if pd.isna(row[c])
                    else f"{row[c]:,.2f}"
                    if isinstance(row[c], float)
                    else escape(str(row[c]))
                )
                for c in shown
            ]
        )
    console.print(table_view)
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
) -> None:
    """What B changes against A: cost, rates, target prices, CO2, capacity (compare.csv)."""
    from model.outputs.folders import write_run
    from model.studies.compare import compare

    try:
        target = out if out is not None else a.parent / f"compare-{a.name}-{b.name}"
        table, facts = compare(a, b)
        summary = {"a": str(a), "b": str(b), **facts}
        written = write_run(
            target, {"compare": table}, summary, _redraw_maps(target), kind="compare"
        )
    except WasteallocError as exc:
        _fail(exc)
        return
    except KeyboardInterrupt:
        _interrupted("nothing was written")
        return
    if not facts["same_data"]:
        console.print("note: the two runs read different data files (summary.json hashes)")
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
            cell(row["change"]),
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
    samples: Annotated[int, typer.Option(min=2, help="Sobol' base samples (a power of 2)")] = 64,
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
) -> None:
    """Global sensitivity to the low-high ranges of the data (SALib); write indices.csv."""
    from rich.progress import Progress

    from model.core.config import load_scenario
    from model.data.tables import load_dataset
    from model.files import check_target
    from model.outputs.folders import write_run
    from model.run import default_out_dir
    from model.studies.sensitivity import describe, factors, headline, key_outputs, plot, run

    if method not in ("morris", "sobol"):
        err.print(f"[bold red]error:[/] --method {escape(method)}: expected morris or sobol")
        raise typer.Exit(code=2)
    try:
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
        try:
            with Progress(console=console, transient=True) as bar:
                per_point = "two solves" if against is not None else "one solve"
                task = bar.add_task(f"{method}: design points ({per_point} each)", total=None)

                def tick(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

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
                    progress=tick,
                )
        except Interrupted as stop:
            kept = _write_partial(target, {"runs": stop.partial}, facts, stop, "sensitivity")
            _interrupted(kept + " (no indices: they need every design point)")
            return
        written = write_run(
            target,
            {"factors": result.factors, "runs": result.runs, "indices": result.indices},
            {
                **facts,
                "complete": True,
                "solves": len(result.runs),
                "not_optimal": int((result.runs["status"] != "optimal").sum()),
                "factors_without_range": list(result.skipped),
            },
            figures=lambda folder: plot(result, folder),
            kind="sensitivity",
        )
    except WasteallocError as exc:
        _fail(exc)
        return
    except KeyboardInterrupt:
        _interrupted("nothing was written")
        return
    morris = method == "morris"
    main = "cost_above_reference_10k_cny" if against is not None else "objective_10k_cny"
    runs = result.runs[main].dropna() / 1e4
    subject = (
        f"Cost above {against.name}" if against is not None else "Total cost"
    ) + f" (x10^8 CNY/yr): {runs.min():,.2f} to {runs.max():,.2f} over the design"
    what = (
        "mu* = change across each factor's full range (x10^8 CNY/yr)"
        if morris
        else "Sobol' indices (shares of variance)"
    )
    solves = len(result.runs) * (2 if against is not None else 1)
    console.print(
        f"{escape(loaded.name)}: {method}, {len(result.runs)} design points, {solves} solves"
    )
    console.print(escape(subject))
    view = Table(title=what, title_justify="left")
    columns = (
        ("factor", "mu*", "± (95%)", "sigma", "raises it?")
        if morris
        else ("factor", "ST", "±", "S1", "±")
    )
    for column in columns:
        view.add_column(column, justify="left" if column == "factor" else "right")
    noisy = False
    for _, row in headline(result.indices, method, main).iterrows():  # type: ignore[arg-type]
        if morris:
            cells = [row["mu_star"] / 1e4, row["mu_star_conf"] / 1e4, row["sigma"] / 1e4]
            sign = "yes" if row["mu"] > 0 else "no, lowers it" if row["mu"] < 0 else "-"
            view.add_row(escape(str(row["factor"])), *[f"{c:,.2f}" for c in cells], sign)
        else:
            cells = [row["ST"], row["ST_conf"], row["S1"], row["S1_conf"]]
            view.add_row(escape(str(row["factor"])), *[f"{c:.2f}" for c in cells])
            noisy |= bool(row["ST_conf"] > row["ST"] / 2 or row["S1"] > row["ST"] + row["ST_conf"])
    console.print(view)
    if morris:
        console.print(
            "A sigma large against mu* means the effect depends on the other factors "
            "(interaction or non-linearity)."
        )
    elif noisy:
        console.print("The confidence intervals are wide (or S1 exceeds ST): increase --samples.")
    value = "mu_star" if morris else "ST"
    for output in key_outputs(result.indices):
        if output == main:
            continue
        part = headline(result.indices, method, output, 3)  # type: ignore[arg-type]
        what, scale, unit = describe(output, method, result.reference)  # type: ignore[arg-type]
        shown = f" {unit}" if morris else ""
        listed = "; ".join(
            f"{r['factor']} {r[value] * scale:,.2f}{shown}" for _, r in part.iterrows()
        )
        console.print(escape(f"{what}, strongest factors: {listed}"))
    if result.skipped:
        console.print(escape(f"no range in the data, left out: {', '.join(result.skipped)}"))
    _done(written, target)
