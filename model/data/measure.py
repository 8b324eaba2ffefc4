"""The proxy estimates measured against the reported 2021 yearbook figures.

Two comparisons, written by ``wastealloc data build`` next to the estimation
inputs (``data/regions/estimation/``) and quoted in ``data/regions/README.md``:

* ``proxy_vs_reported_2021.csv``: per province, the totals the previous data
  shipped for base year 2020 (``previous_estimates_2020.csv``: proxy share,
  group scaling, carried-over or reported figures) beside the 2021 yearbook
  figures. ratio = old / reported; since the national total grew from 2020 to
  2021, the shares of the national total are compared as well::

      share_ratio_i = (G_old,i / G_national,2020) / (G_2021,i / G_national,2021)

  and the utilization rates in percentage points. The province's share of each
  national proxy (thermal power, raw coal, crude steel; ``proxies.csv``) is given
  so that the failing proxy can be read off.
* ``prefecture_proxy_vs_reported_2021.csv``: per prefecture with a reported 2021
  city figure, the amount a population split of the reported province total would
  have given (its 2020 census share of the province) against the reported figure:
  the error of the proxy that still splits every other prefecture.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from model.data.estimate import NATIONAL, Frames, coefficients

CITY_SOURCE = "nbs_yearbook_2022_cities"
PREVIOUS = "estimation/previous_estimates_2020.csv"
REPORTS = {
    "proxies": "estimation/proxy_vs_reported_2021.csv",
    "prefectures": "estimation/prefecture_proxy_vs_reported_2021.csv",
}


def _old_method(note: str, status: str) -> str:
    if status == "reported":
        return "reported 2020"
    parts = []
    if note.startswith("generated = national"):
        parts.append("proxy share")
    if "carried over" in note:
        parts.append("carried over from " + note.split("carried over from ")[1][:4])
    if "scaled by" in note:
        parts.append("group-scaled")
    rate = "national rate" if "national 2020 rate" in note else "reported rate"
    return ", ".join(parts) + f"; {rate}"


def proxy_vs_reported(frames: Frames, previous: pd.DataFrame) -> pd.DataFrame:
    """Old (2020) province totals against the reported 2021 figures, one row per province.

    ``previous`` is ``estimation/previous_estimates_2020.csv`` (with a ``national`` row).
    """
    from model.data.totals import base_year_totals

    params = frames["parameters"].set_index("parameter")["value"]
    year = int(params["base_year"])
    national_now = float(params["national_generated_10kt"])
    old = previous.set_index("node")
    national_old = float(old.loc["national", "generated_10kt"])
    reported = base_year_totals(frames["province_totals"], year, "generated_10kt").set_index("node")
    proxies = frames["estimation/proxies"]
    c = coefficients(frames)
    rows = []
    for node, name in zip(frames["nodes"]["node"], frames["nodes"]["name_en"], strict=True):
        if node not in reported.index or node not in old.index:
            continue
        o, r = old.loc[node], reported.loc[node]
        g_old, u_old = float(o["generated_10kt"]), float(o["utilized_10kt"])
        g_new, u_new = float(r["generated_10kt"]), float(r["utilized_10kt"])
        rate_new = u_new / max(g_new, u_new)
        row = {
            "node": node,
            "name_en": name,
            "old_method": _old_method(str(o["old_note"]), str(o["old_status"])),
            "old_generated_10kt": g_old,
            "reported_generated_10kt": g_new,
            "ratio_generated": g_old / g_new,
            "share_ratio_generated": (g_old / national_old) / (g_new / national_now),
            "old_rate": u_old / g_old,
            "reported_rate": rate_new,
            "rate_difference_pp": (u_old / g_old - rate_new) * 100,
        }
        for proxy in NATIONAL:
            found = proxies[(proxies["node"] == node) & (proxies["proxy"] == proxy)]
            share = None
            if not found.empty:
                national = c[NATIONAL[proxy].format(year=int(found["year"].iloc[0]))]
                share = float(found["value"].iloc[0]) / national
            row[f"share_of_national_{proxy}"] = share
        row["reported_share_of_national"] = g_new / national_now
        rows.append(row)
    return pd.DataFrame(rows)


def prefecture_proxy_vs_reported(frames: Frames, nodes: pd.DataFrame) -> pd.DataFrame:
    """Population split of the reported province total against reported 2021 city figures."""
    from model.data.totals import base_year_totals

    year = int(frames["parameters"].set_index("parameter").loc["base_year", "value"])
    totals = base_year_totals(frames["province_totals"], year, "generated_10kt").set_index("node")
    cities = frames["estimation/city_figures"]
    cities = cities[(cities["source_id"] == CITY_SOURCE) & (cities["year"] == year)]
    proxies = frames["estimation/prefecture_proxies"]
    population = proxies[proxies["proxy"] == "population"].set_index("node")["value"]
    province_of = nodes.set_index("node")["province"]
    rows = []
    for city in cities.itertuples():
        province = province_of[city.node]
        members = province_of[province_of == province].index
        share = float(population[city.node]) / float(population.reindex(members).sum())
        total = float(totals.loc[province, "generated_10kt"])
        estimate = share * total
        rows.append(
            {
                "node": city.node,
                "province": province,
                "population_share": share,
                "province_generated_10kt": total,
                "population_estimate_10kt": estimate,
                "reported_generated_10kt": float(city.generated_10kt),
                "reported_share": float(city.generated_10kt) / total,
                "ratio": estimate / float(city.generated_10kt),
            }
        )
    return pd.DataFrame(rows)


def measurements(data_dir: Path, frames: Frames) -> dict[str, pd.DataFrame]:
    """Both comparisons, keyed by their file under the data folder.

    The province comparison needs ``PREVIOUS`` and the prefecture one the prefecture
    node table (``frames["prefecture/nodes"]``); each is skipped where its input is absent.
    """
    out: dict[str, pd.DataFrame] = {}
    if int(frames["parameters"].set_index("parameter").loc["base_year", "value"]) != 2021:
        return out  # the comparisons are of the 2021 yearbook figures
    if (data_dir / PREVIOUS).is_file():
        previous = pd.read_csv(data_dir / PREVIOUS)
        out[REPORTS["proxies"]] = proxy_vs_reported(frames, previous)
    if "prefecture/nodes" in frames:
        out[REPORTS["prefectures"]] = prefecture_proxy_vs_reported(
            frames, frames["prefecture/nodes"]
        )
    return {k: v.round(4) for k, v in out.items()}
