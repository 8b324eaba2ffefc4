"""The estimated tables are reproducible from their inputs, and the base year is calibrated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from model.calibration import calibration_table
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


def test_baseline_reproduces_base_year_utilization_within_tolerance() -> None:
    table = calibration_table(DATA)
    assert len(table) == 16
    bad = table[~table["within_tolerance"]]
    assert bad.empty, bad[["node", "base_rate", "modelled_rate", "difference_pp"]].to_string()


def test_shipped_calibration_report_is_current() -> None:
    shipped = pd.read_csv(DATA / "calibration.csv")
    fresh = calibration_table(DATA)
    assert list(shipped["node"]) == list(fresh["node"])
    assert shipped["modelled_rate"].to_numpy() == pytest.approx(
        fresh["modelled_rate"].to_numpy(), abs=1e-4
    )
