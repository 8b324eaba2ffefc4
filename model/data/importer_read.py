"""Read a yearbook table of province totals (CSV, .xlsx or .xls) into checked rows.

The China Statistical Yearbook publishes 各地区一般工业固体废物产生及利用情况 with
titles and a unit line above a header row, bilingual cells (``全  国`` and
``National Total`` on two lines of one cell), spaced or full-width-spaced
names, and amounts in 万吨 (10^4 t). This module finds the header, the unit of
each amount column, the national row and the model's provinces, and names
every row it does not use. Amounts are returned in 10^4 t.

The file is opened by :mod:`model.data.importer_files`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from model.data.importer_files import Sheet, file_problem, one_line, read_sheets
from model.errors import DataError, Problem

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


def _clean(cell: str) -> str:
    return re.sub(r"\s+", "", cell).lower()


def _zh(cell: str) -> str:
    return "".join(re.findall(r"[\u4e00-\u9fff]", cell))


# --- reading the file -----------------------------------------------------------------


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
    raise file_problem(
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
