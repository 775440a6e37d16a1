"""部门满意度: departments ranked by the survey's overall score, their sub-scores, and the
comments on the lowest-rated ones."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.reports.data import BulletinData
from pipelines.reports.model.formatting import round2, to_float, to_int


@dataclass(frozen=True)
class SatisfactionRow:
    rank: int
    department: str
    responses: int
    score: float  # mean 总体满意度 (1-5) × 20, on 100
    dissatisfied_share: float  # 0-1
    # 服务态度, 办事效率, 政策落实, 廉洁自律: mean (1-5) × 20 (None when none answered)
    sub_scores: tuple[float | None, ...] = (None, None, None, None)


SUB_SCORES = ("服务态度", "办事效率", "政策落实", "廉洁自律")
_SUB_SCORE_COLUMNS = ("mean_attitude", "mean_efficiency", "mean_policy", "mean_integrity")


@dataclass(frozen=True)
class Comment:
    department: str
    score_overall: int | None
    text: str


def satisfaction_rows(data: BulletinData) -> list[SatisfactionRow]:
    frame = data.satisfaction
    items = [
        (
            str(r.department),
            int(r.responses),
            round2(float(r.mean_overall) * 20.0) or 0.0,
            float(r.dissatisfied) / float(r.responses) if r.responses else 0.0,
            tuple(
                None if (v := to_float(getattr(r, c, None))) is None else round2(v * 20.0)
                for c in _SUB_SCORE_COLUMNS
            ),
        )
        for r in frame.itertuples(index=False)
        if r.responses
    ]
    items.sort(key=lambda t: (-t[2], -t[1], t[0]))
    out: list[SatisfactionRow] = []
    for i, (dept, n, score, share, subs) in enumerate(items):
        rank = out[-1].rank if out and out[-1].score == score else i + 1
        out.append(SatisfactionRow(rank, dept, n, score, share, subs))
    return out


def selected_comments(
    data: BulletinData, rows: list[SatisfactionRow], departments: int, per_department: int
) -> list[Comment]:
    """Comments on the lowest-rated departments, lowest ratings first."""
    lowest = [r.department for r in reversed(rows)][:departments]
    out = []
    for dept in lowest:
        sub = data.comments[data.comments["department"] == dept]
        for r in sub.head(per_department).itertuples(index=False):
            out.append(Comment(dept, to_int(r.score_overall), str(r.comment)))
    return out
