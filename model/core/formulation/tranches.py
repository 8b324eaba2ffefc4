r"""Costs that rise with volume, as convex piecewise-linear terms of the LP (no binaries).

Expansion is bought in tranches of rising capex; revenue is earned in tranches
of falling price as a pathway's intake at a node grows past today's market.
Because each later tranche costs more (or earns less) than the one before, the
least-cost solution fills them in order without any integer variable. Widths
and factors come from ``tranches.csv`` (:func:`model.core.inputs.read_tranches`);
without tranches both terms are linear, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyomo.core as pyo

from model.core.inputs import ModelInputs


def _tranches(
    steps: Sequence[tuple[float | None, float]],
) -> tuple[pyo.Set, pyo.Param, dict[int, float | None]]:
    """The set of tranches 1..K, their mutable factor and their widths."""
    index = pyo.Set(initialize=range(1, len(steps) + 1), ordered=True)
    factor = pyo.Param(
        index, initialize={k: f for k, (_, f) in enumerate(steps, start=1)}, mutable=True
    )
    return index, factor, {k: w for k, (w, _) in enumerate(steps, start=1)}


def add_expansion_tranches(m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    r"""Expansion in steps k of width :math:`\omega_k` (shares of the limit) at rising capex.

    .. math::
        e_{j,p} = \sum_k e_{j,p,k}, \qquad
        e_{j,p,k} \le \omega_k\, e^{max}_{j,p}, \qquad
        C^{exp} = \sum_{j,p,k} e_{j,p,k}\, \phi_k\, capex_p

    with :math:`\phi_1 \le \phi_2 \le \dots` (checked when the data are read).
    """
    steps = inp.expansion_tranches
    m.EXPANSION_TRANCHES, m.expansion_capex_factor, width = _tranches(steps)
    index = [(j, p, k) for (j, p) in m.EXPANDABLE for k in m.EXPANSION_TRANCHES]
    m.expansion_step = pyo.Var(
        pyo.Set(dimen=3, initialize=index),
        domain=pyo.NonNegativeReals,
        doc="10^4 t/yr capacity added at (j, p) in tranche k",
    )
    if not steps:
        return
    m.expansion_steps_sum = pyo.Constraint(
        m.EXPANDABLE,
        rule=lambda m, j, p: (
            m.expansion[j, p] == sum(m.expansion_step[j, p, k] for k in m.EXPANSION_TRANCHES)
        ),
    )
    m.expansion_step_limit = pyo.Constraint(
        m.expansion_step.index_set(),
        rule=lambda m, j, p, k: m.expansion_step[j, p, k] <= width[k] * m.expansion_max_10kt[j, p],
    )


def expansion_cost(m: pyo.ConcreteModel) -> pyo.Expression:
    """Annualized capex of the expansion, 10^4 CNY/yr: by tranche, or linear without tranches."""
    if len(m.EXPANSION_TRANCHES) == 0:
        return sum(m.expansion[j, p] * m.capex_cny_per_t_yr[p] for (j, p) in m.EXPANDABLE)
    return sum(
        m.expansion_step[j, p, k] * m.expansion_capex_factor[k] * m.capex_cny_per_t_yr[p]
        for (j, p, k) in m.expansion_step
    )


def add_revenue_tranches(m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    r"""Revenue in steps: tranche 1 up to :math:`\omega_1 cap_{j,p}` of a plant's intake, and so on.

    :math:`v_{w,j,p,k}` (k >= 2) is the part of :math:`z_{w,j,p}` sold in tranche k;
    the rest is in tranche 1. With :math:`\rho_1 \ge \rho_2 \ge \dots` the revenue
    factors and the last tranche unbounded:

    .. math::
        \sum_w \Big(z_{w,j,p} - \sum_{k \ge 2} v_{w,j,p,k}\Big) \le \omega_1 cap_{j,p}, \qquad
        \sum_w v_{w,j,p,k} \le \omega_k cap_{j,p} \ (2 \le k < K), \qquad
        \sum_{k \ge 2} v_{w,j,p,k} \le z_{w,j,p}

    and revenue
    :math:`\sum rev_{w,p} (\rho_1 z_{w,j,p} - \sum_{k\ge2} (\rho_1 - \rho_k) v_{w,j,p,k})`;
    the loss term is :func:`revenue_lost` (with :math:`\rho_1 = 1`, the data's revenue).
    """
    steps = inp.revenue_tranches
    m.REVENUE_TRANCHES, m.revenue_factor, width = _tranches(steps)
    upper = list(m.REVENUE_TRANCHES)[1:]
    index = [(w, j, p, k) for (w, j, p) in m.PROCESSES for k in upper]
    m.revenue_step = pyo.Var(
        pyo.Set(dimen=4, initialize=index),
        domain=pyo.NonNegativeReals,
        doc="10^4 t/yr of w used by p at j sold in revenue tranche k >= 2",
    )
    if not upper:
        return
    last = upper[-1]

    def first(m: pyo.ConcreteModel, j: str, p: str) -> pyo.Expression:
        if not m._intake[j, p]:
            return pyo.Constraint.Skip
        sold = sum(
            m.process[w, j, p] - sum(m.revenue_step[w, j, p, k] for k in upper)
            for (w, _, _) in m._intake[j, p]
        )
        return sold <= width[1] * m.capacity_10kt[j, p]

    def step(m: pyo.ConcreteModel, j: str, p: str, k: int) -> pyo.Expression:
        if not m._intake[j, p] or k == last or width[k] is None:
            return pyo.Constraint.Skip
        sold = sum(m.revenue_step[w, j, p, k] for (w, _, _) in m._intake[j, p])
        return sold <= width[k] * m.capacity_10kt[j, p]

    m.revenue_first_tranche = pyo.Constraint(m.PLANTS, rule=first)
    m.revenue_tranche_limit = pyo.Constraint(m.PLANTS, upper, rule=step)
    m.revenue_steps_within_use = pyo.Constraint(
        m.PROCESSES,
        rule=lambda m, w, j, p: (
            sum(m.revenue_step[w, j, p, k] for k in upper) <= m.process[w, j, p]
        ),
    )


def revenue_lost(m: pyo.ConcreteModel) -> pyo.Expression:
    r"""Revenue not earned because a market is saturated, 10^4 CNY/yr (0 without tranches).

    .. math:: L = \sum_{w,j,p} rev_{w,p} \Big((1 - \rho_1) z_{w,j,p}
              + \sum_{k \ge 2} (\rho_1 - \rho_k) v_{w,j,p,k}\Big)
    """
    if len(m.REVENUE_TRANCHES) == 0:
        return 0.0
    first = m.revenue_factor[1]
    lost = sum(
        m.revenue_step[w, j, p, k] * m.revenue_cny_per_t[w, p] * (first - m.revenue_factor[k])
        for (w, j, p, k) in m.revenue_step
    )
    return lost + sum(
        m.process[w, j, p] * m.revenue_cny_per_t[w, p] * (1 - first) for (w, j, p) in m.PROCESSES
    )
