"""Writing figures: each format replaced whole or not at all, SVG text kept as text,
and the names and folder of figure files."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.text import Text

from model.files import write_atomically
from model.outputs.maps import fonts
from model.outputs.maps.tables import MapError
from model.outputs.maps.text import plain

FORMATS = ("png", "svg", "pdf")

PNG_COMPRESSION = {"compress_level": 1}
"""zlib level of PNG files: lossless at every level; 1 writes a 200 dpi map in about
two thirds of the default's time, the file about 5% larger."""


def save_figure(
    fig: Figure,
    stem: Path,
    formats: Iterable[str],
    dpi: int,
    title: str,
    lang: str,
    texts: Iterable[str],
) -> list[Path]:
    """Write the figure in each format (``stem`` + suffix) and close it."""
    try:
        if lang == "zh":
            fonts.check_glyphs(texts, f"{stem.name} ({lang})")
        written = []
        for fmt in formats:
            if fmt not in FORMATS:
                raise MapError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
            path = stem.with_name(f"{stem.name}.{fmt}")
            metadata: dict[str, str | None] = {"Title": plain(title)}
            if fmt == "pdf":
                metadata.update({"Creator": "wastealloc", "CreationDate": None})
            elif fmt == "svg":
                metadata.update({"Creator": "wastealloc", "Date": None})
            else:
                metadata = {"Title": plain(title), "Software": "wastealloc (matplotlib)"}
            written.append(write_atomically(path, _writer(fig, fmt, dpi, metadata)))
        return written
    finally:
        plt.close(fig)


SVG_FONT_STACK = (
    "'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', "
    "'DejaVu Sans', Arial, sans-serif"
)
"""Fonts an SVG's text asks for (its text stays text, ``svg.fonttype = 'none'``): the
bundled font, the same design under its other names and the usual Chinese system fonts,
then any sans-serif."""


def _writer(
    fig: Figure, fmt: str, dpi: int, metadata: dict[str, str | None]
) -> Callable[[Path], None]:
    if fmt == "svg":
        return partial(_save_svg, fig, dpi=dpi, metadata=metadata)
    if fmt == "png":  # the same pixels as zlib's default level 6, in half the time, 5% larger
        return partial(
            fig.savefig, format=fmt, dpi=dpi, metadata=metadata, pil_kwargs=PNG_COMPRESSION
        )
    return partial(fig.savefig, format=fmt, dpi=dpi, metadata=metadata)


SVG_HALO = "stroke: #ffffff; stroke-width: 2.2px; stroke-opacity: 0.85; paint-order: stroke; "
"""The white halo of labels in an SVG: a stroke under the fill (matplotlib's path effect
would turn the text into outlines)."""


def _save_svg(fig: Figure, target: Path, *, dpi: int, metadata: dict[str, str | None]) -> None:
    """Save as SVG whose text stays text: a font list that falls back to Chinese fonts, and
    labels' halos as an SVG stroke instead of a path effect."""
    haloed = [t for t in fig.findobj(Text) if t.get_path_effects()]
    saved = [(t, t.get_path_effects(), t.get_gid()) for t in haloed]
    try:
        for i, t in enumerate(haloed):
            t.set_path_effects([])
            t.set_gid(f"halo-{i}")
        fig.savefig(target, format="svg", dpi=dpi, metadata=metadata)
    finally:
        for t, effects, gid in saved:
            t.set_path_effects(effects)
            t.set_gid(gid)
    content = Path(target).read_text(encoding="utf-8")
    text = re.sub(r"font-family: [^;\"]+", f"font-family: {SVG_FONT_STACK}", content)
    text = re.sub(
        r'(<g id="halo-\d+">.*?</g>)',
        lambda m: m.group(1).replace('<text style="', f'<text style="{SVG_HALO}'),
        text,
        flags=re.S,
    )
    Path(target).write_text(text, encoding="utf-8")


def stem_name(*parts: str | None) -> str:
    """``map``, ``utilization``, None, ``zh`` → ``map_utilization_zh``."""
    return "_".join(p for p in parts if p)


def ensure_folder(folder: Path) -> Path:
    """The folder figures go to, made if it does not exist."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise MapError(f"{folder}: not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MapError(f"{folder}: cannot make the folder ({exc.strerror or exc})") from exc
    if not os.access(folder, os.W_OK):
        raise MapError(f"{folder}: cannot write here")
    return folder
