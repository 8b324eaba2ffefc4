"""``wastealloc data build``: read the inputs, estimate, split to prefectures, measure, write.

The orchestration of the data stage: ``estimate`` (province tables), ``prefecture``
(their prefecture split) and ``measure`` (the estimates against reported figures)
each compute tables; this module reads their inputs once and writes the results.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from model.data.capacity import utilization_and_capacity
from model.data.checks import check_proxies
from model.data.estimate import INPUT_FILES, Frames, estimate_totals, read_inputs, split_streams
from model.data.measure import measurements
from model.data.prefecture import build_prefecture, prefecture_nodes
from model.data.tables import load_tables
from model.data.totals import check_total_rows, stock_drawn
from model.errors import DataError
from model.files import atomic_file


def build(data_dir: Path) -> dict[str, pd.DataFrame]:
    """Recompute the estimated tables; return them (the caller writes them).

    The input files are validated row by row first (the tables this writes are
    checked by ``wastealloc validate`` afterwards, against these inputs).
    """
    return build_from(input_frames(Path(data_dir)), str(data_dir))


def build_from(frames: Frames, label: str = "data") -> dict[str, pd.DataFrame]:
    """The estimated province tables from validated input frames."""
    totals = estimate_totals(frames)
    inputs = read_inputs(frames, totals, label)
    generation = split_streams(inputs)
    drawn = stock_drawn(inputs.totals.reset_index())
    order = frames["nodes"]["node"].tolist()
    tables = utilization_and_capacity(frames, inputs, generation, order, drawn)
    return {"province_totals": totals, **tables}


def input_frames(data_dir: Path) -> Frames:
    frames, problems = load_tables(data_dir)
    problems = [p for p in problems if p.file in INPUT_FILES]
    if not problems:
        problems = check_proxies(frames) + check_total_rows(frames["province_totals"])
    if problems:
        raise DataError(str(data_dir), problems)
    return frames


def write_build(data_dir: Path) -> list[Path]:
    """Recompute and write the estimated tables, each file replaced atomically.

    Province tables go to the data folder; where a ``prefecture/`` folder with a
    node table exists, the prefecture-level tables are derived and written there.
    The estimates measured against the reported figures (``model.data.measure``) are
    written to ``estimation/``.
    """
    data_dir = Path(data_dir)
    frames = input_frames(data_dir)
    tables = build_from(frames, str(data_dir))
    targets = {name: data_dir / f"{name}.csv" for name in tables}
    out = dict(tables)
    if (data_dir / "prefecture" / "nodes.csv").is_file():
        frames["prefecture/nodes"] = prefecture_nodes(data_dir)
        for name, frame in build_prefecture(frames, tables, str(data_dir)).items():
            out[f"prefecture/{name}"] = frame
            targets[f"prefecture/{name}"] = data_dir / "prefecture" / f"{name}.csv"
    for name, frame in measurements(data_dir, frames).items():
        out[name], targets[name] = frame, data_dir / name
    written = []
    for name, frame in out.items():
        with atomic_file(targets[name]) as tmp:
            frame.to_csv(tmp, index=False, lineterminator="\n")
        written.append(targets[name])
    return written
