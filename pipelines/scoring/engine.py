"""The scoring engine: values (period, unit, indicator, value) → node scores and ranks.

Pure: pandas in, pandas out; no files, no database. Vectorised per node (each normalisation
and aggregation works on whole columns covering every unit and period).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.scoring.aggregate import weighted_mean
from pipelines.scoring.framework import Framework
from pipelines.scoring.normalize import FLAG_MISSING, normalize_leaf
from pipelines.scoring.rank import competition_rank
from pipelines.scoring.units import Units

FLAG_PARTIAL_MEMBERS = "partial"

NO_PERIOD = ""  # internal period key when the values have no period column

NODE_SCORE_COLUMNS = ["period", "unit", "node", "level", "parent", "score", "rank", "flags"]
LEAF_SCORE_COLUMNS = ["period", "unit", "node", "value", "best", "worst", "score", "flags"]


class ScoringInputError(ValueError):
    """Values that cannot be scored by the framework (Chinese message)."""


@dataclass(frozen=True)
class ScoreResult:
    """Scores of one run.

    ``node_scores``: one row per period × unit × node (root, parents and leaves), columns
    ``period, unit, node, level, parent, score, rank, flags`` — score unrounded (float, NaN if
    missing), rank ``Int64`` (NA if missing or not ranked), flags ``;``-joined (empty if none).
    ``leaf_scores``: one row per period × plain unit × leaf, columns ``period, unit, node,
    value, best, worst, score, flags`` (``best``/``worst``: the bounds used, when the method
    has bounds; useful to audit ``frontier_observed`` windows).
    ``has_period``: whether the input had a ``period`` column (else ``period`` is "").
    """

    node_scores: pd.DataFrame
    leaf_scores: pd.DataFrame
    framework: Framework
    units: Units
    has_period: bool

    @property
    def totals(self) -> pd.DataFrame:
        """Root (total) rows: ``period, unit, score, rank, flags``."""
        df = self.node_scores
        out = df[df["node"] == self.framework.root]
        return out[["period", "unit", "score", "rank", "flags"]].reset_index(drop=True)

    def wide(self, column: str = "score", period: object | None = None) -> pd.DataFrame:
        """Units × nodes table of ``column`` (score or rank) for one period (default: last)."""
        df = self.node_scores
        if period is None:
            period = df["period"].max() if len(df) else NO_PERIOD
        sub = df[df["period"] == period]
        order = [n.code for n in self.framework.nodes()]
        table = sub.pivot(index="unit", columns="node", values=column)
        return table.reindex(index=self.units.codes, columns=order)

    def output(self) -> pd.DataFrame:
        """The public table of ``bizenv score``: [period,] unit, node, score, rank."""
        cols = ["period", "unit", "node", "score", "rank"]
        if not self.has_period:
            cols = cols[1:]
        return self.node_scores[cols].reset_index(drop=True)


def score(
    framework: Framework,
    values: pd.DataFrame,
    units: Units | None = None,
    *,
    history: pd.DataFrame | None = None,
) -> ScoreResult:
    """Score ``values`` (columns ``unit, indicator, value`` and optionally ``period``).

    ``units``: the units evaluated (composites, ``rank: false``); default: every unit in
    ``values``, plain and ranked. A unit of ``units`` without values gets missing scores.
    ``history``: earlier periods' values (same columns), used only as the reference pool of
    ``frontier_observed`` windows; history rows are not scored.
    Error messages name a row by its line in the file the frame was read from: row 0 is
    line 2 (the header is line 1), as ``bizenv score`` reports its own input errors.
    """
    has_period = "period" in values.columns
    vals = _prepare(values, framework, "values")
    if units is None:
        units = Units.plain(dict.fromkeys(vals["unit"]))
    _check_units(vals, units)
    hist = _prepare(history, framework, "history") if history is not None else None
    if hist is not None:
        base_codes = {u.code for u in units.base}
        hist = hist[hist["unit"].isin(base_codes)]

    periods = sorted(dict.fromkeys(vals["period"])) if len(vals) else []
    if not has_period:
        periods = [NO_PERIOD]
    base = [u.code for u in units.base]
    grid = pd.MultiIndex.from_product([periods, base], names=["period", "unit"])
    wide = (
        vals.set_index(["period", "unit", "indicator"])["value"].unstack("indicator").reindex(grid)
    )
    grid_frame = grid.to_frame(index=False)
    n = len(grid_frame)

    scores: dict[str, np.ndarray] = {}
    flags: dict[str, dict[str, np.ndarray]] = {}
    leaf_parts: list[pd.DataFrame] = []
    for leaf in framework.leaves():
        raw = (
            wide[leaf.code].to_numpy(dtype="float64")
            if leaf.code in wide.columns
            else np.full(n, np.nan)
        )
        frame = pd.DataFrame({"period": grid_frame["period"], "value": raw})
        pool = None
        if leaf.normalize is not None and leaf.normalize.method == "frontier_observed":
            current = frame.dropna(subset=["value"])
            if hist is not None:
                past = hist.loc[hist["indicator"] == leaf.code, ["period", "value"]]
                past = past[~past["period"].isin(set(current["period"]))]
                pool = pd.concat([past, current], ignore_index=True)
            else:
                pool = current
        result = normalize_leaf(leaf, frame, framework.scale, pool)
        scores[leaf.code] = result.score
        flags[leaf.code] = result.flags
        leaf_parts.append(
            pd.DataFrame(
                {
                    "period": grid_frame["period"],
                    "unit": grid_frame["unit"],
                    "node": leaf.code,
                    "value": raw,
                    "best": result.best,
                    "worst": result.worst,
                    "score": result.score,
                    "flags": _join_flags(result.flags, n),
                }
            )
        )

    for node in framework.postorder():
        if node.is_leaf:
            continue
        matrix = np.column_stack([scores[c] for c in node.children])
        weights = np.array([framework.node(c).weight for c in node.children])
        agg = weighted_mean(matrix, weights, node.aggregate, node.min_coverage)
        scores[node.code] = agg.score
        flags[node.code] = agg.flags

    parts = [
        pd.DataFrame(
            {
                "period": grid_frame["period"],
                "unit": grid_frame["unit"],
                "node": node.code,
                "score": scores[node.code],
                "flags": _join_flags(flags[node.code], n),
            }
        )
        for node in framework.nodes()
    ]
    long = pd.concat(parts, ignore_index=True) if parts else _empty(["period", "unit", "node"])
    if units.composites:
        long = pd.concat([long, _composites(long, units)], ignore_index=True)

    rankable = {u.code for u in units.units if u.rank}
    long["rank"] = competition_rank(long, ["period", "node"], eligible=long["unit"].isin(rankable))
    level = {nd.code: nd.level for nd in framework.nodes()}
    parent = {nd.code: nd.parent for nd in framework.nodes()}
    long["level"] = long["node"].map(level).astype("int64")
    long["parent"] = long["node"].map(parent)
    long = _ordered(long, periods, units.codes, [nd.code for nd in framework.nodes()])
    leaf_scores = (
        _ordered(
            pd.concat(leaf_parts, ignore_index=True), periods, units.codes, framework.leaf_codes
        )
        if leaf_parts
        else _empty(LEAF_SCORE_COLUMNS)
    )
    return ScoreResult(
        node_scores=long[NODE_SCORE_COLUMNS].reset_index(drop=True),
        leaf_scores=leaf_scores[LEAF_SCORE_COLUMNS].reset_index(drop=True),
        framework=framework,
        units=units,
        has_period=has_period,
    )


# --- helpers ------------------------------------------------------------------------------


def _prepare(values: pd.DataFrame, framework: Framework, what: str) -> pd.DataFrame:
    label = "指标值表" if what == "values" else "历史指标值表"
    missing = [c for c in ("unit", "indicator", "value") if c not in values.columns]
    if missing:
        raise ScoringInputError(f"{label}缺少列：{'、'.join(missing)}")
    df = values.copy()
    if "period" not in df.columns:
        df["period"] = NO_PERIOD
    df = df[["period", "unit", "indicator", "value"]].reset_index(drop=True)
    df["unit"] = df["unit"].astype("str").str.strip()
    df["indicator"] = df["indicator"].astype("str").str.strip()
    if not pd.api.types.is_numeric_dtype(df["value"]):
        text = df["value"].astype("string").str.strip()
        numeric = pd.to_numeric(text.replace("", pd.NA), errors="coerce")
        bad = numeric.isna() & text.notna() & (text != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ScoringInputError(
                f"{label}第 {_line(i)} 行（单位 {df.at[i, 'unit']}，指标 "
                f"{df.at[i, 'indicator']}）的值“{text.iloc[i]}”不是数值"
            )
        df["value"] = numeric.astype("float64")
    else:
        df["value"] = df["value"].astype("float64")
    if np.isinf(df["value"].to_numpy()).any():
        i = int(np.flatnonzero(np.isinf(df["value"].to_numpy()))[0])
        raise ScoringInputError(
            f"{label}第 {_line(i)} 行（单位 {df.at[i, 'unit']}，指标 "
            f"{df.at[i, 'indicator']}）的值不是有限数值"
        )

    unknown = [c for c in dict.fromkeys(df["indicator"]) if c not in framework]
    if unknown:
        raise ScoringInputError(
            f"{label}中的指标 {'、'.join(unknown[:10])} 不在指标体系“{framework.name}”中"
        )
    parents = [c for c in dict.fromkeys(df["indicator"]) if not framework.node(c).is_leaf]
    if parents:
        raise ScoringInputError(
            f"{label}中的指标 {'、'.join(parents[:10])} 是上级指标（得分由下级指标汇总），"
            "不能直接提供数值"
        )
    dup = df.duplicated(["period", "unit", "indicator"], keep=False)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        row = df.iloc[i]
        same = (df[["period", "unit", "indicator"]] == row[["period", "unit", "indicator"]]).all(
            axis=1
        )
        lines = "、".join(str(_line(j)) for j in np.flatnonzero(same.to_numpy()))
        when = f"期间 {row['period']}，" if row["period"] != NO_PERIOD else ""
        raise ScoringInputError(
            f"{label}有重复的行：{when}单位 {row['unit']}，指标 {row['indicator']} 出现多次"
            f"（第 {lines} 行）"
        )
    return df


def _line(position: int) -> int:
    """Line number in the values file of data row ``position`` (0-based; header = line 1)."""
    return position + 2


def _check_units(vals: pd.DataFrame, units: Units) -> None:
    listed = set(units.codes)
    unknown = [u for u in dict.fromkeys(vals["unit"]) if u not in listed]
    if unknown:
        raise ScoringInputError(f"指标值表中的单位 {'、'.join(unknown[:10])} 不在单位清单中")
    composite = {u.code for u in units.composites}
    given = [u for u in dict.fromkeys(vals["unit"]) if u in composite]
    if given:
        raise ScoringInputError(
            f"单位 {'、'.join(given[:10])} 是合成单位（得分为其成员得分的加权平均），"
            "不能直接提供指标值"
        )


def _composites(long: pd.DataFrame, units: Units) -> pd.DataFrame:
    """Each composite's score at every node: weighted mean of its members' scores there,
    weights renormalised over members with a score (flag ``partial`` if some lack one)."""
    members = units.members_frame()
    merged = members.merge(
        long[["period", "unit", "node", "score"]], left_on="member", right_on="unit", how="left"
    )
    merged["present"] = merged["score"].notna()
    merged["w"] = np.where(merged["present"], merged["weight"], 0.0)
    merged["ws"] = merged["w"] * merged["score"].fillna(0.0)
    g = (
        merged.groupby(["period", "composite", "node"], sort=False, dropna=False)
        .agg(
            ws=("ws", "sum"),
            w=("w", "sum"),
            present=("present", "sum"),
            members=("present", "size"),
        )
        .reset_index()
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(g["w"] > 0, g["ws"] / g["w"], np.nan)
    flag = np.where(
        np.isnan(value),
        FLAG_MISSING,
        np.where(g["present"] < g["members"], FLAG_PARTIAL_MEMBERS, ""),
    )
    return pd.DataFrame(
        {
            "period": g["period"],
            "unit": g["composite"],
            "node": g["node"],
            "score": value,
            "flags": flag,
        }
    )


def _join_flags(flags: dict[str, np.ndarray], n: int) -> np.ndarray:
    out = np.full(n, "", dtype=object)
    for name, mask in flags.items():
        mask = np.asarray(mask, dtype=bool)
        out = np.where(mask, np.where(out == "", name, out + ";" + name), out)
    return out


def _ordered(
    df: pd.DataFrame, periods: list[object], units: list[str], nodes: Iterable[str]
) -> pd.DataFrame:
    keys = pd.DataFrame(
        {
            "_p": df["period"].map({p: i for i, p in enumerate(periods)}),
            "_u": df["unit"].map({u: i for i, u in enumerate(units)}),
            "_n": df["node"].map({c: i for i, c in enumerate(nodes)}),
        }
    )
    order = np.lexsort((keys["_n"].to_numpy(), keys["_u"].to_numpy(), keys["_p"].to_numpy()))
    return df.iloc[order]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
