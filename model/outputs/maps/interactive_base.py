"""The base map under the interactive map: sea, neighbouring countries, the provinces
of China that are not modelled, and China's maritime line, as on the static maps
(:mod:`model.outputs.maps.basemap`).

The layers are clipped to the page's view box and their coordinates rounded, so a page
carries only what it shows (tens of kilobytes, not the 650 kB of the shipped files).
They are plain shapes that do not answer hovering; the page still fetches nothing.
"""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import plotly.graph_objects as go
import shapely
import shapely.geometry

from model.outputs.maps import basemap
from model.outputs.maps.basemap import (
    FOREIGN_COLOUR,
    FOREIGN_EDGE,
    MARITIME_COLOUR,
    NATIONAL_BORDER,
    OTHER_PROVINCE_COLOUR,
    SEA_COLOUR,
    other_provinces,
)

PRECISION_DEG = 0.01
"""Coordinates of the base layers are rounded to this (about 1 km): enough for a
screen, and it keeps the page small."""

__all__ = ["SEA_COLOUR", "base_traces", "d3_geojson", "ring_lines"]


def d3_geojson(shapes: gpd.GeoDataFrame, key: str, precision: float = 1e-4) -> dict[str, Any]:
    """GeoJSON in longitude/latitude with each feature's ``key`` as a property, rings
    oriented for d3-geo (inside plotly.js), which takes them the other way round from
    RFC 7946: a counter-clockwise ring would be the whole globe but this shape."""
    out = shapes[[key, "geometry"]].to_crs("EPSG:4326")
    out["geometry"] = shapely.set_precision(out.geometry.values, precision)
    out = out[~(out.geometry.isna() | out.geometry.is_empty)].copy()
    out["geometry"] = [
        shapely.geometry.polygon.orient(g, sign=-1.0)
        if g.geom_type == "Polygon"
        else shapely.MultiPolygon([shapely.geometry.polygon.orient(p, sign=-1.0) for p in g.geoms])
        for g in out.geometry.values
    ]
    result: dict[str, Any] = json.loads(out.to_json(drop_id=True))
    return result


def ring_lines(geoms: Any, digits: int = 3) -> tuple[list[float | None], list[float | None]]:
    """lon/lat of lines and rings, separated by gaps, for a scattergeo line."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for geom in geoms:
        for part in getattr(geom, "geoms", [geom]):
            rings = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
            for ring in rings:
                xs, ys = ring.coords.xy
                lons += [round(x, digits) for x in xs] + [None]
                lats += [round(y, digits) for y in ys] + [None]
    return lons, lats


def _polygons(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Only the polygonal parts (clipping can leave lines and points on the box's edge)."""
    kept = []
    for g in geoms:
        parts = [p for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon" and p.area > 0]
        kept.append(shapely.MultiPolygon(parts) if parts else shapely.Polygon())
    return gpd.GeoSeries(kept, index=geoms.index, crs=geoms.crs)


def _fill(shapes: gpd.GeoDataFrame, colour: str, edge: str, width: float) -> go.Choropleth:
    shapes = shapes.reset_index(drop=True)
    shapes["key"] = [str(i) for i in range(len(shapes))]
    return go.Choropleth(
        geojson=d3_geojson(shapes, "key", PRECISION_DEG),
        featureidkey="properties.key",
        locations=list(shapes["key"]),
        z=[0.0] * len(shapes),
        colorscale=[[0, colour], [1, colour]],
        showscale=False,
        hoverinfo="skip",
        marker={"line": {"color": edge, "width": width}},
    )


def base_traces(
    modelled: gpd.GeoDataFrame, box: tuple[float, float, float, float]
) -> list[go.Choropleth | go.Scattergeo]:
    """The base layers within ``box`` (lon_min, lat_min, lon_max, lat_max), bottom first;
    none if the base-map files are not shipped. The sea is the page's background
    (:data:`SEA_COLOUR`)."""
    base = basemap.load()
    if base is None:
        return []
    frame = shapely.box(*box)

    def clipped(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        ll = gdf.to_crs("EPSG:4326")
        ll = ll[ll.intersects(frame)].copy()
        ll["geometry"] = ll.geometry.intersection(frame)
        return ll

    def filled(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """Clipped, only the polygonal parts, none left empty."""
        ll = clipped(gdf)
        ll["geometry"] = _polygons(ll.geometry)
        return ll[~ll.geometry.is_empty]

    traces: list[go.Choropleth | go.Scattergeo] = []
    for shapes, colour, edge, width in (
        (filled(base.countries), FOREIGN_COLOUR, FOREIGN_EDGE, 0.5),
        (filled(other_provinces(base, modelled)), OTHER_PROVINCE_COLOUR, "white", 0.6),
    ):
        if len(shapes):
            traces.append(_fill(shapes, colour, edge, width))
    china = gpd.GeoSeries([base.china], crs=base.provinces.crs).to_crs("EPSG:4326")
    border = china.boundary.intersection(frame)
    maritime = clipped(base.maritime)
    for geoms, colour, width in (
        (border, NATIONAL_BORDER, 0.9),
        (maritime.geometry, MARITIME_COLOUR, 1.2),
    ):
        lon, lat = ring_lines([g for g in geoms if not g.is_empty])
        if lon:
            traces.append(
                go.Scattergeo(
                    lon=lon,
                    lat=lat,
                    mode="lines",
                    line={"color": colour, "width": width},
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
    return traces
