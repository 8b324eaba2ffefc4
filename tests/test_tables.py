"""Result tables that explain themselves: names beside slugs, a data dictionary, decimals,
a summary with the resolved scenario, and `compare` in a fixed order (issue 14, item 7)."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.core.config import load_scenario
from model.outputs.folders import read_run
from model.outputs.labels import decimals
from model.studies.compare import COSTS, compare
from tests.conftest import DATA, RUNS


@pytest.fixture(scope="module")
def runs(solved_pair: tuple[Path, Path]) -> tuple[Path, Path]:
    """baseline-expansion and target-2025, solved once for the session (conftest)."""
    return solved_pair


def test_every_column_of_every_file_is_in_columns_csv(runs: tuple[Path, Path]) -> None:
    folder = runs[1]
    dictionary = pd.read_csv(folder / "columns.csv", keep_default_na=False)
    described = {
        (f, c): m for f, c, m in dictionary[["file", "column", "meaning"]].itertuples(False)
    }
    for path in sorted(p for p in folder.glob("*.csv") if p.name != "columns.csv"):
        for column in pd.read_csv(path, nrows=0).columns:
            assert described.get((path.name, column)), (path.name, column)
    assert described.get(("summary.json", "")) and described.get(("columns.csv", ""))
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert "columns.csv" in summary["files"]


def test_node_slugs_have_their_chinese_name_and_region(runs: tuple[Path, Path]) -> None:
    folder = runs[1]
    nodes = pd.read_csv(DATA / "nodes.csv").set_index("node")
    hauls = pd.read_csv(folder / "hauls.csv")
    for end in ("origin", "destination"):
        assert (hauls[f"{end}_zh"] == hauls[end].map(nodes["name_zh"])).all()
        assert (hauls[f"{end}_region"] == hauls[end].map(nodes["region"])).all()
    for name in ("processing", "capacity_use", "node_emissions", "unutilized", "expansions"):
        table = pd.read_csv(folder / f"{name}.csv")
        assert (table["node_zh"] == table["node"].map(nodes["name_zh"])).all(), name
        assert (table["region"] == table["node"].map(nodes["region"])).all(), name
        # the name sits right after the slug
        assert list(table.columns).index("node_zh") == list(table.columns).index("node") + 1
    util = pd.read_csv(folder / "utilization.csv")
    regions = pd.read_csv(DATA / "regions.csv").set_index("region")
    node_rows = util[util["level"] == "node"]
    assert (node_rows["area_zh"] == node_rows["area"].map(nodes["name_zh"])).all()
    region_rows = util[util["level"] == "region"]
    assert (region_rows["area_zh"] == region_rows["area"].map(regions["name_zh"])).all()


def test_numbers_are_written_to_their_decimals(runs: tuple[Path, Path]) -> None:
    folder = runs[1]
    for path in sorted(folder.glob("*.csv")):
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        numbers = pd.read_csv(path)
        for column in numbers.select_dtypes("float").columns:
            places = raw[column].str.partition(".")[2].str.len()
            assert (places <= decimals(column)).all(), (path.name, column)
    assert decimals("amount_10kt") == 4 and decimals("cost_10k_cny") == 2
    assert decimals("rate") == 6 and decimals("distance_km") == 1


def test_summary_has_the_resolved_scenario_costs_and_relative_paths(
    runs: tuple[Path, Path],
) -> None:
    folder = runs[1]
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    settings = summary["scenario_settings"]
    resolved = load_scenario(RUNS / "target-2025.toml")
    # target-2025 sets no floors itself: they come from the file it extends
    assert settings["targets"]["base_year_uses"] is resolved.targets.base_year_uses is True
    assert settings["targets"]["sets"] == list(resolved.targets.sets)
    assert settings["name"] == "target-2025"
    costs = pd.read_csv(folder / "costs.csv").set_index("component")["cost_10k_cny"]
    assert summary["costs_10k_cny"].keys() == set(costs.index)
    for component, value in summary["costs_10k_cny"].items():
        assert value == pytest.approx(costs[component], abs=0.01)
    data_dir = summary["inputs"]["data_dir"]
    assert not Path(data_dir).is_absolute()
    assert (folder / data_dir).resolve() == DATA.resolve()
    assert not Path(settings["data"]).is_absolute()
    assert all(not Path(p).is_absolute() for p in summary["inputs"]["scenario_sha256"])
    # readers get the data folder back, wherever they run from
    _, read = read_run(folder)
    assert Path(read["inputs"]["data_dir"]) == DATA.resolve()


def test_compare_is_in_a_fixed_order_with_percentage_points(runs: tuple[Path, Path]) -> None:
    a, b = runs
    table, _ = compare(a, b)
    cost_items = table[table["section"] == "cost"]["item"].tolist()
    assert cost_items == [c for c in COSTS if c in cost_items]
    assert cost_items[-1] == "total"
    sections = table["section"].drop_duplicates().tolist()
    assert sections == ["cost", "utilization", "target price", "co2", "capacity"]
    util = table[table["section"] == "utilization"]
    assert (util["change_unit"] == "percentage points").all()
    assert util["item"].tolist()[-1] == "all/all"
    row = util.set_index("item").loc["yrb/bulk"]
    assert row["change"] == pytest.approx(row["b"] - row["a"])
    # the same order whichever run is A
    reverse, _ = compare(b, a)
    assert reverse["item"].tolist() == table["item"].tolist()


def test_version_comes_from_the_package_metadata() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"wastealloc {metadata.version('wastealloc')}"


def test_compare_folder_has_its_data_dictionary(runs: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = runs
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", str(a), str(b), "--out", str(out)])
    assert result.exit_code == 0, result.output
    dictionary = pd.read_csv(out / "columns.csv", keep_default_na=False)
    described = dict(zip(dictionary["column"], dictionary["meaning"], strict=True))
    for column in pd.read_csv(out / "compare.csv", nrows=0).columns:
        assert described.get(column), column
    assert "pp" in result.output  # rate changes in percentage points
