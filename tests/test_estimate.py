"""The estimated tables are reproducible from their inputs, and the base year is calibrated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from model.calibration import calibration_table, implied_incentive
from model.data import base_year_totals
from model.estimate import build, write_build
from tests.conftest import DATA


def test_build_reproduces_the_shipped_tables(tmp_path: Path) -> None:
    """Running `wastealloc data build` on the shipped inputs changes no byte."""
    copy = tmp_path / "regions"
    shutil.copytree(DATA, copy)
    write_build(copy)
    names = ["province_totals", "generation", "base_utilization", "capacity"]
    names += [f"prefecture/{n}" for n in ("generation", "base_utilization", "capacity")]
    for name in names:
        assert (copy / f"{name}.csv").read_bytes() == (DATA / f"{name}.csv").read_bytes(), name


def test_streams_add_up_to_province_totals() -> None:
    tables = build(DATA)
    totals = tables["province_totals"]
    base = base_year_totals(totals, 2020, "generated_10kt")
    by_node = tables["generation"].groupby("node")["generation_10kt"].sum()
    for _, row in base.iterrows():
        assert by_node[row["node"]] == pytest.approx(row["generated_10kt"], rel=1e-3)


def test_base_utilization_matches_totals_and_stays_below_generation() -> None:
    tables = build(DATA)
    gen = tables["generation"].set_index(["node", "stream"])["generation_10kt"]
    used = tables["base_utilization"].set_index(["node", "stream"])["utilized_10kt"]
    assert (used <= gen.reindex(used.index) + 1e-6).all()
    totals = tables["province_totals"]
    est = base_year_totals(totals, 2020, "utilized_10kt")
    for _, row in est.iterrows():
        assert used.loc[row["node"]].sum() == pytest.approx(row["utilized_10kt"], rel=1e-3)


def test_every_estimated_row_says_how() -> None:
    for name in ("generation", "base_utilization", "capacity"):
        frame = pd.read_csv(DATA / f"{name}.csv")
        assert set(frame["status"]) == {"estimated"}
        assert frame["note"].notna().all()


@pytest.fixture(scope="module")
def calibration() -> pd.DataFrame:
    return calibration_table(DATA)


def test_baseline_reproduces_base_year_utilization_within_tolerance(
    calibration: pd.DataFrame,
) -> None:
    assert len(calibration) == 16
    bad = calibration[~calibration["within_tolerance"]]
    assert bad.empty, bad[["node", "base_rate", "modelled_rate", "difference_pp"]].to_string()


def test_economics_only_run_never_exceeds_the_floored_one(calibration: pd.DataFrame) -> None:
    """Floors only add utilization, and their prices are what closes the gap."""
    assert (calibration["economics_only_rate"] <= calibration["modelled_rate"] + 1e-6).all()
    assert (calibration["implied_incentive_cny_per_t"] >= 0).all()
    short = calibration["economics_only_difference_pp"] < -0.5
    # where economics alone fall short of the base year, some floor must bind
    assert (calibration.loc[short, "implied_incentive_cny_per_t"] > 0).all()


def test_implied_incentive_is_the_tonnage_weighted_floor_price() -> None:
    """Hand calculation: (10 x 2 + 40 x 0 + 20 x 8) / (2 + 0 + 8) = 18 CNY/t; a node whose
    floors carry no tonnage gets 0."""
    floors = pd.DataFrame(
        {
            "node": ["a", "a", "a", "b"],
            "stream": ["x", "y", "z", "x"],
            "shadow_price": [10.0, 40.0, 20.0, 5.0],
        }
    )
    base_use = pd.DataFrame(
        {
            "node": ["a", "a", "a", "b"],
            "stream": ["x", "y", "z", "x"],
            "utilized_10kt": [2.0, 0.0, 8.0, 0.0],
        }
    )
    result = implied_incentive(floors, base_use)
    assert result["a"] == pytest.approx(18.0)
    assert result["b"] == 0.0


def test_shipped_calibration_report_is_current(calibration: pd.DataFrame) -> None:
    shipped = pd.read_csv(DATA / "calibration.csv")
    assert list(shipped.columns) == list(calibration.columns)
    assert list(shipped["node"]) == list(calibration["node"])
    for column in ("modelled_rate", "economics_only_rate", "implied_incentive_cny_per_t"):
        assert shipped[column].to_numpy() == pytest.approx(
            calibration[column].to_numpy(), abs=1e-3
        ), column
