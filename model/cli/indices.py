"""The terminal account of a sensitivity analysis (``sensitivity`` and ``study`` commands)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from model.cli.common import console

if TYPE_CHECKING:
    from model.studies.sensitivity import Sensitivity


def print_indices(result: Sensitivity, method: str, with_reference: bool) -> None:
    """The strongest factors of the main output (a table), then of the other key outputs."""
    from model.studies.factors import headline
    from model.studies.report import describe, key_outputs, sobol_warnings

    morris = method == "morris"
    main = "cost_above_reference_10k_cny" if with_reference else "objective_10k_cny"
    runs = result.runs[main].dropna() / 1e4
    solves = len(result.runs) * (2 if with_reference else 1)
    console.print(
        escape(f"{result.scenario}: {method}, {len(result.runs)} design points, {solves} solves")
    )
    subject = (
        f"Cost above {result.reference}" if with_reference else "Total cost"
    ) + f" (x10^8 CNY/yr): {runs.min():,.2f} to {runs.max():,.2f} over the design"
    console.print(escape(subject))
    what = (
        "mu* = change across each factor's full range (x10^8 CNY/yr)"
        if morris
        else "Sobol' indices (shares of variance), ± = 95% confidence interval"
    )
    view = Table(title=what, title_justify="left")
    columns = (
        ("factor", "mu*", "± (95%)", "sigma", "raises it?")
        if morris
        else ("factor", "ST", "±", "S1", "±")
    )
    for column in columns:
        view.add_column(column, justify="left" if column == "factor" else "right")
    for _, row in headline(result.indices, method, main).iterrows():  # type: ignore[arg-type]
        if morris:
            numbers = [row["mu_star"] / 1e4, row["mu_star_conf"] / 1e4, row["sigma"] / 1e4]
            sign = "yes" if row["mu"] > 0 else "no, lowers it" if row["mu"] < 0 else "-"
            view.add_row(escape(str(row["factor"])), *[f"{c:,.2f}" for c in numbers], sign)
        else:
            numbers = [row["ST"], row["ST_conf"], row["S1"], row["S1_conf"]]
            view.add_row(escape(str(row["factor"])), *[f"{c:.2f}" for c in numbers])
    console.print(view)
    if morris:
        console.print(
            "A sigma large against mu* means the effect depends on the other factors "
            "(interaction or non-linearity)."
        )
    else:
        for line in sobol_warnings(result.indices, [main]):
            console.print(f"[yellow]warning[/]: {escape(line)}", soft_wrap=True)
    value = "mu_star" if morris else "ST"
    for output in key_outputs(result.indices):
        if output == main:
            continue
        part = headline(result.indices, method, output, 3)  # type: ignore[arg-type]
        label, scale, unit = describe(output, method, result.reference)
        shown = f" {unit}" if morris else ""
        listed = "; ".join(
            f"{r['factor']} {r[value] * scale:,.2f}{shown}" for _, r in part.iterrows()
        )
        console.print(escape(f"{label}, strongest factors: {listed}"))
    if result.skipped:
        console.print(escape(f"no range in the data, left out: {', '.join(result.skipped)}"))
