"""The flow layer of the interactive map: hauls between nodes as curved lines whose
width is the amount, with the amount on hover, and use in place as circles."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from model.outputs.maps.base import MapData
from model.outputs.maps.basemap import to_lonlat
from model.outputs.maps.flows import amount_text, flow_table, key_refs, local_use
from model.outputs.maps.text import markup, thousands, word

MAX_WIDTH_PX = 14.0
MIN_WIDTH_PX = 1.2


def line_width(amount: float, biggest: float) -> float:
    """Width (px) of a stream's line: proportional to its amount, at least
    :data:`MIN_WIDTH_PX` so that the smallest stays visible."""
    return max(MIN_WIDTH_PX, MAX_WIDTH_PX * amount / biggest)


def width_key(biggest: float, min_flow_10kt: float, lang: str, unit: str) -> list[Any]:
    """Legend entries that show the line width of round amounts (the width key)."""
    title = markup(word("legend.flow_width", lang, unit=unit), "html")
    out = []
    for ref in key_refs(biggest, min_flow_10kt):
        out.append(
            go.Scattergeo(
                lon=[None],
                lat=[None],
                mode="lines",
                line={"color": "#8c8c8c", "width": line_width(ref, biggest)},
                name=amount_text(ref),
                legendgroup="flow_width",
                legendgrouptitle={"text": title},
                hoverinfo="skip",
                meta={"flow_width_10kt": ref},
            )
        )
    return out


def flow_traces(data: MapData, lang: str, min_flow_10kt: float) -> list[Any]:
    flows = flow_table(data.table("hauls"), min_flow_10kt)
    local = local_use(data.table("hauls"))
    points = data.shapes.set_index("node")[["x", "y"]]
    to_ll = to_lonlat()
    colours = data.stream_colours()
    unit = markup(word("unit.amount", lang), "html")
    traces: list[Any] = []
    biggest = float(flows.bands["amount_10kt"].max()) if len(flows.bands) else 1.0
    shown: set[str] = set()
    for (origin, destination), _total in flows.pairs.items():
        part = flows.bands[
            (flows.bands["origin"] == origin) & (flows.bands["destination"] == destination)
        ]
        p0 = np.asarray(points.loc[origin], dtype=float)
        p2 = np.asarray(points.loc[destination], dtype=float)
        chord = p2 - p0
        length = float(np.hypot(*chord))
        right = np.array([chord[1], -chord[0]]) / length
        t = np.linspace(0, 1, 30)[:, None]
        for i, (stream, amount) in enumerate(zip(part["stream"], part["amount_10kt"], strict=True)):
            control = (p0 + p2) / 2 + right * length * (0.18 + 0.07 * i)
            curve = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * control + t**2 * p2
            lon, lat = to_ll.transform(curve[:, 0], curve[:, 1])
            label = (
                f"{data.node_name(origin, lang)} → {data.node_name(destination, lang)}<br>"
                f"{data.stream_name(stream, lang)}: {thousands(amount)} {unit}<extra></extra>"
            )
            width = line_width(float(amount), biggest)
            traces.append(
                go.Scattergeo(
                    lon=np.round(lon, 4),
                    lat=np.round(lat, 4),
                    mode="lines+markers",
                    line={"color": colours.get(stream, "#777777"), "width": width},
                    marker={
                        "symbol": "arrow",
                        "angleref": "previous",
                        "size": [0] * (len(lon) - 1) + [max(8.0, width * 1.6)],
                        "color": colours.get(stream, "#777777"),
                    },
                    opacity=0.85,
                    hovertemplate=label,
                    meta={"amount_10kt": float(amount)},
                    name=data.stream_name(stream, lang),
                    legendgroup=stream,
                    showlegend=stream not in shown,
                )
            )
            shown.add(stream)
    traces += width_key(biggest, min_flow_10kt, lang, data.unit(lang))
    if len(local):
        xy = points.loc[local.index]
        lon, lat = to_ll.transform(xy["x"].to_numpy(), xy["y"].to_numpy())
        traces.append(
            go.Scattergeo(
                lon=np.round(lon, 4),
                lat=np.round(lat, 4),
                mode="markers",
                marker={
                    "size": local.to_numpy(),
                    "sizemode": "area",
                    "sizeref": 2.0 * float(local.max()) / 44.0**2,
                    "color": "rgba(140,140,140,0.45)",
                    "line": {"color": "#4d4d4d", "width": 0.8},
                },
                hovertemplate=[
                    f"{data.node_name(n, lang)}<br>{markup(word('tip.local_use', lang), 'html')}: "
                    f"{thousands(v)} {unit}<extra></extra>"
                    for n, v in local.items()
                ],
                name=markup(word("legend.local_use", lang, unit=data.unit(lang)), "html"),
            )
        )
    return traces
