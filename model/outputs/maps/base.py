"""What every map shares: the node geometry joined to the result tables (:class:`MapData`).

The node table and the boundary file are parameters, joined on ``adcode``, so
the same code draws provinces now and prefectures later.

Projection: an Albers equal-area conic for China (standard parallels 25°N and
47°N, central meridian 105°E), so areas on the map compare fairly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import geopandas as gpd
import matplotlib
from pyogrio.errors import DataSourceError

matplotlib.use("Agg")
import pandas as pd
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.ops import polylabel

from model.outputs.maps import basemap, fonts
from model.outputs.maps.basemap import CHINA_ALBERS
from model.outputs.maps.tables import (
    MapError,
    MapJoinError,
    check_columns,
    check_nodes,
    check_summary,
)
from model.outputs.maps.text import (
    MAX_DESCRIPTION,
    MAX_NAME,
    clip,
    short_name_zh,
    unit_word,
    word,
)

LABEL_LONLAT: dict[str, tuple[float, float]] = {
    # small nodes: the label sits outside the modelled area, with a leader line
    "beijing": (121.6, 40.6),
    "tianjin": (119.9, 38.7),
    "shanghai": (124.0, 31.0),
    "beijing_beijing": (121.6, 40.6),
    "tianjin_tianjin": (119.9, 38.7),
    "shanghai_shanghai": (124.0, 31.0),
    # where the pole of inaccessibility is near a region's outline: a wider part
    "hebei": (117.9, 41.15),
    "shanxi": (112.0, 37.55),
    "jiangsu": (119.3, 33.3),
    "anhui": (117.5, 32.0),
    "shandong": (118.7, 36.1),
}
"""Where a node's label is centred (lon, lat), if not at its pole of inaccessibility.
A point outside the node's own shape gets a leader line to that pole; it must then lie
outside every modelled node (tested), in the sea or on the base map."""

NODE_COLUMNS = ("node", "adcode", "name_zh", "name_en", "region", "lon", "lat")

T = TypeVar("T")


def dissolve_regions(shapes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The regions as shapes: the union of their nodes' shapes, indexed by region."""
    return shapes[["region", "geometry"]].dissolve(by="region")


def load_boundaries(path: Path, nodes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Read node boundaries and attach the node table; every node must have a shape.

    ``nodes`` has the columns of ``nodes.csv`` (``node`` as a column or the index).
    The boundary file needs an ``adcode`` property; other properties are ignored.
    Returns the shapes in :data:`CHINA_ALBERS` with the transport point (``x``,
    ``y``), the pole of inaccessibility (``label_x``, ``label_y``), where the label is
    centred (``text_x``, ``text_y``: :data:`LABEL_LONLAT` or the pole) and whether a
    leader line joins them (``leader``: the label is outside the node).
    """
    table = nodes.reset_index() if "node" not in nodes.columns else nodes.copy()
    missing_cols = [c for c in NODE_COLUMNS if c not in table.columns]
    if missing_cols:
        raise MapError(f"node table: no column(s) {', '.join(missing_cols)}")
    if not Path(path).is_file():
        raise MapError(f"{path}: no such boundary file")
    try:
        shapes = gpd.read_file(path)
    except (DataSourceError, ValueError) as exc:
        raise MapError(f"{Path(path).name}: not a readable boundary file ({exc})") from exc
    if "adcode" not in shapes.columns:
        raise MapError(f"{Path(path).name}: features have no 'adcode' property to join on")
    shapes["adcode"] = shapes["adcode"].astype(int)
    table = table[list(NODE_COLUMNS)].copy()
    table["adcode"] = table["adcode"].astype(int)
    merged = shapes[["adcode", "geometry"]].merge(table, on="adcode", how="right")
    missing = merged[merged.geometry.isna()]
    if not missing.empty:
        listed = ", ".join(
            f"{n} (adcode {a})" for n, a in zip(missing.node, missing.adcode, strict=True)
        )
        raise MapJoinError(f"{Path(path).name}: no boundary for node(s) {listed}")
    gdf = gpd.GeoDataFrame(merged, geometry="geometry", crs=shapes.crs or "EPSG:4326")
    gdf = gdf.to_crs(CHINA_ALBERS)
    to_map = basemap.to_map()
    gdf["x"], gdf["y"] = to_map.transform(gdf["lon"].to_numpy(), gdf["lat"].to_numpy())
    points = [label_point(g) for g in gdf.geometry]
    gdf["label_x"] = [p.x for p in points]
    gdf["label_y"] = [p.y for p in points]
    gdf["text_x"], gdf["text_y"] = gdf["label_x"].copy(), gdf["label_y"].copy()
    for i, node in enumerate(gdf["node"]):
        if node in LABEL_LONLAT:
            x, y = to_map.transform(*LABEL_LONLAT[node])
            gdf.loc[gdf.index[i], ["text_x", "text_y"]] = (x, y)
    gdf["leader"] = [
        not geom.contains(Point(x, y))
        for geom, x, y in zip(gdf.geometry, gdf["text_x"], gdf["text_y"], strict=True)
    ]
    return gdf.sort_values("node", ignore_index=True)


def label_point(geometry: Polygon | MultiPolygon) -> Point:
    """The point of the largest part farthest from its edges (pole of inaccessibility)."""
    part = max(geometry.geoms, key=lambda g: g.area) if hasattr(geometry, "geoms") else geometry
    return polylabel(part, tolerance=max(math.sqrt(part.area) / 200, 100.0))


@dataclass(frozen=True)
class MapData:
    """Everything a map needs: result tables, their summary, geometry and names."""

    tables: Mapping[str, pd.DataFrame]
    summary: Mapping[str, Any]
    shapes: gpd.GeoDataFrame
    regions: pd.DataFrame
    streams: pd.DataFrame
    pathways: pd.DataFrame
    source: str = ""
    """Where the results came from (for messages)."""
    _dissolved: dict[str, gpd.GeoDataFrame] = field(default_factory=dict, compare=False)
    _made: dict[Hashable, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        check_summary(self.summary, self.source)
        check_columns(self.tables, self.source)
        check_nodes(self.tables, self.shapes, self.source)

    @property
    def scenario(self) -> str:
        return str(self.summary.get("scenario", "?"))

    @property
    def base_year(self) -> int | None:
        year = self.summary.get("base_year")
        return int(year) if year is not None else None

    @property
    def resolution(self) -> str:
        return str(self.summary.get("resolution", "province"))

    def table(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise MapError(f"{self.source or 'results'}: no {name}.csv; solve the scenario again")
        return self.tables[name]

    @property
    def node_region(self) -> pd.Series:
        return self.shapes.set_index("node")["region"]

    def node_name(self, node: str, lang: str) -> str:
        row = self.shapes.set_index("node").loc[node]
        return short_name_zh(str(row["name_zh"])) if lang == "zh" else str(row["name_en"])

    def names(self, lang: str) -> pd.Series:
        """Display name of every node."""
        return pd.Series(
            {n: self.node_name(n, lang) for n in self.shapes["node"]}, name="name", dtype=object
        )

    def region_name(self, region: str, lang: str) -> str:
        if region in self.regions.index:
            return str(self.regions.loc[region, f"name_{lang}"])
        return region

    def stream_name(self, stream: str, lang: str) -> str:
        if stream in self.streams.index:
            return str(self.streams.loc[stream, f"name_{lang}"])
        return stream

    def pathway_name(self, pathway: str, lang: str) -> str:
        if pathway in self.pathways.index:
            return str(self.pathways.loc[pathway, f"name_{lang}"])
        return pathway

    def stream_colours(self) -> dict[str, str]:
        """A fixed colour per stream (by its place in streams.csv), the same in every figure."""
        from matplotlib import colormaps
        from matplotlib.colors import to_hex

        ids = list(self.streams.index)
        palette = colormaps["tab10" if len(ids) <= 10 else "tab20"]
        return {s: to_hex(palette(i % palette.N)) for i, s in enumerate(ids)}

    def once(self, key: Hashable, make: Callable[[], T]) -> T:
        """What ``make`` returns, made on the first call with ``key`` and kept: geometry
        that every figure of a set draws the same (a prefecture map's region outlines
        take seconds to offset), made once per map data, not once per figure."""
        if key not in self._made:
            self._made[key] = make()
        return cast(T, self._made[key])

    def adopt(self, made: Mapping[Hashable, Any]) -> None:
        """Take geometry made elsewhere (:func:`panel.shared_geometry`, made while the
        model solved) as if :meth:`once` had made it; what is already made stays."""
        for key, value in made.items():
            self._made.setdefault(key, value)

    def dissolved(self) -> gpd.GeoDataFrame:
        """The regions as shapes (union of their nodes)."""
        if "regions" not in self._dissolved:
            self._dissolved["regions"] = dissolve_regions(self.shapes)
        return self._dissolved["regions"]

    def shown(self, text: str, limit: int = MAX_NAME) -> str:
        """User text (a scenario's name or description) as figures show it: bounded in
        length, one line, every character drawable (:func:`fonts.drawable`)."""
        return fonts.drawable(clip(text, limit))

    def description(self, lang: str) -> str:
        """The scenario's description in the language: ``description_zh`` on Chinese
        figures when the scenario gives one, else ``description``."""
        if lang == "zh" and self.summary.get("description_zh"):
            return str(self.summary["description_zh"])
        return str(self.summary.get("description") or "")

    def subtitle(self, lang: str) -> str:
        text = word("scenario", lang, name=self.shown(self.scenario))
        description = self.shown(self.description(lang), MAX_DESCRIPTION)
        if description:
            text += f" — {description}"
        if self.base_year is not None:
            text += " · " + self.year_phrase(lang)
        return text

    def year_phrase(self, lang: str) -> str:
        """ "base year 2021"; of a multi-year run (read as its map year) "year 2030 of the
        path 2021-2030", since the year shown is a model year, not the data's base year."""
        path = self.summary.get("path")
        if isinstance(path, dict) and path.get("years"):
            years = path["years"]
            return word("map_year", lang, year=self.base_year, first=years[0], last=years[-1])
        return word("base_year", lang, year=self.base_year)

    def unit(self, lang: str) -> str:
        return unit_word(self.resolution, lang)


def map_data(
    tables: Mapping[str, pd.DataFrame],
    summary: Mapping[str, Any],
    nodes: pd.DataFrame,
    boundaries: Path,
    names: Mapping[str, pd.DataFrame],
    source: str = "",
) -> MapData:
    """Join results to geometry. ``names`` holds the regions, streams and pathways tables."""
    shapes = load_boundaries(boundaries, nodes)
    return MapData(
        tables=dict(tables),
        summary=dict(summary),
        shapes=shapes,
        regions=_named(names["regions"], "region"),
        streams=_named(names["streams"], "stream"),
        pathways=_named(names["pathways"], "pathway"),
        source=source,
    )


def _named(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    out = frame if key not in frame.columns else frame.set_index(key)
    return out[["name_zh", "name_en"]]
