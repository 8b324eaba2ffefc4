"""The prefecture-level resolution: data consistent with the provinces, and it solves."""

from __future__ import annotations

import pandas as pd
import pytest

from model.core.config import load_scenario
from model.data.tables import load_dataset
from model.run import solve_scenario
from tests.conftest import DATA, RUNS


@pytest.fixture(scope="module")
def prefecture():
    return load_dataset(DATA, "prefecture")


def test_prefecture_tables_add_up_to_the_provinces(prefecture) -> None:
    """Generation adds up stream by stream; base utilization and capacity add up per
    province (each prefecture's utilization is matched to its own total, so its stream
    split differs from the province's)."""
    province = load_dataset(DATA)
    nodes = prefecture.nodes
    assert len(nodes) == 169
    assert set(nodes["province"]) == set(province.nodes.index)
    for name, column, by_stream in (
        ("generation", "generation_10kt", True),
        ("base_utilization", "utilized_10kt", False),
        ("capacity", "capacity_10kt", False),
    ):
        index = prefecture[name].index
        keys = [index.get_level_values(0).map(nodes["province"])]
        prov = province[name][column]
        if by_stream:
            keys.append(index.get_level_values(1))
        else:
            prov = prov.groupby(level=0).sum()
        pref = prefecture[name][column].groupby(keys).sum()
        joined = pd.concat([pref, prov], axis=1, keys=["pref", "prov"]).fillna(0.0)
        # capacity is rounded up per unit and pathway, the rest to the nearest 0.01
        assert (joined["pref"] - joined["prov"]).abs().max() <= 0.02 * 25 * 9, name


def test_reported_city_figures_are_kept(prefecture) -> None:
    generation = prefecture["generation"]["generation_10kt"]
    assert generation.loc["zhejiang_hangzhou"].sum() == pytest.approx(572, abs=0.1)
    assert generation.loc["shanxi_luliang"].sum() == pytest.approx(9349.74, abs=0.1)


def test_prefecture_baseline_solves_and_reproduces_floors() -> None:
    scenario = load_scenario(RUNS / "baseline-prefecture.toml")
    assert scenario.resolution == "prefecture"
    run = solve_scenario(scenario)
    assert run.solution.status == "optimal"
    util = run.results.utilization
    nodes = util[(util["level"] == "node") & (util["group"] == "all")]
    assert len(nodes) == 169
    assert (nodes["rate"] >= nodes["floor_rate"] - 1e-6).all()


def _shares(data=DATA) -> pd.DataFrame:
    from model.data.build import input_frames
    from model.data.prefecture import prefecture_nodes, prefecture_shares
    from model.data.totals import base_year_totals

    frames = input_frames(data)
    nodes = prefecture_nodes(data)
    year = int(frames["parameters"].set_index("parameter").loc["base_year", "value"])
    totals = base_year_totals(frames["province_totals"], year, "generated_10kt")
    return prefecture_shares(nodes, frames, totals).set_index("node")


def test_a_province_with_every_population_figure_is_split_by_population() -> None:
    """Shandong has one city figure (Jinan, 2,412 of 25,233 in 2021) and a census figure
    for all 16 cities: Jinan keeps its share, the other 15 split the rest by population
    (hand check on two cities against the file)."""
    shares = _shares()
    proxies = pd.read_csv(DATA / "estimation" / "prefecture_proxies.csv").set_index("node")
    shandong = shares[shares["province"] == "shandong"]
    assert len(shandong) == 16
    assert shandong.loc["shandong_jinan", "share"] == pytest.approx(2412 / 25233)
    rest = shandong.drop(index="shandong_jinan")
    assert (rest["basis"] == "remainder of the province by 2020 census population").all()
    population = proxies.loc[rest.index, "value"]
    expected = (1 - 2412 / 25233) * population / population.sum()
    assert rest["share"].to_numpy() == pytest.approx(expected.to_numpy())
    ratio = shandong.loc["shandong_qingdao", "share"] / shandong.loc["shandong_yantai", "share"]
    assert ratio == pytest.approx(
        proxies.loc["shandong_qingdao", "value"] / proxies.loc["shandong_yantai", "value"]
    )


def test_a_province_missing_one_population_figure_falls_back_to_area(tmp_path) -> None:
    """One basis per province: without Haixi's census figure all of Qinghai goes by area."""
    import shutil

    copy = tmp_path / "regions"
    shutil.copytree(DATA, copy)
    path = copy / "estimation" / "prefecture_proxies.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join(line for line in lines if not line.startswith("qinghai_haixi,")) + "\n",
        encoding="utf-8",
    )
    shares = _shares(copy)
    qinghai = shares[shares["province"] == "qinghai"]
    assert len(qinghai) == 8
    rest = qinghai.drop(index="qinghai_xining")  # Xining: reported, 477 of 15,753 (2021)
    assert (rest["basis"] == "remainder of the province by area").all()
    area = pd.read_csv(DATA / "prefecture" / "nodes.csv").set_index("node").loc[rest.index]
    expected = (1 - 477 / 15753) * area["area_km2"] / area["area_km2"].sum()
    assert rest["share"].to_numpy() == pytest.approx(expected.to_numpy())
    shandong = shares[shares["province"] == "shandong"].drop(index="shandong_jinan")
    assert (shandong["basis"] == "remainder of the province by 2020 census population").all()


def test_a_population_figure_for_an_unknown_unit_is_an_error(tmp_path) -> None:
    import shutil

    from model.data.build import write_build
    from model.errors import DataError

    copy = tmp_path / "regions"
    shutil.copytree(DATA, copy)
    path = copy / "estimation" / "prefecture_proxies.csv"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            "shandong_atlantis,population,2020,10,10^4 persons,reported,census_2020_shanxi,\n"
        )
    rows = len(pd.read_csv(path)) + 1
    with pytest.raises(DataError) as caught:
        write_build(copy)
    assert (
        f"estimation/prefecture_proxies.csv row {rows}, column node: value 'shandong_atlantis'"
        in str(caught.value)
    )
