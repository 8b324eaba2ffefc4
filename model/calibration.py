"""Calibration report: does the baseline reproduce each province's base-year utilization?

Solves the baseline scenario on a dataset and compares, per province, the
modelled utilization rate with the base-year figure of ``province_totals.csv``
(reported or estimated). Written to ``calibration.csv`` in the data folder by
``wastealloc data calibrate``; a test keeps every province within the tolerance
of ``parameters.csv`` (``calibration_tolerance_pp``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from model.config import REPO_ROOT, load_scenario
from model.data import base_year_totals, load_dataset
from model.run import solve_scenario

BASELINE = REPO_ROOT / "runs" / "baseline.toml"


def calibration_table(data_dir: Path, scenario_path: Path = BASELINE) -> pd.DataFrame:
    """One row per node: base-year and modelled utilization, gap, within tolerance."""
    dataset = load_dataset(data_dir)
    scenario = load_scenario(scenario_path).model_copy(update={"data": Path(data_dir)})
    run = solve_scenario(scenario, dataset)
    params = dataset.parameters
    year = int(params["base_year"])
    tolerance = float(params["calibration_tolerance_pp"])
    totals = base_year_totals(dataset["province_totals"], year, "utilized_10kt").set_index("node")
    util = run.results.utilization
    modelled = util[(util["level"] == "node") & (util["group"] == "all")].set_index("area")
    rows = []
    for node in dataset.nodes.index:
        base = totals.loc[node]
        model_row = modelled.loc[node]
        base_rate = float(base["utilized_10kt"] / base["generated_10kt"])
        rate = float(model_row["rate"])
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
                "modelled_utilized_10kt": float(model_row["utilized_10kt"]),
                "modelled_rate": rate,
                "difference_pp": gap,
                "tolerance_pp": tolerance,
                "within_tolerance": abs(gap) <= tolerance,
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
