"""The shipped 2021 totals are the yearbook's, cell for cell, and add up.

Each check reads the yearbook table twice: from the copy shipped in
``data/regions/estimation/`` and, where the project's shared folder is present,
from the file the cells were first transcribed into.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from model.data.tables import load_dataset
from model.data.totals import base_year_totals
from tests.conftest import DATA, REPO

SHIPPED = DATA / "estimation" / "yearbook_2021_provinces.csv"
SHIPPED_CITIES = DATA / "estimation" / "yearbook_2021_cities.csv"
FOUND_IN = Path("shared") / "design" / "found" / "yearbook-2021"
FOUND = next(
    (p / FOUND_IN for p in REPO.parents if (p / FOUND_IN).is_dir()), REPO.parent / FOUND_IN
)
COLUMNS = ["generated_10kt", "utilized_10kt", "disposed_10kt", "stored_10kt"]


def _found(name: str) -> Path:
    path = FOUND / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (the project's shared folder is not on this machine)")
    return path


def _yearbook(path: Path) -> pd.DataFrame:
    """Province rows of a yearbook file, indexed by the node they belong to (model provinces)."""
    table = pd.read_csv(path)
    nodes = load_dataset(DATA).nodes
    by_zh = {str(zh): node for node, zh in nodes["name_zh"].items()}
    table["node"] = [
        next((n for zh, n in by_zh.items() if zh.startswith(name)), None)
        for name in table["province_zh"]
    ]
    return table


def _shipped_totals() -> pd.DataFrame:
    dataset = load_dataset(DATA)
    year = int(dataset.parameters["base_year"])
    return base_year_totals(dataset["province_totals"], year, "generated_10kt").set_index("node")


@pytest.mark.parametrize("source", ["shipped", "found"])
def test_province_totals_are_the_yearbook_cells(source: str) -> None:
    path = SHIPPED if source == "shipped" else _found("province_isw_2021.csv")
    yearbook = _yearbook(path).dropna(subset=["node"]).set_index("node")
    totals = _shipped_totals()
    assert len(yearbook) == 16
    assert set(totals.index) == set(yearbook.index)
    for node, row in yearbook.iterrows():
        assert int(row["year"]) == int(totals.loc[node, "year"]) == 2021
        assert totals.loc[node, "status"] == "reported"
        for column in COLUMNS:
            assert float(totals.loc[node, column]) == float(row[column]), (node, column)


@pytest.mark.parametrize("source", ["shipped", "found"])
def test_national_totals_are_the_national_row(source: str) -> None:
    path = SHIPPED if source == "shipped" else _found("province_isw_2021.csv")
    national = pd.read_csv(path).set_index("province_zh").loc["全国"]
    params = load_dataset(DATA).parameters
    assert params["base_year"] == 2021
    for column in ("generated_10kt", "utilized_10kt", "disposed_10kt", "stored_10kt"):
        assert params[f"national_{column}"] == float(national[column])


def test_shipped_copy_is_the_found_file() -> None:
    assert SHIPPED.read_bytes() == _found("province_isw_2021.csv").read_bytes()
    assert SHIPPED_CITIES.read_bytes() == _found("city_isw_2021.csv").read_bytes()


def test_provinces_sum_to_no_more_than_the_national_row() -> None:
    """The 16 model provinces, and all 31, stay within the national row in every column
    (the 31 add up to it within the yearbook's rounding, ±3)."""
    table = pd.read_csv(SHIPPED)
    national = table[table["province_zh"] == "全国"].iloc[0]
    provinces = table[table["province_zh"] != "全国"]
    assert len(provinces) == 31
    model = _shipped_totals()
    for column in COLUMNS:
        assert model[column].astype(float).sum() <= float(national[column])
        assert abs(provinces[column].sum() - float(national[column])) <= 3


def test_reported_city_figures_are_the_yearbook_cells() -> None:
    cities = pd.read_csv(SHIPPED_CITIES).set_index("city_zh")
    nodes = pd.read_csv(DATA / "prefecture" / "nodes.csv").set_index("node")
    figures = pd.read_csv(DATA / "estimation" / "city_figures.csv")
    figures = figures[figures["source_id"] == "nbs_yearbook_2022_cities"]
    assert len(figures) == 13  # the capitals of the 16 provinces less the 3 municipalities
    for row in figures.itertuples():
        city = cities.loc[nodes.loc[row.node, "name_zh"].removesuffix("市")]
        assert (row.year, row.generated_10kt, row.utilized_10kt) == (
            city["year"],
            city["generated_10kt"],
            city["utilized_10kt"],
        )


def test_municipalities_equal_their_province_rows() -> None:
    """Beijing, Tianjin and Shanghai appear in both tables with the same cells."""
    provinces = pd.read_csv(SHIPPED).set_index("province_zh")
    cities = pd.read_csv(SHIPPED_CITIES).set_index("city_zh")
    for name in ("北京", "天津", "上海"):
        for column in COLUMNS:
            assert provinces.loc[name, column] == cities.loc[name, column]


def test_prefecture_generation_keeps_reported_capitals_and_utilization() -> None:
    prefecture = load_dataset(DATA, "prefecture")
    figures = pd.read_csv(DATA / "estimation" / "city_figures.csv")
    figures = figures[figures["source_id"] == "nbs_yearbook_2022_cities"].set_index("node")
    generation = prefecture["generation"]["generation_10kt"].groupby(level="node").sum()
    used = prefecture["base_utilization"]["utilized_10kt"].groupby(level="node").sum()
    for node, row in figures.iterrows():
        assert generation[node] == pytest.approx(row["generated_10kt"], abs=0.1)
        assert used[node] == pytest.approx(row["utilized_10kt"], abs=0.1)


def test_measured_estimates_match_a_hand_calculation() -> None:
    """Qinghai: old estimate 350.7 against 15,753 reported; Hangzhou's population share
    of Zhejiang (1,193.6 of 6,456.8 10^4 persons, the census file) against 572 reported."""
    table = pd.read_csv(DATA / "estimation" / "proxy_vs_reported_2021.csv").set_index("node")
    assert table.loc["qinghai", "ratio_generated"] == pytest.approx(350.7 / 15753, abs=1e-4)
    assert table.loc["zhejiang", "reported_rate"] == pytest.approx(1.0)
    assert table.loc["beijing", "rate_difference_pp"] == pytest.approx(
        (143.6 / 171 - 114 / 194) * 100, abs=1e-3
    )
    cities = pd.read_csv(DATA / "estimation" / "prefecture_proxy_vs_reported_2021.csv")
    hangzhou = cities.set_index("node").loc["zhejiang_hangzhou"]
    population = pd.read_csv(DATA / "estimation" / "prefecture_proxies.csv").set_index("node")
    zhejiang = population[population.index.str.startswith("zhejiang_")]["value"]
    share = population.loc["zhejiang_hangzhou", "value"] / zhejiang.sum()
    assert hangzhou["population_estimate_10kt"] == pytest.approx(share * 5315, abs=1e-2)
    assert hangzhou["ratio"] == pytest.approx(share * 5315 / 572, abs=1e-3)


def test_validate_lists_every_row_of_another_year() -> None:
    """province_totals.csv: rows 2-17 are the 2021 yearbook rows; the six kept from other
    years (2020: 18-21, 2022: 22, 2023: 23) are listed, and no 2021 row is."""
    from typer.testing import CliRunner

    from model.cli import app
    from model.data.checks import other_year_rows
    from model.data.tables import load_tables

    frames, _ = load_tables(DATA)
    listing = {(f, c, y): rows for f, c, y, rows in other_year_rows(frames)}
    assert listing[("province_totals.csv", "year", 2020)] == "18-21"
    assert listing[("province_totals.csv", "year", 2022)] == "22"
    assert listing[("province_totals.csv", "year", 2023)] == "23"
    assert all(year != 2021 for _, _, year in listing)
    assert ("estimation/stream_basis.csv", "generation_year", 2018) in listing
    result = CliRunner().invoke(app, ["validate", str(DATA)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "other than the base year 2021" in text
    assert "province_totals.csv year 2020: rows 18-21" in text


def test_sources_of_the_yearbook_rows_resolve() -> None:
    """The yearbook and the old estimates are cited in sources.csv, with where the cells
    were read (repository and commit)."""
    sources = pd.read_csv(DATA / "sources.csv").set_index("source_id")
    previous = pd.read_csv(DATA / "estimation" / "previous_estimates_2020.csv")
    assert set(previous["source_id"]) <= set(sources.index)
    for source in ("nbs_yearbook_2022_isw", "nbs_yearbook_2022_cities"):
        locator = sources.loc[source, "locator"]
        assert "lifeiyang123/knowledge_graph" in locator
        assert "b7b5583ec793593e4b02f2eeefcaa9349c197d47" in locator
