"""Calibration report: does the baseline reproduce each province's base-year utilization?

Solves of the baseline scenario on a dataset, compared per province with the
base-year figure of ``province_totals.csv`` (reported or estimated):

* **with practice floors** (the baseline as shipped): capacity is calibrated to
  base-year use and each province keeps at least its base-year rate per stream.
  This checks that the estimated tables are consistent with each other and with
  the province totals; a test keeps every province within the tolerance of
  ``parameters.csv`` (``calibration_tolerance_pp``).
* **economics only** (the same scenario with every floor removed): how much of
  current practice the dataset's costs and revenues explain on their own.
* **practice premium**: what current practice costs above the economics-only
  choice, per tonne of base-year utilization. For province i, with C the cost of
  the baseline and C_-i the cost with province i's floors removed (all others
  kept)::

      premium_i = (C - C_-i) / U_i        [CNY/t; U_i base-year utilized tonnage]

  and for all provinces together (C - C_free) / sum_i U_i. Only optimal objective
  values enter, so the figure is unique. (The floors' shadow prices are not: with
  capacity equal to base-year use every floor and capacity constraint is tight at
  once, and HiGHS's simplex and interior-point methods return different duals.)
  The premium stands for what the cost data leave out and is reported, not used,
  by the model.

Written to ``calibration.csv`` in the data folder by ``wastealloc data calibrate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.core.config import REPO_ROOT, load_scenario
from model.core.inputs import prepare
from model.core.results import collect
from model.core.solve import Solver
from model.data.tables import Dataset, load_dataset
from model.data.totals import base_year_totals
from model.files import atomic_file

BASELINE = REPO_ROOT / "runs" / "baseline.toml"


@dataclass(frozen=True)
class Calibration:
    table: pd.DataFrame  # one row per node
    premium_all_cny_per_t: float  # (C - C_free) / sum of base-year utilization
    economics_only_rate_all: float  # utilized / generated, all nodes, no floors
    base_rate_all: float


def _node_rates(solver: Solver) -> tuple[float, pd.Series, pd.Series]:
    """Solve; cost, utilized tonnage and rate per node (all streams)."""
    solution = solver.solve()
    util = collect(solution).utilization
    nodes = util[(util["level"] == "node") & (util["group"] == "all")].set_index("area")
    return solution.objective_10k_cny, nodes["utilized_10kt"], nodes["rate"]


def calibrate(data_dir: Path, scenario_path: Path = BASELINE) -> Calibration:
    """The calibration report and its all-province figures."""
    dataset: Dataset = load_dataset(data_dir)
    scenario = load_scenario(scenario_path).model_copy(update={"data": Path(data_dir)})
    scenario = scenario.model_copy(
        update={"targets": scenario.targets.model_copy(update={"base_year_floor": True})}
    )
    solver = Solver(prepare(dataset, scenario), scenario=scenario.name)
    floors = solver.model.floor_rate
    base_rates = {k: float(floors[k].value) for k in floors}

    cost, used, rate = _node_rates(solver)
    without: dict[str, float] = {}
    for node in dataset.nodes.index:
        for w, i in base_rates:
            floors[w, i] = 0.0 if i == node else base_rates[w, i]
        without[node] = solver.solve().objective_10k_cny
    for k in base_rates:
        floors[k] = 0.0
    free_cost, free_used, free_rate = _node_rates(solver)

    params = dataset.parameters
    year = int(params["base_year"])
    tolerance = float(params["calibration_tolerance_pp"])
    totals = base_year_totals(dataset["province_totals"], year, "utilized_10kt").set_index("node")
    rows = []
    for node in dataset.nodes.index:
        base = totals.loc[node]
        base_used = float(base["utilized_10kt"])
        # the yearbook's rate: utilized / (generated + what was drawn from stock), with
        # the drawdown at the least the figures show (utilized above generated)
        base_rate = base_used / max(float(base["generated_10kt"]), base_used)
        gap = (float(rate[node]) - base_rate) * 100
        rows.append(
            {
                "node": node,
                "name_en": dataset.nodes.loc[node, "name_en"],
                "base_year": year,
                "generated_10kt": float(base["generated_10kt"]),
                "base_utilized_10kt": base_used,
                "base_rate": base_rate,
                "base_status": base["status"],
                "modelled_utilized_10kt": float(used[node]),
                "modelled_rate": float(rate[node]),
                "difference_pp": gap,
                "tolerance_pp": tolerance,
                "within_tolerance": abs(gap) <= tolerance,
                "economics_only_rate": float(free_rate[node]),
                "economics_only_difference_pp": (float(free_rate[node]) - base_rate) * 100,
                "practice_premium_cny_per_t": max(cost - without[node], 0.0) / base_used
                if base_used > 0
                else 0.0,
            }
        )
    table = pd.DataFrame(rows)
    generated = float(table["generated_10kt"].sum())
    return Calibration(
        table=table,
        premium_all_cny_per_t=max(cost - free_cost, 0.0) / float(table["base_utilized_10kt"].sum()),
        economics_only_rate_all=float(free_used.sum()) / generated,
        base_rate_all=float(table["base_utilized_10kt"].sum()) / generated,
    )


def calibration_table(data_dir: Path, scenario_path: Path = BASELINE) -> pd.DataFrame:
    """One row per node: base-year and modelled utilization, with and without floors."""
    return calibrate(data_dir, scenario_path).table


def write_calibration(data_dir: Path) -> Calibration:
    result = calibrate(data_dir)
    with atomic_file(Path(data_dir) / "calibration.csv") as tmp:
        result.table.to_csv(tmp, index=False, float_format="%.4f", lineterminator="\n")
    return result
