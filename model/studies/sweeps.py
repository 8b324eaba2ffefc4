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
  constraint (:func:`add_co2_cap`): the cost-CO2 front.

The points run through :mod:`model.studies.engine`, one after the other by
default (``workers`` > 1: in parallel processes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import pyomo.environ as pyo

from model.core.config import Scenario
from model.core.results import collect
from model.core.solve import Solution
from model.data.tables import Dataset, load_dataset
from model.errors import Interrupted, ScenarioError
from model.studies.design import Study

SCALES = ("transport_cost_scale", "capacity_scale", "storage_cost_scale")


@dataclass(frozen=True)
class SweepSpec:
    """What to change: a parameter name as given by the user, parsed."""

    name: str
    kind: str  # "target", "carbon_price" or one of SCALES
    region: str | None = None
    group: str | None = None


def parse_param(name: str, dataset: Dataset) -> SweepSpec:
    regions = list(dataset["regions"].index)
    groups = sorted(set(dataset["target_groups"]["group"]))
    parts = name.split(".")
    if parts[0] == "target" and len(parts) in (2, 3):
        group = parts[-1]
        region = parts[1] if len(parts) == 3 else None
        if group not in groups:
            raise ScenarioError(f"sweep {name}: unknown group {group!r} ({', '.join(groups)})")
        if region is not None and region not in regions:
            raise ScenarioError(f"sweep {name}: unknown region {region!r} ({', '.join(regions)})")
        return SweepSpec(name, "target", region, group)
    if name in ("carbon_price", "co2_cap_mt") or name in SCALES:
        return SweepSpec(name, name)
    raise ScenarioError(
        f"sweep parameter {name!r}: expected target.GROUP, target.REGION.GROUP, "
        f"carbon_price, co2_cap_mt, {', '.join(SCALES)}"
    )


def with_targets(scenario: Scenario, first: dict[str, float], regions: list[str]) -> Scenario:
    """The scenario with every swept target present (so its constraint is built).

    A target the scenario does not have is added at the parameter's first value;
    the points then set it.
    """
    by_region = {r: dict(v) for r, v in scenario.targets.regions.items()}
    for name, rate in first.items():
        parts = name.split(".")
        if parts[0] != "target":
            continue
        group, region = parts[-1], (parts[1] if len(parts) == 3 else None)
        for r in [region] if region else regions:
            have = by_region.get(r, {})
            if group not in have and group not in scenario.targets.rates:
                by_region.setdefault(r, {})[group] = rate
    if by_region == scenario.targets.regions:
        return scenario
    targets = scenario.targets.model_copy(update={"regions": by_region})
    return scenario.model_copy(update={"targets": targets})


NO_CAP = 1e15
"""The right-hand side of the CO2 cap when there is none (10^4 t, far above any emission)."""


def add_co2_cap(model: pyo.ConcreteModel) -> None:
    """A cap on net CO2, built once and moved by a mutable right-hand side.

        transport_co2 - avoided_co2 <= co2_cap    (10^4 t CO2/yr)

    Added before the first solve, so the persistent solver holds it from the start.
    """
    model.study_co2_cap_10kt = pyo.Param(initialize=NO_CAP, mutable=True)
    model.study_co2_cap = pyo.Constraint(
        expr=model.transport_co2_10kt - model.avoided_co2_10kt <= model.study_co2_cap_10kt
    )


def setter(spec: SweepSpec, model: pyo.ConcreteModel) -> Callable[[float | None], None]:
    """A function that puts one value into the built model; None restores the scenario's own."""
    if spec.kind == "co2_cap_mt":

        def set_cap(value: float | None) -> None:
            model.study_co2_cap_10kt = NO_CAP if value is None else value * 100.0

        return set_cap
    if spec.kind == "target":
        keys = [k for k in model.TARGETS if k[1] == spec.group and spec.region in (None, k[0])]
        if not keys:
            raise ScenarioError(f"sweep {spec.name}: no waste of that group in that region")
        own = {k: pyo.value(model.target_rate[k]) for k in keys}

        def set_target(value: float | None) -> None:
            for k in keys:
                model.target_rate[k] = own[k] if value is None else value

        return set_target
    if spec.kind == "carbon_price":
        price = pyo.value(model.carbon_price_cny_per_t)

        def set_price(value: float | None) -> None:
            model.carbon_price_cny_per_t = price if value is None else value

        return set_price
    component = {
        "transport_cost_scale": model.transport_cost_cny_per_tkm,
        "capacity_scale": model.capacity_10kt,
        "storage_cost_scale": model.storage_cost_cny_per_t,
    }[spec.kind]
    base = {k: pyo.value(component[k]) for k in component}

    def set_scale(value: float | None) -> None:
        for k, v in base.items():
            component[k] = v * (1.0 if value is None else value)

    return set_scale


def outcomes(solution: Solution) -> dict[str, float]:
    """What a sweep or a sensitivity run records of one solve.

    Total cost, the utilization rate of every region and target group, the shadow
    price of every target (CNY per t) and net CO2.
    """
    results = collect(solution)
    row = {"objective_10k_cny": solution.objective_10k_cny}
    util = results.utilization
    for _, u in util[util["level"] == "region"].iterrows():
        row[f"rate_{u['area']}_{u['group']}"] = float(u["rate"])
    prices = results.shadow_prices
    for _, p in prices[prices["constraint"] == "target"].iterrows():
        row[f"shadow_{p['region']}_{p['group']}_cny_per_t"] = float(p["shadow_price"])
    row["net_co2_10kt"] = float(results.emissions.set_index("component").loc["net", "co2_10kt"])
    return row


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
    from model.studies.engine import Outcome, execute

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
