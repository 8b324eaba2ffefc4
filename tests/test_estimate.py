"""The estimated tables are reproducible from their inputs, and the base year is calibrated."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from model.data.build import build, write_build
from model.data.totals import base_year_totals
from model.studies.calibration import calibration_table
from tests.conftest import DATA

BASE_YEAR = int(
    pd.read_csv(DATA / "parameters.csv").set_index("parameter").loc["base_year", "value"]
)


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
    base = base_year_totals(totals, BASE_YEAR, "generated_10kt")
    by_node = tables["generation"].groupby("node")["generation_10kt"].sum()
    for _, row in base.iterrows():
        assert by_node[row["node"]] == pytest.approx(row["generated_10kt"], rel=1e-3)


def test_base_utilization_matches_totals_and_stays_below_generation() -> None:
    tables = build(DATA)
    gen = tables["generation"].set_index(["node", "stream"])["generation_10kt"]
    used = tables["base_utilization"].set_index(["node", "stream"])["utilized_10kt"]
    assert (used <= gen.reindex(used.index) + 1e-6).all()
    totals = tables["province_totals"]
    est = base_year_totals(totals, BASE_YEAR, "utilized_10kt")
    for _, row in est.iterrows():
        # utilization of the year's own generation; above it is drawn from stock (Zhejiang)
        own = min(row["utilized_10kt"], row["generated_10kt"])
        assert used.loc[row["node"]].sum() == pytest.approx(own, rel=1e-3)


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
    """Removing floors can only lower cost; in total it cannot add utilization that the
    floored run (capacity = base-year use) does not already have."""
    used = calibration["economics_only_rate"] * calibration["generated_10kt"]
    assert used.sum() <= calibration["modelled_utilized_10kt"].sum() + 1e-6
    assert (calibration["practice_premium_cny_per_t"] >= 0).all()


def test_practice_premium_is_the_cost_of_one_provinces_floors_per_tonne() -> None:
    """Hand check for Tianjin with models built afresh, floors left out of the inputs:
    premium = (cost with every floor - cost without Tianjin's) / Tianjin's base-year use."""
    from dataclasses import replace

    from model.core.config import load_scenario
    from model.core.inputs import prepare
    from model.core.solve import Solver
    from model.data.tables import load_dataset
    from model.studies.calibration import BASELINE, calibrate

    result = calibrate(DATA)
    dataset = load_dataset(DATA)
    inputs = prepare(dataset, load_scenario(BASELINE))
    with_all = Solver(inputs).solve().objective_10k_cny
    rest = {k: v for k, v in inputs.floor_rate.items() if k[1] != "tianjin"}
    without = Solver(replace(inputs, floor_rate=rest)).solve().objective_10k_cny
    none = Solver(replace(inputs, floor_rate={})).solve().objective_10k_cny
    row = result.table.set_index("node").loc["tianjin"]
    assert row["practice_premium_cny_per_t"] == pytest.approx(
        (with_all - without) / row["base_utilized_10kt"], rel=1e-6
    )
    assert result.premium_all_cny_per_t == pytest.approx(
        (with_all - none) / result.table["base_utilized_10kt"].sum(), rel=1e-6
    )
    assert result.premium_all_cny_per_t > 0


def test_shipped_calibration_report_is_current(calibration: pd.DataFrame) -> None:
    shipped = pd.read_csv(DATA / "calibration.csv")
    assert list(shipped.columns) == list(calibration.columns)
    assert list(shipped["node"]) == list(calibration["node"])
    for column in ("modelled_rate", "economics_only_rate", "practice_premium_cny_per_t"):
        assert shipped[column].to_numpy() == pytest.approx(
            calibration[column].to_numpy(), abs=1e-3
        ), column


def _edited_copy(
    tmp_path: Path, file: str, starts: str, edit: Callable[[str], str]
) -> tuple[Path, int]:
    """A copy of the shipped data with the line of ``file`` that starts with ``starts``
    edited; (the copy, the line's row number as the problems name it, header = 1)."""
    copy = tmp_path / "regions"
    shutil.copytree(DATA, copy)
    path = copy / file
    lines = path.read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith(starts))
    lines[row] = edit(lines[row])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return copy, row + 1


def _refused_by_validate_and_build(copy: Path, expected: tuple[str, ...]) -> None:
    """Both ``validate`` (load_dataset) and ``data build`` refuse the copy, naming each
    of ``expected``."""
    from model.data.tables import load_dataset
    from model.errors import DataError

    for attempt in (lambda: load_dataset(copy), lambda: write_build(copy)):
        with pytest.raises(DataError) as caught:
            attempt()
        for text in expected:
            assert text in str(caught.value)


def test_a_proxy_in_another_unit_or_year_is_named_before_anything_is_built(tmp_path) -> None:
    """A thermal-power figure in TWh, for a year without a national total: both are
    reported by validate and by data build, with file, row, column and value."""
    copy, row = _edited_copy(
        tmp_path,
        "estimation/proxies.csv",
        "hebei,thermal_power,",
        lambda line: line.replace(",2020,", ",2021,").replace("10^8 kWh", "TWh"),
    )
    _refused_by_validate_and_build(
        copy,
        (
            f"estimation/proxies.csv row {row}, column unit: value 'TWh': "
            "expected 10^8 kWh for thermal_power",
            f"estimation/proxies.csv row {row}, column year: value '2021': "
            "expected a year with a national total national_thermal_power_2021",
        ),
    )


def test_red_mud_comes_from_a_reported_figure_else_from_alumina(tmp_path) -> None:
    """The rule, on edited inputs: a reported red-mud figure wins over alumina; alumina x
    ratio otherwise; neither gives a labelled 0."""
    from model.data.build import input_frames
    from model.data.estimate import read_inputs, split_streams

    copy = tmp_path / "regions"
    shutil.copytree(DATA, copy)
    proxies = copy / "estimation" / "proxies.csv"
    with proxies.open("a", encoding="utf-8") as handle:
        handle.write("henan,alumina,2020,1000,10^4 t,reported,alumina_2020,test\n")
        handle.write("shanxi,alumina,2020,2000,10^4 t,reported,alumina_2020,test\n")
    frames = input_frames(copy)
    generation = split_streams(read_inputs(frames, frames["province_totals"])).set_index(
        ["node", "stream"]
    )
    ratio = pd.read_csv(DATA / "estimation" / "coefficients.csv").set_index("coefficient")
    ratio = float(ratio.loc["red_mud_per_alumina", "value"])
    reported = pd.read_csv(DATA / "estimation" / "proxies.csv").set_index(["node", "proxy"])

    def red_mud(node: str) -> pd.Series:
        return generation.loc[(node, "red_mud")]

    assert red_mud("henan")["generation_10kt"] == pytest.approx(1000 * ratio)
    assert "alumina" in red_mud("henan")["note"]
    assert red_mud("shanxi")["generation_10kt"] == pytest.approx(
        reported.loc[("shanxi", "red_mud"), "value"]
    )
    assert "(red_mud 2023)" in red_mud("shanxi")["note"]
    assert red_mud("jiangsu")["generation_10kt"] == 0.0
    assert "placeholder" in red_mud("jiangsu")["note"]


def test_a_province_total_that_disagrees_with_itself_is_named_before_anything_is_built(
    tmp_path: Path,
) -> None:
    """A generated amount a digit short (Henan 1,665 for 16,647) would read as a draw of
    11,396 on stock; its own rate and its own balance give it away, in validate and in
    data build, and nothing is written."""
    from model.data.totals import check_total_rows

    copy, row = _edited_copy(
        tmp_path,
        "province_totals.csv",
        "henan,2021,16647.0,",
        lambda line: line.replace("henan,2021,16647.0,", "henan,2021,1665.0,"),
    )
    before = (copy / "generation.csv").read_bytes()
    _refused_by_validate_and_build(
        copy,
        (
            f"province_totals.csv row {row}, column generated_10kt: value '1665': "
            "expected about utilized + disposed + stored = 16872 for henan 2021",
            f"province_totals.csv row {row}, column utilization_rate: value '0.7846': "
            "expected the rate its amounts give for henan 2021: utilized 13061 / (generated "
            "1665 + utilized above generated) = 1.0000",
        ),
    )
    assert (copy / "generation.csv").read_bytes() == before
    # every shipped row agrees with itself: rates to 0.01, balances within 0% and +8%
    shipped = pd.read_csv(DATA / "province_totals.csv").assign(_row=lambda f: range(2, len(f) + 2))
    assert check_total_rows(shipped) == []
