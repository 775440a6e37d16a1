"""Synthetic 水电气报装 (utility_connections): one row per connection completed in the quarter."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.demo.columns import format_datetimes, labels, sequence_ids, to_frame
from pipelines.demo.profiles import quarter_counts, rng_for, unit_effects, unit_profiles
from pipelines.demo.timeline import DAY_MINUTES, positions_to_datetime, quarter_workday_range
from pipelines.quarters import Quarter

# Kinds of connection: (type, class, id prefix, median working days, spread, min, max,
#                       steps, materials)
KINDS = (
    ("电力", "高压", "DL", 24.0, 0.22, 12.0, 45.0, 3, 4),
    ("电力", "低压", "DL", 1.1, 0.4, 0.2, 4.0, 2, 1),
    ("用水", "非居民", "SS", 3.2, 0.35, 0.5, 9.0, 2, 1),
    ("用气", "非居民", "RQ", 4.0, 0.35, 0.5, 10.0, 3, 1),
)
_TYPE = np.array([k[0] for k in KINDS])
_CLASS = np.array([k[1] for k in KINDS])
_MEDIAN = np.array([k[3] for k in KINDS])
_SPREAD = np.array([k[4] for k in KINDS])
_MIN = np.array([k[5] for k in KINDS])
_MAX = np.array([k[6] for k in KINDS])
_STEPS = np.array([k[7] for k in KINDS], dtype=np.int64)
_MATERIALS = np.array([k[8] for k in KINDS], dtype=np.int64)

# Transformer sizes (kVA) of high-voltage connections, with weights.
_HV_SIZES = np.array([315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500, 4000])
_HV_WEIGHTS = np.array([10, 12, 10, 16, 10, 10, 6, 8, 4, 3, 1], dtype=float)
_LV_SIZES = np.array([8, 10, 15, 20, 30, 40, 50, 60, 80, 100, 120, 160])
_LV_WEIGHTS = np.array([10, 14, 14, 12, 10, 9, 8, 6, 5, 6, 3, 3], dtype=float)


def generate(quarter: Quarter, *, seed: int, scale: float) -> pd.DataFrame:
    profiles = unit_profiles(seed)
    codes = np.array([p.code for p in profiles])
    is_zone = np.array([p.unit.type == "开发区" for p in profiles])
    effects = unit_effects(seed, "utility_connections", quarter)
    counts = quarter_counts(
        seed, "utility_connections", quarter, np.array([p.utility_base for p in profiles]), scale
    )
    rng = rng_for(seed, "utility_connections", quarter.year, quarter.q)
    n = int(counts.sum())
    unit_idx = np.repeat(np.arange(len(profiles)), counts)
    effect = effects[unit_idx]

    # Kind mix: 60 % electricity (a quarter of it high voltage in development zones).
    hv_share = np.where(is_zone[unit_idx], 0.25, 0.12)
    u = rng.random(n)
    kind = np.where(u < 0.6 * hv_share, 0, np.where(u < 0.6, 1, np.where(u < 0.82, 2, 3)))

    days = _MEDIAN[kind] * np.exp(effect + _SPREAD[kind] * rng.standard_normal(n))
    days = np.clip(days, _MIN[kind], _MAX[kind])
    lo, hi = quarter_workday_range(quarter)
    connected_pos = rng.uniform(lo * DAY_MINUTES, hi * DAY_MINUTES, size=n)
    applied_pos = connected_pos - np.maximum(days * DAY_MINUTES, 10.0)
    connected = positions_to_datetime(connected_pos, rng.integers(0, 60, n))
    applied = positions_to_datetime(applied_pos, rng.integers(0, 60, n))

    steps = _STEPS[kind] + ((kind == 0) & (rng.random(n) < 0.3 * np.exp(effect)))
    materials = (
        _MATERIALS[kind]
        + (rng.random(n) < 0.25 * np.exp(effect))
        + np.where(kind == 0, rng.integers(0, 2, n), 0)
    )

    # Capacity (kW) only for electricity; high voltage: transformer size × power factor 0.9.
    hv_kw = _HV_SIZES[rng.choice(len(_HV_SIZES), n, p=_HV_WEIGHTS / _HV_WEIGHTS.sum())] * 0.9
    lv_kw = _LV_SIZES[rng.choice(len(_LV_SIZES), n, p=_LV_WEIGHTS / _LV_WEIGHTS.sum())]
    capacity = np.where(kind == 0, hv_kw, np.where(kind == 1, lv_kw.astype(float), np.nan))

    # Fees: zero for low voltage ≤ 100 kW; high voltage pays for its own line section;
    # water and gas are often free under the city's policy, otherwise a few thousand yuan.
    fee = np.zeros(n)
    fee = np.where(kind == 0, np.round(capacity * rng.uniform(60, 160, n), -2), fee)
    fee = np.where((kind == 1) & (capacity > 100), np.round(rng.uniform(800, 3000, n), -1), fee)
    water_gas = (kind >= 2) & (rng.random(n) < 0.45)
    fee = np.where(water_gas, np.round(rng.uniform(1500, 12000, n), -1), fee)
    # Some small low-voltage connections (≤ 100 kW) are still charged where the unit does
    # worse (the zero-cost policy not applied): own generator, so the other columns stay.
    lapse = rng_for(seed, "utility_connections", "lv_fee_lapse", quarter.year, quarter.q)
    lapsed = lapse.random(n) < np.clip(0.01 + 0.08 * effect, 0.0, 0.10)
    fee = np.where(
        (kind == 1) & (capacity <= 100) & lapsed, np.round(lapse.uniform(500, 2500, n), -1), fee
    )

    order = np.lexsort((applied, kind, unit_idx))
    unit_idx, kind, applied, connected = (
        unit_idx[order],
        kind[order],
        applied[order],
        connected[order],
    )
    steps, materials, capacity, fee = steps[order], materials[order], capacity[order], fee[order]
    # Number within unit and utility; prefix per (unit, utility): DL, SS (water), RQ (gas).
    utility_group = np.minimum(np.where(kind == 0, 1, kind) - 1, 2)
    group = unit_idx * 3 + utility_group
    first_of_group = np.r_[True, group[1:] != group[:-1]]
    group_start = np.maximum.accumulate(np.where(first_of_group, np.arange(n), 0))
    seq = np.arange(n) - group_start + 1
    prefixes = [f"{p}{quarter}-{code}-" for code in codes for p in ("DL", "SS", "RQ")]

    return to_frame(
        {
            "application_id": sequence_ids(unit_idx * 3 + utility_group, prefixes, seq, width=5),
            "region_code": labels(unit_idx, codes),
            "utility_type": labels(kind, _TYPE),
            "customer_class": labels(kind, _CLASS),
            "applied_at": format_datetimes(applied),
            "connected_at": format_datetimes(connected),
            "step_count": steps.astype(np.int64),
            "material_count": materials.astype(np.int64),
            "connection_fee_yuan": fee.astype(float),
            "capacity_kw": capacity.astype(float),
        }
    )
