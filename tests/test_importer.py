"""Importing the yearbook table of province totals into a copy of the dataset.

Every workbook and CSV here is **synthetic**: made-up figures laid out like the
China Statistical Yearbook table 各地区一般工业固体废物产生及利用情况 (title, unit
line, bilingual header and region cells, a national row, a province outside
the model). They test the reader and must never be used as data.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tracemalloc
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.data.importer import import_table
from model.data.importer_read import parse_table
from model.data.tables import load_dataset
from model.data.totals import base_year_totals
from model.errors import DataError, Problem
from tests.conftest import DATA, REPO

SAMPLE = REPO / "tests" / "fixtures" / "yearbook_2021_sample.csv"
LEGACY_XLS = REPO / "tests" / "fixtures" / "yearbook_synthetic.xls"
NODES = pd.read_csv(DATA / "nodes.csv").set_index("node")
OLD_YEAR = int(
    pd.read_csv(DATA / "parameters.csv").set_index("parameter").loc["base_year", "value"]
)
NEW_YEAR = OLD_YEAR + 1
HEADER = [
    "地  区\nRegion",
    "一般工业固体废物产生量\nGeneral Industrial Solid Wastes Produced",
    "一般工业固体废物综合利用量\nComprehensively Utilized",
    "一般工业固体废物处置量\nDisposed",
    "一般工业固体废物贮存量\nStored",
    "综合利用率(%)\nUtilization Ratio",
]


def figures() -> dict[str, tuple[float, float, float, float]]:
    """Synthetic generated, utilized, disposed, stored (10^4 t) for every node."""
    out = {}
    for i, node in enumerate(NODES.index):
        generated = 1000.0 * (i + 1) + 234
        out[node] = (generated, round(generated * 0.6), round(generated * 0.25), 40.0 + i)
    return out


def _region_cell(node: str) -> str:
    short = re.sub(r"(省|市|回族自治区|自治区)$", "", str(NODES.loc[node, "name_zh"]))
    spaced = (
        "\u3000".join(short)
        if node == "hebei"
        else ("  ".join(short) if len(short) == 2 else short)
    )
    return f"{spaced}\n{NODES.loc[node, 'name_en']}"


def published(
    folder: Path,
    name: str = "yearbook.xlsx",
    unit: str = "单位：万吨",
    scale: float = 1.0,
    drop: tuple[str, ...] = (),
    national: bool = True,
    override: dict[str, tuple[float, float, float, float]] | None = None,
) -> Path:
    """Write a synthetic table in the published layout (.xlsx or .csv by the name)."""
    values = {**figures(), **(override or {})}
    national_row = [sum(v[k] for v in values.values()) * 2 for k in range(4)]  # 31 > 16 provinces
    rows: list[list[object]] = [
        ["表8-13 各地区一般工业固体废物产生及利用情况 (synthetic test table)"],
        [unit],
        HEADER,
    ]
    if national:
        rows.append(["全  国\nNational Total", *(v / scale for v in national_row), 57.1])
    rows.append(["广  东\nGuangdong", 6000 / scale, 5000 / scale, 500 / scale, 10 / scale, 83.3])
    for node, v in values.items():
        if node not in drop:
            rows.append([_region_cell(node), *(x / scale for x in v), 60.0])
    rows.append(["注：本表为测试用虚构数据。"])
    path = folder / name
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    else:
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
    return path


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["data", "import", *args])
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split())


def test_published_bilingual_layout_sets_every_total_and_the_national_row(tmp_path: Path) -> None:
    before = (DATA / "province_totals.csv").read_bytes()
    path = published(tmp_path)
    result = import_table(path, DATA, tmp_path / "regions-new", NEW_YEAR)
    assert (DATA / "province_totals.csv").read_bytes() == before  # shipped data untouched
    assert result.imported == sorted(NODES.index)
    assert result.missing == {}
    assert result.ignored == [(5, "广 东 / Guangdong"), (22, "注:本表为测试用虚构数据。")]

    dataset = load_dataset(result.out_dir)  # the copy passes every check
    params = dataset.parameters
    values = figures()
    assert int(params["base_year"]) == NEW_YEAR
    assert params["national_generated_10kt"] == 2 * sum(v[0] for v in values.values())
    assert params["national_utilized_10kt"] == 2 * sum(v[1] for v in values.values())
    totals = dataset["province_totals"]
    new = totals[totals["year"] == NEW_YEAR].set_index("node")
    assert (new["status"] == "reported").all()
    for node, (generated, utilized, disposed, stored) in values.items():
        assert new.loc[node, ["generated_10kt", "utilized_10kt"]].tolist() == [generated, utilized]
        assert new.loc[node, ["disposed_10kt", "stored_10kt"]].tolist() == [disposed, stored]
    generation = dataset["generation"]["generation_10kt"]
    assert generation.loc["hebei"].sum() == pytest.approx(values["hebei"][0], abs=0.1)
    source_id = new.loc["hebei", "source_id"]
    assert "sha256" in dataset["sources"].loc[source_id, "note"]
    # the old calibration report described other figures
    assert (DATA / "calibration.csv").is_file()
    assert result.calibration_removed and not (result.out_dir / "calibration.csv").exists()


def test_importing_the_shipped_yearbook_table_reproduces_the_shipped_tables(
    tmp_path: Path,
) -> None:
    """The yearbook table the shipped totals come from, imported for the shipped base year,
    gives the same base-year totals and the same estimated tables, byte for byte."""
    table = DATA / "estimation" / f"yearbook_{OLD_YEAR}_provinces.csv"
    if not table.is_file():
        pytest.skip(f"no yearbook table for {OLD_YEAR} in the shipped data")
    result = import_table(table, DATA, tmp_path / "again", OLD_YEAR)
    for name in ("generation", "base_utilization", "capacity"):
        assert (result.out_dir / f"{name}.csv").read_bytes() == (DATA / f"{name}.csv").read_bytes()
    columns = [
        "generated_10kt",
        "utilized_10kt",
        "disposed_10kt",
        "stored_10kt",
        "utilization_rate",
    ]
    shipped, again = (
        base_year_totals(pd.read_csv(d / "province_totals.csv"), OLD_YEAR, "generated_10kt")
        .set_index("node")
        .sort_index()[columns]
        for d in (DATA, result.out_dir)
    )
    pd.testing.assert_frame_equal(shipped, again)


def test_cli_says_what_it_did_with_every_row(tmp_path: Path) -> None:
    override = {"zhejiang": (5315.0, 5336.0, 10.0, 0.0)}
    path = published(tmp_path, override=override)
    out = tmp_path / "regions-new"
    code, output = run_cli(str(path), "--year", str(NEW_YEAR), "--out", str(out))
    assert code == 0, output
    assert "16 province totals imported" in output
    assert "rows not used (2): row 5 广 东 / Guangdong; row 22 注:本表为测试用虚构数据。" in output
    assert "zhejiang: utilized 5,336 above generated 5,315, kept as reported" in output
    assert f"run `wastealloc data calibrate {out.resolve()}`" in output
    totals = pd.read_csv(out / "province_totals.csv")
    new = totals[totals["year"] == NEW_YEAR].set_index("node")
    assert new.loc["zhejiang", ["generated_10kt", "utilized_10kt"]].tolist() == [5315.0, 5336.0]
    # the yearbook's rate: utilized / (generated + utilized out of stockpiles)
    assert new.loc["zhejiang", "utilization_rate"] == 1.0
    hebei = figures()["hebei"]
    assert new.loc["hebei", "utilization_rate"] == round(hebei[1] / hebei[0], 4)


@pytest.mark.parametrize(
    ("unit", "header_unit", "scale"),
    [
        ("单位：亿吨", "", 1e4),
        ("Unit: 100 million tons", "", 1e4),
        ("", "(亿吨)", 1e4),
        ("单位：吨", "", 1e-4),
        ("单位：万吨", "(10^4 t)", 1.0),
    ],
)
def test_units_are_converted_to_10kt(
    tmp_path: Path, unit: str, header_unit: str, scale: float
) -> None:
    path = published(tmp_path, unit=unit, scale=scale)
    if header_unit:
        book = openpyxl.load_workbook(path)
        for cell in book.active[3][1:5]:
            cell.value = f"{cell.value.splitlines()[0]}{header_unit}"
        book.save(path)
    table = parse_table(path, NODES)
    rows = table.rows.set_index("node")
    for node, (generated, utilized, _, _) in figures().items():
        assert rows.loc[node, "generated_10kt"] == pytest.approx(generated)
        assert rows.loc[node, "utilized_10kt"] == pytest.approx(utilized)
    assert table.national["generated_10kt"] == pytest.approx(
        2 * sum(v[0] for v in figures().values())
    )
    if scale != 1.0:
        assert any("converted" in note for note in table.header.unit_notes)


def test_a_table_without_a_unit_is_read_as_10kt_and_says_so(tmp_path: Path) -> None:
    table = parse_table(published(tmp_path, unit="表注: 无"), NODES)
    assert table.header.unit_notes == ["no unit stated in the file: read as 10^4 t (万吨)"]
    assert table.rows.set_index("node").loc["hebei", "generated_10kt"] == figures()["hebei"][0]


def test_unknown_unit_is_named(tmp_path: Path) -> None:
    path = published(tmp_path, unit="单位：立方米")
    code, output = run_cli(str(path), "--year", str(NEW_YEAR), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "column unit: value '立方米': expected a mass unit: 万吨 (10^4 t), 亿吨" in output


def test_national_row_in_another_unit_than_the_provinces(tmp_path: Path) -> None:
    path = published(tmp_path)
    book = openpyxl.load_workbook(path)
    book.active["B4"] = book.active["B4"].value / 1e4  # national generated in 亿吨
    book.save(path)
    with pytest.raises(DataError, match="same unit") as info:
        import_table(path, DATA, tmp_path / "o", NEW_YEAR)
    assert [p.row for p in info.value.problems] == [4]


def test_partial_file_is_refused_with_the_missing_provinces_named(tmp_path: Path) -> None:
    path = published(tmp_path, drop=("jiangsu", "gansu"))
    code, output = run_cli(str(path), "--year", str(NEW_YEAR), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "no row for 2 of the model's 16 provinces:" in output
    assert "jiangsu (江苏省)" in output and "gansu (甘肃省)" in output
    assert "--partial" in output
    assert not (tmp_path / "o").exists()


def test_partial_file_keeps_the_others_as_estimates_and_says_so(tmp_path: Path) -> None:
    path = published(tmp_path, drop=("jiangsu", "gansu"))
    out = tmp_path / "o"
    code, output = run_cli(str(path), "--year", str(NEW_YEAR), "--out", str(out), "--partial")
    assert code == 0, output
    assert f"not in the file, gansu: {NEW_YEAR} total estimated (" in output
    old = pd.read_csv(DATA / "province_totals.csv")
    new = pd.read_csv(out / "province_totals.csv")
    for node in ("jiangsu", "gansu"):
        rows = new[(new["node"] == node) & (new["year"] == NEW_YEAR)]
        assert rows["status"].tolist() == ["estimated"]  # never relabelled as reported
        assert rows["note"].iloc[0]  # the row says how it was estimated
        kept = old[(old["node"] == node) & (old["status"] != "estimated")]
        assert len(new[(new["node"] == node) & (new["status"] != "estimated")]) == len(kept)


def test_new_base_year_needs_a_national_row(tmp_path: Path) -> None:
    path = published(tmp_path, national=False)
    with pytest.raises(DataError, match=f"national totals are for {OLD_YEAR}, not {NEW_YEAR}"):
        import_table(path, DATA, tmp_path / "o", NEW_YEAR)
    # the same year may keep the dataset's national totals: the output says so
    result = import_table(path, DATA, tmp_path / "o", OLD_YEAR)
    assert result.national == {}
    assert "national_generated_10kt" in result.national_kept


def test_errors_from_the_rebuild_name_the_users_folder(tmp_path: Path, monkeypatch) -> None:
    def failing_build(data_dir: Path) -> list[Path]:  # as write_build reports a problem
        problem = Problem("generation.csv", 3, "generation_10kt", "-1", f"≥ 0 (in {data_dir})")
        raise DataError(str(data_dir), [problem])

    monkeypatch.setattr("model.data.build.write_build", failing_build)
    out = tmp_path / "regions-new"
    code, output = run_cli(str(published(tmp_path)), "--year", str(NEW_YEAR), "--out", str(out))
    assert code == 2
    assert "generation.csv row 3" in output
    assert ".tmp-" not in output and f"nothing written to {out}" in output
    assert not out.exists() and not list(tmp_path.glob(".regions-new.*"))


def test_a_failed_write_names_the_users_folder(tmp_path: Path, monkeypatch) -> None:
    def disk_full(src: Path, dst: Path, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(Path(dst) / "capacity.csv"))

    monkeypatch.setattr("model.data.importer.shutil.copytree", disk_full)
    out = tmp_path / "regions-new"
    code, output = run_cli(str(published(tmp_path)), "--year", str(NEW_YEAR), "--out", str(out))
    assert code == 2
    assert f"could not write {out}: the disk is full; nothing was written" in output
    assert ".tmp-" not in output and not out.exists()


def test_missing_starting_dataset_is_named(tmp_path: Path) -> None:
    absent = tmp_path / "no-such-data"
    code, output = run_cli(
        str(published(tmp_path)), "--year", str(NEW_YEAR), "--data", str(absent), "--out", "x"
    )
    assert code == 2
    assert f"{absent}: expected a directory" in output


def test_region_cell_naming_two_provinces(tmp_path: Path) -> None:
    path = published(tmp_path)
    book = openpyxl.load_workbook(path)
    book.active["A6"] = "北  京\nTianjin"
    book.save(path)
    with pytest.raises(DataError, match="names two provinces") as info:
        parse_table(path, NODES)
    assert [p.row for p in info.value.problems] == [6]


def test_bad_values_are_named_and_nothing_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = SAMPLE.read_text(encoding="utf-8").replace("河  北,30000", "河  北,-30000")
    bad.write_text(text.replace("山  西,40000,20000", "山  西,40000,abc"), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(DataError) as info:
        import_table(bad, DATA, out, NEW_YEAR, partial=True)
    problems = {(p.row, p.value, p.expected) for p in info.value.problems}
    assert (7, "-30000", "a number ≥ 0") in problems
    assert (9, "abc", "a number in the column's unit") in problems
    assert all(p.file == "bad.csv" for p in info.value.problems)
    assert not out.exists()
    assert not list(tmp_path.glob(".out.tmp-*"))


def _template(folder: Path, encoding: str = "utf-8") -> Path:
    """The template layout with a year column and English and Chinese names (synthetic)."""
    path = folder / "mine.csv"
    lines = [
        "province,province_zh,year,generated_10kt,utilized_10kt,disposed_10kt,stored_10kt",
        f"China (national total),全国,{NEW_YEAR},300000,170000,70000,10000",
        *(
            f"{NODES.loc[n, 'name_en']},{NODES.loc[n, 'name_zh']},{NEW_YEAR},{g},{u},{d},{s}"
            for n, (g, u, d, s) in figures().items()
        ),
    ]
    path.write_bytes("\n".join(lines).encode(encoding))
    return path


def test_template_layout_gbk_and_english_names(tmp_path: Path) -> None:
    result = import_table(_template(tmp_path, "gb18030"), DATA, tmp_path / "out", NEW_YEAR)
    assert result.imported == sorted(NODES.index)
    assert result.national["generated_10kt"] == 300000
    assert result.unit_notes == []  # _10kt names the unit
    totals = pd.read_csv(result.out_dir / "province_totals.csv")
    row = totals[(totals["node"] == "jiangsu") & (totals["year"] == NEW_YEAR)]
    assert row["generated_10kt"].tolist() == [figures()["jiangsu"][0]]


def test_title_year_must_match_the_year_imported(tmp_path: Path) -> None:
    path = published(tmp_path)
    book = openpyxl.load_workbook(path)
    book.active["A1"] = f"各地区一般工业固体废物产生及利用情况({NEW_YEAR - 1}年) synthetic"
    book.save(path)
    with pytest.raises(DataError, match=rf"title: value .*{NEW_YEAR - 1}年.*: expected figures"):
        import_table(path, DATA, tmp_path / "o", NEW_YEAR)
    import_table(path, DATA, tmp_path / "o", NEW_YEAR - 1)  # the year the title names


def test_year_column_must_match_the_year_imported(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        parse_table(_template(tmp_path), NODES, NEW_YEAR + 1)
    (problem,) = info.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "year", str(NEW_YEAR))
    assert "17 rows give another year" in problem.expected


def test_workbook_misnamed_and_utf16_text_are_read(tmp_path: Path) -> None:
    misnamed = published(tmp_path).rename(tmp_path / "yearbook.xls")  # an .xlsx named .xls
    assert sorted(parse_table(misnamed, NODES).rows["node"]) == sorted(NODES.index)
    content = published(tmp_path, "table.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(content, newline="")))
    unicode_text = tmp_path / "unicode.txt"  # Excel's "Unicode text": UTF-16, tab-separated
    with unicode_text.open("w", encoding="utf-16", newline="") as handle:
        csv.writer(handle, delimiter="\t").writerows(rows)
    table = parse_table(unicode_text, NODES)
    assert table.rows.set_index("node").loc["hebei", "generated_10kt"] == figures()["hebei"][0]


def test_legacy_xls_is_read(tmp_path: Path) -> None:
    table = parse_table(LEGACY_XLS, NODES)
    assert sorted(table.rows["node"]) == sorted(NODES.index)
    assert table.national["generated_10kt"] == 2 * sum(v[0] for v in figures().values())
    assert table.ignored == [(5, "广 东 / Guangdong"), (22, "注:本表为测试用虚构数据。")]


def _file(folder: Path, name: str, content: bytes) -> Path:
    (folder / name).write_bytes(content)
    return folder / name


def _truncated(tmp_path: Path) -> Path:
    whole = published(tmp_path, "whole.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    return path


def _cut_csv(tmp_path: Path) -> Path:
    """A CSV download cut short inside the last province row (a figure cut to its first
    digits, the cells after it gone)."""
    whole = published(tmp_path, "whole.csv").read_text(encoding="utf-8")
    rows = whole[: whole.rindex("\n注")]  # up to the end of the last province row
    path = tmp_path / "cut.csv"
    path.write_text(rows[: rows.rindex(",", 0, rows.rindex(",")) - 1], encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_truncated, "it is truncated or damaged"),
        (_cut_csv, "looks cut short"),
        (lambda d: published(d, "table.csv").rename(d / "table.xls"), "the file is plain text"),
        (lambda d: _file(d, "cut.xls", LEGACY_XLS.read_bytes()[:3000]), "truncated or damaged"),
        (
            lambda d: _file(d, "junk.xls", LEGACY_XLS.read_bytes()[:4096] + b"\xff" * 512),
            "it is damaged",  # calamine panics on this one; the panic is caught
        ),
        (lambda d: _file(d, "page.xls", b"<html><table>"), "HTML"),
        (lambda d: _file(d, "empty.xlsx", b""), "the file is empty"),
        (
            lambda d: _file(d, "other.csv", b"city,value\nfoo,1\n"),
            "a header row",
        ),
        (lambda d: d / "absent.xlsx", "an existing file"),
    ],
)
def test_unreadable_files_are_named_with_exit_2(tmp_path: Path, make, expected: str) -> None:
    path = make(tmp_path)
    code, output = run_cli(str(path), "--year", str(NEW_YEAR), "--out", str(tmp_path / "o"))
    assert code == 2
    assert path.name in output and expected in output
    assert not (tmp_path / "o").exists()


def test_large_sparse_workbook_streams(tmp_path: Path) -> None:
    """A table with thousands of extra rows and a stray cell far right (synthetic).

    Read whole into a frame, the 5,000 x 4,000 cells took hundreds of MB; streamed
    through the first columns only, the reader stays small. A formatted empty
    cell in the last row of the sheet adds a million empty rows to the stream.
    """
    path = published(tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    for i in range(5000):
        sheet.append([f"某市{i}", i, i, i, i])
    sheet.cell(row=3, column=4000, value="note far to the right")
    sheet.cell(row=1_048_576, column=1).font = openpyxl.styles.Font(bold=True)  # no value
    book.save(path)
    tracemalloc.start()
    try:
        table = parse_table(path, NODES)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sorted(table.rows["node"]) == sorted(NODES.index)
    assert len(table.ignored) == 5000 + 2
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.0f} MB"


def test_cli_import_then_solve(tmp_path: Path) -> None:
    data_copy = tmp_path / "data"
    shutil.copytree(DATA, data_copy)
    out = tmp_path / "regions-new"
    code, output = run_cli(
        str(published(tmp_path)),
        "--year",
        str(NEW_YEAR),
        "--data",
        str(data_copy),
        "--out",
        str(out),
    )
    assert code == 0, output
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f'extends = "{(REPO / "runs" / "baseline.toml").as_posix()}"\ndata = "{out.as_posix()}"\n'
        "[output]\nmaps = false\n",
        encoding="utf-8",
    )
    solved = CliRunner().invoke(app, ["solve", str(scenario), "--out", str(tmp_path / "res")])
    assert solved.exit_code == 0, solved.output
    assert f"base year {NEW_YEAR}" in solved.output
