"""Scenario files: extends, strictness, paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.core.config import DEFAULT_DATA_DIR, load_scenario
from model.errors import ScenarioError
from tests.conftest import RUNS


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_scenarios_load() -> None:
    base = load_scenario(RUNS / "baseline.toml")
    target = load_scenario(RUNS / "target-2025.toml")
    assert base.name == "baseline"
    assert base.targets.sets == ()
    assert target.targets.sets == ("national_2025",)
    # inherited from the baseline, not restated
    assert target.targets.base_year_floor is True
    assert target.transport.max_haul_km == base.transport.max_haul_km
    assert target.source_files[-1].name == "target-2025.toml"
    assert target.source_files[0].name == "baseline.toml"


def test_extends_merges_tables_key_by_key(tmp_path: Path) -> None:
    write(tmp_path / "a.toml", "[transport]\nmax_haul_km = 300\ncost_scale = 2.0\n")
    write(tmp_path / "b.toml", 'extends = "a.toml"\n[transport]\ncost_scale = 0.5\n')
    scenario = load_scenario(tmp_path / "b.toml")
    assert scenario.transport.max_haul_km == 300
    assert scenario.transport.cost_scale == 0.5
    assert scenario.name == "b"
    assert scenario.data == DEFAULT_DATA_DIR


def test_unknown_key_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "typo.toml", "[transport]\nmax_haul = 300\n")
    with pytest.raises(ScenarioError, match=r"transport\.max_haul: unknown key") as caught:
        load_scenario(path)
    # the nearest key, and every key the section has
    assert "did you mean max_haul_km?" in str(caught.value)
    assert "Keys of [transport]: max_haul_km, circuity," in str(caught.value)
    top = write(tmp_path / "top.toml", 'extend = "baseline.toml"\n')
    with pytest.raises(ScenarioError, match="did you mean extends"):
        load_scenario(top)
    nothing_near = write(tmp_path / "far.toml", "[prices]\nzzz = 1\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(nothing_near)
    assert "did you mean" not in str(caught.value)
    assert "Keys of [prices]: carbon_cny_per_t, levy, storage_cost_scale." in str(caught.value)


def test_out_of_range_rate_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.toml", "[targets]\nrates = { bulk = 57 }\n")
    with pytest.raises(ScenarioError, match="expected a share in"):
        load_scenario(path)


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.toml")


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "nope.toml")
    path = write(tmp_path / "broken.toml", "[transport\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(path)


def test_data_path_is_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "mydata").mkdir()
    path = write(tmp_path / "s.toml", 'data = "mydata"\n')
    assert load_scenario(path).data == (tmp_path / "mydata").resolve()


@pytest.mark.parametrize(
    "name", ["..", ".", "", "/abs/path", "a/b", "a\\b", ".hidden", "x[bold]y", "x" * 65]
)
def test_name_must_be_a_plain_file_name(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / "s.toml", f"name = {name!r}\n".replace("'", '"'))
    with pytest.raises(ScenarioError, match=r"expected (a plain file name|a non-empty|a name of)"):
        load_scenario(path)


@pytest.mark.parametrize("name", ["target-2025", "yrb_only.v2", "基线情景", "_draft"])
def test_plain_names_are_kept(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / "s.toml", f'name = "{name}"\n')
    assert load_scenario(path).name == name


def test_file_stem_is_checked_when_name_is_absent(tmp_path: Path) -> None:
    path = write(tmp_path / "..toml", "")
    with pytest.raises(ScenarioError, match=r"the file name '\.' is the scenario's name"):
        load_scenario(path)


def test_deep_extends_chain_is_refused_without_recursion(tmp_path: Path) -> None:
    """1,500 files deep gave a RecursionError; the chain is now a loop with a limit."""
    for i in range(1500):
        write(tmp_path / f"s{i}.toml", f'extends = "s{i + 1}.toml"\n' if i < 1499 else "")
    with pytest.raises(ScenarioError, match="chain deeper than 32 files"):
        load_scenario(tmp_path / "s0.toml")
    # a chain within the limit is followed to its end, base first
    scenario = load_scenario(tmp_path / "s1470.toml")
    assert [p.name for p in scenario.source_files] == [f"s{i}.toml" for i in range(1499, 1469, -1)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[prices]\ncarbon_cny_per_t = "200"\n', "expected a number (without quotes)"),
        ("[prices]\ncarbon_cny_per_t = nan\n", "expected a finite number"),
        ("[transport]\ncircuity = inf\n", "expected a finite number"),
        ("[transport]\ncircuity = 0.5\n", "expected a number ≥ 1"),
        ("[transport]\nmax_haul_km = 1e308\n", "expected a number ≤ 10,000"),
        ('[capacity]\nexpansion = "yes"\n', "expected true or false"),
        ("[solver]\nthreads = 2.5\n", "expected a whole number"),
        ("[targets]\nrates = { bulk = 57 }\n", "share in [0, 1] (did you mean 0.57?)"),
        ('[transport]\nflow_max = { "yrb->jjj" = -1 }\n', "expected a number ≥ 0"),
    ],
)
def test_numbers_are_strict_finite_and_in_range(tmp_path: Path, body: str, expected: str) -> None:
    path = write(tmp_path / "s.toml", body)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert expected in message
    assert message.count("\n") == 0  # one problem, one line
    assert message.startswith(str(path))


def test_huge_description_is_refused(tmp_path: Path) -> None:
    """A 1 MB description hung the map titles; descriptions are one line of at most 500."""
    path = write(tmp_path / "s.toml", f'description = "{"x" * 1_000_000}"\n')
    with pytest.raises(ScenarioError, match="a text of at most 500 characters"):
        load_scenario(path)
