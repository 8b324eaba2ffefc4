"""The flow map: hauls between nodes as curved arrows, use in place as circles.

An arrow runs from the node where waste arises to the node where it is used,
bulging to its right so that flows both ways between two nodes stay apart. Its
width is the amount (all modes), split into bands by stream. Waste used in its
node of origin is a circle at the node's transport point, area ∝ amount. Flows
under a threshold (10^4 t/yr, between a pair of nodes, all streams) are left out
and counted in the key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Circle, Patch, Polygon, Rectangle

from model.outputs.maps.base import MapData
from model.outputs.maps.figure import HALO, MapFigure, language, region_handle
from model.outputs.maps.figure_files import stem_name
from model.outputs.maps.text import thousands, word

BASE_FILL = "#efefef"
CIRCLE_FACE = "#c8c8c8"
CIRCLE_EDGE = "#4d4d4d"
CIRCLE_ALPHA = 0.45
"""Circles of use in place are see-through, under the arrows: they hide no line."""
ARROW_COLOUR = "#3c3c3c"
KEY_GREY = "#8c8c8c"
ARROW_Z = 5
"""Arrows lie over the fills (1), the province lines and the circles (3), under the
region names (6), the node labels (7) and the amounts (8)."""
MAX_WIDTH_PT = 9.0
"""Width of the largest flow."""
MIN_WIDTH_PT = 0.9
"""Thinner flows are drawn this wide, so they stay visible."""
MAX_RADIUS_PT = 12.0
"""Radius of the largest circle."""
BULGE = 0.12
"""How far an arrow's middle stands off the straight line, as a share of its length (at
least its half width and a little more, so flows both ways between two nodes stay apart)."""
LABEL_SHARE = 0.1
"""Flows at least this share of the largest are labelled with their amount ..."""
MAX_LABELS = 8
"""... the largest few of them, so that a dense map stays readable."""


@dataclass(frozen=True)
class FlowSet:
    """Flows between nodes that are drawn, and how many were left out."""

    bands: pd.DataFrame
    """origin, destination, stream, amount_10kt: the drawn flows by stream."""
    pairs: pd.Series
    """Amount per drawn (origin, destination), largest first."""
    dropped: int
    total: int
    min_flow_10kt: float


def flow_table(hauls: pd.DataFrame, min_flow_10kt: float) -> FlowSet:
    """Flows between different nodes, all modes together, at least ``min_flow_10kt``."""
    between = hauls[hauls["origin"] != hauls["destination"]]
    bands = (
        between.groupby(["origin", "destination", "stream"], as_index=False)["amount_10kt"]
        .sum()
        .sort_values(["origin", "destination", "stream"], ignore_index=True)
    )
    pairs = bands.groupby(["origin", "destination"])["amount_10kt"].sum()
    kept = pairs[pairs >= min_flow_10kt].sort_values(ascending=False, kind="stable")
    keys = set(kept.index)
    # a boolean array, not a list: an empty list would select no columns, not no rows
    mask = np.array(
        [(o, d) in keys for o, d in zip(bands["origin"], bands["destination"], strict=True)],
        dtype=bool,
    )
    return FlowSet(
        bands=bands[mask].reset_index(drop=True),
        pairs=kept,
        dropped=len(pairs) - len(kept),
        total=len(pairs),
        min_flow_10kt=min_flow_10kt,
    )


def local_use(hauls: pd.DataFrame) -> pd.Series:
    """Waste used in the node where it arises (10^4 t/yr), by node."""
    inside = hauls[hauls["origin"] == hauls["destination"]]
    return inside.groupby("origin")["amount_10kt"].sum().sort_index()


def nice_refs(biggest: float, ratio: float = 4.0, count: int = 3) -> list[float]:
    """Round reference amounts for a key: 1, 2 or 5 times a power of ten, falling by ``ratio``."""
    refs: list[float] = []
    value = biggest
    for _ in range(count):
        if value <= 0:
            break
        power = 10 ** math.floor(math.log10(value))
        step = max((m for m in (1, 2, 5) if m * power <= value * (1 + 1e-9)), default=1)
        nice = step * power
        if nice not in refs:
            refs.append(float(nice))
        value = nice / ratio
    return refs


def _bezier(p0: np.ndarray, p2: np.ndarray, stand_off: float, n: int = 80) -> np.ndarray:
    """Points of a quadratic curve from p0 to p2 whose middle stands ``stand_off`` metres
    to the right of the straight line."""
    chord = p2 - p0
    length = float(np.hypot(*chord))
    right = np.array([chord[1], -chord[0]]) / length
    # the middle of a quadratic curve lies half way to its control point
    control = (p0 + p2) / 2 + right * 2 * stand_off
    t = np.linspace(0.0, 1.0, n)[:, None]
    return np.asarray((1 - t) ** 2 * p0 + 2 * (1 - t) * t * control + t**2 * p2)


def _trim(points: np.ndarray, start: float, end: float) -> np.ndarray:
    """A polyline less ``start`` metres at its beginning and ``end`` metres at its end."""
    steps = np.hypot(*np.diff(points, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    total = along[-1]
    keep = np.linspace(min(start, total * 0.45), max(total - end, total * 0.55), len(points))
    return np.column_stack(
        [np.interp(keep, along, points[:, 0]), np.interp(keep, along, points[:, 1])]
    )


def _normals(points: np.ndarray) -> np.ndarray:
    tangent = np.gradient(points, axis=0)
    tangent /= np.hypot(tangent[:, 0], tangent[:, 1])[:, None]
    return np.column_stack([tangent[:, 1], -tangent[:, 0]])


def ribbon(
    p0: np.ndarray,
    p2: np.ndarray,
    widths: Sequence[float],
    *,
    start_gap: float,
    end_gap: float,
    head_length: float,
    head_width: float,
    clearance: float,
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Band polygons (one per width, left to right), the arrowhead, the outer edge's middle
    and the outward direction there."""
    total = float(sum(widths))
    length = float(np.hypot(*(p2 - p0)))
    stand_off = max(BULGE * length, total / 2 + clearance)
    curve = _trim(_bezier(p0, p2, stand_off), start_gap, end_gap + head_length)
    normal = _normals(curve)
    edges = np.concatenate([[0.0], np.cumsum(widths)]) - total / 2
    bands = []
    for lo, hi in pairwise(edges):
        left = curve + normal * lo
        right = curve + normal * hi
        bands.append(np.vstack([left, right[::-1]]))
    tip_dir = curve[-1] - curve[-2]
    tip_dir /= np.hypot(*tip_dir)
    base = curve[-1]
    side = np.array([tip_dir[1], -tip_dir[0]])
    head = np.array(
        [base + side * head_width / 2, base + tip_dir * head_length, base - side * head_width / 2]
    )
    mid = len(curve) // 2
    return bands, head, curve[mid] + normal[mid] * (total / 2), normal[mid]


def draw_flows(
    data: MapData,
    folder: Path,
    *,
    lang: str = "en",
    min_flow_10kt: float = 10.0,
    formats: Sequence[str] = ("png",),
    dpi: int = 200,
    flow_scale_10kt: float | None = None,
    use_scale_10kt: float | None = None,
) -> list[Path]:
    """Draw the flow map; returns the files written.

    ``flow_scale_10kt`` is the flow drawn at full arrow width and ``use_scale_10kt``
    the local use drawn at full circle size (default: the largest of this run).
    Give two runs the same values to compare their maps.
    """
    hauls = data.table("hauls")
    flows = flow_table(hauls, min_flow_10kt)
    local = local_use(hauls)
    unit = data.unit(lang)
    with language(lang):
        fig = MapFigure(
            data,
            lang,
            word("title.flows", lang, unit=unit),
            [word("note.flows", lang, unit=unit)],
        )
        fig.fill([BASE_FILL] * len(data.shapes), edge="#ffffff")
        fig.outline_regions(width_pt=1.1)
        fig.label_nodes({n: data.node_name(n, lang) for n in data.shapes["node"]}, fontsize=6.5)
        m_pt = fig.m_per_pt
        points = data.shapes.set_index("node")[["x", "y"]]

        radius_of = _circle_scale(local, m_pt, use_scale_10kt)
        for node, amount in local.items():
            x, y = points.loc[node]
            fig.ax.add_patch(
                Circle(
                    (x, y),
                    radius_of(amount),
                    facecolor=CIRCLE_FACE,
                    edgecolor=CIRCLE_EDGE,
                    linewidth=0.6,
                    alpha=CIRCLE_ALPHA,
                    zorder=3,
                )
            )
        fig.ax.scatter(
            points["x"], points["y"], s=3, color="#222222", zorder=ARROW_Z + 0.5, linewidths=0
        )

        colours = data.stream_colours()
        width_of = _width_scale(flows, m_pt, flow_scale_10kt)
        for rank, ((origin, destination), amount) in enumerate(flows.pairs.items()):
            part = flows.bands[
                (flows.bands["origin"] == origin) & (flows.bands["destination"] == destination)
            ]
            total_width = width_of(amount)
            widths = [total_width * a / amount for a in part["amount_10kt"]]
            bands, head, middle, outward = ribbon(
                np.asarray(points.loc[origin], dtype=float),
                np.asarray(points.loc[destination], dtype=float),
                widths,
                start_gap=1.5 * m_pt,  # over the origin's circle: short flows stay visible
                end_gap=radius_of(local.get(destination, 0.0)) + 1.5 * m_pt,
                head_length=max(total_width * 0.75, 5.0 * m_pt),
                head_width=max(total_width * 1.45, 4.5 * m_pt),
                clearance=2.5 * m_pt,
            )
            for stream, band in zip(part["stream"], bands, strict=True):
                fig.ax.add_patch(
                    Polygon(
                        band,
                        closed=True,
                        facecolor=colours.get(stream, "#777777"),
                        edgecolor="white",
                        linewidth=0.15,
                        alpha=0.9,
                        zorder=ARROW_Z,
                    )
                )
            fig.ax.add_patch(
                Polygon(head, closed=True, facecolor=ARROW_COLOUR, edgecolor="none", zorder=ARROW_Z)
            )
            if rank < MAX_LABELS and amount >= LABEL_SHARE * float(flows.pairs.iloc[0]):
                fig.ax.annotate(
                    thousands(amount),
                    tuple(middle),
                    xytext=tuple(outward * 3),
                    textcoords="offset points",
                    ha=_align(outward[0], "left", "center", "right"),
                    va=_align(outward[1], "bottom", "center", "top"),
                    fontsize=7,
                    weight="bold" if lang == "en" else "normal",
                    color="#111111",
                    path_effects=HALO,
                    zorder=8,
                )

        _key(fig, data, flows, local, width_of, radius_of, lang, flow_scale_10kt, use_scale_10kt)
        stem = folder / stem_name("map", "flows", "zh" if lang == "zh" else None)
        return fig.save(stem, formats, dpi)


def _align(component: float, positive: str, middle: str, negative: str) -> str:
    """Anchor a label on the side of a point that ``component`` points to."""
    if component > 0.4:
        return positive
    if component < -0.4:
        return negative
    return middle


def _width_scale(
    flows: FlowSet, m_pt: float, scale: float | None = None
) -> Callable[[float], float]:
    biggest = scale if scale else (float(flows.pairs.max()) if len(flows.pairs) else 1.0)

    def width(amount: float) -> float:
        return max(MAX_WIDTH_PT * amount / biggest, MIN_WIDTH_PT) * m_pt

    return width


def _circle_scale(
    local: pd.Series, m_pt: float, scale: float | None = None
) -> Callable[[float], float]:
    biggest = scale if scale else (float(local.max()) if len(local) else 1.0)

    def radius(amount: float) -> float:
        if amount <= 0:
            return 0.0
        return MAX_RADIUS_PT * math.sqrt(amount / biggest) * m_pt

    return radius


def _key(
    fig: MapFigure,
    data: MapData,
    flows: FlowSet,
    local: pd.Series,
    width_of: Callable[[float], float],
    radius_of: Callable[[float], float],
    lang: str,
    flow_scale_10kt: float | None = None,
    use_scale_10kt: float | None = None,
) -> None:
    """Streams, flow widths and circle sizes, drawn at the map's scale (the reference
    values follow a fixed scale where one is given, so two maps share their key)."""
    colours = data.stream_colours()
    present = [s for s in data.streams.index if s in set(flows.bands["stream"])]
    if present:
        fig.legend(
            [Patch(facecolor=colours[s], edgecolor="none") for s in present],
            [data.stream_name(s, lang) for s in present],
            word("legend.streams", lang),
            fontsize=7,
            gap=0.04,
        )
    regions = sorted(str(r) for r in data.dissolved().index)
    fig.legend(
        [region_handle(data, r, 1.1) for r in regions],
        [data.region_name(r, lang) for r in regions],
        word("legend.regions", lang),
        fontsize=7,
        handlelength=2.6,
    )
    key = fig.key
    box = key.get_position()
    width_in = box.width * fig.fig.get_figwidth()
    height_in = box.height * fig.fig.get_figheight()
    m_pt = fig.m_per_pt
    key.set_xlim(0, width_in * 72 * m_pt)
    key.set_ylim(0, height_in * 72 * m_pt)
    top = height_in * 72 * m_pt
    unit = data.unit(lang)

    if flows.total == 0:
        fig.key_text(word("legend.no_flows", lang, unit=unit), fontsize=8, color="#1a1a1a")
    y = fig.key_y * top
    if len(flows.pairs):
        y = _title(key, y, word("legend.flow_width", lang, unit=unit), m_pt)
        bar = 40 * m_pt
        for ref in key_refs(flow_scale_10kt or float(flows.pairs.max()), flows.min_flow_10kt):
            w = width_of(ref)
            y -= max(w, 7 * m_pt) / 2 + 3 * m_pt
            key.add_patch(
                Rectangle(
                    (0, y - w / 2), bar, w, facecolor=KEY_GREY, edgecolor="none", gid="flow-width"
                )
            )
            key.text(bar + 6 * m_pt, y, amount_text(ref), fontsize=7, va="center", ha="left")
            y -= max(w, 7 * m_pt) / 2
        y -= 14 * m_pt
    if len(local):
        y = _title(key, y, word("legend.local_use", lang, unit=unit), m_pt)
        refs = nice_refs(use_scale_10kt or float(local.max()))
        biggest = radius_of(refs[0])
        base = y - 2 * biggest - 3 * m_pt
        cx = biggest + 1 * m_pt
        label_y = float("inf")
        for ref in refs:
            r = radius_of(ref)
            key.add_patch(
                Circle(
                    (cx, base + r),
                    r,
                    facecolor=CIRCLE_FACE,
                    edgecolor=CIRCLE_EDGE,
                    linewidth=0.6,
                    alpha=CIRCLE_ALPHA,
                )
            )
            # labels at least a line apart, even where circles are close in size
            label_y = min(base + 2 * r, label_y - 9 * m_pt)
            key.plot(
                [cx, cx + biggest + 6 * m_pt, cx + biggest + 10 * m_pt],
                [base + 2 * r, base + 2 * r, label_y],
                color=CIRCLE_EDGE,
                lw=0.5,
                ls=(0, (2, 2)),
            )
            key.text(
                cx + biggest + 12 * m_pt,
                label_y,
                thousands(ref),
                fontsize=7,
                va="center",
                ha="left",
            )
        y = base - 14 * m_pt
    fig.key_y = y / top
    if flows.dropped:
        fig.key_text(
            word(
                "legend.min_flow",
                lang,
                v=thousands(flows.min_flow_10kt, 1 if flows.min_flow_10kt < 10 else 0),
                n=flows.dropped,
                total=flows.total,
            )
        )


def key_refs(biggest: float, min_flow_10kt: float) -> list[float]:
    """Round amounts for the width key: only amounts a drawn flow can have (at least the
    threshold below which flows are left out), the largest first."""
    refs = [r for r in nice_refs(biggest) if r >= min_flow_10kt]
    if 0 < min_flow_10kt < biggest and min_flow_10kt not in refs:
        refs.append(float(min_flow_10kt))  # the thinnest flow drawn
    return refs or [float(biggest)]


def amount_text(value: float) -> str:
    """An amount as written: whole numbers, one or two decimals under 10 (0.36, not '0')."""
    if value >= 10 or value == int(value):
        return thousands(value)
    return thousands(value, 1 if value >= 1 else 2)


def _title(key: Axes, y: float, text: str, m_pt: float) -> float:
    from model.outputs.maps.text import markup

    key.text(0, y, markup(text, "mpl"), fontsize=8.5, va="top", ha="left")
    return y - 14 * m_pt
