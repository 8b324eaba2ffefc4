"""Consistency checks across the data files.

Each check returns :class:`~model.errors.Problem` records naming file, row,
column, value and what was expected, in the manner of PyPSA's consistency
checks. Row-level checks (types, ranges, duplicates) are in :mod:`model.data.tables`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from model.data.schema import TABLES
from model.data.totals import base_year_totals, check_total_rows
from model.errors import Problem

REQUIRED_PARAMETERS = ("base_year", "circuity_factor")
TOTAL_TOLERANCE = 0.005
"""Largest relative gap between a node's stream generation and its reported total."""


def _refs(
    frames: dict[str, pd.DataFrame],
    table: str,
    column: str,
    target: str,
    known: Iterable[str],
    what: str,
) -> list[Problem]:
    frame = frames[table]
    known_set = set(known)
    return [
        Problem(f"{table}.csv", int(row), column, str(value), f"a {what} listed in {target}")
        for value, row in zip(frame[column].tolist(), frame["_row"].tolist(), strict=True)
        if value not in known_set
    ]


def check_references(
    frames: dict[str, pd.DataFrame], rejected: frozenset[str] = frozenset()
) -> list[Problem]:
    """Every id used in one file is defined in the file that owns it.

    References into a file in ``rejected`` (one with rows already reported) are not
    checked: they would name, once more, every use of a row that was refused.
    """
    nodes = frames["nodes"]["node"]
    provinces = set(frames["nodes"]["province"].replace("", pd.NA).dropna()) or set(nodes)
    streams = frames["streams"]["stream"]
    pathways = frames["pathways"]["pathway"]
    regions = frames["regions"]["region"]
    groups = frames["target_groups"]["group"]
    checks = [
        ("nodes", "region", "regions.csv", regions, "region"),
        ("storage", "stream", "streams.csv", streams, "stream"),
        ("levies", "stream", "streams.csv", streams, "stream"),
        ("target_groups", "stream", "streams.csv", streams, "stream"),
        ("targets", "group", "target_groups.csv", groups, "target group"),
        ("compatibility", "stream", "streams.csv", streams, "stream"),
        ("compatibility", "pathway", "pathways.csv", pathways, "pathway"),
        ("generation", "node", "nodes.csv", nodes, "node"),
        ("generation", "stream", "streams.csv", streams, "stream"),
        ("base_utilization", "node", "nodes.csv", nodes, "node"),
        ("base_utilization", "stream", "streams.csv", streams, "stream"),
        ("capacity", "node", "nodes.csv", nodes, "node"),
        ("capacity", "pathway", "pathways.csv", pathways, "pathway"),
        ("province_totals", "node", "nodes.csv", provinces, "province"),
        ("estimation/stream_basis", "stream", "streams.csv", streams, "stream"),
        ("estimation/proxies", "node", "nodes.csv", provinces, "province"),
        ("estimation/pathway_mix", "stream", "streams.csv", streams, "stream"),
        ("estimation/pathway_mix", "pathway", "pathways.csv", pathways, "pathway"),
    ]
    problems: list[Problem] = []
    for table, column, target, known, what in checks:
        if target not in rejected:
            problems += _refs(frames, table, column, target, known, what)
    return problems


def check_sources(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Every row that carries a source_id points at a row of sources.csv."""
    known = set(frames["sources"]["source_id"])
    problems: list[Problem] = []
    for spec in TABLES:
        name = spec.file.removesuffix(".csv")
        if name == "sources" or "source_id" not in frames[name].columns:
            continue
        problems += _refs(frames, name, "source_id", "sources.csv", known, "source_id")
    return problems


def check_coverage(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Things the model needs to exist: a storage cost per stream, road, parameters."""
    problems: list[Problem] = []
    have_storage = set(frames["storage"]["stream"])
    for _, row in frames["streams"].iterrows():
        if row["stream"] not in have_storage:
            problems.append(
                Problem(
                    "storage.csv",
                    None,
                    "stream",
                    row["stream"],
                    f"a row for stream {row['stream']!r} (defined in streams.csv)",
                )
            )
    if "road" not in set(frames["modes"]["mode"]):
        problems.append(Problem("modes.csv", None, "mode", "", "a row for mode 'road'"))
    have_params = set(frames["parameters"]["parameter"])
    for name in REQUIRED_PARAMETERS:
        if name not in have_params:
            problems.append(Problem("parameters.csv", None, "parameter", "", f"a row for {name!r}"))
    # Every stream that is generated can go somewhere: a compatible pathway with capacity.
    capacity = frames["capacity"]
    have_plants = set(capacity[capacity["capacity_10kt"] > 0]["pathway"])
    pathways_of: dict[str, set[str]] = {}
    for w, p in zip(
        frames["compatibility"]["stream"], frames["compatibility"]["pathway"], strict=True
    ):
        pathways_of.setdefault(w, set()).add(p)
    generation = frames["generation"]
    for stream in sorted(set(generation[generation["generation_10kt"] > 0]["stream"])):
        if not pathways_of.get(stream, set()) & have_plants:
            takes = ", ".join(sorted(pathways_of.get(stream, set()))) or "none"
            problems.append(
                Problem(
                    "capacity.csv",
                    None,
                    "pathway",
                    stream,
                    f"capacity somewhere for a pathway that takes {stream} ({takes})",
                )
            )
    compatible = set(frames["compatibility"]["pathway"])
    for _, row in frames["pathways"].iterrows():
        if row["pathway"] not in compatible:
            problems.append(
                Problem(
                    "pathways.csv",
                    int(row["_row"]),
                    "pathway",
                    row["pathway"],
                    "at least one compatible stream in compatibility.csv",
                )
            )
    return problems


def check_ranges(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """A central value lies within its stated low-high range."""
    specs = [
        (
            "storage",
            "storage_cost_cny_per_t",
            "storage_cost_low_cny_per_t",
            "storage_cost_high_cny_per_t",
        ),
        ("pathways", "opex_cny_per_t", "opex_low_cny_per_t", "opex_high_cny_per_t"),
        ("modes", "cost_cny_per_tkm", "cost_low_cny_per_tkm", "cost_high_cny_per_tkm"),
        ("compatibility", "revenue_cny_per_t", "revenue_low_cny_per_t", "revenue_high_cny_per_t"),
        (
            "compatibility",
            "avoided_co2_t_per_t",
            "avoided_co2_low_t_per_t",
            "avoided_co2_high_t_per_t",
        ),
    ]
    problems = []
    for table, mid, low, high in specs:
        frame = frames[table]
        columns = (frame[c].tolist() for c in ("_row", mid, low, high))
        for r, m, lo, hi in zip(*columns, strict=True):
            if not lo <= m <= hi:
                problems.append(
                    Problem(
                        f"{table}.csv",
                        int(r),
                        mid,
                        str(m),
                        f"a value within [{low}, {high}] = [{lo}, {hi}]",
                    )
                )
    return problems


def check_dictionary(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """columns.csv documents every column of every file."""
    documented = set(zip(frames["columns"]["file"], frames["columns"]["column"], strict=True))
    problems = []
    for spec in TABLES:
        for column in spec.row.model_fields:
            if (spec.file, column) not in documented:
                problems.append(
                    Problem(
                        "columns.csv",
                        None,
                        "column",
                        f"{spec.file}:{column}",
                        "a row documenting this column (file, column, unit, meaning)",
                    )
                )
    return problems


def check_totals(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """A node's stream generation adds up to its base-year total in province_totals.csv."""
    params = frames["parameters"].set_index("parameter")["value"]
    if "base_year" not in params.index:
        return []
    year = int(params["base_year"])
    totals = base_year_totals(frames["province_totals"], year, "generated_10kt")
    nodes = frames["nodes"]
    to_province = {
        n: (p if isinstance(p, str) and p else n)
        for n, p in zip(nodes["node"], nodes["province"], strict=True)
    }
    generation = (
        frames["generation"]
        .assign(node=lambda f: f["node"].map(to_province))
        .groupby("node")["generation_10kt"]
        .sum()
    )
    problems = []
    for _, row in totals.iterrows():
        stated = float(row["generated_10kt"])
        summed = float(generation.get(row["node"], 0.0))
        if abs(summed - stated) > TOTAL_TOLERANCE * max(stated, 1.0):
            problems.append(
                Problem(
                    "generation.csv",
                    None,
                    "generation_10kt",
                    f"{row['node']}: sum {summed:.1f}",
                    f"the streams of {row['node']} to add up to its {year} total "
                    f"{stated:.1f} (province_totals.csv row {int(row['_row'])}) "
                    f"within {TOTAL_TOLERANCE:.1%}",
                )
            )
    return problems


def check_base_utilization(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Base-year utilization of a stream at a node does not exceed its generation."""
    generation = frames["generation"]
    gen = dict(
        zip(
            zip(generation["node"], generation["stream"], strict=True),
            generation["generation_10kt"].tolist(),
            strict=True,
        )
    )
    used = frames["base_utilization"]
    problems = []
    for r, node, stream, utilized in zip(
        *(used[c].tolist() for c in ("_row", "node", "stream", "utilized_10kt")), strict=True
    ):
        g = float(gen.get((node, stream), 0.0))
        if utilized > g * (1 + 1e-6) + 1e-6:
            problems.append(
                Problem(
                    "base_utilization.csv",
                    int(r),
                    "utilized_10kt",
                    str(utilized),
                    f"at most the generation of {node}/{stream} in generation.csv ({g})",
                )
            )
    return problems


def check_estimation(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """The estimation inputs are complete and consistent.

    Each stream's use mix adds up to 1 and names only compatible pathways; each
    group lists known provinces. (The proxies are checked by :func:`check_proxies`.)
    """
    problems = []
    mix = frames["estimation/pathway_mix"]
    compatible = set(
        zip(frames["compatibility"]["stream"], frames["compatibility"]["pathway"], strict=True)
    )
    for _, row in mix.iterrows():
        if (row["stream"], row["pathway"]) not in compatible:
            problems.append(
                Problem(
                    "estimation/pathway_mix.csv",
                    int(row["_row"]),
                    "pathway",
                    row["pathway"],
                    f"a pathway compatible with {row['stream']} (compatibility.csv)",
                )
            )
    for stream, total in mix.groupby("stream")["share"].sum().items():
        if abs(total - 1.0) > 1e-3:
            problems.append(
                Problem(
                    "estimation/pathway_mix.csv",
                    None,
                    "share",
                    f"{stream}: {total:.3f}",
                    f"the shares of {stream} to add up to 1",
                )
            )
    nodes = frames["nodes"]
    provinces = set(nodes["province"].replace("", pd.NA).dropna()) or set(nodes["node"])
    for _, row in frames["estimation/group_totals"].iterrows():
        for member in str(row["nodes"]).split(";"):
            if member not in provinces:
                problems.append(
                    Problem(
                        "estimation/group_totals.csv",
                        int(row["_row"]),
                        "nodes",
                        member,
                        "a province listed in nodes.csv",
                    )
                )
    return problems


PROXY_UNITS = {
    "crude_steel": "10^4 t",
    "raw_coal": "10^4 t",
    "thermal_power": "10^8 kWh",
    "red_mud": "10^4 t",
    "alumina": "10^4 t",
    "phosphogypsum_share": "share of national stock",
}
"""The unit each proxy's value must be in: the coefficients that use it assume it."""


def check_proxies(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Every coefficient the estimates use exists; each proxy is in its unit and, where
    it is read as a share of a national total, that total exists for its year."""
    from model.data.estimate import NATIONAL, REQUIRED_COEFFICIENTS

    coefficients = set(frames["estimation/coefficients"]["coefficient"])
    problems = [
        Problem(
            "estimation/coefficients.csv",
            None,
            "coefficient",
            name,
            f"a row for {name} (the estimates use it; see data/regions/README.md)",
        )
        for name in REQUIRED_COEFFICIENTS
        if name not in coefficients
    ]
    for _, row in frames["estimation/proxies"].iterrows():
        proxy, where = row["proxy"], int(row["_row"])
        unit = PROXY_UNITS.get(proxy)
        if unit is not None and row["unit"] != unit:
            problems.append(
                Problem("estimation/proxies.csv", where, "unit", row["unit"], f"{unit} for {proxy}")
            )
        if proxy in NATIONAL:
            name = NATIONAL[proxy].format(year=int(row["year"]))
            if name not in coefficients:
                prefix = NATIONAL[proxy].split("{year}")[0]
                have = sorted(c for c in coefficients if c.startswith(prefix))
                problems.append(
                    Problem(
                        "estimation/proxies.csv",
                        where,
                        "year",
                        str(int(row["year"])),
                        f"a year with a national total {name} in estimation/coefficients.csv "
                        f"(there: {', '.join(have) or 'none'})",
                    )
                )
    return problems


CROSS_CHECKS: tuple[tuple[Callable[[dict[str, pd.DataFrame]], list[Problem]], set[str]], ...] = (
    (check_sources, {"sources.csv"}),
    (
        check_coverage,
        {"streams.csv", "storage.csv", "modes.csv", "parameters.csv", "capacity.csv"}
        | {"compatibility.csv", "generation.csv", "pathways.csv"},
    ),
    (check_ranges, set()),
    (check_dictionary, {"columns.csv"}),
    (check_estimation, {"compatibility.csv", "nodes.csv", "estimation/pathway_mix.csv"}),
    (check_proxies, {"estimation/coefficients.csv"}),
    (check_totals, {"generation.csv", "province_totals.csv", "nodes.csv", "parameters.csv"}),
    (lambda frames: check_total_rows(frames["province_totals"]), set()),
    (check_base_utilization, {"generation.csv", "base_utilization.csv"}),
)
"""Each cross-file check with the files it reads beyond the rows it reports."""


YEAR_COLUMNS = {
    "province_totals": ("year",),
    "estimation/stream_basis": ("generation_year", "rate_year"),
    "estimation/proxies": ("year",),
    "estimation/group_totals": ("year",),
    "estimation/city_figures": ("year",),
    "estimation/prefecture_proxies": ("year",),
}
"""Tables whose rows carry the year of their figures (targets.csv's year is a target year)."""


def other_year_rows(frames: dict[str, pd.DataFrame]) -> list[tuple[str, str, int, str]]:
    """Rows whose figures are of a year other than the base year.

    One entry per file, column and year: (file, column, year, row numbers as ranges).
    Not an error: such rows are used as their notes say (a 2018 stream split, a
    2020 proxy); ``wastealloc validate`` lists them so none goes unnoticed.
    """
    params = frames["parameters"].set_index("parameter")["value"]
    if "base_year" not in params.index:
        return []
    base = int(params["base_year"])
    out = []
    for name, columns in YEAR_COLUMNS.items():
        frame = frames[name]
        for column in columns:
            years = frame[column].dropna().astype(int)
            for year in sorted(set(years) - {base}):
                rows = sorted(int(r) for r in frame.loc[years[years == year].index, "_row"])
                out.append((f"{name}.csv", column, year, _ranges(rows)))
    return out


def _ranges(rows: list[int]) -> str:
    """[2, 3, 4, 7] -> '2-4, 7'."""
    spans: list[list[int]] = []
    for r in rows:
        if spans and r == spans[-1][1] + 1:
            spans[-1][1] = r
        else:
            spans.append([r, r])
    return ", ".join(f"{a}-{b}" if b > a else f"{a}" for a, b in spans)


def check_dataset(
    frames: dict[str, pd.DataFrame], rejected: frozenset[str] = frozenset()
) -> list[Problem]:
    """Run every cross-file check on frames that passed row validation.

    ``rejected`` names the files that had rows rejected (or could not be read):
    a check that reads such a file waits until those problems are fixed, since it
    would report as wrong what is only missing (a sum short by a refused row, a
    pathway without the capacity rows a stray quote swallowed).
    """
    problems = check_references(frames, rejected)
    for check, reads in CROSS_CHECKS:
        if not reads & rejected:
            problems += check(frames)
    return problems
