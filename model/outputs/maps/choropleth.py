"""Choropleths: one value per node, classed and coloured, regions outlined.

Each layer says where its values come from (a result table), what they mean
and their unit; :func:`layer_values` computes them per node and per region,
:func:`draw_choropleth` draws them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from model.outputs.maps.base import MapData, MapError
from model.outputs.maps.classify import NO_DATA_COLOUR, Classes, make_classes
from model.outputs.maps.figure import MapFigure, language, region_handle
from model.outputs.maps.figure_files import stem_name
from model.outputs.maps.text import group_name, list_sep, percent, thousands, word

CHOROPLETHS = ("utilization", "unutilized", "capacity_use", "capacity_shadow_price", "net_co2")


@dataclass(frozen=True)
class LayerStyle:
    kind: str
    """rate (a share, drawn in %), amount (10^4 t), price (CNY per t/yr) or co2 (10^4 t)."""
    cmap: str
    higher_is_better: bool
    signed: bool = False
    scheme: str = "fisher_jenks"


STYLES: dict[str, LayerStyle] = {
    "utilization": LayerStyle("rate", "YlGnBu", True),
    "unutilized": LayerStyle("amount", "YlOrBr", False),
    "capacity_use": LayerStyle("rate", "PuBu", True),
    "capacity_shadow_price": LayerStyle("price", "OrRd", False),
    "net_co2": LayerStyle("co2", "RdBu_r", False, signed=True),
}

RATE_LAYERS = tuple(key for key, style in STYLES.items() if style.kind == "rate")
"""Layers whose values (and fixed breaks) are shares in [0, 1], drawn in %."""

MIN_STEPS = {"rate": 0.01, "pp": 0.1, "amount": 1.0, "price": 1.0, "co2": 1.0, "diff": 1.0}
"""The finest class edge worth drawing for each kind of value (rates as shares)."""

UNIT_KEYS = {"rate": "unit.rate", "amount": "unit.amount", "price": "unit.price", "co2": "unit.co2"}


@dataclass(frozen=True)
class LayerValues:
    """A layer's values per node, its totals per region, and its words."""

    key: str
    values: pd.Series
    """Per node (index: node), NaN where the node has no value."""
    regions: dict[str, str]
    """Text per region for the legend, e.g. '59.3% (target 57%, met)'."""
    title: str
    unit: str
    note: str
    style: LayerStyle
    targets: tuple[float, ...] = ()
    region_values: dict[str, float] | None = None
    """The same totals as numbers (rates as shares), for comparisons."""


def _rate_rows(data: MapData, group: str, level: str) -> pd.DataFrame:
    util = data.table("utilization")
    groups = sorted(set(util["group"]))
    if group not in groups:
        raise MapError(f"group {group!r} is not in utilization.csv; groups: {', '.join(groups)}")
    return util[(util["level"] == level) & (util["group"] == group)].set_index("area")


def _capacity(data: MapData, pathway: str | None) -> pd.DataFrame:
    cap = data.table("capacity_use").copy()
    if pathway is not None:
        pathways = sorted(set(cap["pathway"]))
        if pathway not in pathways:
            raise MapError(
                f"pathway {pathway!r} is not in capacity_use.csv; pathways: {', '.join(pathways)}"
            )
        cap = cap[cap["pathway"] == pathway]
    cap["total_10kt"] = cap["capacity_10kt"] + cap["expansion_10kt"]
    cap["region"] = cap["node"].map(data.node_region)
    return cap


def _weighted_price(frame: pd.DataFrame) -> float:
    weight = frame["total_10kt"].sum()
    if weight <= 0:
        return float("nan")
    return float((frame["shadow_price_cny_per_t"] * frame["total_10kt"]).sum() / weight)


def _use_share(frame: pd.DataFrame) -> float:
    total = frame["total_10kt"].sum()
    return float(frame["used_10kt"].sum() / total) if total > 0 else float("nan")


def layer_values(
    data: MapData, key: str, lang: str, *, group: str = "bulk", pathway: str | None = None
) -> LayerValues:
    """The values of one choropleth layer."""
    if key not in STYLES:
        raise MapError(f"map layer {key!r}: expected one of {', '.join(CHOROPLETHS)}")
    style = STYLES[key]
    nodes = list(data.shapes["node"])
    unit_word = data.unit(lang)
    group_words = group_name(group, lang)
    pathway_words = ""
    if pathway is not None:
        name = data.pathway_name(pathway, lang)
        pathway_words = f": {name}" if lang == "en" else f"：{name}"
    regions: dict[str, str] = {}
    numbers: dict[str, float] = {}
    targets: list[float] = []
    if key == "utilization":
        rows = _rate_rows(data, group, "node")
        values = rows["rate"].reindex(nodes)
        for region, r in _rate_rows(data, group, "region").iterrows():
            numbers[str(region)] = float(r["rate"])
            rate = percent(r["rate"])
            if pd.notna(r["target"]):
                targets.append(float(r["target"]))
                met = word("legend.met" if bool(r["met"]) else "legend.not_met", lang)
                regions[str(region)] = word(
                    "legend.region_target", lang, rate=rate, target=percent(r["target"], 0), met=met
                )
            else:
                regions[str(region)] = rate
        title = word("title.utilization", lang, group=group_words, unit=unit_word)
        note = word("note.utilization", lang, unit=unit_word)
    elif key == "unutilized":
        rows = _rate_rows(data, group, "node")
        values = (rows["generated_10kt"] - rows["utilized_10kt"]).clip(lower=0).reindex(nodes)
        for region, r in _rate_rows(data, group, "region").iterrows():
            numbers[str(region)] = float(r["generated_10kt"] - r["utilized_10kt"])
        title = word("title.unutilized", lang, group=group_words, unit=unit_word)
        note = ""
    elif key == "capacity_use":
        cap = _capacity(data, pathway)
        values = cap.groupby("node")[["used_10kt", "total_10kt"]].apply(_use_share)
        values = values.reindex(nodes)
        for region, part in cap.groupby("region"):
            numbers[str(region)] = _use_share(part)
        title = word("title.capacity_use", lang, pathway=pathway_words)
        note = (
            word("note.capacity_use_one", lang, pathway=data.pathway_name(pathway, lang))
            if pathway
            else word("note.capacity_use", lang)
        )
    elif key == "capacity_shadow_price":
        cap = _capacity(data, pathway)
        cols = ["shadow_price_cny_per_t", "total_10kt"]
        values = cap.groupby("node")[cols].apply(_weighted_price).reindex(nodes)
        for region, part in cap.groupby("region"):
            numbers[str(region)] = _weighted_price(part)
        title = word("title.capacity_shadow_price", lang, pathway=pathway_words)
        note = (
            word("note.pathway_one", lang, pathway=data.pathway_name(pathway, lang))
            if pathway
            else word("note.pathway_mean", lang)
        )
    else:  # net_co2
        emis = data.table("node_emissions").set_index("node")
        values = emis["net_co2_10kt"].reindex(nodes)
        by_region = emis["net_co2_10kt"].groupby(emis.index.map(data.node_region)).sum()
        numbers = {str(r): float(v) for r, v in by_region.items()}
        title = word("title.net_co2", lang)
        note = word("note.net_co2", lang)
    values = values.astype(float)
    values.index.name = "node"
    for region, number in numbers.items():
        regions.setdefault(region, value_text(style.kind, number))
    unit = word(UNIT_KEYS[style.kind], lang)
    return LayerValues(
        key, values, regions, title, unit, note, style, tuple(sorted(set(targets))), numbers
    )


def value_text(kind: str, value: float) -> str:
    """A node's value as written on the map."""
    if pd.isna(value):
        return ""
    if kind == "rate":
        return percent(value)
    if kind == "pp":
        return ("+" if value > 0 else "") + thousands(value, 1)
    if kind == "diff":
        return ("+" if value > 0 else "") + thousands(value)
    return thousands(value)


def edge_formatter(edges: Sequence[float], scale: float = 1.0) -> Callable[[float], str]:
    """Format class edges with as few decimals as tells them apart."""
    scaled = [e * scale for e in edges]
    for decimals in range(0, 4):
        if all(abs(round(v, decimals) - v) < 1e-9 for v in scaled):
            break

    def fmt(v: float) -> str:
        return thousands(v * scale, decimals)

    return fmt


def classes_for(
    values: np.ndarray,
    style: LayerStyle,
    lang: str,
    *,
    scheme: str | None,
    k: int,
    breaks: Sequence[float] | None,
    neutral_band: bool = False,
    kind: str | None = None,
    cmap: str | None = None,
    extra: Sequence[float] = (),
) -> Classes:
    """Classes for a layer; rates are classed as shares but labelled in %."""
    kind = kind or style.kind
    scale = 100.0 if kind == "rate" else 1.0
    suffix = "%" if kind == "rate" else ""
    return make_classes(
        values,
        scheme=scheme or style.scheme,
        k=k,
        breaks=breaks,
        cmap=cmap or style.cmap,
        diverging=style.signed or neutral_band,
        formatter=lambda edges: edge_formatter(edges, scale),
        unit_suffix=suffix,
        lang=lang,
        neutral_band=neutral_band,
        extra=extra,
        min_step=MIN_STEPS.get(kind, 0.0),
        shares=kind == "rate",
    )


def draw_choropleth(
    data: MapData,
    key: str,
    folder: Path,
    *,
    lang: str = "en",
    group: str = "bulk",
    pathway: str | None = None,
    scheme: str | None = None,
    k: int = 5,
    breaks: Sequence[float] | None = None,
    formats: Sequence[str] = ("png",),
    dpi: int = 200,
) -> list[Path]:
    """Draw one choropleth layer; returns the files written."""
    with language(lang):
        layer = layer_values(data, key, lang, group=group, pathway=pathway)
        classes = classes_for(
            layer.values.to_numpy(),
            layer.style,
            lang,
            scheme=scheme,
            k=k,
            breaks=breaks,
            extra=layer.targets,
        )
        fig = _choropleth_figure(data, layer, classes, lang, layer.style.kind)
        suffix = [group if key in ("utilization", "unutilized") and group != "bulk" else None]
        suffix.append(pathway if key.startswith("capacity") else None)
        stem = folder / stem_name("map", key, *suffix, "zh" if lang == "zh" else None)
        return fig.save(stem, formats, dpi)


def _choropleth_figure(
    data: MapData,
    layer: LayerValues,
    classes: Classes,
    lang: str,
    kind: str,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    legend_title: str | None = None,
) -> MapFigure:
    notes = [layer.note] if layer.note else []
    fig = MapFigure(data, lang, title or layer.title, notes, subtitle=subtitle)
    values = layer.values.reindex(data.shapes["node"]).to_numpy()
    fig.fill(classes.colour_of(values))
    fig.outline_regions()
    names = data.names(lang)
    texts = {}
    for node, value in zip(data.shapes["node"], values, strict=True):
        shown = value_text(kind, value)
        texts[node] = f"{names[node]}\n{shown}" if shown else names[node]
    fig.label_nodes(texts)

    what = word(f"layer.{layer.key}", lang)
    handles: list[Patch] = [
        Patch(facecolor=c, edgecolor="#999999", linewidth=0.4) for c in reversed(classes.colours)
    ]
    labels = list(reversed(classes.labels))
    if np.isnan(values).any():
        handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#999999", hatch="////", lw=0.4))
        labels.append(word("legend.no_data", lang))
    if legend_title is None:
        legend_title = word("legend.values", lang, what=_capital(what, lang), unit=layer.unit)
        if layer.targets:
            shown = list_sep(lang).join(percent(t, 0) for t in layer.targets)
            legend_title += "\n" + word("legend.target", lang, targets=shown)
    fig.legend(handles, labels, legend_title)
    present = sorted({int(i) for i in classes.index(values) if i >= 0})
    if len(present) == 1 and np.isfinite(values).sum() > 1:
        # one colour for every node: say so, so no contrast is read into it
        fig.key_text(
            word("legend.one_class", lang, unit=data.unit(lang), range=classes.labels[present[0]]),
            color="#1a1a1a",
        )
    if layer.regions:
        region_handles = []
        region_labels = []
        for region, text in sorted(layer.regions.items()):
            region_handles.append(region_handle(data, region))
            region_labels.append(
                word("legend.region_entry", lang, name=data.region_name(region, lang), text=text)
            )
        fig.legend(
            region_handles,
            region_labels,
            word("legend.regions", lang),
            fontsize=7,
            handlelength=2.6,
        )
    return fig


def _capital(text: str, lang: str) -> str:
    return text[:1].upper() + text[1:] if lang == "en" else text
