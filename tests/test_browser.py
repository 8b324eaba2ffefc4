"""The HTML pages in a real browser with the network off: they draw, answer hovering,
switch layers, and log no error.

Chromium from Debian (``/usr/bin/chromium``; ``.ci/run`` installs it) runs
headless with every request sent to a closed local port and every host name
unresolvable, so anything the page tried to fetch would fail and show up as a
console or network error. Each page is loaded once with ``--dump-dom``: the
test reads the drawn document and chromium's log. Skipped where chromium is
not installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from model.outputs import maps
from model.outputs.maps import interactive
from model.outputs.maps.flows import flow_table
from model.run import solve_file
from tests.conftest import RUNS


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install chromium; .ci/run does this)",
)

OFFLINE = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    # the network is off: every request goes to a closed local port, no name resolves
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1400,900",
    "--virtual-time-budget=10000",
]

ERROR_LINE = re.compile(r"Uncaught|ERR_[A-Z_]+|CONSOLE\(\d+\)\].*(?:Error|error)|:CONSOLE:.*Error")
"""What a failing page leaves in chromium's log: uncaught exceptions, network errors,
errors logged to the console."""


def load(page: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """The document after the page ran, and chromium's log lines about the page."""
    assert CHROMIUM is not None
    profile = tmp_path / f"profile-{page.stem}"
    profile.mkdir()
    done = subprocess.run(
        [CHROMIUM, *OFFLINE, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    log = [line for line in done.stderr.splitlines() if "CONSOLE" in line or "ERR_" in line]
    return done.stdout, log


def drawn(dom: str) -> str:
    """The plot as the browser drew it: the document between the plot's element and the
    script after it (the page's own scripts hold the same words as data)."""
    start = dom.index('class="plotly-graph-div')
    return dom[start : dom.index("<script", start)]


def errors(log: list[str]) -> list[str]:
    return [line for line in log if ERROR_LINE.search(line)]


def with_script(page: Path, script: str, name: str) -> Path:
    """A copy of the page that runs ``script`` once the plot is drawn."""
    source = page.read_text(encoding="utf-8")
    hook = (
        "<script>window.addEventListener('load', function () { setTimeout(function () {"
        f"{script}"
        "}, 300); });</script></body>"
    )
    copy = page.with_name(name)
    copy.write_text(source.replace("</body>", hook, 1), encoding="utf-8")
    return copy


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The HTML pages of the baseline: the interactive map (English and Chinese), Sankeys."""
    out = tmp_path_factory.mktemp("browser") / "baseline"
    solve_file(RUNS / "baseline.toml", out, draw_maps=False)
    data = maps.load_results(out)
    written = maps.draw_maps(data, out, maps.MapOptions(maps=("sankey", "interactive"), dpi=50))
    written.append(interactive.write_html(data, out, lang="zh"))
    every_flow = out / "every-flow"
    every_flow.mkdir()
    written.append(
        interactive.write_html(data, every_flow, min_flow_10kt=0.0).rename(
            out / "map_every_flow.html"
        )
    )
    return {p.name: p for p in written if p.suffix == ".html"}


@pytest.fixture(scope="module")
def node_count(pages: dict[str, Path]) -> int:
    return len(maps.load_results(pages["map.html"].parent).shapes)


def test_map_draws_offline_without_errors(
    pages: dict[str, Path], node_count: int, tmp_path: Path
) -> None:
    dom, log = load(pages["map.html"], tmp_path)
    assert errors(log) == []
    plot = drawn(dom)
    assert 'class="main-svg"' in plot
    # every node of the first layer is a drawn shape, so the GeoJSON rendered
    assert plot.count('class="choroplethlocation"') >= node_count
    assert "Utilization rate of bulk industrial solid waste" in plot


def test_chinese_map_draws_offline(pages: dict[str, Path], tmp_path: Path) -> None:
    dom, log = load(pages["map_zh.html"], tmp_path)
    assert errors(log) == []
    plot = drawn(dom)
    assert 'class="main-svg"' in plot
    assert "综合利用率" in plot and "宁夏" in plot


@pytest.mark.parametrize("name", ["sankey_streams_pathways.html", "sankey_regions.html"])
def test_sankey_draws_offline(pages: dict[str, Path], tmp_path: Path, name: str) -> None:
    dom, log = load(pages[name], tmp_path)
    assert errors(log) == []
    plot = drawn(dom)
    assert 'class="main-svg"' in plot
    assert plot.count('class="sankey-node"') >= 3


def test_hovering_a_node_shows_its_numbers(pages: dict[str, Path], tmp_path: Path) -> None:
    script = (
        # a modelled province's shape (the base map's countries come first)
        "var shape = Array.from(document.querySelectorAll('.choroplethlocation'))"
        "  .filter(function (p) { return p.__data__ && p.__data__.loc === 'shanxi'; })[0];"
        "var box = shape.getBoundingClientRect();"
        "var x = box.left + box.width / 2, y = box.top + box.height / 2;"
        "var under = document.elementFromPoint(x, y);"
        "['mouseover', 'mousemove'].forEach(function (type) {"
        "  under.dispatchEvent(new MouseEvent(type, {clientX: x, clientY: y, bubbles: true}));"
        "});"
    )
    dom, log = load(with_script(pages["map.html"], script, "hover.html"), tmp_path)
    assert errors(log) == []
    plot = drawn(dom)
    label = re.sub(r"<[^>]+>", " ", plot[plot.index('<g class="hoverlayer"') :])
    assert "utilization rate (bulk industrial solid waste)" in label
    assert "net CO" in label and "generated" in label


def test_layer_menu_shows_the_flows(pages: dict[str, Path], tmp_path: Path) -> None:
    """Choosing 'flows' in the menu draws the arrows and circles and retitles the map."""
    script = (
        "var gd = document.querySelector('.plotly-graph-div');"
        "var buttons = gd.layout.updatemenus[0].buttons;"
        "var flows = buttons.filter(function (b) { return b.label === 'flows'; })[0];"
        "Plotly.update(gd, flows.args[0], flows.args[1]);"
    )
    dom, log = load(with_script(pages["map_every_flow.html"], script, "flows.html"), tmp_path)
    assert errors(log) == []
    plot = drawn(dom)
    assert "Flows of industrial solid waste between provinces" in plot
    data = maps.load_results(pages["map.html"].parent)
    arcs = len(flow_table(data.tables["hauls"], 0.0).bands)
    assert arcs > 0
    assert plot.count('class="js-line"') >= arcs + 1  # the arcs and the region outlines
    assert 'class="point"' in plot  # the circles of waste used where it arises


def test_a_page_that_fetches_is_caught(pages: dict[str, Path], tmp_path: Path) -> None:
    """Without the empty world outline plotly.js goes to its CDN: the log must show it."""
    page = pages["map.html"]
    source = page.read_text(encoding="utf-8")
    assert interactive.GEO_STUB in source
    fetching = page.with_name("fetching.html")
    fetching.write_text(source.replace(interactive.GEO_STUB, "", 1), encoding="utf-8")
    _, log = load(fetching, tmp_path)
    found = errors(log)
    assert found and any("topojson" in line for line in found)
