"""The CJK font that ships with the project, and checks that it covers every label.

Chinese labels are set in Noto Sans SC (SIL Open Font License), installed from
PyPI with the package ``pylopdf-fonts-zh-cn`` (the Adobe-GB1 subset of Noto Sans
CJK, 8 MB). No system font is assumed: the file is registered with
matplotlib's font manager at run time, and the interactive map embeds a subset
of it, so a page shows the same glyphs on a machine without Chinese fonts.
"""

from __future__ import annotations

import base64
import io
import os
import sys
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from matplotlib import font_manager

from model.errors import WasteallocError

LATIN_FAMILY = "DejaVu Sans"
"""matplotlib's own font: English maps use it, Chinese maps fall back to it."""

IGNORED = frozenset("\n\r\t")
"""Characters that are layout, not glyphs."""

REPLACEMENT = "□"
"""What a character no font can draw becomes in user text (it looks like a missing glyph)."""


class MissingGlyphError(WasteallocError):
    """A label needs a character the bundled font does not have."""


def cjk_font_path() -> Path:
    """Path of the bundled Noto Sans SC font file."""
    import pylopdf_fonts_zh_cn

    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():
        raise MissingGlyphError(
            f"the Chinese font {path} is missing; reinstall the project "
            "(pip install -e .) to get the package pylopdf-fonts-zh-cn"
        )
    return path


@cache
def cjk_family() -> str:
    """Register the bundled font with matplotlib (once) and return its family name."""
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def font_family(lang: str) -> list[str]:
    """matplotlib ``font.family`` for a language: the CJK font first for Chinese."""
    return [cjk_family(), LATIN_FAMILY] if lang == "zh" else [LATIN_FAMILY]


def user_text_family(lang: str) -> list[str]:
    """The family for users' own text (a scenario description may hold Chinese on an
    English map): the language's fonts, then the other one as a fallback. Only for
    regular weight: the CJK font has no bold."""
    return [cjk_family(), LATIN_FAMILY] if lang == "zh" else [LATIN_FAMILY, cjk_family()]


@cache
def _codepoints(path: Path) -> frozenset[int]:
    font = TTFont(str(path), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def missing_glyphs(strings: Iterable[str], path: Path | None = None) -> dict[str, str]:
    """Characters of each string that the font (default: the bundled CJK font) lacks.

    Returns ``{string: missing characters}`` for the strings that lack any.
    """
    cmap = _codepoints(path if path is not None else cjk_font_path())
    out: dict[str, str] = {}
    for text in strings:
        gaps = "".join(sorted({c for c in text if c not in IGNORED and ord(c) not in cmap}))
        if gaps:
            out[text] = gaps
    return out


def drawable(text: str) -> str:
    """``text`` with every character the bundled CJK font lacks replaced by
    :data:`REPLACEMENT` (combining marks and variation selectors without a glyph are
    dropped). For free text written by users, such as scenario descriptions, shown on
    every figure: the CJK font holds Latin, Greek, Cyrillic and CJK, and it is the font
    that Chinese figures and the HTML pages check against. Names from the data are
    checked instead (:func:`check_glyphs`)."""
    cmap = _codepoints(cjk_font_path())
    out = []
    for c in text:
        if c in IGNORED or ord(c) in cmap:
            out.append(c)
        elif unicodedata.category(c) not in ("Mn", "Me", "Cf"):
            out.append(REPLACEMENT)
    return "".join(out)


def check_glyphs(strings: Iterable[str], what: str = "labels") -> None:
    """Raise :class:`MissingGlyphError` naming every label the bundled font cannot set."""
    gaps = missing_glyphs(strings)
    if gaps:
        listed = "; ".join(
            f"{text!r} needs {' '.join(f'{c} (U+{ord(c):04X})' for c in chars)}"
            for text, chars in sorted(gaps.items())
        )
        raise MissingGlyphError(
            f"{what}: the Chinese font {cjk_font_path().name} has no glyph for: {listed}"
        )


def font_face_css(strings: Iterable[str], family: str = "wastealloc-cjk") -> str:
    """A CSS ``@font-face`` rule with the bundled font cut down to the given text.

    The subset is embedded as a base64 WOFF data URL, so an HTML page needs no
    font server and no Chinese system font.
    """
    text = "".join(sorted(set("".join(strings)) - IGNORED))
    woff = _subset_in_fork(text) or _subset(TTFont(str(cjk_font_path())), text)
    data = base64.b64encode(woff).decode("ascii")
    return (
        f"@font-face {{ font-family: '{family}'; "
        f"src: url(data:font/woff;base64,{data}) format('woff'); }}"
    )


def _subset(font: TTFont, text: str) -> bytes:
    """The font cut down to ``text``, as WOFF bytes (``font`` is changed: cut down)."""
    from fontTools import subset  # 0.15 s to import: only where a page is written

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    try:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.flavor = "woff"
        font.save(buffer)
    finally:
        font.close()
    return buffer.getvalue()


@cache
def _read_font() -> TTFont:
    """The bundled font with every table read (0.1 s), kept for :func:`_subset_in_fork`."""
    font = TTFont(str(cjk_font_path()))
    font.ensureDecompiled()
    return font


def _subset_in_fork(text: str) -> bytes | None:
    """The subset cut by a forked copy of this process from the font read once here: the
    same bytes as from the file (cutting changes the font, so each cut needs a fresh
    copy, and a fork is the cheapest: a third of the time of reading the file again).
    None where there is no fork, or if the copy fails (the caller cuts it itself)."""
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return None
    font = _read_font()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: cut, send, and leave without running the parent's exit code
        code = 1
        try:
            os.close(read)
            with os.fdopen(write, "wb") as out:
                out.write(_subset(font, text))
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as source:
        woff = source.read()
    _, status = os.waitpid(pid, 0)
    return woff if os.waitstatus_to_exitcode(status) == 0 and woff else None
