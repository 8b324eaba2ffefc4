"""Scenario comparison: maps of B minus A on a diverging scale centred on zero.

Rates change in percentage points, amounts and prices in their units. Classes
are equal either side of zero (or ``breaks``), with a pale 'no change' class
for differences under a hundredth of the largest one. The palette runs from
red (worse) to blue (better): more utilization is better, more unutilized
waste, scarcer capacity and more net CO2 are worse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from model.outputs.folders import map_year, years_of
from model.outputs.maps.base import MapData, MapError
from model.outputs.maps.choropleth import (
    LayerValues,
    _capital,
    _choropleth_figure,
    classes_for,
    layer_values,
    value_text,
)
from model.outputs.maps.figure import language
from model.outputs.maps.figure_files import stem_name
from model.outputs.maps.text import CHANGE_TITLES_ZH, group_name, word


def _summary(folder: Path) -> object:
    """The summary of a results folder, or None where there is none to read (the maps'
    reader then names the problem)."""
    try:
        return json.loads((Path(folder) / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def compare_year(before: Path, after: Path, year: int | None = None) -> int | None:
    """The model year in which change maps read the multi-year run(s) among A and B, as
    ``wastealloc compare --year``: two one-year runs have none (``year`` is refused); a
    one-year run is compared with ``year`` of the multi-year run (default: its map year);
    two multi-year runs in ``year``, which both must have (default: A's map year if B has
    it, else B's if A has it, else the last year both have)."""
    summaries = (_summary(before), _summary(after))
    years_a, years_b = (years_of(s) for s in summaries)
    if years_a is None and years_b is None:
        if year is not None:
            raise MapError(f"--year {year}: for a multi-year run; A and B are one-year runs")
        return None
    if years_a is not None and years_b is not None:
        years = [y for y in years_a if y in years_b]
        if not years:
            raise MapError(
                f"--compare: the runs share no model year (A: {years_a}, B: {years_b}); "
                "compare multi-year runs in a year both have"
            )
        which = "a model year both runs have"
        defaults = [map_year(s) for s in summaries]
    else:
        years = years_a or years_b or []
        which = "a model year of the multi-year run"
        defaults = [map_year(s) for s in summaries if years_of(s) is not None]
    if year is None:
        return next((y for y in defaults if y in years), years[-1])
    if year not in years:
        raise MapError(f"--year {year}: expected {which}: {', '.join(map(str, years))}")
    return year


def change_subtitle(before: MapData, after: MapData, lang: str) -> str:
    """'B against A · year ...': the year compared is the multi-year run's where there is
    one (a model year of its path), else B's base year."""
    names = {"b": after.shown(after.scenario), "a": before.shown(before.scenario)}
    subtitle = word("change.sub", lang, **names)
    dated = before if years_of(before.summary) and not years_of(after.summary) else after
    if dated.base_year is not None:
        subtitle += " · " + dated.year_phrase(lang)
    return subtitle


def _file_part(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "scenario"


def change_title(
    data: MapData, key: str, lang: str, what: str, *, group: str, pathway: str | None
) -> str:
    """The title of a change map: 'Change in ...' in English; in Chinese the change
    follows the quantity's own name, before any explanation (净CO2排放变化（…）)."""
    if lang != "zh":
        return word("change", lang, what=what)
    pathway_words = f"：{data.pathway_name(pathway, lang)}" if pathway else ""
    return CHANGE_TITLES_ZH[key].format(
        group=group_name(group, lang), unit=data.unit(lang), pathway=pathway_words
    )


def change_values(
    before: MapData,
    after: MapData,
    key: str,
    lang: str,
    *,
    group: str = "bulk",
    pathway: str | None = None,
) -> tuple[LayerValues, str]:
    """The change of one layer per node and per region, and its kind (pp or diff)."""
    a = layer_values(before, key, lang, group=group, pathway=pathway)
    b = layer_values(after, key, lang, group=group, pathway=pathway)
    kind = "pp" if b.style.kind == "rate" else "diff"
    factor = 100.0 if kind == "pp" else 1.0
    values = (b.values - a.values.reindex(b.values.index)) * factor
    numbers_a = a.region_values or {}
    numbers_b = b.region_values or {}
    regions = {
        r: value_text(kind, (numbers_b[r] - numbers_a[r]) * factor)
        for r in sorted(set(numbers_a) & set(numbers_b))
    }
    what = b.title[:1].lower() + b.title[1:] if lang == "en" else b.title
    unit = word("unit.pp", lang) if kind == "pp" else b.unit
    layer = LayerValues(
        key=key,
        values=values,
        regions=regions,
        title=change_title(after, key, lang, what, group=group, pathway=pathway),
        unit=unit,
        note=b.note,
        style=b.style,
        region_values=None,
    )
    return layer, kind


def draw_changes(
    before: MapData,
    after: MapData,
    folder: Path,
    layers: Sequence[str],
    *,
    lang: str = "en",
    group: str = "bulk",
    pathway: str | None = None,
    breaks: Sequence[float] | None = None,
    formats: Sequence[str] = ("png",),
    dpi: int = 200,
) -> list[Path]:
    """Draw after − before for each layer into ``folder``; returns the files written."""
    if set(before.shapes["node"]) != set(after.shapes["node"]):
        only = sorted(set(before.shapes["node"]) ^ set(after.shapes["node"]))
        raise MapError(
            f"{before.source} and {after.source} have different nodes "
            f"({', '.join(only[:5])}{', ...' if len(only) > 5 else ''}): compare results at "
            "the same resolution"
        )
    subtitle = change_subtitle(before, after, lang)
    written: list[Path] = []
    for key in layers:
        with language(lang):
            layer, kind = change_values(before, after, key, lang, group=group, pathway=pathway)
            style = layer.style
            cmap = "RdBu" if style.higher_is_better else "RdBu_r"
            classes = classes_for(
                layer.values.to_numpy(),
                replace(style, signed=True),
                lang,
                scheme=None,
                k=5,
                breaks=breaks,
                neutral_band=True,
                kind=kind,
                cmap=cmap,
            )
            legend_title = word(
                "legend.values",
                lang,
                what=word("change", lang, what=word(f"layer.{key}", lang)),
                unit=layer.unit,
            )
            fig = _choropleth_figure(
                after,
                layer,
                classes,
                lang,
                kind,
                subtitle=subtitle,
                legend_title=_capital(legend_title, lang),
            )
            suffix = [group if key in ("utilization", "unutilized") and group != "bulk" else None]
            suffix.append(pathway if key.startswith("capacity") else None)
            stem = folder / stem_name(
                "map",
                key,
                *suffix,
                "change_from",
                _file_part(before.scenario),
                "zh" if lang == "zh" else None,
            )
            written += fig.save(stem, formats, dpi)
    return written
