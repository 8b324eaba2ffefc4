"""Result tables + boundaries -> figures. Maps never solve: they read saved results.

The map set of a results folder:

- choropleths (:mod:`model.outputs.maps.choropleth`): utilization rate against target,
  unutilized amount, capacity use, shadow price of capacity, net CO2;
- a flow map (:mod:`model.outputs.maps.flows`): hauls between nodes as arrows whose
  width is the amount, banded by stream, and use in place as circles;
- Sankey diagrams (:mod:`model.outputs.maps.sankey`): streams to pathways, and region
  of origin to region of use, as PNG/SVG/PDF and as HTML;
- one interactive page (:mod:`model.outputs.maps.interactive`) with all the layers and
  the node's numbers in tooltips; works offline (plotly.js is one file beside the pages);
- comparison maps (:mod:`model.outputs.maps.compare`): scenario B minus scenario A.

Everything is in English or Chinese (``lang``); Chinese uses the font that
installs with the project (:mod:`model.outputs.maps.fonts`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from model.outputs.maps import (
    choropleth,
    compare,
    flow_matrix,
    flows,
    interactive,
    panel,
    parallel,
    record,
    sankey,
)
from model.outputs.maps.base import (
    LABEL_LONLAT,
    MapData,
    MapError,
    MapJoinError,
    load_boundaries,
    map_data,
)
from model.outputs.maps.basemap import CHINA_ALBERS
from model.outputs.maps.choropleth import CHOROPLETHS, RATE_LAYERS
from model.outputs.maps.classify import SCHEMES, BreaksError, parse_breaks
from model.outputs.maps.figure_files import FORMATS, ensure_folder
from model.outputs.maps.files import FigureFailure, FiguresFailed
from model.outputs.maps.fonts import MissingGlyphError
from model.outputs.maps.text import LANGS

__all__ = [
    "CHINA_ALBERS",
    "CHOROPLETHS",
    "FORMATS",
    "LABEL_LONLAT",
    "LANGS",
    "MAP_TYPES",
    "RATE_LAYERS",
    "SCHEMES",
    "BreaksError",
    "FigureFailure",
    "FiguresFailed",
    "MapData",
    "MapError",
    "MapJoinError",
    "MapOptions",
    "MissingGlyphError",
    "compare_folder",
    "compare_folders",
    "draw_after_solve",
    "draw_comparison",
    "draw_figures",
    "draw_folder",
    "draw_maps",
    "draw_run_maps",
    "draw_utilization",
    "figure_jobs",
    "load_boundaries",
    "load_results",
    "map_data",
    "parse_breaks",
    "run_map_data",
]

MAP_TYPES = (*CHOROPLETHS, "flows", "flow_matrix", "sankey", "interactive")
"""Everything ``wastealloc map`` draws, in the order it draws them."""


@dataclass(frozen=True)
class MapOptions:
    """What to draw and how; the defaults are the set that ``wastealloc solve`` writes."""

    maps: tuple[str, ...] = MAP_TYPES
    group: str = "bulk"
    """Target group of the utilization and unutilized maps."""
    pathway: str | None = None
    """One pathway for the capacity maps (default: all pathways together)."""
    lang: str = "en"
    formats: tuple[str, ...] = ("png",)
    dpi: int = 200
    scheme: str | None = None
    """Classification scheme (default: each layer's own, Fisher-Jenks)."""
    k: int = 5
    breaks: tuple[float, ...] | None = None
    """Fixed class breaks, in the layer's units (rates as shares: 0.57)."""
    min_flow_10kt: float = 10.0
    """Flows between nodes below this (10^4 t/yr) are not drawn."""
    flow_scale_10kt: float | None = None
    """Flow (10^4 t/yr) drawn at full arrow width; default: the run's largest."""
    use_scale_10kt: float | None = None
    """Local use (10^4 t/yr) drawn at full circle size; default: the run's largest."""
    year: int | None = None
    """Change maps of multi-year runs: the model year compared (:func:`compare.compare_year`)."""

    def __post_init__(self) -> None:
        unknown = [m for m in self.maps if m not in MAP_TYPES]
        if unknown:
            raise MapError(f"map(s) {', '.join(unknown)}: expected some of {', '.join(MAP_TYPES)}")
        if self.lang not in LANGS:
            raise MapError(f"language {self.lang!r}: expected one of {', '.join(LANGS)}")
        bad = [f for f in self.formats if f not in FORMATS]
        if bad or not self.formats:
            raise MapError(f"format(s) {', '.join(bad) or '(none)'}: expected {', '.join(FORMATS)}")
        if self.scheme is not None and self.scheme not in SCHEMES:
            raise MapError(f"scheme {self.scheme!r}: expected one of {', '.join(SCHEMES)}")
        if self.k < 2:
            raise MapError(f"classes {self.k}: expected at least 2")
        if self.min_flow_10kt < 0:
            raise MapError(f"min flow {self.min_flow_10kt}: expected a number ≥ 0")
        for name, value in (
            ("flow scale", self.flow_scale_10kt),
            ("use scale", self.use_scale_10kt),
        ):
            if value is not None and not value > 0:
                raise MapError(f"{name} {value}: expected a number > 0 (10^4 t/yr)")
        if self.breaks is not None:
            drawn = [m for m in self.maps if m in CHOROPLETHS]
            if len(drawn) != 1:
                raise MapError(
                    "--breaks fixes the classes of one layer: choose it with --layer "
                    f"(one of {', '.join(CHOROPLETHS)})"
                )

    def choropleth_kwargs(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "group": self.group,
            "pathway": self.pathway,
            "scheme": self.scheme,
            "k": self.k,
            "breaks": self.breaks,
            "formats": self.formats,
            "dpi": self.dpi,
        }


def load_results(
    result_dir: Path,
    *,
    year: int | None = None,
    data_dir: Path | None = None,
    nodes: Path | None = None,
    boundaries: Path | None = None,
) -> MapData:
    """Read a results folder and join it to its geometry; no solving.

    ``data_dir`` defaults to the data folder recorded in ``summary.json`` (or
    the shipped one if that is gone); ``nodes`` and ``boundaries`` replace the
    data folder's node table and boundary file. A multi-year run is read as its
    model year ``year`` (default: its map year).
    """
    from model.core.config import DEFAULT_DATA_DIR
    from model.data.schema import TABLES
    from model.data.tables import load_dataset, read_table
    from model.errors import DataError
    from model.outputs.folders import read_run

    try:
        tables, summary = read_run(Path(result_dir), year)
    except FileNotFoundError as exc:
        raise MapError(str(exc)) from exc
    except (OSError, ValueError) as exc:  # unreadable CSV or JSON: the reader's own words
        raise MapError(f"{result_dir}: cannot read the results ({exc})") from exc
    if not isinstance(summary, dict):
        raise MapError(f"{result_dir}/summary.json: expected a JSON object")
    if data_dir is None:
        recorded = Path(str(summary.get("inputs", {}).get("data_dir", "")))
        data_dir = recorded if str(recorded) and recorded.is_dir() else DEFAULT_DATA_DIR
    dataset = load_dataset(data_dir, str(summary.get("resolution", "province")))
    node_table = dataset.nodes
    if nodes is not None:
        problems: list[Any] = []
        spec = next(s for s in TABLES if s.file == "nodes.csv")
        node_table = read_table(Path(nodes), spec, problems).drop(columns="_row", errors="ignore")
        if problems:
            raise DataError(str(nodes), problems)
    return map_data(
        tables,
        summary,
        node_table,
        Path(boundaries) if boundaries is not None else dataset.boundaries_path,
        dataset.tables,
        source=str(result_dir),
    )


def run_map_data(
    tables: Mapping[str, pd.DataFrame], summary: Mapping[str, Any], dataset: Any
) -> MapData:
    """Map data straight from a solved run (``model.run``), before anything is written."""
    return map_data(
        tables,
        summary,
        dataset.nodes,
        dataset.boundaries_path,
        dataset.tables,
        source=str(summary.get("scenario", "")),
    )


def draw_utilization(data: MapData, folder: Path, options: MapOptions) -> list[Path]:
    """The utilization map (``map_utilization.png``): rate by node, regions against target."""
    return choropleth.draw_choropleth(data, "utilization", folder, **options.choropleth_kwargs())


Drawer = parallel.Drawer


def figure_jobs(data: MapData, options: MapOptions) -> list[tuple[str, Drawer]]:
    """Each figure of ``options`` as (its name for messages, a function drawing it into a
    folder); a map type is one figure in every format (the Sankeys: both diagrams)."""
    o = options
    jobs: list[tuple[str, Drawer]] = []
    for name in o.maps:
        draw: Drawer
        if name in CHOROPLETHS:
            draw = partial(choropleth.draw_choropleth, data, name, **o.choropleth_kwargs())
        elif name == "flows":
            draw = partial(
                flows.draw_flows,
                data,
                lang=o.lang,
                min_flow_10kt=o.min_flow_10kt,
                formats=o.formats,
                dpi=o.dpi,
                flow_scale_10kt=o.flow_scale_10kt,
                use_scale_10kt=o.use_scale_10kt,
            )
        elif name == "flow_matrix":
            draw = partial(
                flow_matrix.draw_flow_matrix, data, lang=o.lang, formats=o.formats, dpi=o.dpi
            )
        elif name == "sankey":
            draw = partial(sankey.draw_sankeys, data, lang=o.lang, formats=o.formats, dpi=o.dpi)
        else:  # interactive
            page = partial(
                interactive.write_html,
                data,
                lang=o.lang,
                group=o.group,
                pathway=o.pathway,
                scheme=o.scheme,
                k=o.k,
                min_flow_10kt=o.min_flow_10kt,
            )

            def draw(folder: Path, page: Callable[[Path], Path] = page) -> list[Path]:
                written = page(folder)
                return [written, written.with_name(interactive.plotly_bundle_name())]

        jobs.append((name if o.lang == "en" else f"{name} ({o.lang})", draw))
    return jobs


def draw_figures(folder: Path, jobs: Sequence[tuple[str, Drawer]]) -> list[Path]:
    """Draw each figure into ``folder``; one that fails does not stop the others.

    Returns the files written, or raises :class:`FiguresFailed` (which holds them
    and says which figures failed and why) once every figure has been tried. The
    figures are drawn side by side where there are cores for it
    (:mod:`model.outputs.maps.parallel`).
    """
    folder = ensure_folder(folder)
    written: list[Path] = []
    failed: list[FigureFailure] = []
    for files, failure in parallel.draw_all(folder, jobs):
        written += files
        if failure is not None:
            failed.append(failure)
    written = list(dict.fromkeys(written))  # the pages share one plotly.js
    if failed:
        raise FiguresFailed(failed, written, len(jobs))
    return written


def draw_maps(data: MapData, folder: Path, options: MapOptions | None = None) -> list[Path]:
    """Draw the chosen maps of one results folder into ``folder``; returns the files."""
    options = options or MapOptions()
    _prepare(data, options)
    return draw_figures(folder, figure_jobs(data, options))


def draw_run_maps(data: MapData, folder: Path, dpi: int = 200) -> list[Path]:
    """The map set ``wastealloc solve`` writes: everything in English, and the
    utilization map in Chinese too."""
    options = MapOptions(dpi=dpi)
    chinese = replace(options, maps=("utilization",), lang="zh")
    _prepare(data, options)
    return draw_figures(folder, figure_jobs(data, options) + figure_jobs(data, chinese))


def _prepare(data: MapData, options: MapOptions) -> None:
    """The geometry the static maps share, made before they are drawn side by side."""
    if any(m in CHOROPLETHS or m == "flows" for m in options.maps):
        # not fatal here: each figure that needs it makes it again and, if that fails,
        # is named with the reason (one figure's failure never stops the others)
        with contextlib.suppress(Exception):
            panel.prepare(data)


def draw_after_solve(
    tables: Mapping[str, pd.DataFrame],
    summary: Mapping[str, Any],
    dataset: Any,
    folder: Path,
    previous: Path | None = None,
    made: Mapping[Hashable, Any] | None = None,
) -> tuple[list[Path], list[FigureFailure]]:
    """The map set of a solve, drawn into its results folder, never raising for a figure:
    returns the files written and the figures that failed (the solve's tables are kept
    whatever happens to its maps; an interrupt still stops everything).

    ``previous``: the results folder being replaced; the map sets ``wastealloc map`` drew
    into it (other languages, formats, layers) are drawn again from the new results
    (:mod:`model.outputs.maps.record`). ``made``: geometry made while the model solved
    (:mod:`model.outputs.ahead`), taken over instead of made again."""
    try:
        data = run_map_data(tables, summary, dataset)
    except Exception as exc:  # e.g. a corrupt boundary file: no figure can be drawn
        return [], [FigureFailure.of("all maps", exc)]
    data.adopt(made or {})
    written: list[Path] = []
    failed: list[FigureFailure] = []
    try:
        written = draw_run_maps(data, folder)
    except FiguresFailed as exc:
        written, failed = exc.written, exc.failures
    if previous is not None and Path(previous).is_dir():
        again, not_again = record.redraw(Path(previous), folder, data)
        written += again
        failed += not_again
    return list(dict.fromkeys(written)), failed


def draw_comparison(
    before: MapData,
    after: MapData,
    folder: Path,
    options: MapOptions | None = None,
) -> list[Path]:
    """Maps of ``after`` minus ``before`` for the chosen choropleth layers."""
    options = options or MapOptions()
    layers: Sequence[str] = [m for m in options.maps if m in CHOROPLETHS]
    if not layers:
        raise MapError(f"--compare draws choropleths: choose among {', '.join(CHOROPLETHS)}")
    return compare.draw_changes(
        before,
        after,
        ensure_folder(folder),
        layers,
        lang=options.lang,
        group=options.group,
        pathway=options.pathway,
        breaks=options.breaks,
        formats=options.formats,
        dpi=options.dpi,
    )


def draw_folder(
    result_dir: Path,
    options: MapOptions,
    out: Path | None = None,
    *,
    data_dir: Path | None = None,
    nodes: Path | None = None,
    boundaries: Path | None = None,
) -> list[Path]:
    """``wastealloc map RESULT_DIR``: draw from a results folder into it (or ``out``).

    A set drawn into the results folder itself is recorded there, so that solving the
    scenario again draws it again (:mod:`model.outputs.maps.record`)."""
    data = load_results(result_dir, data_dir=data_dir, nodes=nodes, boundaries=boundaries)
    folder = Path(out) if out is not None else Path(result_dir)
    written = draw_maps(data, folder, options)
    if folder.resolve() == Path(result_dir).resolve() and not (nodes or boundaries or data_dir):
        record.remember(folder, options)
        written.append(folder / record.RECORD)
    return written


def compare_folders(
    before: Path,
    after: Path,
    options: MapOptions,
    out: Path | None = None,
    *,
    data_dir: Path | None = None,
    nodes: Path | None = None,
    boundaries: Path | None = None,
) -> list[Path]:
    """``wastealloc map --compare A B``: maps of B minus A, into the comparison folder of
    A and B (:func:`compare_folder`, where ``wastealloc compare A B`` writes) or ``out``;
    recorded there, so that ``wastealloc compare A B`` draws them again. Multi-year runs
    are compared in one model year (``options.year``, :func:`compare.compare_year`)."""
    where = {"data_dir": data_dir, "nodes": nodes, "boundaries": boundaries}
    year = compare.compare_year(before, after, options.year)
    a = load_results(before, year=year, **where)
    b = load_results(after, year=year, **where)
    folder = Path(out) if out is not None else compare_folder(before, after)
    written = draw_comparison(a, b, folder, options)
    if not (nodes or boundaries or data_dir):
        record.remember(folder, options, (Path(before), Path(after)))
        written.append(folder / record.RECORD)
    return written


def compare_folder(before: Path, after: Path) -> Path:
    """Where the comparison of A and B goes by default: ``runs/compare-A-B/`` beside A,
    as ``wastealloc compare A B`` writes it."""
    a, b = Path(before), Path(after)
    return a.parent / f"compare-{a.absolute().name}-{b.absolute().name}"
