"""Study files: what a study varies, checked strictly and resolved to a list of points.

A study file (TOML, under ``runs/``) names a base scenario and one way to vary it:

- ``[one_at_a_time]``: each parameter over its values with the others at the
  scenario's own value; the scenario itself is point 0 (the tornado's centre);
- ``[grid]``: every combination of the values of several parameters;
- ``scenarios = [...]``: whole scenario files, one point each;
- ``[sensitivity]``: a SALib Morris or Sobol' design over the low-high ranges of
  the data (the factors of :mod:`model.studies.factors`).

Values are a list (``[0.55, 0.57, 0.6]``) or an even range
(``{ from = 0.5, to = 1.5, points = 5 }``). Parameters are those of
:mod:`model.studies.levers` (``target.GROUP``, ``target.REGION.GROUP``,
``carbon_price``, the three scales) and ``co2_cap_mt``, a cap on net CO2 in Mt/yr
(the cost-CO2 front). Unknown keys are errors, as in scenario files.

The resolved design (the scenarios' settings, the data files' hashes, every
point) has a SHA-256 hash; ``--resume`` refuses a folder whose points were
computed for another design.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, model_validator

from model.core.config import (
    Number,
    Scenario,
    key_problem,
    load_scenario,
    name_problem,
    percent_hint,
    read_toml,
    unknown_key,
)
from model.data.schema import expectation
from model.data.tables import Dataset, load_dataset
from model.errors import ScenarioError
from model.studies.factors import design, factors
from model.studies.levers import parse_param, with_targets

MAX_POINTS = 10**6
"""Most points in one study: each is a solve (0.1-1 s), and each leaves a part file."""

SWEPT_KEYS = {
    "carbon_price": ("prices", "carbon_cny_per_t"),
    "transport_cost_scale": ("transport", "cost_scale"),
    "capacity_scale": ("capacity", "scale"),
    "storage_cost_scale": ("prices", "storage_cost_scale"),
}
"""The scenario key each parameter stands for: its values are checked like that key."""
CO2_CAP = "co2_cap_mt"
"""A cap on net CO2 (transport less avoided), Mt/yr: not a scenario key, a study lever."""


def value_problem(param: str, value: float, among: list[float] | None = None) -> str | None:
    """Why ``value`` cannot be given to ``param``, or None: the range of its scenario key.

    ``among``: all the values given with it (a percent slip is shown for all of them).
    """
    if not math.isfinite(value):
        return "expected a finite number"
    if param.startswith("target."):
        if not 0 <= value <= 1:
            return f"{param} is a target rate, a share in [0, 1]" + percent_hint(among or [value])
        return None
    if param == CO2_CAP:
        return None if abs(value) <= 1e6 else "expected a cap within ±10^6 Mt/yr"
    if param in SWEPT_KEYS:
        section, key = SWEPT_KEYS[param]
        problem = key_problem(section, key, value)
        return None if problem is None else f"{param} = {value:g} (as [{section}] {key}): {problem}"
    return None  # an unknown name is reported by the parser, with the names it knows


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Span(_Strict):
    """Evenly spaced values from ``from`` to ``to`` (both included)."""

    start: Number = Field(alias="from")
    stop: Number = Field(alias="to")
    points: int = Field(strict=True, ge=2, le=100_000)

    def values(self) -> list[float]:
        return [float(v) for v in np.linspace(self.start, self.stop, self.points)]


Values = list[Number] | Span


class SensitivitySpec(_Strict):
    """A SALib design over the data ranges (see :mod:`model.studies.sensitivity`)."""

    method: Literal["morris", "sobol"] = "morris"
    trajectories: int = Field(10, strict=True, ge=2, le=100_000)
    levels: int = Field(4, strict=True, ge=2, le=100)
    samples: int = Field(512, strict=True, ge=2, le=2**20)
    seed: int = Field(2020, strict=True, ge=0, le=2**32 - 1)
    detail: StrictBool = False


class StudyFile(_Strict):
    """The keys of a study file (see runs/README.md)."""

    name: str | None = None
    description: str = Field("", max_length=500)
    scenario: str = Field(description="Base scenario file, relative to the study file.")
    reference: str | None = Field(None, description="Reference scenario (cost above it).")
    one_at_a_time: dict[str, Values] | None = None
    grid: dict[str, Values] | None = None
    scenarios: list[str] | None = Field(None, min_length=1)
    sensitivity: SensitivitySpec | None = None
    co2_range: StrictBool = Field(
        True, description="Also the most net CO2 at the least cost (a third solve per point)."
    )
    allocations: StrictBool = Field(False, description="Keep each point's processing table.")

    @model_validator(mode="after")
    def _one_kind(self) -> StudyFile:
        given = [
            k for k in ("one_at_a_time", "grid", "scenarios", "sensitivity") if getattr(self, k)
        ]
        if len(given) != 1:
            raise ValueError(
                "exactly one of [one_at_a_time], [grid], scenarios = [...], [sensitivity] "
                f"(found {', '.join(given) or 'none'})"
            )
        return self


Kind = Literal["one_at_a_time", "grid", "scenarios", "sensitivity", "sweep"]


class Study(BaseModel):
    """A resolved study: the scenarios, the points, and the hash of all of it."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str
    description: str
    kind: Kind
    scenario: Scenario
    reference: Scenario | None = None
    params: tuple[str, ...] = ()  # what the points set (values kinds)
    base: dict[str, float | None] = {}  # the scenario's own value of each parameter
    points: list[dict[str, Any]]  # parameter -> value, {"scenario": i} or factor -> level
    scenarios: tuple[Scenario, ...] = ()
    sensitivity: SensitivitySpec | None = None
    factor_names: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    co2_range: bool = False
    allocations: bool = False
    data_hashes: dict[str, str] = {}
    source: Path | None = None

    def key(self) -> str:
        """SHA-256 of everything that decides the points' results (not name or description)."""

        def settings(s: Scenario) -> dict[str, Any]:
            return s.model_dump(mode="json", exclude={"name", "description", "source_files"})

        content = {
            "kind": self.kind,
            "scenario": settings(self.scenario),
            "reference": settings(self.reference) if self.reference is not None else None,
            "scenarios": [settings(s) for s in self.scenarios],
            "params": list(self.params),
            "points": self.points,
            "factors": list(self.factor_names),
            "sensitivity": self.sensitivity.model_dump() if self.sensitivity else None,
            "co2_range": self.co2_range,
            "allocations": self.allocations,
            "data": self.data_hashes,
        }
        text = json.dumps(content, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_study_file(path: Path) -> StudyFile:
    """The study file's keys, strictly checked; each problem one line (file, key, value)."""
    raw = read_toml(path, "study")
    try:
        return StudyFile(**raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            shown = repr(err.get("input"))[:60]
            if not loc:  # the file as a whole (one way of varying)
                lines.append(f"{path}: {str(err['msg']).removeprefix('Value error, ')}")
            elif loc[0] in ("grid", "one_at_a_time") and len(loc) >= 2:
                lines.append(
                    f"{path}: [{loc[0]}] {loc[1]}: expected a list of numbers ([0.5, 0.6]) or a "
                    "range ({ from = 0.5, to = 1.5, points = 5 })"
                )
            elif err["type"] == "extra_forbidden":
                lines.append(unknown_key(path, loc, StudyFile))
            else:
                where = ".".join(loc) or "file"
                lines.append(f"{path}: {where} = {shown}: expected {expectation(err)}")
        raise ScenarioError("\n".join(dict.fromkeys(lines))) from exc


def _values(path: Path, section: str, name: str, given: Values) -> list[float]:
    values = given.values() if isinstance(given, Span) else [float(v) for v in given]
    if not values:
        raise ScenarioError(f"{path}: [{section}] {name}: expected at least one value")
    for v in values:
        problem = value_problem(name, v, values)
        if problem is not None:
            raise ScenarioError(f"{path}: [{section}] {name} = {v:g}: {problem}")
    return values


def base_value(param: str, scenario: Scenario) -> float | None:
    """The scenario's own value of a parameter (None: a target it sets region by region)."""
    if param == "carbon_price":
        return scenario.prices.carbon_cny_per_t
    if param == CO2_CAP:
        return None  # no cap
    if param in SWEPT_KEYS:
        return 1.0  # the scales multiply the scenario's own values
    return None


def load_study(path: str | Path, dataset: Dataset | None = None) -> Study:
    """Read, check and resolve a study file; every point listed, nothing solved."""
    path = Path(path)
    spec = read_study_file(path)
    name = spec.name or path.stem
    problem = name_problem(name)
    if problem is not None:
        raise ScenarioError(f"{path}: name = {name!r}: expected {problem}")
    scenario = load_scenario(path.parent / spec.scenario)
    reference = load_scenario(path.parent / spec.reference) if spec.reference else None
    dataset = dataset if dataset is not None else load_dataset(scenario.data, scenario.resolution)
    common: dict[str, Any] = {
        "name": name,
        "description": spec.description,
        "reference": reference,
        "co2_range": spec.co2_range and scenario.solver.tie_break == "co2",
        "allocations": spec.allocations,
        "data_hashes": dict(dataset.hashes),
        "source": path,
    }
    if spec.scenarios:
        listed = tuple(load_scenario(path.parent / s) for s in spec.scenarios)
        for s in listed:
            if (str(s.data), s.resolution) != (str(scenario.data), scenario.resolution):
                raise ScenarioError(
                    f"{path}: scenarios: {s.name} reads other data than {scenario.name} "
                    "(data and resolution must be the same)"
                )
        each = [{"scenario": i} for i in range(len(listed))]
        return Study(kind="scenarios", scenario=scenario, scenarios=listed, points=each, **common)
    if spec.sensitivity is not None:
        return _sensitivity(path, spec.sensitivity, scenario, dataset, common)
    section = "grid" if spec.grid else "one_at_a_time"
    table = spec.grid or spec.one_at_a_time or {}
    values = {p: _values(path, section, p, v) for p, v in table.items()}
    for param in values:
        try:
            parse_param(param, dataset)
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: [{section}] {exc}") from None
    first = {p: v[0] for p, v in values.items()}
    scenario = with_targets(scenario, first, list(dataset["regions"].index))
    params = tuple(values)
    base = {p: base_value(p, scenario) for p in params}
    points: list[dict[str, Any]]
    if section == "grid":
        combos = itertools.product(*values.values())
        points = [dict(zip(params, combo, strict=True)) for combo in combos]
    else:
        points = [dict(base)]
        for p, vs in values.items():
            points += [{**base, p: v} for v in vs]
    if len(points) > MAX_POINTS:
        raise ScenarioError(f"{path}: {len(points):,} points: expected at most {MAX_POINTS:,}")
    return Study(kind=section, scenario=scenario, params=params, base=base, points=points, **common)


def _sensitivity(
    path: Path,
    spec: SensitivitySpec,
    scenario: Scenario,
    dataset: Dataset,
    common: dict[str, Any],
) -> Study:
    active = sum(f.has_range for f in factors(dataset, scenario, spec.detail))
    rows = (
        spec.trajectories * (active + 1) if spec.method == "morris" else spec.samples * (active + 2)
    )
    if rows > MAX_POINTS:
        raise ScenarioError(
            f"{path}: [sensitivity]: {rows:,} points: expected at most {MAX_POINTS:,}"
        )
    try:
        return study_of(scenario, spec, dataset, **common)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None


def study_of(
    scenario: Scenario,
    spec: SensitivitySpec,
    dataset: Dataset,
    reference: Scenario | None = None,
    **common: Any,
) -> Study:
    """The design as a study: one point per row of the SALib design, in factor levels.

    The reference, if any, must read the same data and have every factor of the
    scenario (it is solved at the same levels).
    """
    every = factors(dataset, scenario, spec.detail)
    active = [f for f in every if f.has_range]
    if not active:
        raise ScenarioError("sensitivity: no factor has a range in the data")
    if reference is not None:
        here = (str(scenario.data), scenario.resolution)
        there = (str(reference.data), reference.resolution)
        if here != there:
            raise ScenarioError(
                f"sensitivity: reference {reference.name} has data={there[0]}, "
                f"resolution={there[1]}; {scenario.name} has data={here[0]}, "
                f"resolution={here[1]}: they must be the same"
            )
        by_name = {f.name for f in factors(dataset, reference, spec.detail)}
        missing = [f.name for f in active if f.name not in by_name]
        if missing:
            raise ScenarioError(
                f"sensitivity: reference {reference.name} has no factor {', '.join(missing)} "
                f"(its modes: {', '.join(reference.transport.modes)}); the reference must have "
                f"the factors of {scenario.name}"
            )
    levels_run = design(
        active,
        spec.method,
        trajectories=spec.trajectories,
        levels=spec.levels,
        samples=spec.samples,
        seed=spec.seed,
    )
    names = tuple(f.name for f in active)
    common.setdefault("name", f"{scenario.name}-sensitivity-{spec.method}")
    common.setdefault("description", "")
    common.setdefault("data_hashes", dict(dataset.hashes))
    return Study(
        kind="sensitivity",
        scenario=scenario,
        reference=reference,
        points=[dict(zip(names, map(float, row), strict=True)) for row in levels_run],
        sensitivity=spec,
        factor_names=names,
        skipped=tuple(f.name for f in every if not f.has_range),
        **common,
    )
