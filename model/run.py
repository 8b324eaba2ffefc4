"""The pipeline of one scenario: load -> check -> build -> solve -> results -> files."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from model.core.config import Scenario, load_scenario
from model.core.inputs import prepare
from model.core.presolve import floors_without_outlet, unreachable_targets
from model.core.prices import tight
from model.core.ranging import target_ranges, with_ranges
from model.core.results import Results, collect, transport_summary
from model.core.solve import Solution, Solver
from model.data.tables import Dataset, load_dataset
from model.errors import ScenarioError
from model.files import OutputError, Written, check_target
from model.outputs import ahead as ahead_maps
from model.outputs.folders import located, versions, write_run
from model.outputs.labels import labelled
from model.progress import stage

if TYPE_CHECKING:  # a one-year solve never loads the multi-year model
    from model.core.pathway.run import PathResults  # noqa: F401  (PathRun's base, quoted)
    from model.core.pathway.solve import PathSolution  # noqa: F401

SolutionT = TypeVar("SolutionT")
ResultsT = TypeVar("ResultsT")


@dataclass(frozen=True)
class Solved(Generic[SolutionT, ResultsT]):
    """A solved scenario: its solution, tables and summary, and where they were written."""

    scenario: Scenario
    dataset: Dataset
    solution: SolutionT
    results: ResultsT
    summary: dict[str, Any]
    out_dir: Path | None = None
    written: Written | None = None


class Run(Solved[Solution, Results]):
    """A solved one-year scenario."""


def default_out_dir(scenario: Scenario) -> Path:
    """Results of ``runs/x.toml`` go to ``runs/x/`` (next to the scenario file).

    The name must be a plain folder name, so that the results land inside the
    scenario's folder and nowhere else (``..`` or an absolute path would not).
    """
    name = scenario.name
    if name in ("", ".", "..") or Path(name).name != name or "/" in name or "\\" in name:
        raise OutputError(
            f"scenario name {name!r} cannot name a results folder: expected a plain file "
            "name (letters, digits, '-', '_', '.'), nothing was written"
        )
    return scenario.source_files[-1].parent / name


class PathRun(Solved["PathSolution", "PathResults"]):
    """A solved multi-year scenario (``[path]``): tables with a year column."""


def solve_scenario(scenario: Scenario, dataset: Dataset | None = None) -> Run:
    """Solve a scenario in memory (no files written)."""
    if scenario.path is not None:
        raise ScenarioError(
            f"scenario {scenario.name!r} has a [path] section (several model years): solve it "
            "with `wastealloc solve`; sweeps, sensitivity and compare take one-year scenarios"
        )
    stage("reading the data")
    dataset = dataset if dataset is not None else load_dataset(scenario.data, scenario.resolution)
    stage("preparing the inputs")
    inputs = prepare(dataset, scenario)
    stranded = floors_without_outlet(inputs)
    if stranded:
        raise ScenarioError(
            f"scenario {scenario.name!r}: base-year floors that no admissible haul can serve "
            "(no capacity for the stream within max_haul_km):\n  "
            + "\n  ".join(stranded)
            + "\nWhat to try: raise [transport] max_haul_km, restore the capacity, or set "
            "[targets] base_year_floor = false."
        )
    unreachable = [] if inputs.elastic_targets else unreachable_targets(inputs, scenario.name)
    if unreachable:
        raise ScenarioError(
            f"scenario {scenario.name!r}: targets that no capacity in reach can meet "
            "(found before solving):\n" + "\n".join(f"  {p}" for p in unreachable)
        )
    stage("building the model")
    solver = Solver.for_scenario(inputs, scenario, co2_range=True)
    stage("solving (HiGHS: least cost, then least CO2 at that cost)")
    solution = solver.solve()
    m = solution.model
    # targets that bind, and targets met exactly at a zero price (degenerate: the
    # margin says 0, but the next whole point may cost something): re-solve both
    binding = [k for k in m.TARGETS if solution.duals.get(m.target[k], 0.0) > 1e-6 or tight(m, k)]
    stage(f"pricing the next point of {len(binding)} binding target(s)")
    next_point = solver.cost_of_next_point(solution, binding)
    stage("collecting the results")
    results = collect(solution, next_point)
    stage("ranging the target prices")
    ranged = with_ranges(results.shadow_prices, target_ranges(solver, solution))
    results = replace(results, shadow_prices=ranged)
    return Run(scenario, dataset, solution, results, _summary(scenario, dataset, solution, results))


def _summary(
    scenario: Scenario, dataset: Dataset, solution: Solution, results: Results
) -> dict[str, Any]:
    util = results.utilization
    total = util[(util["level"] == "total")].set_index("group")
    targets = util[util["target"].notna()]
    emissions = results.emissions.set_index("component")["co2_10kt"]
    m = solution.model
    return {
        "scenario": scenario.name,
        "description": scenario.description,
        "description_zh": scenario.description_zh,
        "status": solution.status,
        "objective_10k_cny": round(solution.objective_10k_cny, 4),
        "units": {"mass": "10^4 t/yr", "money": "10^4 CNY/yr", "co2": "10^4 t/yr"},
        "base_year": int(dataset.parameters["base_year"]),
        "resolution": scenario.resolution,
        "utilization_rate": {g: round(float(r), 6) for g, r in total["rate"].items()},
        "targets": {"count": len(targets), "met": int(targets["met"].sum())},
        "costs_10k_cny": {
            str(k): round(float(v), 4)
            for k, v in results.costs.set_index("component")["cost_10k_cny"].items()
        },
        "co2_10kt": {k: round(float(v), 6) for k, v in emissions.items()},
        "transport": transport_summary(results.hauls),
        "net_co2_most_at_least_cost_10kt": (
            None
            if solution.net_co2_most_10kt is None
            else round(float(solution.net_co2_most_10kt), 6)
        ),
        "model_size": {
            "variables": int(m.nvariables()),
            "constraints": int(m.nconstraints()),
            "arcs": len(m.inputs.arcs),
        },
        "timing_s": {
            "build": round(solution.build_seconds, 3),
            "solve": round(solution.solve_seconds, 3),
        },
        "solver": {
            "name": solution.solver,
            "version": solution.solver_version,
            "tie_break": solution.tie_break,
        },
        "versions": versions(),
        "inputs": {
            "data_dir": str(dataset.data_dir),
            "data_sha256": dataset.hashes,
            "scenario_sha256": scenario.input_hashes(),
        },
        "scenario_settings": scenario.model_dump(mode="json", exclude={"source_files"}),
        "notes": list(m.inputs.notes),
        "written_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def solve_file(
    path: str | Path, out_dir: Path | None = None, *, draw_maps: bool = True
) -> Run | PathRun:
    """Solve a scenario file and write its results folder atomically."""
    scenario = load_scenario(path)
    target = out_dir if out_dir is not None else default_out_dir(scenario)
    check_target(target, "solve", scenario.name)  # refuse before solving, not after
    if scenario.path is not None:
        return _solve_path_file(scenario, target, draw_maps)
    ahead = ahead_maps.start(scenario.data, scenario.resolution) if draw_maps else None
    try:
        return _solve_one_file(scenario, target, draw_maps, ahead)
    finally:
        if ahead is not None:
            ahead.stop()


def _solve_one_file(
    scenario: Scenario, target: Path, draw_maps: bool, ahead: ahead_maps.MapsAhead | None
) -> Run:
    """Solve a one-year scenario and write its folder; ``ahead``: the map geometry being
    made while it solves (:mod:`model.outputs.ahead`)."""
    run = solve_scenario(scenario)

    summary = located(run.summary, target)

    def figures(folder: Path) -> list[str]:
        """Draw the maps into the folder being written. A figure that fails is named in
        ``figures_failed`` of summary.json (write_run writes the summary after this) and
        costs nothing else: the tables are written all the same."""
        if not (draw_maps and scenario.output.maps):
            return []
        from model.outputs import maps  # only when drawing: solving never needs plotting

        stage("drawing the maps")
        made = ahead.take() if ahead is not None else {}
        drawn, failed = maps.draw_after_solve(
            run.results.tables(), run.summary, run.dataset, folder, previous=target, made=made
        )
        summary["figures_failed"] = [f.as_dict() for f in failed]
        return [path.name for path in drawn]

    names = run.dataset["regions"]
    stage("writing the results")
    tables = labelled(run.results.tables(), run.dataset.nodes, names)
    written = write_run(target, tables, summary, figures, kind="solve", owner=scenario.name)
    return Run(run.scenario, run.dataset, run.solution, run.results, summary, target, written)


def solve_path_scenario(scenario: Scenario, dataset: Dataset | None = None) -> PathRun:
    """Solve a multi-year scenario in memory (no files written)."""
    from model.core.pathway import run as pathway_run

    stage("reading the data")
    dataset = dataset if dataset is not None else load_dataset(scenario.data, scenario.resolution)
    assert scenario.path is not None
    stage(f"building and solving {len(scenario.path.years)} model years")
    solution, results, summary = pathway_run.solve_path_scenario(scenario, dataset)
    return PathRun(scenario, dataset, solution, results, summary)


def _solve_path_file(scenario: Scenario, target: Path, draw_maps: bool) -> PathRun:
    """Solve a multi-year scenario; write its tables, the trajectory chart and a year's maps."""
    run = solve_path_scenario(scenario)
    summary = dict(run.summary)

    def figures(folder: Path) -> list[str]:
        if not (draw_maps and scenario.output.maps):
            return []
        from model.outputs import trajectory  # only when drawing

        stage("drawing the trajectory chart and the maps")
        drawn, failed = trajectory.draw_path_figures(run.results, run.summary, run.dataset, folder)
        summary["figures_failed"] = [f.as_dict() for f in failed]
        return drawn

    stage("writing the results")
    written = write_run(
        target, run.results.tables(), summary, figures, kind="solve", owner=scenario.name
    )
    return PathRun(run.scenario, run.dataset, run.solution, run.results, summary, target, written)
