"""Mass-flow (Sankey) diagrams: waste streams to utilization pathways, regions to regions.

Streams → pathways comes from processing.csv, with what is left unutilized
(unutilized.csv) as one more destination, so each stream's band adds up to
what it generates. Region of origin → region of use comes from hauls.csv.

Each diagram is written as an interactive HTML page (plotly; offline, with the plotly.js
beside it) and as a static figure drawn here with matplotlib, so no browser is needed to
export it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from matplotlib import colormaps
from matplotlib.colors import to_hex, to_rgba
from matplotlib.patches import Polygon, Rectangle
from matplotlib.text import Text

from model.outputs.maps import fonts
from model.outputs.maps.base import MapData
from model.outputs.maps.figure import language, text_units, title_weight
from model.outputs.maps.figure_files import save_figure, stem_name
from model.outputs.maps.html_page import plotly_bundle_name, write_offline_html
from model.outputs.maps.text import markup, plain, thousands, word, wrap

UNUTILIZED = "__unutilized__"
UNUTILIZED_COLOUR = "#bdbdbd"
PATHWAY_COLOUR = "#525252"


@dataclass(frozen=True)
class SankeyData:
    """A two-column Sankey: links from left nodes to right nodes, and their words."""

    key: str
    links: pd.DataFrame
    """source, target, value (10^4 t/yr)."""
    left: tuple[str, ...]
    right: tuple[str, ...]
    labels: dict[str, str]
    colours: dict[str, str]
    """Colour of every node; links take their source's."""
    left_title: str
    right_title: str
    title: str
    note: str


def stream_pathway_links(data: MapData, lang: str) -> SankeyData:
    """Streams to pathways (processing.csv) and to 'unutilized' (unutilized.csv)."""
    processing = data.table("processing")
    used = processing.groupby(["stream", "pathway"], as_index=False)["amount_10kt"].sum()
    used.columns = ["source", "target", "value"]
    unutilized = data.table("unutilized").groupby("stream", as_index=False)["amount_10kt"].sum()
    left_over = pd.DataFrame(
        {"source": unutilized["stream"], "target": UNUTILIZED, "value": unutilized["amount_10kt"]}
    )
    links = pd.concat([used, left_over], ignore_index=True)
    links = links[links["value"] > 0].reset_index(drop=True)
    streams = _by_size(links, "source")
    pathways = [p for p in _by_size(links, "target") if p != UNUTILIZED]
    if UNUTILIZED in set(links["target"]):
        pathways.append(UNUTILIZED)
    colours = data.stream_colours()
    node_colours = {s: colours.get(s, "#777777") for s in streams}
    node_colours.update({p: PATHWAY_COLOUR for p in pathways if p != UNUTILIZED})
    node_colours[UNUTILIZED] = UNUTILIZED_COLOUR
    labels = {s: data.stream_name(s, lang) for s in streams}
    labels.update({p: data.pathway_name(p, lang) for p in pathways if p != UNUTILIZED})
    labels[UNUTILIZED] = word("unutilized_node", lang)
    return SankeyData(
        key="streams_pathways",
        links=links,
        left=tuple(streams),
        right=tuple(pathways),
        labels=labels,
        colours=node_colours,
        left_title=word("sankey.left_streams", lang),
        right_title=word("sankey.right_pathways", lang),
        title=word("title.sankey_streams", lang),
        note=word("note.sankey_streams", lang),
    )


def region_links(data: MapData, lang: str) -> SankeyData:
    """Region of origin to region of use, from hauls.csv (use in place included)."""
    hauls = data.table("hauls")
    region = data.node_region
    frame = pd.DataFrame(
        {
            "source": "from:" + hauls["origin"].map(region),
            "target": "to:" + hauls["destination"].map(region),
            "value": hauls["amount_10kt"],
        }
    )
    links = frame.groupby(["source", "target"], as_index=False)["value"].sum()
    links = links[links["value"] > 0].reset_index(drop=True)
    regions = sorted(set(region))
    palette = colormaps["Dark2"]
    colour = {r: to_hex(palette(i % palette.N)) for i, r in enumerate(regions)}
    left = [f"from:{r}" for r in regions if f"from:{r}" in set(links["source"])]
    right = [f"to:{r}" for r in regions if f"to:{r}" in set(links["target"])]
    labels = {n: data.region_name(n.split(":", 1)[1], lang) for n in left + right}
    colours = {n: colour[n.split(":", 1)[1]] for n in left + right}
    unit = data.unit(lang)
    return SankeyData(
        key="regions",
        links=links,
        left=tuple(left),
        right=tuple(right),
        labels=labels,
        colours=colours,
        left_title=word("sankey.left_regions", lang),
        right_title=word("sankey.right_regions", lang),
        title=word("title.sankey_regions", lang),
        note=word("note.sankey_regions", lang, unit=unit),
    )


def _by_size(links: pd.DataFrame, column: str) -> list[str]:
    totals = links.groupby(column)["value"].sum()
    return [str(k) for k in totals.sort_values(ascending=False, kind="stable").index]


# ---------------------------------------------------------------- static figure


def _column(
    ids: Sequence[str], totals: pd.Series, scale: float, gap: float, height: float
) -> dict[str, tuple[float, float]]:
    """Top and bottom (inches) of each node in a column, centred in ``height``."""
    sizes = [float(totals.get(i, 0.0)) * scale for i in ids]
    used = sum(sizes) + gap * (len(ids) - 1)
    top = height - (height - used) / 2
    out = {}
    for node, size in zip(ids, sizes, strict=True):
        out[node] = (top, top - size)
        top -= size + gap
    return out


def _band(x0: float, x1: float, top0: float, bot0: float, top1: float, bot1: float) -> np.ndarray:
    u = np.linspace(0.0, 1.0, 40)
    ease = 3 * u**2 - 2 * u**3
    x = x0 + (x1 - x0) * u
    upper = np.column_stack([x, top0 + (top1 - top0) * ease])
    lower = np.column_stack([x, bot0 + (bot1 - bot0) * ease])
    return np.vstack([upper, lower[::-1]])


def draw_static(
    sd: SankeyData,
    data: MapData,
    stem: Path,
    *,
    lang: str,
    formats: Sequence[str],
    dpi: int,
) -> list[Path]:
    """Draw the Sankey with matplotlib: two columns of bars joined by bands."""
    rows = max(len(sd.left), len(sd.right))
    slot_in = 0.34
    flow_h = max(3.2, rows * slot_in)
    fig_w = 10.0
    fig_h = flow_h + 1.9
    fig = plt.figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes((0.0, 0.7 / fig_h, 1.0, flow_h / fig_h))
    ax.set_axis_off()
    # x in inches across the figure: bars at 3.3 and 6.7, labels outside them
    ax.set_xlim(0, fig_w)
    ax.set_ylim(0, flow_h)
    x_left, x_right, bar = 3.25, fig_w - 3.25, 0.12
    total = float(sd.links["value"].sum())
    out_tot = sd.links.groupby("source")["value"].sum()
    in_tot = sd.links.groupby("target")["value"].sum()
    gap = 0.16
    scale = (flow_h - gap * (rows - 1)) / total if total > 0 else 0.0
    left = _column(sd.left, out_tot, scale, gap, flow_h)
    right = _column(sd.right, in_tot, scale, gap, flow_h)
    min_bar = 1.2 / 72
    for ids, pos, x in ((sd.left, left, x_left - bar), (sd.right, right, x_right)):
        for node in ids:
            top, bottom = pos[node]
            height = max(top - bottom, min_bar)
            ax.add_patch(
                Rectangle((x, top - height), bar, height, facecolor=sd.colours[node], lw=0)
            )
    # bands: leave each source in the order of the targets, enter each target in source order
    order_r = {n: i for i, n in enumerate(sd.right)}
    order_l = {n: i for i, n in enumerate(sd.left)}
    out_cursor = {n: left[n][0] for n in sd.left}
    in_cursor = {n: right[n][0] for n in sd.right}
    links = sd.links.assign(
        _s=sd.links["source"].map(order_l), _t=sd.links["target"].map(order_r)
    ).sort_values(["_s", "_t"])
    entering = links.sort_values(["_t", "_s"])
    in_pos = {}
    for _, link in entering.iterrows():
        h = float(link["value"]) * scale
        t = in_cursor[link["target"]]
        in_pos[(link["source"], link["target"])] = (t, t - h)
        in_cursor[link["target"]] = t - h
    for _, link in links.iterrows():
        h = float(link["value"]) * scale
        s = out_cursor[link["source"]]
        out_cursor[link["source"]] = s - h
        top1, bot1 = in_pos[(link["source"], link["target"])]
        ax.add_patch(
            Polygon(
                _band(x_left, x_right, s, s - h, top1, bot1),
                closed=True,
                facecolor=to_rgba(sd.colours[link["source"]], 0.45),
                edgecolor="none",
            )
        )
    label_kw: dict[str, Any] = {"fontsize": 7.5, "va": "center", "color": "#1a1a1a"}
    for node in sd.left:
        top, bottom = left[node]
        value = float(out_tot[node])
        ax.text(
            x_left - bar - 0.08,
            (top + bottom) / 2,
            f"{sd.labels[node]}  {thousands(value)} ({_share(value, total)})",
            ha="right",
            **label_kw,
        )
    for node in sd.right:
        top, bottom = right[node]
        value = float(in_tot[node])
        ax.text(
            x_right + bar + 0.08,
            (top + bottom) / 2,
            f"{sd.labels[node]}  {thousands(value)} ({_share(value, total)})",
            ha="left",
            **label_kw,
        )
    head: dict[str, Any] = {"fontsize": 9, "weight": title_weight(lang), "va": "bottom"}
    fig.text(x_left / fig_w, (0.7 + flow_h + 0.08) / fig_h, sd.left_title, ha="right", **head)
    fig.text(x_right / fig_w, (0.7 + flow_h + 0.08) / fig_h, sd.right_title, ha="left", **head)
    fig.text(
        0.012,
        1 - 0.12 / fig_h,
        sd.title,
        fontsize=13 if lang == "en" else 14,
        weight=title_weight(lang),
        va="top",
    )
    fig.text(
        0.012,
        1 - 0.5 / fig_h,
        wrap(data.subtitle(lang), text_units(fig_w, 9)),
        parse_math=False,  # user text: a "$" is a dollar sign
        fontfamily=fonts.user_text_family(lang),
        fontsize=9,
        color="#333333",
        va="top",
    )
    unit = word("sankey.unit", lang, total=thousands(total))
    foot = " ".join([unit, sd.note, word("note.source_plain", lang)])
    fig.text(
        0.012,
        0.08 / fig_h,
        wrap(markup(foot, "mpl"), text_units(fig_w - 0.3, 6.5)),
        fontsize=6.5,
        color="#555555",
        va="bottom",
    )
    texts = [plain(t.get_text()) for t in fig.findobj(Text)] if lang == "zh" else []
    return save_figure(fig, stem, formats, dpi, sd.title, lang, texts)


def _share(value: float, total: float) -> str:
    share = 100 * value / total if total > 0 else 0.0
    return f"{share:.1f}%" if share < 1 else f"{share:.0f}%"


# ---------------------------------------------------------------- interactive


def sankey_figure(sd: SankeyData, data: MapData, lang: str) -> go.Figure:
    """The same Sankey as a plotly figure, values in the tooltips."""
    nodes = list(sd.left) + list(sd.right)
    index = {n: i for i, n in enumerate(nodes)}
    unit = markup(word("unit.amount", lang), "html")
    link_colours = [
        "rgba({:.0f},{:.0f},{:.0f},0.45)".format(*[255 * c for c in to_rgba(sd.colours[s])[:3]])
        for s in sd.links["source"]
    ]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.0f",
            valuesuffix=" " + unit,
            node={
                "label": [sd.labels[n] for n in nodes],
                "color": [sd.colours[n] for n in nodes],
                "pad": 14,
                "thickness": 14,
                "line": {"width": 0},
                "hovertemplate": "%{label}<br>%{value}<extra></extra>",
            },
            link={
                "source": [index[s] for s in sd.links["source"]],
                "target": [index[t] for t in sd.links["target"]],
                "value": sd.links["value"].round(4).tolist(),
                "color": link_colours,
                "hovertemplate": "%{source.label} → %{target.label}<br>%{value}<extra></extra>",
            },
        )
    )
    fig.update_layout(
        title={
            "text": f"{sd.title}<br><sup>{html.escape(data.subtitle(lang))}</sup>",
            "x": 0.01,
            "xanchor": "left",
        },
        margin={"l": 20, "r": 20, "t": 80, "b": 40},
        height=max(500, 36 * max(len(sd.left), len(sd.right)) + 160),
        annotations=[
            {
                "text": f"{sd.left_title}  →  {sd.right_title}. "
                + markup(word("sankey.unit_short", lang), "html"),
                "x": 0,
                "y": -0.06,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "xanchor": "left",
                "font": {"size": 11, "color": "#555555"},
            }
        ],
    )
    return fig


def draw_sankeys(
    data: MapData,
    folder: Path,
    *,
    lang: str = "en",
    formats: Sequence[str] = ("png",),
    dpi: int = 200,
) -> list[Path]:
    """Both Sankeys, static (``formats``) and HTML; returns the files written."""
    written: list[Path] = []
    suffix = "zh" if lang == "zh" else None
    for build in (stream_pathway_links, region_links):
        with language(lang):
            sd = build(data, lang)
            stem = folder / stem_name("sankey", sd.key, suffix)
            written += draw_static(sd, data, stem, lang=lang, formats=formats, dpi=dpi)
        written.append(
            write_offline_html(sankey_figure(sd, data, lang), stem.with_name(stem.name + ".html"))
        )
    return [*written, folder / plotly_bundle_name()]
