"""Synthetic 政务服务办件 (approval_cases): one row per case completed in the quarter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines.demo.columns import format_datetimes, labels, sequence_ids, to_frame
from pipelines.demo.profiles import (
    project_department,
    quarter_counts,
    rng_for,
    unit_effects,
    unit_profiles,
)
from pipelines.demo.timeline import DAY_MINUTES, positions_to_datetime, quarter_workday_range
from pipelines.quarters import Quarter

CATEGORIES = ("企业开办", "工程建设项目审批", "不动产登记", "其他政务服务")

# (category, item, department, statutory days, promised days, median duration in working
#  days, spread (log sd), min, max, materials, steps, weight within category)
ITEMS: tuple[tuple[str, str, str, int, int, float, float, float, float, int, int, float], ...] = (
    ("企业开办", "企业设立登记", "市市场监管局", 3, 1, 0.35, 0.6, 0.02, 3.0, 4, 2, 0.55),
    ("企业开办", "企业变更登记", "市市场监管局", 3, 1, 0.4, 0.6, 0.02, 3.0, 3, 2, 0.25),
    ("企业开办", "企业印章刻制备案", "市市场监管局", 1, 1, 0.15, 0.5, 0.02, 1.0, 2, 2, 0.10),
    ("企业开办", "企业备案登记", "市市场监管局", 3, 1, 0.3, 0.6, 0.02, 3.0, 3, 2, 0.10),
    (
        "工程建设项目审批",
        "建设用地规划许可证核发",
        "市自然资源和规划局",
        45,
        30,
        24.0,
        0.25,
        12.0,
        60.0,
        6,
        4,
        0.20,
    ),
    (
        "工程建设项目审批",
        "建设工程规划许可证核发",
        "市自然资源和规划局",
        45,
        30,
        26.0,
        0.25,
        12.0,
        60.0,
        7,
        4,
        0.25,
    ),
    (
        "工程建设项目审批",
        "建筑工程施工许可证核发",
        "市住房城乡建设局",
        60,
        40,
        30.0,
        0.25,
        15.0,
        60.0,
        8,
        5,
        0.25,
    ),
    (
        "工程建设项目审批",
        "建设工程竣工联合验收",
        "市住房城乡建设局",
        60,
        45,
        36.0,
        0.2,
        18.0,
        60.0,
        9,
        6,
        0.15,
    ),
    (
        "工程建设项目审批",
        "施工图设计文件审查",
        "市住房城乡建设局",
        40,
        25,
        20.0,
        0.25,
        10.0,
        45.0,
        6,
        4,
        0.15,
    ),
    ("不动产登记", "不动产首次登记", "市不动产登记中心", 30, 5, 3.0, 0.35, 0.5, 7.0, 6, 4, 0.15),
    ("不动产登记", "不动产转移登记", "市不动产登记中心", 30, 3, 1.8, 0.4, 0.3, 5.0, 5, 3, 0.35),
    ("不动产登记", "不动产抵押权登记", "市不动产登记中心", 30, 1, 0.7, 0.45, 0.05, 3.0, 4, 3, 0.30),
    ("不动产登记", "不动产变更登记", "市不动产登记中心", 30, 3, 1.2, 0.4, 0.1, 5.0, 4, 3, 0.10),
    ("不动产登记", "不动产注销登记", "市不动产登记中心", 30, 1, 0.5, 0.45, 0.05, 3.0, 3, 2, 0.10),
    ("其他政务服务", "食品经营许可", "市市场监管局", 20, 10, 4.0, 0.4, 0.2, 10.0, 5, 3, 0.14),
    ("其他政务服务", "排污许可证核发", "市生态环境局", 30, 15, 8.0, 0.3, 1.0, 10.0, 7, 4, 0.04),
    (
        "其他政务服务",
        "道路货物运输经营许可",
        "市交通运输局",
        20,
        10,
        4.5,
        0.35,
        0.5,
        10.0,
        6,
        3,
        0.05,
    ),
    ("其他政务服务", "取水许可", "市水利局", 45, 20, 8.0, 0.25, 2.0, 10.0, 6, 4, 0.02),
    ("其他政务服务", "城市建筑垃圾处置核准", "市城市管理局", 20, 5, 2.5, 0.4, 0.2, 8.0, 4, 3, 0.04),
    ("其他政务服务", "户外广告设施设置许可", "市城市管理局", 20, 7, 3.0, 0.4, 0.2, 8.0, 4, 3, 0.03),
    (
        "其他政务服务",
        "社会保险参保登记",
        "市人力资源社会保障局",
        15,
        1,
        0.3,
        0.6,
        0.02,
        2.0,
        3,
        2,
        0.14,
    ),
    (
        "其他政务服务",
        "人力资源服务许可",
        "市人力资源社会保障局",
        20,
        10,
        5.0,
        0.35,
        0.5,
        10.0,
        5,
        3,
        0.02,
    ),
    ("其他政务服务", "医疗机构执业登记", "市卫生健康委", 45, 20, 8.0, 0.25, 2.0, 10.0, 8, 4, 0.02),
    ("其他政务服务", "公共场所卫生许可", "市卫生健康委", 20, 5, 2.0, 0.4, 0.2, 6.0, 4, 3, 0.06),
    ("其他政务服务", "危险化学品经营许可", "市应急管理局", 30, 15, 7.0, 0.3, 1.0, 10.0, 7, 4, 0.02),
    ("其他政务服务", "对外贸易经营者备案", "市商务局", 5, 1, 0.4, 0.5, 0.02, 2.0, 3, 2, 0.05),
    ("其他政务服务", "企业投资项目备案", "市发展改革委", 3, 1, 0.5, 0.5, 0.02, 2.0, 3, 2, 0.06),
    (
        "其他政务服务",
        "企业投资项目核准",
        "市行政审批服务局",
        20,
        10,
        6.0,
        0.3,
        1.0,
        10.0,
        7,
        4,
        0.02,
    ),
    ("其他政务服务", "发票领用", "市税务局", 1, 1, 0.1, 0.5, 0.02, 1.0, 2, 2, 0.12),
    ("其他政务服务", "清税注销", "市税务局", 20, 5, 1.5, 0.5, 0.05, 6.0, 3, 3, 0.05),
    (
        "其他政务服务",
        "旅馆业特种行业许可证核发",
        "市公安局",
        20,
        10,
        4.0,
        0.35,
        0.5,
        10.0,
        6,
        3,
        0.03,
    ),
    (
        "其他政务服务",
        "定点医药机构申请受理",
        "市医疗保障局",
        30,
        15,
        6.0,
        0.3,
        1.0,
        10.0,
        6,
        4,
        0.03,
    ),
    ("其他政务服务", "数据共享申请审核", "市数据局", 10, 5, 2.0, 0.4, 0.2, 6.0, 2, 2, 0.02),
    ("其他政务服务", "律师事务所变更登记", "市司法局", 20, 10, 4.0, 0.35, 0.5, 10.0, 4, 3, 0.01),
    ("其他政务服务", "政府采购供应商投诉受理", "市财政局", 5, 3, 1.5, 0.4, 0.1, 5.0, 3, 3, 0.01),
    ("其他政务服务", "水土保持方案审批", "市水利局", 20, 10, 5.0, 0.3, 0.5, 10.0, 5, 3, 0.01),
)

_CAT = np.array([i[0] for i in ITEMS])
_DEPT = np.array([i[2] for i in ITEMS])
_STAT = np.array([i[3] for i in ITEMS], dtype=np.int64)
_PROM = np.array([i[4] for i in ITEMS], dtype=np.int64)
_MEDIAN = np.array([i[5] for i in ITEMS])
_SPREAD = np.array([i[6] for i in ITEMS])
_MIN = np.array([i[7] for i in ITEMS])
_MAX = np.array([i[8] for i in ITEMS])
_MATERIALS = np.array([i[9] for i in ITEMS], dtype=np.int64)
_STEPS = np.array([i[10] for i in ITEMS], dtype=np.int64)
_WITHIN = np.array([i[11] for i in ITEMS])

# Category mix: development zones build more and register less property.
_CATEGORY_MIX = {
    "开发区": np.array([0.22, 0.10, 0.22, 0.46]),
    "default": np.array([0.22, 0.04, 0.38, 0.36]),
}


def _item_probabilities(unit_type: str) -> np.ndarray:
    mix = _CATEGORY_MIX.get(unit_type, _CATEGORY_MIX["default"])
    probs = np.empty(len(ITEMS))
    for c, cat in enumerate(CATEGORIES):
        mask = cat == _CAT
        probs[mask] = mix[c] * _WITHIN[mask] / _WITHIN[mask].sum()
    return probs / probs.sum()


def generate(quarter: Quarter, *, seed: int, scale: float) -> pd.DataFrame:
    profiles = unit_profiles(seed)
    codes = np.array([p.code for p in profiles])
    effects = unit_effects(seed, "approval_cases", quarter)
    counts = quarter_counts(
        seed, "approval_cases", quarter, np.array([p.approval_base for p in profiles]), scale
    )
    rng = rng_for(seed, "approval_cases", quarter.year, quarter.q)
    n = int(counts.sum())
    unit_idx = np.repeat(np.arange(len(profiles)), counts)
    effect = effects[unit_idx]

    # Item per case, with each unit's category mix.
    item = np.empty(n, dtype=np.int64)
    start = 0
    for p, c in zip(profiles, counts, strict=True):
        item[start : start + c] = rng.choice(len(ITEMS), size=c, p=_item_probabilities(p.unit.type))
        start += c

    # Duration in working days: item median × unit effect × case noise, clipped.
    days = _MEDIAN[item] * np.exp(effect + _SPREAD[item] * rng.standard_normal(n))
    days = np.clip(days, _MIN[item], _MAX[item])
    minutes = np.maximum(days * DAY_MINUTES, 5.0)

    # Completion lies in the quarter; acceptance is `minutes` working minutes earlier.
    lo, hi = quarter_workday_range(quarter)
    completed_pos = rng.uniform(lo * DAY_MINUTES, hi * DAY_MINUTES, size=n)
    accepted_pos = completed_pos - minutes
    completed = positions_to_datetime(completed_pos, rng.integers(0, 60, n))
    accepted = positions_to_datetime(accepted_pos, rng.integers(0, 60, n))

    # Online share: better units handle more online.
    online_share = 0.80 - 0.45 * effect - np.where(_CAT[item] == "不动产登记", 0.05, 0.0)
    online_share = np.clip(online_share, 0.6, 0.95)
    online = rng.random(n) < online_share

    # Some online applications arrive in the evening before the working day they are
    # accepted on (only where the case took at least a working day, so order is kept).
    evening = online & (days >= 1.0) & (rng.random(n) < 0.04)
    evening_time = (accepted.astype("datetime64[D]") - np.timedelta64(1, "D")).astype(
        "datetime64[s]"
    ) + (rng.integers(19 * 3600, 23 * 3600, n)).astype("timedelta64[s]")
    accepted = np.where(evening, evening_time, accepted)

    u = rng.random(n)
    visits = np.where(
        online,
        (u < 0.06 * np.exp(effect)).astype(np.int64),
        np.where(u < 0.04, 0, np.where(u < 0.86, 1, np.where(u < 0.97, 2, 3))),
    )
    materials = np.maximum(
        1, _MATERIALS[item] + rng.integers(-1, 2, n) + (rng.random(n) < 0.2 * np.exp(effect))
    )
    steps = np.clip(_STEPS[item] + (rng.random(n) < 0.08), 2, 6)
    suspended, applies = _suspended_days(quarter, seed, item, days)

    # Order by unit and acceptance, number cases within each unit.
    order = np.lexsort((accepted, unit_idx))
    unit_idx, item, accepted, completed = (
        unit_idx[order],
        item[order],
        accepted[order],
        completed[order],
    )
    online, visits, materials, steps = online[order], visits[order], materials[order], steps[order]
    suspended, applies = suspended[order], applies[order]
    first_row = np.repeat(np.cumsum(counts) - counts, counts)
    seq = np.arange(n) - first_row + 1
    prefixes = [f"BJ{quarter}-{code}-" for code in codes]
    names = [i[1] for i in ITEMS]

    frame = to_frame(
        {
            "case_id": sequence_ids(unit_idx, prefixes, seq),
            "region_code": labels(unit_idx, codes),
            "category": labels(item, _CAT),
            "item_name": labels(item, names),
            "dept": labels(item, [project_department(d) for d in _DEPT]),
            "accepted_at": format_datetimes(accepted),
            "completed_at": format_datetimes(completed),
            "statutory_limit_days": _STAT[item],
            "promised_limit_days": _PROM[item],
            "suspended_days": pa.array(suspended, mask=~applies, type=pa.int64()),
            "material_count": materials.astype(np.int64),
            "visit_count": visits.astype(np.int64),
            "step_count": steps.astype(np.int64),
            "is_online": labels(online.astype(np.int32), ["否", "是"]),
        }
    )
    frame["suspended_days"] = frame["suspended_days"].astype("Int64")
    return frame


# 特殊环节 (not counted in the time limit, 行政许可法 第45条). 工程建设项目: 70 % of cases have
# one (公示 of plans, 专家评审 of designs, 补正 of documents) taking 15–45 % of the case's working
# days; 不动产登记: 20 % (公告 of first registrations, 补正) taking 1–2 working days. Other
# categories: none (the column is left empty, which means 0).
_CONSTRUCTION = "工程建设项目审批"
_PROPERTY = "不动产登记"


def _suspended_days(
    quarter: Quarter, seed: int, item: np.ndarray, days: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """特殊环节用时 (whole working days, at most the case's whole working days) and whether
    the case's category has them (elsewhere the value is left empty). Drawn from its own
    generator so that the other columns do not change with it."""
    rng = rng_for(seed, "approval_cases", "suspended", quarter.year, quarter.q)
    n = len(item)
    category = _CAT[item]
    whole = np.floor(days)
    u = rng.random(n)
    construction = np.floor(whole * rng.uniform(0.15, 0.45, n))
    value = np.where((category == _CONSTRUCTION) & (u < 0.70), construction, 0.0)
    prop = np.minimum(whole, rng.integers(1, 3, n))
    value = np.where((category == _PROPERTY) & (u < 0.20), prop, value).astype(np.int64)
    return value, np.isin(category, [_CONSTRUCTION, _PROPERTY])
