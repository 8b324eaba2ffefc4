"""The levers of a study: parameter names parsed, and setters that put a value into a built model.

Parameters (``--param`` and study files): ``target.GROUP`` (every region) or
``target.REGION.GROUP`` (a target rate, a share), ``carbon_price`` (CNY per t
CO2), the three scales (``transport_cost_scale``, ``capacity_scale``,
``storage_cost_scale``) and ``co2_cap_mt`` (a cap on net CO2, Mt/yr, added as a
constraint by :func:`add_co2_cap`). See :mod:`model.studies.sweeps`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyomo.core as pyo

from model.core.config import Scenario
from model.core.outcomes import point_outcomes
from model.core.solve import Solution
from model.data.tables import Dataset
from model.errors import ScenarioError

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
    return point_outcomes(solution)  # from the solver's arrays, not the full tables
