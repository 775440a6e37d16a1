"""Who the demo units are: sizes, baseline quality and how quality drifts over quarters.

Every unit has a shared "governance" effect (baseline + linear trend per quarter + noise) that
all sources feel, plus a source-specific component. Effects are on a log scale: positive means
slower / worse (durations are multiplied by ``exp(effect)``), negative means faster / better.
Two units improve strongly over the demo period and one deteriorates, so rankings move.
Everything is a pure function of the seed (and, where named, the source): any quarter can be
generated on its own and agrees with the others.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np

from pipelines.quarters import Quarter
from pipelines.registry import Unit, default_registry

# Effects are tabulated for quarter indexes FIRST_T..LAST_T (0 = 2024Q1).
FIRST_T = -24
LAST_T = 31


def _key(part: int | str) -> int:
    if isinstance(part, str):
        return zlib.crc32(part.encode("utf-8"))
    return int(part)


def rng_for(seed: int, *parts: int | str) -> np.random.Generator:
    """A generator determined by the seed and a path of keys (strings hashed with CRC-32)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), *(_key(p) for p in parts)]))


# Size ranges by unit type: approval cases, utility connections, satisfaction responses per
# quarter at scale 1, and the loan balance (亿元) at the start of 2024.
_SIZE_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "区": {
        "approval": (2400, 3600),
        "utility": (300, 500),
        "satisfaction": (280, 450),
        "loans": (700, 1500),
    },
    "县": {
        "approval": (1500, 2100),
        "utility": (150, 260),
        "satisfaction": (200, 300),
        "loans": (300, 600),
    },
    "县级市": {
        "approval": (2200, 3300),
        "utility": (250, 420),
        "satisfaction": (250, 400),
        "loans": (1200, 2500),
    },
    "开发区": {
        "approval": (1500, 2500),
        "utility": (220, 450),
        "satisfaction": (200, 320),
        "loans": (300, 900),
    },
}


@dataclass(frozen=True)
class UnitProfile:
    unit: Unit
    approval_base: float
    utility_base: float
    satisfaction_base: float
    loans_base_100m: float
    role: str  # "improver", "decliner" or "steady"

    @property
    def code(self) -> str:
        return self.unit.code


@cache
def unit_profiles(seed: int) -> tuple[UnitProfile, ...]:
    units = default_registry().units
    rng = rng_for(seed, "unit-profiles")
    order = rng.permutation(len(units))
    roles = ["steady"] * len(units)
    roles[int(order[0])] = "improver"
    roles[int(order[1])] = "improver"
    roles[int(order[2])] = "decliner"
    out = []
    for i, unit in enumerate(units):
        ranges = _SIZE_RANGES.get(unit.type, _SIZE_RANGES["区"])
        draw = {k: float(rng.uniform(*v)) for k, v in ranges.items()}
        out.append(
            UnitProfile(
                unit,
                draw["approval"],
                draw["utility"],
                draw["satisfaction"],
                round(draw["loans"], 2),
                roles[i],
            )
        )
    return tuple(out)


@cache
def _governance(seed: int) -> np.ndarray:
    """Shared effect, shape (units, quarters FIRST_T..LAST_T)."""
    profiles = unit_profiles(seed)
    rng = rng_for(seed, "governance")
    n = len(profiles)
    base = rng.normal(0.0, 0.2, size=n)
    slope = rng.normal(0.0, 0.015, size=n)
    noise = rng.normal(0.0, 0.05, size=(n, LAST_T - FIRST_T + 1))
    for i, p in enumerate(profiles):
        if p.role == "improver":
            base[i] = abs(base[i]) + 0.15  # starts behind, catches up
            slope[i] = -0.10
        elif p.role == "decliner":
            base[i] = -abs(base[i]) - 0.1  # starts ahead, falls back
            slope[i] = 0.08
    # Trends run over the demo period and level off outside it.
    t = np.clip(np.arange(FIRST_T, LAST_T + 1), -2, 8)
    return base[:, None] + slope[:, None] * t[None, :] + noise


@cache
def _source_effect(seed: int, source: str) -> np.ndarray:
    n = len(unit_profiles(seed))
    rng = rng_for(seed, "source-effect", source)
    own = rng.normal(0.0, 0.12, size=n)
    noise = rng.normal(0.0, 0.05, size=(n, LAST_T - FIRST_T + 1))
    return 0.8 * _governance(seed) + own[:, None] + noise


def unit_effects(seed: int, source: str, quarter: Quarter) -> np.ndarray:
    """Effect of each unit (registry order) on ``source`` in ``quarter``."""
    from pipelines.demo.timeline import quarter_index

    t = quarter_index(quarter)
    if not FIRST_T <= t <= LAST_T:
        raise ValueError(f"示例数据不支持季度 {quarter}")
    return _source_effect(seed, source)[:, t - FIRST_T]


# Seasonality of case volumes: Q1 has the Spring Festival, Q4 the year-end rush.
SEASON = {1: 0.86, 2: 1.0, 3: 1.0, 4: 1.1}


def quarter_counts(
    seed: int, source: str, quarter: Quarter, bases: np.ndarray, scale: float
) -> np.ndarray:
    """Rows per unit: base size × season × slow growth × noise × scale (at least 1)."""
    from pipelines.demo.timeline import quarter_index

    t = quarter_index(quarter)
    rng = rng_for(seed, "counts", source, quarter.year, quarter.q)
    mult = SEASON[quarter.q] * (1.0 + 0.015 * t) * np.exp(rng.normal(0.0, 0.05, len(bases)))
    return np.maximum(1, np.rint(bases * mult * scale)).astype(np.int64)


def project_department(name: str) -> str:
    """The project's department for one the generator names: itself (or the name an alias
    maps to) when the project's registry knows it, else a stable pick among the project's
    departments, so that another city's generated files pass its own registry."""
    import hashlib

    registry = default_registry()
    known = registry.canonical_department(name)
    if known is not None:
        return known
    names = sorted(d.name for d in registry.departments)
    digest = int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16)
    return names[digest % len(names)]
