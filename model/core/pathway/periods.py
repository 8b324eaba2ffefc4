"""From a scenario with ``[path]`` to one set of one-year inputs per period.

Each period t is a model year y_t that stands for n_t years (up to the next
model year). Its inputs are the scenario's one-year inputs with generation
grown from the base year, the target rates that apply in y_t, and, from the
second period on, stock draws allowed at every node that holds stock (their
limit is a linking constraint of :mod:`model.core.pathway.build`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from model.core.config import Scenario
from model.core.inputs import ModelInputs, prepare
from model.core.pathway.growth import growth_rates, stockpiles
from model.core.pathway.settings import PathConfig
from model.data.tables import Dataset
from model.errors import ScenarioError


@dataclass(frozen=True)
class Period:
    """One model year: the years it stands for and its discount weight."""

    year: int
    years: int  # n_t: years the period stands for
    weight: float  # W_t: sum over those years of (1 + r)^-(y - y_1)
    inputs: ModelInputs
    first: bool  # the first model year: stock draws as in the one-year model


@dataclass(frozen=True)
class Path:
    """Everything the multi-year model needs besides its periods' own inputs."""

    periods: tuple[Period, ...]
    config: PathConfig
    discount_rate: float
    stored_share: dict[str, float]  # sigma_i: share of unutilized waste that is stored
    initial_stock_10kt: dict[str, float]  # O_{i,1}: stock at the start, stream unknown
    base_draw_10kt: dict[str, float]  # draw^max_i of the one-year model
    growth_per_yr: dict[tuple[str, str], float]


def discount_weight(first_year: int, year: int, years: int, rate: float) -> float:
    r"""Weight of a period: :math:`W_t = \sum_{y=y_t}^{y_t+n_t-1} (1+r)^{-(y-y_1)}`."""
    return sum((1.0 + rate) ** -(y - first_year) for y in range(year, year + years))


def target_years(dataset: Dataset, scenario: Scenario, cfg: PathConfig) -> dict[str, int]:
    """Year each target group applies from: its set's year in targets.csv, moved as the
    scenario says (``target_years`` per set, else ``target_year_shift``).

    A group rated only by ``[targets] rates`` or ``regions`` (no set) applies
    from the first model year.
    """
    targets = dataset["targets"]
    unknown = sorted(set(cfg.target_years) - set(scenario.targets.sets))
    if unknown:
        raise ScenarioError(
            f"scenario {scenario.name}: path.target_years names {', '.join(unknown)}: expected "
            f"a target set of [targets] sets ({', '.join(scenario.targets.sets) or 'none'})"
        )
    years: dict[str, int] = {}
    for name in scenario.targets.sets:
        for row in targets[targets["target_set"] == name].itertuples():
            stated = int(row.year) + cfg.target_year_shift
            years[str(row.group)] = cfg.target_years.get(name, stated)
    return years


def base_rates(dataset: Dataset) -> dict[tuple[str, str], float]:
    """Base-year utilization rate of each (region, group): base utilized / generated."""
    gen = dataset["generation"]["generation_10kt"].astype(float)
    used = dataset["base_utilization"]["utilized_10kt"].astype(float)
    region = dataset.nodes["region"]
    groups = dataset["target_groups"]
    totals: dict[tuple[str, str], list[float]] = {}
    for row in groups.itertuples():
        for (i, w), g in gen.items():
            if w == row.stream:
                pair = totals.setdefault((str(region[i]), str(row.group)), [0.0, 0.0])
                pair[0] += float(used.get((i, w), 0.0))
                pair[1] += float(g)
    return {k: u / g for k, (u, g) in totals.items() if g > 0}


def rate_in(
    year: int, base_year: int, applies: int, rate: float, base: float, how: str
) -> float | None:
    """The target rate in ``year``: the stated rate from ``applies`` on; before it none
    (hold) or a rate rising linearly from the base-year rate (interpolate)."""
    if year >= applies:
        return rate
    if how == "hold" or applies <= base_year or base >= rate:
        return None
    return base + (rate - base) * max(year - base_year, 0) / (applies - base_year)


def existing_share(year: int, base_year: int, life: int | None) -> float:
    r"""Share of the base year's existing capacity standing in ``year``:
    :math:`\max(0, 1 - (y - y_0) / L)` retiring over L years, 1 without a life."""
    if life is None:
        return 1.0
    return max(0.0, 1.0 - max(year - base_year, 0) / life)


def retired(inputs: ModelInputs, share: float) -> ModelInputs:
    """The inputs with the existing capacity times ``share``. The base-year use floors
    stay: today's uses go on, so what retires is replaced by capacity the model adds
    (or the scenario is infeasible and says so); scaling them down too would let
    retirement lower the cost by freeing the model from today's practice."""
    if share == 1.0:
        return inputs
    return replace(
        inputs,
        capacity_10kt={k: v * share for k, v in inputs.capacity_10kt.items()},
    )


def build_path(dataset: Dataset, scenario: Scenario) -> Path:
    """The periods of a ``[path]`` scenario with their inputs, and the stock data."""
    cfg = scenario.path
    if cfg is None:
        raise ScenarioError(f"scenario {scenario.name}: no [path] section")
    base_year = int(dataset.parameters["base_year"])
    if cfg.years[0] < base_year:
        raise ScenarioError(
            f"scenario {scenario.name}: path.years = {list(cfg.years)}: expected years from "
            f"the base year {base_year} on"
        )
    rate = (
        cfg.discount_rate
        if cfg.discount_rate is not None
        else float(dataset.parameters["annualization_rate"])
    )
    base = prepare(dataset, scenario)
    growth = growth_rates(dataset, cfg.growth, sorted(base.generation_10kt), scenario.name)
    share, stored = stockpiles(dataset, cfg.initial_stock_years)
    first_years = cfg.period_years()[0]
    # the stock the base-year draw shows (utilized above generated) is there at the start
    stock = {
        i: stored.get(i, 0.0) + first_years * base.drawdown_max_10kt.get(i, 0.0)
        for i in set(stored) | set(base.drawdown_max_10kt)
    }
    stock = {i: v for i, v in stock.items() if v > 0}
    applies = target_years(dataset, scenario, cfg)
    start = base_rates(dataset)
    holders = {i for i, s in share.items() if s > 0} | set(stock)
    holders |= {i for i, v in base.drawdown_max_10kt.items() if v > 0}
    periods = []
    for t, (year, years) in enumerate(zip(cfg.years, cfg.period_years(), strict=True)):
        rates = {}
        for (r, g), stated in base.target_rate.items():
            value = rate_in(
                year,
                base_year,
                applies.get(g, cfg.years[0]),
                stated,
                start.get((r, g), 0.0),
                cfg.targets,
            )
            if value is not None and value > 0:
                rates[r, g] = value
        generation = {
            k: v * (1.0 + growth[k]) ** (year - base_year) for k, v in base.generation_10kt.items()
        }
        draws, kept = dict(base.drawdown_max_10kt), dict(base.drawdown_floor_10kt)
        if t > 0:  # any node with stock may draw; the limit is set in build.py
            draws = {i: max(draws.get(i, 0.0), 1.0) for i in sorted(holders & set(base.nodes))}
            # the base year's draw is a fact of that year, not a practice the stock can keep
            # up for ever: later years keep each stream's base-year rate, not the draw
            kept = {}
        inputs = replace(
            base,
            generation_10kt=generation,
            target_rate=rates,
            drawdown_max_10kt=draws,
            drawdown_floor_10kt=kept,
        )
        inputs = retired(inputs, existing_share(year, base_year, cfg.existing_life_years))
        weight = discount_weight(cfg.years[0], year, years, rate)
        periods.append(Period(year, years, weight, inputs, first=t == 0))
    return Path(
        periods=tuple(periods),
        config=cfg,
        discount_rate=rate,
        stored_share=share,
        initial_stock_10kt=stock,
        base_draw_10kt={i: v for i, v in base.drawdown_max_10kt.items() if v > 0},
        growth_per_yr=growth,
    )
