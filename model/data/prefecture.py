"""The prefecture-level tables: each province's tables split among its prefectures.

Run by ``wastealloc data build`` (``model.data.build.write_build``) where a
``prefecture/`` folder with a node table exists. Generation is split by one share
per prefecture: reported city figures (``estimation/city_figures.csv``) as
amounts, the rest of the province by 2020 census population, else by area.
Base utilization is matched per prefecture to its own total (a reported city
utilization, else the province's remainder rate), and capacity is that
utilization through the use mix, as for a province. The method and its measured
error are in ``data/regions/README.md`` (Prefecture level).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from model.data.capacity import utilization_and_capacity
from model.data.estimate import EST_PREFECTURE, Frames, _parameters, read_inputs
from model.errors import DataError, Problem


def prefecture_shares(
    nodes: pd.DataFrame, frames: Frames, totals: pd.DataFrame, label: str = "data"
) -> pd.DataFrame:
    """Share of its province's generation for each prefecture-level unit, with the basis.

    Prefectures with a reported figure (any year, ``estimation/city_figures.csv``)
    keep it as an absolute amount (scaled down if together they would exceed 90%
    of the province). The rest of the province is split among its other
    prefectures by resident population (``estimation/prefecture_proxies.csv``)
    where every one of them has a figure, else by land area: one basis per
    province, never a mix. Both are placeholders for an industrial statistic.
    """
    cities = frames["estimation/city_figures"].set_index("node")
    proxies = frames["estimation/prefecture_proxies"]
    population = proxies[proxies["proxy"] == "population"].set_index("node")["value"]
    known = set(nodes["node"])
    unknown = [
        Problem(
            f"estimation/{name}.csv", int(row), "node", str(n), "a node of prefecture/nodes.csv"
        )
        for name, table in (("city_figures", cities.reset_index()), ("prefecture_proxies", proxies))
        for n, row in zip(table["node"], table["_row"], strict=True)
        if n not in known
    ]
    if unknown:
        raise DataError(label, unknown)
    year_totals = totals.set_index("node")["generated_10kt"]
    rows = []
    for province, part in nodes.groupby("province", sort=False):
        total = float(year_totals[province])
        fixed = {
            n: float(cities.loc[n, "generated_10kt"]) for n in part["node"] if n in cities.index
        }
        fixed_sum = sum(fixed.values())
        scale = min(1.0, 0.9 * total / fixed_sum) if fixed_sum > 0 else 1.0
        rest = total - fixed_sum * scale
        free = part[~part["node"].isin(fixed)]
        if free.empty and rest > 1e-9:
            raise DataError(
                label,
                [
                    Problem(
                        "estimation/city_figures.csv",
                        None,
                        "node",
                        province,
                        f"at least one unit of {province} without a city figure, to take the "
                        f"remainder of the province ({rest:.1f} x10^4 t); or city figures that "
                        "add up to the province total",
                    )
                ],
            )
        if len(part) == 1 and not fixed:
            weight = pd.Series([1.0], index=free.index)
            how = "the whole province (a single unit)"
        elif len(free) and free["node"].isin(population.index).all():
            weight = free["node"].map(population).astype(float)
            how = "remainder of the province by 2020 census population"
        else:
            weight = free["area_km2"].astype(float)
            how = "remainder of the province by area"
        weight_of = dict(zip(free["node"], weight, strict=True))
        weight_sum = float(weight.sum())
        for node in part["node"]:
            if node in fixed:
                amount = fixed[node] * scale
                year = int(cities.loc[node, "year"])
                basis = f"reported city figure ({year})" + (
                    f" scaled by {scale:.3f}" if scale < 1 else ""
                )
            else:
                amount = rest * weight_of[node] / weight_sum if weight_sum > 0 else 0.0
                basis = how
            rows.append((node, province, amount / total if total > 0 else 0.0, basis))
    return pd.DataFrame(rows, columns=["node", "province", "share", "basis"])


def prefecture_nodes(data_dir: Path) -> pd.DataFrame:
    """The validated prefecture node table; only that file is read."""
    from dataclasses import replace

    from model.data.schema import TABLE_BY_FILE
    from model.data.tables import read_table

    problems: list[Problem] = []
    nodes = read_table(data_dir / "prefecture" / "nodes.csv", TABLE_BY_FILE["nodes.csv"], problems)
    if problems:
        raise DataError(str(data_dir), [replace(p, file=f"prefecture/{p.file}") for p in problems])
    return nodes


def build_prefecture(
    frames: Frames, tables: dict[str, pd.DataFrame], label: str = "data"
) -> dict[str, pd.DataFrame]:
    """Prefecture-level generation, base utilization and capacity from the province tables.

    Generation is the province's by stream times the prefecture's share
    (``prefecture_shares``). Utilization is matched per prefecture, as for a
    province (``base_utilization``), to the prefecture's own total
    (``prefecture_totals``); capacity is that utilization through the use mix.
    """
    from dataclasses import replace

    from model.data.totals import base_year_totals, shared_by_generation, stock_drawn

    year = int(_parameters(frames)["base_year"])
    totals = base_year_totals(tables["province_totals"], year, "generated_10kt")
    nodes = frames["prefecture/nodes"]
    shares = prefecture_shares(nodes, frames, totals, label)
    generation = shares.merge(
        tables["generation"].rename(columns={"node": "province"}), on="province"
    )
    generation["generation_10kt"] = generation["generation_10kt"] * generation["share"]
    generation["source_id"] = EST_PREFECTURE
    generation["note"] = "province value x share: " + generation["basis"]
    generation = generation[generation["generation_10kt"] > 0]
    own = prefecture_totals(shares, frames["estimation/city_figures"], totals)
    inputs = replace(read_inputs(frames, totals, label), totals=own)
    drawn = shared_by_generation(
        stock_drawn(totals),
        generation.groupby("node")["generation_10kt"].sum(),
        nodes.set_index("node")["province"],
    )
    out = utilization_and_capacity(
        frames, inputs, generation[tables["generation"].columns], nodes["node"].tolist(), drawn
    )
    notes = own["note"].to_dict()
    out["base_utilization"]["source_id"] = EST_PREFECTURE
    out["base_utilization"]["note"] = out["base_utilization"]["node"].map(notes)
    out["capacity"]["source_id"] = EST_PREFECTURE
    return out


def prefecture_totals(
    shares: pd.DataFrame, cities: pd.DataFrame, totals: pd.DataFrame
) -> pd.DataFrame:
    """Generated and utilized (own generation) per prefecture, with a note on the basis.

    A prefecture with a reported utilized figure keeps it (times the scale of its
    generated figure); the other prefectures of the province share the remainder at
    one rate: (U_own - sum of reported U) / (G - their generated), where U_own =
    min(U, G) is the province's utilization of its own generation (the rest of U
    was drawn from earlier stockpiles).
    """
    province = totals.set_index("node")
    reported = cities.dropna(subset=["utilized_10kt"]).set_index("node")
    rows = []
    for name, part in shares.groupby("province", sort=False):
        gen_total = float(province.loc[name, "generated_10kt"])
        used_total = min(float(province.loc[name, "utilized_10kt"]), gen_total)
        gen = part.set_index("node")["share"] * gen_total
        known = [n for n in gen.index if n in reported.index]
        used = {
            n: min(
                float(reported.loc[n, "utilized_10kt"])
                * gen[n]
                / float(reported.loc[n, "generated_10kt"]),
                gen[n],
            )
            for n in known
        }
        rest_gen = float(gen.drop(index=known).sum())
        rest_rate = (used_total - sum(used.values())) / rest_gen if rest_gen > 0 else 0.0
        rest_rate = min(max(rest_rate, 0.0), 1.0)
        for n, g in gen.items():
            if n in used:
                note = f"reported city utilization ({int(reported.loc[n, 'year'])}) matched"
                rows.append((n, g, used[n], note))
            else:
                note = f"province remainder rate {rest_rate:.3f} matched"
                rows.append((n, g, g * rest_rate, note))
    frame = pd.DataFrame(rows, columns=["node", "generated_10kt", "utilized_10kt", "note"])
    frame["note"] = frame["note"] + " by national stream rates x a prefecture factor"
    return frame.set_index("node")
