"""Read a yearbook table of province totals (CSV, .xlsx or .xls) into checked rows.

The China Statistical Yearbook publishes 各地区一般工业固体废物产生及利用情况 with
titles and a unit line above a header row, bilingual cells (``全  国`` and
``National Total`` on two lines of one cell), spaced or full-width-spaced
names, and amounts in 万吨 (10^4 t). This module finds the header, the unit of
each amount column, the national row and the model's provinces, and names
every row it does not use. Amounts are returned in 10^4 t.

The file's format is taken from its first bytes, not its name. Workbooks are
read through their first ``MAX_COLUMNS`` columns: .xlsx as a stream (openpyxl in
read-only mode), so a stray cell far to the right or formatting down to row
1,048,576 costs neither memory nor time; .xls with calamine (the format is at
most 256 columns by 65,536 rows).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

import pandas as pd

from model.errors import DataError, Problem

MAX_COLUMNS = 60  # the table is read from the first 60 columns of a sheet
HEADER_ROWS = 30  # the header is looked for in the first 30 rows

AMOUNTS = ("generated_10kt", "utilized_10kt", "disposed_10kt", "stored_10kt")
# Column meaning -> header fragments (cleaned: lower case, no spaces) that identify it.
COLUMN_PATTERNS: dict[str, tuple[str, ...]] = {
    "province": ("地区", "省份", "province", "region"),
    "generated_10kt": ("产生量", "produced", "generated", "generation"),
    "utilized_10kt": ("综合利用量", "utilized", "utilised"),
    "disposed_10kt": ("处置量", "disposed"),
    "stored_10kt": ("贮存量", "储存量", "stored", "storage"),
}
# Header fragments of columns that are not amounts of the year (rates, stock drawn down).
NOT_AMOUNT = r"率|%|往年|\b(rates?|ratios?|previous|prior|earlier)\b"
NATIONAL_ZH = ("全国", "中国", "全国合计")
NATIONAL_EN = ("china", "wholecountry")  # or any Latin text with "national" in it
YEAR_HEADERS = ("year", "年份", "年度", "年")
# Unit text (NFKC, lower case, no spaces or commas) -> factor to 10^4 t.
UNITS: dict[str, float] = {
    **dict.fromkeys(("万吨", "万t", "10^4t", "104t", "10000t", "10000tons", "10000tonnes"), 1.0),
    **dict.fromkeys(("10kt", "tenthousandtons", "10thousandtons"), 1.0),
    **dict.fromkeys(("亿吨", "亿t", "10^8t", "108t", "100000000t", "100milliontons", "100mt"), 1e4),
    **dict.fromkeys(
        ("百万吨", "百万t", "10^6t", "106t", "mt", "milliontons", "milliontonnes"), 100.0
    ),
    **dict.fromkeys(("千吨", "千t", "kt", "1000t", "thousandtons", "thousandtonnes"), 0.1),
    **dict.fromkeys(("吨", "t", "ton", "tons", "tonne", "tonnes"), 1e-4),
}
UNIT_WORDS = ("吨", "万", "亿", "ton", "10^", "kg")
MISSING = ("", "-", "—", "–", "…", "...", "nan", "none", "n/a", "na")
PROVINCE_SUFFIX = r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$"


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


def _clean(cell: str) -> str:
    return re.sub(r"\s+", "", cell).lower()


def _zh(cell: str) -> str:
    return "".join(re.findall(r"[\u4e00-\u9fff]", cell))


# --- reading the file -----------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    name: str | None  # None for a CSV file
    rows: list[list[str]]  # cells as text; row n of the sheet is rows[n - 1]


def _problem(path: Path, expected: str, value: str = "") -> DataError:
    return DataError(str(path), [Problem(path.name, None, "", value, expected)])


def _kind(path: Path, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if re.match(rb"\s*<(!doctype html|html|\?xml|table)", head.lower()):
        raise _problem(
            path,
            "a CSV, .xlsx or .xls file; this is an HTML or XML page saved under that name "
            "(open it in Excel or LibreOffice and save it as .xlsx)",
        )
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise _problem(
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
    raise _problem(path, "a CSV text file in UTF-8, GB18030 (GBK) or UTF-16, or an Excel workbook")


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
        raise _problem(path, "an existing file (CSV, .xlsx or .xls)")
    with path.open("rb") as handle:
        head = handle.read(512)
    if not head.strip():
        raise _problem(path, "a table; the file is empty")
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
        raise _problem(
            path,
            f"{label} that can be read; it is truncated or damaged ({exc}); "
            "save it again from Excel or download it again",
        ) from None
    except CalamineError as exc:
        raise _problem(path, f"{label} that can be read ({exc})") from None
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":  # raised by calamine's Rust code
            raise
        raise _problem(path, f"{label} that can be read; it is damaged ({exc})") from None


# --- header, units, regions ----------------------------------------------------------


@dataclass(frozen=True)
class Header:
    row: int  # sheet row number of the (first) header row
    last_row: int  # last header row (bilingual headers may take two)
    columns: dict[str, int]  # meaning -> 0-based column
    names: dict[str, str]  # meaning -> header text for messages
    factors: dict[str, float]  # amount -> factor to 10^4 t
    unit_notes: list[str] = field(default_factory=list)
    year_column: int | None = None  # a column of data years, if the table has one


def _match_columns(row: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for key, patterns in COLUMN_PATTERNS.items():
        for col, raw in enumerate(row):
            cell = _clean(raw)
            if col in found.values() or not any(p in cell for p in patterns):
                continue
            if key != "province" and re.search(NOT_AMOUNT, raw.lower().replace("_", " ")):
                continue
            found[key] = col
            break
    return found


def _unit_factor(raw: str) -> float | None:
    key = re.sub(r"[\s,]", "", raw.lower()).lstrip("x×*")
    return UNITS.get(key)


def _declared_units(rows: list[list[str]]) -> list[str]:
    """Units stated as 单位：… / Unit: … in the title or header rows."""
    found = []
    for row in rows:
        for cell in row:
            for m in re.finditer(r"(?:单位|units?)\s*[:]\s*([^\n]+)", cell, re.IGNORECASE):
                parts = re.split(r"[、,;/]", m.group(1))
                found += [p.strip() for p in parts if p.strip() and p.strip() != "%"]
    return found


def _column_unit(header: str) -> str | None:
    for inner in re.findall(r"\(([^()]*)\)", header):
        if any(w in inner.lower() for w in UNIT_WORDS) or _unit_factor(inner) is not None:
            return inner.strip()
    suffix = re.search(r"_(10kt|kt|mt|t)$", header.strip().lower())
    return suffix.group(1) if suffix else None


def locate_header(path: Path, sheet: Sheet) -> Header | None:
    """The header row and each amount column's unit, or None if the sheet has no header."""
    rows = sheet.rows
    for index in range(min(len(rows), HEADER_ROWS)):
        columns = _match_columns(rows[index])
        if "province" not in columns or "generated_10kt" not in columns:
            continue
        last = index
        while last + 1 < len(rows) and _match_columns(rows[last + 1]).keys() >= {
            "province",
            "generated_10kt",
        }:
            last += 1  # an English header row under the Chinese one
        block = rows[index : last + 1]
        names = {
            k: one_line(" / ".join(r[c] for r in block if c < len(r) and r[c]))
            for k, c in columns.items()
        }
        declared = _declared_units(rows[: last + 1])
        years = [c for c, cell in enumerate(rows[index]) if _clean(cell) in YEAR_HEADERS]
        factors, notes = _factors(path, names, declared)
        return Header(index + 1, last + 1, columns, names, factors, notes, next(iter(years), None))
    return None


def _factors(
    path: Path, names: dict[str, str], declared: list[str]
) -> tuple[dict[str, float], list[str]]:
    problems = []
    default: float | None = None
    for unit in declared:
        factor = _unit_factor(unit)
        if factor is None:
            problems.append(Problem(path.name, None, "unit", unit, _KNOWN_UNITS))
        elif default is not None and factor != default:
            problems.append(
                Problem(path.name, None, "unit", "; ".join(declared), "one unit for the table")
            )
        else:
            default = factor
    factors: dict[str, float] = {}
    notes: list[str] = []
    for key, name in names.items():
        if key == "province":
            continue
        own = _column_unit(name)
        factor = _unit_factor(own) if own is not None else default
        if own is not None and factor is None:
            problems.append(Problem(path.name, None, name, own, _KNOWN_UNITS))
            continue
        if factor is None:
            factor = 1.0
            if not notes:
                notes.append("no unit stated in the file: read as 10^4 t (万吨)")
        elif factor != 1.0:
            notes.append(f"{name}: converted from {own or declared[0]} to 10^4 t (x {factor:g})")
        factors[key] = factor
    if problems:
        raise DataError(str(path), problems)
    return factors, notes


_KNOWN_UNITS = "a mass unit: 万吨 (10^4 t), 亿吨 (10^8 t), 百万吨 (Mt), 千吨 (kt) or 吨 (t)"


def province_names(nodes: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """Chinese and Latin spellings of each node -> node id."""
    zh: dict[str, str] = {}
    en: dict[str, str] = {}
    for node, row in nodes.iterrows():
        full = _zh(str(row["name_zh"]))
        zh[full] = zh[re.sub(PROVINCE_SUFFIX, "", full)] = str(node)
        for latin in (str(row["name_en"]), str(node), str(row["adcode"])):
            en[re.sub(r"[^a-z0-9]", "", latin.lower())] = str(node)
    return zh, en


def region_of(cell: str, names: tuple[dict[str, str], dict[str, str]]) -> str | None:
    """'national', a node id, or None; a cell naming two different places is an error."""
    zh_text = _zh(cell)
    latin = re.sub(r"[^a-z0-9]", "", cell.lower())
    if zh_text in NATIONAL_ZH or (not zh_text and ("national" in latin or latin in NATIONAL_EN)):
        return "national"
    by_zh = names[0].get(zh_text) or names[0].get(re.sub(PROVINCE_SUFFIX, "", zh_text))
    by_en = names[1].get(latin) if latin else None
    if by_zh and by_en and by_zh != by_en:
        raise ValueError(f"the cell names two provinces ({by_zh} and {by_en})")
    if zh_text and not by_zh:
        return None  # a Chinese name outside the model, whatever the Latin part says
    return by_zh or by_en


# --- rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """The file's figures in 10^4 t: one row per node, the national row, what was left out."""

    sheet: str | None
    header: Header
    rows: pd.DataFrame  # node, row, and the amounts found (None where the cell is blank)
    national: dict[str, float]
    national_row: int | None
    ignored: list[tuple[int, str]]  # (sheet row number, first non-empty cell) of unused rows
    title: str  # the text above the header (title, unit line)


def _amount(cell: str, factor: float) -> float | str | None:
    """The cell in 10^4 t, None if blank, or the reason it is not an amount."""
    if cell.lower() in MISSING:
        return None
    m = re.fullmatch(r"([-+]?[\d,]*\.?\d+(?:e[-+]?\d+)?)\s*(\D*)", cell.replace(" ", ""), re.I)
    if m is None:
        return "a number"
    if m.group(2):
        unit_factor = _unit_factor(m.group(2))
        if unit_factor is None:
            return _KNOWN_UNITS
        factor = unit_factor
    number = float(m.group(1).replace(",", ""))
    if number < 0:
        return "a number ≥ 0"
    return round(number * factor, 6)


def parse_table(path: Path, nodes: pd.DataFrame, year: int | None = None) -> Table:
    """Read ``path``: its first sheet with a header; every problem found is raised at once.

    If the table has a year column, every used row's year must be ``year``.
    """
    searched = []
    for sheet in read_sheets(path):
        header = locate_header(path, sheet)
        if header is not None:
            return _parse_rows(path, sheet, header, nodes, year)
        searched.append(sheet.name)
    where = f" of sheet(s) {', '.join(map(str, searched))}" if searched and searched[0] else ""
    raise _problem(
        path,
        f"a header row in the first {HEADER_ROWS} rows{where} with a region column "
        "(地区 / Region / province) and a generation column (产生量 / Produced / "
        "generated_10kt)",
    )


def _parse_rows(
    path: Path, sheet: Sheet, header: Header, nodes: pd.DataFrame, year: int | None
) -> Table:
    names = province_names(nodes)
    problems: list[Problem] = []
    records: list[dict[str, object]] = []
    national: dict[str, float] = {}
    national_row: int | None = None
    ignored: list[tuple[int, str]] = []
    other_years: list[tuple[int, str]] = []
    for index in range(header.last_row, len(sheet.rows)):
        cells, number = sheet.rows[index], index + 1
        if not any(cells):
            continue
        col = header.columns["province"]
        cell = cells[col] if col < len(cells) else ""
        try:
            region = region_of(cell, names) if cell else None
        except ValueError as exc:
            problems.append(Problem(path.name, number, header.names["province"], cell, str(exc)))
            continue
        if region is None:
            ignored.append((number, one_line(next(c for c in cells if c))))
            continue
        ycol = header.year_column
        stated = cells[ycol] if ycol is not None and ycol < len(cells) else ""
        if year is not None and stated and stated != str(year):
            other_years.append((number, stated))
        values: dict[str, float | None] = {}
        for key, factor in header.factors.items():
            raw = cells[header.columns[key]] if header.columns[key] < len(cells) else ""
            value = _amount(raw, factor)
            if isinstance(value, str):
                unit = "" if value != "a number" else " in the column's unit"
                problems.append(Problem(path.name, number, header.names[key], raw, value + unit))
            else:
                values[key] = value
        if values.get("generated_10kt") is None and not any(p.row == number for p in problems):
            problems.append(
                Problem(
                    path.name,
                    number,
                    header.names["generated_10kt"],
                    "",
                    f"the generation of {one_line(cell)}",
                )
            )
        if region == "national":
            if national_row is not None:
                problems.append(
                    Problem(
                        path.name,
                        number,
                        header.names["province"],
                        one_line(cell),
                        f"one national row (another is row {national_row})",
                    )
                )
            national = {k: v for k, v in values.items() if v is not None}
            national_row = number
            continue
        records.append({"node": region, "row": number, **values})
    if other_years:
        first, stated = other_years[0]
        problems.append(
            Problem(
                path.name,
                first,
                "year",
                stated,
                f"{year} as --year says ({len(other_years)} rows give another year)",
            )
        )
    frame = pd.DataFrame(records, columns=["node", "row", *header.factors])
    for _, dup in frame[frame.duplicated("node", keep="first")].iterrows():
        first = int(frame.loc[frame["node"] == dup["node"], "row"].iloc[0])
        problems.append(
            Problem(
                path.name,
                int(dup["row"]),
                header.names["province"],
                str(dup["node"]),
                f"one row per province; {dup['node']} is also row {first}",
            )
        )
    if problems:
        raise DataError(str(path), problems)
    title = " ".join(c for r in sheet.rows[: header.row - 1] for c in r)
    return Table(sheet.name, header, frame, national, national_row, ignored, title)
