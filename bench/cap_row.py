"""Where HiGHS's distance to the floor comes from at scale: the tie-break's cost-cap row.

For the least-cost solve the cap row of the CO2 tie-break (``tie_cost_cap``:
total cost <= ``tie_cost_rhs``) stays in the LP with an upper bound of 1e15,
far above any cost but finite. It is a dense row (every column with a cost),
and HiGHS's presolve keeps a row with a finite bound, so every factorization
carries it. The floor (bench/floor.py) adds the same row free (no bounds) for
that solve, and presolve drops it.

This script solves, in one process and in turn, the first (least-cost) LP of a
SYNTHETIC instance three ways: the floor's LP; wastealloc's compiled LP as
``wastealloc solve`` passes it; and the same compiled LP with the cap row made
free. It reports seconds, simplex iterations and the size after presolve, to
``bench/results/cap_row.json``.

Why wastealloc keeps the finite bound for now: with the free row HiGHS takes
another path and, where the optimum is degenerate, returns another optimal
allocation and other (equally valid) duals of non-binding-in-price rows. The
shipped scenarios' objectives and target prices are unchanged, but their flow
and price tables are not byte-identical (issue 12, item 5). See
bench/results/README.md.

    python bench/cap_row.py            169 and 507 nodes
    python bench/cap_row.py 1 3 6      copies of the 169 prefectures
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import highspy
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.floor import build_floor  # noqa: E402
from bench.run import CASES, OUT, inputs_for, machine  # noqa: E402
from model.core.highs import lp_of  # noqa: E402
from model.core.solve import Solver  # noqa: E402


def first_solve(name: str, a: Any, cost: np.ndarray, bounds: tuple[np.ndarray, ...]) -> dict:
    """One least-cost solve from scratch: seconds, iterations, objective, size after presolve."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp_of(a, cost, bounds))
    start = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - start
    info = h.getInfo()
    h.clearSolver()
    h.presolve()
    reduced = h.getPresolvedLp()
    return {
        "lp": name,
        "rows": a.shape[0],
        "columns": a.shape[1],
        "nonzeros": int(a.nnz),
        "presolved": [reduced.num_row_, reduced.num_col_, len(reduced.a_matrix_.value_)],
        "seconds": round(seconds, 2),
        "iterations": int(info.simplex_iteration_count),
        "objective": float(info.objective_function_value),
    }


def compare(copies: int) -> list[dict]:
    scenario, inputs = inputs_for(CASES["prefecture"][0], None, copies)
    floor = build_floor(inputs)
    out = [
        first_solve(
            "floor (cap row left out)",
            floor.matrix,
            floor.cost,
            (floor.lower, floor.upper, floor.row_lower, floor.row_upper),
        )
    ]
    solver = Solver.for_scenario(inputs, scenario, co2_range=True)
    lp, _ = solver._translate()
    cap = lp.row_of[id(solver.model.tie_cost_cap)]
    free = lp.row_upper.copy()
    free[cap] = np.inf
    cost = lp.cost["cost"]
    for name, upper in (
        ("wastealloc (cap row <= 1e15)", lp.row_upper),
        ("wastealloc, cap row free", free),
    ):
        out.append(first_solve(name, lp.A, cost, (lp.col_lower, lp.col_upper, lp.row_lower, upper)))
    for r in out:
        r["nodes"] = 169 * copies
        print(json.dumps(r), flush=True)
    return out


def main() -> None:
    copies = [int(c) for c in sys.argv[1:]] or [1, 3]
    rows = [r for c in copies for r in compare(c)]
    OUT.mkdir(parents=True, exist_ok=True)
    path = Path(os.environ.get("BENCH_OUT", OUT)) / "cap_row.json"
    path.write_text(json.dumps({"machine": machine(), "runs": rows}, indent=2) + "\n", "utf-8")
    print(f"written {path}")


if __name__ == "__main__":
    main()
