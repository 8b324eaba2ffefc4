"""Studies on a multi-year scenario: the path's LP built once and re-solved point after point.

A study lever (a target rate, the carbon price, a scale, a data factor, the CO2
cap) is a mutable parameter of the one-year model; on a path it is set in every
period's block (:func:`blocks`), so a point is the scenario with the lever set in
every model year. A target lever moves the target in the years it is in force
(a target held back before its year stays absent). The CO2 cap is a cap per year
in each period (Mt/yr, as in one year). Perfect foresight only: a myopic run
solves one LP per period in turn, which a persistent solver cannot re-solve.

What a point records: :func:`model.studies.path_points.path_outcomes`.
"""

from __future__ import annotations

from typing import Any

import pyomo.core as pyo

from model.core.config import Scenario
from model.core.pathway.build import build_path_model
from model.core.pathway.periods import build_path
from model.core.pathway.solve import PathSolver
from model.data.tables import Dataset
from model.errors import ScenarioError


def path_solver(dataset: Dataset, scenario: Scenario, add_cap: Any = None) -> PathSolver:
    """The built LP of a ``[path]`` scenario with its solver; ``add_cap`` (a function of a
    model block) adds the study's CO2 cap to every period."""
    assert scenario.path is not None
    if scenario.path.foresight != "perfect":
        raise ScenarioError(
            f"scenario {scenario.name!r}: [path] foresight = {scenario.path.foresight!r}: studies "
            'on a multi-year scenario re-solve one LP over all periods; set foresight = "perfect" '
            "(the myopic run solves one LP per period in turn)"
        )
    path = build_path(dataset, scenario)
    model = build_path_model(path)
    if add_cap is not None:
        for block in blocks(model):
            add_cap(block)
    return PathSolver(model, scenario)


def blocks(model: pyo.ConcreteModel) -> list[Any]:
    """The one-year models a lever is set in: each period's block of a path, else the model."""
    if hasattr(model, "PERIODS") and hasattr(model, "period"):
        return [model.period[y] for y in model.PERIODS]
    return [model]
