"""The ``[path]`` section of a scenario: a multi-year run over model years.

Kept apart from the model (pydantic only) because :mod:`model.core.config`
imports it. Every key has its default stated here and in ``runs/README.md``.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Rate = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-0.5, le=1.0)]
"""A growth rate per year, as a share (0.03 is 3%/yr)."""
Year = Annotated[int, Field(strict=True, ge=1990, le=2100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GrowthConfig(_Strict):
    """How generation grows from the base year: a set of growth.csv, then overrides."""

    set: str = Field(
        "none",
        min_length=1,
        description='A growth_set of growth.csv, or "none" (0%/yr: generation stays at the '
        "base year's).",
    )
    rates: dict[str, Rate] = Field(
        default_factory=dict,
        description='Stream -> growth per year replacing the set\'s ("all" for every stream).',
    )


class PathConfig(_Strict):
    """Model years and how they are linked (docs/formulation.md, "Multi-year model")."""

    years: tuple[Year, ...] = Field(
        min_length=1,
        description="Model years, increasing; each period stands for the years up to the next.",
    )
    end_year: Year | None = Field(
        None, description="Last year the last period stands for (default: the last model year)."
    )
    discount_rate: float | None = Field(
        None,
        strict=True,
        ge=0,
        le=1,
        description="Discount rate per year; default parameters.csv's annualization_rate, the "
        "rate the data annualize capex with, so the two agree.",
    )
    foresight: Literal["perfect", "myopic"] = "perfect"
    targets: Literal["hold", "interpolate"] = Field(
        "hold",
        description="Before a target's year: hold (base-year practice only, no target) or "
        "interpolate (a rate rising linearly from the region's base-year rate).",
    )
    target_year_shift: int = Field(
        0, strict=True, ge=-20, le=20, description="Years added to the year of every target set."
    )
    target_years: dict[str, Year] = Field(
        default_factory=dict, description="Target set -> the year it applies from (overrides)."
    )
    growth: GrowthConfig = GrowthConfig()
    lifetime_years: int = Field(
        20,
        strict=True,
        ge=1,
        le=100,
        description="Years capacity added in a period lasts; 20, the life over which the data "
        "annualize capex (pathways.csv notes, parameters.csv annualization_rate).",
    )
    existing_life_years: int | None = Field(
        None,
        strict=True,
        ge=1,
        le=100,
        description="Years over which the base year's existing capacity retires, linearly from "
        "the base year (a share 1 - (y - base year) / life stands in year y; today's uses stay "
        "as floors, so what retires is replaced); default none: it stands for the whole "
        "horizon (an assumption either way: plant ages are not published).",
    )
    expansion_limit: Literal["per_period", "standing"] = Field(
        "per_period",
        description="What the expansion limit of capacity.csv caps: each period's addition "
        '("per_period") or all capacity added and standing ("standing", as in one year).',
    )
    initial_stock_years: float = Field(
        1.0,
        strict=True,
        ge=0,
        le=1000,
        description="Stock at the start, in years of the base year's stored amount (贮存量, "
        "province_totals.csv); 1 by assumption (the cumulative stock per province is not "
        "published).",
    )
    reclaim_share_per_yr: float = Field(
        0.1,
        strict=True,
        ge=0,
        le=1,
        description="From the second period on, a node draws per year at most this share of its "
        "stock at the period's start (plus its base-year draw); an assumption.",
    )
    reclaim_cny_per_t: float = Field(
        0.0,
        strict=True,
        ge=0,
        le=1e5,
        description="Cost of taking a tonne out of a stockpile (loading), on top of its haul and "
        "use; 0 by default as in the one-year model (no sourced figure).",
    )
    map_year: Year | None = Field(
        None, description="Model year whose allocation the maps show (default: the last)."
    )

    @field_validator("years")
    @classmethod
    def _increasing(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(b <= a for a, b in pairwise(value)):
            raise ValueError("years in increasing order, each once")
        return value

    @model_validator(mode="after")
    def _ends(self) -> PathConfig:
        if self.end_year is not None and self.end_year < self.years[-1]:
            raise ValueError(f"end_year at or after the last model year ({self.years[-1]})")
        if self.map_year is not None and self.map_year not in self.years:
            raise ValueError(f"map_year one of the model years {list(self.years)}")
        return self

    def period_years(self) -> tuple[int, ...]:
        """How many years each period stands for: up to the next, the last up to end_year."""
        end = (self.end_year if self.end_year is not None else self.years[-1]) + 1
        return tuple(b - a for a, b in zip(self.years, (*self.years[1:], end), strict=True))
