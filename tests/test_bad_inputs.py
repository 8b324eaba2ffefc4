"""The bad-input suite: every file and column of the data, every scenario key, broken.

The cases are generated from the formats themselves, so a file added to
``schema.TABLES`` or a key added to the ``Scenario`` model is covered without
touching this file:

- data: for each file of ``data/regions`` and each kind of damage (wrong type,
  nan, inf, overflow, negative, empty, a stray quote, GBK, a duplicated key, a
  ragged row, a missing column, an oversized cell, an empty file), one
  ``wastealloc validate`` of a copy with that damage in every column it applies
  to, each column on its own row where the file has rows enough;
- scenarios: for each key of the ``Scenario`` model and each value its type
  must refuse (text for a number, nan, inf, negative, 1e308, empty text, ...),
  one ``wastealloc solve``.

Every case must end with exit code 2, no traceback, one line per problem that
names the file, row and column (or the scenario key) and nothing written. Each
case has a time limit (pytest-timeout) to catch a hang; it is not a measure of
speed. The commands run in-process through typer's CliRunner; three run as real
subprocesses.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import shutil
import subprocess
import sys
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import annotated_types
import pytest
import typer.testing
from pydantic import BaseModel
from typer.main import get_command
from typer.testing import CliRunner, Result

from model.cli import app
from model.core.config import Scenario
from model.data.schema import TABLES, TableSpec
from model.data.tables import NODE_TABLES
from tests.conftest import DATA, RUNS

pytestmark = pytest.mark.timeout(60)

runner = CliRunner()


@pytest.fixture(autouse=True, scope="module")
def _one_click_command() -> Iterator[None]:
    """Build the click command of the app once, not per call (a third of a validate)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", functools.cache(get_command))
        yield


def invoke(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def one_line(text: str) -> str:
    return " ".join(text.split())


def assert_refused(result: Result) -> str:
    """Exit 2, no traceback, and the error text (stderr) returned for further checks."""
    assert "Traceback" not in result.output, result.output
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    assert result.exit_code == 2, result.output
    return result.stderr


# --- the data files ---------------------------------------------------------------------


def _kind(spec: TableSpec, column: str) -> str:
    """number, integer, literal, identifier or text: how a column can be wrong."""
    field = spec.row.model_fields[column]
    annotation = field.annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if annotation is float:
        return "number"
    if annotation is int:
        return "integer"
    if typing.get_origin(annotation) is typing.Literal:
        return "literal"
    if any(getattr(m, "pattern", None) for m in field.metadata):
        return "identifier"
    return "text"


def _non_negative(spec: TableSpec, column: str) -> bool:
    """The column's declared lower bound is at or above 0, so -1 must be refused."""
    bounds = [
        m.ge if isinstance(m, annotated_types.Ge) else m.gt
        for m in spec.row.model_fields[column].metadata
        if isinstance(m, annotated_types.Ge | annotated_types.Gt)
    ]
    return any(typing.cast(float, b) >= 0 for b in bounds)


WRONG_TYPE = {"number": "abc", "integer": "12.5x", "literal": "bogus", "identifier": "Bad Id!"}
NUMERIC = ("number", "integer")


def _in_numbers(value: str) -> Callable[[TableSpec, str], str | None]:
    """``value`` for a number column, no damage elsewhere."""
    return lambda spec, c: value if _kind(spec, c) in NUMERIC else None


CELL_DAMAGE: dict[str, tuple[Callable[[TableSpec, str], str | None], ...]] = {
    "wrong_type": (lambda spec, c: WRONG_TYPE.get(_kind(spec, c)),),
    "not_finite": tuple(_in_numbers(v) for v in ("nan", "inf", "-inf", "1e400")),
    "out_of_range": (
        _in_numbers("1e308"),
        lambda spec, c: "-1" if _non_negative(spec, c) else None,
    ),
    "empty": (lambda spec, c: "" if spec.row.model_fields[c].is_required() else None,),
}
"""Damage to cells, by group: each gives the value to write in a column, or None where
it would be no damage. A group's values go to different rows of the one column, so one
``validate`` checks them all (1e400 overflows to inf as a float)."""


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@dataclass(frozen=True)
class DataCase:
    file: str  # as named in errors: relative to the data folder
    damage: str
    write: Callable[[list[list[str]]], bytes]  # the damaged file from the shipped rows
    expect: tuple[str, ...]  # texts the error must contain

    @property
    def id(self) -> str:
        return f"{self.file}-{self.damage}"


def _cell_case(spec: TableSpec, file: str, damage: str, rows: list[list[str]]) -> DataCase | None:
    """Damage each column the group applies to; column i, value k on row 2 + (i + k) mod n.

    Files with fewer data rows than values in the group get copies of row 2 first
    (their repeated keys are reported too, which does not hide the damaged cells).
    """
    header = rows[0]
    group = CELL_DAMAGE[damage]
    extra = max(0, len(group) - (len(rows) - 1))
    body = len(rows) - 1 + extra
    cells = [
        (2 + (i + k) % body, header.index(column), column, value)
        for i, column in enumerate(c for c in spec.row.model_fields if c in header)
        for k, make in enumerate(group)
        if (value := make(spec, column)) is not None
    ]
    if not cells:
        return None

    def write(shipped: list[list[str]]) -> bytes:
        damaged = [list(r) for r in shipped] + [list(shipped[1]) for _ in range(extra)]
        for row, at, _, value in cells:
            damaged[row - 1][at] = value
        assert all(any(v.strip() for v in r) for r in damaged)  # no row left blank
        return csv_text(damaged).encode("utf-8")

    expect = tuple(f"{file} row {row}, column {column}" for row, _, column, _ in cells)
    return DataCase(file, damage, write, expect)


def _first_text_column(header: list[str]) -> int:
    return header.index("note") if "note" in header else 0


def _file_cases(spec: TableSpec, file: str, rows: list[list[str]]) -> Iterator[DataCase]:
    for damage in CELL_DAMAGE:
        case = _cell_case(spec, file, damage, rows)
        if case is not None:
            yield case
    header = rows[0]
    required = next(c for c, f in spec.row.model_fields.items() if f.is_required())

    def stray_quote(shipped: list[list[str]]) -> bytes:
        lines = csv_text(shipped).splitlines(keepends=True)
        lines[1] = '"' + lines[1]  # a quote opening the first cell of row 2, never closed
        return "".join(lines).encode("utf-8")

    def gbk(shipped: list[list[str]]) -> bytes:
        damaged = [list(r) for r in shipped]
        damaged[1][_first_text_column(header)] = "注释：湖北省"
        return csv_text(damaged).encode("gb18030")

    def duplicate(shipped: list[list[str]]) -> list[list[str]]:
        # row 3 again (row 2 is the ragged one); row 2 twice if it is the only row
        return [*shipped, shipped[2]] if len(shipped) > 2 else [*shipped, *shipped[1:] * 2]

    def ragged(shipped: list[list[str]]) -> bytes:
        return csv_text([shipped[0], [*shipped[1], "extra"], *shipped[2:]]).encode("utf-8")

    def no_column(shipped: list[list[str]]) -> bytes:
        at = shipped[0].index(required)
        return csv_text([r[:at] + r[at + 1 :] for r in shipped]).encode("utf-8")

    def oversized(shipped: list[list[str]]) -> bytes:
        damaged = [list(r) for r in shipped]
        damaged[1][_first_text_column(header)] = "x" * 200_000
        return csv_text(damaged).encode("utf-8")

    last = len(rows) + (1 if len(rows) > 2 else 2)  # the last appended copy
    yield DataCase(file, "stray_quote", stray_quote, (f"{file} row 2", "stray"))
    yield DataCase(file, "gbk", gbk, (f"{file} row 2", "UTF-8", "GBK"))
    yield DataCase(
        file,
        "ragged_row_and_duplicate_key",
        lambda shipped: ragged(duplicate(shipped)),
        (f"{file} row 2", "cells like the header", f"{file} row {last}", "unique"),
    )
    yield DataCase(file, "missing_column", no_column, (f"{file}, column {required}",))
    yield DataCase(file, "oversized_cell", oversized, (f"{file} row 2", "characters"))
    yield DataCase(file, "empty_file", lambda shipped: b"", (file, "header row"))


def data_cases() -> list[DataCase]:
    cases: list[DataCase] = []
    for spec in TABLES:
        cases += _file_cases(spec, spec.file, read_rows(DATA / spec.file))
    for spec in TABLES:  # the prefecture node files: a few kinds of damage each
        if spec.file.removesuffix(".csv") in NODE_TABLES:
            file = f"prefecture/{spec.file}"
            for case in _file_cases(spec, file, read_rows(DATA / file)):
                if case.damage in ("not_finite", "stray_quote", "gbk", "empty_file"):
                    cases.append(case)
    return cases


DATA_CASES = data_cases()


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the shipped data for the module; each case damages a file and restores it."""
    target = tmp_path_factory.mktemp("bad-data") / "regions"
    shutil.copytree(DATA, target)
    return target


def test_every_file_and_column_is_walked() -> None:
    """The cases cover every file of schema.TABLES and every column of its row model."""
    files = {c.file for c in DATA_CASES}
    assert {spec.file for spec in TABLES} <= files
    damaged = {
        (c.file, part.split(", column ")[1])
        for c in DATA_CASES
        for part in c.expect
        if ", column " in part
    }
    for spec in TABLES:
        header = read_rows(DATA / spec.file)[0]
        for column, field in spec.row.model_fields.items():
            free_text = _kind(spec, column) == "text" and not field.is_required()
            if column in header and not free_text:  # any text is a valid note
                assert (spec.file, column) in damaged, f"{spec.file}:{column} never damaged"


@pytest.mark.parametrize("case", DATA_CASES, ids=lambda c: c.id)
def test_damaged_data_is_refused_with_a_named_error(case: DataCase, data_copy: Path) -> None:
    path = data_copy / case.file
    shipped = path.read_bytes()
    try:
        path.write_bytes(case.write(read_rows(DATA / case.file)))
        resolution = "prefecture" if case.file.startswith("prefecture/") else "province"
        result = invoke("validate", data_copy, "--resolution", resolution)
    finally:
        path.write_bytes(shipped)
    errors = assert_refused(result)
    for text in case.expect:
        assert text in errors, f"{text!r} not in:\n{errors}"
    lines = [line for line in errors.splitlines() if line.startswith("  ")]
    assert lines and all(len(line) < 1000 for line in lines)  # one short line per problem


def test_utf8_with_bom_and_windows_line_ends_are_read(tmp_path: Path) -> None:
    """Excel's 'CSV UTF-8' writes a byte-order mark and CRLF line ends: both are fine."""
    data = tmp_path / "regions"
    shutil.copytree(DATA, data)
    for spec in TABLES:
        path = data / spec.file
        text = path.read_text(encoding="utf-8").replace("\n", "\r\n")
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = invoke("validate", data)
    assert result.exit_code == 0, result.output


# --- the scenario keys ------------------------------------------------------------------

NAN, INF = math.nan, math.inf


def _leaves(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """(dotted key, annotation, field) of every key a scenario file can set."""
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            inner = _base(annotation)  # an optional section ([path]) is walked like any other
            annotation = (
                inner if isinstance(inner, type) and issubclass(inner, BaseModel) else annotation
            )
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _leaves(annotation, (*prefix, name))
        elif name != "source_files":  # set by the program; a test below covers it
            yield (*prefix, name), annotation, field


def _base(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


BAD_NUMBERS = ["200", True, NAN, INF, -INF, -1, 1e308]
"""Every number key refuses these: text, a boolean, nan, inf, negatives, overflow."""
BAD_TEXT = {"name": ["", "..", ".", "a/b", "../x", "x[bold]y", "x" * 65, 5]}
EMPTY_ALLOWED = {"description", "description_zh"}
"""Text keys for which an empty text is a valid value."""


def _bad_values(key: tuple[str, ...], annotation: Any) -> list[Any]:
    base = _base(annotation)
    origin = typing.get_origin(base)
    if base is float:
        return BAD_NUMBERS
    if base is int:
        if key[-1] == "target_year_shift":  # a shift may be negative: bounded at ±20
            return ["2", 2.5, True, NAN, -21, 21, 10**30]
        return ["2", 2.5, True, NAN, -1, 0, 10**30]
    if base is bool:
        return ["yes", "true", 1]
    if base is str:
        values: list[Any] = [5, True]
        if key[-1] not in EMPTY_ALLOWED:
            values.append("")
        if key[-1] in ("description", "description_zh"):
            values.append("x" * 1_000_000)
        return values + BAD_TEXT.get(key[-1], [])
    if base is Path:
        return [5, True, "no-such-folder"]
    if origin is typing.Literal:
        return ["bogus", "", 5]
    if origin is tuple:
        item = typing.get_args(base)[0]
        values = ["road", 5, [5]]
        if typing.get_origin(item) is typing.Literal:
            values += [[], ["bogus"]]
        else:
            values.append(["no_such_set"])
        return values
    if origin is dict:
        value_type = typing.get_args(base)[1]
        if typing.get_origin(_base(value_type)) is dict:  # region -> group -> rate
            return ["x", *({"yrb": {"bulk": v}} for v in [*BAD_NUMBERS, 1.5, 57])]
        pick = "yrb->jjj" if key[-1] == "flow_max" else "bulk"
        extra = [1.5, 57] if key[-1] != "flow_max" else []
        return ["x", *({pick: v} for v in BAD_NUMBERS + extra)]
    raise AssertionError(f"no bad values for {key} of type {annotation}: add them here")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}" = {toml_value(v)}' for k, v in value.items()) + "}"
    raise TypeError(value)


@dataclass(frozen=True)
class KeyCase:
    key: tuple[str, ...]
    value: Any

    @property
    def id(self) -> str:
        shown = repr(self.value)
        return f"{'.'.join(self.key)}={shown[:30]}"

    def scenario_text(self) -> str:
        line = f"{self.key[-1]} = {toml_value(self.value)}"
        top = f'extends = "{(RUNS / "baseline.toml").as_posix()}"\n'
        if len(self.key) == 1:
            return top + line + "\n"
        return top + f"[{'.'.join(self.key[:-1])}]\n{line}\n"


KEY_CASES = [
    KeyCase(key, value)
    for key, annotation, _ in _leaves(Scenario)
    for value in _bad_values(key, annotation)
]


def test_every_scenario_key_is_walked() -> None:
    keys = {".".join(c.key) for c in KEY_CASES}
    expected = {".".join(key) for key, _, _ in _leaves(Scenario)}
    assert keys == expected
    assert {"prices.carbon_cny_per_t", "transport.circuity", "name"} <= keys


@pytest.mark.parametrize("case", KEY_CASES, ids=lambda c: c.id)
def test_bad_scenario_value_is_refused_with_a_named_error(case: KeyCase, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(case.scenario_text(), encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("solve", path, "--no-maps", "--out", out)
    errors = one_line(assert_refused(result))
    if case.key != ("data",):  # a missing data folder is named by its path
        assert case.key[-1] in errors, errors
    assert not out.exists()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[targets]\nsets = ["no_such_set"]\n', "targets.sets names 'no_such_set'"),
        ("[targets]\nrates = { slag = 0.5 }\n", "targets.rates names group 'slag'"),
        ("[targets.regions.south]\nbulk = 0.5\n", "targets.regions names 'south'"),
        ('[transport]\nflow_max = { "a->b" = 5 }\n', "transport.flow_max 'a->b' names"),
        ('data = "nowhere"\n', "nowhere: expected a directory"),
    ],
    ids=["set", "group", "region", "flow-regions", "data-folder"],
)
def test_scenario_naming_what_the_data_lacks_is_refused(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = tmp_path / "names.toml"
    path.write_text(f'extends = "{(RUNS / "baseline.toml").as_posix()}"\n{body}', encoding="utf-8")
    out = tmp_path / "out"
    errors = one_line(assert_refused(invoke("solve", path, "--no-maps", "--out", out)))
    assert expected in errors, errors
    assert not out.exists()


def test_deep_and_cyclic_extends_are_named(tmp_path: Path) -> None:
    for i in range(1500):
        next_file = f'extends = "s{i + 1}.toml"\n' if i < 1499 else ""
        (tmp_path / f"s{i}.toml").write_text(next_file, encoding="utf-8")
    errors = one_line(assert_refused(invoke("solve", tmp_path / "s0.toml", "--no-maps")))
    assert "'extends' chain deeper than 32 files" in errors
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n', encoding="utf-8")
    errors = one_line(assert_refused(invoke("solve", tmp_path / "a.toml", "--no-maps")))
    assert "cycle: a.toml -> b.toml -> a.toml" in errors


@pytest.mark.parametrize("stem", ["..", ".", "x[bold]y", "-x", "x" * 65])
def test_file_stem_without_name_key_is_checked_as_a_name(tmp_path: Path, stem: str) -> None:
    path = tmp_path / f"{stem}.toml"
    path.write_text("", encoding="utf-8")
    errors = one_line(assert_refused(invoke("solve", path, "--no-maps", "--out", tmp_path / "o")))
    assert "is the scenario's name" in errors
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"[prices]\ncarbon_cny_per_t = \xb6\xfe\n", "UTF-8"),  # GBK bytes in a TOML file
        (b"[prices\n", "not valid TOML"),
        (b"source_files = []\n", "source_files"),
    ],
    ids=["gbk", "broken-toml", "program-key"],
)
def test_unreadable_scenario_file_is_named(tmp_path: Path, body: bytes, expected: str) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(body)
    errors = one_line(assert_refused(invoke("solve", path, "--no-maps")))
    assert expected in errors


# --- options ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["map", ".", "--layer", "utilization", "--breaks", "0,57,73,100"],
            "did you mean 0,0.57,0.73,1?",
        ),
        (["map", ".", "--layer", "capacity_use", "--breaks", "0,0.5,nan"], "shares in [0, 1]"),
        (["map", ".", "--flow-scale", "nan"], "--flow-scale nan: expected a finite number"),
        (["map", ".", "--min-flow", "inf"], "--min-flow inf: expected a finite number"),
        (
            ["sweep", RUNS / "target-2025.toml", "--param", "target.bulk", "--values", "1.5"],
            "target.bulk is a target rate, a share in [0, 1]",
        ),
        (
            ["sweep", RUNS / "target-2025.toml", "--param", "target.yrb.bulk", "--values", "57,60"],
            "did you mean 0.57,0.6?",
        ),
        (
            ["sweep", RUNS / "target-2025.toml", "--param", "carbon_price", "--values", "0,-5"],
            "carbon_price = -5 (as [prices] carbon_cny_per_t): expected a number ≥ 0",
        ),
        (
            ["sweep", RUNS / "target-2025.toml", "--param", "capacity_scale", "--values", "inf"],
            "expected a finite number",
        ),
        (
            ["sensitivity", RUNS / "target-2025.toml", "--method", "sobol", "--samples", 2**34],
            "--samples 17179869184",
        ),
        (
            ["sensitivity", RUNS / "target-2025.toml", "--trajectories", 10**9],
            "--trajectories 1000000000",
        ),
        (["sensitivity", RUNS / "target-2025.toml", "--seed", -1], "--seed"),
        (["sensitivity", RUNS / "target-2025.toml", "--levels", 3], "--levels must be an even"),
    ],
    ids=[
        "breaks-percent",
        "breaks-nan",
        "flow-scale-nan",
        "min-flow-inf",
        "sweep-rate-above-1",
        "sweep-rate-percent",
        "sweep-negative-price",
        "sweep-inf-scale",
        "sobol-2^34",
        "morris-10^9",
        "negative-seed",
        "odd-levels",
    ],
)
def test_bad_option_is_refused_with_a_named_error(args: list[Any], expected: str) -> None:
    errors = one_line(assert_refused(invoke(*args)))
    assert expected in errors, errors


# --- end to end, as a user runs it ---------------------------------------------------------


def run_cli(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The installed command in a subprocess, killed if it hangs."""
    command = [sys.executable, "-m", "model.cli", *[str(a) for a in args]]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.timeout(400)
def test_nan_circuity_is_refused_by_solve_not_left_to_hang(tmp_path: Path) -> None:
    """circuity_factor = nan made HiGHS run past its time limit; now solve refuses it."""
    data = tmp_path / "regions"
    shutil.copytree(DATA, data)
    rows = read_rows(data / "parameters.csv")
    at = next(i for i, r in enumerate(rows) if r[0] == "circuity_factor")
    rows[at][rows[0].index("value")] = "nan"
    (data / "parameters.csv").write_text(csv_text(rows), encoding="utf-8")
    scenario = tmp_path / "nan-circuity.toml"
    scenario.write_text(
        f'extends = "{(RUNS / "baseline.toml").as_posix()}"\ndata = "{data.as_posix()}"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    done = run_cli("solve", scenario, "--no-maps", "--out", out)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"parameters.csv row {at + 1}, column value: value 'nan'" in one_line(done.stderr)
    assert not out.exists()


@pytest.mark.timeout(400)
def test_stray_quote_is_refused_by_solve(tmp_path: Path) -> None:
    """The stray quote that silently dropped 125 of 144 capacity rows stops the solve."""
    data = tmp_path / "regions"
    shutil.copytree(DATA, data)
    lines = (data / "capacity.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    head, note = lines[5].rstrip("\n").rsplit(",", 1)
    lines[5] = f'{head},"{note}\n'  # row 6: its note opens a quote it never closes
    (data / "capacity.csv").write_text("".join(lines), encoding="utf-8")
    scenario = tmp_path / "quote.toml"
    scenario.write_text(
        f'extends = "{(RUNS / "baseline.toml").as_posix()}"\ndata = "{data.as_posix()}"\n',
        encoding="utf-8",
    )
    done = run_cli("solve", scenario, "--no-maps", "--out", tmp_path / "out")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "capacity.csv row 6" in one_line(done.stderr)


@pytest.mark.timeout(400)
def test_markup_in_a_path_is_printed_as_written(tmp_path: Path) -> None:
    """A folder named with rich markup ([red]) solves and is printed verbatim."""
    folder = tmp_path / "study [red] 1"
    folder.mkdir()
    scenario = folder / "bracket-test.toml"
    scenario.write_text(f'extends = "{(RUNS / "baseline.toml").as_posix()}"\n', encoding="utf-8")
    done = run_cli("solve", scenario, "--no-maps", "--out", folder / "out")
    assert done.returncode == 0, done.stderr
    assert "[red]" in one_line(done.stdout)
    assert (folder / "out" / "summary.json").is_file()


def test_bracketed_advice_is_printed_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Program text naming a scenario table ([solver]) is not eaten as rich markup."""
    from model.core.solve import Solver

    monkeypatch.setattr(Solver, "_co2_at_least_cost", lambda self, cost, most=False: None)
    result = invoke("solve", RUNS / "baseline.toml", "--no-maps", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "raise [solver] time_limit_s" in one_line(result.stdout)
