"""Calibration report: does the baseline reproduce each province's base-year utilization?

Two solves of the baseline scenario on a dataset, compared per province with the
base-year figure of ``province_totals.csv`` (reported or estimated):

* **with practice floors** (the baseline as shipped): capacity is calibrated to
  base-year use and each province keeps at least its base-year rate per stream.
  This checks that the estimated tables are consistent with each other and with
  the province totals; a test keeps every province within the tolerance of
  ``parameters.csv`` (``calibration_tolerance_pp``).
* **economics only** (the same scenario with ``base_year_floor = false``): how
  much of current practice the dataset's costs and revenues explain on their
  own. Where the model utilizes less than the base year, the floors carry the
  difference, and their shadow prices say by how much per tonne current practice
  costs more than storage under the dataset's costs: the *implied incentive*.
  It is the average, weighted by the floor tonnage, of the floor shadow prices:

      incentive_i = sum_w mu_{w,i} * floor_{w,i} / sum_w floor_{w,i}   [CNY/t]

  It stands for what the cost data leave out (regulation, unpriced land and
  compliance costs of storage, contracts) and is reported, not used, by the model.

Written to ``calibration.csv`` in the data folder by ``wastealloc data calibrate``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from model.config import REPO_ROOT, Scenario, load_scenario
from model.data import Dataset, base_year_totals, load_dataset
from model.run import solve_scenario

BASELINE = REPO_ROOT / "runs" / "baseline.toml"


def _node_rates(scenario: Scenario, dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-node utilization (all streams) and the practice-floor shadow prices."""
    run = solve_scenario(scenario, dataset)
    util = run.results.utilization
    rates = util[(util["level"] == "node") & (util["group"] == "all")].set_index("area")
    prices = run.results.shadow_prices
    floors = prices[prices["constraint"] == "practice_floor"]
    return rates, floors


def implied_incentive(floors: pd.DataFrame, base_use: pd.DataFrame) -> pd.Series:
    """Tonnage-weighted mean practice-floor shadow price per node, CNY/t.

    ``floors`` has node, stream and shadow_price; ``base_use`` has node, stream and
    utilized_10kt (the floor tonnage). Nodes with no floor tonnage get 0.
    """
    merged = floors[["node", "stream", "shadow_price"]].merge(
        base_use[["node", "stream", "utilized_10kt"]], on=["node", "stream"], how="inner"
    )
    merged["weighted"] = merged["shadow_price"] * merged["utilized_10kt"]
    sums = merged.groupby("node")[["weighted", "utilized_10kt"]].sum()
    return (sums["weighted"] / sums["utilized_10kt"].where(sums["utilized_10kt"] > 0)).fillna(0.0)


def calibration_table(data_dir: Path, scenario_path: Path = BASELINE) -> pd.DataFrame:
    """One row per node: base-year and modelled utilization, with and without floors."""
    dataset = load_dataset(data_dir)
    scenario = load_scenario(scenario_path).model_copy(update={"data": Path(data_dir)})
    with_floors = scenario.model_copy(
        update={"targets": scenario.targets.model_copy(update={"base_year_floor": True})}
    )
    free = scenario.model_copy(
        update={"targets": scenario.targets.model_copy(update={"base_year_floor": False})}
    )
    modelled, floors = _node_rates(with_floors, dataset)
    economic, _ = _node_rates(free, dataset)
    incentive = implied_incentive(floors, dataset["base_utilization"].reset_index())

    params = dataset.parameters
    year = int(params["base_year"])
    tolerance = float(params["calibration_tolerance_pp"])
    totals = base_year_totals(dataset["province_totals"], year, "utilized_10kt").set_index("node")
    rows = []
    for node in dataset.nodes.index:
        base = totals.loc[node]
        base_rate = float(base["utilized_10kt"] / base["generated_10kt"])
        rate = float(modelled.loc[node, "rate"])
        free_rate = float(economic.loc[node, "rate"])
        gap = (rate - base_rate) * 100
        rows.append(
            {
                "node": node,
                "name_en": dataset.nodes.loc[node, "name_en"],
                "base_year": year,
                "generated_10kt": float(base["generated_10kt"]),
                "base_utilized_10kt": float(base["utilized_10kt"]),
                "base_rate": base_rate,
                "base_status": base["status"],
                "modelled_utilized_10kt": float(modelled.loc[node, "utilized_10kt"]),
                "modelled_rate": rate,
                "difference_pp": gap,
                "tolerance_pp": tolerance,
                "within_tolerance": abs(gap) <= tolerance,
                "economics_only_rate": free_rate,
                "economics_only_difference_pp": (free_rate - base_rate) * 100,
                "implied_incentive_cny_per_t": float(incentive.get(node, 0.0)),
            }
        )
    return pd.DataFrame(rows)


def write_calibration(data_dir: Path) -> Path:
    table = calibration_table(data_dir)
    target = Path(data_dir) / "calibration.csv"
    tmp = target.with_suffix(".csv.tmp")
    table.to_csv(tmp, index=False, float_format="%.4f", lineterminator="\n")
    tmp.replace(target)
    return target
