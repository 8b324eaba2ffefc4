"""Benchmark of studies: re-solving a built model against rebuilding it, and workers.

    python bench/studies.py [--points 1000] [--rebuilds 5] [--resolution province]

1. Per point: build the model afresh and solve it (``--rebuilds`` times) against
   change a parameter on one built model and re-solve from the warm basis, as a
   study's worker does; printed as the ratio rebuild / re-solve.
2. Throughput of a ``--points``-point study (a grid over carbon price, freight
   rates and the bulk-waste target) on 1 worker and on every core; printed as
   points/s and the speed-up. The start of the worker processes (each builds the
   model once) is included: it is what a user waits for.

Seconds are printed for context; the ratios are what compares across machines.
Results: bench/results/studies.json (ignored by git).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from model.core.config import load_scenario
from model.core.inputs import prepare
from model.core.solve import Solver
from model.data.tables import load_dataset
from model.studies.design import Study
from model.studies.engine import Outcome, default_workers, execute

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = {
    "province": "runs/target-2025.toml",
    "prefecture": "runs/target-2025-prefecture.toml",
}


def grid(points: int) -> list[dict[str, float]]:
    """About ``points`` points: carbon price x freight rates x bulk-waste target."""
    side = max(2, round(points ** (1 / 3)))
    prices = np.linspace(0, 200, side)
    scales = np.linspace(0.7, 1.3, side)
    rates = np.linspace(0.55, 0.62, side)
    combos = [
        {"carbon_price": float(p), "transport_cost_scale": float(s), "target.bulk": float(r)}
        for p in prices
        for s in scales
        for r in rates
    ]
    return combos[:points]


def per_point(resolution: str, rebuilds: int) -> dict[str, float]:
    scenario = load_scenario(ROOT / SCENARIOS[resolution])
    dataset = load_dataset(scenario.data, scenario.resolution)
    fresh = []
    for i in range(rebuilds):
        start = time.perf_counter()
        priced = scenario.model_copy(
            update={"prices": scenario.prices.model_copy(update={"carbon_cny_per_t": 10.0 * i})}
        )
        Solver.for_scenario(prepare(dataset, priced), priced).solve()
        fresh.append(time.perf_counter() - start)
    solver = Solver.for_scenario(prepare(dataset, scenario), scenario)
    solver.solve()
    warm = []
    for i in range(max(rebuilds, 10)):
        start = time.perf_counter()
        solver.model.carbon_price_cny_per_t = 10.0 * (i + 1)
        solver.solve()
        warm.append(time.perf_counter() - start)
    return {"rebuild_s": statistics.median(fresh), "resolve_s": statistics.median(warm)}


def throughput(resolution: str, points: int, workers: int) -> dict[str, float]:
    scenario = load_scenario(ROOT / SCENARIOS[resolution])
    dataset = load_dataset(scenario.data, scenario.resolution)
    from model.studies.levers import with_targets

    scenario = with_targets(scenario, {"target.bulk": 0.57}, list(dataset["regions"].index))
    design = grid(points)
    study = Study(
        name="bench",
        description="",
        kind="grid",
        scenario=scenario,
        params=tuple(design[0]),
        points=design,
        data_hashes=dict(dataset.hashes),
    )
    done: list[str] = []

    def keep(outcome: Outcome) -> None:
        done.append(str(outcome.record["status"]))

    start = time.perf_counter()
    execute(study, range(len(design)), keep, workers=workers, dataset=dataset)
    seconds = time.perf_counter() - start
    return {
        "points": len(design),
        "workers": workers,
        "seconds": seconds,
        "points_per_s": len(design) / seconds,
        "optimal": done.count("optimal"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--rebuilds", type=int, default=5)
    parser.add_argument("--resolution", choices=sorted(SCENARIOS), default="province")
    args = parser.parse_args()
    cores = default_workers()
    point = per_point(args.resolution, args.rebuilds)
    print(
        f"{args.resolution}, one point: rebuild and solve {point['rebuild_s']:.2f} s, "
        f"re-solve {point['resolve_s']:.2f} s: re-solving is "
        f"{point['rebuild_s'] / point['resolve_s']:.1f}x faster"
    )
    one = throughput(args.resolution, args.points, 1)
    every = throughput(args.resolution, args.points, cores)
    for r in (one, every):
        print(
            f"{r['points']} points on {r['workers']} worker(s): {r['seconds']:.1f} s, "
            f"{r['points_per_s']:.2f} points/s ({r['optimal']} optimal)"
        )
    print(f"speed-up on {cores} cores: {every['points_per_s'] / one['points_per_s']:.2f}x")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    report = {"per_point": point, "one_worker": one, "all_cores": every, "cores": cores}
    (out / "studies.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
