"""The Markdown brief of a run, in English or Chinese.

Every number printed comes from the figures of
:func:`model.outputs.report.facts.facts`, formatted by :func:`money`,
:func:`one`, :func:`whole` or :func:`pct` (or to two decimals for the ranges of
a price). The words are templates in :data:`WORDS`, one per language (``words.toml``
beside this module, looked up by :mod:`model.outputs.words`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from model.outputs import words
from model.outputs.maps.text import GROUPS
from model.outputs.words import Words

Names = Mapping[str, Mapping[str, Mapping[str, str]]]
"""kind (region, node, pathway) -> slug -> language -> name."""

_TABLES = words.load(Path(__file__).with_name("words.toml"))
COST_NAMES: Words = _TABLES["cost_names"]
CO2_NAMES: Words = _TABLES["co2_names"]
SECTION_NAMES: Words = _TABLES["section_names"]
MAP_NAMES: Words = _TABLES["map_names"]
WORDS: Words = _TABLES["words"]
"""The brief's templates (``words.toml`` beside this module, table ``words``)."""


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
        return words.word(WORDS, key, self.lang, **fields)

    def of(self, table: Words, key: str) -> str:
        return words.name(table, key, self.lang)

    def name(self, kind: str, slug: str) -> str:
        if kind == "group":
            return words.name(GROUPS, slug, self.lang)
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
