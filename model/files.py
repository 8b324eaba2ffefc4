"""Writing files and folders without losing anything.

A file is replaced whole or not at all (:func:`atomic_file`). A folder (a run, a
sweep, a sensitivity study, a comparison, an imported dataset) is built in a
hidden sibling staging folder and moved into place only when complete
(:func:`atomic_directory`), so an interrupted or failed command never leaves
half-written results and the previous ones survive it.

A folder is replaced only if wastealloc made it: each one carries a marker file
(:data:`MARKER`) naming the command that wrote it. An existing folder without
the marker that holds anything, or a marker of another command (``compare A B
--out A``), or a file, is refused with :class:`OutputError` before anything is
written. Files that another command added to a folder being replaced (maps
drawn by ``wastealloc map``, a user's notes) are not lost: they are copied into
``superseded/<time>/`` inside the new folder, and the command says so.

Staging folders left behind by a killed process (``kill -9``) are removed by
the next write to the same place; if a kill fell between moving the old folder
aside and the new one in, the old folder is put back first.

Shared by every stage that writes, so it sits beside ``errors`` rather than in
any one stage. Files get the modes the user's umask gives.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Literal

from model.errors import WasteallocError

MARKER = ".wastealloc.json"
SUPERSEDED = "superseded"
Kind = Literal["solve", "sweep", "sensitivity", "compare", "dataset", "maps", "report", "study"]
COMMANDS: dict[str, str] = {
    "solve": "wastealloc solve",
    "sweep": "wastealloc sweep",
    "sensitivity": "wastealloc sensitivity",
    "compare": "wastealloc compare",
    "dataset": "wastealloc data import",
    "maps": "wastealloc map",
    "report": "wastealloc report",
    "study": "wastealloc study",
}
# Folders written before markers existed are recognised by their summary.json.
_LEGACY_KEYS: dict[str, set[str]] = {
    "solve": {"scenario", "objective_10k_cny", "versions"},
    "sweep": {"scenario", "parameter", "values"},
    "sensitivity": {"scenario", "method", "solves"},
    "compare": {"a", "b"},
}


class OutputError(WasteallocError):
    """A results folder cannot be written where asked (refused or failed); nothing was lost."""


@dataclass
class Written:
    """What a safe write did: where, and which earlier files it moved aside."""

    target: Path
    staging: Path
    set_aside: list[str] = field(default_factory=list)
    aside_dir: Path | None = None

    def notes(self) -> list[str]:
        if not self.set_aside:
            return []
        shown = ", ".join(self.set_aside[:6]) + (" ..." if len(self.set_aside) > 6 else "")
        return [
            f"{len(self.set_aside)} file(s) in {self.target} that this command did not write "
            f"(drawn by another command or added by hand) were moved to {self.aside_dir}: "
            f"{shown}. They describe the earlier results; redraw maps with `wastealloc map`."
        ]


def marker_kind(folder: Path) -> str | None:
    """The command that wrote ``folder`` (``solve``, ``sweep`` ...), or None if not wastealloc's."""
    marker = folder / MARKER
    if marker.is_file():
        try:
            kind = json.loads(marker.read_text(encoding="utf-8")).get("kind")
        except (OSError, ValueError, AttributeError):
            return None
        return kind if isinstance(kind, str) else None
    summary = folder / "summary.json"
    if summary.is_file():
        try:
            keys = set(json.loads(summary.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
        for kind, needed in _LEGACY_KEYS.items():
            if needed <= keys:
                return kind
    return None


def _scenario_of(folder: Path) -> str | None:
    """The scenario whose results ``folder`` holds (``summary.json``), if any."""
    try:
        name = json.loads((folder / "summary.json").read_text(encoding="utf-8")).get("scenario")
    except (OSError, ValueError, AttributeError):
        return None
    return name if isinstance(name, str) else None


def check_target(target: Path, kind: Kind, owner: str | None = None) -> None:
    """Refuse a target that a write of ``kind`` must not replace (before any work is done).

    ``owner``, the scenario being written, must also be the one whose results the
    folder holds (``solve runs/a.toml --out runs/b`` would replace scenario b's).
    """
    target = Path(target)
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise OutputError(
            f"{target} is a file, not a folder: results are written as a folder; "
            "choose another --out (nothing was written)"
        )
    if not target.exists():
        return
    try:
        entries = sorted(p.name for p in target.iterdir())
    except OSError as exc:
        raise OutputError(f"cannot read {target}: {exc.strerror} (nothing was written)") from None
    if not entries:
        return
    found = marker_kind(target)
    if found is None:
        shown = ", ".join(entries[:5]) + (" ..." if len(entries) > 5 else "")
        raise OutputError(
            f"refusing to replace {target}: it holds files wastealloc did not write ({shown}). "
            "Choose a new or empty folder with --out (nothing was written)."
        )
    # a comparison may replace a folder that only holds its change maps (`map --compare`
    # drew them first): they are drawn again or set aside, never lost
    if found != kind and not (kind == "compare" and found == "maps"):
        raise OutputError(
            f"refusing to replace {target}: it holds the results of "
            f"`{COMMANDS.get(found, found)}`, and `{COMMANDS[kind]}` would overwrite them. "
            "Choose another --out (nothing was written)."
        )
    held = _scenario_of(target) if owner is not None else None
    if held is not None and held != owner:
        raise OutputError(
            f"refusing to replace {target}: it holds the results of scenario {held!r}, and "
            f"scenario {owner!r} would overwrite them. Choose another --out, or delete the "
            "folder first (nothing was written)."
        )


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _abandoned(target: Path) -> list[tuple[str, Path]]:
    """("tmp" or "old", path) of every ``.<name>.tmp-<pid>-…`` / ``.<name>.old-<pid>-…`` beside
    ``target`` whose writing process is gone: what a killed write leaves behind."""
    if not target.parent.is_dir():
        return []
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(tmp|old)-(\d+)-")
    found = []
    for entry in sorted(target.parent.iterdir()):
        match = pattern.match(entry.name)
        if match is not None and not _alive(int(match.group(2))):
            found.append((match.group(1), entry))
    return found


def recover(target: Path) -> None:
    """Clean up after a killed write to ``target``: drop staging, restore a moved-aside folder."""
    for kind, entry in _abandoned(target):
        if kind == "old" and not target.exists():
            os.replace(entry, target)  # the kill fell between the two renames
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _copy(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, dest, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copy2(source, dest, follow_symlinks=False)


def _set_aside(old: Path, new: Path) -> tuple[list[str], Path | None]:
    """Copy every entry of ``old`` that ``new`` does not have into ``new/superseded/<time>/``.

    Copies, not moves: until ``new`` replaces ``old``, ``old`` stays whole.
    """
    copied: list[str] = []
    aside = Path(SUPERSEDED) / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for entry in sorted(old.iterdir()):
        if entry.name == MARKER:
            continue
        if entry.name == SUPERSEDED and entry.is_dir():
            _copy(entry, new / SUPERSEDED)
        elif not (new / entry.name).exists():
            _copy(entry, new / aside / entry.name)
            copied.append(entry.name)
    return copied, (aside if copied else None)


def _failure(target: Path, existed: bool, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "the disk is full"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        reason = f"the folder is not writable ({exc.strerror})"
    kept = f"the previous results in {target} are untouched" if existed else "nothing was written"
    return OutputError(f"could not write {target}: {reason}; {kept}")


@contextmanager
def atomic_directory(target: Path, kind: Kind, owner: str | None = None) -> Iterator[Written]:
    """Yield a :class:`Written` whose ``staging`` folder replaces ``target`` on success.

    Refuses (``OutputError``) a target that :func:`check_target` refuses. On any
    failure or interrupt the staging folder is removed and ``target`` is as it was.
    """
    target = Path(target).absolute()
    check_target(target, kind, owner)
    existed = target.exists()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        recover(target)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent)
        )
        make_ordinary(staging)
    except OSError as exc:
        raise _failure(target, existed, exc) from exc
    written = Written(target, staging)
    try:
        yield written
        marker: dict[str, object] = {"written_by": "wastealloc", "kind": kind}
        marker["version"] = _version()
        marker["files"] = sorted(p.name for p in staging.iterdir())
        (staging / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        check_target(target, kind, owner)  # it may have changed while we worked
        if target.exists():
            backup = target.with_name(f".{target.name}.old-{os.getpid()}-{staging.name[-8:]}")
            written.set_aside, written.aside_dir = _set_aside(target, staging)
            os.replace(target, backup)
            os.replace(staging, target)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise _failure(target, existed, exc) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if written.aside_dir is not None:
        written.aside_dir = target / written.aside_dir


def figure_folder(folder: Path) -> Path:
    """A folder that ``wastealloc map`` may draw into: a wastealloc folder, or a new/empty one.

    Drawing adds files; it never removes any. A new or empty folder gets the marker
    of ``wastealloc map`` so that a later ``map --out`` may draw into it again.
    """
    folder = Path(folder)
    if folder.exists() and folder.is_dir() and marker_kind(folder) is not None:
        return folder
    check_target(folder, "maps")
    mark_folder(folder, "maps")
    return folder


def mark_folder(folder: Path, kind: Kind) -> None:
    """Create ``folder`` (if new) with the marker of the command that writes into it in place
    (``wastealloc map`` draws into it; ``wastealloc study`` adds a part file per point)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        marker = {"written_by": "wastealloc", "kind": kind, "version": _version()}
        (folder / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise _failure(folder, False, exc) from exc


def _version() -> str:
    try:
        return metadata.version("wastealloc")
    except metadata.PackageNotFoundError:
        return "not installed"


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def make_ordinary(path: Path) -> None:
    """Give a file or folder from ``tempfile`` (0600/0700) the modes the user's umask gives."""
    mode = 0o777 if path.is_dir() else 0o666
    path.chmod(mode & ~_umask())


def remove_leftovers(path: Path) -> list[Path]:
    """Remove temporary files of ``path`` left by writers that no longer run (``kill -9``)."""
    removed = []
    for kind, leftover in _abandoned(Path(path)):
        if kind == "tmp" and leftover.is_file():
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


@contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` that replaces it (ordinary modes) on success.

    On any error or interrupt the temporary file is removed and ``target`` is as it
    was; one left by a killed writer is removed by the next write of ``target``.
    """
    target = Path(target)
    remove_leftovers(target)
    prefix = f".{target.name}.tmp-{os.getpid()}-"
    handle, name = tempfile.mkstemp(prefix=prefix, dir=target.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        make_ordinary(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary path)`` and move what it wrote to ``path``; return ``path``."""
    with atomic_file(path) as tmp:
        write(tmp)
    return Path(path)
