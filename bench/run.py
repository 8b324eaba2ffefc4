"""Benchmarks: how model size and time grow from the province to the prefecture resolution.

Run with `make bench`. Each case is built and solved REPEAT times; the median
build and solve times are reported as ratios against the province baseline
measured in the same run, so the numbers compare across machines. Absolute
seconds are printed for context only and never asserted anywhere.
Results: bench/results/bench.json (ignored by git).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from model.core.config import load_scenario
from model.core.inputs import prepare
from model.core.solve import Solver
from model.data.tables import load_dataset

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "province baseline": "runs/baseline.toml",
    "province 2025 targets": "runs/target-2025.toml",
    "prefecture baseline": "runs/baseline-prefecture.toml",
    "prefecture 2025 targets": "runs/target-2025-prefecture.toml",
}
REPEAT = 3


def measure(path: str) -> dict[str, float]:
    scenario = load_scenario(ROOT / path)
    inputs = prepare(load_dataset(scenario.data, scenario.resolution), scenario)
    builds, solves = [], []
    for _ in range(REPEAT):
        start = time.perf_counter()
        solver = Solver.for_scenario(inputs, scenario)
        builds.append(time.perf_counter() - start)
        solves.append(solver.solve().solve_seconds)
    return {
        "variables": solver.model.nvariables(),
        "constraints": solver.model.nconstraints(),
        "build_s": statistics.median(builds),
        "solve_s": statistics.median(solves),
    }


def main() -> None:
    results = {name: measure(path) for name, path in CASES.items()}
    ref = results["province baseline"]
    print(f"{'case':26} {'variables':>10} {'build x':>9} {'solve x':>9}   (seconds)")
    for name, r in results.items():
        r["build_ratio"] = r["build_s"] / ref["build_s"]
        r["solve_ratio"] = r["solve_s"] / ref["solve_s"]
        print(
            f"{name:26} {r['variables']:>10,} {r['build_ratio']:>9.1f} {r['solve_ratio']:>9.1f}"
            f"   ({r['build_s']:.2f} + {r['solve_s']:.2f})"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
