"""Map geometry made in a forked process while the model solves.

A prefecture map set draws the province borders kept 3 points off the region
outlines; offsetting those outlines takes seconds, and it depends on the
boundaries alone, not on the results. So ``wastealloc solve`` starts a copy of
itself that reads the data and makes that geometry on the other core while the
model is built and solved, and the maps take it over
(:meth:`model.outputs.maps.base.MapData.adopt`) instead of making it after the
solve. The geometry is the same either way (passed whole, by pickle).

Nothing depends on it: where there is no fork, or the copy fails, or it is not
done by the time the maps are drawn, the maps make the geometry themselves as
before. This module imports nothing heavy, so a solve without maps pays nothing.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from pathlib import Path
from typing import Any


class MapsAhead:
    """The forked process making the shared map geometry of a dataset."""

    def __init__(self, data_dir: Path, resolution: str) -> None:
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_make, args=(send, data_dir, resolution), daemon=True
        )
        self._process.start()
        send.close()  # the copy holds the sending end; EOF here if it dies

    def take(self) -> dict[Any, Any]:
        """The geometry, waiting for it if need be; empty if the copy failed."""
        try:
            made = self._receive.recv()
        except (EOFError, OSError):
            made = None
        self._process.join(5)  # sent: the copy is leaving
        self.stop()
        return made if isinstance(made, dict) else {}

    def stop(self) -> None:
        """End the copy (done, or no longer wanted) and wait for it.

        The receiving end is closed first, so a copy still sending gets a broken pipe;
        SIGTERM, then SIGKILL if the copy is still there: a copy stopped just after the
        fork may still run a SIGTERM handler of this process that does not end it."""
        self._receive.close()
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(2)
        if self._process.is_alive():
            self._process.kill()
        self._process.join()


def start(data_dir: Path, resolution: str) -> MapsAhead | None:
    """Start making the geometry of units below provinces (prefecture maps); None for a
    province model (nothing to make) or where processes cannot be forked."""
    if resolution == "province" or not sys.platform.startswith("linux"):
        return None
    return MapsAhead(data_dir, resolution)


def _make(send: Any, data_dir: Path, resolution: str) -> None:
    """In the copy: read the data, make the geometry, send it (None on any failure)."""
    # terminated quietly by stop(); an interrupt is the parent's to handle (it stops this)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    made = None
    try:
        from model.data.tables import load_dataset
        from model.outputs.maps.base import load_boundaries
        from model.outputs.maps.panel import shared_geometry

        dataset = load_dataset(data_dir, resolution)
        made = shared_geometry(load_boundaries(dataset.boundaries_path, dataset.nodes))
    except Exception:  # the maps make it themselves, and report any error there
        made = None
    finally:
        send.send(made)
        send.close()
