"""Global sensitivity of a scenario to the data ranges (SALib: Morris or Sobol').

Every cost, revenue and factor of the dataset that is uncertain carries a low and
a high value next to its central one (``*_low_*``, ``*_high_*`` columns). Each
*factor* here moves a set of those parameters together across their ranges: a
factor level u in [0, 1] puts every parameter of the set at

    value = scale x (low + u (high - low))

where ``scale`` is the scenario's own multiplier for it (``[transport]
cost_scale``, ``[prices] storage_cost_scale``; 1 elsewhere). The grouped factors
are road freight, rail freight, storage cost, processing opex, revenues,
avoided CO2 and, with tranches (``[capacity] tranches``, the default), the
capex factors of the expansion steps and the revenue factors of market
saturation (``tranches.csv``); ``detail=True`` gives one factor per pathway opex, per revenue and
per avoided-CO2 figure instead of the last three groups.

The model is built once; each design point changes mutable parameters and
re-solves with a warm start, as :mod:`model.studies.sweeps` does. Factors that have no
range in the data are left out and listed.

Morris (the default) screens factors cheaply: ``mu_star`` is the mean absolute
elementary effect, in the output's unit per full low-to-high range of the factor
(levels run over [0, 1], so an effect of a linear output is its whole change),
``mu`` the same with its sign, ``sigma`` the spread (non-linearity or
interaction). Sobol' gives variance shares (``S1`` first order, ``ST`` total)
with the factors taken as uniform over their ranges, at (k + 2) N solves.

Only outputs that every optimum shares are analysed: total cost, the cost above
the reference, the target shadow prices and, with the least-CO2 second solve
(the default), net CO2 (``unique_outputs``). Rates are in ``runs.csv`` too, but
equally cheap solutions differ in them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.core.config import Scenario
from model.core.inputs import prepare
from model.core.solve import Solver
from model.data.tables import Dataset, load_dataset
from model.errors import Interrupted, ScenarioError
from model.studies.design import SensitivitySpec, Study, study_of
from model.studies.engine import Outcome, execute
from model.studies.factors import Factor, Method, factors, salib_problem


@dataclass(frozen=True)
class Sensitivity:
    """A finished analysis: the factors, every run, and the indices."""

    method: Method
    factors: pd.DataFrame  # name, description, parameters, low..high summary
    runs: pd.DataFrame  # one row per design point: factor levels, status, outcomes
    indices: pd.DataFrame  # one row per output and factor
    skipped: tuple[str, ...]  # factors without a range in the data
    scenario: str = ""
    reference: str = ""
    problem: str = ""  # why there are no indices (a point did not solve), or ""


def unique_outputs(columns: Sequence[str], tie_break: str = "none") -> list[str]:
    """The outputs that do not depend on which of several equally cheap optima is found.

    Total cost, the cost above a reference and the target shadow prices agreed
    between warm and cold solves at every design point and between HiGHS's
    simplex and interior-point methods. Net CO2 is unique when the least-CO2
    second solve is on (``[solver] tie_break = "co2"``, the default). Utilization
    rates of non-binding groups are not, so they stay in ``runs.csv`` only.
    """
    keep = {"objective_10k_cny", "cost_above_reference_10k_cny"}
    if tie_break == "co2":
        keep.add("net_co2_10kt")
    return [c for c in columns if c in keep or c.startswith("shadow_")]


def analyse(
    active: Sequence[Factor],
    method: Method,
    levels_run: np.ndarray,
    outputs: pd.DataFrame,
    *,
    levels: int = 4,
    seed: int = 2020,
) -> pd.DataFrame:
    """Indices for every output column that is finite at every design point."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    problem = salib_problem(active)
    rows = []
    for column in outputs.columns:
        y = outputs[column].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            continue
        with warnings.catch_warnings():
            # constant outputs: 0/0 in numpy, "constant values" in SALib; set to 0 below
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            if method == "morris":
                res = morris_analyze.analyze(
                    problem, levels_run, y, num_levels=levels, seed=seed, print_to_console=False
                )
                table = pd.DataFrame(
                    {
                        "mu": res["mu"],
                        "mu_star": res["mu_star"],
                        "sigma": res["sigma"],
                        "mu_star_conf": res["mu_star_conf"],
                    },
                    index=res["names"],
                )
            else:
                res = sobol_analyze.analyze(
                    problem, y, calc_second_order=False, seed=seed, print_to_console=False
                )
                table = pd.DataFrame(
                    {k: res[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}, index=problem["names"]
                )
        if float(np.ptp(y)) == 0.0:
            table.loc[:, :] = 0.0  # a constant output depends on nothing
        table = table.fillna(0.0)
        for factor, values in table.iterrows():
            rows.append({"output": column, "factor": factor, **values.to_dict()})
    return pd.DataFrame(rows)


def _bound_solver(scenario: Scenario, dataset: Dataset) -> Solver:
    return Solver.for_scenario(prepare(dataset, scenario), scenario)


def _put(solver: Solver, active: Sequence[Factor], point: np.ndarray) -> None:
    for factor, level in zip(active, point, strict=True):
        for param, key, value in factor.values(float(level)):
            getattr(solver.model, param)[key] = value


def run(
    scenario: Scenario,
    method: Method = "morris",
    *,
    trajectories: int = 10,
    levels: int = 4,
    samples: int = 512,
    seed: int = 2020,
    detail: bool = False,
    reference: Scenario | None = None,
    dataset: Dataset | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    keep_going: bool = False,
) -> Sensitivity:
    """Sample the factors, solve every point, compute the indices.

    With a ``reference`` scenario (same data, e.g. ``baseline-expansion`` for a
    target scenario) each point is also solved for the reference at the same
    factor levels, and ``cost_above_reference_10k_cny`` (the cost of what the
    scenario adds, the figure to read rather than cost levels) is an output too.
    The points are solved by ``workers`` processes (or a Dask ``scheduler``). The
    indices need every point: a point that does not solve to optimality stops the
    analysis with its factor levels (:class:`ScenarioError`), or with
    ``keep_going`` every point is solved and the result has no indices and says
    why in ``problem`` (``runs`` records each point's status and reason).
    """
    dataset = dataset if dataset is not None else load_dataset(scenario.data, scenario.resolution)
    spec = SensitivitySpec(
        method=method,
        trajectories=trajectories,
        levels=levels,
        samples=samples,
        seed=seed,
        detail=detail,
    )
    study = study_of(scenario, spec, dataset, reference)
    records: dict[int, dict[str, object]] = {}

    def keep(outcome: Outcome) -> None:
        records[outcome.index] = {"run": outcome.index, **outcome.record}
        records[outcome.index].pop("point", None)
        if progress is not None:
            progress(len(records), len(study.points))
        if not keep_going and outcome.record["status"] != "optimal":
            raise ScenarioError(failure(study, outcome.index, outcome.record, 1, None))

    total = len(study.points)
    try:
        execute(study, range(total), keep, workers=workers, scheduler=scheduler, dataset=dataset)
    except KeyboardInterrupt:  # keep the finished points (no indices without all)
        raise Interrupted(_frame(records), len(records), total) from None
    return finish(study, _frame(records), dataset)


def failure(
    study: Study, n: int, record: dict[str, Any] | pd.Series, failed: int, total: int | None
) -> str:
    """What to say when design point ``n`` did not solve (``failed`` of ``total`` did not)."""
    where = ", ".join(f"{f}={study.points[n][f]:.3f}" for f in study.factor_names)
    count = f" ({failed} of {total} points did not)" if total is not None else ""
    return (
        f"sensitivity: design point {n} ({where}) did not solve: {record['status']}{count}. "
        "Every point is needed for the indices; check that the scenario solves at the low "
        'and high ends of the data ranges, or use [targets] mode = "elastic".'
    )


def _frame(records: dict[int, dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame([records[i] for i in sorted(records)])


def finish(study: Study, runs: pd.DataFrame, dataset: Dataset) -> Sensitivity:
    """The indices of a finished design (``runs``: one row per point, in order)."""
    spec = study.sensitivity
    assert spec is not None
    by_name = {f.name: f for f in factors(dataset, study.scenario, spec.detail)}
    active = [by_name[n] for n in study.factor_names]
    levels_run = np.array([[p[n] for n in study.factor_names] for p in study.points])
    reference = study.reference.name if study.reference is not None else ""
    failed = runs[runs["status"] != "optimal"]
    if not failed.empty:
        n = int(failed.index[0])
        problem = failure(study, n, failed.iloc[0], len(failed), len(runs))
        empty = pd.DataFrame(columns=["output", "factor"])
        table = factor_table(active)
        return Sensitivity(
            spec.method, table, runs, empty, study.skipped, study.scenario.name, reference, problem
        )
    # net CO2 is unique only where every point got the least-CO2 second solve
    everywhere = "co2" if (runs["tie_break"] == "co2").all() else "none"
    outcome_columns = unique_outputs(list(runs.columns), everywhere)
    indices = analyse(
        active, spec.method, levels_run, runs[outcome_columns], levels=spec.levels, seed=spec.seed
    )
    return Sensitivity(
        spec.method,
        factor_table(active),
        runs,
        indices,
        study.skipped,
        study.scenario.name,
        reference,
    )


def factor_table(active: Sequence[Factor]) -> pd.DataFrame:
    rows = []
    for f in active:
        lows = [low for _, _, low, _ in f.items]
        highs = [high for _, _, _, high in f.items]
        rows.append(
            {
                "factor": f.name,
                "description": f.description,
                "parameters": len(f.items),
                "parameters_with_range": sum(h > lo for _, _, lo, h in f.items),
                "lowest": min(lows),
                "highest": max(highs),
            }
        )
    return pd.DataFrame(rows)


def plot(result: Sensitivity, folder: Path, top: int = 8) -> list[str]:
    """Bars of the main index per factor, one panel per key output, in English and Chinese
    (``sensitivity.png``, ``sensitivity-zh.png``); the file names written."""
    from model.studies.charts import _both, sensitivity_figure

    return _both(folder, "sensitivity", lambda lang: sensitivity_figure(result, lang, top))
