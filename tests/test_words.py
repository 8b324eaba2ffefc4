"""One lookup of the words in English and Chinese (:mod:`model.outputs.words`).

The maps, the brief and the study charts keep their words in a ``words.toml`` beside
them and look them up through :func:`model.outputs.words.word` and ``name``. Every key
resolves in both languages, and the shared lookup gives what each module's own lookup
gave before it (their rules are written out below: always format; format only when
fields are given; a name or its key).
"""

from __future__ import annotations

import importlib
import string
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pytest

from model.outputs import words
from model.outputs.maps import text
from model.studies import charts

brief = importlib.import_module("model.outputs.report.brief")  # the package exports a function

FILES = [
    Path(text.__file__).with_name("words.toml"),
    Path(brief.__file__).with_name("words.toml"),
    Path(charts.__file__).with_name("words.toml"),
]
NAMED_TABLES = [
    text.GROUPS,
    text.UNIT_WORDS,
    brief.COST_NAMES,
    brief.CO2_NAMES,
    brief.SECTION_NAMES,
    brief.MAP_NAMES,
]
TEMPLATES = [text.WORDS, brief.WORDS, charts.WORDS, charts.PARAMS, charts.COMPARE]


def fields(template: str) -> dict[str, str]:
    """A value for each field a template names: {unit} -> "<unit>"."""
    return {f: f"<{f}>" for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_key_resolves_in_both_languages() -> None:
    for table in [*TEMPLATES, *NAMED_TABLES]:
        for key, row in table.items():
            assert set(row) == set(words.LANGS), key
            for lang in words.LANGS:
                filled = fields(row[lang])
                done = words.word(table, key, lang, **filled)
                assert done.strip(), (key, lang)
                assert all(v in done for v in filled.values()), (key, lang)
    for key, title in text.CHANGE_TITLES_ZH.items():  # a change map of each layer
        assert f"layer.{key}" in text.WORDS
        assert "变化" in title.format(group="<g>", unit="<u>", pathway="<p>")


def test_the_shared_lookup_agrees_with_each_modules_old_lookup() -> None:
    def always_formatted(table: Mapping[str, Mapping[str, str]], key: str, lang: str) -> str:
        row = table[key][lang]
        return row.format(**fields(row))

    for lang in words.LANGS:
        for key in text.WORDS:  # maps: WORDS[key][lang].format(**fields)
            f = fields(text.WORDS[key][lang])
            assert text.word(key, lang, **f) == always_formatted(text.WORDS, key, lang)
        for key in charts.WORDS:  # study charts: the same
            f = fields(charts.WORDS[key][lang])
            assert charts.word(key, lang, **f) == always_formatted(charts.WORDS, key, lang)
        page = brief.Brief({}, {}, lang, "")
        for key, row in brief.WORDS.items():  # brief: formatted only when given fields
            assert page.w(key) == row[lang]
            assert page.w(key, **fields(row[lang])) == always_formatted(brief.WORDS, key, lang)
        for table in NAMED_TABLES[2:]:  # brief: a name, or the key where there is none
            for key in [*table, "not_a_key"]:
                assert page.of(table, key) == table.get(key, {}).get(lang, key)
        for group in [*text.GROUPS, "not_a_group"]:
            assert text.group_name(group, lang) == text.GROUPS.get(group, {}).get(
                lang, group.replace("_", " ")
            )
            assert page.name("group", group) == text.GROUPS.get(group, {}).get(lang, group)
        for unit in [*text.UNIT_WORDS, "county"]:
            assert text.unit_word(unit, lang) == text.UNIT_WORDS.get(unit, {}).get(lang, unit)


def test_the_tables_are_the_files_beside_the_modules() -> None:
    loaded = [tomllib.loads(f.read_text(encoding="utf-8")) for f in FILES]
    assert loaded[0]["words"] is not text.WORDS and loaded[0]["words"] == text.WORDS
    assert loaded[1]["words"] == brief.WORDS and loaded[2]["params"] == charts.PARAMS
    assert charts.ZH_UNITS["x10^8 CNY/yr"] == "亿元/年"
    assert text.markup("10^4 t CO2", "html") == "10<sup>4</sup> t CO<sub>2</sub>"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="expected one of en, zh"):
        words.word(text.WORDS, "legend.no_data", "fr")
