"""The benchmark's floor: wastealloc's LP written straight from the data with numpy/scipy.

Not the model. This is what the machine can do with the same linear program
when nothing stands between the data and HiGHS: the sets of
:func:`model.core.formulation.build_model` taken from :class:`ModelInputs`,
the matrix assembled as (row, column, value) triplets, handed to highspy in
one call, and the same three solves as ``wastealloc solve`` (least cost, then
most and least net CO2 among the least-cost allocations). Fixed limits are
column bounds here (the model writes some as rows); the optimum is the same,
which the benchmark checks to 1e-9.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from model.core.inputs import ModelInputs

INF = highspy.kHighsInf


@dataclass
class FloorLP:
    cost: np.ndarray  # 10^4 CNY per unit of each column
    co2: np.ndarray  # net CO2 (transport less avoided) per unit of each column
    lower: np.ndarray
    upper: np.ndarray
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    # (region, group) -> (row, generation base, drawdown columns): what a target sweep changes
    targets: dict[tuple[str, str], tuple[int, float, list[int]]]


class _Builder:
    """Columns by name and rows as triplets."""

    def __init__(self) -> None:
        self.cols: dict[object, int] = {}
        self.cost: list[float] = []
        self.co2: list[float] = []
        self.upper: list[float] = []
        self.lower: list[float] = []
        self.rows: list[int] = []
        self.idx: list[int] = []
        self.val: list[float] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.targets: dict[tuple[str, str], tuple[int, float, list[int]]] = {}

    def col(self, key: object, cost: float = 0.0, co2: float = 0.0, ub: float = INF) -> None:
        self.cols[key] = len(self.cost)
        self.cost.append(cost)
        self.co2.append(co2)
        self.lower.append(0.0)
        self.upper.append(ub)

    def row(self, terms: list[tuple[object, float]], lo: float, hi: float) -> None:
        r = len(self.row_lower)
        for key, v in terms:
            self.rows.append(r)
            self.idx.append(self.cols[key])
            self.val.append(v)
        self.row_lower.append(lo)
        self.row_upper.append(hi)

    def lp(self) -> FloorLP:
        shape = (len(self.row_lower), len(self.cost))
        a = sp.csr_matrix((self.val, (self.rows, self.idx)), shape=shape)  # sums duplicates
        f = np.array
        return FloorLP(
            f(self.cost), f(self.co2), f(self.lower), f(self.upper), a,
            f(self.row_lower), f(self.row_upper), self.targets,
        )  # fmt: skip


def build_floor(inp: ModelInputs) -> FloorLP:
    """The LP of ``build_model(inp)`` with the tie-break's objective beside its cost."""
    b = _Builder()
    gen, cap, emax = inp.generation_10kt, inp.capacity_10kt, inp.expansion_max_10kt
    tc, em, price = (
        inp.transport_cost_cny_per_tkm,
        inp.emission_t_per_tkm,
        inp.carbon_price_cny_per_t,
    )
    plants = {k for k, v in cap.items() if v > 0} | set(emax)
    hauled, on_site_of = defaultdict(list), defaultdict(list)
    for w, p in sorted(k for k in inp.share_max if k[1] in inp.pathways):
        (on_site_of if (w, p) in inp.on_site_km else hauled)[w].append(p)
    accepts = {
        (w, j) for w in inp.streams for j in inp.nodes for p in hauled[w] if (j, p) in plants
    }
    rev_steps, exp_steps = inp.revenue_tranches, inp.expansion_tranches
    first = rev_steps[0][1] if rev_steps else 1.0

    out, into, uses, site, intake = (defaultdict(list) for _ in range(5))
    for i, j, mode in inp.arcs:  # hauls
        road, along = inp.leg_km.get((i, j, mode)) or (
            (inp.distance_km[i, j], 0.0) if mode == "road" else (0.0, inp.distance_km[i, j])
        )
        co2 = em[mode] * along + em["road"] * road
        unit = inp.handling_cny_per_t[mode] + tc[mode] * along + tc["road"] * road + price * co2
        for w in inp.streams:
            if (w, i) in gen and (w, j) in accepts:
                b.col(("haul", w, i, j, mode), unit, co2)
                out[w, i].append(("haul", w, i, j, mode))
                into[w, j].append(("haul", w, i, j, mode))
    processes = {(w, j, p) for (w, j) in into for p in hauled[w] if (j, p) in plants}
    on_site = {(w, i, p) for (w, i) in gen for p in on_site_of[w] if (i, p) in plants}
    for w, j, p in sorted(processes | on_site):  # processing
        km = inp.on_site_km.get((w, p), 0.0) if (w, j, p) in on_site else 0.0
        co2 = em["road"] * km - inp.avoided_co2_t_per_t[w, p]
        unit = tc["road"] * km + inp.opex_cny_per_t[p] - inp.revenue_cny_per_t[w, p] * first
        lo = inp.use_floor_10kt.get((w, j, p), 0.0)
        b.col(("z", w, j, p), unit + price * co2, co2)
        b.lower[-1] = max(lo, 0.0)
        (site[w, j] if (w, j, p) in on_site else uses[w, j]).append(("z", w, j, p))
        intake[j, p].append(("z", w, j, p))
        for k, (_, factor) in list(enumerate(rev_steps, start=1))[1:]:
            b.col(("v", w, j, p, k), inp.revenue_cny_per_t[w, p] * (first - factor))
    for w, i in gen:
        b.col(("s", w, i), inp.storage_cost_cny_per_t[w] + inp.levy_cny_per_t[w])
    draw = {i: v for i, v in inp.drawdown_max_10kt.items() if v > 0 and i in inp.nodes}
    for w, i in gen:
        if i in draw:
            b.col(("x", w, i))
    for j, p in emax:  # expansion, in tranches or at one price
        capex = inp.capex_cny_per_t_yr[p]
        b.col(("e", j, p), 0.0 if exp_steps else capex, ub=emax[j, p])
        for k, (width, factor) in enumerate(exp_steps, start=1):
            b.col(("e", j, p, k), factor * capex, ub=width * emax[j, p])
        if exp_steps:
            b.row(
                [(("e", j, p), 1.0)]
                + [(("e", j, p, k), -1.0) for k in range(1, len(exp_steps) + 1)],
                0,
                0,
            )
    targets = [
        k
        for k in inp.target_rate
        if any(inp.node_region[i] == k[0] for (w, i) in gen if w in inp.group_streams[k[1]])
    ]
    if inp.elastic_targets:
        for t in targets:
            b.col(("u", *t), inp.penalty_cny_per_t)

    def used(w: str, i: str) -> list[tuple[object, float]]:
        return [(k, 1.0) for k in out[w, i] + site[w, i]]

    for i, limit in draw.items():
        b.row([(("x", w, n), 1.0) for (w, n) in gen if n == i], -INF, limit)
    for w, i in gen:
        x = [(("x", w, i), -1.0)] if i in draw else []
        b.row([*used(w, i), (("s", w, i), 1.0), *x], gen[w, i], gen[w, i])
    for w, j in set(into) | set(uses):
        b.row([(k, 1.0) for k in into[w, j]] + [(k, -1.0) for k in uses[w, j]], 0, 0)
    for (j, p), zs in intake.items():
        e = [(("e", j, p), -1.0)] if (j, p) in emax else []
        b.row([(k, 1.0) for k in zs] + e, -INF, cap.get((j, p), 0.0))
        for _, w, _, _ in zs:
            share = inp.share_max[w, p]
            if share < 1.0:
                b.row([(("z", w, j, p), 1.0)] + [(k, -share) for k in zs], -INF, 0.0)
        if len(rev_steps) > 1:
            upper = range(2, len(rev_steps) + 1)
            vs = [(("v", *k[1:], s), -1.0) for k in zs for s in upper]
            b.row([(k, 1.0) for k in zs] + vs, -INF, rev_steps[0][0] * cap.get((j, p), 0.0))
            for s in upper[:-1]:
                if rev_steps[s - 1][0] is not None:
                    width = rev_steps[s - 1][0] * cap.get((j, p), 0.0)
                    b.row([(("v", *k[1:], s), 1.0) for k in zs], -INF, width)
            for k in zs:
                b.row([(("v", *k[1:], s), 1.0) for s in upper] + [(k, -1.0)], -INF, 0.0)
        floor = inp.intake_floor_10kt.get((j, p), 0.0)
        if floor > 0:
            b.row([(k, 1.0) for k in zs], floor, INF)
    for r, g in targets:
        rate, terms, base = inp.target_rate[r, g], [], 0.0
        for w, i in gen:
            if w in inp.group_streams[g] and inp.node_region[i] == r:
                terms += used(w, i) + ([(("x", w, i), -rate)] if i in draw else [])
                base += gen[w, i]
        slack = [(("u", r, g), 1.0)] if inp.elastic_targets else []
        draws = [b.cols[k] for k, _ in terms if k[0] == "x"]  # type: ignore[index]
        b.targets[r, g] = (len(b.row_lower), base, draws)
        b.row(terms + slack, rate * base, INF)
    for (w, i), rate in inp.floor_rate.items():
        if rate > 0 and (w, i) in gen and used(w, i):
            b.row(used(w, i), rate * gen[w, i], INF)
    for (r, s), limit in inp.flow_max_10kt.items():
        hauls = [
            (k, 1.0)
            for k in b.cols
            if k[0] == "haul" and inp.node_region[k[2]] == r and inp.node_region[k[3]] == s
        ]  # type: ignore[index]
        if hauls:
            b.row(hauls, -INF, limit)
    return b.lp()


@dataclass
class FloorResult:
    objective_10k_cny: float
    net_co2_least_10kt: float | None
    net_co2_most_10kt: float | None
    solve_s: float
    tie_break_s: float


class FloorSolver:
    """The floor LP in a live HiGHS, with the cost-cap row of the tie-break added (inactive)."""

    def __init__(self, lp: FloorLP, threads: int | None = None) -> None:
        self.lp = lp
        self.h = h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        if threads is not None:
            h.setOptionValue("threads", threads)
        a = lp.matrix.tocsc()
        # filled here, not by model.core.highs.lp_of: that module imports Pyomo, which
        # the floor must not pay for (its import time and memory are measured)
        model = highspy.HighsLp()
        model.num_col_, model.num_row_ = a.shape[1], a.shape[0]
        model.col_cost_, model.col_lower_, model.col_upper_ = lp.cost, lp.lower, lp.upper
        model.row_lower_, model.row_upper_ = lp.row_lower, lp.row_upper
        model.a_matrix_.start_, model.a_matrix_.index_, model.a_matrix_.value_ = (
            a.indptr, a.indices, a.data,
        )  # fmt: skip
        h.passModel(model)
        nz = np.flatnonzero(lp.cost)
        h.addRow(-INF, INF, len(nz), nz.astype(np.int32), lp.cost[nz])
        self.cap_row = a.shape[0]
        self.all_cols = np.arange(a.shape[1], dtype=np.int32)

    def set_target(self, key: tuple[str, str], rate: float) -> None:
        row, base, draws = self.lp.targets[key]
        self.h.changeRowBounds(row, rate * base, INF)
        for c in draws:
            self.h.changeCoeff(row, c, -rate)

    def solve(self, co2_range: bool = True) -> FloorResult:
        """Least cost; then, with cost capped at the optimum, most and least net CO2 (warm)."""
        h, lp, n = self.h, self.lp, len(self.all_cols)
        start = time.perf_counter()
        h.changeRowBounds(self.cap_row, -INF, INF)
        h.changeColsCost(n, self.all_cols, lp.cost)
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"floor: {h.modelStatusToString(h.getModelStatus())}")
        z = h.getInfo().objective_function_value
        solve_s = time.perf_counter() - start
        start = time.perf_counter()
        h.changeRowBounds(self.cap_row, -INF, z + 1e-9 * abs(z) + 1e-6)
        h.changeColsCost(n, self.all_cols, lp.co2)
        values = []
        senses = [highspy.ObjSense.kMaximize] if co2_range else []
        for sense in [*senses, highspy.ObjSense.kMinimize]:
            h.changeObjectiveSense(sense)
            h.run()
            ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
            values.append(h.getInfo().objective_function_value if ok else None)
        most = values[0] if co2_range else None
        return FloorResult(z, values[-1], most, solve_s, time.perf_counter() - start)
