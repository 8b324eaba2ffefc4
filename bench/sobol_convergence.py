"""How wide Sobol' confidence intervals are at 64, 128, 256, 512 and 1,024 base samples.

    wastealloc study runs/study-sobol-convergence.toml     # 1,024 samples, 10,240 points
    python bench/sobol_convergence.py [--folder runs/study-sobol-convergence]

SALib's Sobol' design is a prefix of one scrambled Sobol' sequence: the design of
``samples = N`` is the first ``N (k + 2)`` points of the design of any larger N with
the same seed (checked here for each N). So one run at 1,024 samples gives, read
at its first 64, 128, ... base samples, exactly the indices that runs at those
sizes would give. Works on a folder still running or interrupted: it uses the
largest N whose points are all done.

Writes bench/results/sobol_convergence.csv (N, points, output, factor, S1,
S1_conf, ST, ST_conf: the conf columns are SALib's half-widths of the 95%
bootstrap intervals), sobol_convergence.json (the machine, the time each N took
in the run, the widest half-width per output and N) and sobol_convergence.png.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.run import machine
from model.data.tables import load_dataset
from model.studies.design import load_study
from model.studies.factors import design, factors
from model.studies.report import WIDE_CI
from model.studies.sensitivity import analyse, unique_outputs
from model.studies.store import StudyFolder

ROOT = Path(__file__).resolve().parent.parent
STUDY = ROOT / "runs" / "study-sobol-convergence.toml"
RESULTS = ROOT / "bench" / "results"
SIZES = (64, 128, 256, 512, 1024)


def indices_by_size(folder: Path, started: float | None) -> tuple[pd.DataFrame, dict[str, Any]]:
    study = load_study(STUDY)
    spec = study.sensitivity
    assert spec is not None and spec.method == "sobol"
    dataset = load_dataset(study.scenario.data, study.scenario.resolution)
    by_name = {f.name: f for f in factors(dataset, study.scenario, spec.detail)}
    active = [by_name[n] for n in study.factor_names]
    k = len(active)
    done = StudyFolder(folder, study).read_done()
    prefix = next((i for i in range(len(study.points)) if i not in done), len(study.points))
    runs = pd.DataFrame([done[i] for i in range(prefix)])
    levels = np.array([[p[n] for n in study.factor_names] for p in study.points[:prefix]])
    # design.json is written as the run starts (and again by each --resume)
    start = started if started is not None else (folder / "design.json").stat().st_mtime
    finished = [(folder / "points" / f"{i:07d}.json").stat().st_mtime for i in range(prefix)]
    rows, timing = [], {}
    for n in SIZES:
        m = n * (k + 2)
        if m > prefix:
            break
        own = design(active, "sobol", samples=n, seed=spec.seed)
        assert np.array_equal(own, levels[:m]), f"the design of N={n} is not a prefix"
        part = runs.iloc[:m]
        assert (part["status"] == "optimal").all(), f"N={n}: a point did not solve"
        tie = "co2" if (part["tie_break"] == "co2").all() else "none"
        table = analyse(active, "sobol", own, part[unique_outputs(list(part.columns), tie)])
        rows.append(table.assign(N=n, points=m))
        timing[n] = {"points": m, "seconds_from_start": round(max(finished[:m]) - start, 1)}
    indices = pd.concat(rows, ignore_index=True)
    indices = indices[["N", "points", "output", "factor", "S1", "S1_conf", "ST", "ST_conf"]]
    return indices, {"factors": list(study.factor_names), "timing": timing, "done": prefix}


def widest(indices: pd.DataFrame) -> pd.DataFrame:
    """The widest half-width (S1 or ST) per output and N, and over the factors that matter."""
    frame = indices.assign(conf=indices[["S1_conf", "ST_conf"]].max(axis=1))
    return frame.pivot_table(index="N", columns="output", values="conf", aggfunc="max")


def figure(indices: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5))
    cost = indices[indices["output"] == "objective_10k_cny"]
    for i, (factor, part) in enumerate(cost.groupby("factor", sort=False)):
        x = part["N"] * (1 + 0.04 * (i - 3))  # side by side
        left.errorbar(x, part["ST"], yerr=part["ST_conf"], marker="o", capsize=3, label=factor)
    left.set_xscale("log", base=2)
    left.set_xlabel("Sobol' base samples N (points = 10 N)")
    left.set_ylabel("ST of total cost, 95% CI")
    left.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    wide = widest(indices)
    wide = wide.loc[:, (wide > 0).all()]  # outputs that vary (a constant one has no interval)
    for output in wide.columns:
        right.plot(wide.index, wide[output], marker="o", label=output)
    n0 = wide.index[0]
    guide = wide["objective_10k_cny"].iloc[0] * np.sqrt(n0 / wide.index.to_numpy(dtype=float))
    right.plot(wide.index, guide, "k:", label="1/sqrt(N) from total cost's first N")
    right.axhline(WIDE_CI, color="grey", lw=0.8)
    right.text(wide.index[-1], WIDE_CI, " warning", va="bottom", ha="right", fontsize=8)
    right.set_xscale("log", base=2)
    right.set_yscale("log")
    right.set_xlabel("Sobol' base samples N")
    right.set_ylabel("widest 95% CI half-width (S1 or ST)")
    right.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    fig.suptitle("Sobol' indices of the 2025 targets (province model, 8 factors)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=ROOT / "runs" / "study-sobol-convergence")
    parser.add_argument(
        "--started", type=float, help="When the first run started (epoch s), if it was resumed"
    )
    args = parser.parse_args()
    indices, meta = indices_by_size(args.folder, args.started)
    RESULTS.mkdir(parents=True, exist_ok=True)
    indices.to_csv(RESULTS / "sobol_convergence.csv", index=False, float_format="%.4f")
    figure(indices, RESULTS / "sobol_convergence.png")
    wide = widest(indices)
    meta |= {
        "machine": machine() | {"load_average_now": os.getloadavg()},
        "widest_half_width": {str(n): wide.loc[n].round(4).to_dict() for n in wide.index},
    }
    text = json.dumps(meta, indent=1)
    (RESULTS / "sobol_convergence.json").write_text(text + "\n", encoding="utf-8")
    print(wide.round(3).to_string())
    print(json.dumps(meta["timing"], indent=1))


if __name__ == "__main__":
    main()
