"""Maps drawn from saved results: every map type, joins, fonts, classes, flows, HTML.

The baseline is solved once for the module (with the map set that ``solve``
writes); everything else is drawn from its saved results, at low resolution.
"""

from __future__ import annotations

import json
import re
import shutil
import string
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.files import MARKER
from model.outputs import maps
from model.outputs.maps import choropleth, classify, flows, fonts, interactive, sankey, text
from model.outputs.maps.figure import MapFigure, language
from model.outputs.maps.tables import RESULT_COLUMNS, check_columns
from model.run import solve_file
from tests.conftest import DATA, RUNS

PNG = b"\x89PNG\r\n\x1a\n"
RUN_SET = (
    "map_utilization.png",
    "map_utilization_zh.png",
    "map_unutilized.png",
    "map_capacity_use.png",
    "map_capacity_shadow_price.png",
    "map_net_co2.png",
    "map_flows.png",
    "sankey_streams_pathways.png",
    "sankey_streams_pathways.html",
    "sankey_regions.png",
    "sankey_regions.html",
    "map.html",
)
LOW_DPI = 50


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """runs/baseline.toml solved once, with the map set ``solve`` draws."""
    out = tmp_path_factory.mktemp("maps") / "baseline"
    solve_file(RUNS / "baseline.toml", out)
    return out


@pytest.fixture(scope="module")
def data(solved: Path) -> maps.MapData:
    return maps.load_results(solved)


def copy_results(solved: Path, tmp_path: Path, name: str = "results") -> Path:
    target = tmp_path / name
    shutil.copytree(solved, target, ignore=shutil.ignore_patterns("*.png", "*.html"))
    return target


# ---------------------------------------------------------------- the map set


def test_solve_writes_the_full_map_set(solved: Path) -> None:
    for name in RUN_SET:
        path = solved / name
        assert path.is_file() and path.stat().st_size > 10_000, name
        if name.endswith(".png"):
            assert path.read_bytes()[:8] == PNG, name


def test_every_map_type_in_every_format(data: maps.MapData, tmp_path: Path) -> None:
    options = maps.MapOptions(formats=("png", "svg", "pdf"), dpi=LOW_DPI)
    written = maps.draw_maps(data, tmp_path, options)
    names = {p.name for p in written}
    for key in maps.CHOROPLETHS:
        for fmt in ("png", "svg", "pdf"):
            assert f"map_{key}.{fmt}" in names
    for stem in ("map_flows", "sankey_streams_pathways", "sankey_regions"):
        for fmt in ("png", "svg", "pdf"):
            assert f"{stem}.{fmt}" in names
    assert {"map.html", "sankey_streams_pathways.html", "sankey_regions.html"} <= names
    assert {"flow_matrix_regions.csv", "flow_matrix_provinces.csv"} <= names
    for path in written:
        head = path.read_bytes()[:200]
        if path.suffix == ".csv":  # the flow matrices: small tables
            assert head.startswith(b"origin_"), path.name
            continue
        assert path.stat().st_size > 5_000, path.name
        if path.suffix == ".pdf":
            assert head.startswith(b"%PDF-")
        elif path.suffix == ".svg":
            assert b"<svg" in path.read_bytes()[:2000]
        elif path.suffix == ".png":
            assert head.startswith(PNG)
        elif path.suffix == ".js":
            assert path.name == interactive.plotly_bundle_name()
        else:
            assert head.lstrip().lower().startswith((b"<!doctype html>", b"<html"))


def test_chinese_map_set(data: maps.MapData, tmp_path: Path) -> None:
    written = maps.draw_maps(data, tmp_path, maps.MapOptions(lang="zh", dpi=LOW_DPI))
    names = {p.name for p in written}
    assert {"map_utilization_zh.png", "map_flows_zh.png", "map_zh.html"} <= names
    assert "sankey_streams_pathways_zh.png" in names


def test_pdf_embeds_the_chinese_font(data: maps.MapData, tmp_path: Path) -> None:
    options = maps.MapOptions(maps=("utilization",), lang="zh", formats=("pdf",))
    (pdf,) = maps.draw_maps(data, tmp_path, options)
    body = pdf.read_bytes()
    assert b"NotoSansSC" in body  # embedded (subset), not left to the reader's system


def test_other_group_and_pathway_get_their_own_files(data: maps.MapData, tmp_path: Path) -> None:
    options = maps.MapOptions(
        maps=("utilization", "capacity_use"),
        group="smelting_slag",
        pathway="cement_clinker_and_admixture",
        dpi=LOW_DPI,
    )
    names = {p.name for p in maps.draw_maps(data, tmp_path, options)}
    assert names == {
        "map_utilization_smelting_slag.png",
        "map_capacity_use_cement_clinker_and_admixture.png",
    }


def test_unknown_group_or_pathway_is_named(data: maps.MapData) -> None:
    with pytest.raises(maps.MapError, match=r"group 'nope'.*bulk"):
        choropleth.layer_values(data, "utilization", "en", group="nope")
    with pytest.raises(maps.MapError, match=r"pathway 'nope'.*metal_recovery"):
        choropleth.layer_values(data, "capacity_use", "en", pathway="nope")


def test_bad_options_are_refused() -> None:
    with pytest.raises(maps.MapError, match="language 'fr'"):
        maps.MapOptions(lang="fr")
    with pytest.raises(maps.MapError, match="format"):
        maps.MapOptions(formats=("jpg",))
    with pytest.raises(maps.MapError, match="--breaks fixes the classes of one layer"):
        maps.MapOptions(breaks=(0.0, 1.0))
    with pytest.raises(maps.MapError, match="map"):
        maps.MapOptions(maps=("volcanoes",))


# ---------------------------------------------------------------- joins


def test_every_result_node_joins_a_geometry(data: maps.MapData) -> None:
    shapes = data.shapes
    assert shapes.geometry.notna().all()
    assert (~shapes.geometry.is_empty).all()
    assert len(shapes) == len(pd.read_csv(DATA / "nodes.csv"))
    known = set(shapes["node"])
    hauls = data.tables["hauls"]
    assert set(hauls["origin"]) | set(hauls["destination"]) <= known
    for name in ("processing", "unutilized", "capacity_use", "node_emissions"):
        assert set(data.tables[name]["node"]) <= known, name
    util = data.tables["utilization"]
    assert set(util.loc[util["level"] == "node", "area"]) <= known
    assert shapes.crs == pyproj.CRS(maps.CHINA_ALBERS)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("hauls", "destination"),
        ("processing", "node"),
        ("capacity_use", "node"),
        ("node_emissions", "node"),
        ("utilization", "area"),
    ],
)
def test_a_result_row_with_an_unknown_node_is_named(
    solved: Path, tmp_path: Path, table: str, column: str
) -> None:
    results = copy_results(solved, tmp_path)
    frame = pd.read_csv(results / f"{table}.csv")
    row = frame[frame["level"] == "node"].iloc[[0]] if table == "utilization" else frame.iloc[[0]]
    row = row.assign(**{column: "atlantis"})
    pd.concat([frame, row]).to_csv(results / f"{table}.csv", index=False)
    with pytest.raises(maps.MapJoinError, match=rf"{table}\.csv: atlantis"):
        maps.load_results(results)


def test_a_node_without_boundary_is_named(tmp_path: Path) -> None:
    nodes = pd.read_csv(DATA / "nodes.csv")
    nodes.loc[nodes["node"] == "gansu", "adcode"] = 990000
    with pytest.raises(maps.MapJoinError, match=r"gansu \(adcode 990000\)"):
        maps.load_boundaries(DATA / "boundaries_province.geojson", nodes)


def test_node_table_and_boundaries_are_parameters(solved: Path, tmp_path: Path) -> None:
    """Another node table and boundary file join on adcode (here: renamed copies)."""
    nodes = pd.read_csv(DATA / "nodes.csv")
    nodes.to_csv(tmp_path / "my_nodes.csv", index=False)
    shutil.copy(DATA / "boundaries_province.geojson", tmp_path / "my_shapes.geojson")
    loaded = maps.load_results(
        solved, nodes=tmp_path / "my_nodes.csv", boundaries=tmp_path / "my_shapes.geojson"
    )
    assert sorted(loaded.shapes["node"]) == sorted(nodes["node"])


# ---------------------------------------------------------------- Chinese


def label_strings(data: maps.MapData) -> list[str]:
    """Every name and phrase a Chinese figure can show."""
    names = [data.node_name(n, "zh") for n in data.shapes["node"]]
    names += [str(v) for v in data.shapes["name_zh"]]
    names += [str(v) for v in data.regions["name_zh"]]
    names += [str(v) for v in data.streams["name_zh"]]
    names += [str(v) for v in data.pathways["name_zh"]]
    phrases = [entry["zh"] for entry in text.WORDS.values()]
    phrases += [entry["zh"] for entry in text.GROUPS.values()]
    phrases += [entry["zh"] for entry in text.UNIT_WORDS.values()]
    fields = {f for p in phrases for _, f, _, _ in string.Formatter().parse(p) if f}
    filled = [p.format(**dict.fromkeys(fields, "")) for p in phrases]
    return names + filled + [text.plain(text.markup(p, "mpl")) for p in filled]


def test_bundled_font_covers_every_chinese_label(data: maps.MapData) -> None:
    strings = label_strings(data)
    assert any("宁夏" in s for s in strings) and any("综合利用率" in s for s in strings)
    assert fonts.missing_glyphs(strings) == {}


def test_font_comes_from_the_installed_package() -> None:
    path = fonts.cjk_font_path()
    assert "site-packages" in path.parts or "dist-packages" in path.parts
    assert path.stat().st_size > 1_000_000
    assert fonts.cjk_family() == "Noto Sans SC"


def test_missing_glyph_is_an_error_not_a_box() -> None:
    assert fonts.missing_glyphs(["北京", "CO₂"]) == {"CO₂": "₂"}
    with pytest.raises(fonts.MissingGlyphError, match=r"U\+2082"):
        fonts.check_glyphs(["CO₂"])


def test_a_node_name_the_font_lacks_stops_the_chinese_map(
    data: maps.MapData, tmp_path: Path
) -> None:
    shapes = data.shapes.copy()
    shapes.loc[shapes["node"] == "gansu", "name_zh"] = "甘肃\U00020000省"  # CJK extension B
    odd = replace(data, shapes=shapes)
    with pytest.raises(fonts.MissingGlyphError, match="U\\+20000"):
        choropleth.draw_choropleth(odd, "utilization", tmp_path, lang="zh", dpi=LOW_DPI)


def test_chinese_maps_render_without_glyph_warnings(data: maps.MapData, tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        choropleth.draw_choropleth(data, "net_co2", tmp_path, lang="zh", dpi=LOW_DPI)
        flows.draw_flows(data, tmp_path, lang="zh", dpi=LOW_DPI)
        sankey.draw_sankeys(data, tmp_path, lang="zh", dpi=LOW_DPI)
    glyphs = [str(w.message) for w in caught if "Glyph" in str(w.message)]
    assert glyphs == []
    assert not [w for w in caught if "findfont" in str(w.message)]


def test_every_string_on_a_chinese_map_is_in_the_font(data: maps.MapData) -> None:
    layer = choropleth.layer_values(data, "utilization", "zh")
    classes = choropleth.classes_for(
        layer.values.to_numpy(), layer.style, "zh", scheme=None, k=5, breaks=None
    )
    with language("zh"):
        fig = choropleth._choropleth_figure(data, layer, classes, "zh", "rate")
        texts = fig.texts()
    import matplotlib.pyplot as plt

    plt.close(fig.fig)
    assert any("宁夏" in t for t in texts)
    assert fonts.missing_glyphs(texts) == {}


def test_short_chinese_names() -> None:
    assert text.short_name_zh("宁夏回族自治区") == "宁夏"
    assert text.short_name_zh("内蒙古自治区") == "内蒙古"
    assert text.short_name_zh("河北省") == "河北"
    assert text.short_name_zh("北京市") == "北京"
    assert text.short_name_zh("海西蒙古族藏族自治州") == "海西"
    assert text.short_name_zh("阿坝藏族羌族自治州") == "阿坝"
    assert text.short_name_zh("锡林郭勒盟") == "锡林郭勒盟"


# ---------------------------------------------------------------- classes


def test_fixed_breaks_are_honoured(data: maps.MapData, tmp_path: Path) -> None:
    breaks = (0.0, 0.3, 0.5, 0.57, 0.73, 1.0)
    layer = choropleth.layer_values(data, "utilization", "en")
    classes = choropleth.classes_for(
        layer.values.to_numpy(), layer.style, "en", scheme=None, k=5, breaks=breaks
    )
    assert classes.edges == breaks
    assert classes.fixed
    assert classes.labels[0] == "0 to 30%" and classes.labels[-1] == "73 to 100%"
    values = layer.values.to_numpy()
    expected = np.searchsorted(np.array(breaks[1:-1]), values, side="left")
    assert (classes.index(values) == expected).all()
    options = maps.MapOptions(maps=("utilization",), breaks=breaks, dpi=LOW_DPI)
    assert [p.name for p in maps.draw_maps(data, tmp_path, options)] == ["map_utilization.png"]


def test_same_breaks_put_two_runs_on_one_scale(data: maps.MapData) -> None:
    breaks = (0.0, 0.4, 0.5, 0.6, 1.0)
    style = choropleth.STYLES["utilization"]
    a = choropleth.classes_for(np.array([0.45, 0.55]), style, "en", scheme=None, k=5, breaks=breaks)
    b = choropleth.classes_for(np.array([0.2, 0.95]), style, "en", scheme=None, k=5, breaks=breaks)
    assert a.edges == b.edges and a.colours == b.colours
    assert a.colour_of([0.55]) == b.colour_of([0.55])


@pytest.mark.parametrize("scheme", classify.SCHEMES)
def test_schemes_cover_the_data_with_round_edges(data: maps.MapData, scheme: str) -> None:
    layer = choropleth.layer_values(data, "unutilized", "en")
    values = layer.values.to_numpy()
    first = choropleth.classes_for(values, layer.style, "en", scheme=scheme, k=5, breaks=None)
    again = choropleth.classes_for(values, layer.style, "en", scheme=scheme, k=5, breaks=None)
    assert first == again  # same results, same map
    edges = np.array(first.edges)
    assert (np.diff(edges) > 0).all()
    assert edges[0] <= np.nanmin(values) and edges[-1] >= np.nanmax(values)
    assert 2 <= first.k <= 6
    step = classify.nice_step(float(np.nanmax(values) - np.nanmin(values)))
    assert np.allclose(edges / step, np.round(edges / step))


def test_targets_become_class_edges() -> None:
    style = choropleth.STYLES["utilization"]
    values = np.linspace(0.4, 0.9, 16)
    classes = choropleth.classes_for(
        values, style, "en", scheme="fisher_jenks", k=4, breaks=None, extra=(0.57,)
    )
    assert 0.57 in classes.edges


def test_signed_values_split_at_zero_and_centre_the_colours() -> None:
    style = choropleth.STYLES["net_co2"]
    classes = choropleth.classes_for(
        np.array([-2500.0, -900.0, -300.0, -40.0, 30.0]), style, "en", scheme=None, k=4, breaks=None
    )
    assert 0.0 in classes.edges
    below = classes.colour_of([-40.0])[0]
    above = classes.colour_of([30.0])[0]
    assert below != above
    assert all(c not in ("#ffffff", classify.NO_DATA_COLOUR) for c in classes.colours)


def test_parse_breaks() -> None:
    assert maps.parse_breaks("0,0.3, 0.5,1") == (0.0, 0.3, 0.5, 1.0)
    for bad in ("0", "0,a", "0.5,0.3", "0,0"):
        with pytest.raises(maps.BreaksError):
            maps.parse_breaks(bad)


# ---------------------------------------------------------------- flows


def test_threshold_filters_flows() -> None:
    """Pairs of nodes are kept or left out whole (all streams and modes together)."""
    cols = ["stream", "origin", "destination", "mode", "amount_10kt"]
    hauls = pd.DataFrame(
        [
            ("ash", "a", "b", "road", 30.0),
            ("slag", "a", "b", "rail", 20.0),
            ("ash", "b", "a", "road", 5.0),
            ("ash", "a", "a", "road", 100.0),
            ("ash", "c", "b", "road", 6.0),
            ("ash", "c", "b", "rail", 6.0),
        ],
        columns=cols,
    )
    everything = flows.flow_table(hauls, 0.0)
    assert list(everything.pairs.items()) == [
        (("a", "b"), 50.0),
        (("c", "b"), 12.0),
        (("b", "a"), 5.0),
    ]
    assert len(everything.bands) == 4  # a→b ash, a→b slag, b→a ash, c→b ash (modes summed)
    assert everything.dropped == 0 and everything.total == 3
    some = flows.flow_table(hauls, 10.0)
    assert list(some.pairs.index) == [("a", "b"), ("c", "b")]
    assert some.dropped == 1 and some.total == 3
    assert set(zip(some.bands["origin"], some.bands["destination"], strict=True)) == {
        ("a", "b"),
        ("c", "b"),
    }
    assert flows.flow_table(hauls, 51.0).pairs.empty


def test_a_fixed_flow_scale_gives_two_runs_the_same_widths() -> None:
    """With --flow-scale the width depends on the amount only, not on the run's largest
    flow; without it the run's largest flow gets the full width."""
    cols = ["stream", "origin", "destination", "mode", "amount_10kt"]
    small = flows.flow_table(pd.DataFrame([("ash", "a", "b", "road", 100.0)], columns=cols), 0)
    large = flows.flow_table(pd.DataFrame([("ash", "a", "b", "road", 400.0)], columns=cols), 0)
    fixed = [flows._width_scale(f, 1.0, 800.0) for f in (small, large)]
    assert fixed[0](100.0) == fixed[1](100.0) == pytest.approx(flows.MAX_WIDTH_PT / 8)
    assert fixed[1](400.0) == pytest.approx(flows.MAX_WIDTH_PT / 2)
    own = flows._width_scale(small, 1.0)
    assert own(100.0) == pytest.approx(flows.MAX_WIDTH_PT)
    circles = flows._circle_scale(pd.Series({"a": 100.0}), 1.0, 400.0)
    assert circles(100.0) == pytest.approx(flows.MAX_RADIUS_PT / 2)
    with pytest.raises(maps.MapError, match="flow scale 0"):
        maps.MapOptions(flow_scale_10kt=0.0)


def test_flows_of_the_baseline_leave_nothing_out(data: maps.MapData) -> None:
    hauls = data.tables["hauls"]
    everything = flows.flow_table(hauls, 0.0)
    between = hauls[hauls["origin"] != hauls["destination"]]
    assert everything.bands["amount_10kt"].sum() == pytest.approx(between["amount_10kt"].sum())
    assert (everything.bands["origin"] != everything.bands["destination"]).all()
    assert everything.dropped == 0


def test_local_use_is_what_stays_in_its_node(data: maps.MapData) -> None:
    hauls = data.tables["hauls"]
    local = flows.local_use(hauls)
    inside = hauls[hauls["origin"] == hauls["destination"]]
    assert local.sum() == pytest.approx(inside["amount_10kt"].sum())
    assert (local > 0).all()


def test_flow_map_with_no_flow_above_the_threshold(data: maps.MapData, tmp_path: Path) -> None:
    (path,) = flows.draw_flows(data, tmp_path, min_flow_10kt=1e9, dpi=LOW_DPI)
    assert path.read_bytes()[:8] == PNG


def test_html_flow_layer_follows_the_threshold(data: maps.MapData) -> None:
    def arcs(min_flow: float) -> int:
        fig, members = interactive.interactive_map(data, min_flow_10kt=min_flow)
        traces = [fig.data[i] for i in members["flows"]]
        return sum(t.type == "scattergeo" and t.mode == "lines+markers" for t in traces)

    everything = flows.flow_table(data.tables["hauls"], 0.0)
    assert arcs(0.0) == len(everything.bands)
    assert arcs(1e9) == 0


def test_arrow_bands_add_up_to_its_width() -> None:
    bands, head, _middle, outward = flows.ribbon(
        np.array([0.0, 0.0]),
        np.array([500e3, 0.0]),
        [10e3, 20e3],
        start_gap=5e3,
        end_gap=5e3,
        head_length=20e3,
        head_width=40e3,
        clearance=5e3,
    )
    assert len(bands) == 2 and head.shape == (3, 2)
    assert outward[1] < 0  # travelling east, the arrow bulges to its right (south)
    gap = float(np.hypot(*(head[1] - np.array([500e3, 0.0]))))
    assert 2.5e3 < gap < 10e3  # the tip stops short of the destination by about end_gap


def test_nice_reference_amounts() -> None:
    assert flows.nice_refs(17_030) == [10_000.0, 2_000.0, 500.0]
    assert flows.nice_refs(14.0) == [10.0, 2.0, 0.5]


# ---------------------------------------------------------------- Sankey


def test_sankey_keeps_the_mass_balance(data: maps.MapData) -> None:
    streams = sankey.stream_pathway_links(data, "en")
    util = data.tables["utilization"]
    total = util[(util["level"] == "total") & (util["group"] == "all")].iloc[0]
    # every tonne generated or drawn from stock goes to a use or stays unutilized
    supplied = float(total["generated_10kt"] + total["drawn_10kt"])
    assert streams.links["value"].sum() == pytest.approx(supplied, rel=1e-9)
    assert streams.right[-1] == sankey.UNUTILIZED
    regions = sankey.region_links(data, "en")
    assert regions.links["value"].sum() == pytest.approx(data.tables["hauls"]["amount_10kt"].sum())
    assert {s.split(":")[1] for s in regions.left} <= set(data.shapes["region"])


# ---------------------------------------------------------------- interactive


def test_html_pages_need_nothing_outside_their_folder(solved: Path) -> None:
    """Every page loads the one plotly.js next to it (not a copy each) and nothing else."""
    bundle = solved / interactive.plotly_bundle_name()
    assert "plotly.js v" in bundle.read_text(encoding="utf-8")[:500]
    assert [p.name for p in solved.glob("*.js")] == [bundle.name]
    for name in ("map.html", "sankey_streams_pathways.html", "sankey_regions.html"):
        page = (solved / name).read_text(encoding="utf-8")
        assert interactive.external_references(page) == [], name
        assert re.findall(r"<script[^>]+src=\"([^\"]+)\"", page) == [bundle.name], name
        assert not re.search(r"<link[^>]+href=", page), name
        assert len(page) < 3_000_000  # GeoJSON and fonts, but not plotly.js
        assert "data:font/woff;base64," in page
        assert "window.PlotlyGeoAssets" in page
        assert '"topojsonURL":"./"' in page.replace(" ", "")


def test_external_reference_check_catches_fetches() -> None:
    for fetched in (
        '<script src="https://cdn.plot.ly/plotly-2.js"></script>',
        "<link rel=stylesheet href='//fonts.example.org/a.css'>",
        "<style>@import url(https://example.org/x.css);</style>",
        "<div style=\"background: url('https://tile.example.org/1/2/3.png')\"></div>",
    ):
        assert interactive.external_references(fetched), fetched
    assert interactive.external_references('<a href="https://plotly.com">link</a>') == []


def test_html_map_has_every_layer_and_the_node_numbers(data: maps.MapData) -> None:
    fig, members = interactive.interactive_map(data)
    assert list(members) == [*maps.CHOROPLETHS, "flows"]
    menu = fig.layout.updatemenus[0]
    assert len(menu.buttons) == len(members)
    first = fig.data[members["utilization"][0]]
    assert list(first.locations) == list(data.shapes["node"])
    rows = {row[0]: row for row in first.customdata}
    hebei = rows["Hebei"]
    util = data.tables["utilization"]
    rate = util[(util["level"] == "node") & (util["area"] == "hebei") & (util["group"] == "bulk")]
    assert hebei[3] == text.percent(float(rate["rate"].iloc[0]))
    assert hebei[1] == "河北"
    assert "customdata[11]" in first.hovertemplate
    for key, idx in members.items():
        visible = [fig.data[i].visible for i in idx]
        assert all(visible) == (key == "utilization")


# ---------------------------------------------------------------- comparison


def test_comparison_draws_b_minus_a_on_a_zero_centred_scale(solved: Path, tmp_path: Path) -> None:
    after = copy_results(solved, tmp_path, "after")
    util = pd.read_csv(after / "utilization.csv")
    node = (util["level"] == "node") & (util["area"] == "shanxi") & (util["group"] == "bulk")
    util.loc[node, "rate"] = util.loc[node, "rate"] + 0.05
    util.to_csv(after / "utilization.csv", index=False)
    a = maps.load_results(solved)
    b = maps.load_results(after)
    layer, kind = maps.compare.change_values(a, b, "utilization", "en")
    assert kind == "pp"
    assert layer.values["shanxi"] == pytest.approx(5.0)
    assert layer.values.drop("shanxi").abs().max() == pytest.approx(0.0)
    options = maps.MapOptions(maps=("utilization", "net_co2"), dpi=LOW_DPI)
    written = maps.draw_comparison(a, b, tmp_path, options)
    assert [p.name for p in written] == [
        "map_utilization_change_from_baseline.png",
        "map_net_co2_change_from_baseline.png",
    ]
    classes = choropleth.classes_for(
        layer.values.to_numpy(),
        replace(layer.style, signed=True),
        "en",
        scheme=None,
        k=5,
        breaks=None,
        neutral_band=True,
        kind="pp",
        cmap="RdBu",
    )
    assert classes.edges[0] == -classes.edges[-1]
    assert classes.neutral is not None
    assert classes.colour_of([0.0]) == [classify.NO_CHANGE_COLOUR]


# ---------------------------------------------------------------- command line


def test_cli_map_with_breaks_and_formats(solved: Path, tmp_path: Path) -> None:
    results = copy_results(solved, tmp_path)
    result = CliRunner().invoke(
        app,
        [
            "map",
            str(results),
            "--layer",
            "utilization",
            "--breaks",
            "0,0.3,0.5,0.57,0.73,1",
            "--format",
            "png,svg,pdf",
            "--dpi",
            str(LOW_DPI),
        ],
    )
    assert result.exit_code == 0, result.output
    for fmt in ("png", "svg", "pdf"):
        assert (results / f"map_utilization.{fmt}").stat().st_size > 0


def test_cli_compare(solved: Path, tmp_path: Path) -> None:
    a = copy_results(solved, tmp_path, "a")
    b = copy_results(solved, tmp_path, "b")
    result = CliRunner().invoke(
        app, ["map", "--compare", str(a), str(b), "-l", "utilization", "--dpi", str(LOW_DPI)]
    )
    assert result.exit_code == 0, result.output
    # into the comparison folder, where `wastealloc compare a b` writes; not into b
    assert (tmp_path / "compare-a-b" / "map_utilization_change_from_baseline.png").is_file()
    assert not list(b.glob("*change_from*"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layer", "utilization", "--breaks", "0,x"], "expected numbers"),
        (["--breaks", "0,1"], "choose it with --layer"),
        (["--lang", "fr"], "language 'fr'"),
        (["--layer", "volcanoes"], "volcanoes"),
    ],
)
def test_cli_map_errors_are_clear(
    solved: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["map", str(copy_results(solved, tmp_path)), *args])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_map_figure_scale_is_the_same_in_x_and_y(data: maps.MapData) -> None:
    with language("en"):
        fig = MapFigure(data, "en", "title")
    x0, x1 = fig.ax.get_xlim()
    y0, y1 = fig.ax.get_ylim()
    box = fig.ax.get_position()
    w_in = box.width * fig.fig.get_figwidth()
    h_in = box.height * fig.fig.get_figheight()
    import matplotlib.pyplot as plt

    plt.close(fig.fig)
    assert (x1 - x0) / w_in == pytest.approx((y1 - y0) / h_in, rel=1e-6)


def test_a_corrupt_boundary_file_is_a_named_error(tmp_path: Path) -> None:
    """A broken GeoJSON gives a MapError naming the file, not a traceback from the reader."""
    from model.data.tables import load_dataset
    from model.outputs.maps import MapError, load_boundaries

    broken = tmp_path / "boundaries_province.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(MapError, match=r"boundaries_province\.geojson"):
        load_boundaries(broken, load_dataset(DATA).nodes)


# ---------------------------------------------------------------- robustness (issue 9)


def scenario_file(tmp_path: Path, description: str, data: Path = DATA, name: str = "s") -> Path:
    """A scenario where no waste crosses a border: road only, 1 km hauls, no floors."""
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f"description = {json.dumps(description, ensure_ascii=False)}\n"
        f"data = {str(data)!r}\n"
        "[transport]\nmax_haul_km = 1\nmodes = ['road']\n"
        "[targets]\nbase_year_floor = false\n"
        "[capacity]\nexpansion = false\n",
        encoding="utf-8",
    )
    return path


UNDRAWABLE = "情景 😀🚛 costs $\\nosuchcommand$ 5 \u200d\ufe0f tab\there "
"""Chinese, emoji no bundled font has, a mathtext error, invisible characters, a tab."""


@pytest.fixture(scope="module")
def local_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run where nothing crosses a border, with a description the fonts cannot draw, as
    long as a scenario may have (500 characters), longer than a subtitle shows."""
    folder = tmp_path_factory.mktemp("local")
    scenario = scenario_file(folder, (UNDRAWABLE + "word " * 100)[:500])
    solve_file(scenario, folder / "local")
    return folder / "local"


def test_a_run_with_no_flow_between_nodes_draws_every_map(local_only: Path) -> None:
    """A road-only run with 1 km hauls moves nothing between provinces: the flow map
    draws (no arrows), as does everything else."""

    hauls = pd.read_csv(local_only / "hauls.csv")
    assert len(hauls) and (hauls["origin"] == hauls["destination"]).all()
    summary = json.loads((local_only / "summary.json").read_text(encoding="utf-8"))
    assert summary["figures_failed"] == []
    for name in RUN_SET:
        assert (local_only / name).stat().st_size > 10_000, name


def test_no_flow_between_nodes_leaves_a_note(
    local_only: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts: list[str] = []
    save = MapFigure.save

    def spy(self: MapFigure, stem: Path, formats: tuple[str, ...], dpi: int) -> list[Path]:
        texts.extend(self.texts())
        return save(self, stem, formats, dpi)

    monkeypatch.setattr(MapFigure, "save", spy)
    local = maps.load_results(local_only)
    flows.draw_flows(local, tmp_path, dpi=LOW_DPI)
    assert any(t.startswith("No inter-node flows") for t in texts)
    table = flows.flow_table(local.tables["hauls"], 0.0)
    # selecting no rows keeps the columns (an empty list would have selected none)
    assert list(table.bands.columns) == ["origin", "destination", "stream", "amount_10kt"]
    assert table.bands.empty and table.pairs.empty and table.total == 0


def test_user_text_on_figures_is_bounded_and_drawable(local_only: Path, tmp_path: Path) -> None:
    """Scenario files stop at 500 characters, but a results folder's summary.json can hold
    anything: a 1 MB description is cut before layout (it used to hang the maps)."""
    local = maps.load_results(local_only)
    assert len(local.summary["description"]) == 500  # kept whole in summary.json
    huge = replace(local, summary={**local.summary, "description": UNDRAWABLE + "word " * 200_000})
    options = maps.MapOptions(maps=("utilization",), lang="zh", dpi=LOW_DPI)
    assert [p.name for p in maps.draw_maps(huge, tmp_path, options)] == ["map_utilization_zh.png"]
    for lang, data_ in (("en", local), ("zh", local), ("en", huge), ("zh", huge)):
        subtitle = data_.subtitle(lang)
        assert text.display_width(subtitle) < 2 * text.MAX_DESCRIPTION
        assert "…" in subtitle and "情景" in subtitle and "$\\nosuchcommand$" in subtitle
        assert fonts.missing_glyphs([subtitle]) == {}
        assert "□□" in subtitle  # the emoji, visibly replaced; invisible characters dropped
        assert "\t" not in subtitle and "\u200d" not in subtitle


def test_clip_bounds_user_text() -> None:
    assert text.clip("a\tb\n\nc\u200b d", 20) == "a b c d"
    assert text.clip("x" * 10, 10) == "x" * 10
    long = text.clip("word " * 300_000, 50)
    assert long.endswith("…") and text.display_width(long) <= 50
    wide = text.clip("情" * 100, 21)
    assert wide == "情" * 10 + "…"
    assert fonts.drawable("a😀b\ufe0f情") == "a□b情"


@pytest.mark.parametrize(
    ("table", "column"), [(t, c) for t, columns in RESULT_COLUMNS.items() for c in columns]
)
def test_a_result_table_without_a_column_the_maps_read_is_named(
    data: maps.MapData, table: str, column: str
) -> None:
    tables = {**data.tables, table: data.tables[table].drop(columns=column)}
    with pytest.raises(maps.MapError, match=rf"{table}\.csv: no column\(s\) {column} \(expected"):
        check_columns(tables, "runs/x")


def test_the_maps_read_only_columns_that_results_writes(solved: Path) -> None:
    for table, columns in RESULT_COLUMNS.items():
        written = pd.read_csv(solved / f"{table}.csv", nrows=0).columns
        assert set(columns) <= set(written), table


def test_text_or_infinity_in_a_number_column_is_named(data: maps.MapData) -> None:
    hauls = data.tables["hauls"].astype({"amount_10kt": object})
    hauls.loc[3, "amount_10kt"] = "lots"
    util = data.tables["utilization"].copy()
    util.loc[0, "rate"] = np.inf
    tables = {**data.tables, "hauls": hauls, "utilization": util}
    with pytest.raises(maps.MapError) as caught:
        check_columns(tables)
    message = str(caught.value)
    assert "hauls.csv row(s) 5, column amount_10kt: value 'lots'" in message
    assert "utilization.csv row(s) 2, column rate" in message
    check_columns(data.tables)  # the tables as written pass


def test_cli_map_names_a_missing_column(solved: Path, tmp_path: Path) -> None:
    results = copy_results(solved, tmp_path)
    util = pd.read_csv(results / "utilization.csv").drop(columns="rate")
    util.to_csv(results / "utilization.csv", index=False)
    result = CliRunner().invoke(app, ["map", str(results)])
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "utilization.csv: no column(s) rate" in message
    assert "Traceback" not in result.output and not list(results.glob("*.png"))


def test_a_failing_figure_keeps_the_solve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk error in one figure: the tables, summary.json and the other figures are
    written, the failure is in summary.json and on the terminal, and the exit code is 0."""
    import errno

    def no_space(data: maps.MapData, folder: Path, **_: object) -> list[Path]:
        (folder / "map_flows.png").write_bytes(b"half")  # what a full disk leaves
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "map_flows.png"))

    monkeypatch.setattr(flows, "draw_flows", no_space)
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["solve", str(scenario_file(tmp_path, "d")), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [f["figure"] for f in summary["figures_failed"]] == ["flows"]
    assert "No space left on device" in summary["figures_failed"][0]["reason"]
    message = " ".join(result.stderr.split())
    assert "warning: figure flows not drawn: cannot write the file: No space left" in message
    assert f"wastealloc map {out}" in message
    assert (out / "hauls.csv").is_file() and (out / "map_utilization.png").is_file()
    assert set(summary["files"]) == {p.name for p in out.iterdir()} - {"summary.json", MARKER}


def test_a_corrupt_boundary_file_keeps_the_solve(tmp_path: Path) -> None:

    data_dir = tmp_path / "data"
    shutil.copytree(DATA, data_dir, ignore=shutil.ignore_patterns("prefecture"))
    (data_dir / "boundaries_province.geojson").write_text('{"type": "Feat', encoding="utf-8")
    out = tmp_path / "run"
    solve_file(scenario_file(tmp_path, "d", data_dir), out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    (failure,) = summary["figures_failed"]
    assert failure["figure"] == "all maps"
    assert "boundaries_province.geojson: not a readable boundary file" in failure["reason"]
    tables = [f for f in summary["files"] if f.endswith(".csv")]
    assert len(tables) >= 10
    written = sorted(p.suffix for p in out.iterdir() if p.name != MARKER)
    assert written == [".csv"] * len(tables) + [".json"]  # every table, no figure


def test_cli_map_draws_the_other_figures_and_names_the_failed_one(
    solved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> list[Path]:
        raise KeyError("stream")

    monkeypatch.setattr(sankey, "draw_sankeys", broken)
    results = copy_results(solved, tmp_path)
    layers = ["-l", "utilization,sankey,flows", "--dpi", str(LOW_DPI)]
    result = CliRunner().invoke(app, ["map", str(results), *layers])
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "1 of 3 figures not drawn: sankey: unexpected KeyError at model/outputs/maps/" in message
    assert "'stream' (please report this)" in message
    assert (results / "map_utilization.png").is_file() and (results / "map_flows.png").is_file()
    assert "map_flows.png" in result.stdout and "Traceback" not in result.output


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_a_figure_is_replaced_whole_or_not_at_all(
    data: maps.MapData, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that dies half way leaves the previous figure as it was."""
    from matplotlib.figure import Figure

    options = maps.MapOptions(maps=("utilization",), formats=(fmt,), dpi=LOW_DPI)
    (path,) = maps.draw_maps(data, tmp_path, options)
    before = path.read_bytes()
    assert len(before) > 1_000

    def dies(self: Figure, target: Path, **kwargs: object) -> None:
        Path(target).write_bytes(before[:100])
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", dies)
    with pytest.raises(KeyboardInterrupt):
        maps.draw_maps(data, tmp_path, options)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_an_html_page_is_replaced_whole_or_not_at_all(
    data: maps.MapData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "map.html"
    page.write_text("previous", encoding="utf-8")
    write_text = Path.write_text

    def dies(self: Path, content: str, *args: object, **kwargs: object) -> int:
        write_text(self, content[:100], encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_text", dies)
    with pytest.raises(KeyboardInterrupt):
        interactive.write_html(data, tmp_path)
    monkeypatch.undo()
    assert page.read_text(encoding="utf-8") == "previous"
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["map.html", interactive.plotly_bundle_name()])


def test_kill_9_while_writing_leaves_the_old_figure(tmp_path: Path) -> None:
    """SIGKILL half way through a write: the figure is the old one; the leftover temporary
    file is removed by the next write of that figure."""
    import os
    import subprocess
    import sys

    from model import files

    figure = tmp_path / "map_flows.png"
    figure.write_bytes(b"old figure")
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from model.files import write_atomically\n"
        "def half(temp):\n"
        "    temp.write_bytes(b'half')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "write_atomically(Path(sys.argv[1]), half)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(figure)], check=False)
    assert done.returncode == -9
    assert figure.read_bytes() == b"old figure"
    (leftover,) = [p for p in tmp_path.iterdir() if p != figure]
    assert leftover.name.startswith(".map_flows.png.tmp-")
    files.write_atomically(figure, lambda temp: temp.write_bytes(b"new figure"))
    assert [p.name for p in tmp_path.iterdir()] == ["map_flows.png"]
    assert figure.read_bytes() == b"new figure"
    umask = os.umask(0)
    os.umask(umask)
    assert figure.stat().st_mode & 0o777 == 0o666 & ~umask


def test_breaks_for_rates_are_shares() -> None:
    with pytest.raises(
        maps.BreaksError, match=r"shares in \[0, 1\] \(did you mean 0,0\.57,0\.73,1\?\)"
    ):
        maps.parse_breaks("0,57,73,100", shares=True)
    assert maps.parse_breaks("0,57,73,100") == (0.0, 57.0, 73.0, 100.0)  # an amount layer
    with pytest.raises(maps.BreaksError, match=r"shares in \[0, 1\]$"):
        maps.parse_breaks("-0.1,0.5", shares=True)
    style = choropleth.STYLES["utilization"]
    with pytest.raises(maps.BreaksError, match="did you mean"):
        choropleth.classes_for(np.array([0.5]), style, "en", scheme=None, k=5, breaks=(0, 57))
    # a change of a rate is in percentage points: -5 to 5 is right there
    pp = choropleth.classes_for(
        np.array([1.0]), style, "en", scheme=None, k=5, breaks=(-5, 0, 5), kind="pp"
    )
    assert pp.edges[0] == -5


def test_cli_map_breaks_in_percent_get_a_hint(solved: Path, tmp_path: Path) -> None:
    results = copy_results(solved, tmp_path)
    args = ["map", str(results), "-l", "utilization", "--breaks", "0,57,73,100"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "did you mean 0,0.57,0.73,1?" in " ".join(result.stderr.split())
    assert not list(results.glob("*.png"))
