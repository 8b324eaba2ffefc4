"""What `wastealloc solve` prints for a multi-year scenario (``[path]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from model.cli.common import console, rate_cell, shown

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
