"""Names beside slugs, and numbers to sensible decimals, for the files people read.

The solver's tables name nodes by slug (``inner_mongolia``). A reader of the
CSV wants the Chinese name and the region beside it, so every node column
gets ``<column>_zh`` and the node's region right after it (``node`` ->
``node_zh``, ``region``; ``origin`` -> ``origin_zh``, ``origin_region``).
Existing columns keep their names, order and values; maps and ``compare``
read them by name.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

NODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "hauls": ("origin", "destination"),
    "processing": ("node",),
    "unutilized": ("node",),
    "expansions": ("node",),
    "capacity_use": ("node",),
    "drawdown": ("node",),
    "node_emissions": ("node",),
    "shadow_prices": ("node",),
    "utilization": ("area",),
}
"""The columns of each result table that name a node (``area`` names a node or a region)."""

ALL_ZH = "全部"
"""Chinese for the ``all`` area and region (the total over the three regions)."""


def _region_column(column: str) -> str:
    return "region" if column in ("node", "area") else f"{column}_region"


def labelled(
    tables: Mapping[str, pd.DataFrame], nodes: pd.DataFrame, regions: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The tables with the Chinese name and region of every node beside its slug.

    ``nodes`` and ``regions`` are the dataset's tables (indexed by slug, with
    ``name_zh`` and, for nodes, ``region``). A table that already has the
    region column (``shadow_prices``) gets only the name. Rows that name no node
    (an empty cell, a target's row) get empty names.
    """
    names = {**nodes["name_zh"].to_dict(), **regions["name_zh"].to_dict(), "all": ALL_ZH}
    region_of = {**nodes["region"].to_dict(), **{r: r for r in regions.index}, "all": "all"}
    out = {}
    for name, frame in tables.items():
        frame = frame.copy()
        for column in NODE_COLUMNS.get(name, ()):
            if column not in frame.columns:
                continue
            slugs = frame[column].fillna("").astype(str)
            at = frame.columns.get_loc(column) + 1
            frame.insert(at, f"{column}_zh", slugs.map(names).fillna(""))
            region = _region_column(column)
            if region not in frame.columns:
                frame.insert(at + 1, region, slugs.map(region_of).fillna(""))
        out[name] = frame
    return out


DECIMALS: tuple[tuple[str, int], ...] = (
    ("_km", 1),
    ("_10kt", 4),
    ("_10k_cny", 2),
    ("_cny_per_t", 3),
    ("_tkm_10k", 1),
    ("rate", 6),
    ("share", 6),
    ("target", 6),
    ("shadow_price", 3),
)
"""Decimals by the end of a column's name: 10^4 t to the tonne, 10^4 CNY to the
100 CNY, km to 0.1 km, prices to 0.001 CNY/t, rates and shares to 1e-6 (the
solver's tolerance, so a rate at its target reads as the target). The first
match wins; other number columns keep :data:`DEFAULT_DECIMALS`."""

DEFAULT_DECIMALS = 6


def decimals(column: str) -> int:
    """How many decimals a number column is written with (see :data:`DECIMALS`)."""
    for suffix, places in DECIMALS:
        if column.endswith(suffix):
            return places
    return DEFAULT_DECIMALS


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Every float column rounded to its decimals, without a negative zero."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            values = frame[column].round(decimals(str(column)))
            frame[column] = values.mask(values == 0, 0.0)
    return frame
