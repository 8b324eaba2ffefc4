"""The flow matrix: how much waste arising in each region (node) is used in each region
(node), as CSV tables and a heatmap. The diagonal is use inside the region (node) of
origin; a row adds up to what that origin sends to use, a column to what that
destination takes in.

Files: ``flow_matrix_regions.csv`` and ``flow_matrix_<unit>s.csv`` (10^4 t/yr, origins
down, destinations across, ids as in the data, a Chinese and an English name column
first) and ``chart_flow_matrix.png`` (both matrices as heatmaps when the nodes are few
enough to read, else the region matrix alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm

from model.files import write_atomically
from model.outputs.maps.base import MapData
from model.outputs.maps.figure import MAX_LABELLED_NODES, language
from model.outputs.maps.figure_files import save_figure, stem_name
from model.outputs.maps.flows import amount_text
from model.outputs.maps.text import markup, word

CMAP = "YlOrBr"


def node_matrix(data: MapData) -> pd.DataFrame:
    """Amount (10^4 t/yr) from each origin node (rows) to each destination node (columns),
    all streams and modes; every node of the map is a row and a column."""
    hauls = data.table("hauls")
    # grouped by region, so the regions' blocks lie on the diagonal
    shapes = data.shapes.sort_values(["region", "node"])
    nodes = list(shapes["node"])
    table = hauls.pivot_table(
        index="origin", columns="destination", values="amount_10kt", aggfunc="sum", fill_value=0.0
    )
    return table.reindex(index=nodes, columns=nodes, fill_value=0.0).astype(float)


def region_matrix(data: MapData) -> pd.DataFrame:
    """The node matrix summed over the regions of origin and of destination."""
    nodes = node_matrix(data)
    region = data.node_region
    by_origin = nodes.groupby(nodes.index.map(region)).sum()
    out = by_origin.T.groupby(by_origin.columns.map(region)).sum().T
    order = sorted(set(region))
    return out.reindex(index=order, columns=order, fill_value=0.0)


def _named(matrix: pd.DataFrame, zh: Sequence[str], en: Sequence[str], key: str) -> pd.DataFrame:
    out = matrix.round(2).copy()
    out.insert(0, "name_en", list(en))
    out.insert(0, "name_zh", list(zh))
    out.index.name = key
    out.columns.name = None
    return out


def write_tables(data: MapData, folder: Path) -> list[Path]:
    """``flow_matrix_regions.csv`` and ``flow_matrix_<unit>s.csv`` in ``folder``."""
    regions = region_matrix(data)
    nodes = node_matrix(data)
    names_zh = data.names("zh")
    names_en = data.names("en")
    frames = {
        "flow_matrix_regions.csv": _named(
            regions,
            [data.region_name(r, "zh") for r in regions.index],
            [data.region_name(r, "en") for r in regions.index],
            "origin_region",
        ),
        f"flow_matrix_{data.resolution}s.csv": _named(
            nodes,
            [names_zh[n] for n in nodes.index],
            [names_en[n] for n in nodes.index],
            "origin_node",
        ),
    }
    written = []
    for name, frame in frames.items():
        path = folder / name
        written.append(write_atomically(path, partial(_to_csv, frame)))
    return written


def _to_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, float_format="%.2f", lineterminator="\n")


def _heatmap(ax: Axes, matrix: pd.DataFrame, labels: Sequence[str], title: str, unit: str) -> None:
    values = matrix.to_numpy()
    positive = values[values > 0]
    norm = (
        LogNorm(vmin=max(positive.min(), positive.max() / 1e4), vmax=positive.max())
        if positive.size
        else None  # no waste moves at all: an empty grid
    )
    shown = np.where(values > 0, values, np.nan)
    image = ax.imshow(shown, cmap=CMAP, norm=norm)
    ax.set_facecolor("#f4f4f4")
    ax.set_xticks(range(len(labels)), labels, rotation=90 if len(labels) > 6 else 0, fontsize=6.5)
    ax.set_yticks(range(len(labels)), labels, fontsize=6.5)
    ax.set_title(title, fontsize=9, loc="left")
    if len(labels) <= 6:  # few cells: write the amounts in them
        for (i, j), v in np.ndenumerate(values):
            if v > 0:
                ax.text(j, i, amount_text(v), ha="center", va="center", fontsize=7)
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.8)
    bar.ax.tick_params(labelsize=6.5)
    bar.set_label(markup(unit, "mpl"), fontsize=7)


def draw_flow_matrix(
    data: MapData,
    folder: Path,
    *,
    lang: str = "en",
    formats: Sequence[str] = ("png",),
    dpi: int = 200,
) -> list[Path]:
    """The CSV tables and the heatmap chart; returns the files written."""
    written = write_tables(data, folder)
    regions = region_matrix(data)
    nodes = node_matrix(data)
    unit = data.unit(lang)
    both = len(nodes) <= MAX_LABELLED_NODES
    with language(lang):
        fig, axes = plt.subplots(
            1, 2 if both else 1, figsize=(12.5 if both else 6.5, 6.2), squeeze=False
        )
        region_names = [data.region_name(r, lang) for r in regions.index]
        amount = word("unit.amount", lang)
        _heatmap(axes[0][0], regions, region_names, word("matrix.regions", lang), amount)
        if both:
            names = data.names(lang)
            _heatmap(
                axes[0][1],
                nodes,
                [names[n] for n in nodes.index],
                word("matrix.nodes", lang, unit=unit),
                amount,
            )
        for ax in axes[0]:
            ax.set_xlabel(word("matrix.destination", lang), fontsize=8)
            ax.set_ylabel(word("matrix.origin", lang), fontsize=8)
        title = word("title.flow_matrix", lang, unit=unit)
        fig.suptitle(markup(title, "mpl"), x=0.01, ha="left", fontsize=12)
        fig.text(
            0.01,
            0.01,
            markup(word("note.flow_matrix", lang, unit=unit), "mpl"),
            fontsize=7,
            color="#555555",
        )
        fig.subplots_adjust(left=0.1, right=0.97, bottom=0.2, top=0.88, wspace=0.35)
        texts = (
            [t.get_text() for t in fig.findobj(plt.Text) if t.get_text()] if lang == "zh" else []
        )
        stem = folder / stem_name("chart", "flow_matrix", "zh" if lang == "zh" else None)
        written += save_figure(fig, stem, formats, dpi, title, lang, texts)
    return written
