"""What a finished study took, read from its folder: the time each point finished.

    python -m bench.study_timing runs/study-prefecture-target-freight --workers 2 \
        [--memory PEAKS.json] [--wall SECONDS] [--out bench/results/prefecture_study.json]

Every part file (``points/NNNNNNN.json``) is written the moment its point
finishes, and ``design.json`` just before the first point is sent out, so their
modification times give the start-up (workers loading the data and building the
model: until the first point is back), the time between points coming back, and
the total. ``--memory``: peak resident memory per process (MiB), e.g. sampled with
psutil while the study ran; ``--wall``: the command's own wall time, if measured.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
from pathlib import Path
from typing import Any

from bench.run import machine


def timing(folder: Path, workers: int) -> dict[str, Any]:
    start = (folder / "design.json").stat().st_mtime
    parts = sorted(folder.glob("points/[0-9]*.json"))
    rows = [json.loads(p.read_text(encoding="utf-8")) for p in parts]
    ends = sorted(p.stat().st_mtime for p in parts)
    gaps = [b - a for a, b in itertools.pairwise(ends)]
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    total = ends[-1] - start
    return {
        "study": summary["study"],
        "points": summary["points"],
        "points_done": len(rows),
        "complete": summary["complete"],
        "statuses": statuses,
        "workers": workers,
        "seconds_to_first_point": round(ends[0] - start, 1),
        "seconds_all_points": round(total, 1),
        "seconds_per_point_wall": round(total / len(rows), 2),
        "seconds_per_point_per_worker_median": round(workers * statistics.median(gaps), 2),
        "points_per_minute_after_start": round(60 * (len(ends) - 1) / (ends[-1] - ends[0]), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--memory", type=Path)
    parser.add_argument("--wall", type=float)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result = timing(args.folder, args.workers)
    if args.wall is not None:
        result["command_wall_seconds"] = round(args.wall, 1)
    if args.memory is not None:
        result["peak_rss_mib_by_process"] = json.loads(args.memory.read_text(encoding="utf-8"))
    result["machine"] = machine() | {"load_average_now": os.getloadavg()}
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
