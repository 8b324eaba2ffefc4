"""`wastealloc report`: a workbook and a brief from a saved run (no solving).

The report folder holds ``brief.md`` (``brief_zh.md``), ``report.xlsx``
(``report_zh.xlsx``) and ``figures.json``, the figures the brief quotes. It is
written like every results folder: whole or not at all, with a marker, never
over a folder wastealloc did not write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.files import Written, atomic_directory, check_target
from model.outputs.folders import relative_path
from model.outputs.report.brief import Names, brief
from model.outputs.report.facts import facts, read
from model.outputs.report.workbook import source_status, write_workbook

LANGS = ("en", "zh")


@dataclass(frozen=True)
class Report:
    written: Written
    figures: dict[str, Any]
    brief: str
    files: list[str]


def default_out(run_dir: Path, lang: str) -> Path:
    """``runs/NAME-report`` (``runs/NAME-report-zh``): beside the run, so a re-solve keeps it."""
    suffix = "-report" if lang == "en" else f"-report-{lang}"
    return Path(run_dir).parent / f"{Path(run_dir).name}{suffix}"


def names_of(dataset: Any) -> Names:
    """English and Chinese names of regions, nodes and pathways from the data tables."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for kind, table in (
        ("region", dataset["regions"]),
        ("node", dataset.nodes),
        ("pathway", dataset["pathways"]),
    ):
        out[kind] = {
            str(slug): {"en": str(row["name_en"]), "zh": str(row["name_zh"])}
            for slug, row in table.iterrows()
        }
    return out


def _dataset(summary: dict[str, Any]) -> Any:
    from model.core.config import DEFAULT_DATA_DIR
    from model.data.tables import load_dataset

    recorded = Path(str(summary.get("inputs", {}).get("data_dir", "")))
    data_dir = recorded if str(recorded) and recorded.is_dir() else DEFAULT_DATA_DIR
    return load_dataset(data_dir, str(summary.get("resolution", "province")))


def write_report(
    run_dir: Path, out_dir: Path, *, reference: Path | None = None, lang: str = "en"
) -> Report:
    """Write the report of ``run_dir`` (against ``reference`` if given) into ``out_dir``."""
    check_target(out_dir, "report")  # refuse before reading anything
    figures = facts(run_dir, reference)
    tables, summary = read(run_dir)
    dataset = _dataset(summary)
    text = brief(figures, names_of(dataset), lang, relative_path(run_dir, out_dir))
    suffix = "" if lang == "en" else f"_{lang}"
    extra = {}
    if reference is not None:
        from model.studies.compare import compare

        extra["compare"] = compare(reference, run_dir)[0]
    files = [f"brief{suffix}.md", f"report{suffix}.xlsx", "figures.json"]
    with atomic_directory(out_dir, "report") as written:
        staging = written.staging
        (staging / files[0]).write_text(text, encoding="utf-8")
        write_workbook(
            staging / files[1], tables, summary, source_status(dataset.tables), lang, extra
        )
        (staging / files[2]).write_text(
            json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return Report(written, figures, text, files)
