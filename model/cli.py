"""The command line: parses, calls, prints. No model logic lives here."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from model import options as options_
from model.core.config import DEFAULT_DATA_DIR
from model.errors import DataError, Interrupted, ScenarioError, WasteallocError

if TYPE_CHECKING:
    from model.core.run import Run
    from model.outputs.folders import Kind, Written

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


@app.callback()
def _main() -> None:
    """Before every command: make SIGTERM clean up like Ctrl-C does."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)


def _fail(exc: Exception, code: int | None = None) -> None:
    """Print the error; exit 2 for bad input (data, scenario, options, folders), 1 otherwise."""
    from model.outputs.folders import OutputError

    err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
    default = 2 if isinstance(exc, DataError | ScenarioError | OutputError) else 1
    raise typer.Exit(code=code if code is not None else default)


def _interrupted(kept: str) -> None:
    """Ctrl-C: say what was kept, exit 130 (the shell's code for SIGINT)."""
    err.print(f"[bold yellow]interrupted[/]: {escape(kept)}", soft_wrap=True)
    raise typer.Exit(code=130)


def _notes(written: Written | None) -> None:
    for note in written.notes() if written is not None else []:
        console.print(f"note: {escape(note)}", soft_wrap=True)


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


@app.command()
def solve(
    scenario: Annotated[Path, typer.Argument(help="Scenario file, e.g. runs/baseline.toml")],
    out: Annotated[
        Path | None, typer.Option(help="Results folder (default: runs/<scenario name>/)")
    ] = None,
    maps: Annotated[bool, typer.Option(help="Draw the maps after solving.")] = True,
) -> None:
    """Solve a scenario and write its results folder (tables, summary.json, maps)."""
    from model.core.run import solve_file

    try:
        with console.status(f"solving {escape(str(scenario))} ..."):
            run = solve_file(scenario, out, draw_maps=maps)
    except WasteallocError as exc:
        _fail(exc)
        return
    except KeyboardInterrupt:
        _interrupted("nothing was written; earlier results, if any, are untouched")
        return
    print_summary(run)
    _notes(run.written)
    warn_figures_failed(run)


def warn_figures_failed(run: Run) -> None:
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
            r = row.iloc[0]
            cell = f"{r['rate']:.1%}"
            if pd.notna(r["target"]):
                mark = "[green]✓[/]" if r["met"] else "[red]✗[/]"
                cell += f" ({r['target']:.0%}) {mark}"
            cells.append(cell)
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
        console.print(
            f"Target {escape(str(r['region']))}/{escape(str(r['group']))} binds: "
            f"{r['shadow_price']:,.1f} CNY per extra t "
            f"at the margin, i.e. about {r['per_percentage_point_10k_cny'] / 1e4:,.2f} "
            f"x10^8 CNY/yr per percentage point if the margin held{whole}"
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
        console.print(f"Rail carries {transport['rail_share_of_tkm']:.1%} of tonne-km")
    cap = binding[binding["constraint"] == "capacity"].nlargest(5, "shadow_price")
    if not cap.empty:
        short = "; ".join(
            f"{r['node']}/{r['pathway']} {r['shadow_price']:,.0f}" for _, r in cap.iterrows()
        )
        console.print(f"Scarcest capacity (CNY per t/yr of extra capacity): {escape(short)}")
    if run.out_dir is not None:
        console.print(f"Results: {escape(str(run.out_dir))}", soft_wrap=True)


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
    from model.core.inputs import prepare
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
        problems = []
        if scenario is not None:
            loaded = load_scenario(scenario)
            problems = unreachable_targets(prepare(dataset, loaded), loaded.name)
    except DataError as exc:
        err.print(f"[bold red]{len(exc.problems)} problem(s)[/] in {escape(exc.data_dir)}:")
        for problem in exc.problems:
            err.print(f"  {escape(str(problem))}", soft_wrap=True)
        raise typer.Exit(code=2) from None
    except WasteallocError as exc:
        _fail(exc)
        return
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


@app.command("map")
def map_(
    result_dir: Annotated[
        Path | None, typer.Argument(help="A results folder, e.g. runs/baseline")
    ] = None,
    compare: Annotated[
        tuple[Path, Path] | None,
        typer.Option(
            metavar="A B", help="Two results folders: draw the change from A to B (B minus A)"
        ),
    ] = None,
    layer: Annotated[
        list[str] | None,
        typer.Option(
            "--layer",
            "-l",
            help="Map(s) to draw, repeat or separate by commas: utilization, unutilized, "
            "capacity_use, capacity_shadow_price, net_co2, flows, sankey, interactive "
            "(default: all; with --compare: the five choropleths)",
        ),
    ] = None,
    group: Annotated[str, typer.Option(help="Target group of the utilization maps")] = "bulk",
    pathway: Annotated[
        str | None, typer.Option(help="One pathway for the capacity maps (default: all)")
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of labels and titles: en or zh")] = "en",
    fmt: Annotated[str, typer.Option("--format", help="Static formats, e.g. png,svg,pdf")] = "png",
    dpi: Annotated[int, typer.Option(min=50, max=1200, help="PNG resolution")] = 200,
    scheme: Annotated[
        str | None,
        typer.Option(help="Classes: fisher_jenks, natural_breaks, quantiles, equal_interval"),
    ] = None,
    classes: Annotated[int, typer.Option(min=2, max=12, help="Number of classes")] = 5,
    breaks: Annotated[
        str | None,
        typer.Option(
            help="Fixed class breaks for one --layer, in its units: rates as shares "
            "(0,0.3,0.5,0.57,0.73,1); with --compare, changes of rates in percentage points"
        ),
    ] = None,
    min_flow: Annotated[
        float, typer.Option(min=0, help="Leave out flows under this (10^4 t/yr)")
    ] = 10.0,
    flow_scale: Annotated[
        float | None,
        typer.Option(
            help="Flow (10^4 t/yr) drawn at full arrow width; give two runs the same value "
            "to compare their flow maps (default: each run's largest)"
        ),
    ] = None,
    use_scale: Annotated[
        float | None,
        typer.Option(
            help="Local use (10^4 t/yr) drawn at full circle size (default: each run's largest)"
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the figures (default: the results folder)")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="Data folder (default: the one recorded in summary.json)"),
    ] = None,
    nodes: Annotated[Path | None, typer.Option(help="Node table to use instead")] = None,
    boundaries: Annotated[Path | None, typer.Option(help="Boundary file to use instead")] = None,
) -> None:
    """Draw maps, Sankey diagrams and the interactive page from saved results (no solving)."""
    from model.outputs import maps
    from model.outputs.folders import figure_folder

    chosen = [part.strip() for item in layer or [] for part in item.split(",") if part]
    try:
        options_.check_finite(min_flow=min_flow, flow_scale=flow_scale, use_scale=use_scale)
        if breaks is not None and compare is None:
            options_.check_rate_breaks(breaks, chosen)
        if compare is not None:
            chosen = chosen or list(maps.CHOROPLETHS)
        options = maps.MapOptions(
            maps=tuple(chosen) or maps.MAP_TYPES,
            group=group,
            pathway=pathway,
            lang=lang,
            formats=tuple(f.strip() for f in fmt.split(",") if f.strip()),
            dpi=dpi,
            scheme=scheme,
            k=classes,
            breaks=None
            if breaks is None
            else maps.parse_breaks(
                # a map of rates takes shares; a change map of rates takes percentage points
                breaks,
                shares=compare is None and any(c in maps.RATE_LAYERS for c in chosen),
            ),
            min_flow_10kt=min_flow,
            flow_scale_10kt=flow_scale,
            use_scale_10kt=use_scale,
        )
        where = {"data_dir": data, "nodes": nodes, "boundaries": boundaries}
        if out is not None:
            figure_folder(out)  # a new, empty or wastealloc folder: drawing adds, never removes
        if compare is not None:
            if result_dir is not None:
                raise maps.MapError("give either RESULT_DIR or --compare A B, not both")
            written = maps.compare_folders(compare[0], compare[1], options, out, **where)
        elif result_dir is not None:
            written = maps.draw_folder(result_dir, options, out, **where)
        else:
            raise maps.MapError("give a results folder (RESULT_DIR) or --compare A B")
    except maps.FiguresFailed as exc:
        for path in exc.written:
            console.print(f"wrote {escape(str(path))}", soft_wrap=True)
        _fail(exc, code=2)
        return
    except (WasteallocError, FileNotFoundError, ValueError) as exc:
        _fail(exc, code=2)
        return
    except KeyboardInterrupt:
        _interrupted("figures drawn before it are complete; the one being drawn was not saved")
        return
    for path in written:
        console.print(f"wrote {escape(str(path))}", soft_wrap=True)


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
    from model.core.run import default_out_dir
    from model.outputs.folders import check_target, write_run
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
    _notes(written)
    console.print(f"Results: {escape(str(target / 'sweep.csv'))}", soft_wrap=True)


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
        written = write_run(target, {"compare": table}, summary, kind="compare")
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
    _notes(written)
    console.print(f"Results: {escape(str(target / 'compare.csv'))}", soft_wrap=True)


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
    from model.core.run import default_out_dir
    from model.data.tables import load_dataset
    from model.outputs.folders import check_target, write_run
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
    _notes(written)
    console.print(f"Results: {escape(str(target))}", soft_wrap=True)


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
    from model.data.estimate import write_build

    try:
        written = write_build(data_dir)
    except WasteallocError as exc:
        _fail(exc)
        return
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
        return
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
    from model.outputs.folders import check_target

    target = out if out is not None else data.parent / f"regions-{file.stem}"
    try:
        check_target(target, "dataset")  # never the shipped data or a folder of the user's
        result = import_table(file, data, target, year, title, partial)
    except WasteallocError as exc:
        if isinstance(exc, DataError):
            err.print(f"[bold red]{len(exc.problems)} problem(s)[/] in {escape(exc.data_dir)}:")
            for problem in exc.problems:
                err.print(f"  {escape(str(problem))}", soft_wrap=True)
            raise typer.Exit(code=2) from None
        _fail(exc)
        return

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


if __name__ == "__main__":
    app()
