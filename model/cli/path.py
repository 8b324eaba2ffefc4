"""What `wastealloc solve` prints for a multi-year scenario (``[path]``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from rich.markup import escape
from rich.table import Table

from model.cli.common import console, rate_cell, shown
from model.errors import WasteallocError
from model.studies.compare_path import ALL

if TYPE_CHECKING:
    from model.run import PathRun


def print_path_summary(run: PathRun) -> None:
    """Cost, utilization against targets, capacity built and stock, year by year."""
    s = run.summary
    path = s["path"]
    console.print(
        f"[bold]{escape(str(s['scenario']))}[/]: {s['status']}, {path['foresight']} foresight over "
        f"{', '.join(str(y) for y in path['years'])}; discounted cost "
        f"{s['objective_10k_cny'] / 1e4:,.2f} x10^8 CNY (rate {path['discount_rate']:.0%}, to "
        f"{path['years'][0]}); {s['model_size']['variables']:,} variables; solved in "
        f"{s['timing_s']['solve']:.2f} s"
    )
    trajectory = run.results.tables()["trajectory"]
    years = [int(y) for y in path["per_year"]]
    targeted = trajectory[trajectory["target"].notna()]
    pairs = sorted(set(zip(targeted["region"], targeted["group"], strict=True)))
    table = Table(
        title="Utilization rate by region of origin (the year's target in brackets)",
        title_justify="left",
    )
    table.add_column("region / group")
    for year in years:
        table.add_column(str(year), justify="right")
    for region, group in pairs:
        cells = []
        for year in years:
            row = trajectory[
                (trajectory["year"] == year)
                & (trajectory["region"] == region)
                & (trajectory["group"] == group)
            ]
            if row.empty:
                cells.append("-")
                continue
            cells.append(rate_cell(row.iloc[0]))
        table.add_row(escape(f"{region} {group}"), *cells)
    per = path["per_year"]
    rows = [
        ("cost, x10^8 CNY/yr", "cost_per_yr_10k_cny", 1e4, ",.0f"),
        ("capacity added, 10^4 t/yr", "capacity_built_10kt", 1.0, ",.0f"),
        ("stock at the end, 10^4 t", "stock_end_10kt", 1.0, ",.0f"),
    ]
    for label, key, scale, fmt in rows:
        table.add_row(label, *(format(per[str(y)][key] / scale, fmt) for y in years))
    console.print(table)
    if run.out_dir is not None:
        console.print(f"Results: {escape(shown(run.out_dir))}", soft_wrap=True)


def compare_figures(
    a: Path, b: Path, facts: dict[str, Any], redraw: Callable[[Path], list[str]] | None
) -> Callable[[Path], list[str]] | None:
    """What `wastealloc compare` draws into its folder: the change maps drawn there before
    (``redraw``) and, for two multi-year runs, the two trajectories side by side."""
    if facts.get("kind") != "multi-year":
        return redraw

    def figures(staging: Path) -> list[str]:
        from model.data.tables import load_dataset
        from model.studies.compare_chart import draw_compare_chart
        from model.studies.compare_path import read_path_run

        drawn = redraw(staging) if redraw is not None else []
        run_a, run_b = read_path_run(a), read_path_run(b)
        try:
            inputs = run_a[1]["inputs"]
            data_dir = (a / inputs["data_dir"]).resolve()
            nodes = load_dataset(data_dir, run_a[1].get("resolution", "province")).nodes
            drawn += draw_compare_chart(
                run_a, run_b, facts["years"], staging, nodes["region"].to_dict()
            )
        except (OSError, KeyError, ValueError, WasteallocError) as exc:  # a figure costs no table
            console.print(escape(f"note: compare_trajectory.png not drawn: {exc}"), soft_wrap=True)
        return drawn

    return figures


KEY_ROWS = [
    ("cost", "total", "AB"),
    ("discounted cost", "period", ""),
    ("discounted cost", "total", ""),
    ("capacity", "added in the period", "AB"),
    ("capacity", "standing", ""),
    ("stock", "at the period's end", ""),
]
"""Rows the terminal shows of a multi-year compare: (section, item, "AB" to show A and B too)."""


def print_path_compare(table: pd.DataFrame, facts: dict[str, Any], all_rows: bool) -> None:
    """Year by year what B changes against A; every row with ``--all``, else the key rows,
    then rates, targets and target prices that change."""
    years = [str(y) for y in facts["years"]]
    columns = [*years, ALL]
    view = Table(
        title=escape(f"B = {facts['b']} against A = {facts['a']}, year by year (B - A)"),
        title_justify="left",
    )
    view.add_column("section / item")
    view.add_column("unit")
    for year in columns:
        view.add_column(year, justify="right")
    keyed = table.set_index(["section", "item", "year"])

    def cells(section: str, item: str, column: str) -> list[str]:
        out = []
        for year in columns:
            key = (section, item, year)
            value = keyed.at[key, column] if key in keyed.index else float("nan")
            digits = 0 if section == "target" and item == "in force" else 2
            out.append("" if pd.isna(value) else f"{value:,.{digits}f}")
        return out

    pairs = list(dict.fromkeys(zip(table["section"], table["item"], strict=True)))
    if all_rows:
        chosen = [(s, i, "AB") for s, i in pairs]
    else:
        moving = table[(table["change"].abs() > 0.05) | (table["a"].isna() != table["b"].isna())]
        changed = set(zip(moving["section"], moving["item"], strict=True))
        chosen = [*KEY_ROWS, ("target", "in force", "AB")]
        chosen += [(s, i, "") for s, i in pairs if s == "utilization" and (s, i) in changed]
        # a target in force in one run only has no change: show both
        prices = table[
            (table["section"] == "target price") & (table[["a", "b"]].abs() > 0.05).any(axis=1)
        ]
        binding = set(zip(prices["section"], prices["item"], strict=True))
        chosen += [(s, i, "AB") for s, i in pairs if (s, i) in binding & changed]
    units = dict(
        zip(zip(table["section"], table["item"], strict=True), table["change_unit"], strict=True)
    )
    for section, item, show in chosen:
        if (section, item) not in units:
            continue
        unit = units[section, item].replace("percentage points", "pp")
        if show:
            view.add_row(escape(f"{section} {item}, A"), "", *cells(section, item, "a"))
            view.add_row(escape(f"{section} {item}, B"), "", *cells(section, item, "b"))
        view.add_row(
            escape(f"{section} {item}, B - A"), escape(unit), *cells(section, item, "change")
        )
    console.print(view)
    total = keyed.loc[("discounted cost", "total", ALL)]
    if facts.get("discounted_totals_comparable"):
        word = "less" if total["change"] < 0 else "more"
        console.print(
            f"Over {years[0]}-{years[-1]}, discounted to {years[0]}: A costs "
            f"{total['a']:,.2f}, B {total['b']:,.2f} x10^8 CNY; B costs "
            f"{abs(total['change']):,.2f} x10^8 CNY {word} than A "
            f"({100 * total['change'] / total['a']:+.3f}%).",
            soft_wrap=True,
        )
