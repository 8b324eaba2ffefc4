"""Figures stay: which map sets were drawn into a folder, so that rewriting the folder
(``wastealloc solve`` again, ``wastealloc compare`` again) redraws them from the new
results instead of leaving stale figures or dropping them.

``wastealloc map`` adds each set it draws into a results or comparison folder to
``maps_drawn.json`` in that folder (its options, and for change maps the two folders
compared). A command that rewrites the folder reads the record of the folder it
replaces and draws every set again into the new one, with the new results; a set that
cannot be drawn any more is named in ``figures_failed`` and its old files are kept
under ``superseded/<time>/`` as before (``model.files``), never deleted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.files import write_atomically

if TYPE_CHECKING:
    from model.outputs.maps import MapData, MapOptions
    from model.outputs.maps.files import FigureFailure

RECORD = "maps_drawn.json"


def read_record(folder: Path) -> list[dict[str, Any]]:
    """The map sets recorded in ``folder`` (empty if none, or if the record is unreadable:
    it only saves redrawing by hand)."""
    path = Path(folder) / RECORD
    if not path.is_file():
        return []
    try:
        sets = json.loads(path.read_text(encoding="utf-8")).get("sets", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [s for s in sets if isinstance(s, dict) and isinstance(s.get("options"), dict)]


def write_record(folder: Path, sets: list[dict[str, Any]]) -> Path:
    text = json.dumps({"sets": sets}, indent=1, ensure_ascii=False) + "\n"
    return write_atomically(Path(folder) / RECORD, lambda p: Path(p).write_text(text, "utf-8"))


def entry(options: MapOptions, compare: tuple[Path, Path] | None = None) -> dict[str, Any]:
    """One record entry: the options (JSON types) and, for change maps, A and B."""
    chosen = {k: v for k, v in asdict(options).items() if k != "year" or v is not None}
    out: dict[str, Any] = {"options": json.loads(json.dumps(chosen))}
    if compare is not None:
        out["compare"] = [str(Path(compare[0]).absolute()), str(Path(compare[1]).absolute())]
    return out


def remember(folder: Path, options: MapOptions, compare: tuple[Path, Path] | None = None) -> None:
    """Add a drawn set to the folder's record (once)."""
    sets = read_record(folder)
    new = entry(options, compare)
    if new not in sets:
        write_record(folder, [*sets, new])


def options_of(record: Mapping[str, Any]) -> MapOptions:
    from model.outputs.maps import MapOptions

    known = {f.name for f in fields(MapOptions)}
    given = {k: v for k, v in record["options"].items() if k in known}
    for key in ("maps", "formats", "breaks"):
        if isinstance(given.get(key), list):
            given[key] = tuple(given[key])
    return MapOptions(**given)


def redraw(
    previous: Path, staging: Path, data: MapData | None = None
) -> tuple[list[Path], list[FigureFailure]]:
    """Draw every set recorded in ``previous`` into ``staging`` (the folder replacing it),
    from ``data`` (a solve's new results) or, for change maps, from the two folders
    compared; record them in ``staging``. Returns the files and the failures."""
    from model.outputs.maps import (
        FigureFailure,
        FiguresFailed,
        compare_folders,
        draw_maps,
    )

    sets = read_record(previous)
    written: list[Path] = []
    failed: list[FigureFailure] = []
    kept: list[dict[str, Any]] = []
    for record in sets:
        try:
            options = options_of(record)
            if "compare" in record and data is not None:
                continue  # change maps drawn into a run folder compared its old results
            if "compare" in record:
                a, b = (Path(p) for p in record["compare"])
                written += compare_folders(a, b, options, staging)
            elif data is not None:
                written += draw_maps(data, staging, options)
            else:
                continue
            kept.append(record)
        except FiguresFailed as exc:
            written += exc.written
            failed += exc.failures
            kept.append(record)
        except Exception as exc:  # a set that no longer draws is reported, never silent
            failed.append(FigureFailure.of(f"maps recorded in {RECORD}", exc))
    if kept:
        written.append(write_record(staging, kept))
    return list(dict.fromkeys(written)), failed
