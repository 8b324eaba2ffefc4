"""Solved model -> tidy tables (pure pandas; no plotting, no file reading).

Signs follow the reader, not the solver: a shadow price is what one more unit
of the right-hand side is worth to the system (CNY per t) and is reported
as a non-negative number for binding constraints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyomo.core as pyo

from model.core.arrays import SolutionArrays
from model.core.formulation.core import drawn
from model.core.formulation.objective import haul_co2_t_per_t, haul_cost_cny_per_t, legs
from model.core.inputs import ModelInputs
from model.core.prices import EPS, capacity_value, shadow_price_table, val
from model.core.solve import Solution


@dataclass(frozen=True)
class Results:
    """All result tables of one solve."""

    hauls: pd.DataFrame
    processing: pd.DataFrame
    unutilized: pd.DataFrame
    expansions: pd.DataFrame
    capacity_use: pd.DataFrame
    utilization: pd.DataFrame
    shadow_prices: pd.DataFrame
    costs: pd.DataFrame
    emissions: pd.DataFrame
    node_emissions: pd.DataFrame
    drawdown: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "hauls": self.hauls,
            "processing": self.processing,
            "unutilized": self.unutilized,
            "expansions": self.expansions,
            "capacity_use": self.capacity_use,
            "utilization": self.utilization,
            "shadow_prices": self.shadow_prices,
            "costs": self.costs,
            "emissions": self.emissions,
            "node_emissions": self.node_emissions,
            "drawdown": self.drawdown,
        }


def amounts(var: Any, keys: Any, x: SolutionArrays | None) -> list[Any]:
    """(key, val(var[key])) for every key, from the solver's arrays if ``x`` is given."""
    keys = x.keys(keys) if x is not None else list(keys)
    if x is not None:
        return list(zip(keys, x.values(var, keys).tolist(), strict=True))
    return [(k, val(var[k])) for k in keys]


def haul_table(m: pyo.ConcreteModel, x: SolutionArrays | None = None) -> pd.DataFrame:
    """Every haul with its km by road (access legs of a rail haul included) and its cost.

    On-site uses are rows with mode ``on_site`` (origin = destination, the on-site km).
    """
    rows = []
    for (w, i, j, mode), amount in amounts(m.haul, m.HAULS, x):
        if amount <= EPS:
            continue
        road_km, mode_km = legs(m, i, j, mode)
        unit = pyo.value(haul_cost_cny_per_t(m, i, j, mode))
        rows.append((w, i, j, mode, road_km + mode_km, road_km, amount, amount * unit))
    road_rate = pyo.value(m.transport_cost_cny_per_tkm["road"]) if "road" in m.MODES else 0.0
    for w, i, p in m.ON_SITE:
        amount = val(m.process[w, i, p])
        if amount > EPS:
            km = m.on_site_km[w, p]
            rows.append((w, i, i, "on_site", km, km, amount, amount * road_rate * km))
    cols = [
        "stream",
        "origin",
        "destination",
        "mode",
        "distance_km",
        "road_km",
        "amount_10kt",
        "cost_10k_cny",
    ]
    table = pd.DataFrame(rows, columns=cols)
    return (
        table.groupby(cols[:6], as_index=False)[cols[6:]]
        .sum()
        .sort_values(cols[:4], ignore_index=True)
    )


def transport_summary(hauls: pd.DataFrame) -> dict[str, float]:
    """Tonne-km by road and by rail (10^4 t·km) and rail's share, from the haul table."""
    tkm = hauls["amount_10kt"] * hauls["distance_km"]
    road = float((hauls["amount_10kt"] * hauls["road_km"]).sum())
    total = float(tkm.sum())
    return {
        "tkm_10k": round(total, 3),
        "road_tkm_10k": round(road, 3),
        "rail_tkm_10k": round(total - road, 3),
        "rail_share_of_tkm": round((total - road) / total, 6) if total > 0 else 0.0,
    }


def processing_table(m: pyo.ConcreteModel) -> pd.DataFrame:
    rows = [
        (w, j, p, val(m.process[w, j, p]))
        for (w, j, p) in m.PROCESSES
        if val(m.process[w, j, p]) > EPS
    ]
    cols = ["stream", "node", "pathway", "amount_10kt"]
    return pd.DataFrame(rows, columns=cols).sort_values(cols[:3], ignore_index=True)


def unutilized_table(m: pyo.ConcreteModel) -> pd.DataFrame:
    rows = [(w, i, val(m.unutilized[w, i])) for (w, i) in m.SUPPLY if val(m.unutilized[w, i]) > EPS]
    cols = ["stream", "node", "amount_10kt"]
    return pd.DataFrame(rows, columns=cols).sort_values(cols[:2], ignore_index=True)


def expansion_table(m: pyo.ConcreteModel) -> pd.DataFrame:
    def capex(j: str, p: str) -> float:
        if len(m.EXPANSION_TRANCHES) == 0:
            return val(m.expansion[j, p]) * val(m.capex_cny_per_t_yr[p])
        return sum(
            val(m.expansion_step[j, p, k])
            * val(m.expansion_capex_factor[k])
            * val(m.capex_cny_per_t_yr[p])
            for k in m.EXPANSION_TRANCHES
        )

    rows = [
        (j, p, val(m.expansion[j, p]), capex(j, p), val(m.expansion_max_10kt[j, p]))
        for (j, p) in m.EXPANDABLE
        if val(m.expansion[j, p]) > EPS
    ]
    cols = ["node", "pathway", "expansion_10kt", "capex_10k_cny", "expansion_max_10kt"]
    table = pd.DataFrame(rows, columns=cols).sort_values(cols[:2], ignore_index=True)
    # at its limit: the flat expansion_share assumption, not costs, decides the amount
    table["at_limit"] = table["expansion_10kt"] >= table["expansion_max_10kt"] * (1 - 1e-6)
    return table


def capacity_use_table(m: pyo.ConcreteModel, duals: dict[object, float]) -> pd.DataFrame:
    """Existing and added capacity, intake, share used, and the value of one more tonne."""
    rows = []
    for j, p in m.PLANTS:
        existing = val(m.capacity_10kt[j, p])
        added = val(m.expansion[j, p]) if (j, p) in m.EXPANDABLE else 0.0
        used = sum(val(m.process[k]) for k in m._intake[j, p])
        total = existing + added
        rows.append(
            (
                j,
                p,
                existing,
                added,
                used,
                used / total if total > 0 else 0.0,
                capacity_value(m, duals, j, p),
            )
        )
    cols = [
        "node",
        "pathway",
        "capacity_10kt",
        "expansion_10kt",
        "used_10kt",
        "use_share",
        "shadow_price_cny_per_t",
    ]
    return pd.DataFrame(rows, columns=cols).sort_values(cols[:2], ignore_index=True)


AMOUNTS = ["generated_10kt", "drawn_10kt", "utilized_10kt"]


def drawdown_table(m: pyo.ConcreteModel) -> pd.DataFrame:
    """Waste drawn from earlier years' stockpiles, per node and stream, with the node's limit."""
    rows = [
        (i, w, val(m.drawdown[w, i]), val(m.drawdown_max_10kt[i]))
        for (w, i) in m.DRAWS
        if val(m.drawdown[w, i]) > EPS
    ]
    return pd.DataFrame(rows, columns=["node", "stream", "drawn_10kt", "node_limit_10kt"])


def supply_table(
    m: pyo.ConcreteModel, inp: ModelInputs, x: SolutionArrays | None = None
) -> pd.DataFrame:
    """Generated, drawn and utilized per stream and node (the rows of ``m.SUPPLY``), with region.

    ``x``: a :class:`model.core.arrays.SolutionArrays`, which reads the same
    numbers from the solver's arrays; None reads them from the model.
    """
    if x is not None:
        base = x.supply()
    else:
        base = pd.DataFrame(
            [
                (
                    w,
                    i,
                    val(m.generation_10kt[w, i]),
                    val(drawn(m, w, i)),
                    val(m.generation_10kt[w, i]) + val(drawn(m, w, i)) - val(m.unutilized[w, i]),
                )
                for (w, i) in m.SUPPLY
            ],
            columns=["stream", "node", "generated_10kt", "drawn_10kt", "utilized_10kt"],
        )
    base["region"] = base["node"].map(inp.node_region)
    return base


def level_sums(part: pd.DataFrame, key: str) -> pd.DataFrame:
    """The amounts of ``part`` summed by ``key`` (node or region), as rows with an area."""
    return part.groupby(key)[AMOUNTS].sum().reset_index().rename(columns={key: "area"})


def utilization_table(
    m: pyo.ConcreteModel, inp: ModelInputs, x: SolutionArrays | None = None
) -> pd.DataFrame:
    """Generated, drawn, utilized and rate per node, per region and overall, per target group.

    Utilization is credited to the node where the waste arises, as statistics do.
    Waste drawn from earlier years' stockpiles counts as utilized and in the
    denominator, as in the yearbook: rate = utilized / (generated + drawn).
    """
    base = supply_table(m, inp, x)
    groups = {"all": frozenset(inp.streams), **inp.group_streams}
    frames = []
    for group, streams in groups.items():
        part = base[base["stream"].isin(streams)]
        for level, key in (("node", "node"), ("region", "region"), ("total", None)):
            if key is None:
                agg = part[AMOUNTS].sum().to_frame().T
                agg.insert(0, "area", "all")
            else:
                agg = level_sums(part, key)
            agg.insert(0, "level", level)
            agg.insert(2, "group", group)
            frames.append(agg)
    table = pd.concat(frames, ignore_index=True)
    floor = pd.Series(
        {(w, i): val(m.floor_rate[w, i]) * val(m.generation_10kt[w, i]) for (w, i) in m.FLOORS},
        dtype=float,
    )
    base["floor_10kt"] = [
        floor.get((w, i), 0.0) for w, i in zip(base["stream"], base["node"], strict=True)
    ]
    # the base-year draw kept as a floor (drawdown_floor) counts where it was drawn
    node_drawn = base.groupby("node")["drawn_10kt"].transform("sum")
    draw_floor = base["node"].map({i: val(m.drawdown_floor_10kt[i]) for i in m.DRAW_FLOORS})
    share = (base["drawn_10kt"] / node_drawn.where(node_drawn > 0)).fillna(0.0)
    base["floor_10kt"] += draw_floor.fillna(0.0) * share
    floor_rows = []
    for group, streams in groups.items():
        part = base[base["stream"].isin(streams)]
        for level, key in (("node", "node"), ("region", "region")):
            for area, sub in part.groupby(key):
                floor_rows.append((level, area, group, float(sub["floor_10kt"].sum())))
        floor_rows.append(("total", "all", group, float(part["floor_10kt"].sum())))
    floors = {(lvl, a, g): v for lvl, a, g, v in floor_rows}
    supply = table["generated_10kt"] + table["drawn_10kt"]
    table["floor_rate"] = [
        floors.get((lvl, a, g), 0.0) / total if total > 0 else 0.0
        for lvl, a, g, total in zip(
            table["level"], table["area"], table["group"], supply, strict=True
        )
    ]
    table = table[table["generated_10kt"] > EPS].copy()
    table["rate"] = table["utilized_10kt"] / (table["generated_10kt"] + table["drawn_10kt"])
    targets = {(r, g): val(m.target_rate[r, g]) for (r, g) in m.TARGETS}
    table["target"] = [
        targets.get((a, g)) if lvl == "region" else None
        for lvl, a, g in zip(table["level"], table["area"], table["group"], strict=True)
    ]
    table["met"] = [
        None if pd.isna(t) else bool(r >= t - 1e-6)
        for r, t in zip(table["rate"], table["target"], strict=True)
    ]
    order = {"total": 0, "region": 1, "node": 2}
    table["_o"] = table["level"].map(order)
    table = table.sort_values(["_o", "area", "group"]).drop(columns="_o")
    return table.reset_index(drop=True)


def cost_table(m: pyo.ConcreteModel, solution: Solution | None = None) -> pd.DataFrame:
    """Cost by component and in total, 10^4 CNY/yr.

    Each named expression of the objective is evaluated once; the total and the
    carbon cost are then summed from those values exactly as Pyomo evaluates
    them (same terms, same order), which saves walking every term again. With
    a ``solution`` that holds the solver's arrays, each value is read from them
    (:meth:`model.core.solve.Solution.value`, the same floats).
    """
    parts = [
        ("transport", m.transport_cost),
        ("processing", m.processing_cost),
        ("revenue", m.revenue),
        ("storage", m.storage_cost),
        ("levy", m.levy_cost),
        ("expansion", m.expansion_cost),
        ("carbon", m.carbon_cost),
        ("shortfall_penalty", m.penalty_cost),
    ]
    if solution is not None and solution.lp is not None:
        raw = {id(expr): solution.value(expr) for _, expr in parts}
        total = solution.value(m.total_cost)
    else:
        tco2, avoided = pyo.value(m.transport_co2_10kt), pyo.value(m.avoided_co2_10kt)
        known = {id(m.transport_co2_10kt): tco2, id(m.avoided_co2_10kt): avoided}
        raw = {id(expr): _value(expr, known) for _, expr in parts}
        total = _value(m.total_cost, raw)
    rows = [(name, _zero(-raw[id(e)] if name == "revenue" else raw[id(e)])) for name, e in parts]
    rows.append(("total", _zero(total)))
    return pd.DataFrame(rows, columns=["component", "cost_10k_cny"])


def _value(expr: Any, known: dict[int, float]) -> float:
    """pyo.value(expr), taking the named expressions whose values are ``known`` as given.

    A named expression is looked through; a small sum, negation or product is
    evaluated here with Pyomo's own arithmetic (``sum(rest, start=first)``,
    ``-x``, ``a * b``, bottom up); anything else is left to Pyomo.
    """
    if id(expr) in known:
        return known[id(expr)]
    if isinstance(expr, (pyo.Expression, pyo.Objective)) and not expr.is_indexed():
        return _value(expr.expr, known)
    kind = type(expr).__name__
    if kind in _NODES and len(expr.args) <= 16:
        args = [_value(a, known) for a in expr.args]
        if not args:
            return 0.0
        if kind == "NegationExpression":
            return -args[0]
        if kind == "ProductExpression":
            return args[0] * args[1]
        return sum(args[1:], start=args[0])
    return float(pyo.value(expr))


_NODES = ("SumExpression", "NegationExpression", "ProductExpression")


def _zero(v: float) -> float:
    return 0.0 if abs(v) < EPS else float(v)


def emission_table(m: pyo.ConcreteModel, solution: Solution | None = None) -> pd.DataFrame:
    """Transport, avoided and net CO2 (from the solver's arrays if ``solution`` holds them)."""
    value = solution.value if solution is not None else pyo.value
    transport = val(value(m.transport_co2_10kt))
    avoided = val(value(m.avoided_co2_10kt))
    rows = [("transport", transport), ("avoided", avoided), ("net", transport - avoided)]
    return pd.DataFrame(rows, columns=["component", "co2_10kt"])


def node_emission_table(m: pyo.ConcreteModel, x: SolutionArrays | None = None) -> pd.DataFrame:
    """CO2 by node: transport of the waste it sends out, avoided by the use it hosts."""
    transport: dict[str, float] = {i: 0.0 for i in m.NODES}
    avoided: dict[str, float] = {i: 0.0 for i in m.NODES}
    for (_w, i, j, mode), amount in amounts(m.haul, m.HAULS, x):
        if amount > EPS:
            transport[i] += amount * pyo.value(haul_co2_t_per_t(m, i, j, mode))
    for w, i, p in m.ON_SITE:
        amount = val(m.process[w, i, p])
        if amount > EPS:
            transport[i] += amount * m.on_site_km[w, p] * pyo.value(m.emission_t_per_tkm["road"])
    for w, j, p in m.PROCESSES:
        amount = val(m.process[w, j, p])
        if amount > EPS:
            avoided[j] += amount * pyo.value(m.avoided_co2_t_per_t[w, p])
    rows = [(i, transport[i], avoided[i], transport[i] - avoided[i]) for i in m.NODES]
    cols = ["node", "transport_co2_10kt", "avoided_co2_10kt", "net_co2_10kt"]
    return pd.DataFrame(rows, columns=cols).sort_values("node", ignore_index=True)


def collect(
    solution: Solution, next_point: dict[tuple[str, str], float | None] | None = None
) -> Results:
    """The result tables of a solved model; ``next_point`` as in
    :func:`model.core.prices.shadow_price_table`."""
    m = solution.model
    inp: ModelInputs = m.inputs
    x = SolutionArrays(solution) if solution.lp is not None and solution.x is not None else None
    return Results(
        hauls=haul_table(m, x),
        processing=processing_table(m),
        unutilized=unutilized_table(m),
        expansions=expansion_table(m),
        capacity_use=capacity_use_table(m, solution.duals),
        utilization=utilization_table(m, inp, x),
        shadow_prices=shadow_price_table(m, inp, solution.duals, next_point),
        costs=cost_table(m, solution),
        emissions=emission_table(m, solution),
        node_emissions=node_emission_table(m, x),
        drawdown=drawdown_table(m),
    )
