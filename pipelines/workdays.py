"""Working days (工作日) by China's official calendar (``chinesecalendar``: public holidays and
the weekend days swapped into workdays, 调休). No silent fallback to plain weekdays: a year the
package does not cover raises :class:`CalendarCoverageError`.

Convention (also in SQL, ``sql/calendar/create_macro_workdays_between.sql``): the working days
elapsed between a start and an end = the number of workdays strictly after the start's day up
to and including the end's day = ``workday_seq(end day) − workday_seq(start day)``, where
``workday_seq`` is the cumulative count of workdays through that day. Same day → 0; submitted
on Friday and finished on Monday → 1; submitted on a Saturday and finished on Monday → 1; end
before start → negative. The time of day is ignored (whole days only).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import duckdb
import numpy as np
import pandas as pd

from pipelines.sqlfiles import sql

CALENDAR_COLUMNS = ["day", "is_workday", "workday_seq"]


class CalendarCoverageError(ValueError):
    """A date outside the years the installed chinesecalendar covers (Chinese message)."""


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def covered_years() -> tuple[int, int]:
    """First and last year whose holiday arrangements the installed package knows."""
    years = sorted({d.year for d in chinese_calendar.holidays})
    return years[0], years[-1]


def check_coverage(start: date | datetime, end: date | datetime) -> None:
    """Raise :class:`CalendarCoverageError` unless every year of [start, end] is covered."""
    first, last = covered_years()
    for year in range(_as_date(start).year, _as_date(end).year + 1):
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            covered = False
        else:
            covered = first <= year <= last
        if not covered:
            raise CalendarCoverageError(
                f"工作日历不覆盖 {year} 年：已安装的 chinesecalendar 仅含 {first}–{last} 年的"
                "法定节假日与调休安排。请升级 chinesecalendar 后重试（不会按普通周末推算）。"
            )


def is_workday(day: date | datetime) -> bool:
    check_coverage(day, day)
    return bool(chinese_calendar.is_workday(_as_date(day)))


def work_calendar(start: date | datetime, end: date | datetime) -> pd.DataFrame:
    """Calendar of [start, end] (inclusive): columns ``day`` (datetime.date), ``is_workday``
    (bool), ``workday_seq`` (int64, cumulative workdays from ``start`` through ``day``)."""
    start, end = _as_date(start), _as_date(end)
    if end < start:
        raise ValueError(f"日期范围有误：结束日 {end} 早于开始日 {start}")
    check_coverage(start, end)
    days = pd.date_range(start, end, freq="D")
    holidays = pd.DatetimeIndex(list(chinese_calendar.holidays))
    swapped = pd.DatetimeIndex(list(chinese_calendar.workdays))
    weekday = days.day_of_week < 5
    workday = (weekday & ~days.isin(holidays)) | days.isin(swapped)
    return pd.DataFrame(
        {
            "day": days.date,
            "is_workday": np.asarray(workday, dtype=bool),
            "workday_seq": np.cumsum(workday).astype("int64"),
        }
    )


def workdays_between(start: date | datetime, end: date | datetime) -> int:
    """Working days elapsed from ``start`` to ``end`` (see the module's convention)."""
    s, e = _as_date(start), _as_date(end)
    check_coverage(min(s, e), max(s, e))
    if s == e:
        return 0
    lo, hi = (s, e) if s < e else (e, s)
    count = len(chinese_calendar.get_workdays(lo + timedelta(days=1), hi))
    return count if s < e else -count


def add_workdays(start: date | datetime, n: int) -> date:
    """The day ``n`` workdays after ``start`` (n ≥ 1): the deadline of an n-working-day
    time limit counted from ``start`` (so ``workdays_between(start, result) == n``)."""
    if n < 1:
        raise ValueError("n 应为正整数")
    day = _as_date(start)
    found = 0
    while found < n:
        day += timedelta(days=1)
        if is_workday(day):
            found += 1
    return day


def ensure_calendar(con: duckdb.DuckDBPyConnection, start: date, end: date) -> int:
    """(Re)create table ``work_calendar`` for [start, end] and the macro
    ``workdays_between``; idempotent. Returns the number of days loaded."""
    frame = work_calendar(start, end)
    con.register("work_calendar_source", frame)
    try:
        con.execute("begin transaction")
        try:
            con.execute(sql("calendar/replace_work_calendar"))
            con.execute(sql("calendar/create_macro_workdays_between"))
        except Exception:
            con.execute("rollback")
            raise
        con.execute("commit")
    finally:
        con.unregister("work_calendar_source")
    return len(frame)
