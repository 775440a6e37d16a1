"""Synthetic 企业满意度测评 (satisfaction_responses): one questionnaire per firm and department.

Firms form a fixed panel per unit (the same firms answer again in later quarters); each
response rates one of the 24 rated departments. Scores are 1–5, mostly 4–5, driven by the
department's quality, the unit's service effect and the firm's own leniency.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines.demo.columns import format_datetimes, labels, sequence_ids, to_frame
from pipelines.demo.credit_code import random_credit_codes
from pipelines.demo.profiles import quarter_counts, rng_for, unit_effects, unit_profiles
from pipelines.demo.timeline import quarter_index, workdays
from pipelines.quarters import Quarter
from pipelines.registry import default_registry

# The evaluator (营商环境建设局) and the survey organiser (工商联) are not rated; nor is the
# registration centre (rated as part of 自然资源和规划局): 24 departments remain.
NOT_RATED = ("市营商环境建设局", "市工商联", "市不动产登记中心")
# Departments the demo city added for 涉企诉求, 执法检查 and 惠企政策兑现 are not in the
# survey either, so it keeps rating 24 departments (DOMAIN.md).
NOT_SURVEYED = (
    "市工业和信息化局",
    "市12345政务服务便民热线",
    "市科学技术局",
    "市农业农村局",
    "市消防救援支队",
)
# How often firms deal with a department (relative weights).
_CONTACT = {
    "市市场监管局": 3.0,
    "市税务局": 3.0,
    "市行政审批服务局": 2.5,
    "市人力资源社会保障局": 2.0,
    "国网示例供电公司": 2.0,
    "示例水务集团": 1.2,
    "示例燃气公司": 1.0,
    "市住房城乡建设局": 1.5,
    "市自然资源和规划局": 1.5,
    "市数据局": 1.2,
    "市医疗保障局": 1.0,
    "市生态环境局": 1.0,
    "人民银行示例市分行": 0.8,
    "示例金融监管分局": 0.8,
}

_POSITIVE = (
    "办事效率高，点赞",
    "窗口人员服务热情周到",
    "线上办理很方便，不用跑腿",
    "政策解读清楚，及时兑现",
    "帮办代办服务很贴心",
    "审批提速明显",
)
_NEUTRAL = (
    "希望进一步精简申请材料",
    "建议增加周末延时服务",
    "希望政策宣传更及时一些",
    "网上办事系统偶尔卡顿",
    "建议加强部门间数据共享",
    "希望惠企政策兑现流程再简化",
)
_NEGATIVE = (
    "审批时间偏长，希望再压缩",
    "材料要求反复变动，多跑了几次",
    "电话咨询难以接通",
    "不同窗口答复口径不一致",
    "政策兑现周期太长",
    "现场排队时间较长",
)


def rated_departments() -> list[str]:
    skip = (*NOT_RATED, *NOT_SURVEYED)
    return [d.name for d in default_registry().departments if d.name not in skip]


@cache
def _department_quality(seed: int) -> np.ndarray:
    """Department quality (units of score), shape (departments, quarters 2018Q1..2031Q4)."""
    rng = rng_for(seed, "satisfaction", "departments")
    n = len(rated_departments())
    base = rng.normal(0.0, 0.2, n)
    slope = rng.normal(0.0, 0.02, n)
    t = np.clip(np.arange(-24, 32), -2, 8)
    return base[:, None] + slope[:, None] * t[None, :] + rng.normal(0, 0.05, (n, len(t)))


@cache
def _firm_panel(seed: int, unit_code: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Credit codes and leniency of the unit's panel of firms."""
    rng = rng_for(seed, "satisfaction", "firms", unit_code, size)
    org_type = np.where(rng.random(size) < 0.9, "1", "2")
    codes = random_credit_codes(rng, np.full(size, unit_code), org_type)
    codes = np.unique(codes)  # collisions are astronomically rare, but keep codes distinct
    return rng.permutation(codes), rng.normal(0.0, 0.35, len(codes))


def generate(quarter: Quarter, *, seed: int, scale: float) -> pd.DataFrame:
    profiles = unit_profiles(seed)
    codes = np.array([p.code for p in profiles])
    effects = unit_effects(seed, "satisfaction_responses", quarter)
    counts = quarter_counts(
        seed,
        "satisfaction_responses",
        quarter,
        np.array([p.satisfaction_base for p in profiles]),
        scale,
    )
    rng = rng_for(seed, "satisfaction_responses", quarter.year, quarter.q)
    n = int(counts.sum())
    unit_idx = np.repeat(np.arange(len(profiles)), counts)

    depts = np.array(rated_departments())
    weights = np.array([_CONTACT.get(d, 0.6) for d in depts])
    dept_idx = rng.choice(len(depts), n, p=weights / weights.sum())
    dept_q = _department_quality(seed)[:, quarter_index(quarter) + 24][dept_idx]

    # Firms: each unit's panel is ~1.5 quarters of responses; a firm may rate several
    # departments in one quarter.
    credit = np.empty(n, dtype="U18")
    leniency = np.empty(n)
    start = 0
    for p, c in zip(profiles, counts, strict=True):
        panel_size = max(30, round(p.satisfaction_base * 1.5 * scale))
        panel, lenient = _firm_panel(seed, p.code, panel_size)
        pick = rng.integers(0, len(panel), c)
        credit[start : start + c] = panel[pick]
        leniency[start : start + c] = lenient[pick]
        start += c

    unit_effect = effects[unit_idx]
    latent = 4.3 + dept_q - 0.5 * unit_effect + leniency

    def score(offset: float | np.ndarray, noise: float) -> np.ndarray:
        raw = latent + offset + rng.normal(0.0, noise, n)
        return np.clip(np.rint(raw), 1, 5).astype(np.int64)

    attitude = score(0.15, 0.35)
    efficiency = score(-0.1 - 0.3 * unit_effect, 0.4)  # waiting times show here most
    policy = score(-0.05, 0.4)
    integrity = score(0.2, 0.3)
    mean4 = (attitude + efficiency + policy + integrity) / 4.0
    overall = np.clip(np.rint(mean4 + rng.normal(0.0, 0.3, n)), 1, 5).astype(np.int64)

    # Comments: mostly empty; unhappy firms write more often.
    write = rng.random(n) < np.where(overall <= 3, 0.45, 0.1)
    pos = np.array(_POSITIVE)[rng.integers(0, len(_POSITIVE), n)]
    neu = np.array(_NEUTRAL)[rng.integers(0, len(_NEUTRAL), n)]
    neg = np.array(_NEGATIVE)[rng.integers(0, len(_NEGATIVE), n)]
    text = np.where(overall == 5, pos, np.where(overall <= 3, neg, neu))
    comment = np.where(write, text, None)

    # Submission: any day of the quarter (days off less), mostly office hours and evenings.
    days = np.arange(np.datetime64(quarter.start), np.datetime64(quarter.end) + 1)
    day_w = np.where(np.isin(days, workdays()), 1.0, 0.35)  # weekends and holidays: fewer
    day = days[rng.choice(len(days), n, p=day_w / day_w.sum())]
    hour_w = np.array(
        [0, 0, 0, 0, 0, 0, 0.2, 0.5, 2, 4, 5, 4, 2, 2, 4, 5, 4, 3, 1.5, 1.5, 2, 1.5, 0.8, 0.3]
    )
    hour = rng.choice(24, n, p=hour_w / hour_w.sum())
    second = hour * 3600 + rng.integers(0, 3600, n)
    submitted = day.astype("datetime64[s]") + second.astype("timedelta64[s]")

    order = np.lexsort((submitted, unit_idx))
    first_row = np.repeat(np.cumsum(counts) - counts, counts)
    seq = np.arange(n) - first_row + 1
    u = unit_idx[order]
    prefixes = [f"MY{quarter}-{code}-" for code in codes]
    return to_frame(
        {
            "response_id": sequence_ids(u, prefixes, seq),
            "credit_code": pa.array(credit[order], pa.string()),
            "region_code": labels(u, codes),
            "rated_dept": labels(dept_idx[order], depts),
            "submitted_at": format_datetimes(submitted[order]),
            "score_attitude": attitude[order],
            "score_efficiency": efficiency[order],
            "score_policy": policy[order],
            "score_integrity": integrity[order],
            "score_overall": overall[order],
            "comment": pa.array(comment[order], pa.string()),
        }
    )
