"""Benchmarks: wastealloc against a floor built in the same run (issue 12).

The floor (bench/floor.py) is the same LP written straight from the data with
numpy/scipy and solved by highspy with the same three solves. Every case runs
in its own subprocess, one per measurement, floor and wastealloc interleaved,
so that neither memory nor caches carry over; medians of the repeats are
reported, with wastealloc's time and peak memory as ratios to the floor's,
stage by stage. The floor doubles as a check: same objective to 1e-9.

    python bench/run.py            province, prefecture, a 100-point sweep, synthetic series
    python bench/run.py --quick    fewer repeats and a shorter series
    python bench/run.py --all-pairs  adds prefecture with hauls up to 3,000 km

Results: bench/results/bench.json, bench.md and scaling.png, with the machine.
Seconds are for context; the ratios are what compares across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "results"))
CASES = {
    "province": ("runs/target-2025.toml", None, 1),
    "prefecture": ("runs/target-2025-prefecture.toml", None, 1),
    "prefecture all pairs": ("runs/target-2025-prefecture.toml", 3000.0, 1),
    "province sweep (100 points)": ("runs/target-2025.toml", None, 1),
}
SERIES = (1, 3, 6, 12)  # copies of the 169 prefectures: SYNTHETIC 169, 507, 1,014, 2,028 nodes
STAGES = ("import", "load", "build", "translate", "solve", "tie_break", "results", "write")


def inputs_for(path: str, max_km: float | None, copies: int) -> tuple[Any, Any]:
    """Scenario and ModelInputs; copies > 1 makes a SYNTHETIC instance (see ``synthetic``)."""
    from dataclasses import replace

    from model.core.config import load_scenario
    from model.core.inputs import prepare
    from model.data.tables import load_dataset

    scenario = load_scenario(ROOT / path)
    # no time limit, as the floor has none (the shipped 600 s stops 2,028 nodes)
    solver = scenario.solver.model_copy(update={"time_limit_s": 86_400.0})
    scenario = scenario.model_copy(update={"solver": solver})
    if max_km is not None:
        transport = scenario.transport.model_copy(update={"max_haul_km": max_km})
        scenario = scenario.model_copy(update={"transport": transport})
    inputs = prepare(load_dataset(scenario.data, scenario.resolution), scenario)
    if copies > 1:
        inputs = synthetic(inputs, copies)
    return scenario, replace(inputs, notes=())


def synthetic(inp: Any, copies: int, step_km: float = 60.0) -> Any:
    """SYNTHETIC: each node repeated ``copies`` times, copy c displaced c x step_km.

    Amounts and capacities are divided among the copies, so totals and target
    rates are those of the data; arcs keep the scenario's reach (an arc exists
    where the displaced distance is within the longest arc of the data).
    """
    from dataclasses import replace

    reach = max(inp.distance_km[i, j] for i, j, _ in inp.arcs)

    def name(n: str, c: int) -> str:
        return f"{n}~{c}"

    nodes = tuple(name(n, c) for n in inp.nodes for c in range(copies))
    dist, arcs = {}, []
    for i, j, mode in inp.arcs:
        for c in range(copies):
            for d in range(copies):
                km = inp.distance_km[i, j] + step_km * abs(c - d)
                if km <= reach:
                    dist[name(i, c), name(j, d)] = km
                    arcs.append((name(i, c), name(j, d), mode))

    def split(table: dict, at: int) -> dict:
        out = {}
        for key, v in table.items():
            for c in range(copies):
                k = list(key)
                k[at] = name(k[at], c)
                out[tuple(k)] = v / copies
        return out

    return replace(
        inp,
        nodes=nodes,
        node_region={name(n, c): r for n, r in inp.node_region.items() for c in range(copies)},
        generation_10kt=split(inp.generation_10kt, 1),
        capacity_10kt=split(inp.capacity_10kt, 0),
        expansion_max_10kt=split(inp.expansion_max_10kt, 0),
        distance_km=dist,
        arcs=tuple(arcs),
        leg_km={},
        floor_rate={
            (w, name(i, c)): v for (w, i), v in inp.floor_rate.items() for c in range(copies)
        },
        use_floor_10kt=split(inp.use_floor_10kt, 1),
        intake_floor_10kt=split(inp.intake_floor_10kt, 0),
        drawdown_max_10kt={
            name(i, c): v / copies
            for i, v in inp.drawdown_max_10kt.items()
            for c in range(copies)
        },
    )  # fmt: skip


def record(solution: Any) -> dict[str, Any]:
    """A study point's row, as a study's worker records it (``engine.point_row``); for
    code before issue 12's second part (``BENCH_CODE``), as it recorded it then."""
    try:
        from model.studies.engine import point_row
    except ImportError:
        from model.studies.levers import outcomes

        row = outcomes(solution)
        row["carbon_cost_10k_cny"] = float(solution.model.carbon_cost.expr())
        return row  # type: ignore[no-any-return]
    return point_row(solution)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def one(kind: str, case: str, copies: int) -> dict[str, Any]:
    """One measurement in this process: stage seconds, peak memory, objective."""
    t: dict[str, float] = {}
    start = time.perf_counter()
    if kind == "floor":
        import highspy  # noqa: F401
        import numpy  # noqa: F401
        import scipy.sparse  # noqa: F401

        from bench.floor import FloorSolver, build_floor
    else:
        from model.core.results import collect
        from model.core.solve import Solver
    t["import"] = time.perf_counter() - start
    path, max_km, _ = CASES.get(case, (CASES["prefecture"][0], None, 1))
    start = time.perf_counter()
    scenario, inputs = inputs_for(path, max_km, copies)
    t["load"] = time.perf_counter() - start
    start = time.perf_counter()
    sweep = case.startswith("province sweep")
    points = [0.9 + 0.1 * k / 99 for k in range(100)] if sweep else [1.0]
    rates = dict(inputs.target_rate)
    out: dict[str, Any] = {"kind": kind, "case": case, "copies": copies}
    if kind == "floor":
        lp = build_floor(inputs)
        fs = FloorSolver(lp, threads=scenario.solver.threads)
        t["build"] = time.perf_counter() - start
        t["translate"] = 0.0
        t["solve"] = t["tie_break"] = 0.0
        for f in points:
            for key in lp.targets:
                fs.set_target(key, rates[key] * f)
            r = fs.solve(co2_range=True)
            t["solve"] += r.solve_s
            t["tie_break"] += r.tie_break_s
        t["results"] = t["write"] = 0.0
        out.update(objective=r.objective_10k_cny, net_co2=r.net_co2_least_10kt)
        out.update(columns=lp.matrix.shape[1], nonzeros=lp.matrix.nnz)
    else:
        solver = Solver.for_scenario(inputs, scenario, co2_range=True)
        t["build"] = time.perf_counter() - start
        for stage in ("translate", "solve", "tie_break", "results"):
            t[stage] = 0.0
        m = solver.model
        for f in points:
            for key in rates:
                if key in m.target_rate:
                    m.target_rate[key] = rates[key] * f
            wall = time.perf_counter()
            sol = solver.solve()
            wall = time.perf_counter() - wall
            timings = getattr(solver, "timings", None)  # before issue 12: one figure
            for stage in ("translate", "solve", "tie_break"):
                t[stage] += timings.get(stage, 0.0) if timings else 0.0
            if not timings:
                t["solve"] += wall
            start = time.perf_counter()
            if sweep:  # what a study point records (model.studies.engine.Worker._record)
                record(sol)
            else:
                results = collect(sol)
            t["results"] += time.perf_counter() - start
        start = time.perf_counter()
        if not sweep:
            import tempfile

            from model.outputs.folders import write_run

            with tempfile.TemporaryDirectory() as tmp:
                write_run(
                    Path(tmp) / "out",
                    results.tables(),
                    {"scenario": case},
                    kind="solve",
                    owner=case,
                )
        t["write"] = time.perf_counter() - start
        if sweep:
            results = collect(sol)
        emissions = results.emissions.set_index("component")["co2_10kt"]
        # the least cost of the first solve (the reported objective is that of the
        # least-CO2 allocation, which the cost cap lets exceed it by 1e-9 relative)
        least = getattr(solver, "least_cost_10k_cny", sol.objective_10k_cny)
        out.update(objective=least, net_co2=float(emissions["net"]))
        out.update(columns=m.nvariables(), nonzeros=None)
    out["stages"] = t
    out["total_s"] = sum(t.values())
    out["peak_mb"] = peak_mb()
    return out


def measure(kind: str, case: str, copies: int) -> dict[str, Any]:
    """One measurement in a fresh interpreter."""
    cmd = [sys.executable, __file__, "--one", kind, case, str(copies)]
    # BENCH_CODE: measure another checkout's model/ (e.g. the code before a change)
    code = os.environ.get("BENCH_CODE", str(ROOT))
    env = {**os.environ, "PYTHONPATH": f"{code}:{ROOT}"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    if done.returncode != 0:
        return {"kind": kind, "case": case, "copies": copies, "error": done.stderr.strip()[-800:]}
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def machine() -> dict[str, Any]:
    import highspy
    import pyomo

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    h = highspy.Highs
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(mem, 1),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "highs": f"{h().versionMajor()}.{h().versionMinor()}.{h().versionPatch()}",
        "pyomo": pyomo.version.version,
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
    }


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[0]
    first = dict(ok[0])
    first["stages"] = {s: statistics.median(r["stages"][s] for r in ok) for s in ok[0]["stages"]}
    for key in ("total_s", "peak_mb"):
        first[key] = statistics.median(r[key] for r in ok)
    first["repeats"] = len(ok)
    return first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repeats, series to 507 nodes")
    parser.add_argument("--cases", help="only these cases (comma-separated names, e.g. province)")
    parser.add_argument("--all-pairs", action="store_true", help="add prefecture at 3,000 km")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--report", help="only write the report of a measurements.jsonl")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.report:
        runs: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
        for line in Path(args.report).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            runs.setdefault((r["kind"], r["case"], r["copies"]), []).append(r)
        cases = list(dict.fromkeys((case, copies) for _, case, copies in runs))
        report(runs, [c for c in cases if all((k, *c) in runs for k in ("floor", "wastealloc"))])
        return
    if args.one:
        print(json.dumps(one(args.one[0], args.one[1], int(args.one[2]))))
        return
    repeat = args.repeat or (2 if args.quick else 5)
    cases = [(c, 1) for c in CASES if c != "prefecture all pairs" or args.all_pairs]
    series = (1, 2, 3) if args.quick else SERIES
    cases += [(f"SYNTHETIC {169 * k} nodes", k) for k in series]
    if args.cases:
        cases = [(c, k) for c, k in cases if c in args.cases.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)
    log = (OUT / "measurements.jsonl").open("w", encoding="utf-8")  # each run as it ends
    runs = {}
    for rep in range(repeat):
        for case, copies in cases:
            if copies >= 6 and rep >= 1:  # the large synthetic instances once
                continue
            for kind in ("floor", "wastealloc"):
                print(f"repeat {rep + 1}/{repeat}: {case} ({kind})", file=sys.stderr, flush=True)
                runs.setdefault((kind, case, copies), []).append(measure(kind, case, copies))
                log.write(json.dumps(runs[kind, case, copies][-1]) + "\n")
                log.flush()
    report(runs, cases)


def report(
    runs: dict[tuple[str, str, int], list[dict[str, Any]]], cases: list[tuple[str, int]]
) -> None:
    import math

    rows = []
    for case, copies in cases:
        f, w = (
            median_of(runs[("floor", case, copies)]),
            median_of(runs[("wastealloc", case, copies)]),
        )
        row: dict[str, Any] = {"case": case, "floor": f, "wastealloc": w}
        if "error" not in f and "error" not in w:
            rel = abs(w["objective"] - f["objective"]) / max(abs(f["objective"]), 1.0)
            row["objective_rel_diff"] = rel
            row["same_objective"] = rel <= 1e-9
            row["time_ratio"] = w["total_s"] / f["total_s"]
            row["memory_ratio"] = w["peak_mb"] / f["peak_mb"]
        rows.append(row)
    fits = {}
    points = [
        (169 * c, r)
        for (case, c), r in zip(cases, rows, strict=True)
        if case.startswith("SYNTHETIC") and "time_ratio" in r
    ]
    for who in ("floor", "wastealloc"):
        if len(points) >= 2:
            xs = [math.log(n) for n, _ in points]
            ys = [math.log(r[who]["total_s"] - r[who]["stages"]["import"]) for _, r in points]
            mx, my = statistics.mean(xs), statistics.mean(ys)
            fits[who] = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
                (x - mx) ** 2 for x in xs
            )
    OUT.mkdir(parents=True, exist_ok=True)
    facts = machine()
    (OUT / "bench.json").write_text(
        json.dumps(
            {"machine": facts, "cases": rows, "growth_exponent": fits}, indent=2, default=str
        )
        + "\n",
        encoding="utf-8",
    )
    lines = [
        f"Machine: {facts['cores']} cores, {facts['ram_gib']} GiB, Python {facts['python']}, "
        f"HiGHS {facts['highs']}, Pyomo {facts['pyomo']}, load {facts['load_average']}",
        "",
        "| case | columns | same objective | wastealloc s | floor s | time × | memory × (MB) | "
        + " | ".join(STAGES)
        + " |",
        "|---|---|---|---|---|---|---|" + "---|" * len(STAGES),
    ]
    for r in rows:
        w, f = r["wastealloc"], r["floor"]
        if "time_ratio" not in r:
            lines.append(
                f"| {r['case']} | failed: {(w.get('error') or f.get('error', ''))[-120:]!r} |"
            )
            continue
        stage = " | ".join(f"{w['stages'][s]:.2f}/{f['stages'][s]:.2f}" for s in STAGES)
        lines.append(
            f"| {r['case']} | {f['columns']:,} "
            f"| {'yes' if r['same_objective'] else 'NO'} ({r['objective_rel_diff']:.0e}) "
            f"| {w['total_s']:.2f} | {f['total_s']:.2f} | {r['time_ratio']:.2f} "
            f"| {r['memory_ratio']:.2f} ({w['peak_mb']:.0f}/{f['peak_mb']:.0f}) | {stage} |"
        )
    lines += [
        "",
        "Stages: wastealloc/floor seconds (medians). SYNTHETIC cases are made from the "
        "prefecture data (bench/run.py `synthetic`).",
    ]
    if fits:
        lines.append(
            "Growth exponent of time (less import) in nodes, SYNTHETIC series: "
            + ", ".join(f"{k} {v:.2f}" for k, v in fits.items())
        )
    (OUT / "bench.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    plot(points, fits)


def plot(points: list[tuple[int, dict[str, Any]]], fits: dict[str, float]) -> None:
    if not points:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for who in ("floor", "wastealloc"):
        ax.loglog(
            [n for n, _ in points],
            [r[who]["total_s"] for _, r in points],
            "o-",
            label=f"{who} (exponent {fits.get(who, float('nan')):.2f})",
        )
    ax.set_xlabel("nodes (SYNTHETIC, from the prefecture data)")
    ax.set_ylabel("seconds, load to results")
    ax.legend()
    fig.tight_layout()
    fig.savefig(OUT / "scaling.png", dpi=100)


if __name__ == "__main__":
    main()
