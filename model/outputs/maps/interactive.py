"""The interactive map: every layer in one HTML page that works offline.

One plotly figure holds the five choropleths and the flow layer; a menu shows
one at a time, and hovering a node shows all its numbers. The page works with
no network:

- plotly.js is one file next to the pages (``plotly-VERSION.min.js``, about
  4.8 MB), which every page of the folder loads from there instead of holding
  a copy of its own: keep the pages with it (copy or zip the folder);
- there is no tile server: the shapes, and the base map under them (sea, neighbouring
  countries, the provinces not modelled; :mod:`model.outputs.maps.interactive_base`),
  are the page's own GeoJSON;
- plotly.js fetches a world outline (topojson) from its CDN for any geo plot
  with GeoJSON locations even when it draws no basemap; the page gives it an
  empty one in ``window.PlotlyGeoAssets`` first, so nothing is fetched;
- the Chinese font is embedded as a subset (:func:`model.outputs.maps.fonts.font_face_css`).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from model.outputs.maps.base import MapData
from model.outputs.maps.basemap import to_lonlat
from model.outputs.maps.choropleth import CHOROPLETHS, classes_for, layer_values, value_text
from model.outputs.maps.classify import NO_DATA_COLOUR
from model.outputs.maps.figure import REGION_LABEL_LONLAT
from model.outputs.maps.figure_files import stem_name
from model.outputs.maps.flows import local_use
from model.outputs.maps.html_page import (
    GEO_STUB,
    external_references,
    plotly_bundle_name,
    shared,
    write_offline_html,
    write_plotly_bundle,
)
from model.outputs.maps.interactive_base import SEA_COLOUR, base_traces, d3_geojson, ring_lines
from model.outputs.maps.interactive_flows import flow_traces
from model.outputs.maps.text import group_name, markup, thousands, word, wrap

__all__ = [
    "GEO_STUB",
    "external_references",
    "plotly_bundle_name",
    "write_offline_html",
    "write_plotly_bundle",
]


# ---------------------------------------------------------------- the map


def _geojson(data: MapData) -> dict[str, Any]:
    return d3_geojson(data.shapes, "node")


def _view_box(data: MapData) -> tuple[list[float], list[float]]:
    """The longitude and latitude ranges the page shows: the shapes and the region
    names, with a margin (plotly's fitbounds leaves a conic projection zoomed out on
    the whole globe)."""
    bounds = data.shapes.to_crs("EPSG:4326").total_bounds
    lons = [float(bounds[0]), float(bounds[2])]
    lats = [float(bounds[1]), float(bounds[3])]
    for region in data.dissolved().index:
        if region in REGION_LABEL_LONLAT:
            lon, lat, align = REGION_LABEL_LONLAT[str(region)]
            lons += [lon, lon + (16.0 if align == "left" else 4.0)]
            lats.append(lat)
    margin = 0.03 * max(max(lons) - min(lons), max(lats) - min(lats))
    return (
        [round(min(lons) - margin, 2), round(max(lons) + margin, 2)],
        [round(min(lats) - margin, 2), round(max(lats) + margin, 2)],
    )


def node_table(
    data: MapData, lang: str, group: str, pathway: str | None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Every node's numbers as text (the tooltip), and each layer's values."""
    nodes = list(data.shapes["node"])
    layers = {
        key: layer_values(data, key, lang, group=group, pathway=pathway) for key in CHOROPLETHS
    }
    util = data.table("utilization")
    rows = util[(util["level"] == "node") & (util["group"] == group)].set_index("area")
    cap = data.table("capacity_use")
    scarce = (
        cap.sort_values(["shadow_price_cny_per_t", "pathway"], ascending=[False, True])
        .groupby("node")
        .head(1)
        .set_index("node")
    )
    local = local_use(data.table("hauls"))
    unit = markup(word("unit.amount", lang), "html")
    co2_unit = markup(word("unit.co2", lang), "html")
    price_unit = word("unit.price", lang)
    table = pd.DataFrame(index=pd.Index(nodes, name="node"))
    table["name"] = [data.node_name(n, lang) for n in nodes]
    table["other_name"] = [data.node_name(n, "en" if lang == "zh" else "zh") for n in nodes]
    table["region"] = [data.region_name(r, lang) for r in data.shapes["region"]]
    dash = "–"

    def amount(v: float) -> str:
        return dash if pd.isna(v) else f"{thousands(v)} {unit}"

    table["rate"] = [value_text("rate", v) or dash for v in layers["utilization"].values]
    table["generated"] = [amount(rows["generated_10kt"].get(n, np.nan)) for n in nodes]
    table["utilized"] = [amount(rows["utilized_10kt"].get(n, np.nan)) for n in nodes]
    table["unutilized"] = [amount(v) for v in layers["unutilized"].values]
    table["capacity_use"] = [value_text("rate", v) or dash for v in layers["capacity_use"].values]
    table["shadow_price"] = [
        dash if pd.isna(v) else f"{thousands(v)} {price_unit}"
        for v in layers["capacity_shadow_price"].values
    ]
    table["scarcest"] = [
        f"{data.pathway_name(str(scarce.loc[n, 'pathway']), lang)} "
        f"({thousands(float(scarce.loc[n, 'shadow_price_cny_per_t']))})"
        if n in scarce.index and float(scarce.loc[n, "shadow_price_cny_per_t"]) > 0
        else dash
        for n in nodes
    ]
    table["net_co2"] = [
        dash if pd.isna(v) else f"{thousands(v)} {co2_unit}" for v in layers["net_co2"].values
    ]
    table["local"] = [amount(local.get(n, 0.0)) for n in nodes]
    return table, layers


TOOLTIP_FIELDS = (
    ("tip.region", "region"),
    ("tip.rate", "rate"),
    ("tip.generated", "generated"),
    ("tip.utilized", "utilized"),
    ("tip.unutilized", "unutilized"),
    ("tip.capacity_use", "capacity_use"),
    ("tip.shadow_price", "shadow_price"),
    ("tip.scarcest", "scarcest"),
    ("tip.net_co2", "net_co2"),
    ("tip.local_use", "local"),
)
"""What a node's tooltip lists: the words, and the column of :func:`node_table`."""

TOOLTIP_COLUMNS = ["name", "other_name", *(column for _, column in TOOLTIP_FIELDS)]


def _hover(lang: str, group: str) -> str:
    """The tooltip: the node's names, then one line per field of :data:`TOOLTIP_FIELDS`."""
    lines = ["<b>%{customdata[0]}</b> %{customdata[1]}"]
    for i, (key, _) in enumerate(TOOLTIP_FIELDS, start=2):
        label = markup(word(key, lang, group=group_name(group, lang)), "html")
        lines.append(f"{label}: %{{customdata[{i}]}}")
    return "<br>".join(lines) + "<extra></extra>"


LAYERS = (*CHOROPLETHS, "flows")


def interactive_map(
    data: MapData,
    *,
    lang: str = "en",
    group: str = "bulk",
    pathway: str | None = None,
    scheme: str | None = None,
    k: int = 5,
    min_flow_10kt: float = 10.0,
    show: str = "utilization",
    geojson: dict[str, Any] | None = None,
) -> tuple[go.Figure, dict[str, list[int]]]:
    """The figure, and the trace numbers of each layer; ``show`` is the layer shown first.
    ``geojson``: the nodes' shapes as the layers get them (default: :func:`_geojson`; the
    page gives a :func:`shared` stand-in)."""
    geojson = _geojson(data) if geojson is None else geojson
    table, layers = node_table(data, lang, group, pathway)
    custom = table[TOOLTIP_COLUMNS].to_numpy()
    hover = _hover(lang, group)
    nodes = list(table.index)
    fig = go.Figure()
    members: dict[str, list[int]] = {}
    titles: dict[str, str] = {}

    def add(trace: Any, layer: str | None) -> None:
        fig.add_trace(trace)
        if layer is not None:
            members.setdefault(layer, []).append(len(fig.data) - 1)

    # the base map first (underneath), on every layer; clipped a little wider than
    # the view, since a conic projection shows more than its longitude range at the top
    lon_range, lat_range = _view_box(data)
    base = base_traces(
        data.shapes, (lon_range[0] - 30, lat_range[0] - 6, lon_range[1] + 30, lat_range[1] + 10)
    )
    for trace in base:
        add(trace, None)
    based = bool(base)

    for key in CHOROPLETHS:
        layer = layers[key]
        values = layer.values.reindex(nodes).to_numpy()
        classes = classes_for(
            values, layer.style, lang, scheme=scheme, k=k, breaks=None, extra=layer.targets
        )
        z = classes.index(values).astype(float)
        colours = list(classes.colours)
        labels = list(classes.labels)
        if (z < 0).any():  # nodes without a value: one more, grey class at the bottom
            colours.insert(0, NO_DATA_COLOUR)
            labels.insert(0, word("legend.no_data", lang))
            z += 1
        n = len(colours)
        scale = []
        for i, colour in enumerate(colours):
            scale += [[i / n, colour], [(i + 1) / n, colour]]
        what = word(f"layer.{key}", lang)
        titles[key] = layer.title
        add(
            go.Choropleth(
                geojson=geojson,
                featureidkey="properties.node",
                locations=nodes,
                z=z,
                zmin=-0.5,
                zmax=n - 0.5,
                colorscale=scale,
                customdata=custom,
                hovertemplate=hover,
                marker={"line": {"color": "white", "width": 0.8}},
                colorbar={
                    "title": {
                        "text": markup(
                            word("legend.values", lang, what=what, unit=layer.unit), "html"
                        ),
                        "side": "top",
                    },
                    "tickvals": list(range(n)),
                    "ticktext": labels,
                    "len": 0.55,
                    "y": 0.98,
                    "yanchor": "top",
                    "x": 1.0,
                    "thickness": 16,
                },
                name=what,
            ),
            key,
        )

    # the flow layer: a plain base that still answers hovering, arcs and circles
    titles["flows"] = word("title.flows", lang, unit=data.unit(lang))
    add(
        go.Choropleth(
            geojson=geojson,
            featureidkey="properties.node",
            locations=nodes,
            z=[0.0] * len(nodes),
            colorscale=[[0, "#efefef"], [1, "#efefef"]],
            showscale=False,
            customdata=custom,
            hovertemplate=hover,
            marker={"line": {"color": "white", "width": 0.8}},
        ),
        "flows",
    )
    for trace in flow_traces(data, lang, min_flow_10kt):
        add(trace, "flows")

    for trace in _fixed_traces(data, lang):
        add(trace, None)

    if show not in LAYERS:
        raise ValueError(f"layer {show!r}: expected one of {', '.join(LAYERS)}")
    _layout(fig, data, lang, members, titles, show, based)
    return fig, members


def _fixed_traces(data: MapData, lang: str) -> list[Any]:
    """Region outlines, region names and node names: on every layer."""
    to_ll = to_lonlat()
    regions = data.dissolved().to_crs("EPSG:4326")
    lon, lat = ring_lines(regions.geometry, digits=4)
    traces: list[Any] = [
        go.Scattergeo(
            lon=lon,
            lat=lat,
            mode="lines",
            line={"color": "#1a1a1a", "width": 2},
            hoverinfo="skip",
            showlegend=False,
        )
    ]
    for region, geom in zip(regions.index, regions.geometry, strict=True):
        position = "middle center"
        if region in REGION_LABEL_LONLAT:
            x, y, align = REGION_LABEL_LONLAT[str(region)]
            position = "middle right" if align == "left" else "middle center"
        else:
            p = geom.representative_point()
            x, y = p.x, p.y
        traces.append(
            go.Scattergeo(
                lon=[x],
                lat=[y],
                mode="text",
                text=[f"<i><b>{data.region_name(str(region), lang)}</b></i>"],
                textposition=position,
                textfont={"size": 13, "color": "#1a1a1a"},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    if len(data.shapes) <= 40:
        xs, ys, lx, ly = [], [], [], []
        for _, row in data.shapes.iterrows():
            xs.append(row["text_x"])
            ys.append(row["text_y"])
            if row["leader"]:
                a = to_ll.transform(row["label_x"], row["label_y"])
                b = to_ll.transform(row["text_x"], row["text_y"])
                lx += [a[0], b[0], None]
                ly += [a[1], b[1], None]
        lon_, lat_ = to_ll.transform(np.array(xs), np.array(ys))
        if lx:
            traces.append(
                go.Scattergeo(
                    lon=lx,
                    lat=ly,
                    mode="lines",
                    line={"color": "#555555", "width": 0.8},
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
        traces.append(
            go.Scattergeo(
                lon=np.round(lon_, 4),
                lat=np.round(lat_, 4),
                mode="text",
                text=[data.node_name(n, lang) for n in data.shapes["node"]],
                textfont={"size": 11, "color": "#1a1a1a"},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    return traces


def _layout(
    fig: go.Figure,
    data: MapData,
    lang: str,
    members: dict[str, list[int]],
    titles: dict[str, str],
    show: str,
    based: bool,
) -> None:
    total = len(fig.data)
    layered = {i for idx in members.values() for i in idx}
    subtitle = html.escape(data.subtitle(lang))

    def visible(key: str) -> list[bool]:
        return [(i not in layered) or (i in members.get(key, [])) for i in range(total)]

    def title(key: str) -> str:
        return f"{markup(titles[key], 'html')}<br><sup>{subtitle}</sup>"

    buttons = [
        {
            "label": markup(word(f"layer.{key}", lang), "html"),
            "method": "update",
            "args": [{"visible": visible(key)}, {"title.text": title(key)}],
        }
        for key in LAYERS
    ]
    for trace, on in zip(fig.data, visible(show), strict=True):
        trace.visible = on
    lon_range, lat_range = _view_box(data)
    fig.update_layout(
        title={
            "text": title(show),
            "x": 0.01,
            "xanchor": "left",
            "y": 0.965,
            "yanchor": "top",
            "font": {"size": 20},
        },
        height=800,
        margin={"l": 10, "r": 150, "t": 130, "b": 60},
        paper_bgcolor="white",
        geo={
            "visible": False,
            "projection": {
                "type": "conic equal area",
                "parallels": [25, 47],
                "rotation": {"lon": 105},
            },
            "lonaxis": {"range": lon_range},
            "lataxis": {"range": lat_range},
            "bgcolor": SEA_COLOUR if based else "white",
        },
        legend={
            "x": 0.0,
            "y": 0.0,
            "xanchor": "left",
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0.85)",
            "title": {"text": word("legend.streams", lang)},
            "font": {"size": 11},
        },
        updatemenus=[
            {
                "buttons": buttons,
                "direction": "down",
                "x": 0.01,
                "xanchor": "left",
                "y": 1.0,
                "yanchor": "top",
                "showactive": True,
                "active": LAYERS.index(show),
            }
        ],
        annotations=[
            {
                "text": word("html.layer", lang) + ":",
                "x": 0.01,
                "y": 1.05,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "xanchor": "left",
                "font": {"size": 11, "color": "#555555"},
            },
            {
                "text": "<br>".join(wrap(word("note.source", lang), 150).splitlines()),
                "x": 0.0,
                "y": 0.0,
                "xref": "paper",
                "yref": "paper",
                "yanchor": "top",
                "showarrow": False,
                "xanchor": "left",
                "align": "left",
                "font": {"size": 10, "color": "#555555"},
            },
        ],
    )


def write_html(
    data: MapData,
    folder: Path,
    *,
    lang: str = "en",
    group: str = "bulk",
    pathway: str | None = None,
    scheme: str | None = None,
    k: int = 5,
    min_flow_10kt: float = 10.0,
    show: str = "utilization",
) -> Path:
    """Write ``map.html`` (``map_zh.html`` in Chinese) into ``folder``."""
    fig, _ = interactive_map(
        data,
        show=show,
        lang=lang,
        group=group,
        pathway=pathway,
        scheme=scheme,
        k=k,
        min_flow_10kt=min_flow_10kt,
        geojson=shared("nodes"),  # the six layers' shapes: once in the page
    )
    return write_offline_html(
        fig,
        folder / (stem_name("map", "zh" if lang == "zh" else None) + ".html"),
        variables={"nodes": _geojson(data)},
    )
