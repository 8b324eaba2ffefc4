"""`wastealloc map --compare A B --year`: change maps of two multi-year runs in one model year.

Two short paths on the shipped data (2021, 2025, 2030; the 2025 targets on time or two
years late), solved once for the module. In 2025 only the on-time run has its targets,
so its utilization change there differs from 2030, where both have them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.outputs.maps import load_results
from model.outputs.maps.base import MapError
from model.outputs.maps.compare import change_subtitle, change_values, compare_year
from tests.test_pathway_compare import solve_short_paths


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The short path on time (a), with the 2025 targets late (b), and a one-year run."""
    root = tmp_path_factory.mktemp("map-years")
    return solve_short_paths(root, "years = [2021, 2025, 2030]\nend_year = 2030")


def _change(runs: dict[str, Path], year: int | None, key: str = "utilization") -> np.ndarray:
    chosen = compare_year(runs["a"], runs["b"], year)
    a, b = (load_results(runs[k], year=chosen) for k in ("a", "b"))
    layer, _ = change_values(a, b, key, "en")
    return layer.values.sort_index().to_numpy(dtype=float)


def test_the_year_chosen_changes_the_values_drawn(runs: dict[str, Path]) -> None:
    """Default: the map year (2030). In 2025 the late run falls short of the on-time
    run's targets somewhere; both meet them in 2030, so the changes differ."""
    assert compare_year(runs["a"], runs["b"]) == 2030
    at_2025, at_2030 = _change(runs, 2025), _change(runs, 2030)
    assert np.nanmin(at_2025) < -1e-6  # later targets: lower rates in 2025 somewhere
    assert not np.allclose(at_2025, at_2030, equal_nan=True)
    assert np.allclose(_change(runs, None), at_2030, equal_nan=True)
    a, b = (load_results(runs[k], year=2025) for k in ("a", "b"))
    assert "year 2025 of the path 2021-2030" in change_subtitle(a, b, "en")
    assert "2025年" in change_subtitle(a, b, "zh")


def test_a_one_year_run_against_a_path_takes_the_paths_year(runs: dict[str, Path]) -> None:
    assert compare_year(runs["one"], runs["a"]) == 2030  # the path's map year
    assert compare_year(runs["a"], runs["one"], 2021) == 2021
    one, path = load_results(runs["one"]), load_results(runs["a"], year=2021)
    assert "year 2021 of the path 2021-2030" in change_subtitle(path, one, "en")
    with pytest.raises(MapError, match="one-year runs"):
        compare_year(runs["one"], runs["one"], 2021)


def test_a_year_neither_run_has_is_refused_naming_the_years(runs: dict[str, Path]) -> None:
    args = ["map", "--compare", str(runs["a"]), str(runs["b"]), "--layer", "utilization"]
    result = CliRunner().invoke(app, [*args, "--year", "2023"])
    assert result.exit_code == 2, result.output
    assert "2021, 2025, 2030" in result.output and "Traceback" not in result.output
    alone = CliRunner().invoke(app, ["map", str(runs["a"]), "--year", "2025"])
    assert alone.exit_code == 2 and "--compare" in alone.output


def test_map_compare_year_draws_and_records_the_year(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "maps"
    args = ["map", "--compare", str(runs["a"]), str(runs["b"]), "--layer", "utilization"]
    result = CliRunner().invoke(app, [*args, "--year", "2025", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert list(out.glob("*.png"))
    record = json.loads((out / "maps_drawn.json").read_text())
    assert [s["options"]["year"] for s in record["sets"]] == [2025]
