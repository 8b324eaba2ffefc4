"""Checks on a prepared model before it is solved: targets no capacity could meet, stranded floors.

They use only what can go where (admissible arcs, pathways, capacity), not the
LP, so they are fast and name the scenario key to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from model.core.inputs import ModelInputs
from model.errors import Problem


@dataclass(frozen=True)
class _Reach:
    """What can go where in a prepared model, ignoring competition for capacity."""

    pathways_of: dict[str, set[str]]  # stream -> pathways that take it
    reach: dict[str, set[str]]  # origin -> nodes with an admissible arc
    plants: dict[tuple[str, str], float]  # (node, pathway) -> existing + expandable


def _reach(inp: ModelInputs) -> _Reach:
    pathways_of: dict[str, set[str]] = {}
    for w, p in inp.share_max:
        pathways_of.setdefault(w, set()).add(p)
    reach: dict[str, set[str]] = {}
    for i, j, _ in inp.arcs:
        reach.setdefault(i, set()).add(j)
    plants = {k: v for k, v in inp.capacity_10kt.items() if v > 0}
    for k, v in inp.expansion_max_10kt.items():
        plants[k] = plants.get(k, 0.0) + v
    return _Reach(pathways_of, reach, plants)


def unreachable_targets(inp: ModelInputs, scenario: str) -> list[Problem]:
    """Targets that no capacity in reach could meet, found before solving.

    For target (r, g) the optimistic bound on utilization is the existing plus
    expandable capacity of every pathway that accepts a stream of g, at every
    node reachable from some origin in r, as if nothing else used it. If even
    that is below rate x generation, the target is infeasible.
    """
    problems = []
    where = _reach(inp)
    for (r, g), rate in sorted(inp.target_rate.items()):
        streams = inp.group_streams[g]
        origins = [i for i in inp.nodes if inp.node_region[i] == r]
        generated = sum(inp.generation_10kt.get((w, i), 0.0) for w in streams for i in origins)
        if generated <= 0:
            continue
        pathways = set().union(*(where.pathways_of.get(w, set()) for w in streams))
        nodes = set().union(*(where.reach.get(i, set()) for i in origins))
        bound = sum(v for (j, p), v in where.plants.items() if j in nodes and p in pathways)
        need = rate * generated
        if bound < need - 1e-6:
            problems.append(
                Problem(
                    f"scenario {scenario}",
                    None,
                    f"target {r}/{g}",
                    f"{rate:.1%}",
                    f"a rate that capacity in reach can meet: {rate:.1%} of {generated:,.0f} "
                    f"needs {need:,.0f} x10^4 t, but all capacity able to take these streams "
                    f"within reach of {r} is {bound:,.0f} x10^4 t (at most "
                    f"{bound / generated:.1%}); lower the rate, allow expansion, raise "
                    'max_haul_km, or set [targets] mode = "elastic" to see the shortfall',
                )
            )
    return problems


def floors_without_outlet(inp: ModelInputs) -> list[str]:
    """Base-year floors that no admissible haul can serve (they would be dropped silently)."""
    where = _reach(inp)
    takes = {(w, j) for w, ps in where.pathways_of.items() for j, p in where.plants if p in ps}
    return [
        f"{i}/{w} (floor {rate:.1%} of {inp.generation_10kt[w, i]:,.1f} x10^4 t)"
        for (w, i), rate in sorted(inp.floor_rate.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        if rate > 0
        and (w, i) in inp.generation_10kt
        and not any((w, j) in takes for j in where.reach.get(i, set()))
    ]
