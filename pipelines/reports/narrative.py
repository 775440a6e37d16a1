"""一、总体情况: paragraphs written from the computed records (no number is typed by hand).

Every number is formatted by the same helpers the tables use, so the text and the tables
agree to the digit (scores two decimals, changes signed in words).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pipelines.quarters import Quarter
from pipelines.registry import Registry
from pipelines.reports.model.data_quality import SourceQuality
from pipelines.reports.model.formatting import fmt_number, fmt_share, round2
from pipelines.reports.model.key_indicators import KeyIndicator
from pipelines.reports.model.lists import RedBlackLists
from pipelines.reports.model.rankings import RankRow
from pipelines.reports.model.robustness import Robustness
from pipelines.reports.model.satisfaction import SatisfactionRow
from pipelines.reports.model.summaries import IndicatorSummary
from pipelines.scoring import Framework

_CN_DIGITS = "零一二三四五六七八九十"


def cn_ordinal(n: int) -> str:
    """1 → 一, 12 → 十二 (ranks in prose up to 99)."""
    if n <= 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return f"{head}十{_CN_DIGITS[ones] if ones else ''}"


def change_words(
    change: float | None, unit: str = "分", up: str = "提高", down: str = "下降"
) -> str:
    """'较上季度提高1.20分' / '与上季度持平' / '' (no previous quarter)."""
    if change is None:
        return ""
    if change == 0:
        return "与上季度持平"
    verb = up if change > 0 else down
    return f"较上季度{verb}{fmt_number(abs(change))}{unit}"


def _names(rows: Sequence[RankRow]) -> str:
    return "、".join(r.unit_name for r in rows)


def overview(
    quarter: Quarter,
    registry: Registry,
    framework: Framework,
    rows: list[RankRow],
    keys: list[KeyIndicator],
    lists: RedBlackLists,
    satisfaction: list[SatisfactionRow],
    quality: list[SourceQuality],
) -> list[str]:
    paragraphs: list[str] = []
    by_code = {u.code: u for u in registry.units}
    types = Counter(by_code[r.unit_code].type if r.unit_code in by_code else "其他" for r in rows)
    order = list(dict.fromkeys([u.type for u in registry.units] + ["其他"]))
    type_text = "、".join(f"{types[t]}个{t}" for t in order if types[t])
    levels = Counter(n.level for n in framework.nodes())
    in_force = sum(1 for q in quality if q.file_name is not None)
    paragraphs.append(
        f"{quarter.label_zh}，全市共{len(rows)}个县（市、区）和开发区参加营商环境评价"
        f"（{type_text}）。评价指标体系包括{levels.get(1, 0)}个一级指标、"
        f"{levels.get(2, 0)}个二级指标，"
        + (
            f"数据来源于各牵头单位报送并通过校验的{in_force}类数据。"
            if in_force
            else "数据来源于数据仓库中各牵头单位报送的数据。"
        )
    )

    if rows:
        leader = [r for r in rows if r.rank == rows[0].rank]
        last = [r for r in rows if r.rank == rows[-1].rank]
        mean = round2(sum(r.score for r in rows) / len(rows))
        prev_scores = [r.previous_score for r in rows if r.previous_score is not None]
        text = (
            f"综合得分第一的是{_names(leader)}（{fmt_number(round2(leader[0].score))}分），"
            f"排名末位的是{_names(last)}（{fmt_number(round2(last[0].score))}分）；"
            f"全市平均综合得分{fmt_number(mean)}分"
        )
        if len(prev_scores) == len(rows):
            prev_mean = round2(sum(prev_scores) / len(prev_scores))
            text += "，" + change_words(round2(mean - prev_mean))  # type: ignore[operator]
        paragraphs.append(text + "。")

    compared = [r for r in rows if r.rank_change is not None]
    if compared:
        up = [r for r in compared if r.rank_change > 0]  # type: ignore[operator]
        down = [r for r in compared if r.rank_change < 0]  # type: ignore[operator]
        same = len(compared) - len(up) - len(down)
        text = f"与上季度相比，{len(up)}个单位排名上升，{len(down)}个下降，{same}个持平。"
        if up:
            best = max(up, key=lambda r: (r.rank_change, r.score_change or 0.0, -r.rank))
            text += (
                f"进步最大的是{best.unit_name}，排名上升{best.rank_change}位"
                f"（由第{best.previous_rank}位升至第{best.rank}位），"
                f"综合得分{change_words(best.score_change).removeprefix('较上季度')}。"
            )
        if down:
            worst = min(down, key=lambda r: (r.rank_change, r.score_change or 0.0, r.rank))
            text += (
                f"退步最大的是{worst.unit_name}，排名下降{-(worst.rank_change or 0)}位"
                f"（由第{worst.previous_rank}位降至第{worst.rank}位），"
                f"综合得分{change_words(worst.score_change).removeprefix('较上季度')}。"
            )
        paragraphs.append(text)
    elif rows:
        paragraphs.append("本季度为首次评价，暂无与上季度的比较。")

    if keys:
        parts = []
        for k in keys:
            if k.mean is None:
                continue
            label = k.name if k.kind == "value" else f"{k.name}平均得分"
            mean_text = f"{fmt_number(round2(k.mean))}{k.unit}"
            part = f"{label}{mean_text}"
            if k.kind == "value":
                words = change_words(k.change, k.unit, up="增加", down="减少")
            else:
                words = change_words(k.change, k.unit)
            if words:
                part += f"，{words}"
                if k.improved is not None and k.kind == "value":
                    part += "（向好）" if k.improved else "（走弱）"
            parts.append(part)
        if parts:
            paragraphs.append("分项看，全市" + "；".join(parts) + "。")

    red = "、".join(e.unit.unit_name for e in lists.red) or "无"
    black = "、".join(e.unit.unit_name for e in lists.black) or "无"
    paragraphs.append(
        f"本季度列入红榜的{len(lists.red)}个单位：{red}；"
        f"列入黑榜的{len(lists.black)}个单位：{black}。"
    )

    if satisfaction:
        total = sum(r.responses for r in satisfaction)
        top, bottom = satisfaction[0], satisfaction[-1]
        paragraphs.append(
            f"企业满意度测评共收回{total}份评价，涉及{len(satisfaction)}个部门，"
            f"满意度最高的是{top.department}（{fmt_number(top.score)}分），"
            f"最低的是{bottom.department}（{fmt_number(bottom.score)}分）。"
        )
    return paragraphs


def indicator_sentence(summary: IndicatorSummary) -> str:
    """One line under each first-level indicator's chart."""
    if summary.mean is None:
        return f"{summary.name}本季度无有效得分。"
    text = f"全市平均得分{fmt_number(round2(summary.mean))}分"
    words = change_words(summary.change)
    if words:
        text += f"，{words}"
    if summary.best and summary.worst:
        text += (
            f"；最高为{summary.best.short_name}（{fmt_number(round2(summary.best.score))}分），"
            f"最低为{summary.worst.short_name}（{fmt_number(round2(summary.worst.score))}分）"
        )
    return text + "。"


def robustness_sentence(robustness: Robustness | None) -> str:
    """综合排名's one sentence on how sure the ranks are, e.g. "甲区在 93% 的模拟中保持第 1 名；
    乙市与丙区的名次区间重叠，名次差异不显著。" (the percentages are the table's)."""
    if robustness is None or robustness.leader is None:
        return ""
    leader = robustness.leader
    text = (
        f"{leader.unit.unit_name}在{fmt_share(leader.share_rank)}的模拟中保持第{leader.unit.rank}名"
    )
    pairs = robustness.overlapping_pairs()
    if pairs:
        a, b = pairs[0]
        text += f"；{a.unit.unit_name}与{b.unit.unit_name}的名次区间重叠，名次差异不显著"
        if len(pairs) > 1:
            text += f"（相邻名次中共有{len(pairs)}对单位的名次区间重叠）"
    else:
        text += "；相邻名次单位的名次区间均不重叠，排名次序稳定"
    return text + "。"
