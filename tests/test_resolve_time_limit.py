"""The time limit holds for each solve of a re-solved model, not for the model's life.

HiGHS measures ``time_limit`` against the run time of the instance, which adds up
over every run: a study worker that re-solves one instance point after point failed
every point ("time limit reached") once its solves totalled the limit (49 of 100
points of a prefecture study).
"""

from __future__ import annotations

from model.core.config import load_scenario
from model.core.inputs import prepare
from model.core.solve import Solver
from model.data.tables import load_dataset
from tests.conftest import DATA, RUNS


def test_each_re_solve_gets_the_whole_time_limit() -> None:
    scenario = load_scenario(RUNS / "target-2025.toml")
    solver = Solver.for_scenario(prepare(load_dataset(DATA), scenario), scenario)
    limit = scenario.solver.time_limit_s
    solver.solve()
    solver.solve()
    h = solver._h
    assert h is not None
    spent = h.getRunTime()  # the two solves so far (each a least-cost and a least-CO2 run)
    assert spent > 0
    solver.solve()
    _, option = h.getOptionValue("time_limit")
    # the limit HiGHS checks against its added-up run time: at least `limit` beyond the
    # time already spent (it was `limit` itself, so the budget shrank with every solve)
    assert option >= spent + limit
    assert option <= h.getRunTime() + limit
