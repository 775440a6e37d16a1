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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from pipelines.validation.limits import MB, FileLimits, default_file_limits
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
T = TypeVar("T")
# Rows per batch handed to validation (a CSV parsed by Python's csv module: a quarter).
BATCH_ROWS = 100_000
_SCAN_CHUNK = 8 * MB
# pyarrow's block size; a CSV with a longer line is parsed by Python's csv module.
_BLOCK = 2 * MB


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


def read_through(
    path: Path, limits: FileLimits | None, consume: Callable[[Iterator[Grid]], T]
) -> T | ReadFailure:
    """``consume`` the grids of ``path``: with the fast CSV parser, and once more from the
    start with the exact one when the fast one gives up (RestartExact)."""
    for exact in (False, True):
        stream = iter_grids(path, limits, exact=exact)
        if isinstance(stream, ReadFailure):
            return stream
        try:
            return consume(stream)
        except RestartExact:
            if exact:
                raise
    raise AssertionError("unreachable")


def read_grid(path: Path, limits: FileLimits | None = None) -> Grid | ReadFailure:
    """Read ``path`` as one grid of strings (all batches of ``iter_grids`` joined).
    Raises FileNotFoundError/IsADirectoryError."""
    return read_through(path, limits, lambda stream: join_grids(list(stream)))


def iter_grids(
    path: Path,
    limits: FileLimits | None = None,
    *,
    batch_rows: int = BATCH_ROWS,
    exact: bool = False,
) -> Iterator[Grid] | ReadFailure:
    """The file as consecutive grids of at most about ``batch_rows`` rows each (row numbers
    continue from batch to batch), or a ReadFailure found before any data is read.

    A CSV whose every physical line is one record is parsed by pyarrow's streaming reader;
    any other CSV by Python's csv module (exact record numbers). Should pyarrow meet a line
    the pre-scan did not foresee, the stream raises ``RestartExact``: the consumer discards
    what it has and iterates again with ``exact=True``. The last grid carries the end-of-file
    findings (``truncated_row``, a broken quote or an oversized cell, which end the stream).
    Raises FileNotFoundError/IsADirectoryError/PermissionError."""
    path = Path(path)
    limits = limits or default_file_limits()
    if path.is_dir():
        raise IsADirectoryError(str(path))
    size = path.stat().st_size  # raises FileNotFoundError
    unsupported = unsupported_format(path)
    if unsupported is not None:
        return ReadFailure([unsupported])
    too_big = check_file_size(size, limits)
    if too_big is not None:
        return ReadFailure([too_big])
    with path.open("rb") as fh:  # raises PermissionError
        head = fh.read(len(_OLE_MAGIC))
    if not head.strip() and _only_whitespace(path):
        return ReadFailure([file_error("empty_file", "文件为空（没有表头和数据）")])
    if head.startswith(_ZIP_MAGIC):
        xlsx = _read_xlsx(path, limits)
        if isinstance(xlsx, ReadFailure):
            return xlsx
        return _split(xlsx, batch_rows)
    if head.startswith(_OLE_MAGIC):
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
    scan = scan_csv(path, size, limits)
    if isinstance(scan, ValidationError):
        return ReadFailure([scan])
    if not scan.has_content:
        return ReadFailure([file_error("empty_file", "文件为空（没有表头和数据）")])
    return _csv_stream(path, scan, limits, batch_rows, exact=exact or not scan.regular)


def join_grids(grids: list[Grid]) -> Grid:
    """One grid from consecutive batches."""
    if len(grids) == 1:
        return grids[0]
    width = max(g.cells.shape[1] for g in grids)
    parts = [g.cells for g in grids if len(g.cells)]
    cells = (
        pd.concat(parts, ignore_index=True).reindex(columns=range(width)).fillna("")
        if parts
        else pd.DataFrame()
    )
    if parts and width:
        cells = cells.astype("str")
    lengths = (
        None
        if all(g.lengths is None for g in grids)
        else np.concatenate(
            [
                g.lengths if g.lengths is not None else np.full(len(g.row_numbers), width)
                for g in grids
            ]
        ).astype(np.int64)
    )
    return Grid(
        cells=cells,
        row_numbers=np.concatenate([g.row_numbers for g in grids]).astype(np.int64),
        lengths=lengths,
        errors=[e for g in grids for e in g.errors],
        encoding=grids[0].encoding,
        sheet=grids[0].sheet,
        truncated_row=grids[-1].truncated_row,
    )


def _split(grid: Grid, batch_rows: int) -> Iterator[Grid]:
    n = len(grid.row_numbers)
    starts = range(0, max(n, 1), batch_rows)
    for k, start in enumerate(starts):
        last = k == len(starts) - 1
        yield Grid(
            cells=grid.cells.iloc[start : start + batch_rows].reset_index(drop=True),
            row_numbers=grid.row_numbers[start : start + batch_rows],
            lengths=None if grid.lengths is None else grid.lengths[start : start + batch_rows],
            errors=grid.errors if last else [],
            encoding=grid.encoding,
            sheet=grid.sheet,
            truncated_row=grid.truncated_row if last else None,
        )


def _only_whitespace(path: Path) -> bool:
    with path.open("rb") as fh:
        while chunk := fh.read(_SCAN_CHUNK):
            if chunk.strip():
                return False
    return True


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


def check_file_size(size: int, limits: FileLimits) -> ValidationError | None:
    if size <= limits.max_file_bytes:
        return None
    return file_error(
        "file_limit",
        f"文件过大（{size / MB:,.0f} MB，上限 {limits.max_file_bytes / MB:,.0f} MB），不予读取；"
        "请拆分后报送",
    )


# --- CSV -------------------------------------------------------------------------------


_ENCODING_ERROR = (
    "文件编码无法识别：既不是 UTF-8 也不是 GBK 编码的文本；"
    "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再报送"
)
_NOT_CONTROL = bytes(b for b in range(256) if b in (9, 10, 13) or b >= 32)


@dataclass
class CsvScan:
    """What one bounded pass over a CSV's bytes found, before any parsing."""

    encoding: str  # "utf-8", "utf-8-bom" or "gbk"
    codec: str  # Python codec that decodes the file
    length: int  # bytes to parse (an incomplete last UTF-8 character left out)
    truncated: bool  # UTF-8 cut inside its last character
    ends_with_line_break: bool  # the text (without the cut character) ends with \n or \r
    lines: int  # physical lines of the text
    has_content: bool  # some character other than line breaks
    regular: bool  # every physical line is one record: pyarrow's streaming parse is exact


def scan_csv(path: Path, size: int, limits: FileLimits) -> CsvScan | ValidationError:
    """Encoding (UTF-8 with or without BOM, else GB18030), control characters, line
    structure and the row limit, in one pass over pieces of bounded size. (Control bytes,
    line breaks and quotes never occur inside a multi-byte UTF-8 or GB18030 character, so
    they are counted on the bytes.)"""
    with path.open("rb") as fh:
        start = fh.read(4)
    if start.startswith(_UTF16_32_BOMS):
        return file_error(
            "encoding",
            "文件编码为 UTF-16/UTF-32，无法读取；请另存为“CSV UTF-8（逗号分隔）”或 GBK 编码",
        )
    bom = len(codecs.BOM_UTF8) if start.startswith(codecs.BOM_UTF8) else 0
    newlines = quotes = longest = 0
    lone_cr = quote_break = control = has_content = has_visible = False
    first_blank: int | None = None  # offset of the line break ending the first blank line
    last_nl = bom - 1
    prev_tail = b""
    offset = 0
    utf8_check = _Utf8Check()
    utf8 = True
    with path.open("rb") as fh:
        while chunk := fh.read(_SCAN_CHUNK):
            body = chunk[bom:] if offset == 0 else chunk
            control = control or bool(chunk.translate(None, _NOT_CONTROL))
            has_content = has_content or bool(body.translate(None, b"\r\n"))
            has_visible = has_visible or bool(body.strip())
            utf8 = utf8 and utf8_check.feed(chunk)
            arr = np.frombuffer(chunk, dtype=np.uint8)
            nl = np.flatnonzero(arr == 10) + offset
            if b'"' in chunk:
                qpos = np.flatnonzero(arr == 34) + offset
                if len(nl):
                    before = quotes + np.searchsorted(qpos, nl)
                    quote_break = quote_break or bool((before % 2).any())
                quotes += len(qpos)
            if b"\r" in chunk:
                joined = prev_tail + chunk
                # A \r ending the piece is judged with the next piece (it may precede a \n).
                lone_cr = lone_cr or (
                    joined.count(b"\r") - joined.count(b"\r\n") - joined.endswith(b"\r") > 0
                )
            if len(nl) and first_blank is None:
                bounds = np.concatenate(([last_nl], nl))
                gaps = np.diff(bounds)
                # The line break ending the first blank line ("\n" or "\r\n" alone).
                ends = list(bounds[1:][gaps == 1][:1])
                after = bounds[np.flatnonzero(gaps == 2)] + 1 - offset
                if len(after):
                    inside = np.flatnonzero(after >= 0)
                    crlf = inside[arr[after[inside]] == 13]
                    ends += list(bounds[1:][np.flatnonzero(gaps == 2)[crlf]][:1])
                    if (after < 0).any() and prev_tail == b"\r":
                        ends.append(offset)
                if ends:
                    first_blank = int(min(ends))
            if len(nl):
                bounds = np.concatenate(([last_nl], nl))
                longest = max(longest, int(np.diff(bounds).max()))
                last_nl = int(nl[-1])
            newlines += len(nl)
            prev_tail = chunk[-1:]
            offset += len(chunk)
    tail = 0
    truncated = False
    encoding, codec = ("utf-8-bom" if bom else "utf-8"), "utf-8-sig"
    if utf8:
        pending = utf8_check.pending
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(pending)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if exc.reason == "unexpected end of data" and len(pending) <= _UTF8_TAIL:
                tail, truncated = len(pending), True
            else:
                utf8 = False
    if not utf8:
        encoding, codec = "gbk", "gb18030"
        if not _decodes(path, codec):
            return file_error("encoding", _ENCODING_ERROR)
    if control or (truncated and not has_visible):
        return file_error("encoding", _ENCODING_ERROR)
    length = size - tail
    with path.open("rb") as fh:
        fh.seek(max(length - 1, 0))
        last = fh.read(1) if length > bom else b""
    lone_cr = lone_cr or prev_tail == b"\r"
    longest = max(longest, size - 1 - last_nl)
    lines = newlines + (0 if last == b"\n" else 1)
    # Blank lines at the very end (an export's trailing line breaks) are no rows: pyarrow
    # skips them without shifting any row number, so they leave the file regular.
    blank_line = False
    if first_blank is not None:
        content_end, trailing_breaks = _trailing_line_breaks(path, length)
        if first_blank > content_end:
            lines -= max(trailing_breaks - 1, 0)
        else:
            blank_line = True
    if lines > limits.max_rows + 1:
        return file_error(
            "file_limit",
            f"文件行数超过上限（{limits.max_rows:,} 行数据，本文件约 {lines - 1:,} 行），"
            "不予读取；请拆分后报送",
        )
    regular = not (
        lone_cr or blank_line or quote_break or quotes % 2 or longest > _BLOCK // 2 or truncated
    )
    return CsvScan(
        encoding=encoding,
        codec=codec,
        length=length,
        truncated=truncated,
        ends_with_line_break=last in (b"\n", b"\r"),
        lines=lines,
        has_content=has_content,
        regular=regular,
    )


class _Utf8Check:
    """Is a byte stream valid UTF-8, fed piece by piece? Each piece is validated by Arrow (five
    times faster than Python's decoder, and no text is built); a character cut by the piece's
    end is carried to the next piece, and what is left at the end is ``pending``."""

    def __init__(self) -> None:
        self.pending = b""

    def feed(self, chunk: bytes) -> bool:
        import pyarrow as pa

        data = self.pending + chunk if self.pending else chunk
        cut = _complete_prefix(data)
        self.pending = data[cut:]
        if not cut:
            return True
        offsets = pa.array([0, cut], type=pa.int64()).buffers()[1]
        array = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
        try:
            array.cast(pa.large_string())
        except pa.ArrowInvalid:
            return False
        return True


def _complete_prefix(data: bytes) -> int:
    """Length of ``data`` without a multi-byte character its end cuts (by the lead byte)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # a lead byte (or ASCII)
            need = (
                2
                if 0xC2 <= byte <= 0xDF
                else 3
                if 0xE0 <= byte <= 0xEF
                else 4
                if 0xF0 <= byte <= 0xF4
                else 1
            )
            return len(data) - back if need > back else len(data)
    return len(data)


def _trailing_line_breaks(path: Path, length: int) -> tuple[int, int]:
    """(offset of the first line-break byte of the run that ends the first ``length`` bytes,
    the ``\n`` in that run)."""
    with path.open("rb") as fh:
        end = length
        breaks = 0
        while end > 0:
            start = max(end - _SCAN_CHUNK, 0)
            fh.seek(start)
            piece = fh.read(end - start)
            kept = piece.rstrip(b"\r\n")
            breaks += piece.count(b"\n", len(kept))
            if kept:
                return start + len(kept), breaks
            end = start
        return 0, breaks


def _decodes(path: Path, codec: str) -> bool:
    decoder = codecs.getincrementaldecoder(codec)()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(_SCAN_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


class RestartExact(Exception):
    """pyarrow's streaming parse met a line the pre-scan did not foresee: iterate again with
    ``exact=True`` (the Python csv parse)."""


class _Prefix(io.RawIOBase):
    """The first ``length`` bytes of a file (a cut last character left out)."""

    def __init__(self, path: Path, length: int) -> None:
        self._fh = path.open("rb")
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: self._left]
        n = self._fh.readinto(view)
        self._left -= n
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def _csv_stream(
    path: Path, scan: CsvScan, limits: FileLimits, batch_rows: int, *, exact: bool
) -> Iterator[Grid]:
    grids = (
        _csv_exact(path, scan, limits, max(batch_rows // 4, 1))
        if exact
        else _csv_fast(path, scan, limits, batch_rows)
    )
    # Hold one grid back so that the end-of-file findings go on the last one.
    previous: Grid | None = None
    rows = 0
    for grid in grids:
        grid.encoding = scan.encoding
        rows += len(grid.row_numbers)
        if previous is not None:
            yield previous
        previous = grid
    if previous is None:
        previous = Grid(cells=pd.DataFrame(), row_numbers=np.zeros(0, dtype=np.int64))
        previous.encoding = scan.encoding
    if scan.truncated and not any(e.rule == "csv_quote" for e in previous.errors):
        if scan.ends_with_line_break or not rows:
            # The cut character began a new line: nothing of that row is left to drop.
            previous.errors.append(
                file_error("truncated_row", TRUNCATED_CHAR_MESSAGE, row=rows + 1)
            )
        else:
            previous.truncated_row = int(previous.row_numbers[-1])
    yield previous


def _first_record_width(path: Path, scan: CsvScan) -> int | None:
    with path.open("rb") as fh:
        head = fh.read(min(scan.length, 1 << 20))
    text = head.decode(scan.codec, errors="ignore")
    try:
        first = next(csv.reader([text.split("\n", 1)[0]]), None)
    except csv.Error:
        return None
    return len(first) if first else None


def _csv_fast(path: Path, scan: CsvScan, limits: FileLimits, batch_rows: int) -> Iterator[Grid]:
    """pyarrow streaming parse: every physical line is one record (checked by the scan)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    n = _first_record_width(path, scan)
    if n is None:
        raise RestartExact
    names = [f"c{i}" for i in range(n)]
    raw = io.BufferedReader(_Prefix(path, scan.length), buffer_size=1 << 20)
    next_row = 1
    try:
        reader = pacsv.open_csv(
            raw,
            read_options=pacsv.ReadOptions(
                column_names=names,
                block_size=_BLOCK,
                encoding="utf8" if scan.codec == "utf-8-sig" else scan.codec,
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        pending: list[Any] = []
        pending_rows = 0
        done = False
        while not done:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                batch = None
                done = True
            if batch is not None:
                pending.append(batch)
                pending_rows += batch.num_rows
            if pending and (done or pending_rows >= batch_rows):
                table = pa.Table.from_batches(pending)
                pending, pending_rows = [], 0
                rows = np.arange(next_row, next_row + table.num_rows, dtype=np.int64)
                next_row += table.num_rows
                oversized = _oversized(table, pc, limits)
                if oversized is not None:
                    i, j, chars = oversized
                    head = table.slice(0, i).to_pandas()
                    head.columns = range(n)
                    grid = Grid(cells=head, row_numbers=rows[:i])
                    grid.errors.append(field_size_error(int(rows[i]), j, chars, limits))
                    yield grid
                    return
                cells = table.to_pandas()
                cells.columns = range(n)
                yield Grid(cells=cells, row_numbers=rows)
    except (pa.ArrowInvalid, ValueError, UnicodeDecodeError) as exc:
        raise RestartExact from exc
    finally:
        raw.close()
    if next_row - 1 != scan.lines:
        raise RestartExact


def _oversized(table: Any, pc: Any, limits: FileLimits) -> tuple[int, int, int] | None:
    """(row position, column position, characters) of the first cell over the limit."""
    found: tuple[int, int, int] | None = None
    for j, column in enumerate(table.columns):
        # A cell has no more characters than bytes: byte lengths (read off the offsets) rule
        # out most columns without decoding them.
        widest = pc.max(pc.binary_length(column)).as_py()
        if widest is None or widest <= limits.max_field_chars:
            continue
        lengths = pc.utf8_length(column)
        longest = pc.max(lengths).as_py()
        if longest is not None and longest > limits.max_field_chars:
            over = np.flatnonzero(lengths.to_numpy() > limits.max_field_chars)
            i = int(over[0])
            if found is None or i < found[0]:
                found = (i, j, int(lengths.to_numpy()[i]))
    return found


_CSV_FIELD = re.compile(r'"(?:[^"]|"")*(?:"|$)|[^,\r\n]*')


def _csv_exact(path: Path, scan: CsvScan, limits: FileLimits, batch_rows: int) -> Iterator[Grid]:
    """Python csv parse: exact record numbers, short rows, broken quotes and oversized cells
    located."""
    record_lines: list[str] = []

    def lines(handle: io.TextIOWrapper) -> Iterator[str]:
        for line in handle:
            record_lines.append(line)
            yield line

    old_limit = csv.field_size_limit()
    csv.field_size_limit(limits.max_field_chars)
    raw = io.BufferedReader(_Prefix(path, scan.length), buffer_size=1 << 20)
    handle = io.TextIOWrapper(raw, encoding=scan.codec, newline="")
    records: list[list[str]] = []
    count = 0
    try:
        reader = csv.reader(lines(handle), strict=True)
        while True:
            record_lines.clear()
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    error = _field_error("".join(record_lines), count + 1, limits)
                else:
                    error = file_error(
                        "csv_quote",
                        "CSV 格式错误：引号不配对（文件可能被截断），从本行起无法读取，"
                        "请重新导出文件",
                        row=count + 1,
                    )
                grid = _records_grid(records, count - len(records) + 1)
                grid.errors.append(error)
                yield grid
                return
            records.append(record)
            count += 1
            if len(records) >= batch_rows:
                yield _records_grid(records, count - len(records) + 1)
                records = []
        yield _records_grid(records, count - len(records) + 1)
    finally:
        csv.field_size_limit(old_limit)
        handle.close()


def _field_error(text: str, row: int, limits: FileLimits) -> ValidationError:
    """The oversized cell of a record whose (partial) text is ``text``."""
    position = 0
    pos = 0
    while pos <= len(text):
        match = _CSV_FIELD.match(text, pos)
        end = match.end() if match else pos
        chars = end - pos
        if chars > limits.max_field_chars:
            return field_size_error(row, position, chars, limits)
        if end >= len(text) or text[end] != ",":
            break
        pos = end + 1
        position += 1
    return field_size_error(row, position, len(text), limits)


def _records_grid(records: list[list[str]], first_row: int) -> Grid:
    width = max((len(r) for r in records), default=0)
    lengths = np.array([len(r) for r in records], dtype=np.int64)
    padded = [r + [""] * (width - len(r)) if len(r) < width else r for r in records]
    cells = pd.DataFrame(padded, columns=range(width), dtype="str") if padded else pd.DataFrame()
    return Grid(
        cells=cells,
        row_numbers=np.arange(first_row, first_row + len(records), dtype=np.int64),
        lengths=lengths,
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


def _xlsx_cell_text(value: Any) -> str:
    """A calamine cell value as text, the same as ``cell_text`` of openpyxl's value (openpyxl
    returns a date cell as a datetime at midnight)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%Y-%m-%d 00:00:00")
    if isinstance(value, timedelta):
        return str(value)
    return cell_text(value)


_XML_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ZIP_READ = 1 << 20
# Below this unzipped size the compression ratio is not checked (small XML compresses well).
_RATIO_FLOOR = 16 * MB


def check_xlsx_limits(path: Path, limits: FileLimits) -> ValidationError | None:
    """Zip-bomb limits of an xlsx, checked on the zip directory and then by unzipping each
    part in bounded pieces (counting bytes and worksheet rows) before anything is parsed."""
    size = path.stat().st_size
    mb = f"{limits.max_xlsx_uncompressed_bytes / MB:.0f} MB"
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            declared = sum(i.file_size for i in infos)
            if declared > limits.max_xlsx_uncompressed_bytes:
                return _xlsx_too_big(declared, mb)
            if declared > _RATIO_FLOOR and declared > limits.max_xlsx_ratio * size:
                return _xlsx_ratio(declared, size, limits)
            total = 0
            for info in infos:
                sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(
                    ".xml"
                )
                rows = 0
                tail = b""
                with zf.open(info) as fh:
                    while chunk := fh.read(_ZIP_READ):
                        total += len(chunk)
                        if total > limits.max_xlsx_uncompressed_bytes:
                            return _xlsx_too_big(total, mb)
                        if total > _RATIO_FLOOR and total > limits.max_xlsx_ratio * size:
                            return _xlsx_ratio(total, size, limits)
                        if sheet:
                            buf = tail + chunk
                            rows += sum(1 for m in _XML_ROW.finditer(buf) if m.end() > len(tail))
                            tail = buf[-16:]
                if rows > limits.max_xlsx_rows:
                    return file_error(
                        "file_limit",
                        f"Excel 工作表行数超过上限（{limits.max_xlsx_rows:,} 行，本文件至少 "
                        f"{rows:,} 行），不予读取；请拆分文件或改为 CSV（UTF-8）报送",
                    )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        return None  # not a readable zip: the Excel reader reports it as a damaged file
    return None


def _xlsx_too_big(nbytes: int, limit: str) -> ValidationError:
    return file_error(
        "file_limit",
        f"Excel 文件解压后过大（至少 {nbytes / MB:,.0f} MB，上限 {limit}），不予读取；"
        "文件可能已损坏或含有异常内容，请重新导出，或拆分后报送",
    )


def _xlsx_ratio(nbytes: int, size: int, limits: FileLimits) -> ValidationError:
    return file_error(
        "file_limit",
        f"Excel 文件压缩比异常（解压后至少 {nbytes / MB:,.0f} MB，是文件大小的 "
        f"{nbytes / max(size, 1):,.0f} 倍，上限 {limits.max_xlsx_ratio:g} 倍），不予读取；"
        "文件可能含有异常内容（“压缩炸弹”），请重新导出后报送",
    )


def _read_xlsx(path: Path, limits: FileLimits) -> Grid | ReadFailure:
    """The whole worksheet with calamine: every row present in the sheet data is read, whatever
    the sheet's ``<dimension>`` tag claims."""
    limit_error = check_xlsx_limits(path, limits)
    if limit_error is not None:
        return ReadFailure([limit_error])
    import python_calamine as calamine

    try:
        wb = calamine.CalamineWorkbook.from_path(str(path))
        names = [m.name for m in wb.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
        sheets: list[tuple[str, list[list[Any]]]] = []
        for name in names:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            if any(v is not None and str(v).strip() != "" for row in rows for v in row):
                sheets.append((name, rows))
            del rows
        wb.close()
    except Exception as exc:  # calamine raises its own errors for damaged workbooks
        return ReadFailure(
            [
                file_error(
                    "file_format",
                    f"无法打开 Excel 文件（{type(exc).__name__}），文件可能已损坏；"
                    "请重新保存为 .xlsx",
                )
            ]
        )
    if not sheets:
        return ReadFailure([file_error("empty_file", "Excel 文件中没有任何数据")])
    if len(sheets) > 1:
        named = [sheet for sheet in sheets if sheet[0].strip() == DATA_SHEET_NAME]
        if len(named) != 1:
            listed = "、".join(f"“{name}”" for name, _ in sheets)
            return ReadFailure(
                [
                    file_error(
                        "multiple_sheets",
                        f"Excel 文件有多个含数据的工作表（{listed}）；请只保留一个工作表，"
                        f"或将数据放在名为“{DATA_SHEET_NAME}”的工作表中",
                    )
                ]
            )
        sheets = named
    title, values = sheets[0]
    del sheets
    # Most cells are text; the others (numbers, dates) repeat a lot: each distinct one is
    # turned into text once. The key carries the type (True == 1 == 1.0 as dict keys); a
    # float zero is not memoised (-0.0 == 0.0 as dict keys, but they read "-0" and "0").
    memo: dict[tuple[type, Any], str] = {}

    def text(value: Any) -> str:
        if type(value) is float and value == 0:
            return _xlsx_cell_text(value)
        key = (type(value), value)
        found = memo.get(key)
        if found is None:
            found = memo[key] = _xlsx_cell_text(value)
        return found

    rows = [[v if type(v) is str else text(v) for v in row] for row in values]
    del values
    memo.clear()
    # Trailing empty rows of the sheet's range are not rows of the file.
    while rows and not any(rows[-1]):
        rows.pop()
    width = max((len(r) for r in rows), default=0)
    padded = [r + [""] * (width - len(r)) if len(r) < width else r for r in rows]
    del rows
    cells = pd.DataFrame(padded, columns=range(width), dtype="str")
    del padded
    # The first cell over the limit, in row order (then column order), as the reader reports.
    lengths = (
        np.column_stack([cells[j].str.len().to_numpy() for j in range(width)]) if width else None
    )
    if lengths is not None and len(lengths) and lengths.max() > limits.max_field_chars:
        i, j = (int(k) for k in np.argwhere(lengths > limits.max_field_chars)[0])
        return ReadFailure([field_size_error(i + 1, j, int(lengths[i, j]), limits)])
    return Grid(cells=cells, row_numbers=np.arange(1, len(cells) + 1), sheet=title)


def field_size_error(row: int, position: int, chars: int, limits: FileLimits) -> ValidationError:
    """One cell longer than the limit (``position``: 0-based column of the file)."""
    from pipelines.validation.structure import column_label

    letter = column_label(position)
    return ValidationError(
        row=row,
        column=f"第{letter}列",
        value=None,
        rule="field_size",
        message=f"第{row}行第{letter}列的单元格过长（{chars:,} 个字符，上限 "
        f"{limits.max_field_chars:,} 个字符），不予读取；请检查该单元格或重新导出文件",
    )
