"""Synthetic 金融机构贷款 (loan_balances): one row per unit and month-end (not scaled).

Each unit's monthly path is generated once for 2018-01..2031-12 from the seed alone, so any
quarter agrees with its neighbours and year-on-year growth is meaningful.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from pipelines.demo.profiles import rng_for, unit_profiles
from pipelines.quarters import Quarter

FIRST_YEAR = 2018
LAST_YEAR = 2031
ANCHOR = (2024 - FIRST_YEAR) * 12  # month index of 2024-01, where the base balance applies

# Month-of-year lending pattern (January "开门红", quarter-end pushes), mean zero.
_SEASON = np.array(
    [0.020, 0.002, 0.012, 0.004, 0.004, 0.010, -0.002, 0.003, 0.008, 0.0, 0.002, 0.005]
)
_SEASON = _SEASON - _SEASON.mean()


@cache
def _paths(seed: int) -> dict[str, np.ndarray]:
    profiles = unit_profiles(seed)
    rng = rng_for(seed, "loan_balances", "paths")
    n_units = len(profiles)
    n_months = (LAST_YEAR - FIRST_YEAR + 1) * 12
    months = np.arange(n_months)
    years_from_anchor = (months - ANCHOR) / 12.0

    growth = rng.uniform(0.05, 0.13, n_units)  # annual growth of total loans
    accel = np.array(
        [0.03 if p.role == "improver" else -0.03 if p.role == "decliner" else 0.0 for p in profiles]
    )
    yearly = growth[:, None] + accel[:, None] * np.clip(years_from_anchor, 0, 2)[None, :]
    monthly = (
        yearly / 12 + _SEASON[months % 12][None, :] + rng.normal(0, 0.004, (n_units, n_months))
    )
    log_level = np.cumsum(monthly, axis=1)
    log_level -= log_level[:, [ANCHOR]]
    base = np.array([p.loans_base_100m for p in profiles])
    total = base[:, None] * np.exp(log_level)

    # Shares of manufacturing and inclusive small-business loans drift up under policy.
    zone = np.array([p.unit.type == "开发区" for p in profiles])
    mfg0 = rng.uniform(0.10, 0.18, n_units) + np.where(zone, 0.05, 0.0)
    sme0 = rng.uniform(0.05, 0.09, n_units)
    trend = np.clip(years_from_anchor, -3, 3)[None, :]
    mfg_share = np.clip(
        mfg0[:, None]
        + 0.008 * trend
        + 0.006 * accel[:, None] / 0.03 * np.clip(years_from_anchor, 0, 2)[None, :]
        + rng.normal(0, 0.002, (n_units, n_months)),
        0.08,
        0.26,
    )
    sme_share = np.clip(
        sme0[:, None] + 0.007 * trend + rng.normal(0, 0.0015, (n_units, n_months)), 0.04, 0.12
    )
    # Average inclusive loan per borrower (万元) and the new-loan rate (%), falling over time.
    avg_loan = rng.uniform(55, 110, n_units)
    rate_offset = rng.uniform(-0.4, 0.5, n_units)
    rate = np.clip(
        4.6 + rate_offset[:, None] - 0.45 * trend + rng.normal(0, 0.06, (n_units, n_months)),
        3.5,
        6.0,
    )
    # New inclusive lending in the month (亿元): 6–16 % of the balance, from its own generator
    # so that the other columns do not change with it.
    lending = rng_for(seed, "loan_balances", "new_lending")
    new_share = lending.uniform(0.06, 0.16, (n_units, n_months))
    first_share = rng.uniform(0.008, 0.02, n_units)
    first_noise = np.exp(rng.normal(0, 0.15, (n_units, n_months)))
    return {
        "total": total,
        "mfg": total * mfg_share,
        "sme": total * sme_share,
        "borrowers": total * sme_share * 1e4 / avg_loan[:, None],
        "rate": rate,
        "new_sme": total * sme_share * new_share,
        "first": total * sme_share * 1e4 / avg_loan[:, None] * first_share[:, None] * first_noise,
    }


def generate(quarter: Quarter, *, seed: int, scale: float) -> pd.DataFrame:
    del scale  # one row per unit and month whatever the scale
    if not FIRST_YEAR <= quarter.year <= LAST_YEAR:
        raise ValueError(f"示例数据不支持季度 {quarter}")
    profiles = unit_profiles(seed)
    paths = _paths(seed)
    codes = np.array([p.code for p in profiles])
    month_idx = (quarter.year - FIRST_YEAR) * 12 + 3 * (quarter.q - 1) + np.arange(3)
    unit_idx = np.repeat(np.arange(len(profiles)), 3)
    m = np.tile(month_idx, len(profiles))
    return pd.DataFrame(
        {
            "region_code": codes[unit_idx],
            "stat_month": np.tile(np.array(quarter.months), len(profiles)),
            "total_loans_100m": np.round(paths["total"][unit_idx, m], 2),
            "manufacturing_loans_100m": np.round(paths["mfg"][unit_idx, m], 2),
            "inclusive_sme_loans_100m": np.round(paths["sme"][unit_idx, m], 2),
            "inclusive_sme_borrowers": np.rint(paths["borrowers"][unit_idx, m]).astype(np.int64),
            "inclusive_sme_rate_pct": np.round(paths["rate"][unit_idx, m], 2),
            "new_sme_loans_100m": np.round(paths["new_sme"][unit_idx, m], 2),
            "first_time_borrowers": np.rint(paths["first"][unit_idx, m]).astype(np.int64),
        }
    )
