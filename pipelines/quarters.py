"""Quarters ("2025Q2") and their Dagster partition keys ("2025-04-01"), in Asia/Shanghai."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import total_ordering

_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*[Qq]([1-4])\s*$")
_PARTITION_RE = re.compile(r"^(\d{4})-(01|04|07|10)-01$")


class QuarterError(ValueError):
    """A quarter string that is not of the form 2025Q2."""


@total_ordering
@dataclass(frozen=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER_RE.match(text)
        if match:
            return cls(int(match.group(1)), int(match.group(2)))
        match = _PARTITION_RE.match(text.strip())
        if match:
            return cls(int(match.group(1)), (int(match.group(2)) - 1) // 3 + 1)
        raise QuarterError(f"无法识别的季度“{text}”，应为如 2025Q2 的格式")

    @classmethod
    def of(cls, day: date | datetime) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Quarter):
            return NotImplemented
        return (self.year, self.q) < (other.year, other.q)

    @property
    def label_zh(self) -> str:
        return f"{self.year}年第{'一二三四'[self.q - 1]}季度"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> date:
        """Last day of the quarter (inclusive)."""
        return self.next().start - timedelta(days=1)

    @property
    def partition_key(self) -> str:
        return self.start.isoformat()

    @property
    def months(self) -> list[str]:
        return [f"{self.year}-{m:02d}" for m in range(3 * self.q - 2, 3 * self.q + 1)]

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def same_quarter_last_year(self) -> Quarter:
        return Quarter(self.year - 1, self.q)


def quarter_range(first: Quarter, last: Quarter) -> list[Quarter]:
    out: list[Quarter] = []
    current = first
    while current <= last:
        out.append(current)
        current = current.next()
    return out


def current_quarter(now: datetime | None = None) -> Quarter:
    """The quarter of today (or ``now``) in Asia/Shanghai."""
    from pipelines.env import SHANGHAI

    moment = now.astimezone(SHANGHAI) if now is not None else datetime.now(SHANGHAI)
    return Quarter.of(moment)
