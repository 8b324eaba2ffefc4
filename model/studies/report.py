"""A study's table (one row per point) and what the terminal shows of it.

``study.csv`` keeps the units of the other result tables (10^4 CNY, 10^4 t);
the terminal shows x10^8 CNY/yr and Mt/yr like the rest of the terminal output,
only the columns that vary between points, and each swept value to its own
precision (0.665 stays 0.665).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from model.studies.design import CO2_CAP, Study

FRONT_LEVERS = (CO2_CAP, "carbon_price")
"""Parameters whose studies trace the cost-CO2 front."""


def study_table(study: Study, rows: dict[int, dict[str, Any]]) -> pd.DataFrame:
    """The finished points in order, with the cost change against the base point.

    The base point is the scenario itself in a one-at-a-time study (point 0),
    else the first point that solved. ``cost_before_carbon_10k_cny`` is the total
    cost less the carbon charge (what the front plots); ``on_front`` marks the
    points no other point beats on both that cost and net CO2.
    """
    table = pd.DataFrame([rows[i] for i in sorted(rows)])
    if table.empty or "objective_10k_cny" not in table:
        return table
    cost = table["objective_10k_cny"]
    feasible = cost.dropna()
    if not feasible.empty:
        base = cost.iloc[0] if study.kind == "one_at_a_time" else feasible.iloc[0]
        where = table.columns.get_loc("objective_10k_cny") + 1
        table.insert(where, "cost_change_10k_cny", cost - base)
    if "carbon_cost_10k_cny" in table:
        table["cost_before_carbon_10k_cny"] = cost - table["carbon_cost_10k_cny"]
    if any(p in study.params for p in FRONT_LEVERS) and "net_co2_10kt" in table:
        table["on_front"] = front(table)
    return table


def front(table: pd.DataFrame, tol: float = 1e-6) -> pd.Series:
    """True where no other solved point has both less (or equal) cost before carbon and
    less (or equal) net CO2, one of them strictly: the cost-CO2 trade-off front."""
    cost = table.get("cost_before_carbon_10k_cny", table["objective_10k_cny"]).to_numpy(float)
    co2 = table["net_co2_10kt"].to_numpy(float)
    ok = np.isfinite(cost) & np.isfinite(co2)
    out = []
    for i in range(len(table)):
        if not ok[i]:
            out.append(False)
            continue
        le = ok & (cost <= cost[i] + tol) & (co2 <= co2[i] + tol)
        lt = (cost < cost[i] - tol) | (co2 < co2[i] - tol)
        out.append(not bool((le & lt).any()))
    return pd.Series(out, index=table.index)


# -- the terminal view --------------------------------------------------------------------


def plain_number(value: float) -> str:
    """A swept value to its own precision: 0.665, 0.67, 100, 1.25 (10 significant digits)."""
    if not np.isfinite(value):
        return str(value)
    return np.format_float_positional(float(f"{value:.10g}"), trim="-")


def plain_numbers(values: list[float]) -> list[str]:
    """A column of swept values, each to its own precision (:func:`plain_number`), except
    values with more than 6 significant digits (the inner points of a ``{from, to,
    points}`` range, 0.5611111111): those to the fewest digits, at least 4, that keep
    the column's values apart (0.5611)."""
    exact = [plain_number(v) for v in values]
    long = [len(e.lstrip("-").replace(".", "").strip("0")) > 6 for e in exact]
    if not any(long):
        return exact
    distinct = len(set(exact))
    for digits in range(4, 11):
        short = [
            np.format_float_positional(float(f"{v:.{digits}g}"), trim="-") if is_long else e
            for v, is_long, e in zip(values, long, exact, strict=True)
        ]
        if len(set(short)) == distinct:
            return short
    return exact


UNITS = "costs in 10^8 CNY/yr, net CO2 in Mt/yr, prices in CNY/t, rates in %"
"""The caption of the terminal table: the units of the terminal output."""


def label(column: str, reference: str = "") -> tuple[str, float, int]:
    """(short heading, factor to the unit of :data:`UNITS`, decimals) of a study.csv column."""
    if column == "objective_10k_cny":
        return "cost", 1e-4, 2
    if column == "cost_change_10k_cny":
        return "Δ cost", 1e-4, 2
    if column == "cost_above_reference_10k_cny":
        return f"above {reference or 'reference'}", 1e-4, 2
    if column == "cost_before_carbon_10k_cny":
        return "before carbon", 1e-4, 2
    if column == "net_co2_10kt":
        return "net CO2", 1e-2, 2
    if column == "net_co2_most_10kt":
        return "CO2 most", 1e-2, 2
    if column.startswith("shadow_"):
        body = column.removeprefix("shadow_").removesuffix("_cny_per_t").replace("_", " ", 1)
        return f"price {body}", 1.0, 1
    if column.startswith("rate_"):
        return f"rate {column.removeprefix('rate_').replace('_', ' ', 1)}", 100.0, 1
    return column, 1.0, 2


def varies(series: pd.Series, tol: float = 1e-9) -> bool:
    values = pd.to_numeric(series, errors="coerce").dropna()
    if values.empty:
        return False
    return float(values.max() - values.min()) > tol * max(1.0, float(values.abs().max()))


def shown_columns(study: Study, table: pd.DataFrame, width: int = 100) -> list[str]:
    """The settings, the status where a point failed, then the outputs that vary (as many
    as fit ``width`` characters, about 12 a column)."""
    settings = [c for c in table.columns if c in study.params or c == "scenario"]
    if study.kind == "sensitivity":
        settings = []
    if "status" in table and (table["status"] != "optimal").any():
        settings.append("status")
    outputs = ["objective_10k_cny", "cost_above_reference_10k_cny", "cost_change_10k_cny"]
    if "carbon_cost_10k_cny" in table and varies(table["carbon_cost_10k_cny"]):
        outputs.append("cost_before_carbon_10k_cny")
    outputs.append("net_co2_10kt")
    outputs += [c for c in table.columns if c.startswith("shadow_")]
    outputs += [c for c in table.columns if c.startswith("rate_")]
    moving = [c for c in dict.fromkeys(outputs) if c in table and varies(table[c])]
    if "objective_10k_cny" in table and "objective_10k_cny" not in moving:
        moving.insert(0, "objective_10k_cny")  # the cost, even when it does not move
    limit = max(2, (width - 12 * len(settings)) // 12)
    return settings + moving[:limit]


def cells(
    study: Study, table: pd.DataFrame, columns: list[str]
) -> tuple[list[str], list[list[str]]]:
    """Headings and rows of the terminal table, in the terminal's units."""
    reference = study.reference.name if study.reference is not None else ""
    headings, rows = [], []
    for c in columns:
        headings.append(
            c if c in study.params or c in ("scenario", "status") else label(c, reference)[0]
        )
    swept = {
        c: dict(zip(values, plain_numbers(values), strict=True))
        for c in columns
        if c in study.params
        for values in [sorted({float(v) for v in table[c] if pd.notna(v)})]
    }
    for _, row in table.iterrows():
        line = []
        for c in columns:
            value = row.get(c)
            if c in study.params:
                line.append("-" if pd.isna(value) else swept[c][float(value)])
            elif isinstance(value, float | int) and not isinstance(value, bool):
                _, factor, decimals = label(c, reference)
                line.append("-" if pd.isna(value) else f"{value * factor:,.{decimals}f}")
            else:
                line.append(
                    "-"
                    if value is None or (isinstance(value, float) and pd.isna(value))
                    else str(value)
                )
        rows.append(line)
    return headings, rows


# -- sensitivity outputs in words -------------------------------------------------------


def target_of(output: str) -> tuple[str, str]:
    """(region, group) of a ``shadow_<region>_<group>_cny_per_t`` output."""
    region, group = output.removeprefix("shadow_").removesuffix("_cny_per_t").split("_", 1)
    return region, group


def key_outputs(indices: pd.DataFrame) -> list[str]:
    """Costs, net CO2 and every target shadow price that is not constant: what a plot shows."""
    outputs = list(dict.fromkeys(indices["output"]))
    shadows = [o for o in outputs if o.startswith("shadow_")]
    numbers = indices.drop(columns=["output", "factor"]).abs().sum(axis=1)
    moving = numbers.groupby(indices["output"]).sum() > 0
    first = ("objective_10k_cny", "cost_above_reference_10k_cny", "net_co2_10kt")
    fixed = [o for o in first if o in outputs]
    return [*fixed, *[o for o in shadows if bool(moving.get(o, False))]]


def describe(output: str, method: str, reference: str = "") -> tuple[str, float, str]:
    """(label, factor to the shown unit, shown unit) of an output; Sobol' indices are shares."""
    if output == "objective_10k_cny":
        label, scale, unit = "Total cost", 1e-4, "x10^8 CNY/yr"
    elif output == "cost_above_reference_10k_cny":
        label, scale, unit = f"Cost above {reference or 'the reference'}", 1e-4, "x10^8 CNY/yr"
    elif output == "net_co2_10kt":
        label, scale, unit = "Net CO2", 1e-2, "Mt/yr"
    else:
        region, group = target_of(output)
        label = f"Shadow price of the {region} {group.replace('_', ' ')} target"
        scale, unit = 1.0, "CNY/t"
    return (label, scale, unit) if method == "morris" else (label, 1.0, "share of variance")


WIDE_CI = 0.1
"""A Sobol' index whose 95% confidence interval is wider than ±0.1 is not yet stable."""


def sobol_warnings(indices: pd.DataFrame, outputs: list[str]) -> list[str]:
    """What says a Sobol' design was too small: wide intervals, S1 above ST, ST above 1.

    The intervals narrow as 1/sqrt(samples): four times the samples halve them.
    """
    lines = []
    more = "increase --samples ([sensitivity] samples): four times the samples halve the intervals"
    for output in outputs:
        part = indices[indices["output"] == output]
        if part.empty:
            continue
        widest = float(part[["S1_conf", "ST_conf"]].max().max())
        if widest > WIDE_CI:
            lines.append(
                f"{output}: confidence intervals up to ±{widest:.2f} (wider than ±{WIDE_CI}); "
                + more
            )
        for _, row in part.iterrows():
            slack = max(float(row["S1_conf"]), float(row["ST_conf"]))
            if row["S1"] > row["ST"] + slack:
                lines.append(
                    f"{output}: {row['factor']} has S1 {row['S1']:.2f} above ST "
                    f"{row['ST']:.2f} (impossible in theory: sampling noise); {more}"
                )
            if row["ST"] > 1 + float(row["ST_conf"]):
                lines.append(f"{output}: {row['factor']} has ST {row['ST']:.2f} above 1; {more}")
    return lines
