"""Read ``data/regions/`` into typed tables, in one place.

Every file is read as text and each row validated against its row model in
:mod:`model.data.schema`; all problems in all files are collected before anything
fails, so a user fixing their data sees the whole list at once.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from model.data.schema import TABLES, TableSpec
from model.errors import DataError, Problem

BOUNDARIES_FILE = "boundaries_province.geojson"
NODE_TABLES = ("nodes", "generation", "base_utilization", "capacity")
"""Tables that describe nodes: read from ``prefecture/`` at prefecture resolution."""
RESOLUTIONS = {
    "province": ("", "boundaries_province.geojson"),
    "prefecture": ("prefecture", "boundaries_prefecture.geojson"),
}


@dataclass(frozen=True)
class Dataset:
    """The validated input tables, indexed by their key columns."""

    data_dir: Path
    tables: dict[str, pd.DataFrame]
    hashes: dict[str, str] = field(default_factory=dict)
    resolution: str = "province"

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def nodes(self) -> pd.DataFrame:
        return self.tables["nodes"]

    @property
    def parameters(self) -> dict[str, float]:
        return self.tables["parameters"]["value"].to_dict()

    @property
    def node_dir(self) -> Path:
        return self.data_dir / RESOLUTIONS[self.resolution][0]

    @property
    def boundaries_path(self) -> Path:
        return self.node_dir / RESOLUTIONS[self.resolution][1]


def _expectation(err: Any) -> str:
    """Say in words what a pydantic error expected."""
    kind = err["type"]
    ctx = err.get("ctx", {})
    if kind == "missing":
        return "a value (the cell is empty)"
    if kind in ("float_parsing", "float_type"):
        return "a number"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "a whole number"
    if kind == "greater_than_equal":
        return f"a number ≥ {ctx['ge']:g}"
    if kind == "greater_than":
        return f"a number > {ctx['gt']:g}"
    if kind == "less_than_equal":
        return f"a number ≤ {ctx['le']:g}"
    if kind == "less_than":
        return f"a number < {ctx['lt']:g}"
    if kind == "literal_error":
        return f"one of {ctx['expected']}"
    if kind == "string_pattern_mismatch":
        return "a lower-case identifier (letters, digits, _; starting with a letter)"
    if kind == "string_too_short":
        return "a non-empty text"
    return str(err["msg"])


def read_table(path: Path, spec: TableSpec, problems: list[Problem]) -> pd.DataFrame:
    """Read one CSV, validate each row, append problems; return the valid rows."""
    name = spec.file
    if not path.is_file():
        problems.append(Problem(name, None, "", "", f"the file {name} in {path.parent}"))
        return pd.DataFrame(columns=list(spec.row.model_fields))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            problems.append(Problem(name, None, "", "", "a header row (the file is empty)"))
            return pd.DataFrame(columns=list(spec.row.model_fields))
        body = list(reader)
    fields = spec.row.model_fields
    required = [c for c, f in fields.items() if f.is_required()]
    missing = [c for c in required if c not in header]
    for column in missing:
        problems.append(Problem(name, None, column, "", f"a column named {column!r}"))
    if missing:
        return pd.DataFrame(columns=list(fields))
    rows: list[dict[str, Any]] = []
    row_numbers: list[int] = []
    for offset, values in enumerate(body):
        row_number = offset + 2
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            problems.append(
                Problem(
                    name,
                    row_number,
                    "",
                    ",".join(values),
                    f"{len(header)} cells like the header, found {len(values)}",
                )
            )
            continue
        # An empty cell is absent: optional columns take their default, required
        # ones are reported as missing.
        record = {
            h: v.strip()
            for h, v in zip(header, values, strict=True)
            if h in fields and v.strip() != ""
        }
        try:
            rows.append(spec.row(**record).model_dump())
            row_numbers.append(row_number)
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else ""
                raw = record.get(column)
                problems.append(
                    Problem(
                        name, row_number, column, "" if raw is None else str(raw), _expectation(err)
                    )
                )
    frame = pd.DataFrame(rows, columns=list(fields))
    frame["_row"] = row_numbers
    duplicated = frame.duplicated(list(spec.key), keep="first")
    for _, dup in frame[duplicated].iterrows():
        key = "/".join(str(dup[k]) for k in spec.key)
        first = frame[(frame[list(spec.key)] == dup[list(spec.key)]).all(axis=1)]["_row"].iloc[0]
        problems.append(
            Problem(
                name,
                int(dup["_row"]),
                ",".join(spec.key),
                key,
                f"a unique ({', '.join(spec.key)}); the same key is on row {first}",
            )
        )
    return frame[~duplicated].reset_index(drop=True)


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_tables(
    data_dir: Path, resolution: str = "province"
) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Read every table, returning the frames (keyed by file stem) and all problems.

    At prefecture resolution the node tables come from ``prefecture/`` and are
    reported with that prefix; the other tables are shared.
    """
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame] = {}
    sub = RESOLUTIONS[resolution][0]
    for spec in TABLES:
        name = spec.file.removesuffix(".csv")
        folder = data_dir / sub if name in NODE_TABLES and sub else data_dir
        found: list[Problem] = []
        frames[name] = read_table(folder / spec.file, spec, found)
        if folder != data_dir:
            found = [replace(p, file=f"{sub}/{p.file}") for p in found]
        problems += found
    return frames, problems


def load_dataset(data_dir: str | Path, resolution: str = "province") -> Dataset:
    """Read and check the data directory; raise :class:`DataError` listing every problem."""
    from model.data.checks import check_dataset

    data_dir = Path(data_dir).resolve()
    if not data_dir.is_dir():
        raise DataError(str(data_dir), [Problem(str(data_dir), None, "", "", "a directory")])
    frames, problems = load_tables(data_dir, resolution)
    sub, boundaries = RESOLUTIONS[resolution]
    if not (data_dir / sub / boundaries).is_file():
        problems.append(
            Problem(f"{sub}/{boundaries}".lstrip("/"), None, "", "", "the node boundaries file")
        )
    rejected = frozenset(p.file.rsplit("/", 1)[-1] for p in problems)
    cross = check_dataset(frames, rejected)
    if sub:
        node_files = {f"{name}.csv" for name in NODE_TABLES}
        cross = [replace(p, file=f"{sub}/{p.file}") if p.file in node_files else p for p in cross]
        nodes = frames["nodes"]
        known = set(frames["province_totals"]["node"])
        for _, row in nodes.iterrows():
            if row["province"] not in known:
                cross.append(
                    Problem(
                        f"{sub}/nodes.csv",
                        int(row["_row"]),
                        "province",
                        str(row["province"]),
                        "the province of this unit (a node of nodes.csv)",
                    )
                )
    problems += cross
    if problems:
        raise DataError(str(data_dir), problems)
    tables = {name: _index(name, frame) for name, frame in frames.items()}
    files = sorted(
        p for p in data_dir.rglob("*") if p.is_file() and p.suffix in (".csv", ".geojson")
    )
    hashes = {str(p.relative_to(data_dir)): file_hash(p) for p in files}
    return Dataset(data_dir=data_dir, tables=tables, hashes=hashes, resolution=resolution)


def _index(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    spec = next(s for s in TABLES if s.file == f"{name}.csv")
    frame = frame.drop(columns="_row")
    if name in ("levies", "target_groups", "targets", "province_totals", "columns") or (
        name.startswith("estimation/")
    ):
        return frame.reset_index(drop=True)
    return frame.set_index(list(spec.key)).sort_index()
