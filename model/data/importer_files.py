"""Open a yearbook file (CSV, .xlsx or .xls) as sheets of text cells.

The file's format is taken from its first bytes, not its name. Workbooks are
read through their first ``MAX_COLUMNS`` columns: .xlsx as a stream (openpyxl in
read-only mode), so a stray cell far to the right or formatting down to row
1,048,576 costs neither memory nor time; .xls with calamine (the format is at
most 256 columns by 65,536 rows). :mod:`model.data.importer_read` finds the
table in them.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

import pandas as pd

from model.errors import DataError, Problem

MAX_COLUMNS = 60  # the table is read from the first 60 columns of a sheet


def text(value: object) -> str:
    """A cell as text: NFKC (full-width digits, spaces and brackets to ASCII), trimmed."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def one_line(cell: str) -> str:
    """A cell for messages: its lines joined with ' / ', runs of spaces collapsed."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in cell.splitlines()]
    return " / ".join(line for line in lines if line)


@dataclass(frozen=True)
class Sheet:
    name: str | None  # None for a CSV file
    rows: list[list[str]]  # cells as text; row n of the sheet is rows[n - 1]


def file_problem(path: Path, expected: str, value: str = "") -> DataError:
    return DataError(str(path), [Problem(path.name, None, "", value, expected)])


def _kind(path: Path, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if re.match(rb"\s*<(!doctype html|html|\?xml|table)", head.lower()):
        raise file_problem(
            path,
            "a CSV, .xlsx or .xls file; this is an HTML or XML page saved under that name "
            "(open it in Excel or LibreOffice and save it as .xlsx)",
        )
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise file_problem(
            path,
            f"an Excel workbook, as its name {path.suffix} says; the file is plain text "
            "(a CSV file?): rename it to .csv if it is one",
        )
    return "csv"


def _csv_rows(path: Path, data: bytes) -> list[list[str]]:
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text"
    for encoding in ("utf-16",) if utf16 else ("utf-8-sig", "gb18030"):
        try:
            content = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in content:
            break
        delimiter = "\t" if content[:8192].count("\t") > content[:8192].count(",") else ","
        reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
        rows = [[text(c) for c in row[:MAX_COLUMNS]] for row in reader]
        _check_not_cut(path, content, rows)
        return rows
    raise file_problem(
        path, "a CSV text file in UTF-8, GB18030 (GBK) or UTF-16, or an Excel workbook"
    )


def _check_not_cut(path: Path, content: str, rows: list[list[str]]) -> None:
    """A file cut short (an interrupted download or copy) ends inside a row: no line break
    at the end and fewer cells than the row above. Its last figure may be cut too. A last
    row of one cell (a note under the table) is not taken for a cut."""
    if content.endswith(("\n", "\r")) or len(rows) < 2 or len(rows[-1]) >= len(rows[-2]):
        return
    if sum(1 for cell in rows[-1] if cell) < 2:
        return
    raise DataError(
        str(path),
        [
            Problem(
                path.name,
                len(rows),
                "",
                one_line(",".join(rows[-1]))[:60],
                f"a whole last row: it has {len(rows[-1])} cells where the row above has "
                f"{len(rows[-2])}, and the file ends without a line break, so it looks cut "
                "short; download or save it again",
            )
        ],
    )


def _xlsx_sheets(path: Path) -> Iterator[tuple[str, Iterator[tuple[object, ...]]]]:
    import openpyxl

    # A handle, not a name: openpyxl refuses names not ending in .xlsx (an .xlsx saved as .xls)
    with path.open("rb") as handle:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False)
        try:
            for sheet in book.worksheets:
                yield sheet.title, sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        finally:
            book.close()


def _xls_sheets(path: Path) -> Iterator[tuple[str, Iterator[tuple[object, ...]]]]:
    # A compound file is whole sectors (512 or 4096 bytes, 2**shift at offset 30); a cut
    # file is not, and calamine panics on some of them rather than raising.
    with path.open("rb") as handle:
        shift = int.from_bytes(handle.read(32)[30:32], "little")
    if shift not in (9, 12) or path.stat().st_size % (1 << shift):
        raise EOFError(f"{path.stat().st_size:,} bytes is not a whole number of sectors")
    with path.open("rb") as handle, pd.ExcelFile(handle, engine="calamine") as book:
        for name in book.sheet_names:
            frame = pd.read_excel(book, sheet_name=name, header=None, dtype=object)
            frame = frame.iloc[:, :MAX_COLUMNS]
            yield str(name), frame.itertuples(index=False, name=None)


def _sheet(name: str | None, rows: Iterable[Sequence[object]]) -> Sheet:
    empty: list[str] = []
    cells = []
    for row in rows:
        if row.count(None) == len(row):  # formatting without values, down to row 1,048,576
            cells.append(empty)
            continue
        texts = [text(c) for c in row]
        while texts and not texts[-1]:
            texts.pop()
        cells.append(texts)
    return Sheet(name, cells)


def read_sheets(path: Path) -> Iterator[Sheet]:
    """The sheets of the file, in order (a CSV file is one sheet); errors name the file."""
    if not path.is_file():
        raise file_problem(path, "an existing file (CSV, .xlsx or .xls)")
    with path.open("rb") as handle:
        head = handle.read(512)
    if not head.strip():
        raise file_problem(path, "a table; the file is empty")
    kind = _kind(path, head)
    if kind == "csv":
        yield _sheet(None, _csv_rows(path, path.read_bytes()))
        return
    reader = _xlsx_sheets if kind == "xlsx" else _xls_sheets
    label = "an .xlsx workbook" if kind == "xlsx" else "a legacy .xls workbook"
    from python_calamine import CalamineError

    try:
        for name, rows in reader(path):
            yield _sheet(name, rows)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, ParseError) as exc:
        raise file_problem(
            path,
            f"{label} that can be read; it is truncated or damaged ({exc}); "
            "save it again from Excel or download it again",
        ) from None
    except CalamineError as exc:
        raise file_problem(path, f"{label} that can be read ({exc})") from None
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":  # raised by calamine's Rust code
            raise
        raise file_problem(path, f"{label} that can be read; it is damaged ({exc})") from None


# --- header, units, regions ----------------------------------------------------------
