"""Shared fixtures: a hand-solvable two-node instance and the shipped baseline."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from model.core.inputs import ModelInputs

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data" / "regions"
RUNS = REPO / "runs"


def two_node_inputs(**overrides: Any) -> ModelInputs:
    """Two nodes (a, b) in one region r, streams ash and slag, pathways cement and road.

    ash: 10 at a; slag: 6 at b. Cement takes ash only, 8 at a; road base takes
    both, 10 at b. Road haul 0.1 CNY/(t·km); 10 km inside a node, 100 km between.
    Opex cement 10, road 20 CNY/t; storage 15 CNY/t for both; no revenue, no CO2.
    """
    base = ModelInputs(
        nodes=("a", "b"),
        node_region={"a": "r", "b": "r"},
        streams=("ash", "slag"),
        pathways=("cement", "road"),
        modes=("road",),
        group_streams={"bulk": frozenset({"ash", "slag"})},
        generation_10kt={("ash", "a"): 10.0, ("slag", "b"): 6.0},
        capacity_10kt={("a", "cement"): 8.0, ("b", "road"): 10.0},
        expansion_max_10kt={},
        share_max={("ash", "cement"): 1.0, ("ash", "road"): 1.0, ("slag", "road"): 1.0},
        revenue_cny_per_t={("ash", "cement"): 0.0, ("ash", "road"): 0.0, ("slag", "road"): 0.0},
        avoided_co2_t_per_t={("ash", "cement"): 0.0, ("ash", "road"): 0.0, ("slag", "road"): 0.0},
        opex_cny_per_t={"cement": 10.0, "road": 20.0},
        capex_cny_per_t_yr={"cement": 0.0, "road": 0.0},
        storage_cost_cny_per_t={"ash": 15.0, "slag": 15.0},
        levy_cny_per_t={"ash": 0.0, "slag": 0.0},
        distance_km={("a", "a"): 10.0, ("b", "b"): 10.0, ("a", "b"): 100.0, ("b", "a"): 100.0},
        arcs=(("a", "a", "road"), ("a", "b", "road"), ("b", "a", "road"), ("b", "b", "road")),
        transport_cost_cny_per_tkm={"road": 0.1},
        handling_cny_per_t={"road": 0.0},
        emission_t_per_tkm={"road": 0.0},
        target_rate={},
    )
    return replace(base, **overrides)


@pytest.fixture
def two_node() -> ModelInputs:
    return two_node_inputs()


@pytest.fixture(scope="session")
def solved_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Results folders of baseline-expansion and target-2025 (no maps), solved once for
    the tests that read saved runs (tables, report)."""
    from model.run import solve_file

    folder = tmp_path_factory.mktemp("solved")
    out = []
    for name in ("baseline-expansion", "target-2025"):
        run = solve_file(RUNS / f"{name}.toml", folder / name, draw_maps=False)
        assert run.out_dir is not None
        out.append(run.out_dir)
    return out[0], out[1]
