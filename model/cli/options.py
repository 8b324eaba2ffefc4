"""Command-line options checked like scenario keys: types, ranges, units, sizes.

An option that stands for a scenario key (a sweep's values) obeys that key's
type and range; one given in the wrong unit (percent for a share) is refused
with the value meant; one that would make a design too large to hold in memory
is refused before anything is allocated. Each error is one line naming the
option, the value and what was expected; the CLI exits with code 2.
"""

from __future__ import annotations

import math

from model.errors import ScenarioError


class OptionError(ScenarioError):
    """A command-line option has a value it cannot take."""


def check_finite(**options: float | None) -> None:
    """Each option given is a finite number (typer lets nan and inf through)."""
    for name, value in options.items():
        if value is not None and not math.isfinite(value):
            raise OptionError(f"--{name.replace('_', '-')} {value}: expected a finite number")


def sweep_values(param: str, text: str) -> list[float]:
    """The numbers of ``--values``, each one the swept parameter could hold.

    A target rate is a share in [0, 1] (1.5 is refused, not solved and reported
    infeasible); the others take the range of their scenario key
    (:func:`model.studies.design.value_problem`, as in study files).
    """
    from model.studies.design import value_problem

    try:
        numbers = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise OptionError(f"--values {text}: expected numbers like 0.5,0.6") from None
    for value in numbers:
        problem = value_problem(param, value, numbers)
        if problem is not None:
            raise OptionError(f"--values {text}: {problem}")
    return numbers


MAX_DESIGN_BYTES = 2**30
"""Largest sensitivity design held in memory (1 GiB), as SALib builds it."""
MAX_DESIGN_POINTS = 10**6
"""Most design points: each is a solve (0.1-1 s), and its outcomes are kept in memory."""


def check_design_size(method: str, params: int, *, trajectories: int, samples: int) -> None:
    """Refuse a sensitivity design too large to build, before SALib tries to allocate it.

    Morris: trajectories x (k + 1) points; Sobol' (first order and total):
    samples x (k + 2) points, for k factors with a range. SALib holds the points
    as 8-byte floats, one column per factor, and up to as much again while it
    builds them (measured: peak 1.1-2.1 times the design), hence rows x k x 8 x 2 bytes.
    """
    rows = trajectories * (params + 1) if method == "morris" else samples * (params + 2)
    size = rows * max(params, 1) * 8 * 2
    option, given = (
        ("--trajectories", trajectories) if method == "morris" else ("--samples", samples)
    )
    if size > MAX_DESIGN_BYTES or rows > MAX_DESIGN_POINTS:
        raise OptionError(
            f"{option} {given}: {rows:,} design points ({params} factors) would need about "
            f"{size / 2**30:,.1f} GiB and {rows:,} solves: expected at most "
            f"{MAX_DESIGN_POINTS:,} points and {MAX_DESIGN_BYTES / 2**30:g} GiB"
        )
