"""`bizenv backfill` and `bizenv run`: quarters in order, and re-running a quarter is
idempotent (same tables, same bulletin apart from its generation time)."""

from __future__ import annotations

import re

import duckdb
import pytest

from pipelines.cli import main
from pipelines.demo.generator import generate_landing
from pipelines.env import Workdir
from pipelines.quarters import Quarter

QUARTERS = [Quarter(2024, 4), Quarter(2025, 1)]
_TIMESTAMPS = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?")


def snapshot(workdir: Workdir, quarter: Quarter) -> dict[str, list[tuple]]:
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        return {
            table: con.execute(
                f"select * exclude (quarter) from scores.{table} where quarter = ? order by all",
                [str(quarter)],
            ).fetchall()
            for table in ("indicator_values", "indicator_scores", "rankings")
        }


def bulletin_text(workdir: Workdir, quarter: Quarter) -> str:
    (path,) = (workdir.reports / str(quarter)).glob("*季通报.html")
    return _TIMESTAMPS.sub("<time>", path.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_backfill_two_quarters_then_rerun_is_idempotent(
    workdir: Workdir, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_landing(workdir.landing, seed=11, scale=0.03, quarters=QUARTERS)
    assert main(["backfill"]) == 0
    out = capsys.readouterr().out
    assert "回填 2024Q4 至 2025Q1，共 2 个季度" in out
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        ranked = con.execute(
            "select quarter, count(*), count(previous_rank) from scores.rankings group by quarter "
            "order by quarter"
        ).fetchall()
    # Ten units each quarter; only the second quarter has a previous rank to compare with.
    assert ranked == [("2024Q4", 10, 0), ("2025Q1", 10, 10)]

    before, page_before = snapshot(workdir, QUARTERS[1]), bulletin_text(workdir, QUARTERS[1])
    assert main(["run", "--quarter", "2025Q1"]) == 0
    assert snapshot(workdir, QUARTERS[1]) == before
    assert bulletin_text(workdir, QUARTERS[1]) == page_before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--quarter", "2025Q9"], "无法识别的季度"),
        (["run", "--quarter", "2023Q4"], "不在可运行范围内"),
        (["run", "--quarter", "2025Q1", "--source", "water"], "未知的数据源"),
        (["backfill", "--from", "2025Q2", "--to", "2025Q1"], "早于起始季度"),
        (["backfill"], "没有季度文件夹"),
    ],
)
def test_usage_errors_exit_2(
    workdir: Workdir, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
