"""Sichuan cities and counties, with the share of subscribers opening accounts in each.

City shares follow the account table of the Sichuan competition's train users
(Chengdu about 40 %); counties are real districts of each city. An account is
opened at a branch, named after its district (金牛区 -> 金牛分公司), as in the real
user table, while calls carry the district itself.
"""

from __future__ import annotations

import numpy as np

CITIES: dict[str, tuple[float, tuple[str, ...]]] = {
    "成都": (2254, ("锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区", "新都区", "温江区", "双流区", "郫都区")),
    "天府新区": (543, ("天府新区直管区", "天府新区眉山片区")),
    "绵阳": (389, ("涪城区", "游仙区", "安州区", "江油市", "三台县")),
    "达州": (250, ("通川区", "达川区", "宣汉县", "大竹县", "渠县")),
    "乐山": (232, ("市中区", "五通桥区", "沙湾区", "峨眉山市", "犍为县")),
    "自贡": (215, ("自流井区", "贡井区", "大安区", "沿滩区", "富顺县")),
    "南充": (211, ("顺庆区", "高坪区", "嘉陵区", "阆中市", "南部县")),
    "德阳": (195, ("旌阳区", "罗江区", "广汉市", "什邡市", "中江县")),
    "宜宾": (188, ("翠屏区", "南溪区", "叙州区", "江安县", "长宁县")),
    "泸州": (181, ("江阳区", "纳溪区", "龙马潭区", "泸县", "合江县")),
    "凉山": (151, ("西昌市", "会理市", "德昌县", "冕宁县")),
    "雅安": (141, ("雨城区", "名山区", "荥经县", "汉源县")),
    "广元": (137, ("利州区", "昭化区", "朝天区", "旺苍县")),
    "遂宁": (135, ("船山区", "安居区", "射洪市", "蓬溪县")),
    "广安": (113, ("广安区", "前锋区", "华蓥市", "岳池县")),
    "眉山": (108, ("东坡区", "彭山区", "仁寿县", "洪雅县")),
    "攀枝花": (101, ("东区", "西区", "仁和区", "米易县")),
    "内江": (95, ("市中区", "东兴区", "隆昌市", "资中县")),
    "巴中": (67, ("巴州区", "恩阳区", "通江县", "南江县")),
    "资阳": (59, ("雁江区", "安岳县", "乐至县")),
    "阿坝": (48, ("马尔康市", "汶川县", "九寨沟县")),
    "甘孜": (4, ("康定市", "泸定县")),
}

CITY_NAMES = np.array(list(CITIES))
CITY_WEIGHTS = np.array([w for w, _ in CITIES.values()], dtype=float) / sum(w for w, _ in CITIES.values())

# counties are numbered globally; COUNTY_CITY[k] is the city of county k
COUNTY_NAMES = np.array([c for _, counties in CITIES.values() for c in counties])
COUNTY_CITY = np.array([i for i, (_, counties) in enumerate(CITIES.values()) for _ in counties])
COUNTY_START = np.concatenate([[0], np.cumsum([len(c) for _, c in CITIES.values()])[:-1]])
COUNTY_COUNT = np.array([len(c) for _, c in CITIES.values()])
BRANCH_NAMES = np.array([c.removesuffix("区").removesuffix("县").removesuffix("市") + "分公司" for c in COUNTY_NAMES])


def draw_cities(rng: np.random.Generator, n: int) -> np.ndarray:
    """City index of ``n`` accounts, by the cities' shares."""
    return rng.choice(len(CITY_NAMES), size=n, p=CITY_WEIGHTS)


def draw_counties(rng: np.random.Generator, city: np.ndarray) -> np.ndarray:
    """A county of each given city; the first (central) districts are more populous."""
    u = rng.random(len(city)) ** 1.5
    return COUNTY_START[city] + (u * COUNTY_COUNT[city]).astype(np.int64)
