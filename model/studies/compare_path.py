"""Compare two saved runs when one or both are multi-year (``[path]``): year by year.

Two multi-year runs are compared over the model years both have (the overlap,
named in the facts when the years differ): one row per figure and year in
``compare.csv`` (section, item, unit, year, A, B, change, change unit) and the
change alone, one column per year, in ``compare_by_year.csv``. Sections:

- ``cost``: each component per year (x10^8 CNY/yr), ``reclaim`` and ``total``
  (the period's cost per year, ``path_costs.csv``);
- ``discount weight``: W_t of each period (years it stands for, discounted);
- ``discounted cost``: W_t x cost per year (x10^8 CNY) per period, and the
  discounted total over the horizon (year ``all``, the objective);
- ``utilization`` and ``target``: rate and target per region and group (%);
- ``target price``: target shadow prices (CNY/t, per year);
- ``co2``: transport, avoided, net (Mt/yr);
- ``capacity``: added in the period (10^4 t/yr), standing in the year, and added
  over the horizon (year ``all``);
- ``stock``: stored and drawn per year, stock at the period's end.

So sum_t W_t x change of the total per year = change of the discounted total
(when both runs have the same years and discount rate).

A multi-year run against a one-year run compares the one-year run with one model
year of the other (its base year, or ``year``), as the one-year compare does
(:func:`model.studies.compare.compare_tables`), and says which in the facts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from model.errors import ScenarioError
from model.outputs.folders import years_of
from model.studies.compare import COLUMNS, COSTS, Loaded, _load, _rank, compare, compare_tables

PATH_TABLES = (
    "path_costs",
    "trajectory",
    "builds",
    "stock",
    "costs",
    "expansions",
    "shadow_prices",
    "emissions",
    "utilization",
    "drawdown",
)
ONE_YEAR = ("costs", "utilization", "shadow_prices", "emissions", "expansions", "drawdown")
SECTIONS = [
    "cost",
    "discount weight",
    "discounted cost",
    "utilization",
    "target",
    "target price",
    "co2",
    "capacity",
    "stock",
]
ALL = "all"
"""The year of a row over the whole horizon (discounted total, capacity added)."""
PATH_COLUMNS = ["section", "item", "unit", "year", "a", "b", "change", "change_unit"]


def _summary(folder: Path) -> dict[str, Any]:
    path = Path(folder) / "summary.json"
    if not path.is_file():
        raise ScenarioError(
            f"{folder}: no summary.json; expected a folder written by `wastealloc solve`"
        )
    summary = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(summary, dict):
        raise ScenarioError(f"{path}: expected a JSON object written by `wastealloc solve`")
    return summary


def read_path_run(folder: Path) -> Loaded:
    """The tables of a multi-year run folder, every year (``read_run`` reads only the map year)."""
    summary = _summary(folder)
    missing = [n for n in PATH_TABLES if not (Path(folder) / f"{n}.csv").is_file()]
    if missing:
        raise ScenarioError(
            f"{folder}: no {', '.join(f'{n}.csv' for n in missing)}; expected a multi-year "
            "folder written by `wastealloc solve`; solve its scenario again"
        )
    tables = {n: pd.read_csv(Path(folder) / f"{n}.csv") for n in PATH_TABLES}
    return tables, summary


def of_year(run: Loaded, year: int) -> Loaded:
    """One model year of a multi-year run, as a one-year run has its tables."""
    tables, summary = run
    one = {
        n: tables[n][tables[n]["year"] == year].drop(columns="year").reset_index(drop=True)
        for n in ONE_YEAR
    }
    return one, summary


def path_figures(run: Loaded, years: list[int]) -> pd.DataFrame:
    """The comparable figures of a multi-year run in ``years``: section, item, unit, year, value."""
    tables, summary = run
    rows: list[tuple[str, str, str, str, float]] = []

    def add(section: str, item: str, unit: str, year: object, value: float) -> None:
        rows.append((section, item, unit, str(year), float(value)))

    def each(name: str) -> pd.DataFrame:
        frame = tables[name]
        return frame[frame["year"].isin(years)]

    for r in each("costs").itertuples():
        if r.component != "total":
            add("cost", str(r.component), "x10^8 CNY/yr", r.year, r.cost_10k_cny / 1e4)
    for r in each("path_costs").itertuples():
        add("cost", "reclaim", "x10^8 CNY/yr", r.year, r.reclaim_10k_cny / 1e4)
        add("cost", "total", "x10^8 CNY/yr", r.year, r.cost_per_yr_10k_cny / 1e4)
        add("discount weight", "W", "years", r.year, r.weight)
        add("discounted cost", "period", "x10^8 CNY", r.year, r.discounted_10k_cny / 1e4)
    add("discounted cost", "total", "x10^8 CNY", ALL, summary["objective_10k_cny"] / 1e4)
    for y, count in each("trajectory").groupby("year")["target"].count().items():
        add("target", "in force", "count", y, count)
    for r in each("trajectory").itertuples():
        add("utilization", f"{r.region}/{r.group}", "%", r.year, 100 * r.rate)
        if pd.notna(r.target):
            add("target", f"{r.region}/{r.group}", "%", r.year, 100 * r.target)
    prices = each("shadow_prices")
    for r in prices[prices["constraint"] == "target"].itertuples():
        add("target price", f"{r.region}/{r.group}", "CNY/t", r.year, r.shadow_price)
    for r in each("emissions").itertuples():
        add("co2", str(r.component), "Mt/yr", r.year, r.co2_10kt / 100)
    built = each("builds").groupby("year")["built_10kt"].sum()
    standing = each("expansions").groupby("year")["expansion_10kt"].sum()
    stock = each("stock").groupby("year")[["stored_10kt", "drawn_10kt", "stock_end_10kt"]].sum()
    for y in years:
        add("capacity", "added in the period", "10^4 t/yr", y, built.get(y, 0.0))
        add("capacity", "standing", "10^4 t/yr", y, standing.get(y, 0.0))
        for column, item, unit in (
            ("stored_10kt", "stored", "10^4 t/yr"),
            ("drawn_10kt", "drawn", "10^4 t/yr"),
            ("stock_end_10kt", "at the period's end", "10^4 t"),
        ):
            add("stock", item, unit, y, stock[column].get(y, 0.0) if y in stock.index else 0.0)
    add(
        "capacity",
        "added over the horizon",
        "10^4 t/yr",
        ALL,
        float(tables["builds"]["built_10kt"].sum()),
    )
    return pd.DataFrame(rows, columns=["section", "item", "unit", "year", "value"])


COSTS = [*COSTS[:-1], "reclaim", "total"]


def _path_rank(section: str, item: str, year: str) -> tuple[Any, ...]:
    """Sort key: section, the one-year compare's order within it, then year (``all`` last)."""
    inner = _rank("utilization" if section == "target" else section, item)[1:]
    if section == "cost":
        inner = (COSTS.index(item) if item in COSTS else len(COSTS), item, 0, "")
    return (SECTIONS.index(section), *inner, year == ALL, year)


def compare_paths(run_a: Loaded, run_b: Loaded) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-year comparison of two multi-year runs over the years both model."""
    years_a, years_b = years_of(run_a[1]) or [], years_of(run_b[1]) or []
    years = [y for y in years_a if y in years_b]
    if not years:
        raise ScenarioError(
            f"compare: the runs share no model year (A: {years_a}, B: {years_b}); compare "
            "multi-year runs over common years"
        )
    left = path_figures(run_a, years).rename(columns={"value": "a"})
    right = path_figures(run_b, years).rename(columns={"value": "b"})
    table = left.merge(right, on=["section", "item", "unit", "year"], how="outer", sort=False)
    table["change"] = table["b"] - table["a"]
    table["change_unit"] = table["unit"].where(table["unit"] != "%", "percentage points")
    keys = [
        _path_rank(*k) for k in zip(table["section"], table["item"], table["year"], strict=True)
    ]
    table = table.iloc[sorted(range(len(keys)), key=keys.__getitem__)]
    same = years_a == years_b and run_a[1]["path"].get("discount_rate") == run_b[1]["path"].get(
        "discount_rate"
    )
    facts: dict[str, Any] = {
        "kind": "multi-year",
        "years": years,
        "years_a": years_a,
        "years_b": years_b,
        "same_years": years_a == years_b,
        "discounted_totals_comparable": bool(same),
    }
    if not same:
        facts["note"] = (
            f"compared over the model years both runs have ({', '.join(map(str, years))}); "
            "the discounted totals (year all) are each run's own, over its own years and "
            "discount rate, and do not add up from the years shown"
        )
    return table[PATH_COLUMNS].reset_index(drop=True), facts


def by_year(table: pd.DataFrame) -> pd.DataFrame:
    """``compare_by_year.csv``: the change B - A, one column per year (and ``all``)."""
    keys = ["section", "item", "unit", "change_unit"]
    wide = table.pivot_table(index=keys, columns="year", values="change", aggfunc="first")
    wide = wide.reindex(pd.MultiIndex.from_frame(table[keys].drop_duplicates()))
    order = sorted(c for c in wide.columns if c != ALL) + [c for c in wide.columns if c == ALL]
    return wide[order].reset_index().rename_axis(columns=None)


def compare_runs(
    a: Path, b: Path, year: int | None = None
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The compare tables of two run folders, one-year or multi-year, and facts about them.

    Two one-year runs: :func:`model.studies.compare.compare`, unchanged. Two
    multi-year runs: :func:`compare_paths`. One of each: the one-year run against
    model year ``year`` of the other (default: the one-year run's base year).
    """
    summary_a, summary_b = _summary(Path(a)), _summary(Path(b))
    years_a, years_b = years_of(summary_a), years_of(summary_b)
    if years_a is None and years_b is None:
        if year is not None:
            raise ScenarioError("compare --year: for a multi-year run; A and B are one-year runs")
        table, facts = compare(a, b)
        return {"compare": table}, facts
    if years_a is not None and years_b is not None:
        if year is not None:
            raise ScenarioError(
                "compare --year: A and B are both multi-year; compare covers every year"
            )
        run_a, run_b = read_path_run(Path(a)), read_path_run(Path(b))
        for key in ("base_year", "resolution"):
            if summary_a.get(key) != summary_b.get(key):
                raise ScenarioError(
                    f"compare: {a} has {key} {summary_a.get(key)}, {b} has {summary_b.get(key)}; "
                    "compare runs on the same data and resolution"
                )
        table, facts = compare_paths(run_a, run_b)
        facts |= _names(summary_a, summary_b, a, b)
        return {"compare": table, "compare_by_year": by_year(table)}, facts
    return _one_against_path(a, b, year, years_a, years_b, summary_a, summary_b)


def _one_against_path(
    a: Path,
    b: Path,
    year: int | None,
    years_a: list[int] | None,
    years_b: list[int] | None,
    summary_a: dict[str, Any],
    summary_b: dict[str, Any],
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    one = summary_a if years_a is None else summary_b
    years = years_b if years_a is None else years_a
    assert years is not None
    chosen = year if year is not None else one.get("base_year")
    if chosen not in years:
        raise ScenarioError(
            f"compare: the one-year run has base year {one.get('base_year')}, the multi-year run "
            f"the model years {years}; choose one with --year"
        )
    if year is not None and year not in years:
        raise ScenarioError(f"compare --year {year}: expected one of the model years {years}")
    if years_a is None:
        run_a, run_b = _load(Path(a)), of_year(read_path_run(Path(b)), int(chosen))
    else:
        run_a, run_b = of_year(read_path_run(Path(a)), int(chosen)), _load(Path(b))
    table, facts = compare_tables(run_a, run_b, a, b)
    which = "B" if years_a is None else "A"
    facts |= {
        "kind": "one-year against multi-year",
        "year": int(chosen),
        "note": f"{which} is a multi-year run: the one-year run is compared with its model "
        f"year {chosen}" + (" (the one-year run's base year)" if year is None else ""),
    }
    return {"compare": table[COLUMNS]}, facts


def _names(
    summary_a: dict[str, Any], summary_b: dict[str, Any], a: Path, b: Path
) -> dict[str, Any]:
    inputs = [s.get("inputs", {}).get("data_sha256") for s in (summary_a, summary_b)]
    return {
        "a": summary_a.get("scenario", str(a)),
        "b": summary_b.get("scenario", str(b)),
        "same_data": inputs[0] == inputs[1],
        "tie_break": [s.get("solver", {}).get("tie_break") for s in (summary_a, summary_b)],
    }
