"""Turn a dataset and a scenario into the plain numbers the formulation needs.

This is the only place where scenario settings (scales, target sets, levies,
prices) are applied to the data, so the formulation sees one consistent set
of parameters and tests can build :class:`ModelInputs` by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import pandas as pd
from pyproj import Geod

from model.core.config import Scenario
from model.data.schema import DISTANCES
from model.data.tables import Dataset, read_table
from model.errors import DataError, Problem, ScenarioError

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
    # (origin, destination, mode) -> (km by road, km by the mode); an arc not listed runs
    # its whole distance_km on its own mode
    leg_km: dict[tuple[str, str, str], tuple[float, float]] = field(default_factory=dict)
    on_site_km: dict[tuple[str, str], float] = field(default_factory=dict)  # (stream, pathway)
    use_floor_10kt: dict[tuple[str, str, str], float] = field(default_factory=dict)  # (w, j, p)
    intake_floor_10kt: dict[tuple[str, str], float] = field(default_factory=dict)  # (j, p)
    # (width as a share of the expansion limit, capex factor), in order
    expansion_tranches: tuple[tuple[float, float], ...] = ()
    # (width as a share of existing capacity or None = unbounded, revenue factor), in order
    revenue_tranches: tuple[tuple[float | None, float], ...] = ()
    notes: tuple[str, ...] = ()
    drawdown_max_10kt: dict[str, float] = field(default_factory=dict)  # node -> stock drawable
    # node -> stock drawn at least (the base-year draw, with [targets] base_year_floor)
    drawdown_floor_10kt: dict[str, float] = field(default_factory=dict)

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.node_region.values())))


def road_distances(
    nodes: pd.DataFrame, circuity: float, given: dict[tuple[str, str, str], float] | None = None
) -> dict[tuple[str, str], float]:
    """Road distance of a haul, in km: a geodesic length times the circuity factor.

    Inside a node the haul is its representative internal haul ``intra_haul_km``
    (the mean distance between two random points of its area). Between two nodes
    it is the distance between their transport points plus an access leg at each
    end, from where the waste is to the point and from the point to where it is
    used, each taken as half the node's internal haul. That is a lower bound on
    the mean access distance (by the triangle inequality, E|X-Y| <= E|X-h| +
    E|h-Y| for any point h), and it keeps the model from "swapping" waste between
    neighbours to avoid a node's own internal haul, an artefact of aggregated nodes.
    A distance in ``given`` (``distances.csv``, by (origin, dest, "road")) replaces
    the geodesic x circuity part: between transport points, or the internal haul.
    """
    given = given or {}
    intra, geodesic = _geometry(nodes, circuity)
    out: dict[tuple[str, str], float] = {}
    for (origin, dest), km in geodesic.items():
        if origin == dest:
            out[origin, dest] = round(given.get((origin, dest, "road"), km), 3)
        else:
            trunk = given.get((origin, dest, "road"), km)
            out[origin, dest] = round(trunk + (intra[origin] + intra[dest]) / 2.0, 3)
    return out


def rail_legs(
    nodes: pd.DataFrame, circuity: float, given: dict[tuple[str, str, str], float] | None = None
) -> dict[tuple[str, str], tuple[float, float]]:
    """(road km, rail km) of a rail haul, for the pairs where rail can run.

    Between two nodes the waste goes by road to the railhead at the origin's
    transport point and from the railhead at the destination's, the same access
    legs as a road haul (half each internal haul, times circuity), and by rail
    between the points (geodesic x circuity, or ``given``). Inside a node only
    where nodes.csv gives ``rail_access_km``: road legs of that length at each
    end, rail over the internal haul.
    """
    given = given or {}
    intra, geodesic = _geometry(nodes, circuity)
    access = nodes["rail_access_km"] if "rail_access_km" in nodes else pd.Series(dtype=float)
    out: dict[tuple[str, str], tuple[float, float]] = {}
    for (origin, dest), km in geodesic.items():
        trunk = given.get((origin, dest, "rail"), km)
        if origin != dest:
            out[origin, dest] = (round((intra[origin] + intra[dest]) / 2.0, 3), round(trunk, 3))
        elif pd.notna(access.get(origin)):
            out[origin, dest] = (round(2.0 * float(access[origin]), 3), round(trunk, 3))
    return out


def _geometry(
    nodes: pd.DataFrame, circuity: float
) -> tuple[dict[str, float], dict[tuple[str, str], float]]:
    """Internal hauls and node-to-node geodesic distances, both times circuity (km)."""
    names = list(nodes.index)
    lons = nodes["lon"].to_numpy()
    lats = nodes["lat"].to_numpy()
    intra = {n: float(v) * circuity for n, v in zip(names, nodes["intra_haul_km"], strict=True)}
    out: dict[tuple[str, str], float] = {}
    for a, origin in enumerate(names):
        for b, dest in enumerate(names):
            if a == b:
                out[origin, dest] = intra[origin]
            else:
                _, _, metres = _GEOD.inv(lons[a], lats[a], lons[b], lats[b])
                out[origin, dest] = metres / 1000.0 * circuity
    return intra, out


def read_distances(dataset: Dataset) -> tuple[dict[tuple[str, str, str], float], list[str]]:
    """The optional ``distances.csv`` of the node folder, validated; and notes on it.

    Rows naming an unknown node, a negative or missing km are errors (all listed);
    a pair given one way only, or with different km each way, is allowed and noted.
    """
    path = dataset.node_dir / DISTANCES.file
    if not path.is_file():
        return {}, []
    name = str(path.relative_to(dataset.data_dir))
    problems: list[Problem] = []
    frame = read_table(path, DISTANCES, problems)
    problems = [Problem(name, p.row, p.column, p.value, p.expected) for p in problems]
    known = set(dataset.nodes.index)
    sources = set(dataset["sources"].index)
    for _, row in frame.iterrows():
        for column, expected, ok in (
            ("origin", "a node of nodes.csv", row["origin"] in known),
            ("dest", "a node of nodes.csv", row["dest"] in known),
            ("source_id", "a source_id of sources.csv", row["source_id"] in sources),
        ):
            if not ok:
                problems.append(Problem(name, int(row["_row"]), column, str(row[column]), expected))
    if problems:
        raise DataError(str(dataset.data_dir), problems)
    given = {
        (str(r.origin), str(r.dest), str(r.mode)): float(r.km)
        for r in frame.itertuples(index=False)
    }
    notes = []
    for (o, d, mode), km in sorted(given.items()):
        back = given.get((d, o, mode))
        if o < d and back is not None and abs(back - km) > 1e-9:
            notes.append(f"{name}: {mode} {o}->{d} is {km:g} km, {d}->{o} {back:g} km")
        elif o != d and back is None:
            notes.append(
                f"{name}: {mode} {o}->{d} is given one way only; {d}->{o} keeps geodesic x circuity"
            )
    return given, notes


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


def base_year_uses(
    dataset: Dataset,
) -> tuple[dict[tuple[str, str, str], float], dict[tuple[str, str], float]]:
    """Base-year uses as floors: per (stream, node, pathway) and per (node, pathway), 10^4 t.

    Derived from base utilization x the national pathway mix
    (``estimation/pathway_mix.csv``), as the data build derives capacity. Where a
    blend limit applies (share_max < 1) the build moved part of the stream to its
    other pathways, so such pairs get no stream floor; the pathway's own floor,
    min(sum of its streams' base-year use, existing capacity), covers them. Stream
    floors at a pathway are scaled down together if they would exceed its
    capacity in the data (rounded to 0.01). The floors do not follow
    ``[capacity] scale``: today's uses are what they were, so a scenario that
    removes capacity they need is infeasible and says so. Amounts in 10^4 t.
    """
    used = dataset["base_utilization"]["utilized_10kt"].astype(float)
    mix = dataset["estimation/pathway_mix"]
    share_max = dataset["compatibility"]["share_max"].astype(float)
    capacity = dataset["capacity"]["capacity_10kt"].astype(float)
    # plain dicts: one pandas lookup per (node, stream) was most of a province's prepare
    limit = dict(share_max.items())
    mix_of: dict[object, list[tuple[object, float]]] = {}
    for stream, pathway, share in zip(mix["stream"], mix["pathway"], mix["share"], strict=True):
        mix_of.setdefault(stream, []).append((pathway, float(share)))
    raw: dict[tuple[str, str, str], float] = {}
    for (node, stream), amount in used.items():
        for pathway, share in mix_of.get(stream, ()):
            if amount > 0 and (stream, pathway) in limit:
                raw[str(stream), str(node), str(pathway)] = float(amount) * share
    intake: dict[tuple[str, str], float] = {}
    free: dict[tuple[str, str], float] = {}
    for (w, j, p), v in raw.items():
        intake[j, p] = intake.get((j, p), 0.0) + v
        if limit[w, p] >= 1.0:
            free[j, p] = free.get((j, p), 0.0) + v
    cap = {k: float(v) for k, v in capacity.items() if v > 0}
    plant_floor = {k: min(v, cap[k]) for k, v in intake.items() if k in cap}
    stream_floor = {
        (w, j, p): v * min(1.0, cap[j, p] / free[j, p])
        for (w, j, p), v in raw.items()
        if (j, p) in cap and limit[w, p] >= 1.0
    }
    return stream_floor, plant_floor


def read_tranches(
    dataset: Dataset,
) -> tuple[tuple[tuple[float, float], ...], tuple[tuple[float | None, float], ...]]:
    """(expansion tranches, revenue tranches) of tranches.csv, checked to give a convex cost.

    Expansion: widths are shares of the expansion limit adding up to 1, capex
    factors rise. Revenue: widths are shares of existing capacity, only the last
    may be blank (unbounded), factors fall. Checked at the central, low and high
    factors, since sensitivity moves them.
    """
    table = dataset["tranches"]
    problems = []
    found: dict[str, tuple[tuple[float | None, float], ...]] = {}
    for kind, sign in (("expansion", 1.0), ("revenue", -1.0)):
        rows = table.loc[kind] if kind in table.index.get_level_values(0) else table.iloc[:0]
        steps = [
            (None if pd.isna(r.width_share) else float(r.width_share), r) for r in rows.itertuples()
        ]
        where = f"tranches.csv ({kind})"
        for column in ("factor", "factor_low", "factor_high"):
            values = [float(getattr(r, column)) for _, r in steps]
            if any(sign * (b - a) < -1e-12 for a, b in pairwise(values)):
                word = "rise" if sign > 0 else "fall"
                problems.append(
                    Problem(
                        where,
                        None,
                        column,
                        ",".join(f"{v:g}" for v in values),
                        f"factors that {word} from one tranche to the next (a convex cost)",
                    )
                )
        widths = [w for w, _ in steps]
        if kind == "expansion":
            total = sum(w or 0.0 for w in widths)
            bad = bool(steps) and (None in widths or abs(total - 1.0) > 1e-3)
            expected = "shares of the expansion limit that add up to 1"
        else:
            bad, expected = None in widths[:-1], "a width for every revenue tranche but the last"
        if bad:
            text = ",".join(str(w) for w in widths)
            problems.append(Problem(where, None, "width_share", text, expected))
        found[kind] = tuple((w, float(r.factor)) for w, r in steps)
    if problems:
        raise DataError(str(dataset.data_dir), problems)
    return tuple((w or 0.0, f) for w, f in found["expansion"]), found["revenue"]


def stock_drawdown_limits(dataset: Dataset) -> dict[str, float]:
    """How much each node may take out of earlier years' stockpiles (10^4 t/yr).

    A province's limit is its base-year utilized amount above its generated amount
    (``province_totals.csv``), the least the yearbook shows was taken from stock;
    0 where utilized is below generated. A prefecture gets its province's limit in
    proportion to its share of the province's generation.
    """
    from model.data.totals import base_year_totals, shared_by_generation, stock_drawn

    year = int(dataset.parameters["base_year"])
    above = stock_drawn(base_year_totals(dataset["province_totals"], year, "utilized_10kt"))
    nodes = dataset.nodes
    if dataset.resolution == "province":
        return {i: v for i, v in above.items() if i in nodes.index}
    gen = dataset["generation"]["generation_10kt"].groupby(level="node").sum()
    return shared_by_generation(above, gen, nodes["province"])


def prepare(dataset: Dataset, scenario: Scenario) -> ModelInputs:
    """Apply the scenario to the dataset and compute the admissible arcs.

    Rail is admitted between two nodes on arcs of at least ``min_rail_km``, and
    inside a node only where nodes.csv gives ``rail_access_km``; a rail haul runs
    its access legs by road (:func:`rail_legs`). Handling is not scaled by
    ``cost_scale``, which scales the per-t·km rates. Distances, ``max_haul_km``
    and ``circuity`` decide which arcs exist, so changing them needs a rebuild,
    not just a re-solve.
    """
    nodes = dataset.nodes
    params = dataset.parameters
    tcfg = scenario.transport
    circuity = tcfg.circuity if tcfg.circuity is not None else params["circuity_factor"]
    given, notes = read_distances(dataset)
    distance = road_distances(nodes, circuity, given)
    rail = rail_legs(nodes, circuity, given)
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
    legs: dict[tuple[str, str, str], tuple[float, float]] = {}
    for (i, j), km in sorted(distance.items()):
        if i != j and km > tcfg.max_haul_km:
            continue
        arcs.append((i, j, "road"))
        if "rail" in modes and (i, j) in rail and sum(rail[i, j]) >= tcfg.min_rail_km:
            arcs.append((i, j, "rail"))
            legs[i, j, "rail"] = rail[i, j]

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
    stream_floor, intake_floor = (
        base_year_uses(dataset) if scenario.targets.base_year_uses else ({}, {})
    )
    expansion_steps, revenue_steps = read_tranches(dataset) if cap_cfg.tranches else ((), ())

    draw_limits = stock_drawdown_limits(dataset)
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
        leg_km=legs,
        on_site_km={k: float(v) for k, v in compat["on_site_km"].items() if pd.notna(v)},
        use_floor_10kt=stream_floor,
        intake_floor_10kt=intake_floor,
        expansion_tranches=expansion_steps,
        revenue_tranches=revenue_steps,
        notes=tuple(notes),
        drawdown_max_10kt=draw_limits,
        drawdown_floor_10kt=draw_limits if scenario.targets.base_year_floor else {},
    )
