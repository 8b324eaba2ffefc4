"""Importing the yearbook table of province totals into a copy of the dataset."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.data.importer import import_table
from model.data.tables import load_dataset
from model.errors import DataError
from tests.conftest import DATA, REPO

SAMPLE = REPO / "tests" / "fixtures" / "yearbook_2021_sample.csv"


def test_import_replaces_totals_in_a_copy(tmp_path: Path) -> None:
    before = (DATA / "province_totals.csv").read_bytes()
    result = import_table(SAMPLE, DATA, tmp_path / "regions-2021", 2021)
    assert (DATA / "province_totals.csv").read_bytes() == before  # shipped data untouched
    assert result.imported == ["beijing", "hebei", "inner_mongolia", "shanxi", "tianjin"]
    assert "jiangsu" in result.missing
    assert result.ignored == ["广  东"]
    assert result.national["generated_10kt"] == 1000000

    dataset = load_dataset(result.out_dir)  # the copy passes every check
    assert int(dataset.parameters["base_year"]) == 2021
    assert dataset.parameters["national_generated_10kt"] == 1000000
    totals = dataset["province_totals"]
    hebei = totals[(totals["node"] == "hebei") & (totals["year"] == 2021)]
    assert hebei["generated_10kt"].tolist() == [30000]
    assert hebei["status"].tolist() == ["reported"]
    # generation by stream is rebuilt from the imported total
    generation = dataset["generation"]["generation_10kt"]
    assert generation.loc["hebei"].sum() == pytest.approx(30000, abs=0.1)
    assert generation.loc["shanxi"].sum() == pytest.approx(40000, abs=0.1)
    # the file is a source, with its hash
    sources = dataset["sources"]
    source_id = hebei["source_id"].iloc[0]
    assert source_id in sources.index
    assert "sha256" in sources.loc[source_id, "note"]


def test_template_layout_and_english_names(tmp_path: Path) -> None:
    template = tmp_path / "mine.csv"
    template.write_text(
        "province,generated_10kt,utilized_10kt,disposed_10kt,stored_10kt\n"
        "Shaanxi,13000,6000,4000,3000\nJiangsu,12000,11000,800,200\n",
        encoding="utf-8",
    )
    result = import_table(template, DATA, tmp_path / "out", 2020)
    assert result.imported == ["jiangsu", "shaanxi"]
    totals = pd.read_csv(result.out_dir / "province_totals.csv")
    row = totals[(totals["node"] == "jiangsu") & (totals["year"] == 2020)]
    assert row["generated_10kt"].tolist() == [12000]


def test_bad_values_are_named_and_nothing_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = SAMPLE.read_text(encoding="utf-8").replace("河  北,30000", "河  北,-30000")
    bad.write_text(text.replace("山  西,40000,20000", "山  西,40000,abc"), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(DataError) as info:
        import_table(bad, DATA, out, 2021)
    problems = {(p.row, p.value, p.expected) for p in info.value.problems}
    assert (7, "-30000", "a number ≥ 0") in problems
    assert (9, "abc", "a number in 10^4 t") in problems
    assert all(p.file == "bad.csv" for p in info.value.problems)
    assert not out.exists()
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_file_without_the_expected_columns(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("city,value\nfoo,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="header row"):
        import_table(other, DATA, tmp_path / "out", 2021)


def test_excel_input(tmp_path: Path) -> None:
    raw = pd.read_csv(SAMPLE, header=None, dtype=str, keep_default_na=False)
    xlsx = tmp_path / "yearbook.xlsx"
    raw.to_excel(xlsx, header=False, index=False)
    result = import_table(xlsx, DATA, tmp_path / "out", 2021)
    assert "shanxi" in result.imported


def test_cli_import_then_solve(tmp_path: Path) -> None:
    data_copy = tmp_path / "data"
    shutil.copytree(DATA, data_copy)
    out = tmp_path / "regions-2021"
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "data",
            "import",
            str(SAMPLE),
            "--year",
            "2021",
            "--data",
            str(data_copy),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "5 province totals imported" in result.output
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f'extends = "{(REPO / "runs" / "baseline.toml").as_posix()}"\ndata = "{out.as_posix()}"\n'
        "[output]\nmaps = false\n",
        encoding="utf-8",
    )
    solved = runner.invoke(app, ["solve", str(scenario), "--out", str(tmp_path / "res")])
    assert solved.exit_code == 0, solved.output
    assert "base year 2021" in solved.output
