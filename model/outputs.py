"""Write a run's results to ``runs/<scenario>/`` atomically, and read them back.

Everything is written into a temporary sibling folder first and moved into
place only when complete, so an interrupted run never leaves half-written
results, and a previous run's results survive a failed one.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

FLOAT_FORMAT = "%.6f"
RESULT_TABLES = (
    "hauls",
    "processing",
    "unutilized",
    "expansions",
    "capacity_use",
    "utilization",
    "shadow_prices",
    "costs",
    "emissions",
    "node_emissions",
    "drawdown",
)


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder that replaces ``target`` when the block succeeds."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes 0700; results are ordinary folders
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, backup)
    os.replace(staging, target)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def write_table(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("wastealloc", "pyomo", "highspy", "pandas", "geopandas", "matplotlib"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def write_run(
    target: Path,
    tables: dict[str, pd.DataFrame],
    summary: dict[str, Any],
    figures: Callable[[Path], list[str]] | None = None,
) -> Path:
    """Write tables, ``summary.json`` and (optionally) figures; move into place at the end."""
    with atomic_directory(target) as staging:
        for name, frame in tables.items():
            write_table(frame, staging / f"{name}.csv")
        drawn = figures(staging) if figures is not None else []
        summary = {**summary, "files": sorted([f"{n}.csv" for n in tables] + drawn)}
        (staging / "summary.json").write_text(
            json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
            encoding="utf-8",
        )
    return target


def read_run(result_dir: Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Read a run written by :func:`write_run` (used by maps, never by the solver)."""
    result_dir = Path(result_dir)
    summary_path = result_dir / "summary.json"
    if not summary_path.is_file():
        raise FileNotFoundError(
            f"{result_dir}: no summary.json; expected a folder written by `wastealloc solve`"
        )
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    tables = {}
    for name in RESULT_TABLES:
        path = result_dir / f"{name}.csv"
        if path.is_file():
            tables[name] = pd.read_csv(path, keep_default_na=True)
    return tables, summary
