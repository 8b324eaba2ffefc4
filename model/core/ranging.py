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

HiGHS's interval is that of the basis it ends at: where the optimum is
degenerate the price can hold beyond it, under another basis, so the interval is
followed past each end by re-solves until the price changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import pyomo.environ as pyo

from model.core.formulation import group_generation
from model.core.solve import Solution, Solver
from model.errors import SolveError

INFINITE = 1e20
"""A row bound at or above this is none (HiGHS's infinity is 1e30 or inf)."""
STEP = 1e-6
"""How far beyond an end of a basis's range (in rate, a share of one) the price is tried."""
MAX_STEPS = 20
"""Bases followed past each end of the first range before the interval is given as found."""
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
    reads HiGHS's ranging. Where the optimum is degenerate the basis may change
    at an end of that interval while the price does not; the interval is then
    extended past the end (:func:`_extend`) until the price changes. Targets
    whose base includes drawn stock, or whose price in the re-solve differs from
    the reported one (another optimal basis), get NaN and a note saying why.
    """
    m = solver.model
    binding = [
        (r, g) for r, g in m.TARGETS if solution.duals.get(m.target[r, g], 0.0) > PRICE_TOLERANCE
    ]
    drawn_groups = _groups_with_draws(m)
    out = []
    for r, g in binding:
        price = float(solution.duals[m.target[r, g]])
        rate = float(pyo.value(m.target_rate[r, g]))
        nan = math.nan
        found = _basis_range(solver, (r, g), price)
        if (r, g) in drawn_groups or found == "drawn":
            note = "no interval: the target's base includes stock drawn from earlier years"
            out.append(PriceRange(r, g, price, rate, nan, nan, note))
        elif not isinstance(found, tuple):
            note = "no interval: HiGHS ended at another optimal basis with another price"
            out.append(PriceRange(r, g, price, rate, nan, nan, note))
        else:
            low = _extend(solver, (r, g), price, found[0], -1)
            high = _extend(solver, (r, g), price, found[1], +1)
            out.append(PriceRange(r, g, price, rate, low, high))
    return out


def _basis_range(
    solver: Solver, key: tuple[str, str], price: float
) -> tuple[float, float] | str | None:
    """HiGHS's ranging of the target's rate in the LP as it stands: (low, high) clipped to
    [0, 1]; "drawn" when the row is not ``used >= rate * generation``; None when the
    re-solve's price is not ``price``."""
    m = solver.model
    highs, row_of = solver.highs_at_least_cost()
    row = row_of(m.target[key])
    if highs.getLp().row_upper_[row] < INFINITE:
        return "drawn"
    if abs(abs(highs.getSolution().row_dual[row]) - price) > PRICE_TOLERANCE * max(1.0, price):
        return None
    _, ranging = highs.getRanging()
    generation = float(pyo.value(group_generation(m, *key)))
    low = max(0.0, ranging.row_bound_dn.value_[row] / generation)
    high = min(1.0, ranging.row_bound_up.value_[row] / generation)
    return low, max(low, high)


def _extend(solver: Solver, key: tuple[str, str], price: float, end: float, side: int) -> float:
    """Follow the price past ``end`` (side -1: below, +1: above) while it holds.

    Re-solves just beyond the end (by :data:`STEP`); while the price there is the
    same, takes the end of the new basis's range. Stops at 0 or 1, when the price
    changes, or after :data:`MAX_STEPS` bases. The rate is restored afterwards.
    """
    m = solver.model
    rate = m.target_rate[key].value
    try:
        for _ in range(MAX_STEPS):
            if (side < 0 and end <= 0.0) or (side > 0 and end >= 1.0):
                break
            m.target_rate[key] = min(1.0, max(0.0, end + side * STEP))
            try:
                found = _basis_range(solver, key, price)
            except SolveError:  # beyond what can be met: the price cannot hold there
                break
            if not isinstance(found, tuple):
                break
            end = found[0] if side < 0 else found[1]
    finally:
        m.target_rate[key] = rate
    return end


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
