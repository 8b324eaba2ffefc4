"""A study's table does not depend on the order its points are solved in.

Where several allocations share the least cost (the CO2-capped points of the
cost-CO2 front are such), which one HiGHS returns depends on the basis it starts
from. Each worker anchors its model at the base scenario's optimum
(``Solver.anchor``) and starts every point there, so two workers, or a resumed
study, give the same rows as one worker in order.
"""

from __future__ import annotations

from typing import Any

from model.studies.design import load_study
from model.studies.engine import Worker
from tests.conftest import RUNS


def _rows(order: list[int]) -> dict[int, tuple[dict[str, Any], Any]]:
    study = load_study(RUNS / "study-co2-front.toml")
    worker = Worker(study)
    out = {}
    for i in order:
        outcome = worker.point(i)
        out[i] = (outcome.record, outcome.allocation)
    return out


def test_points_solved_in_reverse_give_the_same_rows_and_allocations() -> None:
    n = len(load_study(RUNS / "study-co2-front.toml").points)
    forward = _rows(list(range(n)))
    backward = _rows(list(reversed(range(n))))
    assert {r["status"] for r, _ in forward.values()} >= {"optimal"}
    for i in range(n):
        assert forward[i][0] == backward[i][0], f"point {i}"
        if forward[i][1] is not None:
            assert forward[i][1].equals(backward[i][1]), f"allocation of point {i}"
