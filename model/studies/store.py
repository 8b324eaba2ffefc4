"""A study's folder: every finished point written at once, so a study can be resumed.

``runs/<study>/`` holds, while the study runs:

- ``.wastealloc.json``, the marker (``wastealloc study``): no other command
  writes here, and ``wastealloc study`` writes nowhere else;
- ``design.json``: the study's name, kind, points and design hash;
- ``points/0000042.json``: one file per finished point (its row of the table,
  status and reason included), written atomically the moment it finishes, and
  ``points/0000042-processing.csv`` beside it when allocations are kept.

When every point is done, ``study.csv`` (one row per point, in order),
``summary.json`` and the figures are written, each atomically. ``--resume``
reads the part files back, recomputes nothing already done, and refuses a folder
whose design hash is not the study file's.
"""

from __future__ import annotations

import json
import shutil
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from model.files import (
    MARKER,
    OutputError,
    check_target,
    mark_folder,
    marker_kind,
    write_atomically,
)
from model.outputs.folders import write_table
from model.studies.design import Study
from model.studies.engine import Outcome

POINTS = "points"
DESIGN = "design.json"


def _part(index: int) -> str:
    return f"{index:07d}"


class StudyFolder:
    """The folder of one study: what is done, and where each new point goes."""

    def __init__(self, target: Path, study: Study) -> None:
        self.target = Path(target)
        self.study = study
        self.points = self.target / POINTS

    def open(self, resume: bool, command: str) -> dict[int, dict[str, Any]]:
        """Make the folder ready; return the rows of the points already done (resume only).

        Without ``resume``, a finished study's folder is started afresh, and an
        unfinished one is refused (its points would be lost): ``command`` is how to
        resume it.
        """
        check_target(self.target, "study")
        key = self.study.key()
        if self.target.is_dir() and marker_kind(self.target) == "study":
            done = self.read_done()
            held = self._design()
            if resume and done and held.get("sha256") != key:
                raise OutputError(
                    f"cannot resume {self.target}: its {len(done)} finished points were "
                    f"computed for another design (design hash {str(held.get('sha256'))[:12]}, "
                    f"the study file now gives {key[:12]}): the base scenario, the data or "
                    "what the study varies changed. Start afresh without --resume (its points "
                    "are then discarded), or restore the study file."
                )
            if not resume and done and not self._complete():
                raise OutputError(
                    f"{self.target} holds {len(done)} of {len(held.get('points', []))} points "
                    f"of an unfinished run: resume it with `{command} --resume`, or delete the "
                    "folder to start afresh (nothing was changed)"
                )
            if not resume:
                self._clear()
                done = {}
        else:
            mark_folder(self.target, "study")
            done = {}
        self.points.mkdir(exist_ok=True)
        self._write_design(key)
        return done

    def _design(self) -> dict[str, Any]:
        try:
            held = json.loads((self.target / DESIGN).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return held if isinstance(held, dict) else {}

    def _complete(self) -> bool:
        try:
            summary = json.loads((self.target / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return bool(isinstance(summary, dict) and summary.get("complete"))

    def _clear(self) -> None:
        """Remove what an earlier run of the study wrote (part files, tables, figures)."""
        for entry in self.target.iterdir():
            if entry.name == MARKER:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def _write_design(self, key: str) -> None:
        study = self.study
        content = {
            "study": study.name,
            "kind": study.kind,
            "scenario": study.scenario.name,
            "reference": study.reference.name if study.reference is not None else None,
            "sha256": key,
            "parameters": list(study.params or study.factor_names),
            "points": study.points,
        }
        text = json.dumps(content, indent=1, ensure_ascii=False) + "\n"
        write_atomically(self.target / DESIGN, lambda p: p.write_text(text, encoding="utf-8"))

    def read_done(self) -> dict[int, dict[str, Any]]:
        """The rows of the finished points (a part file that cannot be read is not done)."""
        done: dict[int, dict[str, Any]] = {}
        if not self.points.is_dir():
            return done
        for path in sorted(self.points.glob("[0-9]*.json")):
            try:
                row = json.loads(path.read_text(encoding="utf-8"))
                index = int(row["point"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if 0 <= index < len(self.study.points) and path.stem == _part(index):
                done[index] = row
        return done

    def write(self, outcome: Outcome) -> None:
        """Keep one finished point: its allocation first, then its row (the row marks it done)."""
        name = _part(outcome.index)
        allocation = outcome.allocation
        if allocation is not None:
            write_atomically(
                self.points / f"{name}-processing.csv", lambda p: write_table(allocation, p)
            )
        text = json.dumps(outcome.record, ensure_ascii=False)
        write_atomically(self.points / f"{name}.json", lambda p: p.write_text(text, "utf-8"))

    def write_tables(self, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> None:
        """The study's tables and ``summary.json``, each replaced whole."""
        for name, frame in tables.items():
            write_atomically(self.target / f"{name}.csv", partial(write_table, frame))
        text = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
        write_atomically(self.target / "summary.json", lambda p: p.write_text(text, "utf-8"))
