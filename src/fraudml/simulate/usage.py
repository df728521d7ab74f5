"""Monthly usage: data volume per app and spend (ARPU), from each number's plan and activity.

Spend is the plan's full monthly fee for any month the number was open, with some
month-to-month variation, plus outgoing minutes beyond the plan's allowance; the
minimum plan costs exactly 1 yuan, which is why 1 is the real data's 5th
percentile. Data volumes are log-normal per app with a very long tail, as in the
Sichuan ``app`` table (median about 0.2 MB, 95th percentile about 100 MB).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fraudml.simulate.behaviour import OUT, per_number
from fraudml.simulate.params import FIRST_FRAUD, ROLE_CODE, WorldParams

# name, monthly fee (yuan), minutes included, share among people, among fraud SIMs
PLANS = (
    ("保号套餐", 1.0, 200, 0.10, 0.06),
    ("8元卡", 8.0, 100, 0.22, 0.20),
    ("大王卡19元", 19.0, 100, 0.13, 0.22),
    ("畅享29元", 29.0, 100, 0.10, 0.15),
    ("畅享39元", 39.0, 200, 0.12, 0.12),
    ("畅享58元", 58.0, 300, 0.12, 0.10),
    ("畅享88元", 88.0, 500, 0.11, 0.07),
    ("畅享128元", 128.0, 1000, 0.07, 0.04),
    ("畅享198元", 198.0, 2000, 0.03, 0.03),
    ("政企专线", 99.0, 3000, 0.0, 0.05),
)
PLAN_NAMES = np.array([p[0] for p in PLANS])
COMPANY_PLAN = len(PLANS) - 1
OVERAGE_PER_MIN = 0.1

# apps in order of popularity
APPS = (
    "微信", "QQ", "抖音", "快手", "淘宝", "支付宝", "百度", "王者荣耀", "腾讯视频", "爱奇艺", "今日头条", "高德地图",
    "拼多多", "美团", "微博", "优酷", "京东", "哔哩哔哩", "QQ音乐", "酷狗音乐", "百度地图", "腾讯新闻", "饿了么",
    "滴滴出行", "和平精英", "UC浏览器", "QQ浏览器", "西瓜视频", "喜马拉雅", "小红书", "大众点评", "携程旅行",
    "12306", "中国移动", "网易云音乐", "腾讯地图", "手机银行", "建设银行", "工商银行", "农业银行", "招商银行",
    "闲鱼", "唯品会", "搜狗输入法", "WiFi万能钥匙", "应用商店", "系统更新", "天气", "钉钉", "企业微信", "腾讯会议",
    "学习强国", "作业帮", "火山小视频", "全民K歌", "斗鱼直播", "虎牙直播", "陌陌", "探探", "知乎", "芒果TV",
    "搜狐视频", "迅雷", "百度网盘", "美图秀秀", "快手极速版", "抖音极速版", "今日头条极速版", "趣头条", "番茄小说",
)
# heavier apps (video, games, maps) carry more data per month
APP_SCALE = np.array([4.0 if a in ("抖音", "快手", "腾讯视频", "爱奇艺", "优酷", "哔哩哔哩", "西瓜视频", "王者荣耀", "和平精英",
                                    "芒果TV", "斗鱼直播", "虎牙直播", "高德地图", "滴滴出行", "微信") else 0.0 for a in APPS])


def draw_plans(rng: np.random.Generator, role: np.ndarray) -> np.ndarray:
    """Plan of each number: company lines mostly on a business plan, fraud SIMs mostly on cheap ones."""
    people = np.array([p[3] for p in PLANS])
    fraud = np.array([p[4] for p in PLANS])
    plan = rng.choice(len(PLANS), size=len(role), p=people / people.sum())
    is_fraud = role >= FIRST_FRAUD
    plan[is_fraud] = rng.choice(len(PLANS), size=int(is_fraud.sum()), p=fraud / fraud.sum())
    company = np.isin(role, [ROLE_CODE["telesales"], ROLE_CODE["customer_service"]]) & (rng.random(len(role)) < 0.7)
    plan[company] = COMPANY_PLAN
    return plan


def months_of(start: pd.Timestamp, days: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Months overlapping the world: first days (as Timestamps), and their start and end in days since ``start``."""
    first = pd.date_range(start.to_period("M").to_timestamp(), start + pd.Timedelta(days=days), freq="MS")
    first = first[first < start + pd.Timedelta(days=days)]
    lo = (first - start) / pd.Timedelta(days=1)
    hi = ((first + pd.offsets.MonthBegin(1)) - start) / pd.Timedelta(days=1)
    return first.to_numpy(), np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


def open_share(lo: np.ndarray, hi: np.ndarray, opened: np.ndarray, closed: np.ndarray) -> np.ndarray:
    """(numbers, months) share of each month the number was open."""
    end = np.where(np.isnan(closed), np.inf, closed)
    overlap = np.minimum(end[:, None], hi[None, :]) - np.maximum(opened[:, None], lo[None, :])
    return np.clip(overlap / (hi - lo)[None, :], 0, 1)


def arpu(rng: np.random.Generator, plan: np.ndarray, share: np.ndarray, calls: dict[str, np.ndarray],
         month_lo: np.ndarray) -> np.ndarray:
    """(numbers, months) spend in yuan; NaN where the number was not open that month."""
    n, n_months = share.shape
    fee = np.array([p[1] for p in PLANS])[plan]
    allowance = np.array([p[2] for p in PLANS], dtype=float)[plan]
    out = calls["direction"] == OUT
    month = np.searchsorted(month_lo, calls["t"][out], side="right") - 1
    minutes = np.bincount(calls["owner"][out] * n_months + month, weights=np.ceil(calls["duration"][out] / 60),
                          minlength=n * n_months).reshape(n, n_months)
    vary = np.where(fee[:, None] <= 1, 1.0, np.exp(0.15 + 0.48 * rng.standard_normal((n, n_months))))
    spend = fee[:, None] * vary + OVERAGE_PER_MIN * np.maximum(minutes - allowance[:, None], 0)
    refund = rng.random((n, n_months)) < 0.002
    spend = np.where(refund, -rng.uniform(0, 20, (n, n_months)), spend)
    return np.where(share > 0, np.round(spend, 2), np.nan)


def app_usage(rng: np.random.Generator, role: np.ndarray, share: np.ndarray, params: WorldParams) -> dict[str, np.ndarray]:
    """(owner, month, app, mb) rows: apps used in each month the number was open, with data volumes.

    Each app is used with a chance that grows with its popularity and the number's
    appetite (nearly everyone who uses apps has WeChat), so no app repeats in a month.
    """
    n, n_months = share.shape
    scale = per_number(params, "mb_scale", role)
    heavy = np.exp(0.6 * rng.standard_normal(n))
    popularity = 1 / np.arange(1, len(APPS) + 1) ** 0.7
    popularity /= popularity.sum()
    parts = []
    for month in range(n_months):  # a loop over months
        appetite = (per_number(params, "apps", role) * heavy * share[:, month]).astype(np.float32)
        use = rng.random((n, len(APPS)), dtype=np.float32) < np.minimum(1, appetite[:, None] * popularity[None, :].astype(np.float32))
        owner, app = np.nonzero(use)
        parts.append((owner, np.full(len(owner), month), app))
    owner, month, app = (np.concatenate(p) for p in zip(*parts))
    user = np.log(scale * heavy)[owner]
    mb = np.exp(-2.9 + APP_SCALE[app] + user + 3.2 * rng.standard_normal(len(owner)))
    return {"owner": owner, "month": month, "app": app, "mb": np.round(mb, 6)}
