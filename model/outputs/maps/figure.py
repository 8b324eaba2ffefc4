"""The figure frame of every map (:class:`MapFigure`): map panel, key panel, title,
notes, labels, and saving. Where node labels go is decided with the geometry
(:data:`model.outputs.maps.base.LABEL_LONLAT`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.ops import nearest_points

from model.outputs.maps import basemap, fonts
from model.outputs.maps.base import MapData, label_point
from model.outputs.maps.figure_files import save_figure
from model.outputs.maps.panel import (
    MAP_HEIGHT_IN,
    has_province_lines,
    metres_per_inch,
    panel,
    province_lines,
)
from model.outputs.maps.paths import add_lines, add_polygons
from model.outputs.maps.text import (
    markup,
    plain,
    word,
    wrap,
)

REGION_LABEL_LONLAT: dict[str, tuple[float, float, str]] = {
    "jjj": (122.4, 41.9, "left"),
    "yrd": (123.2, 28.7, "left"),
    "yrb": (93.5, 31.0, "center"),
}
"""Where region names go (lon, lat, alignment): outside the shapes, in the sea or beside
them. A region not listed gets its name at its pole of inaccessibility."""

MAX_LABELLED_NODES = 40
"""Above this many nodes (prefecture maps) nodes are not labelled one by one."""

HALO = [patheffects.withStroke(linewidth=2.2, foreground="white", alpha=0.85)]
EDGE_COLOUR = "white"
REGION_COLOUR = "#1a1a1a"
LABEL_COLOUR = "#1a1a1a"
NOTE_COLOUR = "#555555"

REGION_FONT = 9.5
"""Size of the region names on the map (points)."""


# ---------------------------------------------------------------- the figure frame


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Set fonts for a language while a figure is drawn and saved."""
    with plt.rc_context(
        {
            "font.family": fonts.font_family(lang),
            "axes.unicode_minus": True,
            "pdf.fonttype": 42,
            "svg.fonttype": "none",  # text stays text: a typesetter can edit it
            "svg.hashsalt": "wastealloc",
        }
    ):
        yield


def emphasis(lang: str) -> tuple[str, str]:
    """Weight and style: bold italic in English; the bundled Chinese font has one weight
    and no italic."""
    return ("bold", "italic") if lang == "en" else ("normal", "normal")


def title_weight(lang: str) -> str:
    return "bold" if lang == "en" else "normal"


def text_units(width_in: float, fontsize: float) -> int:
    """How many display units (Latin characters) fit across ``width_in`` at ``fontsize``."""
    return max(40, int(width_in * 72 / (fontsize * 0.56)))


REGION_LINES: tuple[Any, ...] = (
    "solid",
    (0, (5.0, 1.6)),
    (0, (1.4, 1.2)),
    (0, (6.0, 1.5, 1.5, 1.5)),
    (0, (3.0, 3.0)),
)
"""Line patterns of the region outlines, one per region in the order of their ids."""


def region_line(data: MapData, region: str) -> Any:
    """The line pattern of a region's outline on the map and in the key."""
    order = sorted(str(r) for r in data.dissolved().index)
    at = order.index(region) if region in order else 0
    return REGION_LINES[at % len(REGION_LINES)]


def region_handle(data: MapData, region: str, width_pt: float = 1.5) -> Line2D:
    """The key's symbol of a region: its outline's pattern."""
    return Line2D([], [], color=REGION_COLOUR, lw=width_pt, ls=region_line(data, region))


class MapFigure:
    """A map panel on the left, a key panel on the right, title above, notes below.

    The map panel takes the shapes' aspect at a fixed height, and the figure is
    as wide as the map and the key need, so no space is wasted either side.
    """

    MAP_HEIGHT_IN = MAP_HEIGHT_IN
    KEY_WIDTH_IN = 3.0
    TOP_IN = 1.05
    BOTTOM_IN = 0.5
    LEFT_IN = 0.15
    GAP_IN = 0.3
    RIGHT_IN = 0.1

    def __init__(
        self,
        data: MapData,
        lang: str,
        title: str,
        notes: Sequence[str] = (),
        *,
        subtitle: str | None = None,
    ) -> None:
        self.data = data
        self.lang = lang
        self.title = title
        self.bounds, map_w, map_h = panel(data)
        left_in, right_in = self._label_overhang(map_w, map_h)
        left_in += self.LEFT_IN
        gap_in = self.GAP_IN + right_in
        fig_w = max(8.5, left_in + map_w + gap_in + self.KEY_WIDTH_IN + self.RIGHT_IN)
        fig_h = self.TOP_IN + map_h + self.BOTTOM_IN
        self.fig: Figure = plt.figure(figsize=(fig_w, fig_h))
        self.ax: Axes = self.fig.add_axes(
            (left_in / fig_w, self.BOTTOM_IN / fig_h, map_w / fig_w, map_h / fig_h)
        )
        key_left = left_in + map_w + gap_in
        self.key: Axes = self.fig.add_axes(
            (
                key_left / fig_w,
                self.BOTTOM_IN / fig_h,
                (fig_w - key_left - self.RIGHT_IN) / fig_w,
                map_h / fig_h,
            )
        )
        self.ax.set_axis_off()
        self.key.set_axis_off()
        self._key_y = 1.0
        left = 0.12 / fig_w
        self.fig.text(
            left,
            1 - 0.14 / fig_h,
            wrap(markup(title, "mpl"), text_units(fig_w - 0.3, 13)),
            fontsize=13 if lang == "en" else 14,
            weight=title_weight(lang),
            va="top",
            ha="left",
        )
        self.fig.text(
            left,
            1 - 0.58 / fig_h,
            wrap(subtitle if subtitle is not None else data.subtitle(lang), text_units(fig_w, 9)),
            parse_math=False,  # user text: a "$" is a dollar sign
            fontfamily=fonts.user_text_family(lang),
            fontsize=9,
            color="#333333",
            va="top",
            ha="left",
        )
        foot = " ".join([*notes, word("note.source", lang)])
        self.fig.text(
            left,
            0.08 / fig_h,
            wrap(markup(foot, "mpl"), text_units(fig_w - 0.3, 6.5)),
            fontsize=6.5,
            color=NOTE_COLOUR,
            va="bottom",
            ha="left",
        )
        self._frame(map_w, map_h)
        self.base = basemap.load()
        self._furnish()

    def _furnish(self) -> None:
        """The base map under the units, province lines over prefectures, scale and north."""
        shapes = self.data.shapes
        if self.base is not None:
            basemap.draw_under(self.ax, shapes, self.base)
        if has_province_lines(self.data):
            lines = province_lines(self.data, self.m_per_pt)
            add_lines(self.ax, lines, color="#4d4d4d", linewidth=0.8, zorder=3)
        basemap.scale_bar(self.ax, self.lang)
        basemap.north_arrow(self.ax, self.lang)

    LOCATOR_WIDTH_IN = 2.1
    MIN_LOCATOR_IN = 1.2

    def finish_key(self) -> None:
        """The base map's legend and the locator map, at the foot of the key panel if there
        is room for them below the legends already there (a full key keeps them out)."""
        if self.base is None:
            return
        handles, labels = basemap.base_legend(self.lang)
        self.legend(handles, labels, word("base.title", self.lang), fontsize=7)
        box = self.key.get_position()
        fig_w, fig_h = self.fig.get_size_inches()
        room_in = (self._key_y * box.height + box.y0) * fig_h - self.BOTTOM_IN
        width_in = min(self.LOCATOR_WIDTH_IN, box.width * fig_w)
        if room_in < self.MIN_LOCATOR_IN:
            return
        width_in = min(width_in, room_in / 0.72)
        basemap.locator(
            self.fig,
            (box.x0, self.BOTTOM_IN / fig_h, width_in / fig_w, 0.0),
            self.base,
            self.data.shapes,
            self.lang,
        )

    def _label_overhang(self, map_w: float, map_h: float) -> tuple[float, float]:
        """How far (inches) region names placed outside the shapes reach beyond the map
        panel on the left and on the right, so the panel and the key leave them room."""
        minx, _, maxx, _ = self.bounds
        m_per_in = metres_per_inch(self.bounds, map_w, map_h)
        x0 = (minx + maxx) / 2 - m_per_in * map_w / 2
        to_map = basemap.to_map()
        left = right = 0.0
        for region in self.data.dissolved().index:
            if region not in REGION_LABEL_LONLAT:
                continue
            lon, lat, align = REGION_LABEL_LONLAT[str(region)]
            x, _ = to_map.transform(lon, lat)
            at = (x - x0) / m_per_in
            name = self.data.region_name(str(region), self.lang)
            width = sum(1.0 if ord(c) > 0x2E80 else 0.62 for c in name) * REGION_FONT / 72
            start = at if align == "left" else at - width / 2
            left = max(left, -start)
            right = max(right, start + width - map_w)
        return left, right

    def _frame(self, map_w: float, map_h: float) -> None:
        """Fit the shapes in the map panel at one scale in x and y."""
        minx, miny, maxx, maxy = self.bounds
        m_per_in = metres_per_inch(self.bounds, map_w, map_h)
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        self.ax.set_xlim(cx - m_per_in * map_w / 2, cx + m_per_in * map_w / 2)
        self.ax.set_ylim(cy - m_per_in * map_h / 2, cy + m_per_in * map_h / 2)
        self.ax.set_aspect("equal", adjustable="box")
        self.m_per_pt = m_per_in / 72.0

    # -- layers

    def fill(self, colours: Sequence[str | None], *, edge: str = EDGE_COLOUR) -> None:
        """Fill each node (in the order of ``data.shapes``); None is drawn as no data."""
        shapes = self.data.shapes
        has = np.array([c is not None for c in colours])
        if has.any():
            add_polygons(
                self.ax,
                shapes.geometry[has],
                facecolor=[c for c in colours if c is not None],
                edgecolor=edge,
                linewidth=0.6,
                zorder=1,
            )
        if (~has).any():
            from model.outputs.maps.classify import NO_DATA_COLOUR

            add_polygons(
                self.ax,
                shapes.geometry[~has],
                facecolor=NO_DATA_COLOUR,
                edgecolor=edge,
                hatch="////",
                linewidth=0.6,
                zorder=1,
            )

    def outline_regions(self, labels: bool = True, width_pt: float = 1.5) -> None:
        """Outline each region, set a little inside it so neighbours' lines run side by side;
        each region has its own line pattern (:func:`region_line`), as in the key."""
        inset = width_pt / 2 * self.m_per_pt
        for region, row in self.data.dissolved().iterrows():
            inner = self.data.once(
                ("inset outline", region, inset), partial(row.geometry.buffer, -inset)
            )
            add_lines(
                self.ax,
                [inner],
                color=REGION_COLOUR,
                linewidth=width_pt,
                linestyle=region_line(self.data, str(region)),
                zorder=4,
            )
            if labels:
                self._region_label(str(region), row.geometry)

    def _region_label(self, region: str, geometry: Polygon | MultiPolygon) -> None:
        name = self.data.region_name(region, self.lang)
        weight, style = emphasis(self.lang)
        text: dict[str, Any] = {
            "va": "center",
            "fontsize": REGION_FONT,
            "color": REGION_COLOUR,
            "weight": weight,
            "style": style,
            "path_effects": HALO,
            "zorder": 6,
        }
        if region in REGION_LABEL_LONLAT:
            to_map = basemap.to_map()
            lon, lat, align = REGION_LABEL_LONLAT[region]
            x, y = to_map.transform(lon, lat)
            anchor, _ = nearest_points(geometry.boundary, Point(x, y))
            self.ax.annotate(
                name,
                (anchor.x, anchor.y),
                xytext=(x, y),
                ha=align,
                arrowprops={"arrowstyle": "-", "color": REGION_COLOUR, "lw": 0.7, "shrinkA": 4},
                annotation_clip=False,
                **text,
            )
        else:
            p = label_point(geometry)
            self.ax.text(
                p.x,
                p.y,
                name,
                ha="center",
                **text,
            )

    def label_nodes(self, texts: Mapping[str, str], *, fontsize: float = 7.0) -> None:
        """Write a label on each node, moving small nodes' labels out with a leader line."""
        if len(self.data.shapes) > MAX_LABELLED_NODES:
            return
        for _, row in self.data.shapes.iterrows():
            text = texts.get(row["node"])
            if not text:
                continue
            moved = bool(row["leader"])
            self.ax.annotate(
                text,
                (row["label_x"], row["label_y"]),
                xytext=(row["text_x"], row["text_y"]),
                ha="center",
                va="center",
                fontsize=fontsize,
                color=LABEL_COLOUR,
                linespacing=1.05,
                path_effects=HALO,
                zorder=7,
                annotation_clip=False,
                arrowprops={
                    "arrowstyle": "-",
                    "color": "#444444",
                    "lw": 0.6,
                    "shrinkA": 0,
                    "shrinkB": 0,
                }
                if moved
                else None,
            )

    # -- the key

    def legend(
        self,
        handles: Sequence[Artist],
        labels: Sequence[str],
        title: str,
        *,
        gap: float = 0.035,
        **kwargs: Any,
    ) -> Legend:
        """Add a legend to the key panel, below the ones already there."""
        box = self.key.get_position()
        width_in = box.width * self.fig.get_figwidth()
        legend = self.key.legend(
            handles=list(handles),
            labels=[markup(str(label), "mpl") for label in labels],
            title=wrap(markup(title, "mpl"), text_units(width_in, 8.5)),
            loc="upper left",
            bbox_to_anchor=(0.0, self._key_y),
            bbox_transform=self.key.transAxes,
            frameon=False,
            alignment="left",
            fontsize=kwargs.pop("fontsize", 7.5),
            title_fontsize=8.5,
            borderaxespad=0.0,
            borderpad=0.0,
            handlelength=kwargs.pop("handlelength", 1.6),
            handleheight=kwargs.pop("handleheight", 1.1),
            **kwargs,
        )
        self.key.add_artist(legend)
        self.key.legend_ = None  # drawn once, as an artist (not again as the axes' legend)
        self._key_y = self._bottom_of(legend) - gap
        return legend

    def key_text(self, text: str, *, fontsize: float = 7.0, gap: float = 0.03, **kw: Any) -> Text:
        """A paragraph in the key panel, below what is there."""
        t = self.key.text(
            0.0,
            self._key_y,
            wrap(markup(text, "mpl"), 62),
            transform=self.key.transAxes,
            fontsize=fontsize,
            va="top",
            ha="left",
            color=kw.pop("color", NOTE_COLOUR),
            **kw,
        )
        self._key_y = self._bottom_of(t) - gap
        return t

    def _bottom_of(self, artist: Artist) -> float:
        renderer = self.fig.canvas.get_renderer()  # type: ignore[attr-defined]
        box = artist.get_window_extent(renderer).transformed(self.key.transAxes.inverted())
        return float(box.y0)

    @property
    def key_y(self) -> float:
        return self._key_y

    @key_y.setter
    def key_y(self, value: float) -> None:
        self._key_y = value

    # -- output

    def texts(self) -> list[str]:
        """Every string on the figure, without markup (for glyph checks)."""
        return [plain(t.get_text()) for t in self.fig.findobj(Text) if t.get_text()]

    def save(self, stem: Path, formats: Iterable[str], dpi: int) -> list[Path]:
        """Write the figure in each format and close it."""
        if self.lang == "zh":  # before the key is laid out, which would warn of a gap
            fonts.check_glyphs(self.texts(), f"{stem.name} ({self.lang})")
        self.finish_key()
        texts = self.texts() if self.lang == "zh" else []  # only Chinese glyphs are checked
        return save_figure(self.fig, stem, formats, dpi, self.title, self.lang, texts)
