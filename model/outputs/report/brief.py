"""The Markdown brief of a run, in English or Chinese.

Every number printed comes from the figures of
:func:`model.outputs.report.facts.facts`, formatted by :func:`money`,
:func:`one`, :func:`whole` or :func:`pct` (or to two decimals for the ranges of
a price). The words are templates in :data:`WORDS`, one per language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from model.outputs.maps.text import GROUPS

Names = Mapping[str, Mapping[str, Mapping[str, str]]]
"""kind (region, node, pathway) -> slug -> language -> name."""

Words = dict[str, dict[str, str]]

COST_NAMES: Words = {
    "transport": {"en": "transport", "zh": "运输"},
    "processing": {"en": "processing", "zh": "加工处理"},
    "revenue": {"en": "revenue", "zh": "产品收入"},
    "storage": {"en": "storage", "zh": "贮存"},
    "levy": {"en": "levy", "zh": "环境保护税"},
    "expansion": {"en": "expansion", "zh": "扩能投资"},
    "carbon": {"en": "carbon", "zh": "碳成本"},
    "shortfall_penalty": {"en": "shortfall penalty", "zh": "未达标罚金"},
    "total": {"en": "total", "zh": "合计"},
}
CO2_NAMES: Words = {
    "transport": {"en": "transport", "zh": "运输排放"},
    "avoided": {"en": "avoided", "zh": "避免排放"},
    "net": {"en": "net", "zh": "净排放"},
    "net, most-CO2 allocation of the same cost": {
        "en": "net, most-CO₂ allocation of the same cost",
        "zh": "同等成本下净排放最多的分配",
    },
}
SECTION_NAMES: Words = {
    "cost": {"en": "Cost (× 10^8 CNY/yr)", "zh": "成本（亿元/年）"},
    "utilization": {
        "en": "Utilization rate (%; change in percentage points)",
        "zh": "综合利用率（%；变化为百分点）",
    },
    "target price": {"en": "Target shadow price (CNY/t)", "zh": "目标影子价格（元/吨）"},
    "co2": {"en": "CO₂ (Mt/yr)", "zh": "CO₂（百万吨/年）"},
    "capacity": {"en": "Capacity added (10^4 t/yr)", "zh": "新增利用能力（万吨/年）"},
}
MAP_NAMES: Words = {
    "map_utilization": {"en": "Utilization rate by province", "zh": "各省综合利用率"},
    "map_unutilized": {"en": "Waste left unutilized", "zh": "未利用量"},
    "map_capacity_use": {"en": "Use of capacity", "zh": "利用能力使用率"},
    "map_capacity_shadow_price": {"en": "Shadow price of capacity", "zh": "利用能力影子价格"},
    "map_net_co2": {"en": "Net CO₂", "zh": "净CO₂排放"},
    "map_flows": {"en": "Flows between provinces", "zh": "跨省流动"},
    "sankey_streams_pathways": {"en": "From waste stream to use", "zh": "从废物种类到利用途径"},
    "sankey_regions": {
        "en": "From region of origin to region of use",
        "zh": "从产生区域到利用区域",
    },
}

WORDS: Words = {
    "title": {"en": "# Brief: {name}", "zh": "# 政策简报：{name}"},
    "setting": {
        "en": "Base year {year}, {resolution} resolution, status: {status}.",
        "zh": "基准年{year}年，{resolution}模型，求解状态：{status}。",
    },
    "province": {"en": "province", "zh": "省级"},
    "prefecture": {"en": "prefecture", "zh": "地市级"},
    "optimal": {"en": "optimal", "zh": "最优"},
    "units": {
        "en": "Units: cost × 10^8 CNY/yr (亿元/年), amounts 10^4 t/yr, CO₂ Mt/yr. Much of the "
        "data is estimated: the figures illustrate the model and are not findings; read "
        "data/regions/README.md before quoting them.",
        "zh": "单位：成本为亿元/年，利用量为万吨/年，CO₂为百万吨/年。数据多为估计值，数字用于"
        "说明模型，不是研究结论；引用前请阅读 data/regions/README.md。",
    },
    "key": {"en": "## Key figures", "zh": "## 主要数字"},
    "total": {
        "en": "- Total cost: {total} × 10^8 CNY a year ({parts})",
        "zh": "- 总成本：每年{total}亿元（{parts}）",
    },
    "sep": {"en": ", ", "zh": "，"},
    "list_sep": {"en": "; ", "zh": "；"},
    "rates_header": {
        "en": "| region | group | utilization rate | target | met |",
        "zh": "| 区域 | 废物类别 | 综合利用率 | 目标 | 是否达标 |",
    },
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "all_regions": {"en": "all three regions", "zh": "三个区域合计"},
    "target_name": {
        "en": "the {region}'s {group} target",
        "zh": "{region}{group}综合利用率目标",
    },
    "binding": {"en": "## Targets that bind", "zh": "## 约束性目标"},
    "none_binds": {
        "en": "No target binds: the least-cost allocation meets every target anyway.",
        "zh": "没有目标起约束作用：最低成本的分配本身已达到全部目标。",
    },
    "price": {
        "en": "- {Target}: {price} CNY per extra tonne at the margin, about {per_point} × 10^8 "
        "CNY/yr per percentage point if the margin held",
        "zh": "- {Target}：边际成本每吨{price}元，若边际不变，每个百分点约{per_point}亿元/年",
    },
    "next_point": {
        "en": "; a whole point more costs {step} × 10^8 CNY/yr (re-solved)",
        "zh": "；重新求解，再提高一个百分点每年需{step}亿元",
    },
    "holds": {
        "en": "; the price holds for rates from {low}% to {high}%",
        "zh": "；利用率在{low}%至{high}%之间时该价格不变",
    },
    "end": {"en": ".", "zh": "。"},
    "scarce": {
        "en": "## Scarce capacity\n\nValue of one more t/yr of capacity (CNY): {items}.",
        "zh": "## 稀缺的利用能力\n\n每吨/年新增能力的价值（元）：{items}。",
    },
    "at_limit": {
        "en": "{n} of the expansions stop at the assumed expansion limit "
        "(`expansion_share`, not a sourced figure): there the assumption, not the costs, "
        "decides how far a use grows, and the cost of the targets moves with it "
        "(data/regions/README.md).",
        "zh": "有{n}处扩能达到假定的扩能上限（`expansion_share`，并非有出处的数据）："
        "在这些地方由该假定而非成本决定利用方式的增长幅度，目标成本也随之变化"
        "（见 data/regions/README.md）。",
    },
    "scarce_item": {"en": "{node}, {pathway} {price}", "zh": "{node}{pathway} {price}"},
    "co2": {
        "en": "## CO₂\n\nTransport {transport}, avoided {avoided}, net {net} Mt/yr.",
        "zh": "## CO₂\n\n运输排放{transport}，避免排放{avoided}，净排放{net}（百万吨/年）。",
    },
    "co2_bound": {
        "en": " Net CO₂ is that of the least-CO₂ allocation among the least-cost ones; another "
        "allocation of the same cost has up to {most}: read it as a range, not a forecast.",
        "zh": "净排放取最低成本分配中最少的一个；同等成本的其他分配最多为{most}，"
        "所以净排放是一个区间，不是预测。",
    },
    "against": {"en": "## Against {ref}", "zh": "## 与{ref}相比"},
    "other_data": {
        "en": "Note: the two runs read different data files.",
        "zh": "注意：两次运行读取的数据文件不同。",
    },
    "change_header": {"en": "| item | A | B | B - A |", "zh": "| 项目 | A | B | B - A |"},
    "added": {"en": "added", "zh": "新增"},
    "quotes": {"en": "## Sentences to quote", "zh": "## 可直接引用的句子"},
    "meeting": {
        "en": "Meeting {target} of {rate} costs about {cost} × 10^8 CNY a year more than {ref}",
        "zh": "与{ref}相比，实现{target}（{rate}）每年约需{cost}亿元",
    },
    "margin": {
        "en": "{Target} of {rate} costs {price} CNY per extra tonne at the margin",
        "zh": "{target}（{rate}）的边际成本为每吨{price}元",
    },
    "one_more": {
        "en": "; one more percentage point costs about {step} × 10^8 CNY a year",
        "zh": "；再提高一个百分点，每年约需{step}亿元",
    },
    "total_change": {
        "en": "Against {ref}, the total cost changes by {cost} × 10^8 CNY a year",
        "zh": "与{ref}相比，总成本每年变化{cost}亿元",
    },
    "maps": {"en": "## Maps", "zh": "## 地图"},
    "no_maps": {
        "en": "The run has no maps; draw them with `wastealloc map`.",
        "zh": "此运行没有地图；可用 `wastealloc map` 绘制。",
    },
}


def money(value: float) -> str:
    """10^8 CNY (亿元) and most other figures: two decimals."""
    return f"{value:,.2f}"


def one(value: float) -> str:
    return f"{value:,.1f}"


def whole(value: float) -> str:
    return f"{value:,.0f}"


def pct(value: float) -> str:
    """A percentage to one decimal; a whole percent (a target) without decimals."""
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:.1f}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class Brief:
    """The brief's sections in one language."""

    def __init__(self, facts: Mapping[str, Any], names: Names, lang: str, maps_dir: str) -> None:
        self.f = facts
        self.names = names
        self.lang = lang
        self.maps_dir = maps_dir

    def w(self, key: str, **fields: object) -> str:
        text = WORDS[key][self.lang]
        return text.format(**fields) if fields else text

    def of(self, table: Words, key: str) -> str:
        return table.get(key, {}).get(self.lang, key)

    def name(self, kind: str, slug: str) -> str:
        if kind == "group":
            return GROUPS.get(slug, {}).get(self.lang, slug)
        if slug == "all":
            return self.w("all_regions")
        return self.names.get(kind, {}).get(slug, {}).get(self.lang, slug)

    def target(self, region: str, group: str) -> str:
        return self.w(
            "target_name", region=self.name("region", region), group=self.name("group", group)
        )

    def text(self) -> str:
        parts = [
            self.head(),
            self.key_figures(),
            self.targets(),
            self.scarce(),
            self.co2(),
            self.reference(),
            self.sentences(),
            self.maps(),
        ]
        return "\n\n".join(p for p in parts if p) + "\n"

    def head(self) -> str:
        s = self.f["scenario"]
        zh = self.lang == "zh"
        description = (s["description_zh"] or s["description"]) if zh else s["description"]
        setting = self.w(
            "setting",
            year=s["base_year"],
            resolution=self.w(s["resolution"]) if s["resolution"] in WORDS else s["resolution"],
            status=self.w("optimal") if s["status"] == "optimal" else s["status"],
        )
        lines = [self.w("title", name=s["name"])]
        if description:
            lines.append(f"*{description}*")
        return "\n\n".join([*lines, f"{setting}\n{self.w('units')}"])

    def key_figures(self) -> str:
        cost = self.f["cost_1e8_cny"]
        parts = self.w("sep").join(
            f"{self.of(COST_NAMES, k)} {money(v)}"
            for k, v in cost.items()
            if k != "total" and abs(v) >= 0.005
        )
        rows = [self.w("rates_header"), "|---|---|---:|---:|---|"]
        for u in self.f["utilization"]:
            if u["target_pct"] is None and u["region"] != "all":
                continue
            met = "" if u["met"] is None else self.w("yes" if u["met"] else "no")
            target = "" if u["target_pct"] is None else f"{pct(u['target_pct'])}%"
            rows.append(
                f"| {self.name('region', u['region'])} | {self.name('group', u['group'])} | "
                f"{one(u['rate_pct'])}% | {target} | {met} |"
            )
        total = self.w("total", total=money(cost["total"]), parts=parts)
        return "\n\n".join([self.w("key"), total, "\n".join(rows)])

    def targets(self) -> str:
        binding = self.f["binding"]
        if not binding:
            return f"{self.w('binding')}\n\n{self.w('none_binds')}"
        lines = [self.w("binding"), ""]
        for b in binding:
            line = self.w(
                "price",
                Target=_capital(self.target(b["region"], b["group"])),
                price=one(b["price_cny_per_t"]),
                per_point=money(b["per_point_1e8_cny"]),
            )
            if b["next_point_1e8_cny"] is not None:
                line += self.w("next_point", step=money(b["next_point_1e8_cny"]))
            if b["holds_from_pct"] is not None:
                line += self.w(
                    "holds", low=money(b["holds_from_pct"]), high=money(b["holds_to_pct"])
                )
            lines.append(line + self.w("end"))
        return "\n".join(lines)

    def scarce(self) -> str:
        if not self.f["scarce"]:
            return ""
        items = self.w("list_sep").join(
            self.w(
                "scarce_item",
                node=self.name("node", s["node"]),
                pathway=self.name("pathway", s["pathway"]),
                price=whole(s["price_cny_per_t"]),
            )
            for s in self.f["scarce"]
        )
        text = self.w("scarce", items=items)
        if self.f.get("at_limit"):
            text += "\n\n" + self.w("at_limit", n=self.f["at_limit"])
        return text

    def co2(self) -> str:
        c = self.f["co2_mt"]
        text = self.w(
            "co2", transport=money(c["transport"]), avoided=money(c["avoided"]), net=money(c["net"])
        )
        if c["net_most"] is not None:
            text += self.w("co2_bound", most=money(c["net_most"]))
        return text

    def item(self, section: str, item: str) -> str:
        if section == "cost":
            return self.of(COST_NAMES, item)
        if section == "co2":
            return self.of(CO2_NAMES, item)
        if section in ("utilization", "target price"):
            region, _, group = item.partition("/")
            sep = "" if self.lang == "zh" else ", "
            return f"{self.name('region', region)}{sep}{self.name('group', group)}"
        return self.w("added") if item == "added" else item

    def reference(self) -> str:
        ref = self.f["reference"]
        if ref is None:
            return ""
        lines = [self.w("against", ref=ref["name"])]
        if not ref["same_data"]:
            lines += ["", self.w("other_data")]
        section = None
        for row in ref["changes"]:
            if row["section"] != section:
                section = row["section"]
                title = f"**{self.of(SECTION_NAMES, section)}**"
                lines += ["", title, "", self.w("change_header"), "|---|---:|---:|---:|"]
            lines.append(
                f"| {self.item(row['section'], row['item'])} | {money(row['a'])} | "
                f"{money(row['b'])} | {money(row['change'])} |"
            )
        return "\n".join(lines)

    def sentences(self) -> str:
        ref = self.f["reference"]
        binding = self.f["binding"]
        rates = {(u["region"], u["group"]): u["target_pct"] for u in self.f["utilization"]}
        attributable = ref is not None and ref["targets_only"] and len(binding) == 1
        out = []
        for b in binding:
            target = self.target(b["region"], b["group"])
            rate = rates.get((b["region"], b["group"]))
            shown = f"{pct(rate)}%" if rate is not None else ""
            if attributable:
                cost = money(ref["total_cost_change_1e8_cny"])
                s = self.w("meeting", target=target, rate=shown, cost=cost, ref=ref["name"])
            else:
                price = one(b["price_cny_per_t"])
                s = self.w(
                    "margin", target=target, Target=_capital(target), rate=shown, price=price
                )
            if b["next_point_1e8_cny"] is not None:
                s += self.w("one_more", step=money(b["next_point_1e8_cny"]))
            out.append(f"> {s}{self.w('end')}")
        if ref is not None and not attributable:
            cost = money(ref["total_cost_change_1e8_cny"])
            out.append(f"> {self.w('total_change', ref=ref['name'], cost=cost)}{self.w('end')}")
        return f"{self.w('quotes')}\n\n" + "\n\n".join(out) if out else ""

    def maps(self) -> str:
        lines = []
        for m in self.f["maps"]:
            first, second = ("zh", "en") if self.lang == "zh" else ("en", "zh")
            file = m[first] or m[second]
            if file is not None:
                lines.append(f"![{self.of(MAP_NAMES, m['name'])}]({self.maps_dir}/{file})")
        return f"{self.w('maps')}\n\n" + ("\n\n".join(lines) if lines else self.w("no_maps"))


def brief(facts: Mapping[str, Any], names: Names, lang: str, maps_dir: str) -> str:
    """The brief's Markdown. ``maps_dir``: the run folder, relative to the brief."""
    return Brief(facts, names, lang, maps_dir).text()
