"""`wastealloc report` (issue 14, item 1): every number in the brief is one of the tables'."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.files import MARKER
from model.outputs.report import write_report
from model.outputs.report.brief import money, one, pct, whole
from tests.conftest import DATA

runner = CliRunner()


@pytest.fixture(scope="module")
def runs(solved_pair: tuple[Path, Path]) -> tuple[Path, Path]:
    """baseline-expansion and target-2025, solved once for the session (conftest)."""
    return solved_pair


@pytest.fixture(scope="module")
def reports(runs: tuple[Path, Path]) -> dict[str, Any]:
    reference, run = runs
    # a map as `wastealloc map --lang zh` would leave it (the runs were solved without maps)
    (run / "map_utilization_zh.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return {
        lang: write_report(run, run.parent / f"report-{lang}", reference=reference, lang=lang)
        for lang in ("en", "zh")
    }


def numbers_of(value: Any) -> list[float]:
    """Every number in the figures, however deeply nested."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    items = value.values() if isinstance(value, dict) else value
    return [n for item in items for n in numbers_of(item)]


def shown_numbers(text: str, figures: dict[str, Any]) -> list[str]:
    """The numbers a reader sees in the brief, leaving out names, units and links."""
    names = [figures["scenario"]["name"]]
    if figures["reference"]:
        names.append(figures["reference"]["name"])
    for name in names:
        text = text.replace(name, "")
    text = re.sub(r"^\*.*\*$", "", text, flags=re.M)  # the scenario's own description
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    text = text.replace("10^8", "").replace("10^4", "").replace("README.md", "")
    return re.findall(r"-?\d+(?:,\d{3})*(?:\.\d+)?", text)


def test_the_figures_are_the_tables(runs: tuple[Path, Path], reports: dict[str, Any]) -> None:
    reference, run = runs
    figures = reports["en"].figures
    costs = pd.read_csv(run / "costs.csv").set_index("component")["cost_10k_cny"]
    for component, value in figures["cost_1e8_cny"].items():
        assert value == pytest.approx(costs[component] / 1e4)
    prices = pd.read_csv(run / "shadow_prices.csv")
    targets = prices[(prices["constraint"] == "target") & prices["binding"]]
    assert {(b["region"], b["group"]) for b in figures["binding"]} == set(
        zip(targets["region"], targets["group"], strict=True)
    )
    for b in figures["binding"]:
        row = targets[(targets["region"] == b["region"]) & (targets["group"] == b["group"])].iloc[0]
        assert b["price_cny_per_t"] == pytest.approx(row["shadow_price"])
        assert b["per_point_1e8_cny"] == pytest.approx(row["per_percentage_point_10k_cny"] / 1e4)
        assert b["next_point_1e8_cny"] == pytest.approx(row["next_point_10k_cny"] / 1e4)
        assert b["holds_from_pct"] == pytest.approx(100 * row["holds_from_rate"])
        assert b["holds_to_pct"] == pytest.approx(100 * row["holds_to_rate"])
    util = pd.read_csv(run / "utilization.csv").set_index(["level", "area", "group"])
    for u in figures["utilization"]:
        level = "total" if u["region"] == "all" else "region"
        assert u["rate_pct"] == pytest.approx(
            100 * util.loc[(level, u["region"], u["group"]), "rate"]
        )
    capacity = prices[prices["constraint"] == "capacity"]["shadow_price"].nlargest(5)
    assert [s["price_cny_per_t"] for s in figures["scarce"]] == pytest.approx(capacity.tolist())
    co2 = pd.read_csv(run / "emissions.csv").set_index("component")["co2_10kt"]
    assert figures["co2_mt"]["net"] == pytest.approx(co2["net"] / 100)
    before = pd.read_csv(reference / "costs.csv").set_index("component")["cost_10k_cny"]
    change = figures["reference"]["total_cost_change_1e8_cny"]
    assert change == pytest.approx((costs["total"] - before["total"]) / 1e4)
    # target-2025 differs from baseline-expansion by its targets only
    assert figures["reference"]["targets_only"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_number_in_the_brief_is_a_figure(reports: dict[str, Any], lang: str) -> None:
    report = reports[lang]
    figures = report.figures
    allowed = {str(figures["scenario"]["base_year"])}
    for n in numbers_of(figures):
        allowed |= {money(n), one(n), whole(n), pct(n), f"{n:.2f}"}
    shown = shown_numbers(report.brief, figures)
    assert len(shown) > 30  # the brief quotes the tables, not nothing
    assert [n for n in shown if n not in allowed] == []


def test_the_brief_says_what_the_targets_cost(reports: dict[str, Any]) -> None:
    en, zh = reports["en"], reports["zh"]
    b = en.figures["binding"][0]
    change = money(en.figures["reference"]["total_cost_change_1e8_cny"])
    assert (
        f"Meeting the Yellow River Basin's bulk industrial solid waste target of 57% costs about "
        f"{change} × 10^8 CNY a year more than baseline-expansion; one more percentage point "
        f"costs about {money(b['next_point_1e8_cny'])} × 10^8 CNY a year." in en.brief
    )
    assert f"实现黄河流域大宗工业固体废物综合利用率目标（57%）每年约需{change}亿元" in zh.brief
    assert "各区域实现2025年全国目标" in zh.brief  # description_zh
    assert f"{money(b['holds_from_pct'])}% to {money(b['holds_to_pct'])}%" in en.brief


def test_the_workbook_has_tables_with_units_settings_and_sources(
    runs: tuple[Path, Path], reports: dict[str, Any]
) -> None:
    folder = reports["en"].written.target
    book = openpyxl.load_workbook(folder / "report.xlsx", read_only=True)
    assert {"hauls", "utilization", "shadow_prices", "settings", "sources", "compare"} <= set(
        book.sheetnames
    )
    hauls = [c.value for c in next(book["hauls"].iter_rows(max_row=1))]
    assert "amount_10kt (10^4 t/yr)" in hauls and "origin_zh" in hauls
    settings = dict(book["settings"].iter_rows(min_row=2, values_only=True))
    assert settings["targets.base_year_uses"] == "True"  # from the file target-2025 extends
    assert settings["targets.sets"] == "national_2025"
    sources = pd.read_csv(DATA / "sources.csv")
    assert book["sources"].max_row == len(sources) + 1
    zh = openpyxl.load_workbook(reports["zh"].written.target / "report_zh.xlsx", read_only=True)
    assert "数量 (万吨/年)" in [c.value for c in next(zh["hauls"].iter_rows(max_row=1))]
    saved = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
    assert saved["cost_1e8_cny"] == pytest.approx(reports["en"].figures["cost_1e8_cny"])
    marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    assert marker["kind"] == "report"


def test_the_command_refuses_user_folders_and_non_runs(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    _, run = runs
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["report", str(run), "--out", str(mine)])
    assert result.exit_code == 2
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "mine"
    result = runner.invoke(app, ["report", str(tmp_path / "nothing"), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "summary.json" in result.output
    assert not (tmp_path / "r").exists()
    result = runner.invoke(app, ["report", str(run), "--lang", "fr"])
    assert result.exit_code == 2
    out = tmp_path / "ok"
    result = runner.invoke(app, ["report", str(run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} >= {"brief.md", "report.xlsx", "figures.json"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_brief_links_the_maps_of_the_run(reports: dict[str, Any], lang: str) -> None:
    report = reports[lang]
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report.brief)
    assert links == ["../target-2025/map_utilization_zh.png"]
    assert (report.written.target / links[0]).resolve().is_file()
