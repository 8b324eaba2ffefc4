"""Shadow prices of a solved model: targets, floors and capacities (CNY per t).

Signs follow the reader, not the solver: a shadow price is what one more unit
of the right-hand side is worth to the system and is reported as a non-negative
number for binding constraints. :mod:`model.core.results` puts the table among
the other result tables.
"""

from __future__ import annotations

import pandas as pd
import pyomo.core as pyo

from model.core.formulation import group_generation
from model.core.inputs import ModelInputs

EPS = 1e-7
"""Amounts below this (10^4 t, i.e. 1 g) are solver noise and are not reported."""


def nonneg(x: float) -> float:
    """max(x, 0) without a negative zero (-0.0 would print as '-0.000000')."""
    return x if x > 0 else 0.0


def val(x: object) -> float:
    v = pyo.value(x)
    return 0.0 if abs(v) < EPS else float(v)


ONE_SIDED_RATE = 1.0 - 1e-9
"""A floor or target at this rate cannot rise: its dual is only a one-sided margin."""


def shadow_price_table(
    m: pyo.ConcreteModel,
    inp: ModelInputs,
    duals: dict[object, float],
    next_point: dict[tuple[str, str], float | None] | None = None,
) -> pd.DataFrame:
    """Marginal cost of each target and floor and marginal value of each capacity.

    ``one_sided`` marks constraints whose right-hand side cannot rise (a rate of
    100%, a floor equal to all the capacity there can be): the dual is then the
    value of relaxing them, not the cost of tightening them, and is not unique.
    ``next_point`` (from :meth:`model.core.solve.Solver.cost_of_next_point`) gives, for
    binding targets, the cost of a whole extra percentage point from a re-solve
    (NaN: that re-solve is infeasible).
    """
    next_point = next_point or {}
    rows = []
    for r, g in m.TARGETS:
        price = nonneg(duals.get(m.target[r, g], 0.0))
        gen = val(group_generation(m, r, g))
        rate = val(m.target_rate[r, g])
        rows.append(
            {
                "constraint": "target",
                "region": r,
                "node": "",
                "group": g,
                "stream": "",
                "pathway": "",
                "shadow_price": price,
                "unit": "CNY per t of extra utilization (margin)",
                "per_percentage_point_10k_cny": price * gen * 0.01,
                "binding": price > 1e-6,
                "one_sided": rate >= ONE_SIDED_RATE,
                "next_point_10k_cny": next_point.get((r, g)),
                "note": _target_note(r, g, rate, next_point, price),
            }
        )
    for w, i in m.FLOORS:
        if (w, i) not in m.practice_floor:
            continue
        price = nonneg(duals.get(m.practice_floor[w, i], 0.0))
        rows.append(
            {
                "constraint": "practice_floor",
                "region": inp.node_region[i],
                "node": i,
                "group": "",
                "stream": w,
                "pathway": "",
                "shadow_price": price,
                "unit": "CNY per t of extra utilization (margin)",
                "per_percentage_point_10k_cny": price * 0.01 * val(m.generation_10kt[w, i]),
                "binding": price > 1e-6,
                "one_sided": val(m.floor_rate[w, i]) >= ONE_SIDED_RATE,
                "next_point_10k_cny": None,
                "note": "one-sided: the base-year rate is 100%, it cannot rise"
                if val(m.floor_rate[w, i]) >= ONE_SIDED_RATE
                else "",
            }
        )
    rows += use_floor_rows(m, inp, duals)
    for j, p in m.PLANTS:
        if (j, p) not in m.capacity:
            continue
        price = capacity_value(m, duals, j, p)
        rows.append(
            {
                "constraint": "capacity",
                "region": inp.node_region[j],
                "node": j,
                "group": "",
                "stream": "",
                "pathway": p,
                "shadow_price": price,
                "unit": "CNY per t/yr of extra capacity",
                "per_percentage_point_10k_cny": None,
                "binding": price > 1e-6,
                "one_sided": False,
                "next_point_10k_cny": None,
                "note": "",
            }
        )
    cols = [
        "constraint",
        "region",
        "node",
        "group",
        "stream",
        "pathway",
        "shadow_price",
        "unit",
        "per_percentage_point_10k_cny",
        "binding",
        "one_sided",
        "next_point_10k_cny",
        "note",
    ]
    table = pd.DataFrame(rows, columns=cols)
    return table.sort_values(
        ["constraint", "region", "node", "group", "stream", "pathway"], ignore_index=True
    )


def tight(m: pyo.ConcreteModel, key: tuple[str, str]) -> bool:
    """Whether target ``key`` is met exactly (no slack, to 1e-6 of its group's generation).

    A tight target with a zero shadow price is degenerate: the margin says the next
    tonne is free, but a whole extra point may not be; its re-solve says.
    """
    scale = max(1.0, val(group_generation(m, *key)))
    return abs(val(m.target[key].lslack())) <= 1e-6 * scale


def _target_note(
    r: str, g: str, rate: float, next_point: dict[tuple[str, str], float | None], price: float
) -> str:
    if rate >= ONE_SIDED_RATE:
        return "one-sided: the rate is 100%, it cannot rise"
    if (r, g) in next_point and next_point[r, g] is None:
        return "one more percentage point is infeasible"
    if (r, g) in next_point and price <= 1e-6:
        return "met exactly at a zero price: the margin is free, a whole point may not be"
    return ""


def use_floor_rows(
    m: pyo.ConcreteModel, inp: ModelInputs, duals: dict[object, float]
) -> list[dict[str, object]]:
    """Shadow prices of the base-year use floors (``base_year_uses``), CNY per t.

    An intake floor is one-sided when it equals all the capacity the plant can
    have (existing plus the expansion limit): it cannot rise.
    """
    rows: list[dict[str, object]] = []
    for w, j, p in m.USE_FLOORS:
        price = nonneg(duals.get(m.use_floor[w, j, p], 0.0))
        rows.append(_floor_row("use_floor", inp.node_region[j], j, w, p, price, False))
    for j, p in m.INTAKE_FLOORS:
        price = nonneg(duals.get(m.intake_floor[j, p], 0.0))
        room = val(m.capacity_10kt[j, p]) + (
            val(m.expansion_max_10kt[j, p]) if (j, p) in m.EXPANDABLE else 0.0
        )
        full = val(m.intake_floor_10kt[j, p]) >= room - 1e-6
        rows.append(_floor_row("intake_floor", inp.node_region[j], j, "", p, price, full))
    return rows


def _floor_row(
    kind: str, region: str, node: str, stream: str, pathway: str, price: float, one_sided: bool
) -> dict[str, object]:
    return {
        "constraint": kind,
        "region": region,
        "node": node,
        "group": "",
        "stream": stream,
        "pathway": pathway,
        "shadow_price": price,
        "unit": "CNY per t of extra base-year use (margin)",
        "per_percentage_point_10k_cny": None,
        "binding": price > 1e-6,
        "one_sided": one_sided,
        "next_point_10k_cny": None,
        "note": "one-sided: the floor is all the capacity the plant can have" if one_sided else "",
    }


def capacity_value(m: pyo.ConcreteModel, duals: dict[object, float], j: str, p: str) -> float:
    """What one more t/yr of capacity of p at j is worth (CNY per t), >= 0.

    The capacity constraint is <=, so its dual is <= 0 in a minimization. A plant
    without intake has no constraint (Pyomo skipped it) and is worth nothing.
    """
    if (j, p) not in m.capacity:  # IndexedConstraint has no .get()
        return 0.0
    return nonneg(-duals.get(m.capacity[j, p], 0.0))
