"""What a study point records, from the solver's arrays instead of the full result tables.

A sweep, sensitivity or study point records the cost, the utilization rate of
every region and target group, the shadow price of every target and net CO2
(:func:`point_outcomes`). These are read from the solution's column values and
row duals (:class:`SolutionArrays`), through the compiled LP's column map,
and summed by the same pandas code as :func:`model.core.results.utilization_table`:
the numbers are the same floats the full tables hold (``tests/test_outcomes.py``),
without building the eleven tables of a run that writes them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.core.inputs import ModelInputs
from model.core.prices import EPS, nonneg, val
from model.core.results import AMOUNTS, supply_table
from model.core.solve import Solution


def _val(values: np.ndarray) -> np.ndarray:
    """:func:`model.core.prices.val` of each value: below EPS in size is 0."""
    return np.where(np.abs(values) < EPS, 0.0, values)


class SolutionArrays:
    """A solution's numbers by Pyomo index, read from its column values."""

    def __init__(self, solution: Solution) -> None:
        assert solution.lp is not None and solution.x is not None
        self.solution = solution
        self.lp = solution.lp
        self.x = solution.x
        self.m = solution.model

    def columns(self, var: Any, keys: list[Any]) -> np.ndarray:
        """Columns of ``var[k]`` for each key (-1 where the variable has no column)."""
        memo_key = f"cols:{var.name}:{id(keys)}"
        if memo_key not in self.lp.memo:
            col_of = self.lp.col_of
            self.lp.memo[memo_key] = (
                keys,  # held, so that its id is not reused
                np.array([col_of.get(id(var[k]), -1) for k in keys], dtype=np.int64),
            )
        return self.lp.memo[memo_key][1]

    def values(self, var: Any, keys: list[Any]) -> np.ndarray:
        """val(var[k]) for each key; 0 where the variable has no column (no constraint uses it)."""
        cols = self.columns(var, keys)
        out = np.where(cols >= 0, self.x[np.maximum(cols, 0)], 0.0)
        if (cols < 0).any():  # not in the LP: its value is whatever the model holds
            missing = np.flatnonzero(cols < 0)
            out[missing] = [pyo.value(var[keys[k]], exception=False) or 0.0 for k in missing]
        return _val(out)

    def supply(self) -> pd.DataFrame:
        """The rows of :func:`model.core.results.supply_table` (without the region)."""
        m = self.m
        keys = self.lp.memo.setdefault("supply", list(m.SUPPLY))
        generated = _val(np.array([m.generation_10kt[k].value for k in keys], dtype=float))
        draws = self.lp.memo.setdefault("draws", [k for k in keys if k in m.DRAWS])
        drawn = np.zeros(len(keys))
        if draws:
            where = self.lp.memo.setdefault("draw_rows", [keys.index(k) for k in draws])
            drawn[where] = self.values(m.drawdown, draws)
        left = self.values(m.unutilized, keys)
        return pd.DataFrame(
            {
                "stream": [w for w, _ in keys],
                "node": [i for _, i in keys],
                "generated_10kt": generated,
                "drawn_10kt": drawn,
                "utilized_10kt": generated + drawn - left,
            }
        )


def region_rates(m: pyo.ConcreteModel, inp: ModelInputs, x: SolutionArrays | None) -> list[Any]:
    """(region, group, rate) of the region rows of the utilization table, in its order.

    One groupby over the rows of every target group, keyed by (group, region):
    each sum adds the same rows in the same order as the table's groupby per
    group (pandas sums each group on its own), so the rates are the same floats.
    """
    base = supply_table(m, inp, x)
    groups = {"all": frozenset(inp.streams), **inp.group_streams}
    stream = base["stream"].to_numpy()
    rows = [np.flatnonzero(np.isin(stream, list(streams))) for streams in groups.values()]
    picked = base.take(np.concatenate(rows))
    picked.insert(0, "_group", np.repeat(np.arange(len(rows)), [len(r) for r in rows]))
    agg = picked.groupby(["_group", "region"])[AMOUNTS].sum().reset_index()
    agg = agg[agg["generated_10kt"] > EPS]
    rate = agg["utilized_10kt"] / (agg["generated_10kt"] + agg["drawn_10kt"])
    names = list(groups)
    out = [
        (a, names[g], float(r))
        for g, a, r in zip(agg["_group"].tolist(), agg["region"], rate.tolist(), strict=True)
    ]
    return sorted(out, key=lambda row: (row[0], row[1]))


def point_outcomes(solution: Solution) -> dict[str, float]:
    """Total cost, the utilization rate of every region and target group, the shadow
    price of every target (CNY per t) and net CO2: the numbers of a study point.

    The same values, in the same order, as read from :func:`model.core.results.collect`'s
    utilization, shadow price and emission tables.
    """
    m = solution.model
    x = SolutionArrays(solution) if solution.lp is not None and solution.x is not None else None
    row = {"objective_10k_cny": solution.objective_10k_cny}
    for area, group, rate in region_rates(m, m.inputs, x):
        row[f"rate_{area}_{group}"] = rate
    for r, g in sorted(m.TARGETS):
        price = nonneg(solution.duals.get(m.target[r, g], 0.0))
        row[f"shadow_{r}_{g}_cny_per_t"] = float(price)
    # as results.emission_table: each total to EPS, then their difference
    transport, avoided = (
        val(solution.value(m.transport_co2_10kt)),
        val(solution.value(m.avoided_co2_10kt)),
    )
    row["net_co2_10kt"] = float(transport - avoided)
    return row
