"""Reading data/regions/: bad data gives a named error, the shipped data is consistent.

Each broken-data test copies the shipped folder to tmp_path, edits one cell (or
column, or row) with the csv module, and checks that ``load_dataset`` raises a
:class:`DataError` whose problems locate the edit: file, spreadsheet row (the
header is row 1), column, value and what was expected.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from model.data.schema import DISTANCES, TABLES
from model.data.tables import load_dataset
from model.errors import DataError, Problem
from tests.conftest import DATA


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def cell(data_dir: Path, file: str, row: int, column: str) -> str:
    """The text of a cell, addressed as in a spreadsheet (header = row 1)."""
    rows = read_rows(data_dir / file)
    return rows[row - 1][rows[0].index(column)]


def set_cell(data_dir: Path, file: str, row: int, column: str, value: str) -> None:
    path = data_dir / file
    rows = read_rows(path)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def drop_column(data_dir: Path, file: str, column: str) -> None:
    path = data_dir / file
    rows = read_rows(path)
    at = rows[0].index(column)
    write_rows(path, [r[:at] + r[at + 1 :] for r in rows])


def duplicate_row(data_dir: Path, file: str, row: int) -> int:
    """Append a copy of ``row`` at the end; return the copy's row number."""
    path = data_dir / file
    rows = read_rows(path)
    rows.append(list(rows[row - 1]))
    write_rows(path, rows)
    return len(rows)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped data folder, free to break."""
    target = tmp_path / "regions"
    shutil.copytree(DATA, target)
    return target


def problems_of(data_dir: Path) -> list[Problem]:
    with pytest.raises(DataError) as info:
        load_dataset(data_dir)
    assert str(data_dir.resolve()) in str(info.value)
    return info.value.problems


def find(problems: list[Problem], file: str, column: str, row: int | None) -> Problem:
    """The one problem at (file, row, column); fails with the full list otherwise."""
    hits = [p for p in problems if (p.file, p.column, p.row) == (file, column, row)]
    listing = "\n".join(str(p) for p in problems)
    assert len(hits) == 1, f"no single problem at {file} row {row} column {column}:\n{listing}"
    return hits[0]


def positive_generation_row(data_dir: Path) -> int:
    """Spreadsheet row number of the first generation row with a positive amount."""
    rows = read_rows(data_dir / "generation.csv")
    at = rows[0].index("generation_10kt")
    return next(n for n, r in enumerate(rows[1:], start=2) if float(r[at]) > 0)


# --- the shipped data -------------------------------------------------------------------


def test_shipped_data_loads_without_problems() -> None:
    dataset = load_dataset(DATA)
    for spec in TABLES:
        name = spec.file.removesuffix(".csv")
        assert len(dataset[name]) > 0, f"{spec.file} is empty"
    # every csv and the boundaries are hashed for the run summary
    assert {"generation.csv", "capacity.csv", "boundaries_province.geojson"} <= set(dataset.hashes)
    assert all(len(h) == 64 for h in dataset.hashes.values())


def test_data_dictionary_matches_the_code_in_both_directions() -> None:
    """columns.csv documents exactly the columns the row models read.

    And each file has every required column and no column the code would ignore
    (optional columns, such as a note, may be left out of a file).
    """
    dictionary = pd.read_csv(DATA / "columns.csv", keep_default_na=False)
    documented = set(zip(dictionary["file"], dictionary["column"], strict=True))
    from model.core.pathway.growth import GROWTH

    # read only when present (model.core.inputs.read_distances) or asked for ([path.growth])
    optional = (DISTANCES, GROWTH)
    in_code = {
        (spec.file, column) for spec in (*TABLES, *optional) for column in spec.row.model_fields
    }
    # calibration.csv is a report the code writes, not an input; its header is the code's
    report = pd.read_csv(DATA / "calibration.csv", nrows=0).columns
    in_code |= {("calibration.csv", column) for column in report}
    # so are the estimates measured against reported figures, and the old totals they read
    from model.data.measure import PREVIOUS, REPORTS

    for name in (PREVIOUS, *REPORTS.values()):
        in_code |= {(name, column) for column in pd.read_csv(DATA / name, nrows=0).columns}
    assert sorted(in_code - documented) == [], "columns read by the code but not documented"
    assert sorted(documented - in_code) == [], "columns documented but not read by the code"
    assert not dictionary.duplicated(["file", "column"]).any()
    assert (dictionary["unit"].str.strip() != "").all()
    assert (dictionary["meaning"].str.strip() != "").all()
    for spec in TABLES:
        header = set(read_rows(DATA / spec.file)[0])
        fields = spec.row.model_fields
        required = {c for c, f in fields.items() if f.is_required()}
        assert sorted(required - header) == [], f"{spec.file}: required columns missing"
        assert sorted(header - set(fields)) == [], f"{spec.file}: columns the code never reads"


def test_every_source_id_resolves_and_estimates_point_at_estimate_sources() -> None:
    """Each row's source_id is in sources.csv; an 'estimated' row cites a method of ours.

    The one exception is stated here: the circuity factor is a figure read from a paper
    (mean of 25 cities, rounded), so it cites that paper rather than a method of this
    project.
    """
    dataset = load_dataset(DATA)
    kind = dataset["sources"]["kind"]
    exceptions = {("parameters.csv", "circuity_factor")}
    unresolved, misfiled, estimated = [], [], 0
    for spec in TABLES:
        name = spec.file.removesuffix(".csv")
        if name == "sources" or "source_id" not in spec.row.model_fields:
            continue
        frame = dataset[name].reset_index()
        for _, row in frame.iterrows():
            where = (spec.file, "/".join(str(row[k]) for k in spec.key))
            if row["source_id"] not in kind.index:
                unresolved.append((*where, row["source_id"]))
                continue
            if row.get("status") == "estimated":
                estimated += 1
                if kind[row["source_id"]] != "estimate" and where not in exceptions:
                    misfiled.append((*where, row["source_id"], kind[row["source_id"]]))
    assert unresolved == []
    assert misfiled == []
    assert estimated > 0  # the check above did look at some rows


# --- one problem each -------------------------------------------------------------------


def test_negative_generation_is_located(data_copy: Path) -> None:
    row = positive_generation_row(data_copy)
    set_cell(data_copy, "generation.csv", row, "generation_10kt", "-5")
    problem = find(problems_of(data_copy), "generation.csv", "generation_10kt", row)
    assert problem.value == "-5"
    assert "≥ 0" in problem.expected


def test_a_bad_cell_is_reported_once(data_copy: Path) -> None:
    row = positive_generation_row(data_copy)
    set_cell(data_copy, "generation.csv", row, "generation_10kt", "-5")
    problems = problems_of(data_copy)
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("generation.csv", row, "generation_10kt")
    ]


def test_unknown_province_is_located(data_copy: Path) -> None:
    set_cell(data_copy, "generation.csv", 7, "node", "guangdong")
    problem = find(problems_of(data_copy), "generation.csv", "node", 7)
    assert problem.value == "guangdong"
    assert "nodes.csv" in problem.expected


def test_missing_column_is_reported_for_the_whole_file(data_copy: Path) -> None:
    drop_column(data_copy, "capacity.csv", "capacity_10kt")
    problem = find(problems_of(data_copy), "capacity.csv", "capacity_10kt", None)
    assert problem.row is None
    assert "capacity_10kt" in problem.expected


def test_duplicate_key_names_the_first_row(data_copy: Path) -> None:
    node = cell(data_copy, "generation.csv", 4, "node")
    stream = cell(data_copy, "generation.csv", 4, "stream")
    copy = duplicate_row(data_copy, "generation.csv", 4)
    problem = find(problems_of(data_copy), "generation.csv", "node,stream", copy)
    assert problem.value == f"{node}/{stream}"
    assert "unique" in problem.expected
    assert "row 4" in problem.expected


def test_text_where_a_number_is_expected(data_copy: Path) -> None:
    set_cell(data_copy, "capacity.csv", 3, "capacity_10kt", "abc")
    problem = find(problems_of(data_copy), "capacity.csv", "capacity_10kt", 3)
    assert problem.value == "abc"
    assert "number" in problem.expected


def test_unknown_source_id(data_copy: Path) -> None:
    set_cell(data_copy, "capacity.csv", 5, "source_id", "no_such_source")
    problem = find(problems_of(data_copy), "capacity.csv", "source_id", 5)
    assert problem.value == "no_such_source"
    assert "sources.csv" in problem.expected


def test_all_problems_are_reported_at_once(data_copy: Path) -> None:
    """Three edits in three files: all three are in the one error, not just the first."""
    row = positive_generation_row(data_copy)
    set_cell(data_copy, "generation.csv", row, "generation_10kt", "-1")
    set_cell(data_copy, "capacity.csv", 3, "capacity_10kt", "abc")
    set_cell(data_copy, "nodes.csv", 2, "region", "south")
    problems = problems_of(data_copy)
    found = {
        find(problems, "generation.csv", "generation_10kt", row),
        find(problems, "capacity.csv", "capacity_10kt", 3),
        find(problems, "nodes.csv", "region", 2),
    }
    assert len(found) == 3
    assert len(problems) >= 3
    assert "regions.csv" in find(problems, "nodes.csv", "region", 2).expected


def test_missing_file_is_named(data_copy: Path) -> None:
    (data_copy / "modes.csv").unlink()
    problem = find(problems_of(data_copy), "modes.csv", "", None)
    assert "modes.csv" in problem.expected


def test_problem_reads_as_a_sentence() -> None:
    problem = Problem("generation.csv", 5, "generation_10kt", "-5", "a number ≥ 0")
    assert str(problem) == (
        "generation.csv row 5, column generation_10kt: value '-5': expected a number ≥ 0"
    )


# --- the estimation inputs are validated too -----------------------------------------------


def test_estimation_inputs_are_checked(data_copy: Path) -> None:
    """A use mix that does not add up and a group naming an unknown province are both named."""
    set_cell(data_copy, "estimation/pathway_mix.csv", 2, "share", "0.9")  # tailings: 1.5
    set_cell(data_copy, "estimation/group_totals.csv", 2, "nodes", "beijing;guangdong")
    set_cell(data_copy, "estimation/proxies.csv", 3, "value", "-1")
    with pytest.raises(DataError) as info:
        load_dataset(data_copy)
    problems = info.value.problems
    assert Problem("estimation/proxies.csv", 3, "value", "-1", "a number ≥ 0") in problems
    mix = [p for p in problems if p.file == "estimation/pathway_mix.csv"]
    assert mix and "tailings" in mix[0].value and "add up to 1" in mix[0].expected
    group = [p for p in problems if p.file == "estimation/group_totals.csv"]
    assert group and group[0].row == 2 and group[0].value == "guangdong"


# --- rows cannot be lost; numbers cannot be non-finite; keys are unique ---------------------


def test_stray_quote_names_the_cell_instead_of_swallowing_rows(data_copy: Path) -> None:
    """A note opening a quote it never closes swallowed 125 of 144 capacity rows, silently."""
    path = data_copy / "capacity.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    head, note = lines[5].rstrip("\n").rsplit(",", 1)
    lines[5] = f'{head},"{note}\n'
    path.write_text("".join(lines), encoding="utf-8")
    problems = problems_of(data_copy)
    assert [(p.file, p.row, p.column) for p in problems] == [("capacity.csv", 6, "note")]
    assert f'"{note}'.startswith(problems[0].value)  # the cell, cut to 40 characters
    assert f"runs on to line {len(lines)}" in problems[0].expected


def test_quoted_cells_with_commas_and_quotes_are_read(data_copy: Path) -> None:
    """Well-formed quoting (a comma and a doubled quote inside quotes) loses nothing."""
    row = positive_generation_row(data_copy)
    set_cell(data_copy, "generation.csv", row, "note", 'from "table 3", page 2')
    dataset = load_dataset(data_copy)
    shipped = load_dataset(DATA)
    assert len(dataset["generation"]) == len(shipped["generation"])
    assert 'from "table 3", page 2' in set(dataset["generation"]["note"])


def test_gbk_file_is_refused_with_how_to_resave(data_copy: Path) -> None:
    path = data_copy / "nodes.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    problems = problems_of(data_copy)
    assert len(problems) == 1
    assert problems[0].file == "nodes.csv"
    assert problems[0].row == 2  # the first line with Chinese names
    assert "GBK" in problems[0].expected
    assert "CSV UTF-8" in problems[0].expected


def test_byte_order_mark_is_accepted(data_copy: Path) -> None:
    path = data_copy / "nodes.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(load_dataset(data_copy).nodes) == len(load_dataset(DATA).nodes)


def test_a_semicolon_separated_file_gets_one_problem_that_says_so(data_copy: Path) -> None:
    path = data_copy / "capacity.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    problems = problems_of(data_copy)
    assert len(problems) == 1
    assert (problems[0].file, problems[0].row) == ("capacity.csv", 1)
    assert "separated by ';'" in problems[0].expected
    assert problems[0].value.startswith("node;pathway;")


@pytest.mark.parametrize(
    ("parameter", "value", "expected"),
    [
        ("circuity_factor", "nan", "a finite number"),
        ("circuity_factor", "0.9", "a number in [1, 3] for circuity_factor"),
        ("circuity_factor", "-1", "a road is never shorter than the geodesic"),
        ("base_year", "nan", "a finite number"),
        ("base_year", "2020.5", "a whole number in [2000, 2100]"),
        ("annualization_rate", "8", "a number in [0, 1]"),
    ],
)
def test_parameters_are_checked_against_their_range(
    data_copy: Path, parameter: str, value: str, expected: str
) -> None:
    rows = read_rows(data_copy / "parameters.csv")
    row = next(n for n, r in enumerate(rows, start=1) if r[0] == parameter)
    set_cell(data_copy, "parameters.csv", row, "value", value)
    problem = find(problems_of(data_copy), "parameters.csv", "value", row)
    assert problem.value == value
    assert expected in problem.expected


def test_overflowing_number_is_refused(data_copy: Path) -> None:
    set_cell(data_copy, "capacity.csv", 3, "capacity_10kt", "1e308")
    problem = find(problems_of(data_copy), "capacity.csv", "capacity_10kt", 3)
    assert "between -1,000,000,000 and 1,000,000,000" in problem.expected


def test_two_nodes_with_one_adcode_are_named(data_copy: Path) -> None:
    """The map joins values to shapes by adcode: a repeat drew one node's value twice."""
    first = cell(data_copy, "nodes.csv", 2, "adcode")
    set_cell(data_copy, "nodes.csv", 5, "adcode", first)
    problem = find(problems_of(data_copy), "nodes.csv", "adcode", 5)
    assert problem.value == first
    assert "row 2" in problem.expected


def test_a_refused_row_brings_no_follow_on_problems(data_copy: Path) -> None:
    """A node row refused for its area is not reported again by every file that uses it."""
    set_cell(data_copy, "nodes.csv", 3, "area_km2", "nan")
    problems = problems_of(data_copy)
    assert [(p.file, p.row, p.column) for p in problems] == [("nodes.csv", 3, "area_km2")]
