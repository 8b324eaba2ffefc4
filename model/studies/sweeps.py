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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import pyomo.environ as pyo

from model.core.config import Scenario
from model.core.inputs import prepare
from model.core.results import collect
from model.core.solve import Solution, Solver
from model.data.tables import Dataset, load_dataset
from model.errors import Interrupted, ScenarioError, SolveError

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
    if name == "carbon_price" or name in SCALES:
        return SweepSpec(name, name)
    raise ScenarioError(
        f"sweep parameter {name!r}: expected target.GROUP, target.REGION.GROUP, "
        f"carbon_price, {', '.join(SCALES)}"
    )


def _with_target(scenario: Scenario, spec: SweepSpec, rate: float, regions: list[str]) -> Scenario:
    """The scenario with the swept target present (so its constraint is built)."""
    by_region = {r: dict(v) for r, v in scenario.targets.regions.items()}
    for region in [spec.region] if spec.region else regions:
        by_region.setdefault(region, {})[str(spec.group)] = rate
    targets = scenario.targets.model_copy(update={"regions": by_region})
    return scenario.model_copy(update={"targets": targets})


def _setter(spec: SweepSpec, model: pyo.ConcreteModel) -> Callable[[float], None]:
    """A function that puts one sweep value into the built model."""
    if spec.kind == "target":
        keys = [k for k in model.TARGETS if k[1] == spec.group and spec.region in (None, k[0])]
        if not keys:
            raise ScenarioError(f"sweep {spec.name}: no waste of that group in that region")

        def set_target(value: float) -> None:
            for k in keys:
                model.target_rate[k] = value

        return set_target
    if spec.kind == "carbon_price":

        def set_price(value: float) -> None:
            model.carbon_price_cny_per_t = value

        return set_price
    component = {
        "transport_cost_scale": model.transport_cost_cny_per_tkm,
        "capacity_scale": model.capacity_10kt,
        "storage_cost_scale": model.storage_cost_cny_per_t,
    }[spec.kind]
    base = {k: pyo.value(component[k]) for k in component}

    def set_scale(value: float) -> None:
        for k, v in base.items():
            component[k] = v * value

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


def sweep(
    scenario: Scenario, param: str, values: Sequence[float], dataset: Dataset | None = None
) -> pd.DataFrame:
    """Solve the scenario at each value of one parameter; one row per value.

    Columns: the value, status, total cost, cost relative to the first feasible
    point, utilization rate of every region and target group, the shadow price
    of every target (CNY per t), and net CO2.
    """
    if not values:
        raise ScenarioError(f"sweep {param}: no values given")
    dataset = dataset if dataset is not None else load_dataset(scenario.data, scenario.resolution)
    spec = parse_param(param, dataset)
    if spec.kind == "target":
        scenario = _with_target(scenario, spec, values[0], list(dataset["regions"].index))
    solver = Solver.for_scenario(prepare(dataset, scenario), scenario)
    put = _setter(spec, solver.model)
    rows: list[dict[str, object]] = []
    try:
        for value in values:
            put(float(value))
            row: dict[str, object] = {"parameter": param, "value": float(value)}
            try:
                solution = solver.solve()
            except SolveError as exc:
                row["status"] = exc.status or "not optimal"
                rows.append(row)
                continue
            row["status"] = "optimal"
            row["tie_break"] = solution.tie_break  # "none" if the least-CO2 solve fell back
            row.update(outcomes(solution))
            rows.append(row)
    except KeyboardInterrupt:  # keep the finished points
        raise Interrupted(_table(rows), len(rows), len(values)) from None
    return _table(rows)


def _table(rows: list[dict[str, object]]) -> pd.DataFrame:
    """The sweep's rows, with the cost change against the first feasible point."""
    table = pd.DataFrame(rows)
    if "objective_10k_cny" in table:
        feasible = table["objective_10k_cny"].dropna()
        if not feasible.empty:
            table.insert(4, "cost_change_10k_cny", table["objective_10k_cny"] - feasible.iloc[0])
    return table
