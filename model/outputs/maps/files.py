"""Writing figure files so that a reader never sees half of one, and naming those
that could not be drawn.

Every figure (PNG, SVG, PDF, HTML) is written to a hidden temporary file in
its own folder and moved over the old file with :func:`os.replace`, which is
atomic on one file system: a figure is either the old one or the new one,
never empty or cut short, even if the process is killed while it writes. A
kill -9 can leave the temporary file behind; the next write of the same
figure removes leftovers whose writing process is gone.
"""

from __future__ import annotations

import glob
import os
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from model.errors import WasteallocError
from model.outputs.maps.tables import MapError

TEMP_MARK = ".tmp-"
MODEL_DIR = str(Path(__file__).resolve().parents[2])  # the package folder, model/
"""Frames of an unexpected error inside the package are named in its message."""


def _temp_prefix(path: Path) -> str:
    return f".{path.name}{TEMP_MARK}"


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary path)``, then move the file it wrote to ``path``.

    The temporary file is in ``path``'s folder; on any error or interrupt it is
    removed and ``path`` is left as it was. The file gets the permissions of an
    ordinary new file (the umask). Returns ``path``.
    """
    path = Path(path)
    remove_leftovers(path)
    handle, name = tempfile.mkstemp(prefix=f"{_temp_prefix(path)}{os.getpid()}-", dir=path.parent)
    os.close(handle)
    temp = Path(name)
    try:
        write(temp)
        umask = os.umask(0)
        os.umask(umask)
        temp.chmod(0o666 & ~umask)  # mkstemp makes 0600; figures are ordinary files
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def remove_leftovers(path: Path) -> list[Path]:
    """Remove temporary files of ``path`` left by writers that no longer run."""
    removed = []
    prefix = _temp_prefix(Path(path))
    for leftover in Path(path).parent.glob(f"{glob.escape(prefix)}*"):
        pid = leftover.name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


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
