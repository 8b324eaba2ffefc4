"""Turn a dataset and a scenario into the plain numbers the formulation needs.

This is the only place where scenario settings (scales, target sets, levies,
prices) are applied to the data, so the formulation sees one consistent set
of parameters and tests can build :class:`ModelInputs` by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from pyproj import Geod

from model.core.config import Scenario
from model.data.tables import Dataset
from model.errors import ScenarioError

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class ModelInputs:
    """Sets and parameters of one LP instance, in the formulation's units.

    Mass in 10^4 t, money per tonne in CNY (so mass x unit cost = 10^4 CNY),
    distance in km, emission factors in t CO2 per t·km.
    """

    nodes: tuple[str, ...]
    node_region: dict[str, str]
    streams: tuple[str, ...]
    pathways: tuple[str, ...]
    modes: tuple[str, ...]
    group_streams: dict[str, frozenset[str]]
    generation_10kt: dict[tuple[str, str], float]  # (stream, node)
    capacity_10kt: dict[tuple[str, str], float]  # (node, pathway)
    expansion_max_10kt: dict[tuple[str, str], float]  # (node, pathway)
    share_max: dict[tuple[str, str], float]  # (stream, pathway), the compatible pairs
    revenue_cny_per_t: dict[tuple[str, str], float]
    avoided_co2_t_per_t: dict[tuple[str, str], float]
    opex_cny_per_t: dict[str, float]
    capex_cny_per_t_yr: dict[str, float]
    storage_cost_cny_per_t: dict[str, float]
    levy_cny_per_t: dict[str, float]
    distance_km: dict[tuple[str, str], float]
    arcs: tuple[tuple[str, str, str], ...]  # (origin, destination, mode)
    transport_cost_cny_per_tkm: dict[str, float]
    handling_cny_per_t: dict[str, float]
    emission_t_per_tkm: dict[str, float]
    target_rate: dict[tuple[str, str], float]  # (region, group)
    floor_rate: dict[tuple[str, str], float] = field(default_factory=dict)  # (stream, node)
    carbon_price_cny_per_t: float = 0.0
    elastic_targets: bool = False
    penalty_cny_per_t: float = 2000.0
    flow_max_10kt: dict[tuple[str, str], float] = field(default_factory=dict)
    drawdown_max_10kt: dict[str, float] = field(default_factory=dict)  # node -> stock drawable

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.node_region.values())))


def road_distances(nodes: pd.DataFrame, circuity: float) -> dict[tuple[str, str], float]:
    """Road distance of a haul, in km: a geodesic length times the circuity factor.

    Inside a node the haul is its representative internal haul ``intra_haul_km``
    (the mean distance between two random points of its area). Between two nodes
    it is the distance between their transport points plus an access leg at each
    end, from where the waste is to the point and from the point to where it is
    used, each taken as half the node's internal haul. That is a lower bound on
    the mean access distance (by the triangle inequality, E|X-Y| <= E|X-h| +
    E|h-Y| for any point h), and it keeps the model from "swapping" waste between
    neighbours to avoid a node's own internal haul, an artefact of aggregated nodes.
    """
    names = list(nodes.index)
    lons = nodes["lon"].to_numpy()
    lats = nodes["lat"].to_numpy()
    intra = nodes["intra_haul_km"].astype(float).to_numpy()
    out: dict[tuple[str, str], float] = {}
    for a, origin in enumerate(names):
        for b, dest in enumerate(names):
            if a == b:
                km = float(intra[a])
            else:
                _, _, metres = _GEOD.inv(lons[a], lats[a], lons[b], lats[b])
                km = metres / 1000.0 + (intra[a] + intra[b]) / 2.0
            out[origin, dest] = round(km * circuity, 3)
    return out


def _target_rates(dataset: Dataset, scenario: Scenario) -> dict[tuple[str, str], float]:
    cfg = scenario.targets
    regions = list(dataset["regions"].index)
    groups = set(dataset["target_groups"]["group"])
    targets = dataset["targets"]
    known_sets = set(targets["target_set"])
    group_rates: dict[str, float] = {}
    for name in cfg.sets:
        if name not in known_sets:
            raise ScenarioError(
                f"scenario {scenario.name}: targets.sets names {name!r}, which is not in "
                f"targets.csv (known: {', '.join(sorted(known_sets))})"
            )
        for _, row in targets[targets["target_set"] == name].iterrows():
            group_rates[row["group"]] = float(row["rate"])
    for group, rate in cfg.rates.items():
        if group not in groups:
            raise ScenarioError(
                f"scenario {scenario.name}: targets.rates names group {group!r}; "
                f"known groups: {', '.join(sorted(groups))}"
            )
        group_rates[group] = rate
    rates = {(r, g): v for r in regions for g, v in group_rates.items()}
    for region, by_group in cfg.regions.items():
        if region not in regions:
            raise ScenarioError(
                f"scenario {scenario.name}: targets.regions names {region!r}; "
                f"known regions: {', '.join(regions)}"
            )
        for group, rate in by_group.items():
            if group not in groups:
                raise ScenarioError(
                    f"scenario {scenario.name}: targets.regions.{region} names group "
                    f"{group!r}; known groups: {', '.join(sorted(groups))}"
                )
            rates[region, group] = rate
    return {k: v for k, v in rates.items() if v > 0}


def base_year_floors(dataset: Dataset) -> dict[tuple[str, str], float]:
    """Base-year utilization rate of each (stream, node): the floor of current practice."""
    gen = dataset["generation"]["generation_10kt"]
    used = dataset["base_utilization"]["utilized_10kt"]
    floors = {}
    for (node, stream), amount in used.items():
        g = float(gen.get((node, stream), 0.0))
        if g > 0 and amount > 0:
            floors[str(stream), str(node)] = min(float(amount) / g, 1.0)
    return floors


def stock_drawdown_limits(dataset: Dataset) -> dict[str, float]:
    """How much each node may take out of earlier years' stockpiles (10^4 t/yr).

    A province's limit is its base-year utilized amount above its generated amount
    (``province_totals.csv``), the least the yearbook shows was taken from stock;
    0 where utilized is below generated. A prefecture gets its province's limit in
    proportion to its share of the province's generation.
    """
    from model.data.totals import base_year_totals

    year = int(dataset.parameters["base_year"])
    totals = base_year_totals(dataset["province_totals"], year, "utilized_10kt")
    above = {
        str(r.node): float(r.utilized_10kt) - float(r.generated_10kt)
        for r in totals.itertuples()
        if pd.notna(r.generated_10kt) and float(r.utilized_10kt) > float(r.generated_10kt)
    }
    nodes = dataset.nodes
    if dataset.resolution == "province":
        return {i: v for i, v in above.items() if i in nodes.index}
    gen = dataset["generation"]["generation_10kt"].groupby(level="node").sum()
    province_of = nodes["province"]
    province_gen = gen.groupby(province_of.reindex(gen.index)).sum()
    return {
        str(i): above[province_of[i]] * float(gen[i]) / float(province_gen[province_of[i]])
        for i in gen.index
        if province_of[i] in above and float(province_gen[province_of[i]]) > 0
    }


def prepare(dataset: Dataset, scenario: Scenario) -> ModelInputs:
    """Apply the scenario to the dataset and compute the admissible arcs.

    Departures from the formulation note, on purpose: rail is admitted on every
    arc of at least ``min_rail_km``, including a node's own haul when that is
    long (the formulation says "where both ends have access"; every province has
    rail freight stations, and no station table is in the data yet); handling is
    not scaled by ``cost_scale``, which scales the per-t·km rates. Distances,
    ``max_haul_km`` and ``circuity`` decide which arcs exist, so changing them
    needs a rebuild, not just a re-solve.
    """
    nodes = dataset.nodes
    params = dataset.parameters
    tcfg = scenario.transport
    circuity = tcfg.circuity if tcfg.circuity is not None else params["circuity_factor"]
    distance = road_distances(nodes, circuity)
    modes_table = dataset["modes"]
    missing = [m for m in tcfg.modes if m not in modes_table.index]
    if missing:
        raise ScenarioError(
            f"scenario {scenario.name}: transport.modes names {', '.join(missing)}, which "
            f"modes.csv does not define (it has {', '.join(modes_table.index)})"
        )
    modes = tuple(tcfg.modes)
    if "road" not in modes:
        raise ScenarioError(f"scenario {scenario.name}: transport.modes must include 'road'")
    regions = set(nodes["region"])
    flow_max = {}
    for key, limit in tcfg.flow_max.items():
        origin, dest = key.split("->")
        unknown = [r for r in (origin, dest) if r not in regions]
        if unknown:
            raise ScenarioError(
                f"scenario {scenario.name}: transport.flow_max {key!r} names region(s) "
                f"{', '.join(unknown)}; known regions: {', '.join(sorted(regions))}"
            )
        flow_max[origin, dest] = float(limit)
    arcs = []
    for (i, j), km in sorted(distance.items()):
        if i != j and km > tcfg.max_haul_km:
            continue
        arcs.append((i, j, "road"))
        # Rail also inside a node whose representative haul is long (Inner Mongolia,
        # Qinghai): without it, swapping waste with a neighbour by rail would beat
        # the node's own road haul and the solution would cross-haul.
        if "rail" in modes and km >= tcfg.min_rail_km:
            arcs.append((i, j, "rail"))

    compat = dataset["compatibility"]
    capacity = dataset["capacity"]
    cap_cfg = scenario.capacity
    exp_scale = cap_cfg.expansion_scale if cap_cfg.expansion else 0.0
    groups = dataset["target_groups"].groupby("group")["stream"].apply(frozenset).to_dict()
    levy_table = dataset["levies"]
    levy = {w: 0.0 for w in dataset["streams"].index}
    if scenario.prices.levy != "none":
        rows = levy_table[levy_table["levy"] == scenario.prices.levy]
        levy.update(dict(zip(rows["stream"], rows["rate_cny_per_t"].astype(float), strict=True)))
    storage = dataset["storage"]["storage_cost_cny_per_t"] * scenario.prices.storage_cost_scale

    return ModelInputs(
        nodes=tuple(nodes.index),
        node_region=nodes["region"].to_dict(),
        streams=tuple(dataset["streams"].index),
        pathways=tuple(dataset["pathways"].index),
        modes=modes,
        group_streams=groups,
        generation_10kt={
            (w, i): float(v)
            for (i, w), v in dataset["generation"]["generation_10kt"].items()
            if v > 0
        },
        capacity_10kt={
            (j, p): float(v) * cap_cfg.scale for (j, p), v in capacity["capacity_10kt"].items()
        },
        expansion_max_10kt={
            (j, p): float(v) * exp_scale
            for (j, p), v in capacity["expansion_max_10kt"].items()
            if v * exp_scale > 0
        },
        share_max=compat["share_max"].astype(float).to_dict(),
        revenue_cny_per_t=compat["revenue_cny_per_t"].astype(float).to_dict(),
        avoided_co2_t_per_t=compat["avoided_co2_t_per_t"].astype(float).to_dict(),
        opex_cny_per_t=dataset["pathways"]["opex_cny_per_t"].astype(float).to_dict(),
        capex_cny_per_t_yr=dataset["pathways"]["capex_cny_per_t_yr"].astype(float).to_dict(),
        storage_cost_cny_per_t=storage.astype(float).to_dict(),
        levy_cny_per_t=levy,
        distance_km=distance,
        arcs=tuple(arcs),
        transport_cost_cny_per_tkm={
            m: float(modes_table.loc[m, "cost_cny_per_tkm"]) * tcfg.cost_scale for m in modes
        },
        handling_cny_per_t={m: float(modes_table.loc[m, "handling_cny_per_t"]) for m in modes},
        emission_t_per_tkm={m: float(modes_table.loc[m, "co2_g_per_tkm"]) * 1e-6 for m in modes},
        target_rate=_target_rates(dataset, scenario),
        floor_rate=base_year_floors(dataset) if scenario.targets.base_year_floor else {},
        carbon_price_cny_per_t=scenario.prices.carbon_cny_per_t,
        elastic_targets=scenario.targets.mode == "elastic",
        penalty_cny_per_t=scenario.targets.penalty_cny_per_t,
        flow_max_10kt=flow_max,
        drawdown_max_10kt=stock_drawdown_limits(dataset),
    )
