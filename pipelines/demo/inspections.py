"""Synthetic 涉企执法检查 (inspections): one row per inspection of a firm.

A unit's inspections are drawn for the whole calendar year at once (seeded by year and unit)
and each quarter keeps those dated inside it, so the year's quarters agree. Most inspected
firms are inspected once a year (the rule for key firms); a few twice (亮黄灯) and fewer three
or more times (亮红灯), more of them in units with a worse effect. The share of joint and
off-site inspections rises over the demo period.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines.demo.columns import format_datetimes, labels, sequence_ids, to_frame
from pipelines.demo.firms import firm_panel, panel_size
from pipelines.demo.profiles import project_department, rng_for, unit_effects, unit_profiles
from pipelines.demo.timeline import quarter_index, workdays
from pipelines.quarters import Quarter

SOURCE = "inspections"
DEPARTMENTS = (
    "市市场监管局",
    "市生态环境局",
    "市应急管理局",
    "市消防救援支队",
    "市城市管理局",
    "市住房城乡建设局",
    "市交通运输局",
    "市卫生健康委",
)
DEPARTMENT_P = (0.34, 0.15, 0.14, 0.11, 0.08, 0.07, 0.06, 0.05)
METHODS = ("双随机一公开", "专项检查", "投诉举报核查", "非现场检查")
OUTCOMES = ("未发现问题", "责令整改", "行政处罚", "免罚轻罚")
OUTCOME_P = (0.7, 0.2, 0.05, 0.05)


@cache
def _year(seed: int, year: int, unit_code: str, scale: float) -> pd.DataFrame:
    """The unit's inspections of one year: firm index, day, department, joint, outcome."""
    i = [p.code for p in unit_profiles(seed)].index(unit_code)
    effect = float(unit_effects(seed, SOURCE, Quarter(year, 2))[i])
    rng = rng_for(seed, SOURCE, year, unit_code)
    size = panel_size(seed, unit_code, scale)
    inspected = rng.choice(size, max(10, round(size * 0.45)), replace=False)
    p2 = float(np.clip(0.06 * np.exp(2.5 * effect), 0.01, 0.3))
    p3 = float(np.clip(0.015 * np.exp(2.5 * effect), 0.002, 0.15))
    u = rng.random(len(inspected))
    times = np.where(u < p3, rng.integers(3, 5, len(inspected)), np.where(u < p3 + p2, 2, 1))
    firm = np.repeat(inspected, times)
    days = workdays()
    year_days = days[
        (days >= np.datetime64(f"{year}-01-01")) & (days <= np.datetime64(f"{year}-12-31"))
    ]
    day = year_days[rng.integers(0, len(year_days), len(firm))]
    dept = rng.choice(len(DEPARTMENTS), len(firm), p=DEPARTMENT_P)
    return pd.DataFrame(
        {
            "firm": firm,
            "day": day,
            "dept": dept,
            "u_method": rng.random(len(firm)),
            "u_joint": rng.random(len(firm)),
            "outcome": rng.choice(len(OUTCOMES), len(firm), p=OUTCOME_P),
            "penalty": np.round(rng.lognormal(np.log(20000), 0.8, len(firm)), -2),
            "minute": rng.integers(9 * 60, 17 * 60, len(firm)),
        }
    )


def generate(quarter: Quarter, *, seed: int, scale: float) -> pd.DataFrame:
    profiles = unit_profiles(seed)
    codes = np.array([p.code for p in profiles])
    t = quarter_index(quarter)
    effects = unit_effects(seed, SOURCE, quarter)
    start, end = np.datetime64(quarter.start), np.datetime64(quarter.end)
    parts = []
    for i, p in enumerate(profiles):
        year = _year(seed, quarter.year, p.code, scale)
        rows = year[(year["day"] >= start) & (year["day"] <= end)].sort_values(["day", "minute"])
        panel_codes, panel_names = firm_panel(seed, p.code, panel_size(seed, p.code, scale))
        off_site = float(np.clip(0.06 + 0.012 * t - 0.05 * effects[i], 0.01, 0.4))
        special = 0.15
        complaint = 0.08
        u = rows["u_method"].to_numpy()
        method = np.where(
            u < off_site,
            3,
            np.where(u < off_site + special, 1, np.where(u < off_site + special + complaint, 2, 0)),
        )
        joint_p = float(np.clip(0.18 + 0.02 * t - 0.1 * effects[i], 0.05, 0.6))
        parts.append(
            pd.DataFrame(
                {
                    "unit": i,
                    "credit": panel_codes[rows["firm"].to_numpy()],
                    "name": panel_names[rows["firm"].to_numpy()],
                    "when": rows["day"].to_numpy().astype("datetime64[s]")
                    + (rows["minute"].to_numpy() * 60).astype("timedelta64[s]"),
                    "dept": rows["dept"].to_numpy(),
                    "method": method,
                    "joint": (rows["u_joint"].to_numpy() < joint_p).astype(int),
                    "outcome": rows["outcome"].to_numpy(),
                    "penalty": rows["penalty"].to_numpy(),
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    n = len(frame)
    unit_idx = frame["unit"].to_numpy()
    counts = np.bincount(unit_idx, minlength=len(profiles))
    first_row = np.repeat(np.cumsum(counts) - counts, counts)
    seq = np.arange(n) - first_row + 1
    fined = frame["outcome"].to_numpy() == 2
    penalty = np.where(fined, frame["penalty"].to_numpy(), np.nan)
    # Dates as written by 司法局's platform: the day only, except off-site checks (time too).
    stamps = np.asarray(format_datetimes(frame["when"].to_numpy()).to_pylist(), dtype=object)
    off = frame["method"].to_numpy() != 3
    stamps[off] = np.array([s[:10] for s in stamps[off]], dtype=object)
    return to_frame(
        {
            "inspection_id": sequence_ids(unit_idx, [f"JC{quarter}-{c}-" for c in codes], seq, 5),
            "region_code": labels(unit_idx, codes),
            "inspecting_dept": labels(
                frame["dept"].to_numpy(), [project_department(d) for d in DEPARTMENTS]
            ),
            "credit_code": pa.array(frame["credit"].to_numpy().astype(str), pa.string()),
            "firm_name": pa.array(frame["name"].to_numpy().astype(str), pa.string()),
            "inspected_on": pa.array(stamps.astype(str), pa.string()),
            "method": labels(frame["method"].to_numpy(), METHODS),
            "is_joint": labels(frame["joint"].to_numpy(), ["否", "是"]),
            "outcome": labels(frame["outcome"].to_numpy(), OUTCOMES),
            "penalty_yuan": penalty,
        }
    )
