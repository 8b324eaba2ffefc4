"""Words in English and Chinese: one lookup for every table of words.

The maps (:mod:`model.outputs.maps.text`), the brief (:mod:`model.outputs.report.brief`)
and the study charts (:mod:`model.studies.charts`) each keep their words in a TOML file
beside them (``words.toml``): a table per kind of word, an entry per key with its ``en``
and ``zh`` text. Templates name their fields in braces (``{group}``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LANGS = ("en", "zh")

Words = dict[str, dict[str, str]]
"""key -> language -> text."""


def load(path: Path) -> dict[str, Any]:
    """The tables of a words file (a package file: it ships with the code)."""
    with open(path, "rb") as file:
        return tomllib.load(file)


def word(table: Mapping[str, Mapping[str, str]], key: str, lang: str, **fields: object) -> str:
    """The text of ``key`` in ``lang``, its fields filled in (a template without fields
    given is returned as it stands)."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
    text = table[key][lang]
    return text.format(**fields) if fields else text


def name(
    table: Mapping[str, Mapping[str, str]], key: str, lang: str, default: str | None = None
) -> str:
    """The name of ``key`` in ``lang``, or ``default`` (the key itself) where there is none."""
    return table.get(key, {}).get(lang, key if default is None else default)


def markup(text: str, backend: str) -> str:
    """Turn the neutral tokens ``10^4`` and ``CO2`` into mathtext or HTML."""
    if backend == "mpl":
        return text.replace("10^4", "10$^4$").replace("CO2", "CO$_2$")
    if backend == "html":
        return text.replace("10^4", "10<sup>4</sup>").replace("CO2", "CO<sub>2</sub>")
    return text
