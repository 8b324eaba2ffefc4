"""Shapely geometry as matplotlib collections, without geopandas' plotting (which redraws
the whole figure after every layer)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.path import Path

POLYGON = shapely.GeometryType.POLYGON


def polygon_path(geometry: Any) -> Path:
    """One compound path of a (multi)polygon, holes included: each ring (exterior, then
    its holes, polygon by polygon) from a MOVETO to a CLOSEPOLY. Read with shapely's array
    functions (one call per geometry, not per ring: a prefecture map has thousands)."""
    parts = shapely.get_parts(geometry)
    polygons = parts[(shapely.get_type_id(parts) == POLYGON) & ~shapely.is_empty(parts)]
    rings = shapely.get_rings(polygons)
    if not len(rings):
        return Path(np.zeros((0, 2)))
    xy = shapely.get_coordinates(rings)
    ends = np.cumsum(shapely.get_num_coordinates(rings))
    codes = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
    codes[np.concatenate(([0], ends[:-1]))] = Path.MOVETO
    codes[ends - 1] = Path.CLOSEPOLY
    return Path(xy, codes)


def add_polygons(
    ax: Axes, geometries: Iterable[Any], *, facecolor: str | Sequence[str], **kwargs: Any
) -> PathCollection:
    """Fill (multi)polygons; ``facecolor`` one colour or one per geometry."""
    collection = PathCollection(
        [polygon_path(g) for g in geometries], facecolors=facecolor, **kwargs
    )
    ax.add_collection(collection, autolim=False)
    return collection


def line_segments(geometry: Any) -> list[np.ndarray]:
    """The line strings of a geometry (a polygon's rings, or lines) as coordinate arrays."""
    if geometry is None or geometry.is_empty:
        return []
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        geometry = geometry.boundary
    return [np.asarray(line.coords) for line in shapely.get_parts(geometry) if not line.is_empty]


def add_lines(ax: Axes, geometries: Iterable[Any], **kwargs: Any) -> LineCollection:
    """Draw lines (or the outlines of polygons)."""
    segments = [s for g in geometries for s in line_segments(g)]
    collection = LineCollection(segments, **kwargs)
    ax.add_collection(collection, autolim=False)
    return collection
