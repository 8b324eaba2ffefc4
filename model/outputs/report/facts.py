"""The figures of a report, read from a results folder into one dictionary.

The brief (:mod:`model.outputs.report.brief`) prints only numbers of this
dictionary, and the tests check the dictionary against the result tables, so
every number in the brief is one of the tables'. Units are those a reader
quotes: 10^8 CNY/yr (亿元/年), CNY/t, percent, Mt CO2/yr, 10^4 t/yr (万吨/年).
No solving, no plotting.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from model.errors import ScenarioError
from model.outputs.folders import read_run
from model.studies.compare import COSTS, GROUPS, compare

SCARCE = 5
"""Capacities listed in the brief (the highest shadow prices)."""

MAP_FILES = (
    "map_utilization",
    "map_unutilized",
    "map_capacity_use",
    "map_capacity_shadow_price",
    "map_net_co2",
    "map_flows",
    "sankey_streams_pathways",
    "sankey_regions",
)
"""Figures of a run the brief links to, in this order (``_zh`` variants preferred in Chinese)."""


def _number(value: Any) -> float | None:
    """A finite float, or None for an empty cell."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def read(result_dir: Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """A results folder of ``wastealloc solve``; else a :class:`ScenarioError` saying what lacks."""
    try:
        tables, summary = read_run(Path(result_dir))
    except FileNotFoundError as exc:
        raise ScenarioError(str(exc)) from None
    needed = ("costs", "utilization", "shadow_prices", "emissions")
    missing = [n for n in needed if n not in tables]
    if missing or "scenario" not in summary:
        names = ", ".join(f"{n}.csv" for n in missing) or "a scenario in summary.json"
        raise ScenarioError(
            f"{result_dir}: no {names}; expected a folder written by `wastealloc solve`"
        )
    return tables, summary


def facts(result_dir: Path, reference_dir: Path | None = None) -> dict[str, Any]:
    """Every figure the brief quotes, from the run's tables (and the reference's)."""
    tables, summary = read(result_dir)
    costs = tables["costs"].set_index("component")["cost_10k_cny"]
    out: dict[str, Any] = {
        "scenario": {
            "name": str(summary["scenario"]),
            "description": str(summary.get("description") or ""),
            "description_zh": str(summary.get("description_zh") or ""),
            "base_year": summary.get("base_year"),
            "resolution": summary.get("resolution", "province"),
            "status": summary.get("status", ""),
        },
        "cost_1e8_cny": {
            c: float(costs[c]) / 1e4 for c in [*COSTS, *costs.index] if c in costs.index
        },
        "utilization": _utilization(tables["utilization"]),
        "binding": _binding(tables["shadow_prices"]),
        "one_sided": int(
            (
                tables["shadow_prices"]["binding"].astype(bool)
                & tables["shadow_prices"]["one_sided"].astype(bool)
            ).sum()
        ),
        "scarce": _scarce(tables["shadow_prices"]),
        "at_limit": _at_limit(tables.get("expansions")),
        "co2_mt": _co2(tables["emissions"], summary),
        "maps": _maps(Path(result_dir)),
        "reference": None,
    }
    if reference_dir is not None:
        read(reference_dir)  # the same words for a folder that is not a run
        out["reference"] = _reference(Path(reference_dir), Path(result_dir))
    return out


def _utilization(util: pd.DataFrame) -> list[dict[str, Any]]:
    """Region and total rates of the target groups (percent), with targets where set."""
    rows = util[util["level"].isin(["region", "total"])]
    order = {g: n for n, g in enumerate(GROUPS)}
    out = [
        {
            "region": str(r["area"]),
            "group": str(r["group"]),
            "rate_pct": 100 * float(r["rate"]),
            "target_pct": None if pd.isna(r["target"]) else 100 * float(r["target"]),
            "met": None if pd.isna(r["met"]) else str(r["met"]) == "True",
            "utilized_10kt": float(r["utilized_10kt"]),
        }
        for _, r in rows.iterrows()
    ]
    return sorted(out, key=lambda u: (u["region"] == "all", u["region"], order.get(u["group"], 99)))


def _binding(prices: pd.DataFrame) -> list[dict[str, Any]]:
    targets = prices[(prices["constraint"] == "target") & prices["binding"].astype(bool)]
    out = []
    for _, r in targets.sort_values("shadow_price", ascending=False).iterrows():
        low = _number(r.get("holds_from_rate"))
        high = _number(r.get("holds_to_rate"))
        step = _number(r.get("next_point_10k_cny"))
        out.append(
            {
                "region": str(r["region"]),
                "group": str(r["group"]),
                "price_cny_per_t": float(r["shadow_price"]),
                "per_point_1e8_cny": float(r["per_percentage_point_10k_cny"]) / 1e4,
                "next_point_1e8_cny": None if step is None else step / 1e4,
                "holds_from_pct": None if low is None else 100 * low,
                "holds_to_pct": None if high is None else 100 * high,
                "one_sided": bool(r["one_sided"]),
            }
        )
    return out


def _at_limit(expansions: pd.DataFrame | None) -> int:
    """How many expansions reached the assumed expansion limit (expansions.csv at_limit)."""
    if expansions is None or "at_limit" not in expansions:
        return 0
    return int(expansions["at_limit"].astype(str).eq("True").sum())


def _scarce(prices: pd.DataFrame) -> list[dict[str, Any]]:
    capacity = prices[(prices["constraint"] == "capacity") & prices["binding"].astype(bool)]
    top = capacity.sort_values(["shadow_price", "node", "pathway"], ascending=[False, True, True])
    return [
        {
            "node": str(r["node"]),
            "region": str(r["region"]),
            "pathway": str(r["pathway"]),
            "price_cny_per_t": float(r["shadow_price"]),
        }
        for _, r in top.head(SCARCE).iterrows()
    ]


def _co2(emissions: pd.DataFrame, summary: dict[str, Any]) -> dict[str, float | None]:
    co2 = emissions.set_index("component")["co2_10kt"]
    most = summary.get("net_co2_most_at_least_cost_10kt")
    return {
        "transport": float(co2["transport"]) / 100,
        "avoided": float(co2["avoided"]) / 100,
        "net": float(co2["net"]) / 100,
        "net_most": None if most is None else float(most) / 100,
    }


def _maps(result_dir: Path) -> list[dict[str, Any]]:
    out = []
    for stem in MAP_FILES:
        out.append(
            {
                "name": stem,
                "en": f"{stem}.png" if (result_dir / f"{stem}.png").is_file() else None,
                "zh": f"{stem}_zh.png" if (result_dir / f"{stem}_zh.png").is_file() else None,
            }
        )
    return out


def _reference(reference_dir: Path, result_dir: Path) -> dict[str, Any]:
    """What the run changes against the reference: the rows of ``compare`` that change."""
    table, facts_ = compare(reference_dir, result_dir)
    changed = table[table["change"].abs() > 1e-9]
    rows = [
        {
            "section": str(r["section"]),
            "item": str(r["item"]),
            "unit": str(r["unit"]),
            "change_unit": str(r["change_unit"]),
            "a": float(r["a"]),
            "b": float(r["b"]),
            "change": float(r["change"]),
        }
        for _, r in changed.iterrows()
    ]
    total = table[(table["section"] == "cost") & (table["item"] == "total")]
    return {
        "name": str(facts_["a"]),
        "same_data": bool(facts_["same_data"]),
        "targets_only": bool(facts_["same_data"])
        and _targets_only(read(reference_dir)[1], read(result_dir)[1]),
        "total_cost_change_1e8_cny": float(total["change"].iloc[0]),
        "changes": rows,
    }


TARGET_KEYS = ("sets", "rates", "regions")
"""The settings of ``[targets]`` that name the targets themselves."""


def _targets_only(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """The two runs' resolved scenarios differ in their targets and nothing else (names and
    descriptions aside), so the difference in cost is the cost of the targets."""

    def rest(summary: dict[str, Any]) -> dict[str, Any] | None:
        settings = summary.get("scenario_settings")
        if not isinstance(settings, dict):
            return None  # written before summaries recorded the settings: unknown
        out = {
            k: v for k, v in settings.items() if k not in ("name", "description", "description_zh")
        }
        out["targets"] = {
            k: v for k, v in settings.get("targets", {}).items() if k not in TARGET_KEYS
        }
        return out

    first = rest(a)
    return first is not None and first == rest(b)
