"""Read ``data/regions/`` into typed tables, in one place.

Every file is read as text and each row validated against its row model in
:mod:`model.data.schema`; all problems in all files are collected before anything
fails, so a user fixing their data sees the whole list at once.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from model.data.schema import TABLES, TableSpec, expectation
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


def _encoding_advice(raw: bytes, at: int) -> str:
    """What a file that is not UTF-8 probably is, and how to re-save it."""
    byte = f"byte 0x{raw[at]:02x} is not UTF-8"
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        saved = "UTF-16 (Excel's 'Unicode Text')"
    else:
        try:
            raw.decode("gb18030")
            saved = "GBK/GB18030 (Excel's 'CSV (Comma delimited)' on Chinese Windows)"
        except UnicodeDecodeError:
            saved = "another encoding"
    return (
        f"UTF-8 text ({byte}; the file looks saved as {saved}): re-save it in Excel as "
        "'CSV UTF-8 (Comma delimited)', or convert it with iconv -f GB18030 -t UTF-8"
    )


def _read_records(
    path: Path, name: str, problems: list[Problem]
) -> list[tuple[int, list[str]]] | None:
    """The file's records with their line numbers; None and a problem if it cannot be read whole.

    Text must be UTF-8 (a byte-order mark is fine); GBK is refused with advice
    rather than guessed, as GB18030 decodes almost any bytes, so a guess could
    garble names without a word. Each record must lie on one line, so that a
    record's line number is its spreadsheet row and no row is lost: a stray
    ``"`` at the start of a cell would otherwise swallow every line up to the
    next ``"`` into that one cell (125 of 144 rows of capacity.csv vanished so).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(name, None, "", "", f"a readable file ({exc.strerror})"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(name, line, "", "", _encoding_advice(raw, exc.start)))
        return None
    try:
        records = _parse(text, strict=True)
    except _Malformed as strict:
        # Parsed leniently again only to point at the cell that swallowed the lines.
        try:
            records = _parse(text, strict=False)
        except _Malformed:
            records = []
        if not any(end > start for start, end, _ in records):
            problems.append(Problem(name, strict.line, "", "", strict.expected))
            return None
    for start, end, values in records:
        if end > start:
            cell = next(v for v in values if "\n" in v or "\r" in v)
            header = records[0][2] if start > 1 else []
            at = values.index(cell)
            problems.append(
                Problem(
                    name,
                    start,
                    header[at].strip() if at < len(header) else "",
                    '"' + cell.splitlines()[0][:40],
                    f'a cell on one line: the " at its start opens a quoted text that runs '
                    f"on to line {end}, so lines {start}-{end} read as one row; remove the "
                    'stray " (inside quotes, write a quote as "")',
                )
            )
            return None
    return [(start, values) for start, _, values in records]


class _Malformed(Exception):
    """A record the csv module cannot parse, with the line it starts on."""

    def __init__(self, line: int, error: csv.Error) -> None:
        super().__init__(str(error))
        self.line = line
        if "field limit" in str(error):
            self.expected = (
                f"cells of at most {csv.field_size_limit():,} characters (a longer one is "
                'most likely a stray " opening a quote that runs on over the following lines)'
            )
        else:
            self.expected = f'well-formed CSV ({error}; check for a stray ")'


def _parse(text: str, strict: bool) -> list[tuple[int, int, list[str]]]:
    """Each record of a CSV text with its first and last line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=strict)
    records = []
    line = 0
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            records.append((start, line, values))
    except csv.Error as exc:
        raise _Malformed(line + 1, exc) from exc
    return records


def _duplicates(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> list[Problem]:
    """A problem for each row whose ``columns`` repeat those of an earlier row."""
    problems = []
    first_row: dict[tuple[Any, ...], int] = {}
    keys = zip(*(frame[c].tolist() for c in columns), strict=True)
    for values, row in zip(keys, frame["_row"].tolist(), strict=True):
        if values in first_row:
            problems.append(
                Problem(
                    name,
                    int(row),
                    ",".join(columns),
                    "/".join(str(v) for v in values),
                    f"a unique ({', '.join(columns)}); the same is on row {first_row[values]}",
                )
            )
        else:
            first_row[values] = int(row)
    return problems


def read_table(path: Path, spec: TableSpec, problems: list[Problem]) -> pd.DataFrame:
    """Read one CSV, validate each row, append problems; return the valid rows."""
    name = spec.file
    fields = spec.row.model_fields
    empty = pd.DataFrame(columns=[*fields, "_row"])
    if not path.is_file():
        problems.append(Problem(name, None, "", "", f"the file {name} in {path.parent}"))
        return empty
    records = _read_records(path, name, problems)
    if records is None:
        return empty
    if not records:
        problems.append(Problem(name, None, "", "", "a header row (the file is empty)"))
        return empty
    header = [h.strip() for h in records[0][1]]
    repeated = sorted({h for h in header if header.count(h) > 1 and h})
    for column in repeated:
        problems.append(Problem(name, 1, column, "", "each column once in the header"))
    required = [c for c, f in fields.items() if f.is_required()]
    missing = [c for c in required if c not in header]
    separator = next((s for s in (";", "\t", "|") if len(header) == 1 and s in header[0]), None)
    if missing and separator is not None:  # one problem, not one per column
        problems.append(
            Problem(
                name,
                1,
                "",
                header[0][:60],
                f"columns separated by commas; this header is separated by {separator!r} "
                "(Excel in some locales saves CSV so): save it as 'CSV UTF-8 (Comma delimited)'",
            )
        )
        return empty
    for column in missing:
        problems.append(Problem(name, None, column, "", f"a column named {column!r}"))
    if missing or repeated:
        return empty
    rows: list[dict[str, Any]] = []
    row_numbers: list[int] = []
    for row_number, values in records[1:]:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            problems.append(
                Problem(
                    name,
                    row_number,
                    "",
                    ",".join(values)[:80],
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
                        name,
                        row_number,
                        column,
                        "" if raw is None else str(raw)[:80],
                        expectation(err),
                    )
                )
    frame = pd.DataFrame(rows, columns=list(fields))
    frame["_row"] = row_numbers
    for columns in spec.unique:
        problems += _duplicates(frame, columns, name)
    repeats = _duplicates(frame, spec.key, name)
    problems += repeats
    dropped = {p.row for p in repeats}
    return frame[~frame["_row"].isin(dropped)].reset_index(drop=True)


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
    rejected = frozenset(p.file.removeprefix(f"{sub}/") for p in problems)
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
