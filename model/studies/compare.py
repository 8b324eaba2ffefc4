"""Compare two saved runs: what B changes against A, as one table.

Reads only the folders ``wastealloc solve`` wrote (no solving). One row per
figure a researcher compares between scenarios: total cost and its components,
utilization rates of every region and target group, target shadow prices, CO2
(with the most-CO2 bound of each run where recorded), and the capacity added.
Columns: section, item, unit, A, B, change (B - A) and the change's unit
(percentage points for rates). Rows come in a fixed order: sections as listed,
cost components as in ``costs.csv`` (total last), regions in slug order then
all regions, target groups bulk, smelting slag, by-product gypsum, red mud, all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from model.errors import ScenarioError
from model.outputs.folders import read_run

COLUMNS = ["section", "item", "unit", "a", "b", "change", "change_unit"]
SECTIONS = ["cost", "utilization", "target price", "co2", "capacity"]
COSTS = [
    "transport",
    "processing",
    "revenue",
    "storage",
    "levy",
    "expansion",
    "carbon",
    "shortfall_penalty",
    "total",
]
GROUPS = ["bulk", "smelting_slag", "byproduct_gypsum", "red_mud", "all"]
CO2 = ["transport", "avoided", "net", "net, most-CO2 allocation of the same cost"]


def _rank(section: str, item: str) -> tuple[int, int, str, int, str]:
    """Sort key of a row: section, then a fixed order within it (unknown names last, by name)."""

    def index(order: list[str], name: str) -> int:
        return order.index(name) if name in order else len(order)

    if section in ("utilization", "target price"):
        area, _, group = item.partition("/")
        return (index(SECTIONS, section), int(area == "all"), area, index(GROUPS, group), group)
    order = COSTS if section == "cost" else CO2 if section == "co2" else []
    return (index(SECTIONS, section), index(order, item), item, 0, "")


def _load(folder: Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    try:
        tables, summary = read_run(folder)
    except FileNotFoundError as exc:
        raise ScenarioError(str(exc)) from None
    missing = [n for n in ("costs", "utilization", "shadow_prices", "emissions") if n not in tables]
    if missing:
        raise ScenarioError(
            f"{folder}: no {', '.join(f'{n}.csv' for n in missing)}; expected a folder "
            "written by `wastealloc solve`"
        )
    return tables, summary


def _figures(tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> pd.DataFrame:
    """The comparable figures of one run: section, item, unit, value."""
    rows: list[tuple[str, str, str, float]] = []
    for _, r in tables["costs"].iterrows():
        rows.append(("cost", str(r["component"]), "x10^8 CNY/yr", r["cost_10k_cny"] / 1e4))
    util = tables["utilization"]
    for _, r in util[util["level"].isin(["region", "total"])].iterrows():
        rows.append(("utilization", f"{r['area']}/{r['group']}", "%", 100 * r["rate"]))
    prices = tables["shadow_prices"]
    for _, r in prices[prices["constraint"] == "target"].iterrows():
        rows.append(("target price", f"{r['region']}/{r['group']}", "CNY/t", r["shadow_price"]))
    for _, r in tables["emissions"].iterrows():
        rows.append(("co2", str(r["component"]), "Mt/yr", r["co2_10kt"] / 100))
    most = summary.get("net_co2_most_at_least_cost_10kt")
    if most is not None:
        rows.append(("co2", "net, most-CO2 allocation of the same cost", "Mt/yr", most / 100))
    expansions = tables.get("expansions")
    added = 0.0
    if expansions is not None and "expansion_10kt" in expansions:
        added = float(expansions["expansion_10kt"].sum())
    rows.append(("capacity", "added", "10^4 t/yr", added))
    return pd.DataFrame(rows, columns=["section", "item", "unit", "value"])


def compare(a: Path, b: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The comparison table of two run folders and a few facts about them."""
    return compare_tables(_load(Path(a)), _load(Path(b)), a, b)


Loaded = tuple[dict[str, pd.DataFrame], dict[str, Any]]
"""The tables and summary of a run (one year)."""


def compare_tables(
    run_a: Loaded, run_b: Loaded, a: Path, b: Path
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`compare` of two runs already read (``a`` and ``b`` name them in messages)."""
    (tables_a, summary_a), (tables_b, summary_b) = run_a, run_b
    for key in ("base_year", "resolution"):
        if summary_a.get(key) != summary_b.get(key):
            raise ScenarioError(
                f"compare: {a} has {key} {summary_a.get(key)}, {b} has {summary_b.get(key)}; "
                "compare runs on the same data and resolution"
            )
    left = _figures(tables_a, summary_a).rename(columns={"value": "a"})
    right = _figures(tables_b, summary_b).rename(columns={"value": "b"})
    table = left.merge(right, on=["section", "item", "unit"], how="outer", sort=False)
    table["change"] = table["b"] - table["a"]
    table["change_unit"] = table["unit"].where(table["unit"] != "%", "percentage points")
    keys = [_rank(s, i) for s, i in zip(table["section"], table["item"], strict=True)]
    table = table.iloc[sorted(range(len(keys)), key=keys.__getitem__)]
    same_data = summary_a.get("inputs", {}).get("data_sha256") == summary_b.get("inputs", {}).get(
        "data_sha256"
    )
    facts = {
        "a": summary_a.get("scenario", str(a)),
        "b": summary_b.get("scenario", str(b)),
        "same_data": bool(same_data),
        "tie_break": [
            summary_a.get("solver", {}).get("tie_break"),
            summary_b.get("solver", {}).get("tie_break"),
        ],
    }
    return table[COLUMNS].reset_index(drop=True), facts
