"""Working-day timeline used to place synthetic timestamps (Asia/Shanghai, naive datetimes).

China's official calendar (public holidays and weekend make-up working days, 调休) comes from
``chinesecalendar``; outside the years it knows, Monday-Friday is used. Office hours are
08:30-17:30 without a lunch break, so one working day is 540 working minutes. A position on the
timeline is ``workday_index * 540 + minute_of_office_day``, which makes "N working days
earlier" a plain subtraction, vectorised over millions of rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import chinese_calendar
import numpy as np

from pipelines.quarters import Quarter

OFFICE_START_MIN = 8 * 60 + 30
DAY_MINUTES = 9 * 60
CALENDAR_FIRST = date(2018, 1, 1)
CALENDAR_LAST = date(2031, 12, 31)
# Quarters the demo can generate (the calendar starts earlier: cases accepted before).
SUPPORTED_FIRST = Quarter(2020, 1)
SUPPORTED_LAST = Quarter(2031, 4)


def check_quarter(quarter: Quarter) -> None:
    if not SUPPORTED_FIRST <= quarter <= SUPPORTED_LAST:
        raise ValueError(
            f"示例数据只支持 {SUPPORTED_FIRST}–{SUPPORTED_LAST} 的季度，不支持 {quarter}"
        )


def _is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


@cache
def workdays() -> np.ndarray:
    """All working days between CALENDAR_FIRST and CALENDAR_LAST as datetime64[D]."""
    days = []
    day = CALENDAR_FIRST
    while day <= CALENDAR_LAST:
        if _is_workday(day):
            days.append(day)
        day += timedelta(days=1)
    return np.array(days, dtype="datetime64[D]")


def quarter_workday_range(quarter: Quarter) -> tuple[int, int]:
    """Indexes [lo, hi) into ``workdays()`` of the working days inside ``quarter``."""
    check_quarter(quarter)
    days = workdays()
    start = np.datetime64(quarter.start, "D")
    end = np.datetime64(quarter.end, "D")
    lo = int(np.searchsorted(days, start, side="left"))
    hi = int(np.searchsorted(days, end, side="right"))
    return lo, hi


def positions_to_datetime(pos_minutes: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Timeline positions (float minutes) → datetime64[s] inside office hours."""
    pos = np.floor(pos_minutes).astype(np.int64)
    day_idx = pos // DAY_MINUTES
    minute = pos % DAY_MINUTES
    base = workdays()[day_idx].astype("datetime64[s]")
    offset = (OFFICE_START_MIN + minute) * 60 + seconds.astype(np.int64)
    return base + offset.astype("timedelta64[s]")


def quarter_index(quarter: Quarter) -> int:
    """Quarters since 2024Q1 (the first demo quarter): 0 for 2024Q1, 5 for 2025Q2."""
    return (quarter.year - 2024) * 4 + quarter.q - 1
