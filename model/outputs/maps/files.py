"""Naming the figures that could not be drawn, and why.

Every figure (PNG, SVG, PDF, HTML) is written with :func:`model.files.write_atomically`:
a hidden temporary file beside it, moved over the old one, so a figure is
either the old one or the new one, never empty or cut short, even after kill -9.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path

from model.errors import WasteallocError
from model.outputs.maps.tables import MapError

MODEL_DIR = str(Path(__file__).resolve().parents[2])  # the package folder, model/
"""Frames of an unexpected error inside the package are named in its message."""


@dataclass(frozen=True)
class FigureFailure:
    """A figure that could not be drawn, and why (one line)."""

    figure: str
    reason: str

    @classmethod
    def of(cls, figure: str, exc: BaseException) -> FigureFailure:
        """Our errors say what is wrong; anything else is named with where it happened."""
        if isinstance(exc, WasteallocError):
            reason = str(exc)
        elif isinstance(exc, OSError):
            reason = f"cannot write the file: {exc.strerror or exc}" + (
                f" ({exc.filename})" if exc.filename else ""
            )
        else:
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if MODEL_DIR in f.filename]
            where = ""
            if frames:
                name = Path(frames[-1].filename).relative_to(Path(MODEL_DIR).parent)
                where = f" at {name.as_posix()}:{frames[-1].lineno}"
            reason = f"unexpected {type(exc).__name__}{where}: {exc} (please report this)"
        return cls(figure, " ".join(reason.split()))

    def __str__(self) -> str:
        return f"{self.figure}: {self.reason}"

    def as_dict(self) -> dict[str, str]:
        return {"figure": self.figure, "reason": self.reason}


class FiguresFailed(MapError):
    """Some figures could not be drawn; ``written`` holds the files of the others."""

    def __init__(self, failures: list[FigureFailure], written: list[Path], tried: int) -> None:
        self.failures = failures
        self.written = written
        if len(failures) == 1 and tried == 1:
            message = f"figure {failures[0]}"
        else:
            lines = "".join(f"\n  {f}" for f in failures)
            message = f"{len(failures)} of {tried} figures not drawn:{lines}"
        super().__init__(message)
