"""`wastealloc solve` and `wastealloc validate`: one scenario, and the data it reads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from model.cli.common import (
    _fail,
    _notes,
    app,
    console,
    err,
    failures,
    print_problems,
    rate_cell,
    shown,
    stages,
)
from model.core.config import DEFAULT_DATA_DIR
from model.errors import DataError, WasteallocError

if TYPE_CHECKING:
    from model.run import PathRun, Run


@app.command()
def solve(
    scenario: Annotated[Path, typer.Argument(help="Scenario file, e.g. runs/baseline.toml")],
    out: Annotated[
        Path | None, typer.Option(help="Results folder (default: runs/<scenario name>/)")
    ] = None,
    maps: Annotated[bool, typer.Option(help="Draw the maps after solving.")] = True,
) -> None:
    """Solve a scenario and write its results folder (tables, summary.json, maps)."""
    from model.run import Run, solve_file

    with (
        failures("nothing was written; earlier results, if any, are untouched"),
        stages(f"solving {shown(scenario)}"),
    ):
        run = solve_file(scenario, out, draw_maps=maps)
    if isinstance(run, Run):
        print_summary(run)
    else:
        from model.cli.path import print_path_summary

        print_path_summary(run)
    _notes(run.written)
    warn_figures_failed(run)


def warn_figures_failed(run: Run | PathRun) -> None:
    """One warning line per figure that could not be drawn (the results are complete)."""
    failed = run.summary.get("figures_failed") or []
    for failure in failed:
        err.print(
            f"[bold yellow]warning:[/] figure {escape(failure['figure'])} not drawn: "
            f"{escape(failure['reason'])}",
            soft_wrap=True,
        )
    if failed:
        err.print(
            f"[bold yellow]warning:[/] the tables and summary.json are complete; after fixing "
            f"the cause, redraw with: wastealloc map {escape(str(run.out_dir))}",
            soft_wrap=True,
        )


def print_summary(run: Run) -> None:
    """A short, readable account of a solved scenario."""
    s = run.summary
    region_names = {**run.dataset["regions"]["name_en"].to_dict(), "all": "All regions"}
    console.print(
        f"[bold]{escape(str(s['scenario']))}[/]: {s['status']}, total cost "
        f"{s['objective_10k_cny'] / 1e4:,.2f} x10^8 CNY/yr; base year {s['base_year']}; "
        f"{s['model_size']['variables']:,} variables; solved in "
        f"{s['timing_s']['solve']:.2f} s (built in {s['timing_s']['build']:.2f} s)"
    )
    util = run.results.utilization
    table = Table(
        title="Utilization rate by region of origin (target in brackets)", title_justify="left"
    )
    table.add_column("region")
    headers = {
        "bulk": "bulk",
        "smelting_slag": "smelting slag",
        "byproduct_gypsum": "by-product gypsum",
        "red_mud": "red mud",
        "all": "all",
    }
    groups = list(headers)
    for g in groups:
        table.add_column(headers[g], justify="right", overflow="fold")
    for level, area in [("region", r) for r in sorted(set(util[util.level == "region"].area))] + [
        ("total", "all")
    ]:
        cells = []
        for g in groups:
            row = util[(util.level == level) & (util.area == area) & (util.group == g)]
            if row.empty:
                cells.append("-")
                continue
            cells.append(rate_cell(row.iloc[0]))
        table.add_row(escape(str(region_names.get(area, area))), *cells)
    console.print(table)
    costs = run.results.costs.set_index("component")["cost_10k_cny"]
    parts = ", ".join(
        f"{k} {v / 1e4:,.2f}" for k, v in costs.items() if k != "total" and abs(v) > 1e-6
    )
    console.print(f"Cost (x10^8 CNY/yr): {escape(parts)}")
    co2 = s["co2_10kt"]
    console.print(
        f"CO2 (Mt/yr): transport {co2['transport'] / 100:,.2f}, avoided "
        f"{co2['avoided'] / 100:,.2f}, net {co2['net'] / 100:,.2f}"
    )
    most = s.get("net_co2_most_at_least_cost_10kt")
    if run.scenario.solver.tie_break == "co2" and s["solver"]["tie_break"] != "co2":
        console.print(
            "  [yellow]net CO2 is that of one least-cost allocation, not the least-CO2 one:[/] "
            "the second (least-CO2) solve did not finish; raise \\[solver] time_limit_s"
        )
    elif most is not None and most - co2["net"] > 1.0:
        console.print(
            f"  net CO2 is that of the least-CO2 allocation among the least-cost ones; "
            f"another allocation of the same cost has {most / 100:,.2f}"
        )
    prices = run.results.shadow_prices
    binding = prices[prices["binding"].astype(bool)]
    tgt = binding[binding["constraint"] == "target"]
    for _, r in tgt.iterrows():
        step = r.get("next_point_10k_cny")
        whole = (
            f"; a whole point more costs {step / 1e4:,.2f} x10^8 CNY/yr (re-solved)"
            if pd.notna(step)
            else f"; {r['note']}"
            if r.get("note")
            else ""
        )
        low, high = r.get("holds_from_rate"), r.get("holds_to_rate")
        holds = (
            f"; the price holds for rates {low:.2%} to {high:.2%} "
            "(HiGHS ranging, extended by re-solves)"
            if pd.notna(low) and pd.notna(high)
            else ""
        )
        console.print(
            f"Target {escape(str(r['region']))}/{escape(str(r['group']))} binds: "
            f"{r['shadow_price']:,.1f} CNY per extra t "
            f"at the margin, i.e. about {r['per_percentage_point_10k_cny'] / 1e4:,.2f} "
            f"x10^8 CNY/yr per percentage point if the margin held{whole}{holds}"
        )
    free = prices[
        (prices["constraint"] == "target")
        & ~prices["binding"].astype(bool)
        & prices["next_point_10k_cny"].notna()
    ]
    for _, r in free.iterrows():
        console.print(
            f"Target {escape(str(r['region']))}/{escape(str(r['group']))} is met exactly at a "
            f"zero price; a whole point more costs {r['next_point_10k_cny'] / 1e4:,.2f} "
            "x10^8 CNY/yr (re-solved)"
        )
    one_sided = binding[binding["one_sided"].astype(bool)]
    if not one_sided.empty:
        kinds = ", ".join(f"{n} {k}" for k, n in one_sided["constraint"].value_counts().items())
        console.print(
            f"One-sided prices ({kinds}): at 100% or at all the capacity there can be, so "
            "they cannot rise; their shadow price is not unique (shadow_prices.csv, one_sided)"
        )
    transport = s.get("transport")
    if transport:
        share = transport["rail_share_of_tkm"]
        console.print(
            f"Rail carries {share:.2%} of tonne-km"
            if share < 0.01
            else f"Rail carries {share:.1%} of tonne-km"
        )
    expansions = run.results.expansions
    at_limit = expansions[expansions["at_limit"].astype(bool)]
    if not at_limit.empty:
        kinds = ", ".join(f"{n} {p}" for p, n in at_limit["pathway"].value_counts().items())
        console.print(
            f"Expanded to their limit ({len(at_limit)}: {escape(kinds)}): the limit is an "
            "assumption (expansion_share in estimation/coefficients.csv) and decides these "
            "amounts; see the README on how results move with it (expansions.csv, at_limit)"
        )
    cap = binding[binding["constraint"] == "capacity"].nlargest(5, "shadow_price")
    if not cap.empty:
        short = "; ".join(
            f"{r['node']}/{r['pathway']} {r['shadow_price']:,.0f}" for _, r in cap.iterrows()
        )
        console.print(f"Scarcest capacity (CNY per t/yr of extra capacity): {escape(short)}")
    if run.out_dir is not None:
        console.print(f"Results: {escape(shown(run.out_dir))}", soft_wrap=True)


@app.command()
def validate(
    data_dir: Annotated[
        Path, typer.Argument(help="Data folder (default: the shipped data/regions)")
    ] = DEFAULT_DATA_DIR,
    scenario: Annotated[
        Path | None, typer.Option(help="Also check this scenario's targets against capacity")
    ] = None,
    resolution: Annotated[
        str, typer.Option(help="Node resolution to check: province or prefecture")
    ] = "province",
) -> None:
    """Check a data folder; print every problem with file, row, column, value, expectation.

    With --scenario, also apply the scenario and report targets that no capacity
    in reach could meet, before any solve.
    """
    from model.core.config import load_scenario
    from model.core.inputs import prepare, read_distances
    from model.core.presolve import unreachable_targets
    from model.data.tables import RESOLUTIONS, load_dataset

    if resolution not in RESOLUTIONS:
        err.print(
            f"[bold red]error:[/] --resolution {escape(resolution)}: expected one of "
            f"{', '.join(RESOLUTIONS)}"
        )
        raise typer.Exit(code=2)
    try:
        dataset = load_dataset(data_dir, resolution)
        _, distance_notes = read_distances(dataset)  # optional; checked as solve checks it
        problems = []
        if scenario is not None:
            loaded = load_scenario(scenario)
            problems = unreachable_targets(prepare(dataset, loaded), loaded.name)
    except DataError as exc:
        print_problems(exc)
    except WasteallocError as exc:
        _fail(exc)
    if problems:
        err.print(f"[bold red]{len(problems)} problem(s)[/] with scenario {escape(str(scenario))}:")
        for problem in problems:
            err.print(f"  {escape(str(problem))}", soft_wrap=True)
        raise typer.Exit(code=2)
    n = {k: len(v) for k, v in dataset.tables.items()}
    console.print(
        f"[green]ok[/]: {escape(str(dataset.data_dir))} — {n['nodes']} nodes, "
        f"{n['streams']} streams, {n['pathways']} pathways, {n['generation']} generation rows, "
        f"{n['capacity']} capacity rows, {n['sources']} sources"
    )
    for note in distance_notes:
        console.print(f"note: {escape(note)}", soft_wrap=True)
    _list_other_years(dataset.data_dir)


def _list_other_years(data_dir: Path) -> None:
    """Print the rows whose figures are of a year other than the base year (not an error)."""
    from model.data.checks import other_year_rows
    from model.data.tables import load_tables

    frames, _ = load_tables(data_dir)
    listing = other_year_rows(frames)
    if not listing:
        return
    base = int(frames["parameters"].set_index("parameter").loc["base_year", "value"])
    console.print(
        f"Rows with figures of a year other than the base year {base} (as their notes say):"
    )
    for file, column, year, rows in listing:
        label = "rows" if "," in rows or "-" in rows else "row"
        console.print(f"  {file} {column} {year}: {label} {rows}", soft_wrap=True)
