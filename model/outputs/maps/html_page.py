"""Offline HTML pages of plotly figures: plotly.js is one file beside the pages, the
Chinese font is embedded as a subset, and nothing is fetched from a network.

- plotly.js is one file next to the pages (``plotly-VERSION.min.js``, about
  4.8 MB), which every page of the folder loads from there instead of holding
  a copy of its own: keep the pages with it (copy or zip the folder);
- plotly.js fetches a world outline (topojson) from its CDN for any geo plot
  with GeoJSON locations even when it draws no basemap; the page gives it an
  empty one in ``window.PlotlyGeoAssets`` first, so nothing is fetched;
- the Chinese font is embedded as a subset (:func:`model.outputs.maps.fonts.font_face_css`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io.json import to_json_plotly
from plotly.offline import get_plotlyjs, get_plotlyjs_version

from model.files import write_atomically
from model.outputs.maps import fonts

FONT_FAMILY = "wastealloc-cjk"
FONT_STACK = f"'{FONT_FAMILY}', 'Noto Sans SC', 'Helvetica Neue', Arial, sans-serif"
EXTRA_GLYPHS = "0123456789,.%−-+–→×()·: abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""Characters plotly writes at run time (numbers, axis text) that the subset must hold."""

GEO_STUB = (
    "<script>/* wastealloc: plotly.js fetches a world topojson from its CDN for geo plots "
    "with GeoJSON locations; these maps draw no basemap, so it gets an empty one and the "
    "page fetches nothing. */\n"
    "window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};\n"
    "['world_110m', 'world_50m'].forEach(function (name) {\n"
    "  window.PlotlyGeoAssets.topojson[name] = {type: 'Topology', objects: {}, arcs: []};\n"
    "});</script>"
)

EXTERNAL_REFERENCE = re.compile(
    r"""<(?:script|img|iframe|link|source|video|audio)\b[^>]*\b(?:src|href)\s*=\s*["']?"""
    r"""(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:url\()?["']?(?:https?:)?//""",
    re.IGNORECASE,
)
"""Markup or CSS that a browser would fetch from another host when the page loads."""


def external_references(page: str) -> list[str]:
    """Pieces of an HTML page that would be fetched from the network on load."""
    return [m.group(0) for m in EXTERNAL_REFERENCE.finditer(page)]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, np.ndarray) and value.dtype.kind in "OU":
        for v in value.ravel().tolist():
            yield from _strings(v)


def plotly_bundle_name() -> str:
    """File name of the plotly.js bundle the pages load (versioned: pages written by
    another plotly never load the wrong one)."""
    return f"plotly-{get_plotlyjs_version()}.min.js"


def write_plotly_bundle(folder: Path) -> Path:
    """plotly.js, once per folder, next to the pages that load it."""
    path = Path(folder) / plotly_bundle_name()
    bundle = get_plotlyjs().encode("utf-8")
    if not (path.is_file() and path.stat().st_size == len(bundle)):
        write_atomically(path, lambda temp: temp.write_bytes(bundle))
    return path


SHARED_MARK = "wastealloc-shared"
"""Key of a stand-in object that a page replaces by one of its shared variables."""


def shared(name: str) -> dict[str, Any]:
    """A stand-in for a big object several traces hold (the interactive map's boundaries,
    in each of its six layers): the page holds the object once, as the JavaScript variable
    ``name``, and every stand-in becomes a reference to it (:func:`write_offline_html`).
    Deep-copied, encoded and parsed once instead of once per trace; the page shows the same."""
    return {"type": "FeatureCollection", "features": [], SHARED_MARK: name}


def write_offline_html(
    fig: go.Figure,
    path: Path,
    extra: Iterable[str] = (),
    variables: Mapping[str, Any] | None = None,
) -> Path:
    """Write a plotly figure as an HTML page that needs no network to show.

    The page is plotly's own (``to_html``) loading plotly.js from the file next
    to it (:func:`write_plotly_bundle`, written here if missing), plus the font
    subset and the empty world outline in its head. The plot is drawn once
    the embedded font has loaded, because plotly sizes menus and labels with the
    font it has when it draws. ``variables``: the objects that the figure's
    :func:`shared` stand-ins stand for, by name (defined in the page's head).
    """
    variables = dict(variables or {})
    for value in variables.values():
        extra = [*extra, *_strings(value)]
    # the figure as plotly's JSON once (a deep copy of every trace: the interactive map's
    # boundaries six times), read for its text and written as the page
    figure = fig.to_dict()
    texts = set(_strings(figure))
    texts.update(extra)
    shown = [re.sub(r"<[^>]+>", "", t) for t in texts if not t.startswith("%{")]
    fonts.check_glyphs([t for t in shown if any(ord(c) > 0x2E80 for c in t)], path.name)
    css = fonts.font_face_css([*shown, EXTRA_GLYPHS], FONT_FAMILY)
    layout = figure["layout"]  # as fig.update_layout(font=..., hoverlabel={"font": ...})
    layout.setdefault("font", {})["family"] = FONT_STACK
    layout.setdefault("hoverlabel", {}).setdefault("font", {})["family"] = FONT_STACK
    page = pio.to_html(
        figure,
        validate=False,
        include_plotlyjs=plotly_bundle_name(),
        full_html=True,
        config={"displaylogo": False, "responsive": True, "topojsonURL": "./"},
    )
    plot = page.index('class="plotly-graph-div"')
    opening = page.index("<script", plot)
    body_start = page.index(">", opening) + 1
    body_end = page.index("</script>", body_start)
    wait = (
        f'(document.fonts ? document.fonts.load("16px \'{FONT_FAMILY}\'", "宁")'
        " : Promise.resolve()).catch(function () {}).then(function () {"
    )
    page = page[:body_start] + wait + page[body_start:body_end] + "});" + page[body_end:]
    page, definitions = _share(page, variables)
    title = " ".join(re.sub(r"<[^>]+>", " ", fig.layout.title.text or "wastealloc").split())
    head = (
        f"<head>\n<title>{html.escape(title)}</title>\n"
        f"<style>{css}\nbody {{ margin: 0; font-family: {FONT_STACK}; }}</style>\n{GEO_STUB}\n"
        f"{definitions}"
    )
    page = page.replace("<head>", head, 1)
    found = external_references(page)
    if found:  # a plotly upgrade that starts loading something must not pass unseen
        raise RuntimeError(f"{path.name} would fetch from the network: {found[:3]}")
    write_plotly_bundle(path.parent)
    return write_atomically(path, lambda temp: temp.write_text(page, encoding="utf-8"))


def _share(page: str, variables: Mapping[str, Any]) -> tuple[str, str]:
    """The page with each :func:`shared` stand-in replaced by its variable's name, and the
    script defining the variables (plotly's JSON encoding: ``<``, ``>`` and ``/`` escaped,
    so no text in them can close the script)."""
    if not variables:
        return page, ""
    used = set()

    def reference(match: re.Match[str]) -> str:
        name = json.loads(match.group(0))[SHARED_MARK]
        if name not in variables:
            raise ValueError(f"{name!r}: a stand-in without its object")
        used.add(name)
        return _variable(name)

    page = re.sub(r'\{[^{}]*"' + SHARED_MARK + r'"[^{}]*\}', reference, page)
    lines = [f"var {_variable(n)} = {to_json_plotly(variables[n])};" for n in sorted(used)]
    return page, "<script>\n" + "\n".join(lines) + "\n</script>\n" if lines else ""


def _variable(name: str) -> str:
    return "wastealloc_" + re.sub(r"\W", "_", name)
