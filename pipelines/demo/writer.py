"""Writing canonical frames as the files departments send: xlsx and CSV in three encodings.

Output is byte-for-byte reproducible: xlsx document properties and zip entry timestamps are
fixed (derived from the quarter of the data), and each file's mtime is set to a deterministic
"received" time a few days after the quarter ends (Asia/Shanghai).
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from pipelines.contracts import contract
from pipelines.env import SHANGHAI
from pipelines.quarters import Quarter
from pipelines.tempfiles import atomic_target

FORMATS: dict[str, str] = {
    "xlsx": ".xlsx",
    "csv-utf8": ".csv",
    "csv-utf8-bom": ".csv",
    "csv-gbk": ".csv",
}
XLSX_MAX_ROWS = 1_048_575
# Days after the quarter's end at which each source's file arrives.
RECEIVED_AFTER_DAYS = {
    "approval_cases": 5,
    "utility_connections": 7,
    "satisfaction_responses": 8,
    "loan_balances": 10,
    "enterprise_requests": 6,
    "inspections": 9,
    "policy_payouts": 12,
}
_FALLBACK_TIME = datetime(2024, 1, 1, 9, 0, 0)


def received_time(source: str, quarter: Quarter, *, extra_days: int = 0) -> datetime:
    """When the department's file for ``quarter`` arrived (naive, Asia/Shanghai)."""
    days = RECEIVED_AFTER_DAYS.get(source, 6) + extra_days
    hour = 9 + (quarter.q * 2 + len(source)) % 8
    minute = (quarter.year * 7 + quarter.q * 13 + len(source) * 3) % 60
    return datetime.combine(quarter.end, datetime.min.time()) + timedelta(
        days=days, hours=hour, minutes=minute
    )


def set_mtime(path: Path, when: datetime) -> None:
    stamp = when.replace(tzinfo=SHANGHAI).timestamp()
    os.utime(path, (stamp, stamp))


def quarter_of_frame(frame: pd.DataFrame, source: str) -> Quarter | None:
    """The quarter of the first parseable value in the source's quarter column, if any."""
    column = contract(source).quarter_column
    if column not in frame.columns:
        return None
    for value in frame[column].head(50):
        try:
            text = str(value)
            return Quarter(int(text[:4]), (int(text[5:7]) - 1) // 3 + 1)
        except (ValueError, TypeError):
            continue
    return None


def write_submission(
    frame: pd.DataFrame,
    source: str,
    path: Path,
    *,
    fmt: str,
    document_time: datetime | None = None,
) -> Path:
    """Write a canonical frame with the contract's Chinese headers; returns ``path``.

    ``fmt`` is one of ``xlsx``, ``csv-utf8``, ``csv-utf8-bom``, ``csv-gbk``. The file is
    written to a temporary name beside ``path`` and renamed, so no half-written file is left.
    ``document_time`` fixes the xlsx created/modified properties and zip timestamps
    (default: the received time of the frame's quarter, else a fixed date).
    """
    if fmt not in FORMATS:
        raise ValueError(f"未知的文件格式“{fmt}”，可选：{'、'.join(FORMATS)}")
    spec = contract(source)
    missing = [c for c in spec.column_names if c not in frame.columns]
    if missing:
        raise ValueError(f"数据缺少规范列：{'、'.join(missing)}")
    frame = frame[spec.column_names]
    path = Path(path)
    with atomic_target(path) as tmp:
        if fmt == "xlsx":
            if document_time is None:
                quarter = quarter_of_frame(frame, source)
                document_time = received_time(source, quarter) if quarter else _FALLBACK_TIME
            _write_xlsx(frame, spec.headers, spec.title, tmp, document_time)
        elif fmt == "csv-gbk":
            # Older desktop systems export GBK with Windows line ends.
            _to_text_frame(frame).to_csv(
                tmp, index=False, header=spec.headers, encoding="gbk", lineterminator="\r\n"
            )
        else:
            _write_csv_utf8(frame, spec.headers, tmp, bom=fmt == "csv-utf8-bom")
    return path


def _to_text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns of mixed Python objects (after fault injection) become text columns."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = out[name].astype("str")
    return out


def _write_csv_utf8(frame: pd.DataFrame, headers: list[str], path: Path, *, bom: bool) -> None:
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(headers)
    preamble = (b"\xef\xbb\xbf" if bom else b"") + header.getvalue().encode("utf-8")
    text_frame = _to_text_frame(frame)
    try:
        # Fast path: Arrow's writer, streamed to the file, no quoting needed.
        table = pa.Table.from_pandas(text_frame, preserve_index=False)
        with pa.OSFile(str(path), "wb") as sink:
            sink.write(preamble)
            pacsv.write_csv(
                table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none")
            )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # A value needs quoting (comma, quote, line break): let pandas quote it.
        with open(path, "wb") as fh:
            fh.write(preamble)
            text_frame.to_csv(fh, index=False, header=False, lineterminator="\n", encoding="utf-8")


def _cell(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _write_xlsx(
    frame: pd.DataFrame, headers: list[str], title: str, path: Path, when: datetime
) -> None:
    if len(frame) > XLSX_MAX_ROWS:
        raise ValueError(f"行数 {len(frame)} 超过 Excel 工作表上限，请改用 CSV")
    wb = Workbook(write_only=True)
    wb.properties.creator = "示例数据生成器"
    wb.properties.title = f"{title}（示例数据）"
    wb.properties.created = when
    wb.properties.modified = when
    ws = wb.create_sheet(title=title[:31])
    ws.append(headers)
    columns = [frame[c].tolist() for c in frame.columns]
    for row in zip(*columns, strict=True):
        ws.append([_cell(v) for v in row])
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()  # not save_workbook: it stamps "now"
    # Re-pack with fixed entry timestamps so identical data gives identical bytes.
    stamp = when.timetuple()[:6]
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
