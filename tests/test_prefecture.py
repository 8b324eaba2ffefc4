"""The prefecture-level resolution: data consistent with the provinces, and it solves."""

from __future__ import annotations

import pandas as pd
import pytest

from model.config import load_scenario
from model.data import load_dataset
from model.run import solve_scenario
from tests.conftest import DATA, RUNS


@pytest.fixture(scope="module")
def prefecture():
    return load_dataset(DATA, "prefecture")


def test_prefecture_tables_add_up_to_the_provinces(prefecture) -> None:
    province = load_dataset(DATA)
    nodes = prefecture.nodes
    assert len(nodes) == 169
    assert set(nodes["province"]) == set(province.nodes.index)
    for name, column in (
        ("generation", "generation_10kt"),
        ("base_utilization", "utilized_10kt"),
        ("capacity", "capacity_10kt"),
    ):
        pref = (
            prefecture[name][column]
            .groupby(
                [
                    prefecture[name].index.get_level_values(0).map(nodes["province"]),
                    prefecture[name].index.get_level_values(1),
                ]
            )
            .sum()
        )
        prov = province[name][column]
        joined = pd.concat([pref, prov], axis=1, keys=["pref", "prov"]).fillna(0.0)
        # capacity is rounded up per prefecture, the rest to the nearest 0.01
        assert (joined["pref"] - joined["prov"]).abs().max() <= 0.02 * 25, name


def test_reported_city_figures_are_kept(prefecture) -> None:
    generation = prefecture["generation"]["generation_10kt"]
    assert generation.loc["zhejiang_hangzhou"].sum() == pytest.approx(572.37, abs=0.1)
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
