"""Results folders: the tables, ``summary.json`` and figures of a run, written and read back.

Written through :func:`model.files.atomic_directory`: whole or not at all, and
never over a folder wastealloc did not make.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from model.files import Kind, Written, atomic_directory
from model.outputs.dictionary import dictionary
from model.outputs.labels import rounded

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


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """A CSV with each number column to its decimals (:func:`model.outputs.labels.rounded`)."""
    rounded(frame).to_csv(path, index=False, lineterminator="\n")


def relative_path(path: str | Path, folder: Path) -> str:
    """``path`` relative to ``folder`` (``../../data/regions``), in forward slashes."""
    try:
        text = os.path.relpath(Path(path).resolve(), Path(folder).resolve())
    except ValueError:  # another drive (Windows): no relative path exists
        return Path(path).resolve().as_posix()
    return Path(text).as_posix()


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
    *,
    kind: Kind = "solve",
    owner: str | None = None,
) -> Written:
    """Write tables, ``summary.json``, ``columns.csv`` (the data dictionary) and
    (optionally) figures; move into place at the end."""
    with atomic_directory(target, kind, owner) as written:
        staging = written.staging
        for name, frame in tables.items():
            write_table(frame, staging / f"{name}.csv")
        drawn = figures(staging) if figures is not None else []
        others = ["summary.json", "columns.csv", *drawn]
        write_table(dictionary(tables, others), staging / "columns.csv")
        files = [f"{n}.csv" for n in tables] + drawn + ["columns.csv"]
        summary = {**summary, "files": sorted(files)}
        (staging / "summary.json").write_text(
            json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
            encoding="utf-8",
        )
    return written


def read_run(
    result_dir: Path, year: int | None = None
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Read a run written by :func:`write_run` (used by maps, never by the solver); a
    multi-year run as one model year, ``year`` (default its map year)."""
    result_dir = Path(result_dir)
    summary_path = result_dir / "summary.json"
    if not summary_path.is_file():
        raise FileNotFoundError(
            f"{result_dir}: no summary.json; expected a folder written by `wastealloc solve`"
        )
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    inputs = summary.get("inputs") if isinstance(summary, dict) else None
    if isinstance(inputs, dict) and isinstance(inputs.get("data_dir"), str):
        # recorded relative to the run folder: readers get a path that works from here
        data_dir = Path(inputs["data_dir"])
        if not data_dir.is_absolute():
            inputs["data_dir"] = str((result_dir / data_dir).resolve())
    tables = {}
    for name in RESULT_TABLES:
        path = result_dir / f"{name}.csv"
        if path.is_file():
            tables[name] = pd.read_csv(path, keep_default_na=True)
    return _one_year(tables, summary, year)


def located(summary: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The summary with its paths (data folder, scenario files) relative to ``folder``.

    A results folder moved together with the project still finds its data, and
    summary.json names no one's home directory. :func:`read_run` resolves the
    data folder again.
    """
    out = dict(summary)
    inputs = dict(out.get("inputs", {}))
    if "data_dir" in inputs:
        inputs["data_dir"] = relative_path(inputs["data_dir"], folder)
    if "scenario_sha256" in inputs:
        inputs["scenario_sha256"] = {
            relative_path(p, folder): h for p, h in inputs["scenario_sha256"].items()
        }
    inputs["paths_relative_to"] = "this folder"
    out["inputs"] = inputs
    settings = out.get("scenario_settings")
    if isinstance(settings, dict) and "data" in settings:
        out["scenario_settings"] = {**settings, "data": relative_path(settings["data"], folder)}
    return out


def years_of(summary: Any) -> list[int] | None:
    """The model years of a multi-year run, None for a one-year run."""
    path = summary.get("path") if isinstance(summary, dict) else None
    if isinstance(path, dict) and path.get("years"):
        return [int(y) for y in path["years"]]
    return None


def map_year(summary: Any) -> int | None:
    """The year a multi-year run is mapped in (``[path] map_year``, default the last year)."""
    years = years_of(summary)
    if years is None:
        return None
    chosen = summary["path"].get("map_year")
    return int(chosen) if chosen is not None else years[-1]


def _one_year(
    tables: dict[str, pd.DataFrame], summary: Any, year: int | None = None
) -> tuple[dict[str, pd.DataFrame], Any]:
    """A multi-year run read as one year (``year``, default its map year): maps and
    ``compare`` read one year's tables, and say which year in ``base_year``."""
    years = years_of(summary)
    if years is None:
        return tables, summary
    if year is None:
        year = map_year(summary)
    elif year not in years:
        raise ValueError(f"no model year {year} in this run; its model years are {years}")
    one = {
        name: frame[frame["year"] == year].drop(columns="year").reset_index(drop=True)
        if "year" in frame.columns
        else frame
        for name, frame in tables.items()
    }
    return one, {**summary, "base_year": year}
