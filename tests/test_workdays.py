"""Working days by China's official calendar: holidays and 调休 workdays, Python and DuckDB."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from pipelines.indicators.compute import ensure_shared_views
from pipelines.warehouse.store import ensure_schema
from pipelines.workdays import (
    CalendarCoverageError,
    add_workdays,
    ensure_calendar,
    is_workday,
    work_calendar,
    workdays_between,
)

START, END = date(2024, 1, 1), date(2025, 12, 31)


@pytest.fixture(scope="module")
def calendar() -> pd.DataFrame:
    return work_calendar(START, END).set_index("day")


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    ensure_calendar(connection, START, END)
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # 国庆 2024: Oct 1–7 off; Sun Sep 29 and Sat Oct 12 are 调休 workdays.
        (date(2024, 9, 29), True),
        (date(2024, 9, 30), True),
        *[(date(2024, 10, d), False) for d in range(1, 8)],
        (date(2024, 10, 8), True),
        (date(2024, 10, 12), True),
        (date(2024, 10, 13), False),
        # 春节 2025: Jan 28 – Feb 4 off; Sun Jan 26 and Sat Feb 8 are workdays.
        (date(2025, 1, 26), True),
        (date(2025, 1, 27), True),
        *[(date(2025, 1, d), False) for d in range(28, 32)],
        *[(date(2025, 2, d), False) for d in range(1, 5)],
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),
        (date(2025, 2, 9), False),
        # 劳动节 2025: May 1–5 off; Sun Apr 27 is a workday.
        (date(2025, 4, 27), True),
        (date(2025, 4, 30), True),
        *[(date(2025, 5, d), False) for d in range(1, 6)],
        (date(2025, 5, 6), True),
        # Plain weekend and weekday.
        (date(2025, 3, 15), False),
        (date(2025, 3, 17), True),
    ],
)
def test_holidays_and_swapped_workdays(calendar: pd.DataFrame, day: date, expected: bool) -> None:
    assert bool(calendar.loc[day, "is_workday"]) is expected
    assert is_workday(day) is expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2024, 9, 30), date(2024, 9, 30), 0),  # same day
        (date(2024, 9, 27), date(2024, 9, 29), 1),  # Fri → Sun 调休 workday
        (date(2024, 9, 30), date(2024, 10, 8), 1),  # across 国庆
        (date(2024, 9, 28), date(2024, 10, 8), 3),  # Sat: Sep 29, 30, Oct 8
        (date(2024, 10, 3), date(2024, 10, 8), 1),  # start on a holiday
        (date(2024, 10, 8), date(2024, 10, 12), 4),  # Oct 9, 10, 11, 12 (调休 Sat)
        (date(2025, 1, 24), date(2025, 2, 5), 3),  # Jan 26, 27, Feb 5
        (date(2025, 1, 27), date(2025, 2, 8), 4),  # Feb 5, 6, 7 and Sat Feb 8 (调休)
        (date(2025, 4, 25), date(2025, 5, 6), 5),  # Apr 27 (调休 Sun), 28, 29, 30, May 6
        (date(2024, 10, 8), date(2024, 9, 30), -1),  # end before start
    ],
)
def test_workdays_between_convention(start: date, end: date, expected: int) -> None:
    assert workdays_between(start, end) == expected


def test_timestamps_count_whole_days() -> None:
    assert workdays_between(datetime(2024, 9, 30, 17, 59), datetime(2024, 10, 8, 8, 30)) == 1
    assert workdays_between(datetime(2025, 3, 17, 9), datetime(2025, 3, 17, 18)) == 0


def test_add_workdays_is_the_inverse() -> None:
    assert add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert add_workdays(date(2025, 1, 27), 4) == date(2025, 2, 8)
    day = date(2025, 4, 25)
    assert workdays_between(day, add_workdays(day, 7)) == 7


def test_workday_seq_is_cumulative(calendar: pd.DataFrame) -> None:
    seq = calendar["workday_seq"]
    assert seq.iloc[0] == int(calendar["is_workday"].iloc[0])
    assert (seq.diff().dropna() == calendar["is_workday"].iloc[1:].astype(int)).all()
    # 2024 has 251 official working days (国务院办公厅 2024 holiday notice: 366 − 115 off).
    year_2024 = calendar.loc[date(2024, 1, 1) : date(2024, 12, 31), "is_workday"]
    assert int(year_2024.sum()) == 251


@pytest.mark.parametrize(
    ("start", "end", "year"),
    [(date(2026, 12, 1), date(2027, 1, 31), 2027), (date(2003, 12, 1), date(2004, 1, 31), 2003)],
)
def test_uncovered_year_raises(start: date, end: date, year: int) -> None:
    with pytest.raises(CalendarCoverageError, match=f"不覆盖 {year} 年"):
        work_calendar(start, end)
    with pytest.raises(CalendarCoverageError):
        workdays_between(start, end)
    with pytest.raises(CalendarCoverageError):
        ensure_calendar(duckdb.connect(), start, end)


def test_ensure_calendar_is_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    first = con.execute("select count(*), sum(workday_seq) from work_calendar").fetchall()[0]
    assert ensure_calendar(con, START, END) == (END - START).days + 1
    again = con.execute("select count(*), sum(workday_seq) from work_calendar").fetchall()[0]
    assert first == again and first[0] == (END - START).days + 1
    types = dict(
        con.execute(
            "select column_name, data_type from duckdb_columns() where table_name = 'work_calendar'"
        ).fetchall()
    )
    assert types == {"day": "DATE", "is_workday": "BOOLEAN", "workday_seq": "INTEGER"}


def test_macro_outside_calendar_is_null(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        "select workdays_between(date '2023-12-29', date '2024-01-02'), "
        "workdays_between(date '2024-09-30', timestamp '2024-10-08 09:00')"
    ).fetchall()[0]
    assert row == (None, 1)


@pytest.mark.slow
def test_duckdb_agrees_with_python_on_random_pairs(con: duckdb.DuckDBPyConnection) -> None:
    rng = random.Random(20250501)
    span = (END - START).days
    pairs = []
    for i in range(3000):
        a = START + timedelta(days=rng.randrange(span + 1))
        b = a + timedelta(days=rng.randrange(-30, 120))
        b = min(max(b, START), END)
        midnight_a = datetime.combine(a, datetime.min.time())
        midnight_b = datetime.combine(b, datetime.min.time())
        pairs.append(
            (
                i,
                midnight_a + timedelta(hours=rng.randrange(24)),
                midnight_b + timedelta(hours=rng.randrange(24)),
            )
        )
    frame = pd.DataFrame(pairs, columns=["case_id", "started_at", "finished_at"])
    expected = [workdays_between(s, f) for _, s, f in pairs]

    con.register("case_times", frame)
    by_macro = con.execute(
        "select case_id, workdays_between(started_at, finished_at) as w "
        "from case_times order by case_id"
    ).df()
    assert by_macro["w"].tolist() == expected
    # The indicators' shared layer (set-based join on work_calendar) agrees too.
    ensure_schema(con)
    con.execute(
        "insert into warehouse.approval_cases (quarter, submission_hash, source_row, case_id, "
        "accepted_at, completed_at) select '2024Q1', 'h', case_id, cast(case_id as varchar), "
        "started_at, finished_at from case_times"
    )
    ensure_shared_views(con)
    by_view = con.execute(
        "select elapsed_workdays from shared.approval_cases order by cast(case_id as bigint)"
    ).df()
    assert by_view["elapsed_workdays"].tolist() == expected
