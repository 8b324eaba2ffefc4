"""What the maps read from a results folder, checked before anything is drawn.

A results folder is ordinary CSV files that people open, edit and copy, so a
table may have lost a column or gained text where numbers belong. The maps
read only the columns listed in :data:`RESULT_COLUMNS` (each a column that
``model/results.py`` writes); they are checked when the results are loaded,
and a problem names the file, the column and, for values, the row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from model.errors import WasteallocError


class MapError(WasteallocError):
    """A map cannot be drawn from these results (missing table, unknown group, ...)."""


class MapJoinError(MapError, ValueError):
    """A result row names a node that has no geometry."""


RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "hauls": ("stream", "origin", "destination", "amount_10kt"),
    "processing": ("stream", "node", "pathway", "amount_10kt"),
    "unutilized": ("stream", "node", "amount_10kt"),
    "expansions": ("node",),
    "capacity_use": (
        "node",
        "pathway",
        "capacity_10kt",
        "expansion_10kt",
        "used_10kt",
        "shadow_price_cny_per_t",
    ),
    "utilization": (
        "level",
        "area",
        "group",
        "generated_10kt",
        "utilized_10kt",
        "rate",
        "target",
        "met",
    ),
    "node_emissions": ("node", "net_co2_10kt"),
}
"""The columns of each result table that some map reads."""

NUMERIC_COLUMNS = frozenset(
    {
        "amount_10kt",
        "capacity_10kt",
        "expansion_10kt",
        "used_10kt",
        "shadow_price_cny_per_t",
        "generated_10kt",
        "utilized_10kt",
        "rate",
        "target",
        "net_co2_10kt",
    }
)
"""Columns that must hold finite numbers (``target`` may be empty: no target)."""

MAY_BE_EMPTY = frozenset({"target", "met"})

RESULT_NODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "hauls": ("origin", "destination"),
    "processing": ("node",),
    "unutilized": ("node",),
    "expansions": ("node",),
    "capacity_use": ("node",),
    "node_emissions": ("node",),
}
"""Columns of the result tables that name nodes (utilization names them in ``area``)."""

MAX_LISTED = 5
"""Bad rows named per column; the rest are counted."""


def check_columns(tables: Mapping[str, pd.DataFrame], source: str = "") -> None:
    """Raise :class:`MapError` naming every table that lacks a column the maps read, and
    every cell of a numeric column that is not a finite number."""
    problems: list[str] = []
    for name, columns in RESULT_COLUMNS.items():
        frame = tables.get(name)
        if frame is None:
            continue
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            problems.append(
                f"{name}.csv: no column(s) {', '.join(missing)} (expected {', '.join(columns)})"
            )
            continue
        for column in columns:
            if column in NUMERIC_COLUMNS:
                problems += _bad_numbers(name, column, frame[column])
            elif column not in MAY_BE_EMPTY and frame[column].isna().any():
                rows = _rows(frame[column].isna())
                problems.append(f"{name}.csv row(s) {rows}, column {column}: empty")
    if problems:
        where = f"{source}: " if source else ""
        raise MapError(
            f"{where}result tables the maps cannot read: {'; '.join(problems)}. "
            "Solve the scenario again to rewrite them"
        )


def _bad_numbers(table: str, column: str, values: pd.Series) -> list[str]:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = (numbers.isna() & values.notna()) if column in MAY_BE_EMPTY else numbers.isna()
    bad |= numbers.isin([math.inf, -math.inf])
    if not bad.any():
        return []
    first = values[bad].iloc[0]
    return [
        f"{table}.csv row(s) {_rows(bad)}, column {column}: value {str(first)[:40]!r}: "
        "expected a finite number"
    ]


def _rows(mask: pd.Series) -> str:
    """Spreadsheet row numbers (the header is row 1) of the true cells."""
    rows = [str(i + 2) for i in range(len(mask)) if mask.iloc[i]]
    more = f" and {len(rows) - MAX_LISTED} more" if len(rows) > MAX_LISTED else ""
    return ", ".join(rows[:MAX_LISTED]) + more


def check_nodes(tables: Mapping[str, pd.DataFrame], shapes: pd.DataFrame, source: str) -> None:
    """Raise :class:`MapJoinError` naming every result row's node that has no geometry."""
    known = set(shapes["node"])
    problems = []
    for name, columns in RESULT_NODE_COLUMNS.items():
        frame = tables.get(name)
        if frame is None:
            continue
        unknown = sorted({str(v) for c in columns if c in frame for v in frame[c]} - known)
        if unknown:
            problems.append(f"{name}.csv: {', '.join(unknown)}")
    util = tables.get("utilization")
    if util is not None and "level" in util:
        unknown = sorted(set(util.loc[util["level"] == "node", "area"].astype(str)) - known)
        if unknown:
            problems.append(f"utilization.csv: {', '.join(unknown)}")
    if problems:
        where = f"{source}: " if source else ""
        raise MapJoinError(
            f"{where}result rows name node(s) that have no geometry in the node table "
            f"and boundary file (joined on adcode): {'; '.join(problems)}"
        )


def check_summary(summary: Mapping[str, object], source: str = "") -> None:
    """The summary.json keys the maps read: ``base_year`` must be a whole number."""
    year = summary.get("base_year")
    if year is not None and not (isinstance(year, int) and not isinstance(year, bool)):
        where = f"{source}/" if source else ""
        raise MapError(f"{where}summary.json: base_year {year!r}: expected a whole number")
