"""Reading a departmental file (.xlsx or .csv) into a grid of strings with Excel row numbers.

Everything is read as text first so that the raw value can be reported. Row numbers are the
ones the department sees in Excel or a text editor: the first row of the file is row 1.
Problems that make the file unreadable (a name not ending in .csv/.xlsx, encoding, empty
file, several data sheets) are returned as file-level errors instead of a grid. A UTF-8 file
cut inside its last character is read without the incomplete bytes and its last row reported
as ``truncated_row``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines.validation.model import ValidationError

DATA_SHEET_NAME = "数据"
TRUNCATED_CHAR_MESSAGE = (
    "本行在文件末尾被截断（最后一个字符不完整，文件可能未传输完整），请检查后重新导出"
)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16_32_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)
# File name endings accepted for a submission (compared lower-case).
ACCEPTED_SUFFIXES = (".csv", ".xlsx")
# Longest incomplete UTF-8 sequence a truncated file can end with.
_UTF8_TAIL = 3


@dataclass
class Grid:
    """All cells of the file as strings (positional integer columns, padded with "")."""

    cells: pd.DataFrame
    row_numbers: np.ndarray  # Excel row number of each row of ``cells``
    # Number of fields each CSV record really had (None for xlsx: every row is complete).
    lengths: np.ndarray | None = None
    errors: list[ValidationError] = field(default_factory=list)
    encoding: str | None = None
    sheet: str | None = None
    # Row whose last character was cut off (UTF-8 file truncated inside a character).
    truncated_row: int | None = None


@dataclass
class ReadFailure:
    errors: list[ValidationError]


def file_error(
    rule: str, message: str, *, row: int | None = None, value: str | None = None
) -> ValidationError:
    return ValidationError(row=row, column=None, value=value, rule=rule, message=message)


def read_grid(path: Path) -> Grid | ReadFailure:
    """Read ``path`` as a grid of strings. Raises FileNotFoundError/IsADirectoryError."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(str(path))
    path.stat()  # raises FileNotFoundError
    unsupported = unsupported_format(path)
    if unsupported is not None:
        return ReadFailure([unsupported])
    data = path.read_bytes()  # raises FileNotFoundError / PermissionError
    if not data.strip():
        return ReadFailure([file_error("empty_file", "文件为空（没有表头和数据）")])
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(path)
    if data.startswith(_OLE_MAGIC):
        return ReadFailure(
            [
                file_error(
                    "file_format",
                    "不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV（UTF-8）后再报送",
                )
            ]
        )
    if path.suffix.lower() == ".xlsx":
        return ReadFailure(
            [
                file_error(
                    "file_format", "文件扩展名为 .xlsx 但内容不是 Excel 工作簿，文件可能已损坏"
                )
            ]
        )
    return _read_csv(data)


def unsupported_format(path: Path) -> ValidationError | None:
    """A ``file_format`` error when the file name does not end in .csv or .xlsx (any case)."""
    suffix = Path(path).suffix.lower()
    if suffix in ACCEPTED_SUFFIXES:
        return None
    advice = "请在 Excel 中另存为 .xlsx 或 CSV（UTF-8）后再报送"
    if suffix == ".xls":
        message = f"不支持旧版 Excel（.xls）文件，只接受 .xlsx 或 .csv 文件；{advice}"
    elif suffix:
        message = f"不支持 {Path(path).suffix} 格式的文件，只接受 .xlsx 或 .csv 文件；{advice}"
    else:
        message = f"文件没有扩展名，只接受 .xlsx 或 .csv 文件；{advice}"
    return file_error("file_format", message)


# --- CSV -------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str, bool] | ValidationError:
    """Decode as UTF-8 (with or without BOM), else GBK (GB18030, a superset).

    Returns (text, encoding, truncated): ``truncated`` is True when the data is UTF-8 cut
    inside its last character (the incomplete bytes, at most 3, are left out of ``text``).
    """
    if data.startswith(_UTF16_32_BOMS):
        return file_error(
            "encoding",
            "文件编码为 UTF-16/UTF-32，无法读取；请另存为“CSV UTF-8（逗号分隔）”或 GBK 编码",
        )
    text: str | None = None
    encoding = ""
    truncated = False
    for candidate in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError as exc:
            if candidate == "utf-8-sig" and _cut_in_last_char(data, exc):
                text = data[: exc.start].decode(candidate)
                truncated = True
            else:
                continue
        encoding = "utf-8" if candidate == "utf-8-sig" else "gbk"
        if candidate == "utf-8-sig" and data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-bom"
        break
    if text is None or (truncated and not text.strip()) or _CONTROL_CHARS.search(text):
        return file_error(
            "encoding",
            "文件编码无法识别：既不是 UTF-8 也不是 GBK 编码的文本；"
            "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再报送",
        )
    return text, encoding, truncated


def _cut_in_last_char(data: bytes, exc: UnicodeDecodeError) -> bool:
    """The only UTF-8 error is an incomplete sequence in the last ``_UTF8_TAIL`` bytes."""
    return exc.reason == "unexpected end of data" and exc.start >= len(data) - _UTF8_TAIL


def _read_csv(data: bytes) -> Grid | ReadFailure:
    decoded = decode_text(data)
    if isinstance(decoded, ValidationError):
        return ReadFailure([decoded])
    text, encoding, truncated = decoded
    grid = _read_csv_fast(text)
    if grid is None:
        grid = _read_csv_slow(text)
    grid.encoding = encoding
    if truncated and not any(e.rule == "csv_quote" for e in grid.errors):
        if text.endswith(("\n", "\r")) or not len(grid.row_numbers):
            # The cut character began a new line: nothing of that row is left to drop.
            grid.errors.append(
                file_error("truncated_row", TRUNCATED_CHAR_MESSAGE, row=len(grid.row_numbers) + 1)
            )
        else:
            grid.truncated_row = int(grid.row_numbers[-1])
    if grid.cells.empty and not grid.errors:
        return ReadFailure([file_error("empty_file", "文件为空（没有表头和数据）")])
    return grid


def _read_csv_fast(text: str) -> Grid | None:
    """pyarrow parse when every physical line is one record (the common case); None otherwise."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        first = next(csv.reader(io.StringIO(text)), None)
    except csv.Error:
        return None
    if not first:
        return None
    n = len(first)
    names = [f"c{i}" for i in range(n)]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, ValueError):
        return None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if "\r" in text.replace("\r\n", "") or table.num_rows != lines:
        return None  # blank lines or line breaks inside values: row numbers need the slow path
    cells = table.to_pandas()
    cells.columns = range(n)
    return Grid(cells=cells, row_numbers=np.arange(1, len(cells) + 1))


def _read_csv_slow(text: str) -> Grid:
    """Python csv parse: exact record numbers, short rows and broken quotes located."""
    records: list[list[str]] = []
    errors: list[ValidationError] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for record in reader:
            records.append(record)
    except csv.Error:
        errors.append(
            file_error(
                "csv_quote",
                "CSV 格式错误：引号不配对（文件可能被截断），从本行起无法读取，请重新导出文件",
                row=len(records) + 1,
            )
        )
    width = max((len(r) for r in records), default=0)
    lengths = np.array([len(r) for r in records], dtype=np.int64)
    padded = [r + [""] * (width - len(r)) if len(r) < width else r for r in records]
    cells = pd.DataFrame(padded, columns=range(width), dtype="str") if padded else pd.DataFrame()
    return Grid(
        cells=cells, row_numbers=np.arange(1, len(records) + 1), lengths=lengths, errors=errors
    )


# --- xlsx ------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """An Excel cell value as the text the department typed (Excel dates as ISO text)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float):
        return format(value, ".15g")
    return str(value)


def _sheet_has_data(ws: Any) -> bool:
    for row in ws.iter_rows(values_only=True):
        if any(v is not None and str(v).strip() != "" for v in row):
            return True
    return False


def _read_xlsx(path: Path) -> Grid | ReadFailure:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        return ReadFailure(
            [
                file_error(
                    "file_format",
                    f"无法打开 Excel 文件（{type(exc).__name__}），文件可能已损坏；"
                    "请重新保存为 .xlsx",
                )
            ]
        )
    try:
        with_data = [ws for ws in wb.worksheets if _sheet_has_data(ws)]
        if not with_data:
            return ReadFailure([file_error("empty_file", "Excel 文件中没有任何数据")])
        if len(with_data) > 1:
            named = [ws for ws in with_data if ws.title.strip() == DATA_SHEET_NAME]
            if len(named) != 1:
                names = "、".join(f"“{ws.title}”" for ws in with_data)
                return ReadFailure(
                    [
                        file_error(
                            "multiple_sheets",
                            f"Excel 文件有多个含数据的工作表（{names}）；请只保留一个工作表，"
                            f"或将数据放在名为“{DATA_SHEET_NAME}”的工作表中",
                        )
                    ]
                )
            with_data = named
        ws = with_data[0]
        rows = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    width = max((len(r) for r in rows), default=0)
    padded = [r + [""] * (width - len(r)) if len(r) < width else r for r in rows]
    cells = pd.DataFrame(padded, columns=range(width), dtype="str")
    return Grid(cells=cells, row_numbers=np.arange(1, len(rows) + 1), sheet=ws.title)
