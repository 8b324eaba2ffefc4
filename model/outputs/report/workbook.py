"""The Excel workbook of a report: one sheet per result table with units in the headers,
the resolved scenario settings, the data sources and their status, the data dictionary."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from model.outputs.dictionary import describe

HEADER_ZH: dict[str, str] = {
    "stream": "废物种类",
    "node": "节点",
    "node_zh": "节点名称",
    "region": "区域",
    "pathway": "利用途径",
    "group": "目标类别",
    "origin": "产生地",
    "origin_zh": "产生地名称",
    "origin_region": "产生地区域",
    "destination": "利用地",
    "destination_zh": "利用地名称",
    "destination_region": "利用地区域",
    "mode": "运输方式",
    "distance_km": "运距",
    "road_km": "公路运距",
    "amount_10kt": "数量",
    "cost_10k_cny": "成本",
    "capex_10k_cny": "年化投资",
    "expansion_10kt": "新增能力",
    "capacity_10kt": "现有能力",
    "used_10kt": "利用量",
    "use_share": "能力使用率",
    "shadow_price_cny_per_t": "影子价格",
    "level": "层级",
    "area": "地区",
    "area_zh": "地区名称",
    "generated_10kt": "产生量",
    "drawn_10kt": "历史贮存利用量",
    "utilized_10kt": "综合利用量",
    "floor_rate": "基准年利用率下限",
    "rate": "综合利用率",
    "target": "目标",
    "met": "是否达标",
    "node_limit_10kt": "可动用贮存上限",
    "constraint": "约束",
    "shadow_price": "影子价格",
    "unit": "单位",
    "per_percentage_point_10k_cny": "每百分点成本（边际）",
    "binding": "是否起约束",
    "one_sided": "单侧价格",
    "next_point_10k_cny": "再提高一个百分点的成本（重新求解）",
    "holds_from_rate": "价格不变的利用率下限",
    "holds_to_rate": "价格不变的利用率上限",
    "note": "说明",
    "component": "组成",
    "co2_10kt": "CO₂",
    "transport_co2_10kt": "运输CO₂",
    "avoided_co2_10kt": "避免的CO₂",
    "net_co2_10kt": "净CO₂",
    "key": "设置",
    "value": "取值",
}
"""Chinese headers (``--lang zh``); a column without one keeps its name."""

UNIT_ZH = {
    "10^4 t/yr": "万吨/年",
    "10^4 CNY/yr": "万元/年",
    "10^4 t CO2/yr": "万吨CO₂/年",
    "km": "公里",
    "CNY per t/yr": "元/(吨/年)",
    "CNY/t": "元/吨",
    "share of 1": "比例",
    "true/false": "是/否",
}


def header(table: str, column: str, lang: str) -> str:
    """``amount (10^4 t/yr)``: the column with its unit from the data dictionary."""
    unit, _ = describe(table, column)
    label = HEADER_ZH.get(column, column) if lang == "zh" else column
    if unit in ("-", "see unit", ""):
        return label
    return f"{label} ({UNIT_ZH.get(unit, unit) if lang == 'zh' else unit})"


def flatten(settings: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested scenario settings as ``section.key`` = value rows."""
    rows: list[tuple[str, str]] = []
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            rows += flatten(value, f"{name}.")
        else:
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            rows.append((name, "" if shown is None else str(shown)))
    return rows


def source_status(dataset_tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """sources.csv with the data rows that cite each source and their status.

    ``cited_by`` reads ``generation.csv: 12 reported, 3 estimated`` (the ``status``
    column of the data rows; a file without one gives the count alone).
    """
    sources = dataset_tables["sources"].reset_index()
    uses: dict[str, list[str]] = {str(s): [] for s in sources["source_id"]}
    for name, frame in sorted(dataset_tables.items()):
        rows = frame.reset_index()
        if name == "sources" or "source_id" not in rows.columns:
            continue
        for source, part in rows.groupby("source_id"):
            if "status" in part.columns:
                counts = part["status"].fillna("unstated").value_counts().sort_index()
                text = ", ".join(f"{n} {status}" for status, n in counts.items())
            else:
                text = str(len(part))
            uses.setdefault(str(source), []).append(f"{name}.csv: {text}")
    sources["cited_by"] = sources["source_id"].map(lambda s: "; ".join(uses.get(str(s), [])))
    return sources


def write_workbook(
    path: Path,
    tables: Mapping[str, pd.DataFrame],
    summary: Mapping[str, Any],
    sources: pd.DataFrame,
    lang: str,
    extra: Mapping[str, pd.DataFrame] | None = None,
) -> None:
    """One sheet per table (headers with units), then settings, sources and the dictionary."""
    settings = pd.DataFrame(
        flatten(summary.get("scenario_settings") or {"scenario": summary.get("scenario")}),
        columns=["key", "value"],
    )
    sheets: dict[str, pd.DataFrame] = {}
    for name, frame in {**(extra or {}), **tables}.items():
        sheets[name] = frame.rename(columns={c: header(name, str(c), lang) for c in frame.columns})
    sheets["settings"] = settings.rename(columns={c: header("", c, lang) for c in settings})
    sheets["sources"] = sources
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes = "A2"
            for n, column in enumerate(frame.columns, start=1):
                width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(50)])
                sheet.column_dimensions[sheet.cell(1, n).column_letter].width = min(width + 2, 60)
