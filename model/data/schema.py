"""What each file in the data directory holds: one row model per file.

The field names are the CSV columns; the units are in the names and in
``columns.csv``, the data dictionary (a test keeps the two in step). Each row
is validated by pydantic so that a bad cell is reported with its file, row,
column, value and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["reported", "estimated", "assumed", "derived"]
"""How a figure was obtained.

reported: a published statistic, copied; derived: computed from reported
figures by arithmetic only; estimated: computed by a documented method from
proxies; assumed: a modelling assumption with a stated basis.
"""

Slug = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)


class NodeRow(_Row):
    node: str = Slug
    adcode: int = Field(ge=100000, le=999999)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    region: str = Slug
    lon: float = Field(ge=73.0, le=136.0)
    lat: float = Field(ge=3.0, le=54.0)
    area_km2: float = Field(gt=0)
    intra_haul_km: float = Field(gt=0)
    source_id: str = Field(min_length=1)
    province: str = ""


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
    storage_cost_cny_per_t: float = Field(ge=0)
    storage_cost_low_cny_per_t: float = Field(ge=0)
    storage_cost_high_cny_per_t: float = Field(ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class LevyRow(_Row):
    levy: str = Slug
    stream: str = Slug
    rate_cny_per_t: float = Field(ge=0)
    source_id: str = Field(min_length=1)


class TargetGroupRow(_Row):
    group: str = Slug
    stream: str = Slug
    source_id: str = Field(min_length=1)


class TargetRow(_Row):
    target_set: str = Slug
    group: str = Slug
    rate: float = Field(ge=0, le=1)
    year: int = Field(ge=2000, le=2100)
    source_id: str = Field(min_length=1)


class PathwayRow(_Row):
    pathway: str = Slug
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    opex_cny_per_t: float
    opex_low_cny_per_t: float
    opex_high_cny_per_t: float
    capex_cny_per_t_yr: float = Field(ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class CompatibilityRow(_Row):
    stream: str = Slug
    pathway: str = Slug
    share_max: float = Field(gt=0, le=1)
    revenue_cny_per_t: float
    revenue_low_cny_per_t: float
    revenue_high_cny_per_t: float
    avoided_co2_t_per_t: float
    avoided_co2_low_t_per_t: float
    avoided_co2_high_t_per_t: float
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class GenerationRow(_Row):
    node: str = Slug
    stream: str = Slug
    generation_10kt: float = Field(ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class BaseUtilizationRow(_Row):
    node: str = Slug
    stream: str = Slug
    utilized_10kt: float = Field(ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class CapacityRow(_Row):
    node: str = Slug
    pathway: str = Slug
    capacity_10kt: float = Field(ge=0)
    expansion_max_10kt: float = Field(ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class ModeRow(_Row):
    mode: Literal["road", "rail"]
    cost_cny_per_tkm: float = Field(ge=0)
    cost_low_cny_per_tkm: float = Field(ge=0)
    cost_high_cny_per_tkm: float = Field(ge=0)
    handling_cny_per_t: float = Field(ge=0)
    co2_g_per_tkm: float = Field(ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class ParameterRow(_Row):
    parameter: str = Slug
    value: float
    unit: str = Field(min_length=1)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class ProvinceTotalRow(_Row):
    node: str = Slug
    year: int = Field(ge=2000, le=2100)
    generated_10kt: float | None = Field(default=None, ge=0)
    utilized_10kt: float | None = Field(default=None, ge=0)
    disposed_10kt: float | None = Field(default=None, ge=0)
    stored_10kt: float | None = Field(default=None, ge=0)
    utilization_rate: float | None = Field(default=None, ge=0, le=1.2)
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
    national_generation_10kt: float | None = Field(default=None, ge=0)
    generation_year: int | None = Field(default=None, ge=2000, le=2100)
    national_rate: float = Field(ge=0, le=1)
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
    value: float = Field(ge=0)
    unit: str = Field(min_length=1)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class CoefficientRow(_Row):
    coefficient: str = Slug
    value: float = Field(ge=0)
    unit: str = Field(min_length=1)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class PathwayMixRow(_Row):
    stream: str = Slug
    pathway: str = Slug
    share: float = Field(ge=0, le=1)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class GroupTotalRow(_Row):
    group: str = Slug
    nodes: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*(;[a-z][a-z0-9_]*)*$")
    year: int = Field(ge=2000, le=2100)
    share_of_national: float = Field(gt=0, le=1)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class CityFigureRow(_Row):
    node: str = Slug
    year: int = Field(ge=2000, le=2100)
    generated_10kt: float = Field(ge=0)
    utilized_10kt: float | None = Field(default=None, ge=0)
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


class PrefectureProxyRow(_Row):
    """A figure that spreads a province's total among its prefectures (e.g. population)."""

    node: str = Slug
    proxy: Literal["population"]
    year: int = Field(ge=2000, le=2100)
    value: float = Field(gt=0)
    unit: Literal["10^4 persons"]
    status: Status
    source_id: str = Field(min_length=1)
    note: str = ""


@dataclass(frozen=True)
class TableSpec:
    """A CSV file of the dataset: its row model and its key columns."""

    file: str
    row: type[_Row]
    key: tuple[str, ...]


TABLES: tuple[TableSpec, ...] = (
    TableSpec("sources.csv", SourceRow, ("source_id",)),
    TableSpec("columns.csv", ColumnRow, ("file", "column")),
    TableSpec("regions.csv", RegionRow, ("region",)),
    TableSpec("nodes.csv", NodeRow, ("node",)),
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
