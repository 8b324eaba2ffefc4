"""Province totals: which row of ``province_totals.csv`` stands for a node in a year."""

from __future__ import annotations

import pandas as pd


def base_year_totals(totals: pd.DataFrame, year: int, column: str) -> pd.DataFrame:
    """One row per node for ``year`` with ``column`` filled, a reported row before an estimate.

    ``province_totals.csv`` may hold, for the same node and year, a reported row
    with only a rate and an estimated row with the amounts; this picks the row to use.
    """
    rows = totals[(totals["year"] == year) & totals[column].notna()]
    return rows.sort_values("status", key=lambda s: s != "reported", kind="stable").drop_duplicates(
        "node"
    )
