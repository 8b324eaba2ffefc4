"""Scenario files: strict, frozen, with ``extends``.

A scenario is a TOML file that states only what it changes. ``extends`` names
another scenario file (relative to this one) whose settings are taken first;
tables are merged key by key, other values are replaced. Unknown keys are
errors, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from model.errors import ScenarioError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO_ROOT / "data" / "regions"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TransportConfig(_Strict):
    """How waste moves between nodes."""

    max_haul_km: float = Field(
        800.0, gt=0, description="Longest admissible haul (road distance, km)."
    )
    circuity: float | None = Field(
        None,
        ge=1.0,
        le=3.0,
        description="Road distance / geodesic distance; None takes transport.csv's value.",
    )
    modes: tuple[Literal["road", "rail"], ...] = ("road", "rail")
    cost_scale: float = Field(
        1.0, ge=0, description="Multiplier on the per-t·km freight rates (not on handling)."
    )
    flow_max: dict[str, float] = Field(
        default_factory=dict,
        description='Limits on flows between regions, 10^4 t/yr: {"yrb->jjj" = 5000}.',
    )

    @field_validator("flow_max")
    @classmethod
    def _flow_keys(cls, value: dict[str, float]) -> dict[str, float]:
        for key, limit in value.items():
            if key.count("->") != 1 or not all(key.split("->")):
                raise ValueError(f"flow_max key {key!r}: expected 'origin->destination' regions")
            if limit < 0:
                raise ValueError(f"flow_max[{key!r}] = {limit}: expected a limit >= 0")
        return value

    min_rail_km: float = Field(
        150.0, ge=0, description="Rail is admitted only on arcs at least this long."
    )


class TargetsConfig(_Strict):
    """Utilization-rate targets, credited to the region where waste arises."""

    sets: tuple[str, ...] = Field(
        (), description="Target sets from targets.csv applied to every region."
    )
    rates: dict[str, float] = Field(
        default_factory=dict, description="Group -> rate for every region (overrides sets)."
    )
    regions: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="Region -> group -> rate (overrides everything)."
    )
    base_year_floor: bool = Field(
        False,
        description="Each node utilizes at least its base-year rate (current practice "
        "does not regress); the calibration of the base year relies on it.",
    )
    mode: Literal["hard", "elastic"] = "hard"
    penalty_cny_per_t: float = Field(
        2000.0, ge=0, description="Cost of one tonne of shortfall in elastic mode."
    )

    @field_validator("rates")
    @classmethod
    def _rates_in_unit_interval(cls, value: dict[str, float]) -> dict[str, float]:
        for group, rate in value.items():
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"rate for {group!r} is {rate}: expected a share in [0, 1]")
        return value

    @field_validator("regions")
    @classmethod
    def _region_rates_in_unit_interval(
        cls, value: dict[str, dict[str, float]]
    ) -> dict[str, dict[str, float]]:
        for region, rates in value.items():
            for group, rate in rates.items():
                if not 0.0 <= rate <= 1.0:
                    raise ValueError(
                        f"rate for {region}.{group} is {rate}: expected a share in [0, 1]"
                    )
        return value


class PricesConfig(_Strict):
    """Prices the scenario sets on top of the data."""

    carbon_cny_per_t: float = Field(0.0, ge=0, description="Carbon price, CNY per t CO2.")
    levy: Literal["none", "environmental_protection_tax"] = Field(
        "none",
        description="Levy on unutilized waste; the tax rates apply by law only to "
        "non-compliant discharge, so this is a policy lever, off by default.",
    )
    storage_cost_scale: float = Field(1.0, ge=0)


class CapacityConfig(_Strict):
    """Utilization capacity and its optional expansion."""

    scale: float = Field(1.0, ge=0, description="Multiplier on every existing capacity.")
    expansion: bool = Field(True, description="Allow capacity expansion at annualized capex.")
    expansion_scale: float = Field(1.0, ge=0, description="Multiplier on expansion limits.")


class SolverConfig(_Strict):
    time_limit_s: float = Field(600.0, gt=0)
    threads: int | None = Field(None, ge=1)
    tie_break: Literal["co2", "none"] = Field(
        "co2",
        description="Among allocations of least cost (to 1e-9), take the one with the least "
        "net CO2 (a second solve), so net CO2 does not depend on the solver's path (stream "
        "splits and rates of non-binding groups still can); 'none' keeps the first optimum "
        "found. Each solve has time_limit_s.",
    )


class OutputConfig(_Strict):
    maps: bool = True


class Scenario(_Strict):
    """A fully resolved scenario (after ``extends`` is applied)."""

    name: str
    description: str = ""
    data: Path = DEFAULT_DATA_DIR
    resolution: Literal["province", "prefecture"] = "province"
    transport: TransportConfig = TransportConfig()
    targets: TargetsConfig = TargetsConfig()
    prices: PricesConfig = PricesConfig()
    capacity: CapacityConfig = CapacityConfig()
    solver: SolverConfig = SolverConfig()
    output: OutputConfig = OutputConfig()
    source_files: tuple[Path, ...] = ()

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


def _read_raw(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], tuple[Path, ...]]:
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(str(p.name) for p in (*chain, path))
        raise ScenarioError(f"{path}: 'extends' forms a cycle: {cycle}")
    if not path.is_file():
        raise ScenarioError(f"{path}: scenario file not found")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from exc
    parent = raw.pop("extends", None)
    # Paths inside a file are relative to that file, resolved before merging.
    if "data" in raw:
        raw["data"] = str((path.parent / raw["data"]).resolve())
    if parent is None:
        return raw, (path,)
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: 'extends' = {parent!r}: expected a file name")
    base, files = _read_raw(path.parent / parent, (*chain, path))
    base.pop("name", None)
    base.pop("description", None)
    return _merge(base, raw), (*files, path)


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file, apply ``extends``, validate strictly."""
    path = Path(path)
    raw, files = _read_raw(path, ())
    if "source_files" in raw:
        raise ScenarioError(f"{path}: source_files: unknown key (set by the program)")
    raw.setdefault("name", path.stem)
    try:
        return Scenario(**raw, source_files=files)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                lines.append(f"  {where}: unknown key (check the spelling; see runs/README.md)")
            else:
                lines.append(f"  {where} = {err.get('input')!r}: {err['msg']}")
        raise ScenarioError(f"{path}: invalid scenario\n" + "\n".join(lines)) from exc
