"""The figures of a study, in English and Chinese (``*.png`` and ``*-zh.png``).

- ``response.png``: total cost (or the cost above the reference), each binding
  target's shadow price, the utilization rates that move, and net CO2 with its
  bounds (least and most CO2 at the least cost), against the varied parameter;
  a grid draws one line per value of its second parameter; a one-at-a-time
  study draws ``response-<parameter>.png`` for each parameter;
- ``tornado.png`` (one-at-a-time): the cost change at each parameter's lowest
  and highest value, widest first;
- ``front.png`` (a CO2 cap or carbon price is varied): cost before carbon
  against net CO2, the points on the trade-off front joined;
- ``sensitivity.png``: Morris mu* (with sigma) or Sobol' ST and S1 with their
  95% confidence intervals, one panel per key output.

Chinese labels use the bundled Noto Sans SC (:mod:`model.outputs.maps.fonts`); the
words are in ``words.toml`` beside this module (:mod:`model.outputs.words`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from model.files import write_atomically
from model.outputs import words
from model.outputs.words import LANGS, Words
from model.studies.design import Study
from model.studies.report import FRONT_LEVERS, plain_number, varies

_TABLES = words.load(Path(__file__).with_name("words.toml"))
WORDS: Words = _TABLES["words"]
"""Axis labels and titles (``words.toml`` beside this module)."""
PARAMS: Words = _TABLES["params"]
COMPARE: Words = _TABLES["compare"]
"""The study levers in words, with their units (``target.*`` are named by :func:`param_name`)."""


def word(key: str, lang: str, **fields: object) -> str:
    return words.word(WORDS, key, lang, **fields)


def param_name(param: str, lang: str) -> str:
    """A parameter in words: target.yrb.bulk -> target rate, yrb, bulk industrial solid waste."""
    from model.outputs.maps.text import group_name

    if param in PARAMS:
        return PARAMS[param][lang]
    parts = param.split(".")
    if parts[0] == "target":
        group = group_name(parts[-1], lang)
        region = f"{parts[1]} " if len(parts) == 3 else ""
        return f"{region}{group}目标利用率" if lang == "zh" else f"target rate, {region}{group}"
    return param


def _plt(lang: str) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from model.outputs.maps import fonts

    return plt, plt.rc_context(
        {"font.family": fonts.font_family(lang), "axes.unicode_minus": False}
    )


def _save(fig: Any, folder: Path, name: str) -> str:
    import matplotlib.pyplot as plt

    write_atomically(
        folder / name, lambda p: fig.savefig(p, format="png", dpi=130, metadata={"Software": None})
    )
    plt.close(fig)
    return name


def _both(folder: Path, stem: str, draw: Callable[[str], Any]) -> list[str]:
    """Draw a figure in each language: ``stem.png`` and ``stem-zh.png``."""
    names = []
    for lang in LANGS:
        plt, context = _plt(lang)
        with context:
            fig = draw(lang)
            if fig is None:
                plt.close("all")
                return []
            names.append(_save(fig, folder, f"{stem}{'' if lang == 'en' else '-zh'}.png"))
    return names


def draw_study(study: Study, table: pd.DataFrame, folder: Path, result: Any = None) -> list[str]:
    """Every figure that fits the study; the file names written."""
    if table.empty or "objective_10k_cny" not in table:
        return []
    names: list[str] = []
    if study.kind == "sensitivity":
        if result is not None and not result.problem:
            names += _both(folder, "sensitivity", lambda lang: sensitivity_figure(result, lang))
        return names
    if study.kind == "one_at_a_time":
        for param in study.params:
            rows = table[[_only(study, table, param, i) for i in range(len(table))]]
            draw = partial(_response_in, study, rows, param)
            names += _both(folder, f"response-{param}", draw)
        names += _both(folder, "tornado", lambda lang: tornado(study, table, lang))
    elif study.params:
        second = study.params[1] if len(study.params) > 1 else None
        rows, fixed = _held(study, table)
        names += _both(
            folder,
            "response",
            lambda lang: response(study, rows, study.params[0], second, lang, fixed),
        )
    if any(p in study.params for p in FRONT_LEVERS) and "on_front" in table:
        names += _both(folder, "front", lambda lang: front_figure(study, table, lang))
    return names


def _series_name(column: str, lang: str) -> str:
    """rate_yrb_red_mud -> "yrb red mud" (赤泥 in Chinese)."""
    from model.outputs.maps.text import group_name

    body = column.removeprefix("shadow_").removeprefix("rate_").removesuffix("_cny_per_t")
    region, _, group = body.partition("_")
    return f"{region} {group_name(group, lang)}"


def _response_in(study: Study, table: pd.DataFrame, param: str, lang: str) -> Any:
    return response(study, table, param, None, lang)


def _held(study: Study, table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """A grid's rows with its third and later parameters held at one value each (the
    scenario's own value where the grid has it, else the first), so that a curve joins
    only points that differ in the parameter on the x axis."""
    rows, fixed = table, {}
    for param in study.params[2:]:
        values = sorted(float(v) for v in table[param].dropna().unique())
        if not values:
            continue
        base = study.base.get(param)
        value = base if base is not None and base in values else values[0]
        rows = rows[rows[param] == value]
        fixed[param] = value
    return rows, fixed


def spread(n: int, k: int) -> list[int]:
    """Indices of at most ``k`` of ``n`` ordered values: both ends and evenly between."""
    if n <= k:
        return list(range(n))
    return sorted({round(j * (n - 1) / (k - 1)) for j in range(k)})


def _only(study: Study, table: pd.DataFrame, param: str, i: int) -> bool:
    """Row i of a one-at-a-time table moves ``param`` only (or is the base point)."""
    row = table.iloc[i]
    return all(
        p == param or (pd.isna(row[p]) and study.base[p] is None) or row[p] == study.base[p]
        for p in study.params
    )


def _panels(study: Study, table: pd.DataFrame, most: int = 5) -> list[tuple[str, list[str]]]:
    """(kind, columns) of each panel: cost, the binding target prices and the rates that
    move most (``most`` of each), net CO2."""
    cost = (
        "cost_above_reference_10k_cny"
        if "cost_above_reference_10k_cny" in table
        else "objective_10k_cny"
    )
    panels = [("cost", [cost])]
    prices = table[[c for c in table if c.startswith("shadow_")]].abs().max()
    prices = prices[prices > 1e-6].sort_values(ascending=False)
    if not prices.empty:
        panels.append(("price", list(prices.index[:most])))
    rates = [c for c in table if c.startswith("rate_") and varies(table[c])]
    if rates:
        spans = (table[rates].max() - table[rates].min()).sort_values(ascending=False)
        panels.append(("rate", list(spans.index[:most])))
    if "net_co2_10kt" in table:
        panels.append(("co2", ["net_co2_10kt"]))
    return panels


SCALES = {"cost": 1e-4, "price": 1.0, "rate": 100.0, "co2": 1e-2}
STYLES = ("-", "--", ":", "-.")


def response(
    study: Study,
    table: pd.DataFrame,
    x: str,
    by: str | None,
    lang: str,
    fixed: dict[str, float] | None = None,
) -> Any:
    """Outputs against one parameter: a colour per series (target, region and group), a
    line style per value of ``by`` (a grid's second parameter: four values spread over
    its range); ``fixed`` names the parameters held at one value (said in the title)."""
    from matplotlib.lines import Line2D

    plt, _ = _plt(lang)
    table = table.sort_values(x)
    panels = _panels(study, table)
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(9.0, 2.3 * len(panels) + 0.8), sharex=True, squeeze=False
    )
    groups: list[tuple[Any, pd.DataFrame]] = (
        list(table.groupby(by, sort=True)) if by else [(None, table)]
    )
    groups = [groups[k] for k in spread(len(groups), len(STYLES))]
    reference = study.reference.name if study.reference is not None else ""
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (kind, columns) in zip(axes[:, 0], panels, strict=True):
        handles = []
        for n, column in enumerate(columns):
            colour = colours[n % len(colours)]
            if kind in ("price", "rate"):
                handles.append(Line2D([], [], color=colour, label=_series_name(column, lang)))
            for (_, part), style in zip(groups, STYLES, strict=False):
                y = part[column] * SCALES[kind]
                ax.plot(part[x], y, color=colour, ls=style, marker="o", ms=3)
                if kind == "co2" and "net_co2_most_10kt" in part:
                    most = part["net_co2_most_10kt"] * SCALES[kind]
                    ax.fill_between(part[x], y, most, color=colour, alpha=0.12, lw=0)
        if by:
            handles += [
                Line2D(
                    [],
                    [],
                    color="#333333",
                    ls=style,
                    label=f"{_short(by, lang)} = {plain_number(float(v))}",
                )
                for (v, _), style in zip(groups, STYLES, strict=False)
            ]
        title = (
            word("path_above" if study.scenario.path else "above", lang, ref=reference)
            if columns[0].startswith("cost_above")
            else word("path_cost" if kind == "cost" and study.scenario.path else kind, lang)
        )
        ax.set_title(title, loc="left", fontsize=9)
        ax.grid(alpha=0.3)
        if handles:
            ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes[-1, 0].set_xlabel(param_name(x, lang))
    title = word("study", lang, name=study.name, n=len(table))
    if fixed:
        sep = "，" if lang == "zh" else ", "
        title += sep + sep.join(
            f"{_short(p, lang)} = {plain_number(float(v))}" for p, v in fixed.items()
        )
    fig.suptitle(title, x=0.02, ha="left", fontsize=10)
    fig.tight_layout()
    return fig


def tornado(study: Study, table: pd.DataFrame, lang: str) -> Any:
    """Cost change at each parameter's lowest and highest value, widest span on top."""
    plt, _ = _plt(lang)
    base = table["objective_10k_cny"].iloc[0]
    rows = []
    for param in study.params:
        part = table[[_only(study, table, param, i) for i in range(len(table))]].iloc[1:]
        part = part[part["status"] == "optimal"]
        if part.empty:
            continue
        low, high = part.loc[part[param].idxmin()], part.loc[part[param].idxmax()]
        rows.append(
            (
                param,
                (low["objective_10k_cny"] - base) / 1e4,
                (high["objective_10k_cny"] - base) / 1e4,
                low[param],
                high[param],
            )
        )
    if not rows:
        return None
    rows.sort(key=lambda r: abs(r[2] - r[1]))
    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.55 * len(rows)))
    labels = [
        f"{param_name(r[0], lang)}\n{plain_number(r[3])} – {plain_number(r[4])}" for r in rows
    ]
    ax.barh(labels, [r[1] for r in rows], color="#4c72b0", label=word("low", lang))
    ax.barh(labels, [r[2] for r in rows], color="#dd8452", label=word("high", lang))
    ax.axvline(0, color="#333333", lw=0.8)
    # a point on a path costs the discounted total over its years, not a cost per year
    ax.set_xlabel(word("path_tornado" if study.scenario.path else "tornado", lang))
    ax.legend(fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(word("study", lang, name=study.name, n=len(table)), x=0.02, ha="left", fontsize=10)
    fig.tight_layout()
    return fig


def front_figure(study: Study, table: pd.DataFrame, lang: str) -> Any:
    """Cost before carbon against net CO2: every point, the front joined."""
    plt, _ = _plt(lang)
    ok = table[table["status"] == "optimal"]
    if ok.empty:
        return None
    cost = ok.get("cost_before_carbon_10k_cny", ok["objective_10k_cny"]) / 1e4
    fig, ax = plt.subplots(figsize=(7.0, 4.6))
    ax.scatter(ok["net_co2_10kt"] / 1e2, cost, s=14, color="#999999", label=word("points", lang))
    on = ok[ok["on_front"].astype(bool)].sort_values("net_co2_10kt")
    front_cost = on.get("cost_before_carbon_10k_cny", on["objective_10k_cny"]) / 1e4
    ax.plot(
        on["net_co2_10kt"] / 1e2,
        front_cost,
        marker="o",
        ms=4,
        color="#c44e52",
        label=word("on_front", lang),
    )
    lever = next(p for p in FRONT_LEVERS if p in study.params)
    for _, row in on[on[lever].notna()].iterrows():
        ax.annotate(
            plain_number(float(row[lever])),
            (
                row["net_co2_10kt"] / 1e2,
                row.get("cost_before_carbon_10k_cny", row["objective_10k_cny"]) / 1e4,
            ),
            fontsize=6,
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.set_xlabel(word("front_x", lang))
    ax.set_ylabel(word("front_y", lang))
    ax.set_title(f"{word('front', lang)}: {param_name(lever, lang)}", loc="left", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def sensitivity_figure(result: Any, lang: str, top: int = 8) -> Any:
    """Morris mu* (error bars: its 95% CI; sigma as a marker) or Sobol' ST and S1 with CIs."""
    from model.studies.factors import headline
    from model.studies.report import describe, key_outputs

    plt, _ = _plt(lang)
    morris = result.method == "morris"
    outputs = key_outputs(result.indices)
    fig, axes = plt.subplots(
        len(outputs), 1, figsize=(7.5, 1.0 + 0.45 * top * len(outputs)), squeeze=False
    )
    for ax, output in zip(axes[:, 0], outputs, strict=True):
        part = headline(result.indices, result.method, output, top).iloc[::-1]
        label, factor, unit = describe(output, result.method, result.reference)
        if lang == "zh":
            label, unit = _output_zh(output, result.reference), ZH_UNITS.get(unit, unit)
        y = range(len(part))
        if morris:
            ax.barh(
                y,
                part["mu_star"] * factor,
                xerr=part["mu_star_conf"] * factor,
                color="#4c72b0",
                ecolor="#555555",
            )
            ax.plot(part["sigma"] * factor, y, "k|", ms=10, label="sigma")
            ax.set_xlabel(word("mu_star", lang, unit=unit))
        else:
            h = 0.38
            ax.barh(
                [v + h / 2 for v in y],
                part["ST"],
                h,
                xerr=part["ST_conf"],
                color="#4c72b0",
                ecolor="#555555",
                label="ST",
            )
            ax.barh(
                [v - h / 2 for v in y],
                part["S1"],
                h,
                xerr=part["S1_conf"],
                color="#dd8452",
                ecolor="#555555",
                label="S1",
            )
            ax.set_xlabel(word("sobol", lang))
        ax.set_yticks(list(y), part["factor"])
        ax.set_title(label, loc="left", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    name = word("sensitivity", lang, name=result.scenario, method=result.method, n=len(result.runs))
    fig.suptitle(name, x=0.02, ha="left", fontsize=11)
    fig.tight_layout(rect=(0.0, 0.0, 1.0, 0.985))
    return fig


def _short(param: str, lang: str) -> str:
    """A parameter's name without its unit, for a legend: "freight rates"."""
    return param_name(param, lang).split(",")[0].split("（")[0]


ZH_UNITS: dict[str, str] = _TABLES["zh_units"]


def _output_zh(output: str, reference: str) -> str:
    """The title of a sensitivity panel in Chinese."""
    from model.outputs.maps.text import group_name
    from model.studies.report import target_of

    if output == "objective_10k_cny":
        return "总成本"
    if output == "cost_above_reference_10k_cny":
        return f"相对{reference or '参照情景'}的增量成本"
    if output == "net_co2_10kt":
        return "净CO2排放"
    region, group = target_of(output)
    return f"{region} {group_name(group, 'zh')}目标的影子价格"
