"""Scenario files: strict, frozen, with ``extends``.

A scenario is a TOML file that states only what it changes. ``extends`` names
another scenario file (relative to this one) whose settings are taken first;
tables are merged key by key, other values are replaced. Unknown keys are
errors, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
)

from model.core.pathway.settings import PathConfig
from model.data.schema import MAX_MAGNITUDE, expectation
from model.errors import ScenarioError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO_ROOT / "data" / "regions"

MAX_EXTENDS = 32
"""Longest ``extends`` chain: deeper is a mistake (a file extending a copy of itself)."""
MAX_NAME = 64
"""Longest scenario name, in characters: with the suffixes of sweeps and sensitivity
folders it stays within the 255 bytes of a file name even in Chinese (3 bytes each)."""
MAX_DESCRIPTION = 500
"""Longest description, in characters: it is one line in summaries and map titles."""
NAME_PATTERN = re.compile(r"\w[\w.-]*")
"""A scenario name: letters (any script), digits, _, - and ., not starting with . or -."""

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
"""A number key: written as a TOML number (not "200") and finite; each key states its range
(bounds given here would override those of the key)."""
Amount = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=MAX_MAGNITUDE)]
"""An amount in 10^4 t/yr, as in the data: finite, ≥ 0, at most 1e9."""


def percent_hint(values: Sequence[float]) -> str:
    """' (did you mean 0.57?)' when shares were given as percentages, else ''.

    Percentages are taken to be meant when every value lies in [0, 100] and the
    largest is at least 5 (1.5 is more likely a slip than 1.5%).
    """
    if values and all(0 <= v <= 100 for v in values) and max(values) >= 5:
        return f" (did you mean {','.join(f'{v / 100:g}' for v in values)}?)"
    return ""


def _share(value: float) -> float:
    if not 0 <= value <= 1:
        raise ValueError(f"a share in [0, 1]{percent_hint([value])}")
    return value


Share = Annotated[float, Field(strict=True, allow_inf_nan=False), AfterValidator(_share)]
"""A rate as a share of one (0.57, not 57)."""


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a results folder, or None if it can.

    The name becomes a folder under ``runs/``, so it must be one plain file name:
    no separators, not ``.`` or ``..``, nothing hidden, nothing rich would read as
    markup.
    """
    if not name:
        return "a non-empty name"
    if len(name) > MAX_NAME:
        return f"a name of at most {MAX_NAME} characters (this one has {len(name)})"
    if not NAME_PATTERN.fullmatch(name) or name.endswith("."):
        return (
            "a plain file name: letters, digits, _, - and ., starting with a letter, "
            "digit or _ and not ending with . (it names the results folder)"
        )
    return None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TransportConfig(_Strict):
    """How waste moves between nodes."""

    max_haul_km: Number = Field(
        800.0, gt=0, le=10_000, description="Longest admissible haul (road distance, km)."
    )
    circuity: Number | None = Field(
        None,
        ge=1.0,
        le=3.0,
        description="Road distance / geodesic distance (≥ 1: a road is never shorter than "
        "the geodesic); None takes parameters.csv's circuity_factor.",
    )
    modes: tuple[Literal["road", "rail"], ...] = Field(("road", "rail"), min_length=1)
    cost_scale: Number = Field(
        1.0, ge=0, le=100, description="Multiplier on the per-t·km freight rates (not on handling)."
    )
    flow_max: dict[str, Amount] = Field(
        default_factory=dict,
        description='Limits on flows between regions, 10^4 t/yr: {"yrb->jjj" = 5000}.',
    )

    @field_validator("flow_max")
    @classmethod
    def _flow_keys(cls, value: dict[str, float]) -> dict[str, float]:
        for key in value:
            if key.count("->") != 1 or not all(key.split("->")):
                raise ValueError(f"flow_max key {key!r}: expected 'origin->destination' regions")
        return value

    min_rail_km: Number = Field(
        150.0, ge=0, le=10_000, description="Rail is admitted only on arcs at least this long."
    )


class TargetsConfig(_Strict):
    """Utilization-rate targets, credited to the region where waste arises."""

    sets: tuple[str, ...] = Field(
        (), description="Target sets from targets.csv applied to every region."
    )
    rates: dict[str, Share] = Field(
        default_factory=dict, description="Group -> rate for every region (overrides sets)."
    )
    regions: dict[str, dict[str, Share]] = Field(
        default_factory=dict, description="Region -> group -> rate (overrides everything)."
    )
    base_year_floor: StrictBool = Field(
        False,
        description="Each node utilizes at least its base-year rate (current practice "
        "does not regress); the calibration of the base year relies on it.",
    )
    base_year_uses: StrictBool = Field(
        False,
        description="Each node keeps its base-year uses: each stream at least its base-year "
        "amount in each pathway (base utilization x the pathway mix) and each pathway at "
        "least its base-year intake, so a scenario moves beyond current practice instead "
        "of rebuilding it.",
    )
    mode: Literal["hard", "elastic"] = "hard"
    penalty_cny_per_t: Number = Field(
        2000.0, ge=0, le=1e6, description="Cost of one tonne of shortfall in elastic mode."
    )


class PricesConfig(_Strict):
    """Prices the scenario sets on top of the data."""

    carbon_cny_per_t: Number = Field(
        0.0, ge=0, le=1e5, description="Carbon price, CNY per t CO2 (at most 10^5)."
    )
    levy: Literal["none", "environmental_protection_tax"] = Field(
        "none",
        description="Levy on unutilized waste; the tax rates apply by law only to "
        "non-compliant discharge, so this is a policy lever, off by default.",
    )
    storage_cost_scale: Number = Field(1.0, ge=0, le=100)


class CapacityConfig(_Strict):
    """Utilization capacity and its optional expansion."""

    scale: Number = Field(1.0, ge=0, le=100, description="Multiplier on every existing capacity.")
    expansion: StrictBool = Field(True, description="Allow capacity expansion at annualized capex.")
    expansion_scale: Number = Field(
        1.0, ge=0, le=100, description="Multiplier on expansion limits."
    )
    tranches: StrictBool = Field(
        True,
        description="Costs that rise with volume (tranches.csv): expansion capex in steps of "
        "rising cost, revenue in steps of falling price; false makes both linear.",
    )


class SolverConfig(_Strict):
    time_limit_s: Number = Field(600.0, gt=0, le=1e6)
    threads: int | None = Field(None, strict=True, ge=1, le=1024)
    tie_break: Literal["co2", "none"] = Field(
        "co2",
        description="Among allocations of least cost (to 1e-9), take the one with the least "
        "net CO2 (a second solve), so net CO2 does not depend on the solver's path (stream "
        "splits and rates of non-binding groups still can); 'none' keeps the first optimum "
        "found. Each solve has time_limit_s.",
    )


class OutputConfig(_Strict):
    maps: StrictBool = True


class Scenario(_Strict):
    """A fully resolved scenario (after ``extends`` is applied)."""

    name: str
    description: str = Field("", max_length=MAX_DESCRIPTION)
    description_zh: str = Field("", max_length=MAX_DESCRIPTION)
    data: Path = DEFAULT_DATA_DIR
    resolution: Literal["province", "prefecture"] = "province"
    transport: TransportConfig = TransportConfig()
    targets: TargetsConfig = TargetsConfig()
    prices: PricesConfig = PricesConfig()
    capacity: CapacityConfig = CapacityConfig()
    solver: SolverConfig = SolverConfig()
    output: OutputConfig = OutputConfig()
    path: PathConfig | None = None  # a multi-year run (model.core.pathway) when present
    source_files: tuple[Path, ...] = ()

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        problem = name_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    def input_hashes(self) -> dict[str, str]:
        """SHA-256 of each scenario file this scenario was read from."""
        return {str(p): _sha256(p) for p in self.source_files}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_toml(path: Path, kind: str = "scenario") -> dict[str, Any]:
    """A TOML file's content; a missing file, bad TOML or non-UTF-8 text is a one-line
    ScenarioError naming the file (``kind``: what the file is, for the message)."""
    if not path.is_file():
        raise ScenarioError(f"{path}: {kind} file not found")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{path}: expected UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start} is not UTF-8): save the file as UTF-8"
        ) from exc
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the file ({exc.strerror})") from exc


def _read_raw(path: Path) -> tuple[dict[str, Any], tuple[Path, ...]]:
    """The file's settings merged over those of the files it ``extends``, and the files.

    The chain is followed in a loop, not by recursion, so its depth is limited
    by :data:`MAX_EXTENDS` rather than by Python's stack. ``name``,
    ``description`` and ``description_zh`` are the top file's own.
    """
    chain: list[Path] = []
    layers: list[dict[str, Any]] = []
    current = path.resolve()
    while True:
        if current in chain:
            cycle = " -> ".join(p.name for p in (*chain, current))
            raise ScenarioError(f"{chain[0]}: 'extends' forms a cycle: {cycle}")
        if len(chain) == MAX_EXTENDS:
            raise ScenarioError(
                f"{chain[0]}: 'extends' chain deeper than {MAX_EXTENDS} files "
                f"(at {current.name}): expected at most {MAX_EXTENDS}"
            )
        raw = read_toml(current)
        if chain:
            raw.pop("name", None)
            raw.pop("description", None)
            raw.pop("description_zh", None)
        parent = raw.pop("extends", None)
        # Paths inside a file are relative to that file, resolved before merging.
        if "data" in raw:
            if not isinstance(raw["data"], str):
                raise ScenarioError(
                    f"{current}: data = {raw['data']!r}: expected a folder name in quotes"
                )
            raw["data"] = str((current.parent / raw["data"]).resolve())
        chain.append(current)
        layers.append(raw)
        if parent is None:
            break
        if not isinstance(parent, str) or not parent.strip():
            raise ScenarioError(f"{current}: extends = {parent!r}: expected a file name in quotes")
        current = (current.parent / parent).resolve()
    merged: dict[str, Any] = {}
    for raw in reversed(layers):
        merged = _merge(merged, raw)
    return merged, tuple(reversed(chain))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file, apply ``extends``, validate strictly.

    Every problem is one line naming the file, the key, the value and what was
    expected.
    """
    path = Path(path)
    raw, files = _read_raw(path)
    if "source_files" in raw:
        raise ScenarioError(f"{path}: source_files: unknown key (set by the program)")
    if "name" not in raw:
        problem = name_problem(path.stem)
        if problem is not None:
            raise ScenarioError(
                f"{path}: the file name {path.stem!r} is the scenario's name (it has no "
                f'name key): expected {problem}; rename the file or set name = "..."'
            )
        raw["name"] = path.stem
    try:
        return Scenario(**raw, source_files=files)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                lines.append(unknown_key(path, err["loc"], Scenario, top=["extends"]))
            else:
                value = _shown(err.get("input"))
                lines.append(f"{path}: {where} = {value}: expected {expectation(err)}")
        raise ScenarioError("\n".join(lines)) from exc


def _section_keys(root: type[BaseModel], parts: Sequence[Any]) -> list[str]:
    """The keys a scenario (or study) file may give at ``parts`` (e.g. ``("prices",)``)."""
    model: Any = root
    for part in parts:
        field = getattr(model, "model_fields", {}).get(str(part))
        if field is None:
            return []
        candidates = [field.annotation, *typing.get_args(field.annotation)]
        model = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
        if model is None:
            return []
    return [k for k in getattr(model, "model_fields", {}) if k != "source_files"]


def unknown_key(
    path: Path, loc: Sequence[Any], root: type[BaseModel], top: Sequence[str] = ()
) -> str:
    """The line for a key the file may not give, with the nearest keys it may (``top``:
    keys of the top level read before validation, such as ``extends``)."""
    where = ".".join(str(p) for p in loc)
    known = _section_keys(root, loc[:-1]) + (list(top) if len(loc) == 1 else [])
    close = difflib.get_close_matches(str(loc[-1]), known, n=2, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    section = f"[{'.'.join(str(p) for p in loc[:-1])}]" if len(loc) > 1 else "the top level"
    listed = f" Keys of {section}: {', '.join(known)}." if known else ""
    return f"{path}: {where}: unknown key{hint}{listed} (see runs/README.md)"


def key_problem(section: str, key: str, value: Any) -> str | None:
    """Why ``value`` cannot be ``[section] key`` of a scenario, or None if it can.

    Command-line options that stand for a scenario key (sweep values) are checked
    with this, so they obey the same types and ranges as the scenario file.
    """
    model = Scenario.model_fields[section].annotation
    assert isinstance(model, type) and issubclass(model, BaseModel)
    try:
        model.model_validate({key: value})
    except ValidationError as exc:
        return f"expected {expectation(exc.errors()[0])}"
    return None
