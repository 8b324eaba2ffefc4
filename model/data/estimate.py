"""Estimates that fill the gaps of the statistics: province totals, stream split, capacity.

Run by ``wastealloc data build``; writes ``province_totals.csv`` (estimated rows),
``generation.csv``, ``base_utilization.csv`` and ``capacity.csv`` (and their
prefecture-level versions) from the statistics and the documented inputs in
``data/regions/estimation/``. The method is described in ``data/regions/README.md``;
every row written carries status ``estimated`` and the source id of that method.

Province total, where no statistic exists: national generation x the province's
*proxy share* x a factor calibrated on the provinces with a reported total. The
proxy share is the province's share of the national tonnage of the streams that
have an industrial proxy::

    share_i = sum_k w_k (P_k,i / P_k,national(y_k,i)) / sum_k w_k,   w_k = c_k P_k,national

with k = thermal power (fly ash and FGD gypsum), raw coal (coal gangue) and crude
steel (steel and blast-furnace slag), c_k the tonnes of waste per unit of output,
y_k,i the year of the province's figure (a 2022 raw-coal figure is read against
the 2022 national total) and w_k taken in the reference year of ``WEIGHT_YEAR``.

Stream split of a province with total G (10^4 t):

1. Streams with a provincial proxy are fixed first: fly ash and FGD gypsum from
   thermal power generation, steel slag and blast-furnace slag from crude steel
   output, coal gangue from raw coal output, phosphogypsum from the province's
   share of national stock, red mud where a reported figure exists. If they
   exceed ``fixed_share_cap`` x G they are scaled down to it.
2. The rest of G is split among tailings, nonferrous slag and other in the
   proportions of their national generation.

Base-year utilization and capacity follow from these in :mod:`model.data.capacity`;
:func:`model.data.build.build_from` runs the whole province build.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from model.errors import DataError, Problem

EST_GENERATION = "wastealloc_est_generation"
EST_CAPACITY = "wastealloc_est_capacity"
EST_PREFECTURE = "wastealloc_est_prefecture"
REST_STREAMS = ("tailings", "nonferrous_slag", "other")

Frames = dict[str, pd.DataFrame]
"""Validated tables keyed by file stem, as returned by ``model.data.tables.load_tables``."""

# stream -> (proxy, coefficient giving 10^4 t of the stream per unit of the proxy)
PROXY_STREAMS = {
    "fly_ash": ("thermal_power", "fly_ash_per_thermal_power"),
    "desulfurization_gypsum": ("thermal_power", "fgd_gypsum_per_thermal_power"),
    "steel_slag": ("crude_steel", "steel_slag_per_crude_steel"),
    "blast_furnace_slag": ("crude_steel", "blast_furnace_slag_per_crude_steel"),
    "coal_gangue": ("raw_coal", "gangue_per_raw_coal"),
}
# proxy -> name of the coefficient holding its national total, by year ("{year}")
NATIONAL = {
    "thermal_power": "national_thermal_power_{year}",
    "raw_coal": "national_raw_coal_{year}_10kt",
    "crude_steel": "national_crude_steel_{year}_10kt",
}
# the year of the national total that weighs each proxy in the proxy share
WEIGHT_YEAR = {"thermal_power": 2020, "raw_coal": 2020, "crude_steel": 2019}
# every coefficient the estimates read by name (checked by ``model.data.checks``)
REQUIRED_COEFFICIENTS = (
    *sorted({k for _, k in PROXY_STREAMS.values()} - {"blast_furnace_slag_per_crude_steel"}),
    "ferrous_slag_per_crude_steel",
    "fixed_share_cap",
    "other_national_10kt",
    "expansion_share",
    "carry_over_years",
    "red_mud_per_alumina",
    *(NATIONAL[p].format(year=y) for p, y in WEIGHT_YEAR.items()),
)


@dataclass(frozen=True)
class EstimationInputs:
    totals: pd.DataFrame  # node -> generated_10kt, utilized_10kt (base year)
    basis: pd.DataFrame  # stream -> national_generation_10kt, national_rate
    proxies: pd.DataFrame  # node, proxy, year, value
    coefficients: dict[str, float]
    mix: pd.DataFrame  # stream, pathway, share


def coefficients(frames: Frames) -> dict[str, float]:
    """The estimation coefficients by name, with the blast-furnace slag ratio derived."""
    table = frames["estimation/coefficients"]
    c = {str(k): float(v) for k, v in zip(table["coefficient"], table["value"], strict=True)}
    c["blast_furnace_slag_per_crude_steel"] = (
        c["ferrous_slag_per_crude_steel"] - c["steel_slag_per_crude_steel"]
    )
    return c


def _parameters(frames: Frames) -> pd.Series:
    table = frames["parameters"]
    return pd.Series(table["value"].to_numpy(), index=table["parameter"])


def _weights(c: dict[str, float]) -> dict[str, float]:
    """National tonnage (10^4 t) of the streams each proxy drives: its weight in the share."""
    weights: dict[str, float] = {}
    for proxy, coefficient in PROXY_STREAMS.values():
        national = c[NATIONAL[proxy].format(year=WEIGHT_YEAR[proxy])]
        weights[proxy] = weights.get(proxy, 0.0) + c[coefficient] * national
    return weights


def proxy_share(proxies: pd.DataFrame, c: dict[str, float], node: str) -> float:
    """The node's share of the national tonnage of the proxy-driven streams.

    share = sum_k w_k (P_k,node / P_k,national) / sum_k w_k, with w_k the national
    tonnage of the streams proxy k drives (``_weights``); the national total of a
    proxy is taken in the year of the node's figure. A proxy not found for the node
    counts as 0, an underestimate the README names.
    """
    rows = proxies[proxies["node"] == node].set_index("proxy")
    weights = _weights(c)
    share = 0.0
    for proxy, weight in weights.items():
        if proxy in rows.index:
            year = int(rows.loc[proxy, "year"])
            national = c[NATIONAL[proxy].format(year=year)]
            share += weight * float(rows.loc[proxy, "value"]) / national
    return share / sum(weights.values())


def estimate_totals(frames: Frames) -> pd.DataFrame:
    """Base-year generated and utilized totals for every node, reported where possible.

    Generation: the base-year statistic; else one of another year within
    ``carry_over_years``; else national generation x the node's proxy share x a
    factor that makes the proxy share reproduce the provinces with a reported
    base-year total. Utilization rate: the base-year statistic; else the nearest
    year's within the same window; else the national base-year rate.
    """
    params = _parameters(frames)
    year = int(params["base_year"])
    national_gen = float(params["national_generated_10kt"])
    national_rate = float(params["national_utilized_10kt"]) / national_gen
    c = coefficients(frames)
    window = int(c["carry_over_years"])
    proxies = frames["estimation/proxies"]
    totals = frames["province_totals"].drop(columns="_row")
    known = totals[totals["status"] != "estimated"]
    nodes = frames["nodes"]["node"].tolist()

    def nearest(node: str, column: str) -> tuple[float, int] | None:
        rows = known[(known["node"] == node) & known[column].notna()].copy()
        rows["gap"] = (rows["year"] - year).abs()
        rows = rows[rows["gap"] <= window].sort_values(["gap", "year"])
        if rows.empty:
            return None
        return float(rows[column].iloc[0]), int(rows["year"].iloc[0])

    calib = [
        (float(r["generated_10kt"]), proxy_share(proxies, c, r["node"]) * national_gen)
        for _, r in known[(known["year"] == year) & known["generated_10kt"].notna()].iterrows()
    ]
    calib = [(g, p) for g, p in calib if p > 0]
    factor = sum(g for g, _ in calib) / sum(p for _, p in calib) if calib else 1.0
    rows = []
    for node in nodes:
        gen = nearest(node, "generated_10kt")
        if gen is not None and gen[1] == year:
            generated, gnote = gen[0], "reported"
        elif gen is not None:
            generated, gnote = gen[0], f"generated carried over from {gen[1]}"
        else:
            share = proxy_share(proxies, c, node)
            generated = national_gen * share * factor
            gnote = (
                f"generated = national x proxy share {share:.4f} x factor "
                f"{factor:.3f} (method in README)"
            )
        rate_row = nearest(node, "utilization_rate")
        used_row = nearest(node, "utilized_10kt")
        if used_row is not None and used_row[1] == year and gen is not None and gen[1] == year:
            utilized, unote = used_row[0], "reported"
        elif rate_row is not None:
            utilized = generated * min(rate_row[0], 1.0)
            unote = f"rate {rate_row[0]:.3f} from {rate_row[1]}"
        else:
            utilized = generated * national_rate
            unote = f"national {year} rate {national_rate:.3f}"
        both_reported = gnote == "reported" and unote == "reported"
        rows.append(
            {
                "node": node,
                "year": year,
                "generated_10kt": round(generated, 1),
                "utilized_10kt": round(utilized, 1),
                "disposed_10kt": None,
                "stored_10kt": None,
                "utilization_rate": round(utilized / generated, 4) if generated else None,
                "status": "reported" if both_reported else "estimated",
                "source_id": EST_GENERATION,
                "note": f"{gnote}; utilized: {unote}",
                "_gen_reported": gnote == "reported",
            }
        )
    base = pd.DataFrame(rows)
    base = _apply_group_totals(base, frames["estimation/group_totals"], national_gen)
    base = base[base["status"] == "estimated"].drop(columns="_gen_reported")
    keep = totals[totals["status"] != "estimated"]
    return pd.concat([keep, base], ignore_index=True)


def _apply_group_totals(
    base: pd.DataFrame, groups: pd.DataFrame, national_gen: float
) -> pd.DataFrame:
    """Rescale the composite estimates of a group so the group reaches its reported share.

    Members with a reported or carried-over figure keep it; only members estimated
    by the composite are scaled, keeping their utilization rates. A group with two
    or more members reported for the base year is left alone: the composite factor,
    calibrated on every reported province, then carries more information than an
    old group share, and the residual of a mostly reported group is unstable.
    """
    base = base.copy()
    for _, g in groups.iterrows():
        members = str(g["nodes"]).split(";")
        target = float(g["share_of_national"]) * national_gen
        in_group = base["node"].isin(members)
        if int((in_group & base["_gen_reported"]).sum()) >= 2:
            continue
        composite = in_group & base["note"].str.startswith("generated = national")
        fixed = float(base.loc[in_group & ~composite, "generated_10kt"].sum())
        free = float(base.loc[composite, "generated_10kt"].sum())
        if free <= 0 or target <= fixed:
            continue
        factor = (target - fixed) / free
        rate = base.loc[composite, "utilized_10kt"] / base.loc[composite, "generated_10kt"]
        base.loc[composite, "generated_10kt"] = (
            base.loc[composite, "generated_10kt"] * factor
        ).round(1)
        base.loc[composite, "utilized_10kt"] = (base.loc[composite, "generated_10kt"] * rate).round(
            1
        )
        base.loc[composite, "note"] = base.loc[composite, "note"] + (
            f"; scaled by {factor:.3f} so that {g['group']} is "
            f"{float(g['share_of_national']):.0%} of the national total"
        )
    return base


def read_inputs(frames: Frames, totals: pd.DataFrame, data_dir: str = "data") -> EstimationInputs:
    """Collect the estimation inputs; fail with the file and node of a missing total."""
    year = int(_parameters(frames)["base_year"])
    totals = totals[(totals["year"] == year) & totals["generated_10kt"].notna()]
    totals = totals.drop_duplicates("node", keep="first").set_index("node")
    nodes = frames["nodes"]["node"].tolist()
    problems = [
        Problem(
            "province_totals.csv",
            None,
            "generated_10kt",
            node,
            f"a {year} total (reported or estimated) for {node}",
        )
        for node in nodes
        if node not in totals.index or pd.isna(totals.loc[node, "generated_10kt"])
    ]
    if problems:
        raise DataError(data_dir, problems)
    return EstimationInputs(
        totals=totals.loc[nodes],
        basis=frames["estimation/stream_basis"].set_index("stream"),
        proxies=frames["estimation/proxies"],
        coefficients=coefficients(frames),
        mix=frames["estimation/pathway_mix"],
    )


def _proxy(inputs: EstimationInputs, node: str, proxy: str) -> float:
    rows = inputs.proxies[(inputs.proxies["node"] == node) & (inputs.proxies["proxy"] == proxy)]
    return float(rows["value"].iloc[0]) if not rows.empty else 0.0


def _proxy_year(inputs: EstimationInputs, node: str, proxy: str) -> int:
    rows = inputs.proxies[(inputs.proxies["node"] == node) & (inputs.proxies["proxy"] == proxy)]
    return int(rows["year"].iloc[0])


def split_streams(inputs: EstimationInputs) -> pd.DataFrame:
    """Generation by node and stream (10^4 t), with a note on how each was made."""
    c = inputs.coefficients
    basis = inputs.basis
    rest_national = {
        w: float(basis.loc[w, "national_generation_10kt"]) for w in REST_STREAMS if w != "other"
    }
    rest_national["other"] = c["other_national_10kt"]
    rest_total = sum(rest_national.values())
    years = "national tonnages of " + "/".join(
        sorted({str(int(basis.loc[w, "generation_year"])) for w in REST_STREAMS if w != "other"})
    )
    pg_national = float(basis.loc["phosphogypsum", "national_generation_10kt"])
    proxy_of = {w: proxy for w, (proxy, _) in PROXY_STREAMS.items()}
    proxy_of |= {"phosphogypsum": "phosphogypsum_share"}
    rows = []
    for node, total in inputs.totals["generated_10kt"].items():
        node = str(node)
        fixed = {w: c[k] * _proxy(inputs, node, proxy) for w, (proxy, k) in PROXY_STREAMS.items()}
        fixed["phosphogypsum"] = pg_national * _proxy(inputs, node, "phosphogypsum_share")
        # red mud: a reported figure where there is one, else alumina output x ratio
        have = set(inputs.proxies[inputs.proxies["node"] == node]["proxy"])
        if "red_mud" in have:
            fixed["red_mud"], proxy_of["red_mud"] = _proxy(inputs, node, "red_mud"), "red_mud"
        else:
            alumina = _proxy(inputs, node, "alumina")
            fixed["red_mud"] = c["red_mud_per_alumina"] * alumina
            proxy_of["red_mud"] = "alumina"
        fixed_sum = sum(fixed.values())
        cap = c["fixed_share_cap"] * float(total)
        scale = min(1.0, cap / fixed_sum) if fixed_sum > 0 else 1.0
        note_scale = f"; proxy streams scaled by {scale:.3f} to {cap:.0f}" if scale < 1 else ""
        for w, v in fixed.items():
            missing = "red mud or alumina figure" if w == "red_mud" else f"{proxy_of[w]} proxy"
            note = (
                f"from provincial proxy ({proxy_of[w]} {_proxy_year(inputs, node, proxy_of[w])})"
                f"{note_scale}"
                if proxy_of[w] in have
                else f"no {missing} found for {node}: 0 is a placeholder"
            )
            rows.append((node, w, v * scale, note))
        rest = float(total) - fixed_sum * scale
        for w, v in rest_national.items():
            rows.append(
                (node, w, rest * v / rest_total, f"national mix of the remainder ({years})")
            )
    frame = pd.DataFrame(rows, columns=["node", "stream", "generation_10kt", "note"])
    frame["status"] = "estimated"
    frame["source_id"] = EST_GENERATION
    return frame[["node", "stream", "generation_10kt", "status", "source_id", "note"]]


INPUT_FILES = frozenset(
    {
        "nodes.csv",
        "parameters.csv",
        "province_totals.csv",
        "compatibility.csv",
        "estimation/stream_basis.csv",
        "estimation/proxies.csv",
        "estimation/coefficients.csv",
        "estimation/pathway_mix.csv",
        "estimation/group_totals.csv",
        "estimation/city_figures.csv",
        "estimation/prefecture_proxies.csv",
    }
)
"""Files the estimates are computed from: their rows are validated before building."""
