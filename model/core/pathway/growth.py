"""Data of the multi-year model: growth of generation (growth.csv) and stockpiles.

``growth.csv`` is optional, like ``distances.csv``: only a scenario with
``[path.growth] set`` reads it, and its rows are checked then (unknown stream,
node or source named with file, row and column). Stockpiles come from the base
year's stored amounts (贮存量) in ``province_totals.csv``.
"""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from model.core.pathway.settings import GrowthConfig
from model.data.schema import Number, Slug, Status, TableSpec, _Row
from model.data.tables import Dataset, read_table
from model.data.totals import base_year_totals
from model.errors import DataError, Problem, ScenarioError


class GrowthRow(_Row):
    """A growth rate of generation per year, for a stream (or all) at a node (or all)."""

    growth_set: str = Slug
    stream: str = Slug
    node: str = Slug
    rate_per_yr: Number = Field(ge=-0.5, le=1.0)
    from_year: int = Field(ge=1990, le=2100)
    to_year: int = Field(ge=1990, le=2100)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


GROWTH = TableSpec("growth.csv", GrowthRow, ("growth_set", "stream", "node"))


def read_growth(dataset: Dataset) -> pd.DataFrame:
    """The rows of growth.csv, validated against the dataset (empty without the file)."""
    path = dataset.data_dir / GROWTH.file
    if not path.is_file():
        return pd.DataFrame(columns=[*GrowthRow.model_fields, "_row"])
    problems: list[Problem] = []
    frame = read_table(path, GROWTH, problems)
    known = {
        "stream": {"all", *dataset["streams"].index},
        "node": {"all", *dataset.nodes.index},
        "source_id": set(dataset["sources"].index),
    }
    if dataset.resolution == "prefecture":  # a province's row applies to its prefectures
        known["node"] |= set(dataset.nodes["province"])
    for _, row in frame.iterrows():
        for column, allowed in known.items():
            if row[column] not in allowed:
                what = {"stream": "streams.csv", "node": "nodes.csv", "source_id": "sources.csv"}
                expected = f"all or a {column} of {what[column]}"
                if column == "source_id":
                    expected = "a source_id of sources.csv"
                problems.append(
                    Problem(GROWTH.file, int(row["_row"]), column, row[column], expected)
                )
    if problems:
        raise DataError(str(dataset.data_dir), problems)
    return frame


def growth_rates(
    dataset: Dataset, cfg: GrowthConfig, supply: list[tuple[str, str]], scenario: str
) -> dict[tuple[str, str], float]:
    """Growth per year of each (stream, node) in ``supply``: the set's rows, then overrides.

    A row for the node (or, at prefecture level, its province) wins over "all";
    a row for the stream over "all". Streams the set leaves out grow at 0.
    """
    rates = {k: 0.0 for k in supply}
    if cfg.set != "none":
        table = read_growth(dataset)
        rows = table[table["growth_set"] == cfg.set]
        if rows.empty:
            known = ", ".join(sorted(set(table["growth_set"]))) or "none (no growth.csv)"
            raise ScenarioError(
                f"scenario {scenario}: path.growth.set = {cfg.set!r} is not a growth_set of "
                f"growth.csv (known: {known})"
            )
        given = {(r.stream, r.node): float(r.rate_per_yr) for r in rows.itertuples()}
        province = _province_of(dataset)
        for w, i in supply:
            for key in ((w, i), (w, province[i]), ("all", i), ("all", province[i]), (w, "all")):
                if key in given:
                    rates[w, i] = given[key]
                    break
            else:
                rates[w, i] = given.get(("all", "all"), 0.0)
    streams = set(dataset["streams"].index)
    for stream in cfg.rates:
        if stream != "all" and stream not in streams:
            raise ScenarioError(
                f"scenario {scenario}: path.growth.rates names {stream!r}: expected all or a "
                f"stream of streams.csv ({', '.join(sorted(streams))})"
            )
    for w, i in supply:
        if w in cfg.rates or "all" in cfg.rates:
            rates[w, i] = cfg.rates.get(w, cfg.rates.get("all", 0.0))
    return rates


def _province_of(dataset: Dataset) -> dict[str, str]:
    nodes = dataset.nodes
    if "province" in nodes.columns and dataset.resolution == "prefecture":
        return {str(k): str(v) for k, v in nodes["province"].items()}
    return {str(k): str(k) for k in nodes.index}


def stockpiles(dataset: Dataset, initial_years: float) -> tuple[dict[str, float], dict[str, float]]:
    """(share of unutilized waste that is stored; stored amount of the base year), per node.

    From the base year's row of ``province_totals.csv``: the stored share is
    stored / (stored + disposed) (0 where both are 0), and the base year's
    stored amount (贮存量) times ``initial_years`` seeds the stock. At prefecture
    level a province's stored amount is shared in proportion to generation.
    The yearbook gives no stream split of either.
    """
    year = int(dataset.parameters["base_year"])
    totals = base_year_totals(dataset["province_totals"], year, "stored_10kt").set_index("node")
    province = _province_of(dataset)
    gen = dataset["generation"]["generation_10kt"].astype(float).groupby(level="node").sum()
    province_gen: dict[str, float] = {}
    for node, g in gen.items():
        province_gen[province[str(node)]] = province_gen.get(province[str(node)], 0.0) + float(g)
    share: dict[str, float] = {}
    stored: dict[str, float] = {}
    for node in dataset.nodes.index:
        p = province[str(node)]
        if p not in totals.index:
            continue
        kept = float(totals.at[p, "stored_10kt"])
        disposed = totals.at[p, "disposed_10kt"]
        disposed = float(disposed) if pd.notna(disposed) else 0.0
        share[str(node)] = kept / (kept + disposed) if kept + disposed > 0 else 0.0
        part = float(gen.get(node, 0.0)) / province_gen[p] if province_gen.get(p) else 0.0
        if kept * part > 0:
            stored[str(node)] = initial_years * kept * part
    return share, stored
