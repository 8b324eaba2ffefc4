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
import pyomo.core as pyo

from model.core.arrays import SolutionArrays
from model.core.inputs import ModelInputs
from model.core.prices import EPS, nonneg, val
from model.core.results import AMOUNTS, supply_table
from model.core.solve import Solution


def region_rates(m: pyo.ConcreteModel, inp: ModelInputs, x: SolutionArrays | None) -> list[Any]:
    """(region, group, rate) of the region rows of the utilization table, in its order.

    One groupby over the rows of every target group, keyed by a number for each
    (group, region): each sum adds the same rows in the same order as the table's
    groupby by region within a group (pandas sums each group on its own, with the
    same compensated sum), so the rates are the same floats.
    """
    if x is None:
        base = supply_table(m, inp)
        streams, regions = base["stream"].tolist(), base["region"].tolist()
        amounts = [base[c].to_numpy() for c in AMOUNTS]
    else:
        keys = x.supply_keys()
        streams = [w for w, _ in keys]
        regions = [inp.node_region[i] for _, i in keys]
        amounts = list(x.supply_amounts())
    groups = {"all": frozenset(inp.streams), **inp.group_streams}
    names = sorted(set(regions))
    code = {r: k for k, r in enumerate(names)}
    region_code = np.array([code[r] for r in regions], dtype=np.int64)
    rows = [
        np.array([k for k, w in enumerate(streams) if w in s], dtype=np.int64)
        for s in groups.values()
    ]
    picked = np.concatenate(rows)
    group_of = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    frame = pd.DataFrame({c: a[picked] for c, a in zip(AMOUNTS, amounts, strict=True)})
    frame.insert(0, "_key", group_of * len(names) + region_code[picked])
    agg = frame.groupby("_key", sort=True)[AMOUNTS].sum()
    agg = agg[agg["generated_10kt"] > EPS]
    rate = agg["utilized_10kt"] / (agg["generated_10kt"] + agg["drawn_10kt"])
    labels = list(groups)
    out = [
        (names[key % len(names)], labels[key // len(names)], float(r))
        for key, r in zip(agg.index.tolist(), rate.tolist(), strict=True)
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
