"""`wastealloc map`: figures from saved results (no solving)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from model.cli import options as options_
from model.cli.common import (
    _fail,
    _interrupted,
    app,
    console,
)
from model.errors import WasteallocError

if TYPE_CHECKING:
    pass


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
    year: Annotated[
        int | None,
        typer.Option(
            help="With --compare on multi-year runs: the model year to compare (default: the "
            "map year of the multi-year run(s); of two, a year both have)"
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
        Path | None,
        typer.Option(
            help="Folder for the figures (default: the results folder; with --compare A B: "
            "runs/compare-A-B/ beside A, where `wastealloc compare A B` writes)"
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="Data folder (default: the one recorded in summary.json)"),
    ] = None,
    nodes: Annotated[Path | None, typer.Option(help="Node table to use instead")] = None,
    boundaries: Annotated[Path | None, typer.Option(help="Boundary file to use instead")] = None,
) -> None:
    """Draw maps, Sankey diagrams and the interactive page from saved results (no solving)."""
    from model.files import figure_folder
    from model.outputs import maps

    chosen = [part.strip() for item in layer or [] for part in item.split(",") if part]
    try:
        options_.check_finite(min_flow=min_flow, flow_scale=flow_scale, use_scale=use_scale)
        if compare is not None:
            chosen = chosen or list(maps.CHOROPLETHS)
        elif year is not None:
            raise maps.MapError("--year: the model year of a comparison; give --compare A B")
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
            year=year,
        )
        where = {"data_dir": data, "nodes": nodes, "boundaries": boundaries}
        if compare is not None and out is None:
            out = maps.compare_folder(*compare)  # where `wastealloc compare A B` writes
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
    except (WasteallocError, FileNotFoundError, ValueError) as exc:
        _fail(exc, code=2)
    except KeyboardInterrupt:
        _interrupted("figures drawn before it are complete; the one being drawn was not saved")
    for path in written:
        console.print(f"wrote {escape(str(path))}", soft_wrap=True)
