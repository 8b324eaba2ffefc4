"""Base-year utilization by node and stream, and the capacity it implies by pathway.

Utilization of each stream is the national rate of that stream times a node
factor k (capped at 100%), with k chosen so the streams add up to the node's
reported (or estimated) utilization of its own generation. Capacity of a pathway
is that utilization, plus any base-year draw on earlier stockpiles, routed to it
by the national use mix (``estimation/pathway_mix.csv``), within blend limits.
Used by :func:`model.data.build.build_from` (provinces) and
:func:`model.data.prefecture.build_prefecture`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.data.estimate import EST_CAPACITY, EST_GENERATION, EstimationInputs, Frames


def _solve_factor(gen: pd.Series, rates: pd.Series, target: float) -> float:
    """k such that sum(gen * min(1, rates * k)) = target (bisection; target <= sum(gen))."""
    low, high = 0.0, 1.0
    while (gen * (rates * high).clip(upper=1.0)).sum() < target and high < 1e6:
        high *= 2.0
    for _ in range(100):
        mid = (low + high) / 2
        if (gen * (rates * mid).clip(upper=1.0)).sum() < target:
            low = mid
        else:
            high = mid
    return high


def base_utilization(inputs: EstimationInputs, generation: pd.DataFrame) -> pd.DataFrame:
    """Base-year utilization by node and stream, matched to each node's total."""
    rates = inputs.basis["national_rate"].astype(float)
    out = []
    for node, part in generation.groupby("node"):
        gen = part.set_index("stream")["generation_10kt"]
        r = rates.reindex(gen.index).fillna(0.0)
        utilized = inputs.totals.loc[node, "utilized_10kt"]
        target = float(utilized) if pd.notna(utilized) else float((gen * r).sum())
        target = min(target, float(gen.sum()))
        k = _solve_factor(gen, r, target)
        used = gen * (r * k).clip(upper=1.0)
        out += [(node, w, float(v)) for w, v in used.items()]
    return pd.DataFrame(out, columns=["node", "stream", "utilized_10kt"])


def _respect_blend_limits(
    alloc: dict[tuple[str, str], float],
    share_max: dict[tuple[str, str], float],
    mix: dict[tuple[str, str], float],
) -> dict[tuple[str, str], float]:
    """Move a stream's intake above its blend limit at a pathway to its other pathways.

    ``alloc`` maps (stream, pathway) to the amount routed there at one node. A stream
    may be at most share_max of a pathway's intake: x <= s (T_other + x), i.e.
    x <= s T_other / (1 - s). The excess goes to the stream's pathways without a
    limit, in proportion to its use mix. A few passes settle it.
    """
    alloc = dict(alloc)
    for _ in range(50):
        moved = False
        for p in {p for _, p in alloc}:
            members = {w: v for (w, q), v in alloc.items() if q == p}
            total = sum(members.values())
            for w, amount in members.items():
                s = share_max.get((w, p), 1.0)
                if s >= 1.0 or amount <= 0:
                    continue
                others = total - amount
                allowed = s * others / (1.0 - s)
                excess = amount - allowed
                if excess <= 1e-9:
                    continue
                free = {
                    q: mix.get((w, q), 0.0)
                    for (v, q) in share_max
                    if v == w and q != p and share_max[(v, q)] >= 1.0
                }
                weight = sum(free.values()) or float(len(free))
                if not free:
                    continue
                alloc[w, p] = allowed
                for q, m in free.items():
                    share = (m / weight) if sum(free.values()) else 1.0 / weight
                    alloc[w, q] = alloc.get((w, q), 0.0) + excess * share
                moved = True
                break
        if not moved:
            break
    return alloc


def calibrate_capacity(
    inputs: EstimationInputs,
    utilization: pd.DataFrame,
    share_max: dict[tuple[str, str], float],
    drawn: dict[str, float],
) -> pd.DataFrame:
    """Capacity by node and pathway: base-year use through the national use mix.

    Base-year use is the node's own generation utilized plus what it took from
    earlier years' stockpiles (``drawn``, 10^4 t; Zhejiang 2021 only). Which streams
    the stock held is not published; it is assumed to be drawn in the proportions
    of the node's utilized streams, so capacity has room for exactly the
    base-year draw.

    Cement plants have spare kiln and grinding capacity (3,800 Mt against 2,377 Mt
    of output in 2020), but their intake of waste is bounded by cement output, not
    by plant capacity, so no headroom is added; scenarios add capacity by
    expansion. Where the mix would break a blend limit, the excess of the stream
    is routed to its other pathways, so the base year is feasible.
    """
    mix = {(r.stream, r.pathway): float(r.share) for r in inputs.mix.itertuples()}
    rows = []
    for node, part in utilization.groupby("node"):
        used = part["utilized_10kt"].astype(float)
        scale = 1.0 + drawn.get(str(node), 0.0) / float(used.sum()) if used.sum() > 0 else 1.0
        alloc = {
            (w, p): float(amount) * scale * share
            for w, amount in zip(part["stream"], used, strict=True)
            for (v, p), share in mix.items()
            if v == w
        }
        alloc = _respect_blend_limits(alloc, share_max, mix)
        per_pathway: dict[str, float] = {}
        for (_, p), amount in alloc.items():
            per_pathway[p] = per_pathway.get(p, 0.0) + amount
        rows += [(node, p, v) for p, v in per_pathway.items()]
    use = pd.DataFrame(rows, columns=["node", "pathway", "capacity_10kt"])
    use["expansion_max_10kt"] = use["capacity_10kt"] * inputs.coefficients["expansion_share"]
    use["status"] = "estimated"
    use["source_id"] = EST_CAPACITY
    use["note"] = "base-year use through the national use mix"
    with_stock = use["node"].isin([n for n, v in drawn.items() if v > 0])
    use.loc[with_stock, "note"] = "base-year use (with stock drawn) through the national use mix"
    cols = ["node", "pathway", "capacity_10kt", "expansion_max_10kt", "status", "source_id", "note"]
    return use[use["capacity_10kt"] > 1e-6][cols].reset_index(drop=True)


def utilization_and_capacity(
    frames: Frames,
    inputs: EstimationInputs,
    generation: pd.DataFrame,
    order: list[str],
    drawn: dict[str, float],
) -> dict[str, pd.DataFrame]:
    """Base utilization (matched to ``inputs.totals``) and capacity, sorted and rounded.

    ``drawn`` is each node's base-year draw on earlier stockpiles (10^4 t), which
    capacity makes room for (:func:`calibrate_capacity`).
    """
    utilization = base_utilization(inputs, generation)
    compat = frames["compatibility"]
    share_max = {
        (w, p): float(m)
        for w, p, m in zip(compat["stream"], compat["pathway"], compat["share_max"], strict=True)
    }
    capacity = calibrate_capacity(inputs, utilization, share_max, drawn)
    key = {n: i for i, n in enumerate(order)}

    def by_node(frame: pd.DataFrame, second: str) -> pd.DataFrame:
        return frame.sort_values(
            ["node", second], key=lambda s: s.map(key) if s.name == "node" else s
        ).reset_index(drop=True)

    base = by_node(utilization, "stream")
    base["status"] = "estimated"
    base["source_id"] = EST_GENERATION
    base["note"] = "national stream rate x province factor matching the province total"
    capacity = by_node(capacity, "pathway")
    return {
        "base_utilization": base.round({"utilized_10kt": 2}),
        "generation": by_node(generation, "stream").round({"generation_10kt": 2}),
        # Utilization is rounded to the nearest 0.01 (100 t), so a floor can sit up to
        # 0.005 above the unrounded value; capacity is rounded up with that margin so
        # the base year always meets its own floors.
        "capacity": capacity.assign(
            capacity_10kt=_ceil_cents(capacity["capacity_10kt"] + 0.005),
            expansion_max_10kt=capacity["expansion_max_10kt"].round(2),
        ),
    }


def _ceil_cents(values: pd.Series) -> pd.Series:
    """Round up to 0.01, ignoring float noise below 1e-9."""

    return pd.Series(np.ceil(values.to_numpy() * 100 - 1e-9) / 100, index=values.index)
