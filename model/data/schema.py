"""What each file in the data directory holds: one row model per file.

The field names are the CSV columns; the units are in the names and in
``columns.csv``, the data dictionary (a test keeps the two in step). Each row
is validated by pydantic so that a bad cell is reported with its file, row,
column, value and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

MAX_MAGNITUDE = 1e9
"""Largest magnitude of any number in the data.

The largest figure in these units is about 10^6 (an area in km², a national
total in 10^4 t); HiGHS takes 1e20 as infinite and loses accuracy long before,
so a number beyond 1e9 is a typo or an overflow (1e308), never a figure.
"""


def _bounded(value: float) -> float:
    if abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"a number between -{MAX_MAGNITUDE:,.0f} and {MAX_MAGNITUDE:,.0f}")
    return value


Number = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_bounded)]
"""Every number column: finite (no nan, inf) and of sensible magnitude.

Bounds of a column (``ge=0`` and so on) are given where the column is declared.
"""

Status = Literal["reported", "estimated", "assumed", "derived"]
"""How a figure was obtained.

reported: a published statistic, copied; derived: computed from reported
figures by arithmetic only; estimated: computed by a documented method from
proxies; assumed: a modelling assumption with a stated basis.
"""

Slug = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")


def _number(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def expectation(err: Any) -> str:
    """Say in words what a pydantic error expected (data cells and scenario keys alike)."""
    kind = err["type"]
    ctx = err.get("ctx", {})
    if kind == "missing":
        return "a value (the cell is empty)"
    if kind == "float_parsing":
        return "a number"
    if kind == "float_type":
        return "a number" + (" (without quotes)" if isinstance(err.get("input"), str) else "")
    if kind == "finite_number":
        return "a finite number (not nan or inf)"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "a whole number"
    if kind == "greater_than_equal":
        return f"a number ≥ {_number(ctx['ge'])}"
    if kind == "greater_than":
        return f"a number > {_number(ctx['gt'])}"
    if kind == "less_than_equal":
        return f"a number ≤ {_number(ctx['le'])}"
    if kind == "less_than":
        return f"a number < {_number(ctx['lt'])}"
    if kind == "literal_error":
        return f"one of {ctx['expected']}"
    if kind == "string_pattern_mismatch":
        return "a lower-case identifier (letters, digits, _; starting with a letter)"
    if kind == "string_too_short":
        return "a non-empty text"
    if kind == "string_too_long":
        return f"a text of at most {ctx['max_length']} characters"
    if kind == "too_short":
        return f"a list of at least {ctx['min_length']} item(s)"
    if kind in ("bool_type", "bool_parsing"):
        return "true or false (without quotes)"
    if kind in ("string_type", "tuple_type", "list_type", "dict_type"):
        return {"string_type": "a text in quotes", "dict_type": "a table { ... }"}.get(
            kind, "a list [ ... ]"
        )
    if kind == "value_error":
        return str(ctx["error"])
    return str(err["msg"])


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)


class NodeRow(_Row):
    node: str = Slug
    adcode: int = Field(ge=100000, le=999999)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    region: str = Slug
    lon: Number = Field(ge=73.0, le=136.0)
    lat: Number = Field(ge=3.0, le=54.0)
    area_km2: Number = Field(gt=0)
    intra_haul_km: Number = Field(gt=0)
    source_id: str = Field(min_length=1)
    province: str = ""
    rail_access_km: Number | None = Field(None, ge=0)


class RegionRow(_Row):
    region: str = Slug
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    source_id: str = Field(min_length=1)


class StreamRow(_Row):
    stream: str = Slug
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)


class StorageRow(_Row):
    stream: str = Slug
    storage_cost_cny_per_t: Number = Field(ge=0)
    storage_cost_low_cny_per_t: Number = Field(ge=0)
    storage_cost_high_cny_per_t: Number = Field(ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class LevyRow(_Row):
    levy: str = Slug
    stream: str = Slug
    rate_cny_per_t: Number = Field(ge=0)
    source_id: str = Field(min_length=1)


class TargetGroupRow(_Row):
    group: str = Slug
    stream: str = Slug
    source_id: str = Field(min_length=1)


class TargetRow(_Row):
    target_set: str = Slug
    group: str = Slug
    rate: Number = Field(ge=0, le=1)
    year: int = Field(ge=2000, le=2100)
    source_id: str = Field(min_length=1)


class PathwayRow(_Row):
    pathway: str = Slug
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    opex_cny_per_t: Number
    opex_low_cny_per_t: Number
    opex_high_cny_per_t: Number
    capex_cny_per_t_yr: Number = Field(ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class CompatibilityRow(_Row):
    stream: str = Slug
    pathway: str = Slug
    share_max: Number = Field(gt=0, le=1)
    on_site_km: Number | None = Field(None, ge=0)
    revenue_cny_per_t: Number
    revenue_low_cny_per_t: Number
    revenue_high_cny_per_t: Number
    avoided_co2_t_per_t: Number
    avoided_co2_low_t_per_t: Number
    avoided_co2_high_t_per_t: Number
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class GenerationRow(_Row):
    node: str = Slug
    stream: str = Slug
    generation_10kt: Number = Field(ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class BaseUtilizationRow(_Row):
    node: str = Slug
    stream: str = Slug
    utilized_10kt: Number = Field(ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class CapacityRow(_Row):
    node: str = Slug
    pathway: str = Slug
    capacity_10kt: Number = Field(ge=0)
    expansion_max_10kt: Number = Field(ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class ModeRow(_Row):
    mode: Literal["road", "rail"]
    cost_cny_per_tkm: Number = Field(ge=0)
    cost_low_cny_per_tkm: Number = Field(ge=0)
    cost_high_cny_per_tkm: Number = Field(ge=0)
    handling_cny_per_t: Number = Field(ge=0)
    co2_g_per_tkm: Number = Field(ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


PARAMETER_RANGES: dict[str, tuple[float, float, bool, str]] = {
    "base_year": (2000, 2100, True, "the year of the figures"),
    "circuity_factor": (
        1.0,
        3.0,
        False,
        "a road distance over a geodesic one: a road is never shorter than the geodesic "
        "(≥ 1), and 3 is far above any measured mean",
    ),
    "annualization_rate": (0.0, 1.0, False, "a rate per year, as a share"),
    "national_generated_10kt": (0.0, MAX_MAGNITUDE, False, "an amount"),
    "national_utilized_10kt": (0.0, MAX_MAGNITUDE, False, "an amount"),
    "national_disposed_10kt": (0.0, MAX_MAGNITUDE, False, "an amount"),
    "calibration_tolerance_pp": (0.0, 100.0, False, "percentage points"),
}
"""Range of each parameter the code reads: (low, high, whole number?, why)."""


class ParameterRow(_Row):
    parameter: str = Slug
    value: Number
    unit: str = Field(min_length=1)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""

    @field_validator("value")
    @classmethod
    def _in_range(cls, value: float, info: ValidationInfo) -> float:
        rule = PARAMETER_RANGES.get(info.data.get("parameter", ""))
        if rule is None:
            return value
        low, high, whole, why = rule
        if not low <= value <= high or (whole and not value.is_integer()):
            kind = "a whole number" if whole else "a number"
            raise ValueError(f"{kind} in [{low:g}, {high:g}] for {info.data['parameter']} ({why})")
        return value


class ProvinceTotalRow(_Row):
    node: str = Slug
    year: int = Field(ge=2000, le=2100)
    generated_10kt: Number | None = Field(default=None, ge=0)
    utilized_10kt: Number | None = Field(default=None, ge=0)
    disposed_10kt: Number | None = Field(default=None, ge=0)
    stored_10kt: Number | None = Field(default=None, ge=0)
    utilization_rate: Number | None = Field(default=None, ge=0, le=1.2)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class SourceRow(_Row):
    source_id: str = Field(min_length=1)
    kind: Literal["statistic", "policy", "standard", "literature", "estimate", "geometry"]
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    year: str = Field(min_length=1)
    locator: str = ""
    address: str = ""
    note: str = ""


class ColumnRow(_Row):
    file: str = Field(min_length=1)
    column: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    meaning: str = Field(min_length=1)


class StreamBasisRow(_Row):
    stream: str = Slug
    national_generation_10kt: Number | None = Field(default=None, ge=0)
    generation_year: int | None = Field(default=None, ge=2000, le=2100)
    national_rate: Number = Field(ge=0, le=1)
    rate_year: int = Field(ge=2000, le=2100)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class ProxyRow(_Row):
    node: str = Slug
    proxy: Literal[
        "crude_steel", "raw_coal", "thermal_power", "phosphogypsum_share", "red_mud", "alumina"
    ]
    year: int = Field(ge=2000, le=2100)
    value: Number = Field(ge=0)
    unit: str = Field(min_length=1)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class CoefficientRow(_Row):
    coefficient: str = Slug
    value: Number = Field(ge=0)
    unit: str = Field(min_length=1)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class PathwayMixRow(_Row):
    stream: str = Slug
    pathway: str = Slug
    share: Number = Field(ge=0, le=1)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class GroupTotalRow(_Row):
    group: str = Slug
    nodes: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*(;[a-z][a-z0-9_]*)*$")
    year: int = Field(ge=2000, le=2100)
    share_of_national: Number = Field(gt=0, le=1)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class CityFigureRow(_Row):
    node: str = Slug
    year: int = Field(ge=2000, le=2100)
    generated_10kt: Number = Field(ge=0)
    utilized_10kt: Number | None = Field(default=None, ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class PrefectureProxyRow(_Row):
    """A figure that spreads a province's total among its prefectures (e.g. population)."""

    node: str = Slug
    proxy: Literal["population"]
    year: int = Field(ge=2000, le=2100)
    value: Number = Field(gt=0)
    unit: Literal["10^4 persons"]
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class TrancheRow(_Row):
    """One step of a piecewise-linear cost: expansion capex rising, revenue falling."""

    kind: Literal["expansion", "revenue"]
    tranche: int = Field(ge=1)
    width_share: Number | None = Field(None, gt=0)
    factor: Number = Field(ge=0)
    factor_low: Number = Field(ge=0)
    factor_high: Number = Field(ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class DistanceRow(_Row):
    """A distance the user supplies instead of geodesic x circuity (optional distances.csv)."""

    origin: str = Slug
    dest: str = Slug
    mode: Literal["road", "rail"]
    km: Number = Field(ge=0)
    source_id: str = Field(min_length=1)
    note: str = ""

    @field_validator("km")
    @classmethod
    def _apart(cls, km: float, info: ValidationInfo) -> float:
        origin, dest = info.data.get("origin"), info.data.get("dest")
        if km == 0 and origin is not None and origin != dest:
            raise ValueError(f"a distance above 0 between {origin} and {dest} (different nodes)")
        return km


@dataclass(frozen=True)
class TableSpec:
    """A CSV file of the dataset: its row model and its key columns."""

    file: str
    row: type[_Row]
    key: tuple[str, ...]
    unique: tuple[tuple[str, ...], ...] = ()
    """Other columns (or sets of columns) whose values must not repeat."""


TABLES: tuple[TableSpec, ...] = (
    TableSpec("sources.csv", SourceRow, ("source_id",)),
    TableSpec("columns.csv", ColumnRow, ("file", "column")),
    TableSpec("regions.csv", RegionRow, ("region",)),
    TableSpec("nodes.csv", NodeRow, ("node",), unique=(("adcode",),)),
    TableSpec("streams.csv", StreamRow, ("stream",)),
    TableSpec("storage.csv", StorageRow, ("stream",)),
    TableSpec("levies.csv", LevyRow, ("levy", "stream")),
    TableSpec("target_groups.csv", TargetGroupRow, ("group", "stream")),
    TableSpec("targets.csv", TargetRow, ("target_set", "group")),
    TableSpec("pathways.csv", PathwayRow, ("pathway",)),
    TableSpec("compatibility.csv", CompatibilityRow, ("stream", "pathway")),
    TableSpec("generation.csv", GenerationRow, ("node", "stream")),
    TableSpec("base_utilization.csv", BaseUtilizationRow, ("node", "stream")),
    TableSpec("capacity.csv", CapacityRow, ("node", "pathway")),
    TableSpec("modes.csv", ModeRow, ("mode",)),
    TableSpec("parameters.csv", ParameterRow, ("parameter",)),
    TableSpec("tranches.csv", TrancheRow, ("kind", "tranche")),
    TableSpec("province_totals.csv", ProvinceTotalRow, ("node", "year", "status")),
    TableSpec("estimation/stream_basis.csv", StreamBasisRow, ("stream",)),
    TableSpec("estimation/proxies.csv", ProxyRow, ("node", "proxy")),
    TableSpec("estimation/coefficients.csv", CoefficientRow, ("coefficient",)),
    TableSpec("estimation/pathway_mix.csv", PathwayMixRow, ("stream", "pathway")),
    TableSpec("estimation/group_totals.csv", GroupTotalRow, ("group",)),
    TableSpec("estimation/city_figures.csv", CityFigureRow, ("node",)),
    TableSpec("estimation/prefecture_proxies.csv", PrefectureProxyRow, ("node", "proxy")),
)

TABLE_BY_FILE = {t.file: t for t in TABLES}

DISTANCES = TableSpec("distances.csv", DistanceRow, ("origin", "dest", "mode"))
"""Optional: read by :func:`model.core.inputs.read_distances` only when the file exists."""
