"""Synthetic 涉企诉求 (enterprise_requests): one row per request closed in the quarter.

Each unit's firms come from its fixed panel (``pipelines.demo.firms``), a few of them far more
often than the rest, so the same firm raises the same kind of request again within 90 days
now and then, also across quarters. Timestamps follow the "123" rule — contact within 1
working day, assign within 2, feed back within 3, complex cases closed within a month — with
lateness that grows with the unit's and the handling department's effect. Follow-up
satisfaction averages about 82 % (12345: 82.2 %), on-time feedback about 97–98 %.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines.demo.columns import format_datetimes, labels, sequence_ids, to_frame
from pipelines.demo.firms import firm_panel, panel_size
from pipelines.demo.profiles import (
    project_department,
    quarter_counts,
    rng_for,
    unit_effects,
    unit_profiles,
)
from pipelines.demo.timeline import DAY_MINUTES, positions_to_datetime, quarter_workday_range
from pipelines.quarters import Quarter

SOURCE = "enterprise_requests"
CHANNELS = ("12345热线", "政企服务平台", "营商环境观察员", "人大代表观察点", "其他")
CHANNEL_P = (0.6, 0.25, 0.06, 0.04, 0.05)
CATEGORIES = ("政策咨询", "要素保障", "审批服务", "执法监管", "权益保护", "其他")
CATEGORY_P = (0.3, 0.22, 0.2, 0.1, 0.1, 0.08)
# Handling departments by category (names of the demo city; other projects map them).
HANDLERS: dict[str, tuple[str, ...]] = {
    "政策咨询": ("市发展改革委", "市工业和信息化局", "市商务局", "市科学技术局"),
    "要素保障": ("市自然资源和规划局", "国网示例供电公司", "示例水务集团", "市人力资源社会保障局"),
    "审批服务": ("市行政审批服务局", "市数据局", "市住房城乡建设局", "市市场监管局"),
    "执法监管": ("市市场监管局", "市生态环境局", "市城市管理局", "市应急管理局"),
    "权益保护": ("市司法局", "市市场监管局", "市公安局"),
    "其他": ("市营商环境建设局", "市城市管理局"),
}
FOLLOW_UP = ("满意", "基本满意", "不满意", "未回访")


@cache
def handler_names() -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for names in HANDLERS.values() for n in names))


@cache
def _dept_effect(seed: int) -> dict[str, float]:
    rng = rng_for(seed, SOURCE, "departments")
    return {name: float(rng.normal(0.0, 0.2)) for name in handler_names()}


def _late(rng: np.random.Generator, base: float, effect: np.ndarray) -> np.ndarray:
    return rng.random(len(effect)) < np.clip(base * np.exp(2.5 * effect), 0.0, 0.5)


def generate(quarter: Quarter, *, seed: int, scale: float) -> pd.DataFrame:
    profiles = unit_profiles(seed)
    codes = np.array([p.code for p in profiles])
    effects = unit_effects(seed, SOURCE, quarter)
    bases = np.array([p.satisfaction_base * 0.8 for p in profiles])
    counts = quarter_counts(seed, SOURCE, quarter, bases, scale)
    rng = rng_for(seed, SOURCE, quarter.year, quarter.q)
    n = int(counts.sum())
    unit_idx = np.repeat(np.arange(len(profiles)), counts)

    # Firms: Zipf-like weights in the unit's panel (a few firms raise many requests).
    credit = np.empty(n, dtype=object)
    names = np.empty(n, dtype=object)
    start = 0
    for i, (p, c) in enumerate(zip(profiles, counts, strict=True)):
        panel_codes, panel_names = firm_panel(seed, p.code, panel_size(seed, p.code, scale))
        weights = np.arange(1, len(panel_codes) + 1) ** -(0.35 + 0.4 * effects[i])
        pick = rng.choice(len(panel_codes), c, p=weights / weights.sum())
        credit[start : start + c] = panel_codes[pick]
        names[start : start + c] = panel_names[pick]
        start += c

    category = rng.choice(len(CATEGORIES), n, p=CATEGORY_P)
    channel = rng.choice(len(CHANNELS), n, p=CHANNEL_P)
    handler = np.empty(n, dtype=object)
    for k, cat in enumerate(CATEGORIES):
        rows = np.flatnonzero(category == k)
        handler[rows] = np.array(HANDLERS[cat], dtype=object)[
            rng.integers(0, len(HANDLERS[cat]), len(rows))
        ]
    dept_eff = np.array([_dept_effect(seed)[h] for h in handler])
    effect = effects[unit_idx] + dept_eff
    complex_ = rng.random(n) < 0.15

    # Gaps in working minutes, backwards from the closing time (uniform in the quarter).
    lo, hi = quarter_workday_range(quarter)
    closed = rng.uniform(lo * DAY_MINUTES, hi * DAY_MINUTES, n)
    day = float(DAY_MINUTES)
    contact = rng.exponential(0.2 * day, n) + _late(rng, 0.012, effect) * rng.uniform(
        1.2 * day, 3 * day, n
    )
    assign = rng.exponential(0.25 * day, n) + _late(rng, 0.012, effect) * rng.uniform(
        1.2 * day, 3 * day, n
    )
    feedback = rng.exponential(0.4 * day, n) + _late(rng, 0.015, effect) * rng.uniform(
        1.5 * day, 4 * day, n
    )
    simple_close = rng.exponential(1.5 * day, n)
    complex_close = rng.uniform(5 * day, 17 * day, n) + _late(rng, 0.05, effect) * rng.uniform(
        8 * day, 20 * day, n
    )
    close = np.where(complex_, complex_close, simple_close)
    feedback_at = closed - close
    assigned_at = feedback_at - feedback
    contacted_at = assigned_at - assign
    accepted_at = contacted_at - contact
    secs = rng.integers(0, 60, (5, n))
    stamps = [
        positions_to_datetime(pos, s)
        for pos, s in zip(
            (accepted_at, contacted_at, assigned_at, feedback_at, closed), secs, strict=True
        )
    ]
    # Same minute → the seconds may reverse; keep each stamp at or after the previous one.
    for k in range(1, 5):
        stamps[k] = np.maximum(stamps[k], stamps[k - 1])

    reassigned = rng.random(n) < np.clip(0.04 * np.exp(2 * effect), 0, 0.3)
    ok = np.clip(0.80 - 0.35 * effect, 0.55, 0.98)
    u = rng.random(n)
    visited = rng.random(n) >= 0.08
    follow = np.where(u < ok * 0.7, 0, np.where(u < ok, 1, 2))
    follow = np.where(visited, follow, 3)

    order = np.lexsort((stamps[4], unit_idx))
    first_row = np.repeat(np.cumsum(counts) - counts, counts)
    seq = np.arange(n) - first_row + 1
    uo = unit_idx[order]
    depts = [project_department(h) for h in handler_names()]
    handler_idx = np.array([handler_names().index(h) for h in handler])
    return to_frame(
        {
            "ticket_id": sequence_ids(uo, [f"SQ{quarter}-{c}-" for c in codes], seq, width=5),
            "channel": labels(channel[order], CHANNELS),
            "region_code": labels(uo, codes),
            "credit_code": pa.array(credit[order].astype(str), pa.string()),
            "firm_name": pa.array(names[order].astype(str), pa.string()),
            "category": labels(category[order], CATEGORIES),
            "is_complex": labels(complex_[order].astype(int), ["否", "是"]),
            "accepted_at": format_datetimes(stamps[0][order]),
            "contacted_at": format_datetimes(stamps[1][order]),
            "assigned_at": format_datetimes(stamps[2][order]),
            "handling_dept": labels(handler_idx[order], depts),
            "feedback_at": format_datetimes(stamps[3][order]),
            "closed_at": format_datetimes(stamps[4][order]),
            "is_reassigned": labels(reassigned[order].astype(int), ["否", "是"]),
            "follow_up": labels(follow[order], FOLLOW_UP),
        }
    )
