from datetime import date

import pytest

from pipelines.quarters import Quarter, QuarterError, quarter_range


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025Q2", Quarter(2025, 2)),
        (" 2024q4 ", Quarter(2024, 4)),
        ("2025-04-01", Quarter(2025, 2)),
        ("2024-10-01", Quarter(2024, 4)),
    ],
)
def test_parse(text: str, expected: Quarter) -> None:
    assert Quarter.parse(text) == expected


@pytest.mark.parametrize("text", ["2025Q5", "2025-05-01", "25Q1", "", "2025 第二季度"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(QuarterError, match="无法识别的季度"):
        Quarter.parse(text)


@pytest.mark.parametrize(
    ("quarter", "start", "end", "previous", "partition"),
    [
        (Quarter(2025, 1), date(2025, 1, 1), date(2025, 3, 31), Quarter(2024, 4), "2025-01-01"),
        (Quarter(2024, 4), date(2024, 10, 1), date(2024, 12, 31), Quarter(2024, 3), "2024-10-01"),
        (Quarter(2024, 1), date(2024, 1, 1), date(2024, 3, 31), Quarter(2023, 4), "2024-01-01"),
    ],
)
def test_bounds(
    quarter: Quarter, start: date, end: date, previous: Quarter, partition: str
) -> None:
    assert (quarter.start, quarter.end) == (start, end)
    assert quarter.previous() == previous
    assert previous.next() == quarter
    assert quarter.partition_key == partition
    assert Quarter.of(end) == quarter


def test_months_label_and_range() -> None:
    assert Quarter(2025, 2).months == ["2025-04", "2025-05", "2025-06"]
    assert Quarter(2025, 2).label_zh == "2025年第二季度"
    assert [str(q) for q in quarter_range(Quarter(2024, 3), Quarter(2025, 2))] == [
        "2024Q3",
        "2024Q4",
        "2025Q1",
        "2025Q2",
    ]
    assert Quarter(2025, 2).same_quarter_last_year() == Quarter(2024, 2)
