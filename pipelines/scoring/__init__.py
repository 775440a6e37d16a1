"""Scoring engine: indicator framework → normalised leaf scores → aggregated node scores →
ranks. Pure library (pandas in, pandas out); the method is documented in docs/scoring.md.

    from pipelines.scoring import load_framework, load_units, score
    result = score(load_framework(path), values, load_units(units_path))
    result.node_scores  # period, unit, node, level, parent, score, rank, flags
"""

from pipelines.scoring.engine import ScoreResult, ScoringInputError, score
from pipelines.scoring.framework import (
    Framework,
    FrameworkError,
    Node,
    Normalize,
    framework_from_dict,
    load_framework,
)
from pipelines.scoring.units import (
    UnitDef,
    Units,
    UnitsError,
    load_units,
    units_from_dict,
    units_from_registry,
)

__all__ = [
    "Framework",
    "FrameworkError",
    "Node",
    "Normalize",
    "ScoreResult",
    "ScoringInputError",
    "UnitDef",
    "Units",
    "UnitsError",
    "framework_from_dict",
    "load_framework",
    "load_units",
    "score",
    "units_from_dict",
    "units_from_registry",
]
