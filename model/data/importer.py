"""Bring your own statistics: import the yearbook table of province totals.

Reads the China Statistical Yearbook table 各地区一般工业固体废物产生及利用情况
as published (CSV or Excel, Chinese headers, one row per province, a 全国 row)
or the documented template (``province, generated_10kt, utilized_10kt,
disposed_10kt, stored_10kt``), checks it, and writes a copy of the dataset in
which the imported figures replace the shipped province totals for that year.
The estimated tables are then rebuilt from them and the file is recorded as a
source. The shipped dataset is never modified.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.errors import DataError, Problem

# Column meaning -> header fragments that identify it (Chinese yearbook or template).
COLUMN_PATTERNS: dict[str, tuple[str, ...]] = {
    "province": ("地区", "省份", "地 区", "province", "region"),
    "generated_10kt": ("产生量", "generated"),
    "utilized_10kt": ("综合利用量", "utilized"),
    "disposed_10kt": ("处置量", "disposed"),
    "stored_10kt": ("贮存量", "储存量", "stored"),
}
NATIONAL_NAMES = ("全国", "china", "national total", "total")


@dataclass(frozen=True)
class ImportResult:
    out_dir: Path
    year: int
    imported: list[str]  # nodes whose totals came from the file
    missing: list[str]  # nodes of the model not in the file (they keep estimates)
    ignored: list[str]  # rows of the file outside the model's nodes
    national: dict[str, float]


def _clean(text: object) -> str:
    return re.sub(r"[\s\u3000]+", "", str(text)).strip().lower()


def _read_any(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path, header=None, dtype=str)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(
                path, header=None, dtype=str, encoding=encoding, keep_default_na=False
            )
        except UnicodeDecodeError:
            continue
    raise DataError(str(path), [Problem(path.name, None, "", "", "a UTF-8 or GB18030 text file")])


def _locate_header(raw: pd.DataFrame, name: str) -> tuple[int, dict[str, int]]:
    """Find the header row (yearbook files have titles above it) and map columns."""
    for row in range(min(len(raw), 15)):
        cells = [_clean(c) for c in raw.iloc[row].tolist()]
        found: dict[str, int] = {}
        for key, patterns in COLUMN_PATTERNS.items():
            for col, cell in enumerate(cells):
                if key != "province" and ("往年" in cell or "率" in cell or "%" in cell):
                    continue  # prior-year stock sub-columns and rates are not amounts
                if any(_clean(p) in cell for p in patterns) and col not in found.values():
                    found[key] = col
                    break
        if "province" in found and "generated_10kt" in found:
            return row, found
    raise DataError(
        name,
        [
            Problem(
                name,
                None,
                "",
                "",
                "a header row with a region column (地区 or province) "
                "and a generation column (产生量 or generated_10kt)",
            )
        ],
    )


def _match_node(name: str, nodes: pd.DataFrame) -> str | None:
    key = _clean(name)
    if not key:
        return None
    for node, row in nodes.iterrows():
        zh = _clean(row["name_zh"])
        short = re.sub(r"(省|市|自治区|回族|维吾尔|壮族)+$", "", str(row["name_zh"]))
        if key in (zh, _clean(short), _clean(row["name_en"]), str(node), str(row["adcode"])):
            return str(node)
        if key.startswith(_clean(short)) and len(_clean(short)) >= 2:
            return str(node)
    return None


def read_table(path: Path, nodes: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float], list[str]]:
    """Parse the file; return rows per node, the national row, and ignored region names."""
    raw = _read_any(path)
    header_row, columns = _locate_header(raw, path.name)
    problems: list[Problem] = []
    records = []
    national: dict[str, float] = {}
    ignored = []
    for offset in range(header_row + 1, len(raw)):
        cells = raw.iloc[offset].tolist()
        region = str(cells[columns["province"]]).strip()
        if not _clean(region) or _clean(region) == "nan":
            continue
        row_number = offset + 1
        values: dict[str, float | None] = {}
        for key, col in columns.items():
            if key == "province":
                continue
            text = str(cells[col]).strip().replace(",", "")
            if text in ("", "nan", "-", "…", "..."):
                values[key] = None
                continue
            try:
                number = float(text)
            except ValueError:
                problems.append(
                    Problem(
                        path.name,
                        row_number,
                        str(raw.iloc[header_row, col]),
                        text,
                        "a number in 10^4 t",
                    )
                )
                continue
            if number < 0:
                problems.append(
                    Problem(
                        path.name, row_number, str(raw.iloc[header_row, col]), text, "a number ≥ 0"
                    )
                )
                continue
            values[key] = number
        if _clean(region) in NATIONAL_NAMES:
            national = {k: v for k, v in values.items() if v is not None}
            continue
        node = _match_node(region, nodes)
        if node is None:
            ignored.append(region)
            continue
        if values.get("generated_10kt") is None:
            problems.append(
                Problem(
                    path.name,
                    row_number,
                    str(raw.iloc[header_row, columns["generated_10kt"]]),
                    "",
                    f"the generation of {region}",
                )
            )
            continue
        records.append({"node": node, "row": row_number, **values})
    frame = pd.DataFrame(records)
    if not frame.empty:
        for node, dup in frame[frame.duplicated("node", keep="first")].groupby("node"):
            problems.append(
                Problem(
                    path.name,
                    int(dup["row"].iloc[0]),
                    "",
                    str(node),
                    f"one row per province; {node} appears twice",
                )
            )
    if problems:
        raise DataError(str(path), problems)
    return frame, national, ignored


def import_table(
    path: Path, data_dir: Path, out_dir: Path, year: int, title: str | None = None
) -> ImportResult:
    """Write a copy of ``data_dir`` to ``out_dir`` with the file's totals; rebuild estimates."""
    from model.data.estimate import write_build
    from model.data.tables import load_dataset

    path = Path(path)
    if not path.is_file():
        raise DataError(str(path), [Problem(path.name, None, "", "", "an existing file")])
    nodes = pd.read_csv(data_dir / "nodes.csv").set_index("node")
    frame, national, ignored = read_table(path, nodes)
    if frame.empty:
        raise DataError(
            str(path),
            [Problem(path.name, None, "", "", "at least one row for a province of the model")],
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    source_id = f"import_{re.sub(r'[^a-z0-9]+', '_', path.stem.lower()).strip('_')}_{year}"

    out_dir = Path(out_dir).resolve()
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        shutil.copytree(data_dir, staging, dirs_exist_ok=True)
        totals = pd.read_csv(staging / "province_totals.csv")
        replaced = set(frame["node"])
        keep = ~((totals["year"] == year) & totals["node"].isin(replaced))
        keep &= totals["status"] != "estimated"
        new_rows = pd.DataFrame(
            {
                "node": frame["node"],
                "year": year,
                "generated_10kt": frame["generated_10kt"],
                "utilized_10kt": frame.get("utilized_10kt"),
                "disposed_10kt": frame.get("disposed_10kt"),
                "stored_10kt": frame.get("stored_10kt"),
                "utilization_rate": None,
                "status": "reported",
                "source_id": source_id,
                "note": [f"imported from {path.name} row {r}" for r in frame["row"]],
            }
        )
        pd.concat([totals[keep], new_rows], ignore_index=True).to_csv(
            staging / "province_totals.csv", index=False, lineterminator="\n"
        )
        params = pd.read_csv(staging / "parameters.csv")
        params.loc[params["parameter"] == "base_year", ["value", "note"]] = [
            year,
            f"Set by `wastealloc data import {path.name}`.",
        ]
        for key, name in (
            ("generated_10kt", "national_generated_10kt"),
            ("utilized_10kt", "national_utilized_10kt"),
            ("disposed_10kt", "national_disposed_10kt"),
        ):
            if key in national:
                mask = params["parameter"] == name
                params.loc[mask, ["value", "status", "source_id", "note"]] = [
                    national[key],
                    "reported",
                    source_id,
                    f"全国 row of {path.name}",
                ]
        params.to_csv(staging / "parameters.csv", index=False, lineterminator="\n")
        sources = pd.read_csv(staging / "sources.csv", dtype=str, keep_default_na=False)
        sources = sources[sources["source_id"] != source_id]
        sources.loc[len(sources)] = {
            "source_id": source_id,
            "kind": "statistic",
            "title": title or f"Province totals imported from {path.name}",
            "publisher": "supplied by the user",
            "year": str(year),
            "locator": path.name,
            "address": "",
            "note": f"sha256 {digest}; imported by wastealloc data import",
        }
        sources.to_csv(staging / "sources.csv", index=False, lineterminator="\n")
        write_build(staging)
        load_dataset(staging)  # every check must pass before the copy is published
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out_dir.exists():
        shutil.rmtree(out_dir)
    staging.rename(out_dir)
    return ImportResult(
        out_dir=out_dir,
        year=year,
        imported=sorted(replaced),
        missing=sorted(set(nodes.index) - replaced),
        ignored=ignored,
        national=national,
    )
