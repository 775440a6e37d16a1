"""Synthetic 惠企政策兑现 (policy_payouts): one row per payout paid in the quarter.

Most 认定类 payouts go 免申即享 (no application, paid automatically; the share rises over the
demo period and differs by unit), the rest 简申快享; 审核类 go 简申快享 or 依申请. Days from
审核通过 to 拨付 follow the monthly summary-and-payout cycle: a median of about 8 working days,
longer in units with a worse effect.
"""

from __future__ import annotations

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
from pipelines.demo.timeline import (
    DAY_MINUTES,
    positions_to_datetime,
    quarter_index,
    quarter_workday_range,
)
from pipelines.quarters import Quarter

SOURCE = "policy_payouts"
# (政策名称, 政策类别, 主管部门, typical amount in 万元 (median), weight)
POLICIES = (
    ("高新技术企业认定奖励", "认定类", "市科学技术局", 20.0, 0.16),
    ("专精特新中小企业奖励", "认定类", "市工业和信息化局", 30.0, 0.12),
    ("科技型中小企业研发费用补助", "认定类", "市科学技术局", 8.0, 0.14),
    ("失业保险稳岗返还", "认定类", "市人力资源社会保障局", 3.0, 0.14),
    ("技术改造项目补助", "审核类", "市工业和信息化局", 80.0, 0.1),
    ("外贸稳增长资金", "审核类", "市商务局", 15.0, 0.1),
    ("创业担保贷款贴息", "审核类", "市人力资源社会保障局", 2.0, 0.1),
    ("农业产业化龙头企业补助", "审核类", "市农业农村局", 25.0, 0.07),
    ("首台（套）重大技术装备保险补偿", "审核类", "市工业和信息化局", 60.0, 0.07),
)
MODES = ("免申即享", "简申快享", "依申请")


def generate(quarter: Quarter, *, seed: int, scale: float) -> pd.DataFrame:
    profiles = unit_profiles(seed)
    codes = np.array([p.code for p in profiles])
    effects = unit_effects(seed, SOURCE, quarter)
    bases = np.array([p.utility_base * 0.3 for p in profiles])
    counts = quarter_counts(seed, SOURCE, quarter, bases, scale)
    rng = rng_for(seed, SOURCE, quarter.year, quarter.q)
    n = int(counts.sum())
    unit_idx = np.repeat(np.arange(len(profiles)), counts)
    effect = effects[unit_idx]
    t = quarter_index(quarter)

    weights = np.array([p[4] for p in POLICIES])
    policy = rng.choice(len(POLICIES), n, p=weights / weights.sum())
    recognised = np.array([POLICIES[k][1] == "认定类" for k in policy])
    auto_p = np.clip(0.8 + 0.025 * t - 0.4 * effect, 0.4, 1.0)
    u = rng.random(n)
    mode = np.where(recognised, np.where(u < auto_p, 0, 1), np.where(u < 0.6 - 0.3 * effect, 1, 2))

    credit = np.empty(n, dtype=object)
    names = np.empty(n, dtype=object)
    start = 0
    for p, c in zip(profiles, counts, strict=True):
        panel_codes, panel_names = firm_panel(seed, p.code, panel_size(seed, p.code, scale))
        pick = rng.integers(0, len(panel_codes), c)
        credit[start : start + c] = panel_codes[pick]
        names[start : start + c] = panel_names[pick]
        start += c

    lo, hi = quarter_workday_range(quarter)
    day = float(DAY_MINUTES)
    paid = rng.uniform(lo * day, hi * day, n)
    to_pay = rng.lognormal(np.log(8 * day), 0.6, n) * np.exp(effect)
    approved = paid - to_pay
    review = np.where(
        mode == 1, rng.uniform(2 * day, 8 * day, n), rng.uniform(8 * day, 25 * day, n)
    )
    applied = approved - review
    secs = rng.integers(0, 60, (3, n))
    stamps = [
        positions_to_datetime(pos, s)
        for pos, s in zip((applied, approved, paid), secs, strict=True)
    ]
    stamps[2] = np.maximum(stamps[2], stamps[1])
    medians = np.array([POLICIES[k][3] for k in policy])
    amount = np.maximum(0.1, np.round(medians * rng.lognormal(0.0, 0.5, n), 2))

    order = np.lexsort((stamps[2], unit_idx))
    first_row = np.repeat(np.cumsum(counts) - counts, counts)
    seq = np.arange(n) - first_row + 1
    uo = unit_idx[order]
    applied_text = np.asarray(format_datetimes(stamps[0][order]).to_pylist(), dtype=object)
    applied_text[mode[order] == 0] = None
    return to_frame(
        {
            "payout_id": sequence_ids(uo, [f"DX{quarter}-{c}-" for c in codes], seq, width=5),
            "policy_name": labels(policy[order], [p[0] for p in POLICIES]),
            "policy_type": labels(recognised[order].astype(int), ["审核类", "认定类"]),
            "payout_mode": labels(mode[order], MODES),
            "dept": labels(policy[order], [project_department(p[2]) for p in POLICIES]),
            "region_code": labels(uo, codes),
            "credit_code": pa.array(credit[order].astype(str), pa.string()),
            "firm_name": pa.array(names[order].astype(str), pa.string()),
            "applied_at": pa.array(list(applied_text), pa.string()),
            "approved_at": format_datetimes(stamps[1][order]),
            "paid_at": format_datetimes(stamps[2][order]),
            "amount_10k": amount[order],
        }
    )
