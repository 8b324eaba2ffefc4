"""What `wastealloc solve` prints for a multi-year scenario (``[path]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from model.cli.common import console, shown

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
    targeted = trajectory[trajectory["target"].notna()]
    pairs = sorted(
        {
            (r, g)
            for r, g in zip(trajectory["region"], trajectory["group"], strict=True)
            if r != "all" and (r, g) in set(zip(targeted["region"], targeted["group"], strict=True))
        }
    )
    table = Table(
        title="Utilization rate by region of origin (target in brackets)", title_justify="left"
    )
    table.add_column("year")
    for r, g in pairs:
        table.add_column(f"{r} {g}", justify="right", overflow="fold")
    table.add_column("cost x10^8/yr", justify="right")
    table.add_column("built 10^4 t/yr", justify="right")
    table.add_column("stock 10^4 t", justify="right")
    for year, per in path["per_year"].items():
        cells = []
        for r, g in pairs:
            row = trajectory[
                (trajectory["year"] == int(year))
                & (trajectory["region"] == r)
                & (trajectory["group"] == g)
            ]
            if row.empty:
                cells.append("-")
                continue
            x = row.iloc[0]
            cell = f"{x['rate']:.1%}"
            if x["target"] == x["target"] and x["target"] is not None:
                cell += f" ({float(x['target']):.0%}) " + (
                    "[green]✓[/]" if x["met"] else "[red]✗[/]"
                )
            cells.append(cell)
        table.add_row(
            year,
            *cells,
            f"{per['cost_per_yr_10k_cny'] / 1e4:,.2f}",
            f"{per['capacity_built_10kt']:,.0f}",
            f"{per['stock_end_10kt']:,.0f}",
        )
    console.print(table)
    if run.out_dir is not None:
        console.print(f"Results: {escape(shown(run.out_dir))}", soft_wrap=True)
