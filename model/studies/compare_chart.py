"""The two trajectories of a multi-year compare side by side: ``compare_trajectory.png``
(and ``compare_trajectory-zh.png``).

Two columns (A, B) and four rows over the model years both runs have: the
utilization rate of every targeted region and group against its target; the
capacity added per period by region; the stock at each period's end by region;
the cost per year by component. Each row shares its y axis, so the columns read
against each other. Tables in, PNG out (:mod:`model.studies.charts` draws both
languages).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from model.outputs import words
from model.outputs.report.brief import COST_NAMES
from model.studies import charts
from model.studies.charts import _both, _plt
from model.studies.compare import Loaded

COMPARE = charts.COMPARE
"""The chart's words (``words.toml`` beside :mod:`model.studies.charts`)."""
COST_PARTS = [k for k in COST_NAMES if k != "total"]
"""The cost components drawn, named as in the brief (:data:`COST_NAMES`)."""


def draw_compare_chart(
    run_a: Loaded, run_b: Loaded, years: list[int], folder: Path, region_of: dict[str, str]
) -> list[str]:
    """Draw the side-by-side chart in English and Chinese into ``folder``; the file names."""
    return _both(
        folder,
        "compare_trajectory",
        lambda lang: _figure(run_a, run_b, years, region_of, lang),
    )


def _figure(
    run_a: Loaded, run_b: Loaded, years: list[int], region_of: dict[str, str], lang: str
) -> Any:
    from model.outputs.maps.text import group_name
    from model.outputs.trajectory import _stacked

    plt, _ = _plt(lang)
    fig, axes = plt.subplots(4, 2, figsize=(13, 15), sharey="row", squeeze=False)
    colours = plt.get_cmap("tab10")
    for column, (tables, summary) in enumerate((run_a, run_b)):
        rate_ax, build_ax, stock_ax, cost_ax = axes[:, column]
        trajectory = tables["trajectory"]
        trajectory = trajectory[trajectory["year"].isin(years) & (trajectory["region"] != "all")]
        targeted = trajectory.dropna(subset=["target"])
        pairs = sorted(set(zip(targeted["region"], targeted["group"], strict=True)))
        regions = sorted({r for r, _ in pairs})
        groups = sorted({g for _, g in pairs})
        for region, group in pairs:
            part = trajectory[(trajectory["region"] == region) & (trajectory["group"] == group)]
            colour = colours(regions.index(region))
            style = ["-", "--", ":", "-."][groups.index(group) % 4]
            label = f"{region} {group_name(group, lang)}"
            rate_ax.plot(
                part["year"], 100 * part["rate"], style, color=colour, marker="o", label=label
            )
            target = part.dropna(subset=["target"])
            rate_ax.plot(
                target["year"],
                100 * target["target"].astype(float),
                linestyle="none",
                color=colour,
                marker="_",
                markersize=14,
            )
        if pairs:
            rate_ax.legend(fontsize=6, ncol=2)
        builds = tables["builds"].assign(region=lambda f: f["node"].map(region_of))
        builds = builds[builds["year"].isin(years)]
        _stacked(build_ax, builds.pivot_table("built_10kt", "year", "region", aggfunc="sum"), years)
        stock = tables["stock"].assign(region=lambda f: f["node"].map(region_of))
        stock = stock[stock["year"].isin(years)]
        _stacked(
            stock_ax, stock.pivot_table("stock_end_10kt", "year", "region", aggfunc="sum"), years
        )
        costs = tables["costs"]
        costs = costs[costs["component"].isin(COST_PARTS) & costs["year"].isin(years)]
        if lang == "zh":
            zh = {k: words.name(COST_NAMES, k, "zh") for k in COST_PARTS}
            costs = costs.assign(component=costs["component"].map(zh))
        _stacked(
            cost_ax,
            costs.pivot_table("cost_10k_cny", "year", "component", aggfunc="sum") / 1e4,
            years,
        )
        totals = tables["path_costs"].set_index("year")["cost_per_yr_10k_cny"].reindex(years) / 1e4
        cost_ax.plot(years, totals, "k-o", markersize=3)
        axes[0, column].set_title(f"{'AB'[column]}: {summary.get('scenario', '')}")
        for ax in axes[:, column]:
            ax.set_xticks(years)
            ax.grid(alpha=0.3)
    for row, key in enumerate(("rate", "built", "stock", "cost")):
        axes[row, 0].set_ylabel(words.word(COMPARE, key, lang), fontsize=9)
    names = {"a": run_a[1].get("scenario", "A"), "b": run_b[1].get("scenario", "B")}
    fig.suptitle(words.word(COMPARE, "title", lang, **names, first=years[0], last=years[-1]))
    fig.tight_layout()
    return fig
