"""Province totals: which row of ``province_totals.csv`` stands for a node in a year."""

from __future__ import annotations

import pandas as pd

from model.errors import Problem


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


RATE_TOLERANCE = 0.01
"""Largest gap between a stated utilization rate and the one its amounts give (rates
are often published to a whole percent)."""
BALANCE_RANGE = (-0.15, 0.20)
"""How far utilized + disposed + stored may be from generated, relative to generated:
the yearbook's 2021 rows of the 16 provinces lie within 0% and +8% (what is taken from
earlier years' stock is counted in utilized and disposed, so the sum runs above; what is
dumped, 倾倒丢弃量, is in none of the three, so it may run below). A digit missing in any
of the four cells falls outside."""


def check_total_rows(totals: pd.DataFrame, file: str = "province_totals.csv") -> list[Problem]:
    """Each row of province totals agrees with itself: its rate is its utilized over its
    generated (plus any utilized above generated, which came from stock), and its
    utilized, disposed and stored amounts add up to about its generated amount.

    Catches a typo in one cell that every other check would take as a real figure
    (a generated amount a digit short reads as a large draw on stock)."""
    problems = []
    for row in totals.to_dict("records"):
        gen, used = row["generated_10kt"], row["utilized_10kt"]
        where = f"{row['node']} {row['year']}"
        if pd.notna(gen) and pd.notna(used) and pd.notna(row["utilization_rate"]) and gen > 0:
            implied = used / (gen + max(0.0, used - gen))
            if abs(float(row["utilization_rate"]) - implied) > RATE_TOLERANCE:
                problems.append(
                    Problem(
                        file,
                        int(row["_row"]),
                        "utilization_rate",
                        str(row["utilization_rate"]),
                        f"the rate its amounts give for {where}: utilized {used:g} / "
                        f"(generated {gen:g} + utilized above generated) = {implied:.4f}, "
                        f"within {RATE_TOLERANCE:g}; one of the three cells is wrong",
                    )
                )
        parts = [used, row["disposed_10kt"], row["stored_10kt"]]
        if pd.notna(gen) and gen > 0 and all(pd.notna(p) for p in parts):
            total = float(sum(parts))
            low, high = BALANCE_RANGE
            if not low <= total / gen - 1.0 <= high:
                problems.append(
                    Problem(
                        file,
                        int(row["_row"]),
                        "generated_10kt",
                        f"{gen:g}",
                        f"about utilized + disposed + stored = {total:g} for {where} "
                        f"(between {low:+.0%} and {high:+.0%} of generated; the yearbook's "
                        "rows lie within 0% and +8%): one of the four cells is wrong",
                    )
                )
    return problems
