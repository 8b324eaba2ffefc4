r"""The objective of the linear program: total annual system cost, and the cost and CO2
of the hauls it is made of (``docs/formulation.md``).

Units as in :mod:`model.core.formulation.core`: mass in 10^4 t/yr, unit costs in
CNY/t, distance in km, emission factors in t CO2/(t·km).
"""

from __future__ import annotations

from typing import Any

import pyomo.core as pyo

from model.core.formulation.tranches import expansion_cost, revenue_lost


def legs(m: pyo.ConcreteModel, i: str, j: str, mode: str) -> tuple[float, float]:
    """(km by road, km by the mode) of an arc; an arc without legs runs all on its mode."""
    if (i, j, mode) in m.leg_km:
        return m.leg_km[i, j, mode]
    km = m.distance_km[i, j]
    return (km, 0.0) if mode == "road" else (0.0, km)


def haul_cost_cny_per_t(m: pyo.ConcreteModel, i: str, j: str, mode: str) -> pyo.Expression:
    """CNY per t hauled: road legs at the road rate, the rest at the mode's, plus handling."""
    road_km, mode_km = legs(m, i, j, mode)
    cost = m.handling_cny_per_t[mode] + m.transport_cost_cny_per_tkm[mode] * mode_km
    return cost + m.transport_cost_cny_per_tkm["road"] * road_km if road_km else cost


def haul_co2_t_per_t(m: pyo.ConcreteModel, i: str, j: str, mode: str) -> pyo.Expression:
    """CO2 of one tonne hauled, t: road legs at the road factor, the rest at the mode's."""
    road_km, mode_km = legs(m, i, j, mode)
    co2 = m.emission_t_per_tkm[mode] * mode_km
    return co2 + m.emission_t_per_tkm["road"] * road_km if road_km else co2


def per_arc(m: pyo.ConcreteModel, unit: Any) -> dict[tuple[str, str, str], Any]:
    """``unit(m, i, j, mode)`` for every arc (i, j, mode) that some haul uses, built once each."""
    arcs = dict.fromkeys((i, j, mode) for (_, i, j, mode) in m.HAULS)
    return {arc: unit(m, *arc) for arc in arcs}


def _hauled(
    m: pyo.ConcreteModel,
    per_arc_t: dict[tuple[str, str, str], Any],
    road_per_tkm: Any,
    on_site: list[tuple[str, str, str, float]],
) -> Any:
    r"""What the hauls and the on-site uses' road legs add up to, at ``per_arc_t`` per
    tonne on each arc and ``road_per_tkm`` per tonne-km on the road (cost or CO2).

    .. math:: \sum y_{w,i,j,m}\, u_{ijm} + \sum_{O} z_{w,i,p}\, r_{road}\, d^{site}_{w,p}
    """
    return sum(haul * per_arc_t[i, j, mode] for (_, i, j, mode), haul in m.haul.items()) + sum(
        m.process[w, i, p] * road_per_tkm * km for (w, i, p, km) in on_site if km
    )


def add_objective(m: pyo.ConcreteModel) -> None:
    r"""Total annual system cost, 10^4 CNY/yr.

    .. math::
        \sum y (tc_{road} d^{road}_{ijm} + tc_m d^{m}_{ijm} + h_m)
        + \sum_{O} z\, tc_{road} d^{site}_{w,p}
        + \sum z (opex_p - rev_{w,p}) + L
        + \sum s (store_w + levy_w) + C^{exp}
        + P_{CO2} (CO2^{transport} - \sum z\, avoided_{w,p}) + \pi \sum u

    with L the revenue lost to saturation and C^{exp} the expansion capex, both
    in :mod:`model.core.formulation.tranches`.

    The unit cost and CO2 of an arc (i, j, m) are one expression each, shared by
    the hauls of every stream on it (the model holds 6,485 arcs' rather than
    53,129 hauls' expressions on the prefecture data; the values are the same).
    """
    unit_cost = per_arc(m, haul_cost_cny_per_t)
    unit_co2 = per_arc(m, haul_co2_t_per_t)
    on_site = [(w, i, p, m.on_site_km[w, p]) for (w, i, p) in m.ON_SITE]
    road_cost = m.transport_cost_cny_per_tkm["road"]
    m.transport_cost = pyo.Expression(expr=_hauled(m, unit_cost, road_cost, on_site))
    m.processing_cost = pyo.Expression(
        expr=sum(m.process[w, j, p] * m.opex_cny_per_t[p] for (w, j, p) in m.PROCESSES)
    )
    m.revenue = pyo.Expression(
        expr=sum(m.process[w, j, p] * m.revenue_cny_per_t[w, p] for (w, j, p) in m.PROCESSES)
        - revenue_lost(m)
    )
    m.storage_cost = pyo.Expression(
        expr=sum(m.unutilized[w, i] * m.storage_cost_cny_per_t[w] for (w, i) in m.SUPPLY)
    )
    m.levy_cost = pyo.Expression(
        expr=sum(m.unutilized[w, i] * m.levy_cny_per_t[w] for (w, i) in m.SUPPLY)
    )
    m.expansion_cost = pyo.Expression(expr=expansion_cost(m))
    road_co2 = m.emission_t_per_tkm["road"]
    m.transport_co2_10kt = pyo.Expression(expr=_hauled(m, unit_co2, road_co2, on_site))
    m.avoided_co2_10kt = pyo.Expression(
        expr=sum(m.process[w, j, p] * m.avoided_co2_t_per_t[w, p] for (w, j, p) in m.PROCESSES)
    )
    m.carbon_cost = pyo.Expression(
        expr=m.carbon_price_cny_per_t * (m.transport_co2_10kt - m.avoided_co2_10kt)
    )
    m.penalty_cost = pyo.Expression(
        expr=m.penalty_cny_per_t * sum(m.shortfall[k] for k in m.shortfall)
    )
    m.total_cost = pyo.Objective(
        expr=m.transport_cost
        + m.processing_cost
        - m.revenue
        + m.storage_cost
        + m.levy_cost
        + m.expansion_cost
        + m.carbon_cost
        + m.penalty_cost,
        sense=pyo.minimize,
    )
