"""Demo 整改进展台账 (示例数据): the lead departments' filled ledgers of a quarter.

Behaviour, drawn per task from the seed (reproducible): about one task in seven is neglected
(未启动 every quarter, so it runs past its deadline: 逾期); the others are worked on (推进中)
or reported 已完成 with a completion date inside the quarter — whether that holds is for the
next scoring to say (销号 if the target is met, 回炉 if the indicator did not improve).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.demo.writer import received_time, set_mtime
from pipelines.quarters import Quarter
from pipelines.rectification.ledger import SOURCE, locked_values, write_ledger
from pipelines.rectification.store import open_tasks, table_exists

MEASURES = (
    "压缩办理环节，推行并联审批",
    "梳理申请材料清单，取消重复提交材料",
    "开展窗口人员业务培训，实行首问负责",
    "上线网上办理入口，推广全程网办",
    "建立周调度机制，逐件跟踪超时办件",
)
PROGRESS = {
    "未启动": "尚未启动，正在研究整改方案",
    "推进中": "整改方案已印发，措施正在落实，本季度完成阶段性目标",
    "已完成": "各项整改措施已落实到位，申请销号",
}
OWNERS = ("张伟（副局长）", "李娜（科长）", "王强（主任）", "刘洋（副主任）", "陈静（科长）")


def _draw(*parts: object) -> float:
    """A reproducible number in [0, 1) from ``parts``."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def fill_ledger(tasks: pd.DataFrame, quarter: Quarter, seed: int) -> pd.DataFrame:
    """The filled rows of ``tasks`` (open in ``quarter``) as the departments return them."""
    rows = locked_values(tasks)
    statuses, dates, measures, owners, progress, evidence = [], [], [], [], [], []
    for tid in rows["task_id"]:
        neglected = _draw(seed, tid, "neglect") < 0.15
        r = _draw(seed, tid, quarter)
        status = "未启动" if neglected else ("已完成" if r < 0.4 else "推进中")
        statuses.append(status)
        day = quarter.start + timedelta(days=20 + int(_draw(seed, tid, quarter, "d") * 60))
        dates.append(pd.Timestamp(day) if status == "已完成" else pd.NaT)
        k = int(_draw(seed, tid, "m") * len(MEASURES))
        measures.append(None if status == "未启动" else MEASURES[k])
        owners.append(OWNERS[int(_draw(seed, tid, "o") * len(OWNERS))])
        progress.append(PROGRESS[status])
        evidence.append(None if status == "未启动" else "整改方案、工作台账及相关文件（存本单位）")
    return rows.assign(
        measures=measures,
        owner=owners,
        progress=progress,
        status=statuses,
        completed_at=dates,
        evidence=evidence,
    )


def write_demo_ledger(
    warehouse: Path, landing: Path, quarter: Quarter, *, seed: int, synthetic: bool = True
) -> tuple[Path, datetime, int] | None:
    """Write ``landing/<quarter>/rectification_progress/`` from the tasks open in ``quarter``
    (the previous quarter must be scored). Returns (path, received time, rows), or None when
    no task is open."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        if not table_exists(con, "scores", "rectification_tasks"):
            return None
        tasks = open_tasks(con, quarter)
    if tasks.empty:
        return None
    rows = fill_ledger(tasks, quarter, seed)
    path = landing / str(quarter) / SOURCE / f"整改进展台账_{quarter}_汇总.xlsx"
    write_ledger(rows, path, quarter=quarter, department="各牵头单位（汇总）", synthetic=synthetic)
    when = received_time(SOURCE, quarter)
    set_mtime(path, when)
    return path, when, len(rows)
