"""One-parameter sweeps over a built model: change a mutable parameter, re-solve.

The model is built once; each point changes a mutable ``Param`` on it and
re-solves with HiGHS warm-started from the previous basis. Parameters that
change which arcs exist (``max_haul_km``, circuity, modes) cannot be swept this
way and are not offered.

Parameters (``--param``):

- ``target.GROUP`` (every region) or ``target.REGION.GROUP``: target rate, a
  share (0.57). A target the scenario does not have is added at the first value.
- ``carbon_price``: CNY per t CO2.
- ``transport_cost_scale``: multiplier on the scenario's per-t·km freight rates.
- ``capacity_scale``: multiplier on the scenario's existing capacities.
- ``storage_cost_scale``: multiplier on the scenario's storage costs.
- ``co2_cap_mt``: a cap on net CO2 (transport less avoided), Mt/yr, added as a
  constraint (:func:`model.studies.levers.add_co2_cap`): the cost-CO2 front.

The points run through :mod:`model.studies.engine`, one after the other by
default (``workers`` > 1: in parallel processes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from model.core.config import Scenario
from model.data.tables import Dataset, load_dataset
from model.errors import Interrupted, ScenarioError
from model.studies.design import Study
from model.studies.engine import Outcome, execute
from model.studies.levers import parse_param, with_targets


def sweep_study(scenario: Scenario, param: str, values: Sequence[float], dataset: Dataset) -> Study:
    """The sweep as a study of one parameter (the engine's points, in the given order)."""
    spec = parse_param(param, dataset)
    scenario = with_targets(scenario, {param: values[0]}, list(dataset["regions"].index))
    return Study(
        name=f"{scenario.name}-sweep-{param}",
        description="",
        kind="sweep",
        scenario=scenario,
        params=(spec.name,),
        points=[{param: float(v)} for v in values],
        data_hashes=dict(dataset.hashes),
    )


def sweep(
    scenario: Scenario,
    param: str,
    values: Sequence[float],
    dataset: Dataset | None = None,
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Solve the scenario at each value of one parameter; one row per value.

    Columns: the value, status (and the reason in words when not optimal), total
    cost, cost relative to the first feasible point, utilization rate of every
    region and target group, the shadow price of every target (CNY per t), and
    net CO2. Ctrl-C raises :class:`Interrupted` with the finished rows.
    """
    if not values:
        raise ScenarioError(f"sweep {param}: no values given")
    dataset = dataset if dataset is not None else load_dataset(scenario.data, scenario.resolution)
    study = sweep_study(scenario, param, values, dataset)
    rows: dict[int, dict[str, object]] = {}

    def keep(outcome: Outcome) -> None:
        record = dict(outcome.record)
        value = record.pop(param)
        rows[outcome.index] = {"parameter": param, "value": value, **record}
        if progress is not None:
            progress(len(rows))

    try:
        execute(study, range(len(values)), keep, workers=workers, dataset=dataset)
    except KeyboardInterrupt:  # keep the finished points
        raise Interrupted(_table(rows), len(rows), len(values)) from None
    return _table(rows)


def _table(rows: dict[int, dict[str, object]]) -> pd.DataFrame:
    """The sweep's rows in order, with the cost change against the first feasible point."""
    table = pd.DataFrame([rows[i] for i in sorted(rows)])
    table = table.drop(columns=["point", "carbon_cost_10k_cny"], errors="ignore")
    if "objective_10k_cny" in table:
        feasible = table["objective_10k_cny"].dropna()
        if not feasible.empty:
            where = table.columns.get_loc("objective_10k_cny") + 1
            table.insert(
                where, "cost_change_10k_cny", table["objective_10k_cny"] - feasible.iloc[0]
            )
    return table
