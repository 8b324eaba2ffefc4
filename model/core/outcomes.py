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
import pyomo.environ as pyo

from model.core.arrays import SolutionArrays
from model.core.inputs import ModelInputs
from model.core.prices import EPS, nonneg, val
from model.core.results import AMOUNTS, supply_table
from model.core.solve import Solution


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
