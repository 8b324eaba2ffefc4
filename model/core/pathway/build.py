r"""The multi-year LP: one block per period, built by the one-year formulation, linked.

Each block ``m.period[y]`` holds every set, variable and constraint of the
one-year model for model year y (:func:`model.core.formulation.core.add_components`)
with that period's inputs; its own objective is switched off. The links:

- capacity that lasts: the block's expansion :math:`e_{j,p,t}` is the capacity
  added in earlier periods (or this one) and still standing, each period's
  addition in the tranches of the one-year model (:func:`add_capacity_links`);
- stock: what is stored (a share :math:`\sigma_i` of unutilized waste) adds to a
  stock, draws take from it (:func:`add_stock`);
- the objective: :math:`\sum_t W_t (cost_t + c^{rec} \sum x_t)`.

A myopic run builds the model of one period at a time, with the capacity built
before (``prior_builds``) and the stock left (``start_stock``) as data.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyomo.core as pyo

from model.core.formulation.core import add_components, drawn
from model.core.pathway.periods import Path, Period

Build = tuple[int, str, str]
"""(year built, node, pathway)."""


def build_path_model(
    path: Path,
    periods: Sequence[Period] | None = None,
    prior_builds: dict[Build, tuple[float, float]] | None = None,
    start_stock: Stock | None = None,
) -> pyo.ConcreteModel:
    """The LP of ``periods`` (default: all of the path) with their links and objective."""
    periods = tuple(periods if periods is not None else path.periods)
    m = pyo.ConcreteModel(name="wastealloc-path")
    m.path = path
    m.by_year = {q.year: q for q in periods}
    m.PERIODS = pyo.Set(initialize=[q.year for q in periods], ordered=True)

    def block(b: pyo.Block, year: int) -> None:
        add_components(b, m.by_year[year].inputs)
        b.total_cost.deactivate()  # the path's objective weighs the periods' costs

    m.period = pyo.Block(m.PERIODS, rule=block)
    add_capacity_links(m, prior_builds or {})
    add_stock(m, (path.initial_stock_10kt, {}) if start_stock is None else start_stock)
    add_path_objective(m)
    return m


def alive(built: int, year: int, lifetime: int) -> bool:
    """Capacity added in model year ``built`` still stands in ``year``."""
    return built <= year < built + lifetime


def add_capacity_links(m: pyo.ConcreteModel, prior: dict[Build, tuple[float, float]]) -> None:
    r"""Capacity added in a period lasts its lifetime L and is paid for every year it stands.

    Each period may add up to the expansion limit, in the tranches of rising
    capex of the one-year model: the block's ``expansion_step`` variables are
    that period's additions :math:`b_{j,p,t,k}`. The block's capacity uses what
    stands in its year, and its capex is the annualized capex of all that stands:

    .. math::
        b_{j,p,t} = \sum_k b_{j,p,t,k}, \quad b_{j,p,t,k} \le \omega_k e^{max}_{j,p},
        \quad e_{j,p,t} = \sum_{t':\ y_{t'} \le y_t < y_{t'} + L} b_{j,p,t'},
        \quad C^{exp}_t = \sum_{t':\ y_{t'} \le y_t < y_{t'} + L} \sum_k b_{j,p,t',k}
        \phi_k capex_p

    (without tranches :math:`b_{j,p,t} \le e^{max}_{j,p}` and the capex is linear).
    With ``[path] expansion_limit = "standing"`` the block's own limit stays on:
    :math:`e_{j,p,t} \le e^{max}_{j,p}` for all that stands at once, as in one year.
    ``prior`` holds (amount, annual capex) of capacity built before the model's
    first period (myopic runs); it enters both sums as data.
    """
    life = m.path.config.lifetime_years
    years = list(m.PERIODS)
    first = m.period[years[0]]
    m.BUILDS = pyo.Set(
        dimen=3, initialize=[(j, p, y) for (j, p) in first.EXPANDABLE for y in years]
    )
    m.build = pyo.Var(m.BUILDS, domain=pyo.NonNegativeReals, doc="10^4 t/yr added in period y")
    tranches = len(first.EXPANSION_TRANCHES) > 0

    def capex(j: str, p: str, y: int) -> pyo.Expression:
        b = m.period[y]
        if not tranches:
            return m.build[j, p, y] * b.capex_cny_per_t_yr[p]
        return sum(
            b.expansion_step[j, p, k] * b.expansion_capex_factor[k] * b.capex_cny_per_t_yr[p]
            for k in b.EXPANSION_TRANCHES
        )

    m.build_capex = pyo.Expression(m.BUILDS, rule=lambda m, j, p, y: capex(j, p, y))

    def steps(m: pyo.ConcreteModel, j: str, p: str, y: int) -> pyo.Expression:
        b = m.period[y]
        if tranches:
            return m.build[j, p, y] == sum(b.expansion_step[j, p, k] for k in b.EXPANSION_TRANCHES)
        return m.build[j, p, y] <= b.expansion_max_10kt[j, p]

    m.build_steps = pyo.Constraint(m.BUILDS, rule=steps)

    def standing(j: str, p: str, y: int) -> tuple[list[tuple[float, float]], list[int]]:
        before = [v for (t, jj, pp), v in prior.items() if (jj, pp) == (j, p) and alive(t, y, life)]
        return before, [t for t in years if alive(t, y, life)]

    def installed(m: pyo.ConcreteModel, y: int, j: str, p: str) -> pyo.Expression:
        before, built = standing(j, p, y)
        new = sum(m.build[j, p, t] for t in built)
        return m.period[y].expansion[j, p] == sum(a for a, _ in before) + new

    keys = [(y, j, p) for y in years for (j, p) in m.period[y].EXPANDABLE]
    m.installed = pyo.Constraint(pyo.Set(dimen=3, initialize=keys), rule=installed)
    for y in years:
        b = m.period[y]
        if m.path.config.expansion_limit == "per_period":
            b.expansion_limit.deactivate()  # the limit is on each period's addition
        if tranches:
            b.expansion_steps_sum.deactivate()  # the steps are this period's addition
        b.expansion_cost.set_value(
            sum(
                sum(c for _, c in standing(j, p, y)[0])
                + sum(m.build_capex[j, p, t] for t in standing(j, p, y)[1])
                for (j, p) in b.EXPANDABLE
            )
        )


Stock = tuple[dict[str, float], dict[tuple[str, str], float]]
"""(old stock per node, stream unknown; stock the model stored, per stream and node), 10^4 t."""


def add_stock(m: pyo.ConcreteModel, start: Stock) -> None:
    r"""Stockpiles carried from period to period: an old pool per node and a pool per stream.

    The stock at the start (:math:`O_{i,1}`, data) holds streams the yearbook does
    not name, so any stream the node generates may be drawn from it, as in the
    one-year model; what the model stores (the stored share :math:`\sigma_i` of
    unutilized waste) is kept per stream. Of a draw :math:`x_{w,i,t}`, the part
    :math:`o_{w,i,t} \le x_{w,i,t}` comes from the old pool:

    .. math::
        O_{i,t+1} = O_{i,t} - n_t \sum_w o_{w,i,t}, \qquad
        S_{w,i,t+1} = S_{w,i,t} + n_t (\sigma_i s_{w,i,t} - x_{w,i,t} + o_{w,i,t}),
        \qquad O, S \ge 0

    From the second model year on draws are limited by the stock held:

    .. math:: \sum_w x_{w,i,t} \le draw^{max}_i + \kappa \Big(O_{i,t} + \sum_w S_{w,i,t}\Big)
    """
    path = m.path
    old, new = start
    years = list(m.PERIODS)
    ends = [*years, "end"]
    nxt = dict(zip(years, ends[1:], strict=True))
    n = {y: m.by_year[y].years for y in years}
    m.STOCKS = pyo.Set(dimen=2, initialize=sorted(set(m.period[years[0]].SUPPLY) | set(new)))
    m.OLD = pyo.Set(initialize=sorted(old), ordered=True)
    m.stock = pyo.Var(m.STOCKS, ends, domain=pyo.NonNegativeReals, doc="10^4 t, period start")
    m.old_stock = pyo.Var(m.OLD, ends, domain=pyo.NonNegativeReals, doc="10^4 t, period start")
    for w, i in m.STOCKS:
        m.stock[w, i, years[0]].fix(new.get((w, i), 0.0))
    for i in m.OLD:
        m.old_stock[i, years[0]].fix(old[i])
    olds = [(w, i, y) for y in years for (w, i) in m.period[y].DRAWS if i in old]
    m.OLD_DRAWS = pyo.Set(dimen=3, initialize=olds)
    m.old_draw = pyo.Var(m.OLD_DRAWS, domain=pyo.NonNegativeReals, doc="10^4 t/yr from O")
    m.old_draw_within = pyo.Constraint(
        m.OLD_DRAWS, rule=lambda m, w, i, y: m.old_draw[w, i, y] <= m.period[y].drawdown[w, i]
    )

    def from_old(w: str, i: str, y: int) -> pyo.Expression | float:
        return m.old_draw[w, i, y] if (w, i, y) in m.OLD_DRAWS else 0.0

    def balance(m: pyo.ConcreteModel, w: str, i: str, y: int) -> pyo.Expression:
        b = m.period[y]
        stored = path.stored_share.get(i, 0.0) * b.unutilized[w, i] if (w, i) in b.SUPPLY else 0.0
        flow = stored - drawn(b, w, i) + from_old(w, i, y)
        return m.stock[w, i, nxt[y]] == m.stock[w, i, y] + n[y] * flow

    def old_balance(m: pyo.ConcreteModel, i: str, y: int) -> pyo.Expression:
        out = sum(m.old_draw[w, ii, yy] for (w, ii, yy) in m.OLD_DRAWS if (ii, yy) == (i, y))
        return m.old_stock[i, nxt[y]] == m.old_stock[i, y] - n[y] * out

    m.stock_balance = pyo.Constraint(m.STOCKS, m.PERIODS, rule=balance)
    m.old_stock_balance = pyo.Constraint(m.OLD, m.PERIODS, rule=old_balance)
    kappa = path.config.reclaim_share_per_yr
    later = [(i, y) for y in years if not m.by_year[y].first for i in m.period[y].DRAW_NODES]
    for y in years:
        if not m.by_year[y].first:
            m.period[y].drawdown_limit.deactivate()

    def limit(m: pyo.ConcreteModel, i: str, y: int) -> pyo.Expression:
        b = m.period[y]
        draws = sum(b.drawdown[w, nn] for (w, nn) in b.DRAWS if nn == i)
        held = sum(m.stock[w, nn, y] for (w, nn) in m.STOCKS if nn == i)
        held += m.old_stock[i, y] if i in old else 0.0
        return draws <= path.base_draw_10kt.get(i, 0.0) + kappa * held

    m.draw_limit = pyo.Constraint(pyo.Set(dimen=2, initialize=later), rule=limit)


def add_path_objective(m: pyo.ConcreteModel) -> None:
    r"""Discounted cost over the horizon, 10^4 CNY.

    .. math:: \min \sum_t W_t \Big(cost_t + c^{rec} \sum_{w,i} x_{w,i,t}\Big)

    :math:`cost_t` is the one-year objective of period t (capex of the expansion
    alive in t annualized, as in the one-year model). The CO2 terms the
    tie-break uses are totals over the horizon: :math:`\sum_t n_t CO2_t`.
    """
    reclaim = m.path.config.reclaim_cny_per_t

    def drawn_total(b: pyo.Block) -> pyo.Expression:
        return sum(b.drawdown[k] for k in b.DRAWS)

    m.reclaim_cost = pyo.Expression(m.PERIODS, rule=lambda m, y: reclaim * drawn_total(m.period[y]))
    weight = {y: m.by_year[y].weight for y in m.PERIODS}
    years = {y: m.by_year[y].years for y in m.PERIODS}
    m.transport_co2_10kt = pyo.Expression(
        expr=sum(years[y] * m.period[y].transport_co2_10kt for y in m.PERIODS)
    )
    m.avoided_co2_10kt = pyo.Expression(
        expr=sum(years[y] * m.period[y].avoided_co2_10kt for y in m.PERIODS)
    )
    m.total_cost = pyo.Objective(
        expr=sum(weight[y] * (m.period[y].total_cost.expr + m.reclaim_cost[y]) for y in m.PERIODS),
        sense=pyo.minimize,
    )
