"""The map panel of a static map and the geometry every static map of a map data
draws alike: the panel's bounds and scale, and the province borders of a
prefecture map kept off the region outlines (seconds to make, so made once per
map data, or ahead, while the model solves: :mod:`model.outputs.ahead`).
"""

from __future__ import annotations

from typing import Any

import shapely

from model.outputs.maps import basemap
from model.outputs.maps.base import MapData, dissolve_regions

MAP_HEIGHT_IN = 5.9
"""Height of the map panel, inches; its width follows the shapes' aspect."""


def panel(data: MapData) -> tuple[tuple[float, float, float, float], float, float]:
    """Bounds (map metres, with a margin) and width and height (inches) of the map panel."""
    return panel_of(data.shapes)


def panel_of(shapes: Any) -> tuple[tuple[float, float, float, float], float, float]:
    """:func:`panel` of the units' shapes."""
    minx, miny, maxx, maxy = shapes.total_bounds
    pad = 0.03 * max(maxx - minx, maxy - miny)
    w, h = maxx - minx + 2 * pad, maxy - miny + 2 * pad
    map_h = MAP_HEIGHT_IN
    return (minx - pad, miny - pad, maxx + pad, maxy + pad), min(map_h * w / h, 8.5), map_h


def metres_per_inch(bounds: tuple[float, float, float, float], w: float, h: float) -> float:
    """The map's scale: the bounds fitted in a w x h inch panel at one scale in x and y."""
    minx, miny, maxx, maxy = bounds
    return float(max((maxx - minx) / w, (maxy - miny) / h))


def has_province_lines(data: MapData) -> bool:
    """Whether the units are below provinces (prefectures), whose maps draw provinces."""
    return units_below_provinces(data.shapes)


def units_below_provinces(shapes: Any) -> bool:
    """:func:`has_province_lines` of the units' shapes."""
    return bool((shapes["adcode"].astype(int) % 10000 != 0).any())


def province_lines(data: MapData, m_per_pt: float) -> list[Any]:
    """Province borders inside the units, kept off the region outlines (whose dashes they
    would fill in) by 3 points; seconds to make on a prefecture map, so made once."""
    return data.once(
        _lines_key(m_per_pt), lambda: _kept_off(data.shapes, data.dissolved(), m_per_pt)
    )


def _lines_key(m_per_pt: float) -> tuple[str, float]:
    """The key of the province lines in :meth:`MapData.once` (their scale is part of it)."""
    return ("province lines", m_per_pt)


def _kept_off(shapes: Any, regions: Any, m_per_pt: float) -> list[Any]:
    outlines = shapely.union_all(regions.boundary.to_numpy())
    keep_off = outlines.buffer(3 * m_per_pt)
    return [line.difference(keep_off) for line in basemap.province_lines(shapes)]


def _province_scale(shapes: Any) -> float:
    """Map metres per point of the map panel of these shapes."""
    bounds, map_w, map_h = panel_of(shapes)
    return metres_per_inch(bounds, map_w, map_h) / 72.0


def prepare(data: MapData) -> None:
    """Make what every static map of ``data`` draws alike and takes long to make, before
    figures are drawn side by side by processes that would each make it."""
    if has_province_lines(data):
        province_lines(data, _province_scale(data.shapes))


def shared_geometry(shapes: Any) -> dict[Any, Any]:
    """What :func:`prepare` makes, from the units' shapes alone, under the keys of
    :meth:`MapData.once`: for making it in another process before the results exist
    (:mod:`model.outputs.ahead`), and handing it over (:meth:`MapData.adopt`)."""
    if not units_below_provinces(shapes):
        return {}
    m_per_pt = _province_scale(shapes)
    return {_lines_key(m_per_pt): _kept_off(shapes, dissolve_regions(shapes), m_per_pt)}
