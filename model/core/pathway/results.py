"""Solved path -> tables: every one-year table with a ``year`` column, and the links.

Pure pandas over the solved model, as :mod:`model.core.results`: each period's
block gives the one-year tables (its duals divided by the period's weight, so
shadow prices are per year); ``builds``, ``stock``, ``path_costs`` and
``trajectory`` describe what links the periods.
"""

from __future__ import annotations

import pandas as pd
import pyomo.core as pyo

from model.core.pathway.solve import PathSolution
from model.core.results import EPS, collect

OLD_STOCK = "unspecified"
"""The stream of the stock at the start: the yearbook does not say which streams it holds."""


def _val(x: object) -> float:
    v = float(pyo.value(x))
    return 0.0 if abs(v) < EPS else v


def collect_path(solution: PathSolution) -> dict[str, pd.DataFrame]:
    """Every result table of a solved path, sorted, each with a year column first."""
    frames: dict[str, list[pd.DataFrame]] = {}
    for year, period in sorted(solution.period_solutions().items()):
        for name, frame in collect(period).tables().items():
            frame = frame.copy()
            frame.insert(0, "year", year)
            frames.setdefault(name, []).append(frame)
    tables = {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}
    tables["expansions"] = standing_table(solution)
    tables["drawdown"] = _draw_limits(tables["drawdown"], solution)
    tables["builds"] = builds_table(solution)
    tables["stock"] = stock_table(solution)
    tables["path_costs"] = path_cost_table(solution)
    tables["trajectory"] = trajectory_table(tables["utilization"])
    return tables


def _draw_limits(drawdown: pd.DataFrame, solution: PathSolution) -> pd.DataFrame:
    """From the second model year on a node's draw limit depends on its stock (build.py):
    report its value, draw^max + kappa x stock at the period's start."""
    kappa = solution.path.config.reclaim_share_per_yr
    limits = {}
    for m in solution.models:
        for i, y in m.draw_limit:
            held = sum(_val(m.stock[w, n, y]) for (w, n) in m.STOCKS if n == i)
            held += _val(m.old_stock[i, y]) if i in m.OLD else 0.0
            limits[y, i] = solution.path.base_draw_10kt.get(i, 0.0) + kappa * held
    table = drawdown.copy()
    keys = list(zip(table["year"], table["node"], strict=True))
    table["node_limit_10kt"] = [
        limits.get(k, old) for k, old in zip(keys, table["node_limit_10kt"], strict=True)
    ]
    return table


def builds_table(solution: PathSolution) -> pd.DataFrame:
    """Capacity added in each period (10^4 t/yr) and the last year it stands."""
    life = solution.path.config.lifetime_years
    rows = [
        (y, j, p, _val(m.build[j, p, y]), y + life - 1)
        for m in solution.models
        for (j, p, y) in m.BUILDS
        if _val(m.build[j, p, y]) > EPS
    ]
    cols = ["year", "node", "pathway", "built_10kt", "lasts_until"]
    return pd.DataFrame(rows, columns=cols).sort_values(cols[:3], ignore_index=True)


def standing_table(solution: PathSolution) -> pd.DataFrame:
    """Capacity added and standing in each model year, and its annualized capex that year.

    Replaces the one-year ``expansions`` table, whose capex would count only the
    period's own addition.
    """
    life = solution.path.config.lifetime_years
    built = {
        (t, j, p): (_val(m.build[j, p, t]), _val(m.build_capex[j, p, t]))
        for m in solution.models
        for (j, p, t) in m.BUILDS
    }
    rows = []
    for q in solution.path.periods:
        standing: dict[tuple[str, str], list[float]] = {}
        for (t, j, p), (amount, capex) in built.items():
            if t <= q.year < t + life and amount > EPS:
                pair = standing.setdefault((j, p), [0.0, 0.0])
                pair[0] += amount
                pair[1] += capex
        rows += [(q.year, j, p, a, c) for (j, p), (a, c) in standing.items()]
    cols = ["year", "node", "pathway", "expansion_10kt", "capex_10k_cny"]
    return pd.DataFrame(rows, columns=cols).sort_values(cols[:3], ignore_index=True)


def stock_table(solution: PathSolution) -> pd.DataFrame:
    """Stock per node and stream at each period's start and end, and the yearly flows.

    ``stored_10kt`` and ``drawn_10kt`` are per year of the period; the stock at
    the start holds streams the yearbook does not name (stream ``unspecified``).
    """
    rows = []
    for m in solution.models:
        years = list(m.PERIODS)
        ends = dict(zip(years, [*years[1:], "end"], strict=True))
        for y in years:
            b = m.period[y]
            share = solution.path.stored_share
            for w, i in m.STOCKS:
                stored = share.get(i, 0.0) * _val(b.unutilized[w, i]) if (w, i) in b.SUPPLY else 0.0
                drawn = _val(b.drawdown[w, i]) if (w, i) in b.DRAWS else 0.0
                old = _val(m.old_draw[w, i, y]) if (w, i, y) in m.OLD_DRAWS else 0.0
                start, end = _val(m.stock[w, i, y]), _val(m.stock[w, i, ends[y]])
                if max(start, end, stored, drawn - old) > EPS:
                    rows.append((y, i, w, start, stored, drawn - old, end))
            for i in m.OLD:
                drawn = sum(_val(m.old_draw[k]) for k in m.OLD_DRAWS if k[1:] == (i, y))
                start, end = _val(m.old_stock[i, y]), _val(m.old_stock[i, ends[y]])
                rows.append((y, i, OLD_STOCK, start, 0.0, drawn, end))
    cols = ["year", "node", "stream", "stock_start_10kt", "stored_10kt", "drawn_10kt"]
    cols.append("stock_end_10kt")
    return pd.DataFrame(rows, columns=cols).sort_values(cols[:3], ignore_index=True)


def path_cost_table(solution: PathSolution) -> pd.DataFrame:
    """Cost per year of each period, the years it stands for, its weight and discounted cost."""
    rows = []
    for m in solution.models:
        for y in m.PERIODS:
            q = m.by_year[y]
            annual = _val(m.period[y].total_cost.expr) + _val(m.reclaim_cost[y])
            rows.append((y, q.years, q.weight, annual, _val(m.reclaim_cost[y]), q.weight * annual))
    cols = [
        "year",
        "years",
        "weight",
        "cost_per_yr_10k_cny",
        "reclaim_10k_cny",
        "discounted_10k_cny",
    ]
    return pd.DataFrame(rows, columns=cols).sort_values("year", ignore_index=True)


def trajectory_table(utilization: pd.DataFrame) -> pd.DataFrame:
    """Utilization rate per year, region and target group against the year's target."""
    rows = utilization[(utilization["level"] != "node") & (utilization["group"] != "all")]
    cols = ["year", "area", "group", "generated_10kt", "drawn_10kt", "utilized_10kt", "rate"]
    table = rows[[*cols, "target", "met"]].rename(columns={"area": "region"})
    return table.sort_values(["year", "region", "group"], ignore_index=True)
