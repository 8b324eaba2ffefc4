"""Map geometry made in a forked process while the model solves (model.outputs.ahead):
the same geometry the maps make themselves, taken over by the map data, and nothing
for a province model."""

from __future__ import annotations

import os

import pytest
import shapely

from model.data.tables import load_dataset
from model.outputs import ahead
from model.outputs.maps import panel
from model.outputs.maps.base import load_boundaries
from tests.conftest import DATA

pytestmark = pytest.mark.timeout(300)  # a copy that is never stopped hangs: fail instead


def _shapes(resolution: str):  # type: ignore[no-untyped-def]
    dataset = load_dataset(DATA, resolution)
    return load_boundaries(dataset.boundaries_path, dataset.nodes)


def test_the_copy_makes_what_the_maps_would_make() -> None:
    maker = ahead.start(DATA, "prefecture")
    assert maker is not None
    made = maker.take()
    shapes = _shapes("prefecture")
    here = panel.shared_geometry(shapes)
    assert set(made) == set(here) and len(here) == 1
    ((kind, _),) = here
    assert kind == "province lines"
    provinces = len(set(shapes["adcode"].astype(int) // 10000))
    for key, lines in here.items():
        assert len(made[key]) == len(lines) == provinces  # one outline each
        for a, b in zip(made[key], lines, strict=True):
            assert shapely.equals_exact(a, b, tolerance=0.0)
    # the lines are kept off the region outlines: none comes within 2 points of one
    ((_, m_per_pt),) = here
    outlines = shapely.union_all(
        shapes[["region", "geometry"]].dissolve(by="region").boundary.to_numpy()
    )
    for line in here[key]:
        if not line.is_empty:
            assert line.distance(outlines) > 2 * m_per_pt


def test_the_key_is_the_one_the_maps_look_up() -> None:
    shapes = _shapes("prefecture")
    ((_, m_per_pt),) = panel.shared_geometry(shapes)
    bounds, w, h = panel.panel_of(shapes)
    assert m_per_pt == panel.metres_per_inch(bounds, w, h) / 72.0


def test_nothing_is_started_for_a_province_model() -> None:
    assert ahead.start(DATA, "province") is None
    assert panel.shared_geometry(_shapes("province")) == {}


def test_a_copy_that_fails_gives_nothing_and_is_gone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    maker = ahead.start(tmp_path / "no-such-data", "prefecture")
    assert maker is not None
    pid = maker._process.pid
    assert maker.take() == {}
    assert not maker._process.is_alive()
    assert pid is not None
    try:
        os.kill(pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive


def test_a_copy_no_longer_wanted_is_stopped() -> None:
    maker = ahead.start(DATA, "prefecture")
    assert maker is not None
    maker.stop()
    assert not maker._process.is_alive()


def test_map_data_takes_over_what_was_made(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from model.outputs import maps
    from model.run import solve_file
    from tests.conftest import RUNS

    solve_file(RUNS / "baseline.toml", tmp_path / "baseline", draw_maps=False)
    data = maps.load_results(tmp_path / "baseline")
    made = object()
    data.adopt({("province lines", 1.0): made})

    def make_again() -> object:
        raise AssertionError("made again")

    assert data.once(("province lines", 1.0), make_again) is made
    data.adopt({("province lines", 1.0): object()})  # what is made stays
    assert data.once(("province lines", 1.0), make_again) is made


def test_a_copy_is_stopped_whatever_sigterm_does_in_this_process() -> None:
    """A copy forked with a SIGTERM handler that does not end it (a CLI test, a Dask
    worker may leave one in this process) is still stopped, and nothing hangs."""
    import signal

    before = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        for _ in range(3):
            maker = ahead.start(DATA, "prefecture")
            assert maker is not None
            maker.stop()
            assert not maker._process.is_alive()
    finally:
        signal.signal(signal.SIGTERM, before)
