"""How far each target price holds: HiGHS ranging of the binding targets' rates.

A shadow price is the cost of one more tonne at the margin, and it stays the
same while the optimal basis does. HiGHS's ranging (``Highs.getRanging``) gives,
for each row, the interval of its right-hand side over which that basis stays
optimal: over it the cost is linear in the right-hand side with the slope of
the shadow price. A target row reads

.. math:: utilized_{r,g} \\ge rate_{r,g} \\, gen_{r,g}

so the interval of the right-hand side divided by :math:`gen_{r,g}` is the
interval of the target rate over which the price holds. Where the target's base
includes stock drawn from earlier years (a variable), the rate multiplies a
variable, not only the right-hand side, and no such interval is given.

HiGHS's interval is a property of the basis it ends at: where the optimum is
degenerate the price holds further than that. So each end is probed: a re-solve
just past it, and while the price is unchanged the new basis's interval extends
it (:func:`_beyond_the_basis`). The result is the whole interval of rates over
which the price is the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import pyomo.core as pyo

from model.core.formulation import group_generation
from model.core.solve import Solution, Solver
from model.errors import SolveError

PRICE_TOLERANCE = 1e-6
"""CNY/t: a re-solve's price equals the reported one within this (as ``binding`` does)."""


@dataclass(frozen=True)
class PriceRange:
    """The target rates between which a target's shadow price stays the same."""

    region: str
    group: str
    price_cny_per_t: float
    rate: float
    holds_from_rate: float
    holds_to_rate: float
    note: str = ""


def target_ranges(solver: Solver, solution: Solution) -> list[PriceRange]:
    """The interval of the rate of every binding target over which its price holds.

    Re-solves the least-cost LP as it stands (warm) so that HiGHS holds it, then
    reads HiGHS's ranging. Targets whose base includes drawn stock, or whose price
    in the re-solve differs from the reported one (another optimal basis), get NaN
    and a note saying why.
    """
    m = solver.model
    binding = [
        (r, g) for r, g in m.TARGETS if solution.duals.get(m.target[r, g], 0.0) > PRICE_TOLERANCE
    ]
    if not binding:
        return []
    highs, row_of = solver.highs_at_least_cost()
    _, ranging = highs.getRanging()
    lp = highs.getLp()
    duals = highs.getSolution().row_dual
    drawn_groups = _groups_with_draws(m)
    out = []
    bounds: dict[tuple[str, str], tuple[int, float, float, float, float, float]] = {}
    for r, g in binding:
        price = float(solution.duals[m.target[r, g]])
        rate = float(pyo.value(m.target_rate[r, g]))
        row = row_of(m.target[r, g])
        nan = math.nan
        if (r, g) in drawn_groups or not math.isinf(lp.row_upper_[row]):
            note = "no interval: the target's base includes stock drawn from earlier years"
            out.append(PriceRange(r, g, price, rate, nan, nan, note))
            continue
        if abs(abs(duals[row]) - price) > PRICE_TOLERANCE * max(1.0, price):
            note = "no interval: HiGHS ended at another optimal basis with another price"
            out.append(PriceRange(r, g, price, rate, nan, nan, note))
            continue
        generation = float(pyo.value(group_generation(m, r, g)))
        low = max(0.0, ranging.row_bound_dn.value_[row] / generation)
        high = min(1.0, ranging.row_bound_up.value_[row] / generation)
        bounds[r, g] = (row, generation, price, rate, low, min(max(low, high), 1.0))
    for (r, g), (row, generation, price, rate, low, high) in bounds.items():
        low, high = _beyond_the_basis(solver, (r, g), row, generation, price, (low, high))
        out.append(PriceRange(r, g, price, rate, low, high))
    return out


STEP = 1e-5
"""Rate step (0.001 percentage points) past an end of the interval when probing beyond it."""


def _beyond_the_basis(
    solver: Solver,
    key: tuple[str, str],
    row: int,
    generation: float,
    price: float,
    interval: tuple[float, float],
) -> tuple[float, float]:
    """Widen a basis's interval to the whole interval over which the price is the same.

    HiGHS's interval is that of the basis it ended at; where the optimum is
    degenerate another basis carries the same price further. Cost is convex and
    piecewise linear in the rate, so the rates at which the price is ``price``
    form one interval: step just past each end, re-solve, and while the price
    is unchanged take the new basis's end, until it changes (or the LP becomes
    infeasible, or the rate reaches 0 or 100%).
    """
    m = solver.model
    before = m.target_rate[key].value
    ends = list(interval)
    try:
        for side, sign in ((1, 1.0), (0, -1.0)):
            for _ in range(50):
                probe = ends[side] + sign * STEP
                if not 0.0 < probe < 1.0:
                    break
                m.target_rate[key] = probe
                try:
                    highs, _ = solver.highs_at_least_cost()
                except SolveError:
                    break
                dual = abs(float(highs.getSolution().row_dual[row]))
                if abs(dual - price) > PRICE_TOLERANCE * max(1.0, price):
                    break
                _, ranging = highs.getRanging()
                bound = ranging.row_bound_up if side else ranging.row_bound_dn
                end = min(1.0, max(0.0, bound.value_[row] / generation))
                if sign * (end - ends[side]) <= 0:
                    break
                ends[side] = end
    finally:
        m.target_rate[key] = before
    return ends[0], ends[1]


def _groups_with_draws(m: pyo.ConcreteModel) -> set[tuple[str, str]]:
    """(region, group) pairs whose target's base includes a drawdown variable."""
    inp = m.inputs
    return {
        (inp.node_region[i], g)
        for (w, i) in m.DRAWS
        for g, streams in {"all": frozenset(inp.streams), **inp.group_streams}.items()
        if w in streams
    }


def with_ranges(shadow_prices: pd.DataFrame, ranges: list[PriceRange]) -> pd.DataFrame:
    """``shadow_prices`` with ``holds_from_rate`` and ``holds_to_rate`` after the price columns.

    Empty for every row but the binding targets; a target without an interval
    gets the reason in ``note``.
    """
    table = shadow_prices.copy()
    by_key = {(p.region, p.group): p for p in ranges}
    low, high = [], []
    notes = table["note"].fillna("").astype(str).tolist()
    for n, (kind, r, g) in enumerate(
        zip(table["constraint"], table["region"], table["group"], strict=True)
    ):
        found = by_key.get((r, g)) if kind == "target" else None
        low.append(found.holds_from_rate if found else math.nan)
        high.append(found.holds_to_rate if found else math.nan)
        if found and found.note:
            notes[n] = "; ".join(x for x in (notes[n], found.note) if x)
    at = table.columns.get_loc("next_point_10k_cny") + 1
    table.insert(at, "holds_from_rate", low)
    table.insert(at + 1, "holds_to_rate", high)
    table["note"] = notes
    return table
