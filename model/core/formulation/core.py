r"""The core of the linear program (``docs/formulation.md``), in Pyomo.

Two stages joined at the destination: ``haul[w,i,j,m]`` moves stream *w* from
node *i* to node *j* by mode *m*; ``process[w,j,p]`` puts it through pathway
*p* at *j*. An on-site use (a (stream, pathway) pair with ``on_site_km``) takes
the stream where it arises, without a haul: ``process[w,i,p]`` then draws on
node *i*'s own generation. Only admissible tuples are indexed. Every parameter a
sweep may change is a mutable ``Param``, so a sweep re-solves the built model.

Units: mass in 10^4 t/yr, unit costs in CNY/t (so mass x unit cost is in
10^4 CNY/yr), distance in km, emission factors in t CO2/(t·km), CO2 in 10^4 t.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pyomo.core as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.expr.numeric_expr import LinearExpression

from model.core.formulation.objective import add_objective
from model.core.formulation.tranches import add_expansion_tranches, add_revenue_tranches
from model.core.formulation.uses import add_use_floors
from model.core.inputs import ModelInputs


def build_model(inp: ModelInputs) -> pyo.ConcreteModel:
    """Build the LP for one scenario."""
    m = pyo.ConcreteModel(name="wastealloc")
    add_components(m, inp)
    return m


def add_components(m: pyo.Block, inp: ModelInputs) -> None:
    """Every set, parameter, variable, constraint and cost of one year, on a model or a block.

    The multi-year model (:mod:`model.core.pathway`) builds one block per period with it.
    Python's cyclic garbage collector is paused meanwhile: the build makes millions
    of objects and no cycles to free, and the collector's passes over them were
    half the build time of the prefecture model (Pyomo's writers pause it too).
    """
    with PauseGC():
        m.inputs = inp  # kept for results; not a Pyomo component
        add_sets(m, inp)
        add_parameters(m, inp)
        add_variables(m)
        add_stock_drawdown(m, inp)
        add_origin_balance(m)
        add_destination_balance(m)
        add_capacity(m)
        add_blend_limits(m)
        add_targets(m)
        add_practice_floors(m, inp)
        add_use_floors(m, inp)
        add_interregional_limits(m, inp)
        add_expansion_tranches(m, inp)
        add_revenue_tranches(m, inp)
        add_objective(m)


def add_sets(m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    """Sets, sparse: hauls exist only for generated streams towards nodes able to use them."""
    m.NODES = pyo.Set(initialize=inp.nodes, ordered=True)
    m.REGIONS = pyo.Set(initialize=inp.regions, ordered=True)
    m.STREAMS = pyo.Set(initialize=inp.streams, ordered=True)
    m.PATHWAYS = pyo.Set(initialize=inp.pathways, ordered=True)
    m.MODES = pyo.Set(initialize=inp.modes, ordered=True)
    m.COMPATIBLE = pyo.Set(
        dimen=2, initialize=sorted(k for k in inp.share_max if k[1] in inp.pathways)
    )
    plants = sorted(
        {k for k, v in inp.capacity_10kt.items() if v > 0} | set(inp.expansion_max_10kt)
    )
    m.PLANTS = pyo.Set(dimen=2, initialize=plants)  # (node, pathway) with capacity
    m.EXPANDABLE = pyo.Set(dimen=2, initialize=sorted(inp.expansion_max_10kt))
    pathways_of: defaultdict[str, list[str]] = defaultdict(list)  # hauled to these
    on_site_of: defaultdict[str, list[str]] = defaultdict(list)  # used where it arises
    for w, p in m.COMPATIBLE:
        (on_site_of if (w, p) in inp.on_site_km else pathways_of)[w].append(p)
    plant_set = set(plants)
    accepts = {
        (w, j)
        for w in inp.streams
        for j in inp.nodes
        if any((j, p) in plant_set for p in pathways_of[w])
    }
    m.SUPPLY = pyo.Set(dimen=2, initialize=sorted(inp.generation_10kt))  # (stream, node)
    arcs_from = defaultdict(list)
    for i, j, mode in inp.arcs:
        arcs_from[i].append((j, mode))
    hauls = sorted(
        (w, i, j, mode)
        for (w, i) in inp.generation_10kt
        for (j, mode) in arcs_from[i]
        if (w, j) in accepts
    )
    m.HAULS = pyo.Set(dimen=4, initialize=hauls)
    receivers = {(w, j) for (w, _, j, _) in hauls}
    on_site = sorted(
        (w, i, p) for (w, i) in inp.generation_10kt for p in on_site_of[w] if (i, p) in plant_set
    )
    m.ON_SITE = pyo.Set(dimen=3, initialize=on_site)  # (w, i, p) used where it arises
    m.PROCESSES = pyo.Set(
        dimen=3,
        initialize=sorted(
            [(w, j, p) for (w, j) in receivers for p in pathways_of[w] if (j, p) in plant_set]
            + on_site
        ),
    )
    m.TARGETS = pyo.Set(
        dimen=2,
        initialize=sorted(
            (r, g)
            for (r, g) in inp.target_rate
            if any(
                (w, i) in inp.generation_10kt
                for w in inp.group_streams[g]
                for i in inp.nodes
                if inp.node_region[i] == r
            )
        ),
    )
    m.BLENDS = pyo.Set(
        dimen=3, initialize=sorted(k for k in m.PROCESSES if inp.share_max[k[0], k[2]] < 1.0)
    )


def add_parameters(m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    """Parameters, mutable where sweeps change them, named with their units."""
    mutable = {"mutable": True}
    m.generation_10kt = pyo.Param(m.SUPPLY, initialize=inp.generation_10kt, **mutable)
    m.capacity_10kt = pyo.Param(
        m.PLANTS, initialize=lambda _, j, p: inp.capacity_10kt.get((j, p), 0.0), **mutable
    )
    m.expansion_max_10kt = pyo.Param(m.EXPANDABLE, initialize=inp.expansion_max_10kt, **mutable)
    m.share_max = pyo.Param(m.COMPATIBLE, initialize=inp.share_max, **mutable)
    m.revenue_cny_per_t = pyo.Param(m.COMPATIBLE, initialize=inp.revenue_cny_per_t, **mutable)
    m.avoided_co2_t_per_t = pyo.Param(m.COMPATIBLE, initialize=inp.avoided_co2_t_per_t, **mutable)
    m.opex_cny_per_t = pyo.Param(m.PATHWAYS, initialize=inp.opex_cny_per_t, **mutable)
    m.capex_cny_per_t_yr = pyo.Param(m.PATHWAYS, initialize=inp.capex_cny_per_t_yr, **mutable)
    m.storage_cost_cny_per_t = pyo.Param(
        m.STREAMS, initialize=inp.storage_cost_cny_per_t, **mutable
    )
    m.levy_cny_per_t = pyo.Param(m.STREAMS, initialize=inp.levy_cny_per_t, **mutable)
    m.transport_cost_cny_per_tkm = pyo.Param(
        m.MODES, initialize=inp.transport_cost_cny_per_tkm, **mutable
    )
    m.handling_cny_per_t = pyo.Param(m.MODES, initialize=inp.handling_cny_per_t, **mutable)
    m.emission_t_per_tkm = pyo.Param(m.MODES, initialize=inp.emission_t_per_tkm, **mutable)
    m.carbon_price_cny_per_t = pyo.Param(initialize=inp.carbon_price_cny_per_t, **mutable)
    m.target_rate = pyo.Param(
        m.TARGETS, initialize={k: inp.target_rate[k] for k in m.TARGETS}, **mutable
    )
    m.penalty_cny_per_t = pyo.Param(initialize=inp.penalty_cny_per_t, **mutable)
    m.distance_km = inp.distance_km  # fixed by geography; a plain dict keeps the model small
    m.leg_km = inp.leg_km
    m.on_site_km = inp.on_site_km


def add_variables(m: pyo.ConcreteModel) -> None:
    """Hauls, processing, unutilized generation, expansion and (elastic) shortfall."""
    nonneg = pyo.NonNegativeReals
    m.haul = pyo.Var(m.HAULS, domain=nonneg, doc="10^4 t/yr of w hauled i -> j by mode m")
    m.process = pyo.Var(m.PROCESSES, domain=nonneg, doc="10^4 t/yr of w used by p at j")
    m.unutilized = pyo.Var(m.SUPPLY, domain=nonneg, doc="10^4 t/yr of w left at i")
    m.expansion = pyo.Var(m.EXPANDABLE, domain=nonneg, doc="10^4 t/yr capacity added")
    elastic = m.inputs.elastic_targets
    m.shortfall = pyo.Var(
        m.TARGETS if elastic else pyo.Set(dimen=2, initialize=[]),
        domain=nonneg,
        doc="10^4 t/yr below the target (elastic mode only)",
    )
    # Index maps so constraints sum over existing tuples only (the sets' own tuples,
    # not copies: 114,000 of them on the prefecture model)
    m._out = defaultdict(list)  # (w, i) -> hauls leaving i
    m._in = defaultdict(list)  # (w, j) -> hauls arriving at j
    for haul in m.HAULS:
        w, i, j, _ = haul
        m._out[w, i].append(haul)
        m._in[w, j].append(haul)
    m._uses = defaultdict(list)  # (w, j) -> processes of w at j fed by hauls
    m._on_site = defaultdict(list)  # (w, i) -> processes of w where it arises
    m._intake = defaultdict(list)  # (j, p) -> processes at plant (j, p)
    on_site = set(m.ON_SITE)
    for use in m.PROCESSES:
        w, j, p = use
        (m._on_site if use in on_site else m._uses)[w, j].append(use)
        m._intake[j, p].append(use)


def total(variables: Iterable[Any]) -> Any:
    """``sum(variables)`` as Pyomo builds it (0, the variable, or one LinearExpression of
    them in order), made in one step instead of one addition per variable."""
    args = list(variables)
    if len(args) > 1:
        return LinearExpression(args)
    return args[0] if args else 0


def utilized(m: pyo.ConcreteModel, w: str, i: str) -> pyo.Expression:
    r"""What leaves (w, i) for use: hauls out plus on-site use.

    .. math:: \sum_{j,m} y_{w,i,j,m} + \sum_{p:(w,p) \in O} z_{w,i,p}
    """
    return total(m.haul[k] for k in m._out[w, i]) + total(m.process[k] for k in m._on_site[w, i])


def add_stock_drawdown(m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    r"""Waste taken out of earlier years' stockpiles at a node stays within its limit.

    Statistics count as utilized what is taken out of old stockpiles too (the
    yearbook's 综合利用往年贮存量), so a node may utilize more than it generates.
    :math:`x_{w,i} \ge 0` is stream w drawn from the stockpile of node i; it is
    supply in the origin balance and counts in the denominator of every rate, as
    in the yearbook: rate = utilized / (generated + drawn). Only nodes with a
    positive limit get the variables.

    .. math:: \sum_w x_{w,i} \le draw^{max}_i \quad \forall i : draw^{max}_i > 0

    With ``[targets] base_year_floor`` the base-year draw is kept as practice
    (``drawdown_floor`` in :func:`add_practice_floors`).
    """
    limits = {i: v for i, v in inp.drawdown_max_10kt.items() if v > 0 and i in inp.nodes}
    m.DRAW_NODES = pyo.Set(initialize=sorted(limits), ordered=True)
    m.DRAWS = pyo.Set(dimen=2, initialize=sorted(k for k in m.SUPPLY if k[1] in limits))
    m.drawdown_max_10kt = pyo.Param(m.DRAW_NODES, initialize=limits, mutable=True)
    m.drawdown = pyo.Var(
        m.DRAWS, domain=pyo.NonNegativeReals, doc="10^4 t/yr of w drawn from stock at i"
    )
    m.drawdown_limit = pyo.Constraint(
        m.DRAW_NODES,
        rule=lambda m, i: (
            sum(m.drawdown[w, n] for (w, n) in m.DRAWS if n == i) <= m.drawdown_max_10kt[i]
        ),
    )


def drawn(m: pyo.ConcreteModel, w: str, i: str) -> pyo.Expression | float:
    """Stream w drawn from the stockpile of node i (0 where the node has no drawdown)."""
    return m.drawdown[w, i] if (w, i) in m.DRAWS else 0.0


def add_origin_balance(m: pyo.ConcreteModel) -> None:
    r"""Generation and any stock drawn are hauled somewhere, used on site, or left unutilized.

    .. math:: \sum_{j,m} y_{w,i,j,m} + \sum_{p:(w,p) \in O} z_{w,i,p} + s_{w,i}
              = gen_{w,i} + x_{w,i} \quad \forall (w,i)
    """

    def rule(m: pyo.ConcreteModel, w: str, i: str) -> pyo.Expression:
        supply = m.generation_10kt[w, i] + drawn(m, w, i)
        return utilized(m, w, i) + m.unutilized[w, i] == supply

    m.origin_balance = pyo.Constraint(m.SUPPLY, rule=rule)


def add_destination_balance(m: pyo.ConcreteModel) -> None:
    r"""What arrives at a node is processed there (on-site uses have no haul).

    .. math:: \sum_{i,m} y_{w,i,j,m} = \sum_{p:(w,p) \notin O} z_{w,j,p} \quad \forall (w,j)
    """
    keys = sorted(set(m._in) | set(m._uses))

    def rule(m: pyo.ConcreteModel, w: str, j: str) -> pyo.Expression:
        return total(m.haul[k] for k in m._in[w, j]) == total(m.process[k] for k in m._uses[w, j])

    m.destination_balance = pyo.Constraint(pyo.Set(dimen=2, initialize=keys), rule=rule)


def add_capacity(m: pyo.ConcreteModel) -> None:
    r"""Intake of a pathway at a node stays within existing plus added capacity.

    .. math:: \sum_w z_{w,j,p} \le cap_{j,p} + e_{j,p}
    """

    def rule(m: pyo.ConcreteModel, j: str, p: str) -> pyo.Expression:
        intake = total(m.process[k] for k in m._intake[j, p])
        if isinstance(intake, int):
            return pyo.Constraint.Skip
        added = m.expansion[j, p] if (j, p) in m.EXPANDABLE else 0.0
        return intake <= m.capacity_10kt[j, p] + added

    m.capacity = pyo.Constraint(m.PLANTS, rule=rule)
    m.expansion_limit = pyo.Constraint(
        m.EXPANDABLE, rule=lambda m, j, p: m.expansion[j, p] <= m.expansion_max_10kt[j, p]
    )


def add_blend_limits(m: pyo.ConcreteModel) -> None:
    r"""A stream is at most a given share of a pathway's waste intake.

    .. math:: z_{w,j,p} \le share^{max}_{w,p} \sum_{w'} z_{w',j,p}
    """

    def rule(m: pyo.ConcreteModel, w: str, j: str, p: str) -> pyo.Expression:
        intake = total(m.process[k] for k in m._intake[j, p])
        return m.process[w, j, p] <= m.share_max[w, p] * intake

    m.blend = pyo.Constraint(m.BLENDS, rule=rule)


def group_generation(m: pyo.ConcreteModel, r: str, g: str) -> pyo.Expression:
    """Generation of target group g in region r (10^4 t), as a mutable expression."""
    inp: ModelInputs = m.inputs
    return sum(
        m.generation_10kt[w, i]
        for (w, i) in m.SUPPLY
        if w in inp.group_streams[g] and inp.node_region[i] == r
    )


def group_drawn(m: pyo.ConcreteModel, r: str, g: str) -> pyo.Expression | float:
    """Stock drawn of target group g in region r (10^4 t): 0 where nothing can be drawn."""
    inp: ModelInputs = m.inputs
    return sum(
        m.drawdown[w, i]
        for (w, i) in m.DRAWS
        if w in inp.group_streams[g] and inp.node_region[i] == r
    )


def add_targets(m: pyo.ConcreteModel) -> None:
    r"""Utilization credited to the region of origin meets the target rate.

    The rate is the yearbook's: stock drawn (:math:`x`) counts in the utilized
    amount (through the hauls and on-site uses) and in the denominator.

    .. math:: \sum_{w \in g, i \in r} (\sum_{j, m} y_{w,i,j,m} + \sum_{p:(w,p) \in O} z_{w,i,p})
              \ge rate_{r,g}
              \sum_{w \in g, i \in r} (gen_{w,i} + x_{w,i}) - u_{r,g}
    """
    inp: ModelInputs = m.inputs

    def rule(m: pyo.ConcreteModel, r: str, g: str) -> pyo.Expression:
        used = sum(
            utilized(m, w, i)
            for (w, i) in m.SUPPLY
            if w in inp.group_streams[g] and inp.node_region[i] == r
        )
        slack = m.shortfall[r, g] if inp.elastic_targets else 0.0
        rate = m.target_rate[r, g]
        # drawn stock on the left keeps the form lower <= body (lower = rate x generation)
        # whether or not the group draws: the dual is then >= 0 and ranging reads the row
        return used + slack - rate * group_drawn(m, r, g) >= rate * group_generation(m, r, g)

    m.target = pyo.Constraint(m.TARGETS, rule=rule)


def add_practice_floors(m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    r"""Each stream at each node is utilized at least at its base-year rate.

    Current practice does not regress: a scenario can add utilization, not undo it.

    .. math:: \sum_{j, m} y_{w,i,j,m} + \sum_{p:(w,p) \in O} z_{w,i,p} \ge floor_{w,i}\, gen_{w,i}

    A node that drew on its stockpile in the base year also keeps its base-year
    utilized amount, its draw included (``drawdown_floor``):

    .. math:: \sum_w U_{w,i} \ge \sum_w floor_{w,i}\, gen_{w,i} + draw^{floor}_i
        \quad \forall i : draw^{floor}_i > 0
    """
    floors = {k: v for k, v in inp.floor_rate.items() if v > 0 and k in inp.generation_10kt}
    m.FLOORS = pyo.Set(dimen=2, initialize=sorted(floors))
    m.floor_rate = pyo.Param(m.FLOORS, initialize=floors, mutable=True)

    def rule(m: pyo.ConcreteModel, w: str, i: str) -> pyo.Expression:
        if not m._out[w, i] and not m._on_site[w, i]:
            return pyo.Constraint.Skip
        return utilized(m, w, i) >= m.floor_rate[w, i] * m.generation_10kt[w, i]

    m.practice_floor = pyo.Constraint(m.FLOORS, rule=rule)

    # A node that drew on its stockpile in the base year keeps its base-year utilized
    # amount, own generation and stock together; capacity has room for the draw
    # (model.data.capacity.calibrate_capacity).
    draws = {i: v for i, v in inp.drawdown_floor_10kt.items() if v > 0 and i in m.DRAW_NODES}
    m.DRAW_FLOORS = pyo.Set(initialize=sorted(draws), ordered=True)
    m.drawdown_floor_10kt = pyo.Param(m.DRAW_FLOORS, initialize=draws, mutable=True)

    def node_rule(m: pyo.ConcreteModel, i: str) -> pyo.Expression:
        streams = [w for (w, n) in m.SUPPLY if n == i]
        floor = sum(
            m.floor_rate[w, i] * m.generation_10kt[w, i] for w in streams if (w, i) in floors
        )
        return sum(utilized(m, w, i) for w in streams) >= floor + m.drawdown_floor_10kt[i]

    m.drawdown_floor = pyo.Constraint(m.DRAW_FLOORS, rule=node_rule)


def add_interregional_limits(m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    r"""Optional limits on flows between regions.

    .. math:: \sum_{w, i \in r, j \in r', m} y_{w,i,j,m} \le flow^{max}_{r,r'}
    """
    keys = sorted(inp.flow_max_10kt)
    m.flow_max_10kt = pyo.Param(
        pyo.Set(dimen=2, initialize=keys), initialize=inp.flow_max_10kt, mutable=True
    )

    def rule(m: pyo.ConcreteModel, r: str, s: str) -> pyo.Expression:
        flows = [
            m.haul[k] for k in m.HAULS if inp.node_region[k[1]] == r and inp.node_region[k[2]] == s
        ]
        if not flows:
            return pyo.Constraint.Skip
        return sum(flows) <= m.flow_max_10kt[r, s]

    m.interregional = pyo.Constraint(m.flow_max_10kt.index_set(), rule=rule)
