"""Words on the figures, in English and Chinese.

Names of nodes, regions, streams and pathways come from the data tables
(``name_en``, ``name_zh``); the words of titles, legends and notes are in
``words.toml`` beside this module, looked up by :mod:`model.outputs.words`. Text is
written once with two neutral tokens, ``10^4`` and ``CO2``, which :func:`markup`
turns into matplotlib mathtext or HTML.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from model.outputs import words
from model.outputs.words import LANGS as LANGS
from model.outputs.words import Words
from model.outputs.words import markup as markup

MAX_NAME = 40
"""Longest scenario name shown on a figure (display units: a Chinese character is two)."""
MAX_DESCRIPTION = 160
"""Longest scenario description shown on a figure: with the name, the subtitle stays
within two lines on the narrowest figure."""

_TABLES = words.load(Path(__file__).with_name("words.toml"))
GROUPS: Words = _TABLES["groups"]
CHANGE_TITLES_ZH: dict[str, str] = _TABLES["change_titles_zh"]
"""Chinese titles of change maps: the change follows the quantity's name, before any
explanation. English titles are 'Change in' and the map's own title."""
UNIT_WORDS: Words = _TABLES["units"]
WORDS: Words = _TABLES["words"]
"""Titles, legends, notes and tooltips (``words.toml``, table ``words``)."""

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
    return words.word(WORDS, key, lang, **fields)


def group_name(group: str, lang: str) -> str:
    return words.name(GROUPS, group, lang, group.replace("_", " "))


def unit_word(resolution: str, lang: str) -> str:
    return words.name(UNIT_WORDS, resolution, lang)


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
