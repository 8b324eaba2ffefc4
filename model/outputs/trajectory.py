"""Figures of a multi-year run: the trajectory chart and the maps of one model year.

The chart has four panels over the model years: utilization rate per region
and target group against its target; capacity added per period by region;
stock at each period's end by region; cost per year by component. Tables in,
PNG out; nothing here solves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from model.core.pathway.run import PathResults
from model.outputs.maps.figure_files import save_figure
from model.outputs.maps.files import FigureFailure

COST_PARTS = ["transport", "processing", "revenue", "storage", "levy", "expansion", "carbon"]


def draw_path_figures(
    results: PathResults, summary: dict[str, Any], dataset: Any, folder: Path
) -> tuple[list[str], list[FigureFailure]]:
    """The trajectory chart and the maps of the map year, never raising for a figure."""
    drawn: list[str] = []
    failed: list[FigureFailure] = []
    try:
        drawn += [
            p.name
            for p in draw_trajectory(
                results.tables(), summary, folder / "trajectory", dataset.nodes["region"].to_dict()
            )
        ]
    except Exception as exc:  # a figure that fails costs nothing else
        failed.append(FigureFailure.of("trajectory", exc))
    from model.outputs import maps

    years = summary["path"]["years"]
    year = summary["path"].get("map_year") or years[-1]
    one_year = {**summary, "base_year": year}
    written, map_failed = maps.draw_after_solve(results.of_year(year), one_year, dataset, folder)
    drawn += [p.relative_to(folder).as_posix() for p in written]
    return drawn, failed + map_failed


def draw_trajectory(
    tables: dict[str, pd.DataFrame],
    summary: dict[str, Any],
    stem: Path,
    node_region: dict[str, str],
) -> list[Path]:
    """Four panels over the model years (see the module docstring), saved as ``stem``.png."""
    trajectory = tables["trajectory"]
    years = summary["path"]["years"]
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    rate_ax, build_ax, stock_ax, cost_ax = axes.flat
    targeted = trajectory[trajectory["region"] != "all"]
    groups = sorted(set(targeted.loc[targeted["target"].notna(), "group"])) or ["bulk"]
    colours = plt.get_cmap("tab10")
    lines = 0
    for r_index, region in enumerate(sorted(set(targeted["region"]))):
        for g_index, group in enumerate(groups):
            part = targeted[(targeted["region"] == region) & (targeted["group"] == group)]
            if part.empty:
                continue
            colour = colours(r_index)
            style = ["-", "--", ":", "-."][g_index % 4]
            rate_ax.plot(
                part["year"],
                100 * part["rate"],
                style,
                color=colour,
                marker="o",
                label=f"{region} {group}",
            )
            target = part.dropna(subset=["target"])
            if not target.empty:
                rate_ax.plot(
                    target["year"],
                    100 * target["target"].astype(float),
                    style,
                    color=colour,
                    marker="_",
                    markersize=14,
                    linewidth=0.8,
                    alpha=0.6,
                )
            lines += 1
    rate_ax.set_title("Utilization rate by region of origin (short bars: target)")
    rate_ax.set_ylabel("%")
    if lines:
        rate_ax.legend(fontsize=7, ncol=2)
    builds = tables["builds"].assign(region=lambda f: f["node"].map(node_region))
    _stacked(build_ax, builds.pivot_table("built_10kt", "year", "region", aggfunc="sum"), years)
    build_ax.set_title("Capacity added in each period (10^4 t/yr)")
    stock = tables["stock"].assign(region=lambda f: f["node"].map(node_region))
    _stacked(stock_ax, stock.pivot_table("stock_end_10kt", "year", "region", aggfunc="sum"), years)
    stock_ax.set_title("Stock at each period's end (10^4 t)")
    costs = tables["costs"]
    costs = costs[costs["component"].isin(COST_PARTS)]
    _stacked(
        cost_ax, costs.pivot_table("cost_10k_cny", "year", "component", aggfunc="sum") / 1e4, years
    )
    cost_ax.set_title("Cost per year by component (10^8 CNY/yr; revenue below zero)")
    for ax in axes.flat:
        ax.set_xticks(years)
        ax.grid(alpha=0.3)
    foresight = summary["path"]["foresight"]
    title = f"{summary['scenario']}: the path {years[0]}-{years[-1]} ({foresight} foresight)"
    fig.suptitle(title)
    fig.tight_layout()
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    return save_figure(fig, stem, ["png"], 150, title, "en", texts)


def _stacked(ax: Any, table: pd.DataFrame, years: list[int]) -> None:
    """Bars per year, stacked by column; positive parts up, negative parts down."""
    table = table.reindex(years).fillna(0.0)
    up = pd.Series(0.0, index=table.index)
    down = pd.Series(0.0, index=table.index)
    for column in table.columns:
        values = table[column]
        base = up.where(values >= 0, down)
        ax.bar(table.index, values, bottom=base, label=str(column), width=0.8)
        up = up + values.clip(lower=0)
        down = down + values.clip(upper=0)
    if len(table.columns):
        ax.legend(fontsize=7)
