"""The base map under every map: sea, neighbouring countries, the provinces of China that
are not modelled, China's maritime boundary line; a scale bar, a north arrow and a
locator map of the whole country with the South China Sea islands in an inset.

The geometry is ``data/regions/basemap/`` (see ``data/regions/BOUNDARIES.md``, Base map):
figure furniture, not model data, so it always comes from the shipped data folder. If
the folder is missing the maps are drawn without it (the modelled units alone).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from pyproj import Transformer

from model.outputs.maps.paths import add_lines, add_polygons
from model.outputs.maps.text import word

CHINA_ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +lat_0=0 +datum=WGS84 +units=m +no_defs"

SEA_COLOUR = "#dbe9f4"
FOREIGN_COLOUR = "#f1f0eb"
OTHER_PROVINCE_COLOUR = "#d9d9d9"
FOREIGN_EDGE = "#a8a8a8"
NATIONAL_BORDER = "#6e6e6e"
MARITIME_COLOUR = "#4d4d4d"
FURNITURE_COLOUR = "#333333"

MAINLAND_LONLAT = (73.0, 17.5, 135.5, 54.0)
"""The locator's frame (lon/lat box): China without the South China Sea."""
SOUTH_SEA_LONLAT = (106.5, 2.5, 123.0, 24.5)
"""The inset's frame: the South China Sea islands and the maritime line."""

NICE_KM = (50, 100, 200, 250, 300, 400, 500, 1000)


def basemap_dir() -> Path:
    from model.core.config import DEFAULT_DATA_DIR

    return Path(DEFAULT_DATA_DIR) / "basemap"


@dataclass(frozen=True)
class Basemap:
    """The base-map layers in :data:`CHINA_ALBERS`."""

    provinces: gpd.GeoDataFrame
    countries: gpd.GeoDataFrame
    maritime: gpd.GeoDataFrame
    china: shapely.Geometry
    """The outline of China (union of the provinces)."""


@cache
def load(folder: Path | None = None) -> Basemap | None:
    """The base map, or None if its files are not there."""
    folder = folder or basemap_dir()
    files = [
        folder / f for f in ("china_provinces.geojson", "countries.geojson", "maritime.geojson")
    ]
    if not all(f.is_file() for f in files):
        return None
    provinces, countries, maritime = (gpd.read_file(f).to_crs(CHINA_ALBERS) for f in files)
    provinces["adcode"] = provinces["adcode"].astype(int)
    china = shapely.coverage_union_all(provinces.geometry.to_numpy())
    return Basemap(provinces, countries, maritime, china)


@cache
def to_lonlat() -> Transformer:
    """From map coordinates (:data:`CHINA_ALBERS`) to longitude and latitude (made once:
    making a transformer takes longer than using it on a map's points)."""
    return Transformer.from_crs(CHINA_ALBERS, "EPSG:4326", always_xy=True)


@cache
def to_map() -> Transformer:
    """From longitude and latitude to map coordinates (:data:`CHINA_ALBERS`), made once."""
    return Transformer.from_crs("EPSG:4326", CHINA_ALBERS, always_xy=True)


def province_code(adcode: int) -> int:
    """The province-level adcode of a unit (Jiyuan 419001 -> 410000)."""
    return int(adcode) // 10000 * 10000


def _sea_and_countries(ax: Axes, base: Basemap, lw: float) -> None:
    """The sea (the panel's background) and the countries on it, under everything."""
    ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, color=SEA_COLOUR, zorder=-3, lw=0))
    add_polygons(
        ax,
        base.countries.geometry,
        facecolor=FOREIGN_COLOUR,
        edgecolor=FOREIGN_EDGE,
        linewidth=lw,
        zorder=-2,
    )


def other_provinces(base: Basemap, modelled: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The provinces of China with no modelled unit (by the units' province adcodes)."""
    codes = {province_code(a) for a in modelled["adcode"]}
    return base.provinces[~base.provinces["adcode"].isin(codes)]


def draw_under(ax: Axes, modelled: gpd.GeoDataFrame, base: Basemap) -> None:
    """Sea, countries and the provinces not modelled, beneath the modelled units."""
    _sea_and_countries(ax, base, 0.4)
    others = other_provinces(base, modelled)
    add_polygons(
        ax,
        others.geometry,
        facecolor=OTHER_PROVINCE_COLOUR,
        edgecolor="white",
        linewidth=0.5,
        zorder=-1,
    )
    add_lines(ax, [base.china], color=NATIONAL_BORDER, linewidth=0.7, zorder=-1)
    draw_maritime(ax, base, lw=0.9)


def draw_maritime(ax: Axes, base: Basemap, lw: float) -> None:
    add_lines(ax, base.maritime.geometry, color=MARITIME_COLOUR, linewidth=lw, zorder=-1)


def province_lines(shapes: gpd.GeoDataFrame) -> list[shapely.Geometry]:
    """The provinces' outlines from units below province level (exact: unions of the units)."""
    codes = shapes["adcode"].map(province_code)
    return [
        shapely.coverage_union_all(shapes.geometry[codes == c].to_numpy()).boundary
        for c in sorted(set(codes))
    ]


def base_legend(lang: str) -> tuple[list[Patch], list[str]]:
    """Legend entries of the base map."""
    handles = [
        Patch(facecolor=OTHER_PROVINCE_COLOUR, edgecolor="white", lw=0.4),
        Patch(facecolor=FOREIGN_COLOUR, edgecolor=FOREIGN_EDGE, lw=0.4),
        Patch(facecolor=SEA_COLOUR, edgecolor="none"),
    ]
    labels = [
        word("base.other_provinces", lang),
        word("base.countries", lang),
        word("base.sea", lang),
    ]
    return handles, labels


# ---------------------------------------------------------------- scale bar and north arrow


def nice_length_km(width_m: float) -> int:
    """A round length near a fifth of the map's width (km)."""
    target = width_m / 1000 / 5
    return max((n for n in NICE_KM if n <= target), default=NICE_KM[0])


def scale_bar(ax: Axes, lang: str, at: tuple[float, float] = (0.04, 0.045)) -> float:
    """A two-segment scale bar in the lower left (axes fraction ``at``); returns its km.

    The map is an Albers equal-area conic, true to scale on 25° N and 47° N; the bar
    holds within about 2 % between them."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km = nice_length_km(x1 - x0)
    left = x0 + at[0] * (x1 - x0)
    bottom = y0 + at[1] * (y1 - y0)
    height = 0.012 * (y1 - y0)
    half = km * 500.0
    for i, colour in enumerate((FURNITURE_COLOUR, "white")):
        ax.add_patch(
            Rectangle(
                (left + i * half, bottom),
                half,
                height,
                facecolor=colour,
                edgecolor=FURNITURE_COLOUR,
                lw=0.6,
                zorder=8,
            )
        )
    unit = word("base.km", lang)
    for frac, text in ((0, "0"), (0.5, f"{km // 2}"), (1, f"{km} {unit}")):
        ax.text(
            left + frac * 2 * half,
            bottom + 1.6 * height,
            text,
            ha="center",
            va="bottom",
            fontsize=6.5,
            color=FURNITURE_COLOUR,
            zorder=8,
        )
    return float(km)


def north_arrow(ax: Axes, lang: str, at: tuple[float, float] = (0.05, 0.86)) -> float:
    """A north arrow along the meridian through ``at`` (axes fraction); returns its angle
    from the vertical in degrees (meridians converge on a conic projection)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x = x0 + at[0] * (x1 - x0)
    y = y0 + at[1] * (y1 - y0)
    lon, lat = to_lonlat().transform(x, y)
    nx, ny = to_map().transform(lon, lat + 1.0)
    angle = math.atan2(nx - x, ny - y)
    length = 0.07 * (y1 - y0)
    tip = (x + length * math.sin(angle), y + length * math.cos(angle))
    ax.annotate(
        "",
        xy=tip,
        xytext=(x, y),
        arrowprops={
            "arrowstyle": "-|>,head_width=0.35,head_length=0.7",
            "color": FURNITURE_COLOUR,
            "lw": 1.2,
        },
        zorder=8,
    )
    ax.text(
        tip[0] + 0.012 * length * math.sin(angle),
        tip[1] + 0.1 * length,
        word("base.north", lang),
        ha="center",
        va="bottom",
        fontsize=8,
        color=FURNITURE_COLOUR,
        zorder=8,
    )
    return math.degrees(angle)


# ---------------------------------------------------------------- the locator map


def _frame(lonlat: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The Albers bounds of a lon/lat box (its edges sampled, as parallels curve)."""
    w, s, e, n = lonlat
    lons = np.concatenate([np.linspace(w, e, 30), np.linspace(w, e, 30), [w] * 30, [e] * 30])
    lats = np.concatenate([[s] * 30, [n] * 30, np.linspace(s, n, 30), np.linspace(s, n, 30)])
    xs, ys = to_map().transform(lons, lats)
    return float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys))


def _locator_layers(ax: Axes, base: Basemap, modelled: shapely.Geometry, lw: float) -> None:
    _sea_and_countries(ax, base, 0.2 * lw)
    add_polygons(
        ax,
        base.provinces.geometry,
        facecolor=OTHER_PROVINCE_COLOUR,
        edgecolor="white",
        linewidth=0.2 * lw,
    )
    add_polygons(ax, [modelled], facecolor="#555555", linewidth=0)
    add_lines(ax, [base.china], color=NATIONAL_BORDER, linewidth=0.4 * lw)
    draw_maritime(ax, base, lw=0.6 * lw)


def locator(
    fig: Figure,
    rect: tuple[float, float, float, float],
    base: Basemap,
    modelled: gpd.GeoDataFrame,
    lang: str,
) -> Axes:
    """China with the modelled units dark, in ``rect`` (figure fraction, its width is
    kept; the height follows the frame), and the South China Sea islands in an inset at
    its lower right."""
    units = shapely.coverage_union_all(modelled.geometry.to_numpy())
    minx, miny, maxx, maxy = _frame(MAINLAND_LONLAT)
    fig_w, fig_h = fig.get_size_inches()
    width_in = rect[2] * fig_w
    height_in = width_in * (maxy - miny) / (maxx - minx)
    ax = fig.add_axes((rect[0], rect[1], rect[2], height_in / fig_h))
    _locator_layers(ax, base, units, 1.0)
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal", adjustable="box")
    _bare(ax, 0.6)
    sminx, sminy, smaxx, smaxy = _frame(SOUTH_SEA_LONLAT)
    share = 0.30
    inset_h = share * (smaxy - sminy) / (smaxx - sminx) * (maxx - minx) / (maxy - miny)
    inset = ax.inset_axes((1 - share, 0.0, share, inset_h))
    _locator_layers(inset, base, units, 0.8)
    inset.set_xlim(sminx, smaxx)
    inset.set_ylim(sminy, smaxy)
    _bare(inset, 0.5)
    _caption(inset, word("base.south_sea", lang), (0.5, 0.03), "center", "bottom", 4.5)
    _caption(ax, word("base.locator", lang), (0.02, 0.98), "left", "top", 6)
    return ax


def _bare(ax: Axes, frame_lw: float) -> None:
    """No ticks or axis labels; a thin frame."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_linewidth(frame_lw)
        spine.set_edgecolor(FURNITURE_COLOUR)


def _caption(ax: Axes, text: str, at: tuple[float, float], ha: str, va: str, size: float) -> None:
    ax.text(*at, text, transform=ax.transAxes, ha=ha, va=va, fontsize=size, color=FURNITURE_COLOUR)
