"""`wastealloc solve` timed from the shell, as a user runs it (issue 12, goal 2).

Each measurement is a fresh process (`wastealloc solve SCENARIO --out TEMP`), so the
time includes starting Python, the imports, reading the data, solving, writing and,
with maps, drawing them. Cases run interleaved (each round in a rotated order) and
the medians of the rounds are reported. Two baselines are measured in the same run,
`python -c pass` and `python -c "import highspy, pandas"` ("import highspy+pandas"):
what any Python program of this kind pays before doing anything. Wall seconds and
CPU seconds (user + sys of the process and of the processes it waited for, the map
workers) are both recorded, with the load average of the moment: the machine is
shared, and CPU seconds move much less with the load than wall seconds do.

    python bench/shell.py                  every case, 5 rounds
    python bench/shell.py --repeat 3 --cases "province,province maps"
    python bench/shell.py --other /work/main/.venv/bin   adds each solve case run by
        another installation (e.g. the main branch's), interleaved with this one's

Results: bench/results/shell.json and shell.md. No goal is asserted; the table says
which are met in this run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import OUT, ROOT, machine

BIN = Path(sys.executable).parent
PROVINCE = "runs/target-2025.toml"
PREFECTURE = "runs/target-2025-prefecture.toml"
CASES: dict[str, tuple[list[str], dict[str, str]]] = {
    "python -c pass": ([sys.executable, "-c", "pass"], {}),
    "import highspy+pandas": ([sys.executable, "-c", "import highspy, pandas"], {}),
    "province": ([str(BIN / "wastealloc"), "solve", PROVINCE, "--no-maps"], {}),
    "province maps": ([str(BIN / "wastealloc"), "solve", PROVINCE], {}),
    "province maps (one process)": (
        [str(BIN / "wastealloc"), "solve", PROVINCE],
        {"WASTEALLOC_MAP_WORKERS": "1"},
    ),
    "prefecture": ([str(BIN / "wastealloc"), "solve", PREFECTURE, "--no-maps"], {}),
    "prefecture maps": ([str(BIN / "wastealloc"), "solve", PREFECTURE], {}),
}
GOALS = (
    ("province, no maps (wall s)", "province", None, 1.5),
    ("province, with maps (wall s)", "province maps", None, 5.0),
    ("prefecture with maps / without (wall)", "prefecture maps", "prefecture", 2.0),
)


def measure(case: str, scratch: Path) -> dict[str, float]:
    """One run of a case in a fresh process: wall and CPU seconds, peak memory, load."""
    command, env = CASES[case]
    out = scratch / "out"
    if command[1:2] == ["solve"]:
        command = [*command, "--out", str(out)]
    load = os.getloadavg()[0]
    with (scratch / "stderr.txt").open("w+", encoding="utf-8") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=stderr
        )
        # wait4: this process's resources, with those of the processes it waited for
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        error = stderr.read()
    shutil.rmtree(out, ignore_errors=True)
    if code != 0:
        raise RuntimeError(f"{case}: exit {code}: {error.strip()[-800:]}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024,
        "load_1min": load,
    }


def run(cases: list[str], repeat: int) -> dict[str, list[dict[str, float]]]:
    runs: dict[str, list[dict[str, float]]] = {case: [] for case in cases}
    with tempfile.TemporaryDirectory(prefix="bench-shell-") as tmp:
        for r in range(repeat):
            order = cases[r % len(cases) :] + cases[: r % len(cases)]
            for case in order:
                runs[case].append(measure(case, Path(tmp)))
                m = runs[case][-1]
                print(
                    f"round {r + 1}/{repeat} {case}: {m['wall_s']:.2f} s wall, "
                    f"{m['cpu_s']:.2f} s CPU, load {m['load_1min']:.1f}",
                    file=sys.stderr,
                )
    return runs


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def report(result: dict[str, Any]) -> str:
    med = result["medians"]
    lines = [
        "# `wastealloc solve` from the shell",
        "",
        f"Medians of {result['repeat']} interleaved rounds, {result['when']}; load average "
        f"(1 min) during the runs {result['load_min']:.1f} to {result['load_max']:.1f} on "
        f"{result['machine']['cores']} cores. CPU = user + sys of the process and its map "
        "workers.",
        "",
        "| case | wall s | CPU s | peak MiB |",
        "|---|---:|---:|---:|",
    ]
    for case, m in med.items():
        lines.append(f"| {case} | {m['wall_s']:.2f} | {m['cpu_s']:.2f} | {m['peak_mib']:.0f} |")
    for res in ("province", "prefecture"):
        if res in med and f"{res} maps" in med:
            wall = med[f"{res} maps"]["wall_s"] - med[res]["wall_s"]
            cpu = med[f"{res} maps"]["cpu_s"] - med[res]["cpu_s"]
            lines.append(f"| … {res}: the maps stage (difference) | {wall:.2f} | {cpu:.2f} | |")
    lines += ["", "| goal | this run | goal | met |", "|---|---:|---:|---|"]
    for label, case, base, goal in GOALS:
        if case in med and (base is None or base in med):
            value = med[case]["wall_s"] / (med[base]["wall_s"] if base else 1.0)
            lines.append(
                f"| {label} | {value:.2f} | {goal:g} | {'yes' if value <= goal else 'no'} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated case names")
    parser.add_argument(
        "--other", type=Path, help="bin folder of another installation: its solve cases too"
    )
    args = parser.parse_args()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}: expected some of {list(CASES)}")
    if args.other is not None:
        for case in list(cases):
            command, env = CASES[case]
            if command[1:2] == ["solve"]:
                other = f"{case} [{args.other}]"
                CASES[other] = ([str(args.other / "wastealloc"), *command[1:]], env)
                cases.append(other)
    runs = run(cases, args.repeat)
    loads = [r["load_1min"] for rs in runs.values() for r in rs]
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "repeat": args.repeat,
        "machine": machine(),
        "load_min": min(loads),
        "load_max": max(loads),
        "medians": {case: medians(rs) for case, rs in runs.items()},
        "runs": runs,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "shell.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    text = report(result)
    (OUT / "shell.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
