"""The demo units' firms: a fixed panel per unit (credit code, name) shared by the sources
that name a firm (涉企诉求, 执法检查, 惠企政策兑现), so the same firm recurs across quarters
and sources (repeat requests, 亮灯 counts, payouts to the same firm)."""

from __future__ import annotations

from functools import cache

import numpy as np

from pipelines.demo.credit_code import random_credit_codes
from pipelines.demo.profiles import rng_for, unit_profiles

_TRADE_NAMES = (
    "华创", "恒泰", "瑞丰", "鼎盛", "宏达", "信诚", "启航", "博远", "嘉禾", "金源",
    "聚力", "盛世", "天成", "万通", "新锐", "星辰", "永兴", "远景", "卓越", "中联",
    "和顺", "昌隆", "东方", "锦程", "凯达", "蓝海", "明德", "润泽", "三友", "同创",
    "伟业", "祥云", "易达", "裕丰", "智联", "众诚", "海纳", "弘毅", "立信", "铭泰",
)  # fmt: skip
_INDUSTRIES = (
    "科技", "机械", "电子", "新材料", "食品", "物流", "建设工程", "商贸",
    "医药", "纺织", "汽车零部件", "环保科技", "信息技术", "精密制造",
)  # fmt: skip


_VARIANTS = ("", "发展", "实业", "控股", "集团")


def _variant(k: int) -> str:
    if k < len(_VARIANTS):
        return _VARIANTS[k]
    return f"{_VARIANTS[k % len(_VARIANTS)]}{k // len(_VARIANTS) + 1}"


@cache
def firm_panel(seed: int, unit_code: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Credit codes and names of ``size`` firms of the unit (distinct codes and names)."""
    profiles = {p.code: p for p in unit_profiles(seed)}
    place = profiles[unit_code].unit.display_name if unit_code in profiles else ""
    place = place[:-1] if len(place) > 2 and place[-1] in "区县市" else place
    rng = rng_for(seed, "firms", unit_code, size)
    codes = np.unique(random_credit_codes(rng, np.full(size, unit_code), np.full(size, "1")))
    codes = rng.permutation(codes)
    combos = len(_TRADE_NAMES) * len(_INDUSTRIES)
    picks = rng.permutation(combos * ((len(codes) - 1) // combos + 1))[: len(codes)]
    names = np.array(
        [
            f"{place}{_TRADE_NAMES[k % combos // len(_INDUSTRIES)]}"
            f"{_INDUSTRIES[k % len(_INDUSTRIES)]}{_variant(k // combos)}有限公司"
            for k in picks
        ]
    )
    return codes, names


def panel_size(seed: int, unit_code: str, scale: float) -> int:
    """Firms of the unit in the panel: about the unit's satisfaction-survey size × 2."""
    profiles = {p.code: p for p in unit_profiles(seed)}
    return max(40, round(profiles[unit_code].satisfaction_base * 2 * scale))
