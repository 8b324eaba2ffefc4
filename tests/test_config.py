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
    with pytest.raises(ScenarioError, match=r"transport\.max_haul: unknown key"):
        load_scenario(path)


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
