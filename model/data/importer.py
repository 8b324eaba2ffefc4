"""Bring your own statistics: import the yearbook table of province totals.

Reads the China Statistical Yearbook table 各地区一般工业固体废物产生及利用情况
as published (CSV, .xlsx or .xls; Chinese or bilingual headers and names; a 全国
row) or the documented template (``province, generated_10kt, utilized_10kt,
disposed_10kt, stored_10kt``) with :mod:`model.data.importer_read`, checks it, and
writes a copy of the dataset in which the imported figures replace the
province totals for that year. The estimated tables are then rebuilt from them
and the file is recorded as a source. The shipped dataset is never modified.

What the import refuses rather than guesses (each a named error, exit 2):

* a file without a row for every province of the model, unless ``partial``:
  then the others keep their non-estimated rows of other years and get
  re-estimated base-year rows (status ``estimated``, the note says how);
* a new base year without a national row (全国 / National Total) giving
  generated and utilized: the national totals would stay those of the old year;
* a national row below the sum of the file's provinces (units mixed up).

Utilized above generated is kept as reported (the excess is drawn from earlier
years' stockpiles, as the yearbook counts it) and listed in the result.
``calibration.csv`` described the old figures, so it is removed from the copy;
``wastealloc data calibrate`` rewrites it.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.data.importer_read import AMOUNTS, Table, parse_table
from model.errors import DataError, Problem
from model.files import MARKER, SUPERSEDED, atomic_directory

NATIONAL_PARAMETERS = {
    "generated_10kt": "national_generated_10kt",
    "utilized_10kt": "national_utilized_10kt",
    "disposed_10kt": "national_disposed_10kt",
    "stored_10kt": "national_stored_10kt",
}
NATIONAL_REQUIRED = ("generated_10kt", "utilized_10kt")  # the estimates rest on these two
SUM_TOLERANCE = 0.005  # provinces may exceed the national row by rounding only


@dataclass(frozen=True)
class ImportResult:
    out_dir: Path
    year: int
    imported: list[str]  # nodes whose totals came from the file
    missing: dict[str, str]  # node -> its base-year total's status and note (partial files)
    ignored: list[tuple[int, str]]  # (row, first cell) of rows outside the model's nodes
    national: dict[str, float]
    national_kept: list[str]  # national parameters not in the file, kept from the old data
    above_generated: list[tuple[str, float, float]]  # (node, generated, utilized)
    unit_notes: list[str]
    calibration_removed: bool
    notes: list[str]  # files of an earlier import in out_dir that were set aside


def _check_coverage(
    path: Path, table: Table, nodes: pd.DataFrame, old_year: int, year: int, partial: bool
) -> list[Problem]:
    """Missing provinces, a missing national row, a national row below its provinces."""
    problems = []
    missing = [n for n in nodes.index if n not in set(table.rows["node"])]
    if missing and not partial:
        listed = ", ".join(f"{n} ({nodes.loc[n, 'name_zh']})" for n in missing)
        problems.append(
            Problem(
                path.name,
                None,
                "",
                f"no row for {len(missing)} of the model's {len(nodes)} provinces: {listed}",
                "a row for every province; or pass --partial to keep estimates for the "
                "others (their rows say so)",
            )
        )
    titled = set(re.findall(r"((?:19|20)\d\d)\s*年", table.title))
    if len(titled) == 1 and titled != {str(year)}:
        problems.append(
            Problem(path.name, None, "title", table.title[:80], f"figures for {year} (--year)")
        )
    if year != old_year:
        absent = [k for k in NATIONAL_REQUIRED if k not in table.national]
        if absent:
            where = f"row {table.national_row}" if table.national_row else "no national row"
            problems.append(
                Problem(
                    path.name,
                    table.national_row,
                    "",
                    f"{where}: {', '.join(absent)} missing",
                    f"a national row (全国 / National Total) with generated and utilized: "
                    f"the dataset's national totals are for {old_year}, not {year}",
                )
            )
    for key, value in table.national.items():
        if key not in table.rows or value <= 0:
            continue
        summed = float(table.rows[key].sum())
        if summed > value * (1 + SUM_TOLERANCE) + 5:
            problems.append(
                Problem(
                    path.name,
                    table.national_row,
                    table.header.names[key],
                    f"{value:g}",
                    f"at least the sum of the file's provinces ({summed:,.0f} x 10^4 t): "
                    "are the national row and the provinces in the same unit?",
                )
            )
    return problems


def _parameters(
    params: pd.DataFrame, table: Table, year: int, old_year: int, source_id: str, name: str
) -> tuple[pd.DataFrame, list[str]]:
    params = params.copy()
    params.loc[params["parameter"] == "base_year", ["value", "note"]] = [
        year,
        f"Set by `wastealloc data import {name}`.",
    ]
    kept = []
    for key, parameter in NATIONAL_PARAMETERS.items():
        mask = params["parameter"] == parameter
        if key in table.national:
            params.loc[mask, ["value", "status", "source_id", "note"]] = [
                table.national[key],
                "reported",
                source_id,
                f"national row (row {table.national_row}) of {name}",
            ]
        elif mask.any():
            kept.append(parameter)
            if year != old_year:
                params.loc[mask, "note"] = (
                    f"{old_year} value kept: the national row of {name} has no {key}. "
                    + params.loc[mask, "note"].astype(str)
                )
    return params, kept


def _province_rows(table: Table, year: int, source_id: str, name: str) -> pd.DataFrame:
    rows = table.rows
    rate = None
    if "utilized_10kt" in rows:  # as the yearbook: utilized / (generated + out of stockpiles)
        both = rows[["generated_10kt", "utilized_10kt"]]
        rate = (rows["utilized_10kt"] / both.max(axis=1)).round(4)
    return pd.DataFrame(
        {
            "node": rows["node"],
            "year": year,
            **{k: rows.get(k) for k in AMOUNTS},
            "utilization_rate": rate,
            "status": "reported",
            "source_id": source_id,
            "note": [f"imported from {name} row {r}" for r in rows["row"]],
        }
    )


def _relabel(exc: DataError, staging: Path, label: str) -> DataError:
    """The same problems, naming the user's output folder instead of the staging folder."""

    def scrub(text: str) -> str:
        for form in (str(staging.resolve()), str(staging), staging.name):
            text = text.replace(form, label)
        return text

    problems = [
        Problem(scrub(p.file), p.row, p.column, scrub(p.value), scrub(p.expected))
        for p in exc.problems
    ]
    return DataError(scrub(exc.data_dir), problems)


def import_table(
    path: Path,
    data_dir: Path,
    out_dir: Path,
    year: int,
    title: str | None = None,
    partial: bool = False,
) -> ImportResult:
    """Write a copy of ``data_dir`` to ``out_dir`` with the file's totals; rebuild estimates."""
    from model.data.build import write_build
    from model.data.tables import load_dataset
    from model.data.totals import base_year_totals

    path, data_dir, out_dir = Path(path), Path(data_dir), Path(out_dir)
    start = load_dataset(data_dir)  # the dataset to start from passes every check
    nodes, old_year = start.nodes, int(start.parameters["base_year"])
    table = parse_table(path, nodes, year)
    problems = _check_coverage(path, table, nodes, old_year, year, partial)
    if table.rows.empty:
        problems.append(
            Problem(path.name, None, "", "", "at least one row for a province of the model")
        )
    if problems:
        raise DataError(str(path), problems)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    source_id = f"import_{re.sub(r'[^a-z0-9]+', '_', path.stem.lower()).strip('_')}_{year}"
    label = f"the dataset imported from {path.name} (nothing written to {out_dir})"
    staging: Path | None = None
    try:
        with atomic_directory(out_dir, "dataset") as written:
            staging = written.staging
            skip = shutil.ignore_patterns(MARKER, SUPERSEDED)  # of an earlier import
            shutil.copytree(data_dir, staging, dirs_exist_ok=True, ignore=skip)
            calibration = staging / "calibration.csv"
            removed = calibration.is_file()
            calibration.unlink(missing_ok=True)
            totals = pd.read_csv(staging / "province_totals.csv")
            replaced = set(table.rows["node"])
            keep = ~((totals["year"] == year) & totals["node"].isin(replaced))
            keep &= totals["status"] != "estimated"
            new_rows = _province_rows(table, year, source_id, path.name)
            pd.concat([totals[keep], new_rows], ignore_index=True).to_csv(
                staging / "province_totals.csv", index=False, lineterminator="\n"
            )
            params, kept = _parameters(
                pd.read_csv(staging / "parameters.csv"),
                table,
                year,
                old_year,
                source_id,
                path.name,
            )
            params.to_csv(staging / "parameters.csv", index=False, lineterminator="\n")
            sources = pd.read_csv(staging / "sources.csv", dtype=str, keep_default_na=False)
            sources = sources[sources["source_id"] != source_id]
            sources.loc[len(sources)] = {
                "source_id": source_id,
                "kind": "statistic",
                "title": title or f"Province totals imported from {path.name}",
                "publisher": "supplied by the user",
                "year": str(year),
                "locator": path.name + (f", sheet {table.sheet}" if table.sheet else ""),
                "address": "",
                "note": f"sha256 {digest}; imported by wastealloc data import",
            }
            sources.to_csv(staging / "sources.csv", index=False, lineterminator="\n")
            write_build(staging)
            dataset = load_dataset(staging)  # every check must pass before the copy is published
            built = dataset["province_totals"]
    except DataError as exc:
        raise (_relabel(exc, staging, label) if staging is not None else exc) from None
    missing = sorted(set(nodes.index) - replaced)
    base = base_year_totals(built, year, "generated_10kt").set_index("node")
    how = {n: f"{year} total {base.loc[n, 'status']} ({base.loc[n, 'note']})" for n in missing}
    rows = table.rows.set_index("node")
    above = [
        (str(n), float(r["generated_10kt"]), float(r["utilized_10kt"]))
        for n, r in rows.iterrows()
        if "utilized_10kt" in rows
        and pd.notna(r["utilized_10kt"])
        and r["utilized_10kt"] > r["generated_10kt"]
    ]
    return ImportResult(
        out_dir=out_dir.resolve(),
        year=year,
        imported=sorted(replaced),
        missing=how,
        ignored=table.ignored,
        national=table.national,
        national_kept=kept,
        above_generated=above,
        unit_notes=table.header.unit_notes,
        calibration_removed=removed,
        notes=written.notes(),
    )
