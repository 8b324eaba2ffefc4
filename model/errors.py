"""Errors that reach the user: each says what is wrong, where, and what to do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input data, located to a cell where possible.

    ``row`` is the spreadsheet row number (the header is row 1), or None when
    the problem concerns a whole file or column.
    """

    file: str
    row: int | None
    column: str
    value: str
    expected: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        label = "" if self.column.startswith("target ") else "column "
        column = f", {label}{self.column}" if self.column else ""
        value = f": value {self.value!r}" if self.value != "" else ""
        return f"{where}{column}{value}: expected {self.expected}"


class WasteallocError(Exception):
    """Base class of errors reported to the user without a traceback."""


class ScenarioError(WasteallocError):
    """A scenario file is missing, malformed or has unknown keys."""


class DataError(WasteallocError):
    """The data directory has problems; ``problems`` lists all of them."""

    def __init__(self, data_dir: str, problems: list[Problem]) -> None:
        self.data_dir = data_dir
        self.problems = sorted(problems, key=lambda p: (p.file, p.row or 0, p.column))
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in {data_dir}:\n{lines}")


class SolveError(WasteallocError):
    """The solver did not return an optimal solution; ``status`` is the solver's word for it."""

    def __init__(self, message: str, status: str = "") -> None:
        super().__init__(message)
        self.status = status


class Interrupted(Exception):
    """Ctrl-C during a study of many solves; ``partial`` holds the points finished before it.

    Not a :class:`WasteallocError`: nothing is wrong with the input. The command
    writes the finished points (marked incomplete) and exits with code 130.
    """

    def __init__(self, partial: object, done: int, total: int) -> None:
        super().__init__(f"interrupted after {done} of {total} points")
        self.partial = partial
        self.done = done
        self.total = total
