"""How sure is a rank? Uncertainty and sensitivity analysis of a quarter's ranking.

The JRC/OECD handbook practice (as COINr's ``get_sensitivity`` implements it; Saisana,
Saltelli & Tarantola 2005): the assumptions behind a composite score are declared as
uncertain inputs, the ranking is recomputed many times with the inputs drawn at random, and
each unit's rank gets an interval. Variance-based (Sobol) indices, estimated with SALib's
Saltelli design, say which assumption moves the ranks most.

Uncertain inputs (defaults; overridden by ``robustness.yaml`` beside the framework file):

- every weight (each non-root node's weight among its siblings) varies uniformly within
  ±25 % and the weights are renormalised (the aggregation divides by the weight sum);
- normalisation of every leaf: as configured in the framework (frontier), min-max or z-score;
- aggregation at every parent: arithmetic or geometric;
- a missing leaf value: left out (weights renormalised over the present leaves, as the
  engine does) or set to the city minimum (the lowest leaf score any unit has).

Every replication re-scores the quarter's stored indicator values with the scoring engine's
own semantics, vectorised over replications: the leaf scores of each normalisation are
computed once by :func:`pipelines.scoring.score`, the aggregation is the engine's
:func:`~pipelines.scoring.aggregate.weighted_mean` applied to a replications × units block,
and ranks are competition ranks on the unrounded total. The nominal design (weights as
configured, normalisation and aggregation as configured, missing values left out) reproduces
the engine's ranking exactly.

Discrete inputs are sampled as a uniform number on [0, 1) cut into equal parts, so the same
design matrix drives the Monte Carlo (NumPy, seeded) and SALib's Saltelli sample.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from pipelines.scoring.aggregate import weighted_mean
from pipelines.scoring.engine import score
from pipelines.scoring.framework import Framework, Node, Normalize
from pipelines.scoring.units import Units

SETTINGS_FILE = "robustness.yaml"
DEFAULT_REPLICATIONS = 1000
DEFAULT_SEED = 20250101
DEFAULT_WEIGHT_RANGE = 0.25
DEFAULT_NORMALISATIONS = ("configured", "minmax", "zscore")
DEFAULT_AGGREGATIONS = ("arithmetic", "geometric")
DEFAULT_MISSING = ("leave_out", "city_min")
NORMALISATIONS = ("configured", "minmax", "zscore")
AGGREGATIONS = ("configured", "arithmetic", "geometric", "harmonic")
MISSING = ("leave_out", "city_min")
MEAN_SHIFT = "mean_abs_rank_shift"  # output name of the ranking's mean absolute rank shift
DEFAULT_BATCH_CELLS = 2_000_000  # replications × units × leaves per evaluated batch
SOBOL_RESAMPLES = 100

NORMALISATION_ZH = {"configured": "按指标体系配置", "minmax": "极差标准化", "zscore": "标准分"}
AGGREGATION_ZH = {
    "configured": "按指标体系配置",
    "arithmetic": "算术平均",
    "geometric": "几何平均",
    "harmonic": "调和平均",
}
MISSING_ZH = {"leave_out": "不计入（其余指标权重重新归一）", "city_min": "取全市最低得分"}
FACTOR_ZH = {
    "normalisation": "标准化方法",
    "aggregation": "汇总方法",
    "missing": "缺失值处理",
}
PLACE_ZH = {"red": "红榜", "black": "黑榜", "": "未上榜"}


class RobustnessConfigError(ValueError):
    """An invalid robustness.yaml or analysis setting (Chinese message)."""


@dataclass(frozen=True)
class RobustnessSettings:
    """The uncertain inputs and the size of the analysis."""

    weight_range: float = DEFAULT_WEIGHT_RANGE
    normalisations: tuple[str, ...] = DEFAULT_NORMALISATIONS
    aggregations: tuple[str, ...] = DEFAULT_AGGREGATIONS
    missing: tuple[str, ...] = DEFAULT_MISSING
    replications: int = DEFAULT_REPLICATIONS
    seed: int = DEFAULT_SEED

    def with_run(
        self, replications: int | None = None, seed: int | None = None
    ) -> RobustnessSettings:
        return replace(
            self,
            replications=self.replications if replications is None else replications,
            seed=self.seed if seed is None else seed,
        )

    def describe_zh(self) -> str:
        """The uncertain inputs in one Chinese sentence (the bulletin's method appendix)."""
        parts = []
        if self.weight_range > 0:
            parts.append(f"各项权重在±{self.weight_range * 100:g}%内均匀浮动后重新归一")
        else:
            parts.append("权重固定")
        parts.append("标准化方法取" + "、".join(NORMALISATION_ZH[o] for o in self.normalisations))
        parts.append("汇总方法取" + "、".join(AGGREGATION_ZH[o] for o in self.aggregations))
        parts.append("缺失值" + "或".join(MISSING_ZH[o] for o in self.missing))
        return "；".join(parts)

    @classmethod
    def none(cls) -> RobustnessSettings:
        """No uncertainty at all: every replication is the nominal design."""
        return cls(0.0, ("configured",), ("configured",), ("leave_out",))


def _options(raw: Any, key: str, allowed: Sequence[str], default: tuple[str, ...]) -> tuple:
    if raw is None:
        return default
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise RobustnessConfigError(
            f"稳健性设置 {key} 应为非空列表，可选：{'、'.join(allowed)}（现为 {raw!r}）"
        )
    out = []
    for item in raw:
        text = "configured" if item == "frontier" else str(item)
        if text not in allowed:
            raise RobustnessConfigError(
                f"稳健性设置 {key} 的取值“{item}”无效，可选：{'、'.join(allowed)}"
            )
        if text not in out:
            out.append(text)
    return tuple(out)


def _positive_int(raw: Any, key: str, default: int, minimum: int) -> int:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
        raise RobustnessConfigError(f"稳健性设置 {key} 应为不小于 {minimum} 的整数（现为 {raw!r}）")
    return raw


def settings_from_dict(doc: Any) -> RobustnessSettings:
    """Settings from a parsed robustness.yaml (missing keys keep their defaults)::

    replications: 1000
    seed: 20250101
    weights: 0.25                                  # ± share, 0 = weights fixed
    normalisation: [configured, minmax, zscore]    # configured (= frontier as configured)
    aggregation: [arithmetic, geometric]           # also configured, harmonic
    missing: [leave_out, city_min]
    """
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise RobustnessConfigError("稳健性设置文件的顶层应为映射（weights、normalisation 等字段）")
    unknown = set(doc) - {
        "replications",
        "seed",
        "weights",
        "normalisation",
        "aggregation",
        "missing",
    }
    if unknown:
        raise RobustnessConfigError(
            f"稳健性设置的字段 {sorted(unknown)[0]}：未知字段（请检查拼写）"
        )
    weights = doc.get("weights", DEFAULT_WEIGHT_RANGE)
    if isinstance(weights, bool) or not isinstance(weights, int | float) or not 0 <= weights < 1:
        raise RobustnessConfigError(
            f"稳健性设置 weights 应为 0 至 1 之间的数（权重上下浮动的比例，现为 {weights!r}）"
        )
    return RobustnessSettings(
        weight_range=float(weights),
        normalisations=_options(
            doc.get("normalisation"), "normalisation", NORMALISATIONS, DEFAULT_NORMALISATIONS
        ),
        aggregations=_options(
            doc.get("aggregation"), "aggregation", AGGREGATIONS, DEFAULT_AGGREGATIONS
        ),
        missing=_options(doc.get("missing"), "missing", MISSING, DEFAULT_MISSING),
        replications=_positive_int(
            doc.get("replications"), "replications", DEFAULT_REPLICATIONS, 2
        ),
        seed=_positive_int(doc.get("seed"), "seed", DEFAULT_SEED, 0),
    )


def settings_path(framework_file: Path | None = None) -> Path:
    """``robustness.yaml`` in the folder of the framework file (the project folder)."""
    if framework_file is None:
        from pipelines.indicators.frameworks import framework_path

        framework_file = framework_path()
    return Path(framework_file).parent / SETTINGS_FILE


def load_robustness_settings(path: Path | None = None) -> RobustnessSettings:
    """The project's settings: ``robustness.yaml`` beside the framework, else the defaults."""
    path = path or settings_path()
    if not path.is_file():
        return RobustnessSettings()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RobustnessConfigError(
            f"稳健性设置文件 {path.name} 不是合法的 UTF-8 YAML：{exc}"
        ) from exc
    return settings_from_dict(doc)


# --- the design ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One uncertain input as SALib sees it (a group of design columns)."""

    name: str
    label: str  # Chinese
    columns: tuple[int, ...]


@dataclass(frozen=True)
class Design:
    """Columns of the design matrix: one per non-root node weight, then the normalisation,
    aggregation and missing-value choices. Every column is uniform on [0, 1]."""

    weight_nodes: tuple[str, ...]
    settings: RobustnessSettings
    levels: Mapping[int, int]  # node level of each weight column

    @property
    def width(self) -> int:
        return len(self.weight_nodes) + 3

    @property
    def norm_col(self) -> int:
        return len(self.weight_nodes)

    @property
    def agg_col(self) -> int:
        return len(self.weight_nodes) + 1

    @property
    def missing_col(self) -> int:
        return len(self.weight_nodes) + 2

    def factors(self) -> list[Factor]:
        """The inputs that vary (a factor with one option or a zero weight range is left out)."""
        out: list[Factor] = []
        if self.settings.weight_range > 0:
            for level in sorted(set(self.levels.values())):
                cols = tuple(i for i, lv in self.levels.items() if lv == level)
                out.append(Factor(f"weights_level{level}", f"{_cn_level(level)}级指标权重", cols))
        for name, col, options in (
            ("normalisation", self.norm_col, self.settings.normalisations),
            ("aggregation", self.agg_col, self.settings.aggregations),
            ("missing", self.missing_col, self.settings.missing),
        ):
            if len(options) > 1:
                out.append(Factor(name, FACTOR_ZH[name], (col,)))
        return out

    def filler_row(self) -> np.ndarray:
        """Values of the columns that do not vary in a Sobol design (any value gives the
        single option of a fixed choice, and a multiplier of 1 when weights are fixed)."""
        return np.full(self.width, 0.5)


def _cn_level(level: int) -> str:
    return "一二三四五六七八九"[level - 1] if 1 <= level <= 9 else str(level)


def _choose(column: np.ndarray, k: int) -> np.ndarray:
    return np.minimum((np.asarray(column) * k).astype("int64"), k - 1)


# --- the vectorised re-scorer --------------------------------------------------------------


class Rescorer:
    """Scores a quarter's values under many designs at once (replications × units)."""

    def __init__(
        self,
        framework: Framework,
        values: pd.DataFrame,
        units: Units,
        settings: RobustnessSettings,
        *,
        history: pd.DataFrame | None = None,
    ) -> None:
        self.framework = framework
        self.settings = settings
        self.units = units
        self.base = [u.code for u in units.base]
        self.leaves = framework.leaf_codes
        nominal = score(framework, values, units, history=history)
        self.nominal = nominal
        # Leaf-score matrices (units × leaves) of each normalisation in the catalogue; index 0 is
        # the configured one (the nominal design).
        self.norm_catalogue = [
            "configured",
            *[o for o in settings.normalisations if o != "configured"],
        ]
        self.missing_catalogue = ["leave_out", *[o for o in settings.missing if o != "leave_out"]]
        self.agg_catalogue = [
            "configured",
            *[o for o in settings.aggregations if o != "configured"],
        ]
        stack = []
        for method in self.norm_catalogue:
            result = (
                nominal
                if method == "configured"
                else score(_renormalised(framework, method), values, units)
            )
            matrix = _leaf_matrix(result.leaf_scores, self.base, self.leaves)
            per_missing = []
            for how in self.missing_catalogue:
                per_missing.append(matrix if how == "leave_out" else _fill_city_min(matrix))
            stack.append(per_missing)
        self.leaf_stack = np.array(stack)  # norm × missing × units × leaves
        nodes = [n for n in framework.nodes() if n.level > 0]
        self.design = Design(
            weight_nodes=tuple(n.code for n in nodes),
            settings=settings,
            levels={i: n.level for i, n in enumerate(nodes)},
        )
        self._col = {code: i for i, code in enumerate(self.design.weight_nodes)}
        self._parents = [n for n in framework.postorder() if not n.is_leaf]
        self.rankable = [u.code for u in units.units if u.rank]
        comps = units.composites
        self._composite_codes = [u.code for u in comps]
        members = np.zeros((len(comps), len(self.base)))
        index = {c: i for i, c in enumerate(self.base)}
        for i, u in enumerate(comps):
            for m, w in u.members:
                members[i, index[m]] += w
        self._members = members
        order = self.base + self._composite_codes
        self._rank_idx = np.array([order.index(c) for c in self.rankable], dtype="int64")

    def _map(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Design rows → weight multipliers, normalisation, aggregation and missing indices."""
        s = self.settings
        d = self.design
        mult = 1.0 + s.weight_range * (2.0 * X[:, : len(d.weight_nodes)] - 1.0)
        norm_opts = [self.norm_catalogue.index(o) for o in s.normalisations]
        agg_opts = [self.agg_catalogue.index(o) for o in s.aggregations]
        miss_opts = [self.missing_catalogue.index(o) for o in s.missing]
        norm = np.array(norm_opts)[_choose(X[:, d.norm_col], len(norm_opts))]
        agg = np.array(agg_opts)[_choose(X[:, d.agg_col], len(agg_opts))]
        miss = np.array(miss_opts)[_choose(X[:, d.missing_col], len(miss_opts))]
        return mult, norm, agg, miss

    def totals(
        self,
        mult: np.ndarray,
        norm: np.ndarray,
        agg: np.ndarray,
        miss: np.ndarray,
    ) -> np.ndarray:
        """Total scores (replications × units: base units, then composites)."""
        leaf = self.leaf_stack[norm, miss]  # R × U × L
        r, u = leaf.shape[0], leaf.shape[1]
        scores: dict[str, np.ndarray] = {c: leaf[:, :, j] for j, c in enumerate(self.leaves)}
        for node in self._parents:
            children = np.stack([scores[c] for c in node.children], axis=2)  # R × U × k
            base_w = np.array([self.framework.node(c).weight for c in node.children])
            cols = [self._col[c] for c in node.children]
            w = base_w[None, :] * mult[:, cols]  # R × k
            out = np.empty((r, u))
            for a in np.unique(agg):
                rows = np.flatnonzero(agg == a)
                method = self.agg_catalogue[int(a)]
                method = node.aggregate if method == "configured" else method
                block = children[rows].reshape(len(rows) * u, -1)
                weights = np.repeat(w[rows], u, axis=0)
                res = weighted_mean(block, weights, method, node.min_coverage)
                out[rows] = res.score.reshape(len(rows), u)
            scores[node.code] = out
        total = scores[self.framework.root]
        if len(self._composite_codes):
            present = ~np.isnan(total)
            filled = np.where(present, total, 0.0)
            wsum = present.astype("float64") @ self._members.T
            with np.errstate(invalid="ignore", divide="ignore"):
                comp = np.where(wsum > 0, (filled @ self._members.T) / wsum, np.nan)
            total = np.concatenate([total, comp], axis=1)
        return total

    def evaluate_nominal(self) -> tuple[np.ndarray, np.ndarray]:
        """(totals, ranks) of the nominal design: the framework exactly as configured."""
        ones = np.ones((1, len(self.design.weight_nodes)))
        zero = np.zeros(1, dtype="int64")
        t = self.totals(ones, zero, zero, zero)[:, self._rank_idx]
        return t, competition_ranks(t)

    def evaluate(
        self, X: np.ndarray, batch_cells: int = DEFAULT_BATCH_CELLS
    ) -> tuple[np.ndarray, np.ndarray]:
        """Design rows → (totals, ranks) of the rankable units (replications × units), in
        batches so that memory stays bounded."""
        n_cells = max(1, len(self.base) * max(1, len(self.leaves)))
        batch = max(1, batch_cells // n_cells)
        totals, ranks = [], []
        for start in range(0, len(X), batch):
            mult, norm, agg, miss = self._map(X[start : start + batch])
            t = self.totals(mult, norm, agg, miss)[:, self._rank_idx]
            totals.append(t)
            ranks.append(competition_ranks(t))
        if not totals:
            empty = np.empty((0, len(self._rank_idx)))
            return empty, empty
        return np.concatenate(totals), np.concatenate(ranks)


def competition_ranks(totals: np.ndarray) -> np.ndarray:
    """Row-wise competition ranks of ``totals`` (higher first, ties share the best rank,
    NaN = no rank): the engine's ranking (:mod:`pipelines.scoring.rank`), vectorised."""
    greater = (totals[:, None, :] > totals[:, :, None]).sum(axis=2)
    return np.where(np.isnan(totals), np.nan, 1.0 + greater)


def _renormalised(framework: Framework, method: str) -> Framework:
    """The framework with every leaf (that has a direction) normalised by ``method``."""
    nodes: dict[str, Node] = {}
    for node in framework.nodes():
        if node.is_leaf and node.normalize is not None and node.direction is not None:
            node = replace(node, normalize=Normalize(method=method, params={}))
        nodes[node.code] = node
    return Framework(
        name=framework.name,
        root=framework.root,
        scale=framework.scale,
        _nodes=nodes,
        source=framework.source,
    )


def _leaf_matrix(leaf_scores: pd.DataFrame, units: list[str], leaves: list[str]) -> np.ndarray:
    wide = leaf_scores.pivot(index="unit", columns="node", values="score")
    return wide.reindex(index=units, columns=leaves).to_numpy(dtype="float64")


def _fill_city_min(matrix: np.ndarray) -> np.ndarray:
    """Missing leaf scores set to the lowest score of any unit on that leaf."""
    with np.errstate(all="ignore"):
        present = ~np.isnan(matrix)
        lowest = np.where(present, matrix, np.inf).min(axis=0)
    lowest = np.where(np.isinf(lowest), np.nan, lowest)
    return np.where(present, matrix, lowest[None, :])


# --- 红/黑榜 places -------------------------------------------------------------------------


def list_places(
    codes: Sequence[str],
    ranks: np.ndarray,
    totals: np.ndarray,
    previous: Mapping[str, tuple[int | None, float | None]],
    rules: Any,
) -> list[str]:
    """Each unit's 红/黑榜 place (``red``, ``black`` or ``""``) for one ranking, by the
    bulletin's own rules (:func:`pipelines.reports.model.lists.red_black_lists`)."""
    from pipelines.reports.model.lists import red_black_lists
    from pipelines.reports.model.rankings import RankRow

    rows = [
        RankRow.compared(
            rank=int(ranks[i]),
            unit_code=code,
            unit_name=code,
            short_name=code,
            score=float(totals[i]),
            previous_rank=previous.get(code, (None, None))[0],
            previous_score=previous.get(code, (None, None))[1],
        )
        for i, code in enumerate(codes)
        if not math.isnan(ranks[i])
    ]
    lists = red_black_lists(rows, rules)
    place = {e.unit.unit_code: "red" for e in lists.red}
    place.update({e.unit.unit_code: "black" for e in lists.black})
    return [place.get(code, "") for code in codes]


# --- the analysis --------------------------------------------------------------------------


UNIT_COLUMNS = [
    "unit_code",
    "unit_name",
    "nominal_score",
    "nominal_rank",
    "median_rank",
    "rank_p05",
    "rank_p95",
    "share_nominal_rank",
    "list_place",
    "share_list_place",
]
SENSITIVITY_COLUMNS = ["output", "factor", "factor_label", "s1", "s1_conf", "st", "st_conf"]


@dataclass(frozen=True)
class RobustnessResult:
    """``units``: one row per ranked unit (columns :data:`UNIT_COLUMNS`, best nominal rank
    first); ``sensitivity``: Sobol first-order (``s1``) and total (``st``) indices with 95 %
    confidence half-widths, one row per output (a unit code or :data:`MEAN_SHIFT`) × factor;
    ``ranks`` / ``totals``: the Monte Carlo replications × ranked units (``codes`` order)."""

    settings: RobustnessSettings
    codes: tuple[str, ...]
    units: pd.DataFrame
    sensitivity: pd.DataFrame
    ranks: np.ndarray
    totals: np.ndarray
    factors: tuple[Factor, ...] = field(default_factory=tuple)
    sobol_base: int = 0

    def driver(self, output: str = MEAN_SHIFT) -> pd.Series | None:
        """The factor with the largest total index for ``output`` (None if none varies)."""
        rows = self.sensitivity[self.sensitivity["output"] == output]
        rows = rows[rows["st"].notna()]
        if rows.empty:
            return None
        return rows.sort_values(["st", "factor"], ascending=[False, True]).iloc[0]


def sobol_base_size(replications: int) -> int:
    """Base sample of the Saltelli design: the largest power of two ≤ ``replications``
    (Sobol' sequences are balanced at powers of two); evaluations = base × (factors + 2)."""
    return 1 << max(1, math.floor(math.log2(max(2, replications))))


def analyse(
    framework: Framework,
    values: pd.DataFrame,
    units: Units,
    settings: RobustnessSettings | None = None,
    *,
    history: pd.DataFrame | None = None,
    previous: Mapping[str, tuple[int | None, float | None]] | None = None,
    rules: Any = None,
    names: Mapping[str, str] | None = None,
    sensitivity: bool = True,
) -> RobustnessResult:
    """Monte Carlo uncertainty and Sobol sensitivity of one period's ranking.

    ``values``: the period's indicator values (``unit, indicator, value``); ``history``:
    earlier periods (reference pool of ``frontier_observed`` bounds, as in scoring);
    ``previous``: unit → (previous rank, previous total) for the 红/黑榜 risers and fallers;
    ``rules``: :class:`pipelines.reports.config.ListRules` (default rules if None).
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    from pipelines.reports.config import ListRules

    settings = settings or RobustnessSettings()
    rules = rules or ListRules()
    previous = previous or {}
    names = names or {u.code: u.name for u in units.units}
    if settings.replications < 2:
        raise RobustnessConfigError("模拟次数应不少于 2")
    scorer = Rescorer(framework, values, units, settings, history=history)
    design = scorer.design
    nominal_totals, nominal_ranks = scorer.evaluate_nominal()
    keep = ~np.isnan(nominal_ranks[0])
    codes = tuple(c for c, k in zip(scorer.rankable, keep, strict=True) if k)
    rng = np.random.default_rng(settings.seed)
    X = rng.random((settings.replications, design.width))
    totals, ranks = scorer.evaluate(X)
    totals, ranks = totals[:, keep], ranks[:, keep]
    nominal_rank = nominal_ranks[0, keep]
    nominal_total = nominal_totals[0, keep]
    worst = float(len(codes))
    filled = np.where(np.isnan(ranks), worst, ranks)

    nominal_place = list_places(codes, nominal_rank, nominal_total, previous, rules)
    same_place = np.zeros(len(codes))
    for r in range(len(ranks)):
        places = list_places(codes, ranks[r], totals[r], previous, rules)
        same_place += np.array([p == q for p, q in zip(places, nominal_place, strict=True)])

    def pct(q: float) -> np.ndarray:
        return np.quantile(filled, q, axis=0, method="inverted_cdf") if len(codes) else np.array([])

    table = pd.DataFrame(
        {
            "unit_code": list(codes),
            "unit_name": [names.get(c, c) for c in codes],
            "nominal_score": nominal_total,
            "nominal_rank": nominal_rank.astype("int64"),
            "median_rank": pct(0.5).astype("int64"),
            "rank_p05": pct(0.05).astype("int64"),
            "rank_p95": pct(0.95).astype("int64"),
            "share_nominal_rank": (filled == nominal_rank[None, :]).mean(axis=0),
            "list_place": nominal_place,
            "share_list_place": same_place / len(ranks),
        }
    )
    table = table.sort_values(["nominal_rank", "unit_code"], kind="stable").reset_index(drop=True)

    factors = tuple(design.factors())
    sens = pd.DataFrame({c: pd.Series(dtype="object") for c in SENSITIVITY_COLUMNS})
    base = 0
    if sensitivity and factors and len(codes):
        base = sobol_base_size(settings.replications)
        problem = _problem(design, factors)
        sample = sobol_sample.sample(problem, base, calc_second_order=False, seed=settings.seed)
        X_sobol = np.tile(design.filler_row(), (len(sample), 1))
        active = [c for f in factors for c in f.columns]
        X_sobol[:, active] = sample
        _, s_ranks = scorer.evaluate(X_sobol)
        s_ranks = np.where(np.isnan(s_ranks[:, keep]), worst, s_ranks[:, keep])
        outputs = {c: s_ranks[:, i] for i, c in enumerate(codes)}
        outputs[MEAN_SHIFT] = np.abs(s_ranks - nominal_rank[None, :]).mean(axis=1)
        rows = []
        for output, y in outputs.items():
            if np.ptp(y) == 0:
                indices = {k: np.zeros(len(factors)) for k in ("S1", "S1_conf", "ST", "ST_conf")}
            else:
                with warnings.catch_warnings():
                    # Some resamples of a rank that rarely moves are constant: SALib warns;
                    # its indices are still defined (the output's total variance is not 0).
                    warnings.simplefilter("ignore", UserWarning)
                    indices = sobol_analyze.analyze(
                        problem,
                        y,
                        calc_second_order=False,
                        num_resamples=SOBOL_RESAMPLES,
                        seed=settings.seed,
                    )
            for i, f in enumerate(factors):
                rows.append(
                    (
                        output,
                        f.name,
                        f.label,
                        float(indices["S1"][i]),
                        float(indices["S1_conf"][i]),
                        float(indices["ST"][i]),
                        float(indices["ST_conf"][i]),
                    )
                )
        sens = pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
    return RobustnessResult(
        settings=settings,
        codes=codes,
        units=table,
        sensitivity=sens,
        ranks=ranks,
        totals=totals,
        factors=factors,
        sobol_base=base,
    )


def _problem(design: Design, factors: Sequence[Factor]) -> dict[str, Any]:
    """SALib problem over the varying design columns, grouped by factor."""
    names: list[str] = []
    groups: list[str] = []
    for f in factors:
        for c in f.columns:
            names.append(f"x{c}")
            groups.append(f.name)
    problem: dict[str, Any] = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[0.0, 1.0]] * len(names),
    }
    if len(set(groups)) < len(groups):
        problem["groups"] = groups
    return problem
