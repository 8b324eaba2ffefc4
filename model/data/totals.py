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


def stock_drawn(totals: pd.DataFrame) -> dict[str, float]:
    """Base-year utilized above generated per node (10^4 t): what was taken from stock.

    The yearbook counts as utilized what is taken out of earlier years' stockpiles
    (综合利用往年贮存量), so utilized above generated is the least that came from
    stock. ``totals`` has columns node, generated_10kt, utilized_10kt (one row per node).
    """
    return {
        str(r.node): float(r.utilized_10kt) - float(r.generated_10kt)
        for r in totals.itertuples()
        if pd.notna(r.generated_10kt)
        and pd.notna(r.utilized_10kt)
        and float(r.utilized_10kt) > float(r.generated_10kt)
    }


def shared_by_generation(
    by_province: dict[str, float], generation: pd.Series, province_of: pd.Series
) -> dict[str, float]:
    """A province amount split over its prefectures in proportion to their generation.

    ``generation`` is indexed by prefecture; ``province_of`` maps prefecture to province.
    """
    province_gen = generation.groupby(province_of.reindex(generation.index)).sum()
    return {
        str(i): by_province[province_of[i]]
        * float(generation[i])
        / float(province_gen[province_of[i]])
        for i in generation.index
        if province_of[i] in by_province and float(province_gen[province_of[i]]) > 0
    }
