"""`wastealloc compare`: what B changes against A, from saved runs only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.errors import ScenarioError
from model.studies.compare import compare
from tests.conftest import RUNS


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("runs")
    out = []
    for name in ("baseline-expansion", "target-2025"):
        target = folder / name
        result = CliRunner().invoke(
            app, ["solve", str(RUNS / f"{name}.toml"), "--out", str(target), "--no-maps"]
        )
        assert result.exit_code == 0, result.output
        out.append(target)
    return out[0], out[1]


def test_every_change_is_b_minus_a_read_from_the_saved_tables(runs) -> None:
    a, b = runs
    table, facts = compare(a, b)
    assert facts["same_data"]
    assert facts["a"] == "baseline-expansion" and facts["b"] == "target-2025"
    rows = table.set_index(["section", "item"])
    cost_a = pd.read_csv(a / "costs.csv").set_index("component")["cost_10k_cny"]
    cost_b = pd.read_csv(b / "costs.csv").set_index("component")["cost_10k_cny"]
    assert rows.loc[("cost", "total"), "change"] == pytest.approx(
        (cost_b["total"] - cost_a["total"]) / 1e4
    )
    util = pd.read_csv(b / "utilization.csv")
    yrb = util[(util["level"] == "region") & (util["area"] == "yrb") & (util["group"] == "bulk")]
    assert rows.loc[("utilization", "yrb/bulk"), "b"] == pytest.approx(100 * yrb["rate"].iloc[0])
    # a target only B has: no A value, no change, but listed
    price = rows.loc[("target price", "yrb/bulk")]
    assert pd.isna(price["a"]) and pd.isna(price["change"]) and price["b"] > 0
    added = pd.read_csv(b / "expansions.csv")["expansion_10kt"].sum()
    assert rows.loc[("capacity", "added"), "b"] == pytest.approx(added)


def test_the_command_writes_compare_csv_and_names_a_wrong_folder(runs, tmp_path) -> None:
    a, b = runs
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", str(a), str(b), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "compare.csv").is_file() and (out / "summary.json").is_file()
    assert "yrb/bulk" in result.output
    bad = CliRunner().invoke(app, ["compare", str(a), str(tmp_path / "nothing")])
    assert bad.exit_code != 0
    assert "nothing" in bad.output and "summary.json" in bad.output
    with pytest.raises(ScenarioError, match="expected a folder written by `wastealloc solve`"):
        compare(a, tmp_path / "nothing")
