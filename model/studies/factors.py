"""The uncertain factors of a scenario (the data's low-high ranges) and their SALib design.

A factor level u in [0, 1] puts every parameter of the factor at
``low + u (high - low)`` (scaled by the scenario's own multiplier); see
:mod:`model.studies.sensitivity` for the analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from model.core.config import Scenario
from model.data.tables import Dataset
from model.errors import ScenarioError

Method = Literal["morris", "sobol"]
Item = tuple[str, object, float, float]  # (model parameter, index, low, high), scaled


@dataclass(frozen=True)
class Factor:
    """One uncertain factor: parameters moved together from their low to their high value."""

    name: str
    description: str
    items: tuple[Item, ...]

    def values(self, level: float) -> list[tuple[str, object, float]]:
        return [(param, key, low + level * (high - low)) for param, key, low, high in self.items]

    @property
    def has_range(self) -> bool:
        return any(high > low for _, _, low, high in self.items)


def _ranged(table: pd.DataFrame, central: str, low: str, high: str) -> pd.DataFrame:
    """Columns ``low`` and ``high`` of a table; an empty bound means the central value."""
    frame = table[[central, low, high]].astype(float)
    return pd.DataFrame(
        {"low": frame[low].fillna(frame[central]), "high": frame[high].fillna(frame[central])},
        index=table.index,
    )


def factors(dataset: Dataset, scenario: Scenario, detail: bool = False) -> list[Factor]:
    """The factors of a scenario, each with the model parameters it moves (all scaled)."""
    out: list[Factor] = []
    modes = _ranged(
        dataset["modes"], "cost_cny_per_tkm", "cost_low_cny_per_tkm", "cost_high_cny_per_tkm"
    )
    scale = scenario.transport.cost_scale
    for mode in scenario.transport.modes:
        row = modes.loc[mode]
        out.append(
            Factor(
                f"{mode}_freight",
                f"{mode} freight rate, CNY/t·km",
                (("transport_cost_cny_per_tkm", mode, row["low"] * scale, row["high"] * scale),),
            )
        )
    storage = _ranged(
        dataset["storage"],
        "storage_cost_cny_per_t",
        "storage_cost_low_cny_per_t",
        "storage_cost_high_cny_per_t",
    )
    s = scenario.prices.storage_cost_scale
    out.append(
        Factor(
            "storage_cost",
            "storage cost of every stream, CNY/t",
            tuple(
                ("storage_cost_cny_per_t", w, r["low"] * s, r["high"] * s)
                for w, r in storage.iterrows()
            ),
        )
    )
    opex = _ranged(
        dataset["pathways"], "opex_cny_per_t", "opex_low_cny_per_t", "opex_high_cny_per_t"
    )
    compat = dataset["compatibility"]
    revenue = _ranged(
        compat, "revenue_cny_per_t", "revenue_low_cny_per_t", "revenue_high_cny_per_t"
    )
    avoided = _ranged(
        compat, "avoided_co2_t_per_t", "avoided_co2_low_t_per_t", "avoided_co2_high_t_per_t"
    )
    groups = (
        ("opex", "processing opex", "opex_cny_per_t", opex, "CNY/t"),
        ("revenue", "revenue", "revenue_cny_per_t", revenue, "CNY/t"),
        ("avoided_co2", "avoided CO2", "avoided_co2_t_per_t", avoided, "t CO2/t"),
    )
    for name, words, param, table, unit in groups:
        items = [(param, key, float(r["low"]), float(r["high"])) for key, r in table.iterrows()]
        if not detail:
            out.append(
                Factor(
                    name,
                    f"{words} of every {'pathway' if name == 'opex' else 'use'}, {unit}",
                    tuple(items),
                )
            )
            continue
        for item in items:
            key = item[1]
            label = "/".join(key) if isinstance(key, tuple) else str(key)
            out.append(Factor(f"{name}:{label}", f"{words} of {label}, {unit}", (item,)))
    if scenario.capacity.tranches:
        out += tranche_factors(dataset)
    return out


def tranche_factors(dataset: Dataset) -> list[Factor]:
    """Expansion capex steps and revenue saturation, from tranches.csv's factor ranges.

    At level u every tranche's factor is low + u (high - low); the ranges keep the
    order of the steps (checked when the data are read), so the cost stays convex.
    """
    table = dataset["tranches"]
    out = []
    for kind, name, param, words in (
        ("expansion", "expansion_steps", "expansion_capex_factor", "capex factor of"),
        ("revenue", "revenue_saturation", "revenue_factor", "revenue factor of"),
    ):
        if kind not in table.index.get_level_values(0):
            continue
        rows = table.loc[kind]
        items = tuple(
            (param, int(k), float(r["factor_low"]), float(r["factor_high"]))
            for k, r in rows.iterrows()
        )
        out.append(Factor(name, f"{words} each {kind} tranche, ratio", items))
    return out


def salib_problem(active: Sequence[Factor]) -> dict[str, object]:
    return {
        "num_vars": len(active),
        "names": [f.name for f in active],
        "bounds": [[0.0, 1.0]] * len(active),
    }


def design(
    active: Sequence[Factor],
    method: Method,
    *,
    trajectories: int = 10,
    levels: int = 4,
    samples: int = 512,
    seed: int = 2020,
) -> np.ndarray:
    """The design points (rows) in factor levels, one column per factor."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    problem = salib_problem(active)
    if method == "morris":
        if trajectories < 2:
            raise ScenarioError("sensitivity: --trajectories must be at least 2")
        if levels < 2 or levels % 2:
            raise ScenarioError("sensitivity: --levels must be an even number, at least 2")
        return morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    if samples < 2 or samples & (samples - 1):
        raise ScenarioError(
            f"sensitivity: --samples {samples}: Sobol' sampling needs a power of 2 (e.g. 64, 128)"
        )
    return sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)


def headline(indices: pd.DataFrame, method: Method, output: str, top: int = 5) -> pd.DataFrame:
    """The factors that matter most for one output, strongest first."""
    key = "mu_star" if method == "morris" else "ST"
    part = indices[indices["output"] == output].sort_values(key, ascending=False)
    return part.head(top)
