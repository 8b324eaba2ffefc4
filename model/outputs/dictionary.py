"""The data dictionary of a results folder: ``columns.csv`` (file, column, unit, meaning).

Every CSV a command writes is described column by column, as
``data/regions/columns.csv`` describes the inputs. Units follow the files:
mass 10^4 t/yr (万吨), money 10^4 CNY/yr (万元), CO2 10^4 t/yr, rates as shares
of one; the terminal prints larger units (x10^8 CNY, Mt) and says so on every
line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

Entry = tuple[str, str]
"""(unit, meaning)."""

COMMON: dict[str, Entry] = {
    "stream": ("-", "Waste stream (slug of data/regions/streams.csv)"),
    "node": ("-", "Node: province or prefecture (slug of nodes.csv)"),
    "node_zh": ("-", "Chinese name of the node (nodes.csv name_zh)"),
    "region": (
        "-",
        "Region: jjj Beijing-Tianjin-Hebei, yrd Yangtze River Delta, yrb Yellow River Basin",
    ),
    "pathway": ("-", "Utilization pathway (slug of pathways.csv)"),
    "group": ("-", "Target group (target_groups.csv), or 'all' for every stream"),
    "amount_10kt": ("10^4 t/yr", "Amount of waste"),
    "component": ("-", "Component of the total"),
    "expansion_10kt": ("10^4 t/yr", "Capacity added by the model"),
    "status": ("-", "Solver status of the point: optimal, infeasible, time limit, ..."),
    "reason": ("-", "Why a point has no optimum, in words (empty when optimal)"),
    "carbon_cost_10k_cny": ("10^4 CNY/yr", "Carbon cost in the total (carbon price x net CO2)"),
    "cost_before_carbon_10k_cny": ("10^4 CNY/yr", "Total cost less the carbon cost"),
}

TABLES: dict[str, dict[str, Entry]] = {
    "hauls": {
        "origin": ("-", "Node where the waste arises (slug)"),
        "origin_zh": ("-", "Chinese name of the origin"),
        "origin_region": ("-", "Region of the origin"),
        "destination": ("-", "Node where it is used (slug)"),
        "destination_zh": ("-", "Chinese name of the destination"),
        "destination_region": ("-", "Region of the destination"),
        "mode": ("-", "road, rail, or on_site (used at the mine, no haul)"),
        "distance_km": ("km", "Haul distance (road distance, or rail plus its road access legs)"),
        "road_km": ("km", "Part of the distance by road (all of a road haul)"),
        "amount_10kt": ("10^4 t/yr", "Amount hauled"),
        "cost_10k_cny": ("10^4 CNY/yr", "Transport cost of the haul"),
    },
    "processing": {"amount_10kt": ("10^4 t/yr", "Amount used by the pathway at the node")},
    "unutilized": {"amount_10kt": ("10^4 t/yr", "Amount left unutilized (stored or disposed)")},
    "expansions": {
        "capex_10k_cny": ("10^4 CNY/yr", "Annualized capital cost of the expansion"),
        "expansion_max_10kt": (
            "10^4 t/yr",
            "Expansion limit (base-year capacity x expansion_share, an assumption)",
        ),
        "at_limit": ("true/false", "The expansion reached its limit: the assumption decides it"),
    },
    "capacity_use": {
        "capacity_10kt": ("10^4 t/yr", "Existing capacity"),
        "used_10kt": ("10^4 t/yr", "Intake"),
        "use_share": ("share of 1", "Intake / (existing + added capacity)"),
        "shadow_price_cny_per_t": ("CNY per t/yr", "Value of one more t/yr of capacity"),
    },
    "utilization": {
        "level": ("-", "total, region or node"),
        "area": ("-", "The node or region (slug), or 'all'"),
        "area_zh": ("-", "Chinese name of the area"),
        "region": ("-", "Region of the area ('all' for the total)"),
        "generated_10kt": ("10^4 t/yr", "Generated in the base year"),
        "drawn_10kt": ("10^4 t/yr", "Drawn from earlier years' stockpiles"),
        "utilized_10kt": ("10^4 t/yr", "Utilized (credited to the area of origin)"),
        "floor_rate": ("share of 1", "Base-year rate kept as a floor"),
        "rate": ("share of 1", "Utilization rate: utilized / (generated + drawn)"),
        "target": ("share of 1", "Target rate (region rows with a target; empty otherwise)"),
        "met": ("true/false", "Rate at or above the target (to 1e-6)"),
    },
    "drawdown": {
        "drawn_10kt": ("10^4 t/yr", "Drawn from earlier years' stockpiles"),
        "node_limit_10kt": ("10^4 t/yr", "The node's limit on what may be drawn"),
    },
    "shadow_prices": {
        "constraint": ("-", "target, practice_floor, use_floor, intake_floor or capacity"),
        "region": ("-", "Region of the constraint"),
        "shadow_price": ("see unit", "Marginal cost (targets, floors) or value (capacity)"),
        "unit": ("-", "Unit of shadow_price"),
        "per_percentage_point_10k_cny": (
            "10^4 CNY/yr",
            "shadow_price times 1% of the base: one percentage point if the margin held",
        ),
        "binding": ("true/false", "The constraint has a non-zero price"),
        "one_sided": ("true/false", "Its right-hand side cannot rise; the price is not unique"),
        "next_point_10k_cny": (
            "10^4 CNY/yr",
            "Cost of a whole percentage point more of a binding target (re-solved)",
        ),
        "holds_from_rate": (
            "share of 1",
            "Binding targets: lowest target rate at which the shadow price stays the same "
            "(HiGHS ranging)",
        ),
        "holds_to_rate": (
            "share of 1",
            "Binding targets: highest target rate at which the shadow price stays the same",
        ),
        "note": ("-", "Remarks"),
    },
    "costs": {
        "component": (
            "-",
            "transport, processing, revenue (negative), storage, levy, expansion, carbon, "
            "shortfall_penalty, total",
        ),
        "cost_10k_cny": ("10^4 CNY/yr", "Annual cost of the component"),
    },
    "emissions": {
        "component": ("-", "transport, avoided, net (transport less avoided)"),
        "co2_10kt": ("10^4 t CO2/yr", "CO2"),
    },
    "node_emissions": {
        "transport_co2_10kt": ("10^4 t CO2/yr", "CO2 of the hauls the node sends"),
        "avoided_co2_10kt": ("10^4 t CO2/yr", "CO2 avoided by the uses the node hosts"),
        "net_co2_10kt": ("10^4 t CO2/yr", "Transport less avoided"),
    },
    "compare": {
        "section": ("-", "cost, utilization, target price, co2, capacity"),
        "item": ("-", "What is compared (region/group for rates and prices)"),
        "unit": ("-", "Unit of a, b and change"),
        "a": ("see unit", "Value in run A"),
        "b": ("see unit", "Value in run B"),
        "change": ("see unit", "B - A (percentage points for rates)"),
        "change_unit": ("-", "Unit of change: percentage points for rates, else as unit"),
    },
    "sweep": {
        "parameter": ("-", "The parameter swept"),
        "value": ("as the parameter", "Its value at this point"),
        "status": ("-", "optimal, infeasible, ..."),
        "tie_break": ("-", "co2 when the least-CO2 second solve finished, else none"),
        "objective_10k_cny": ("10^4 CNY/yr", "Total cost"),
        "cost_change_10k_cny": ("10^4 CNY/yr", "Total cost less that of the first feasible point"),
        "net_co2_10kt": ("10^4 t CO2/yr", "Net CO2"),
    },
    "factors": {
        "factor": ("-", "Factor of the sensitivity design"),
        "description": ("-", "What it moves"),
        "parameters": ("count", "Model parameters it moves"),
        "parameters_with_range": ("count", "Of which with a low-high range"),
        "lowest": ("as the parameter", "Lowest value of its parameters"),
        "highest": ("as the parameter", "Highest value of its parameters"),
    },
    "indices": {
        "output": ("-", "Output column of runs.csv"),
        "factor": ("-", "Factor"),
        "mu": ("unit of the output", "Morris mean elementary effect"),
        "mu_star": ("unit of the output", "Morris mean absolute effect (full range)"),
        "sigma": ("unit of the output", "Morris standard deviation of the effects"),
        "mu_star_conf": ("unit of the output", "95% confidence half-width of mu_star"),
        "S1": ("share of variance", "Sobol' first-order index"),
        "S1_conf": ("share of variance", "95% confidence half-width of S1"),
        "ST": ("share of variance", "Sobol' total-order index"),
        "ST_conf": ("share of variance", "95% confidence half-width of ST"),
    },
}
TABLES["runs"] = {
    **TABLES["sweep"],
    "run": ("-", "Design point"),
    "cost_above_reference_10k_cny": ("10^4 CNY/yr", "Total cost less the reference's"),
}

PATTERNS: tuple[tuple[re.Pattern[str], Entry], ...] = (
    (re.compile(r"rate_(\w+?)_(\w+)"), ("share of 1", "Utilization rate of region/group")),
    (re.compile(r"shadow_\w+_cny_per_t"), ("CNY/t", "Shadow price of the region/group target")),
    (re.compile(r"level_\w+"), ("0 to 1", "Level of the factor: 0 its low, 1 its high value")),
)
"""Columns named after what they hold (sweep.csv, runs.csv)."""


def describe(file: str, column: str) -> Entry:
    """Unit and meaning of a column of a result file (``file`` without ``.csv``)."""
    entry = TABLES.get(file, {}).get(column) or COMMON.get(column)
    if entry is not None:
        return entry
    for pattern, found in PATTERNS:
        if pattern.fullmatch(column):
            return found
    return ("-", "")


OTHER_FILES: dict[str, str] = {
    "summary.json": "Scenario as resolved (after extends), status, cost breakdown, versions, "
    "input hashes; paths relative to this folder",
    "columns.csv": "This data dictionary",
    "flow_matrix_regions.csv": "Waste used, 10^4 t/yr, by region of origin (rows: origin_region, "
    "with its Chinese and English names) and region of use (columns); the diagonal is use "
    "inside the region",
    "flow_matrix_provinces.csv": "Waste used, 10^4 t/yr, by province of origin (rows: "
    "origin_node, with its names) and province of use (columns); the diagonal is use in the "
    "province of origin",
    "flow_matrix_prefectures.csv": "As flow_matrix_provinces.csv, by prefecture",
    "maps_drawn.json": "The map sets drawn into this folder by `wastealloc map`, redrawn when "
    "the scenario is solved again",
    ".png": "Figure",
    ".svg": "Figure (vector)",
    ".pdf": "Figure (print)",
    ".html": "Interactive page (open in a browser; needs the plotly file beside it)",
    ".js": "plotly.js, loaded by the HTML pages beside it",
}


def dictionary(tables: Mapping[str, pd.DataFrame], others: list[str]) -> pd.DataFrame:
    """``columns.csv``: one row per column of each table, one per other file."""
    rows = []
    for name, frame in tables.items():
        for column in frame.columns:
            unit, meaning = describe(name, str(column))
            rows.append((f"{name}.csv", str(column), unit, meaning))
    for other in sorted(others):
        meaning = OTHER_FILES.get(other) or next(
            (text for end, text in OTHER_FILES.items() if other.endswith(end)), ""
        )
        rows.append((other, "", "-", meaning))
    return pd.DataFrame(rows, columns=["file", "column", "unit", "meaning"])
