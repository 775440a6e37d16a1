"""Seeded, deterministic generator of the demo city's departmental submissions (示例数据).

Public API (others import these names from here):

- ``generate_source_frame(source, quarter, *, seed, scale)``: one source and quarter as a
  canonical frame (contract column names, values as written in files).
- ``write_submission(frame, source, path, *, fmt)``: write it with the contract's Chinese
  headers as xlsx / CSV UTF-8 / CSV UTF-8 with BOM / CSV GBK.
- ``generate_landing(out, *, seed, scale, quarters)``: the landing folder
  ``out/<quarter>/<source>/<file>`` for all quarters and sources, plus README_示例数据.txt.
- ``write_demo_correction(landing, *, seed)``: the demo's bad "更正版" resubmission.
- ``inject_fault(frame, source, fault, *, seed)`` and ``FAULTS``: planted errors.

Generation is vectorised (numpy) and done one quarter and source at a time, so scale 100
(millions of approval rows per quarter) stays within memory.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from pipelines.contracts import UnknownSourceError, contract
from pipelines.demo import (
    DEFAULT_SEED,
    DEMO_QUARTERS,
    approval,
    inspections,
    loans,
    payouts,
    requests,
    satisfaction,
    utility,
)
from pipelines.demo import DEMO_SOURCES as SOURCES
from pipelines.demo.faults import FAULT_SOURCES, FAULTS, FaultError, FaultSpec, inject_fault
from pipelines.demo.profiles import rng_for
from pipelines.demo.timeline import check_quarter
from pipelines.demo.writer import FORMATS, received_time, set_mtime, write_submission
from pipelines.quarters import Quarter
from pipelines.registry import default_registry
from pipelines.tempfiles import write_atomic

__all__ = [
    "DEFAULT_SEED",
    "FAULTS",
    "FAULT_SOURCES",
    "FORMATS",
    "FaultError",
    "FaultSpec",
    "GeneratedFile",
    "file_format",
    "file_name",
    "generate_landing",
    "generate_source_frame",
    "inject_fault",
    "write_demo_correction",
    "write_readme",
    "write_submission",
]

README_NAME = "README_示例数据.txt"
# Above this many rows a file is sent as CSV even where the department would use Excel.
XLSX_ROW_LIMIT = 20_000
CORRECTION_QUARTER = Quarter(2025, 2)

_GENERATORS: dict[str, Callable[..., pd.DataFrame]] = {
    "approval_cases": approval.generate,
    "utility_connections": utility.generate,
    "loan_balances": loans.generate,
    "satisfaction_responses": satisfaction.generate,
    "enterprise_requests": requests.generate,
    "inspections": inspections.generate,
    "policy_payouts": payouts.generate,
}


@dataclass(frozen=True)
class GeneratedFile:
    quarter: Quarter
    source: str
    path: Path
    fmt: str
    rows: int
    extra_days: int = 0

    @property
    def received_at(self) -> datetime:
        """When the (fictitious) department sent it: a few days after the quarter ends."""
        return received_time(self.source, self.quarter, extra_days=self.extra_days)


def _check_args(source: str, seed: int, scale: float, quarter: Quarter | None = None) -> None:
    if quarter is not None:
        check_quarter(quarter)
    if source not in SOURCES:
        raise UnknownSourceError(source)
    if not scale > 0:
        raise ValueError(f"规模系数须大于 0，实际为 {scale}")
    if seed < 0:
        raise ValueError(f"随机种子须为非负整数，实际为 {seed}")


def generate_source_frame(
    source: str, quarter: Quarter, *, seed: int = DEFAULT_SEED, scale: float = 1.0
) -> pd.DataFrame:
    """One source's submission for ``quarter``: canonical columns in contract order.

    Dates are 'YYYY-MM-DD HH:MM:SS' strings, months 'YYYY-MM', 是否网办 是/否, counts int64,
    amounts float64 (empty capacity for water/gas is NaN). Same arguments → equal frames.
    """
    _check_args(source, seed, scale, quarter)
    frame = _GENERATORS[source](quarter, seed=seed, scale=scale)
    return frame[contract(source).column_names]


def file_format(source: str, quarter: Quarter, rows: int) -> str:
    """The format a department sends its file in, varying by source and quarter.

    - 政务服务办件 (数据局's export): UTF-8 CSV with BOM in Q1/Q3, plain UTF-8 in Q2/Q4.
    - 水电气报装: Excel, except 2024Q3 when the power company's old system sent GBK CSV.
    - 金融机构贷款: Excel (30 rows).
    - 企业满意度测评: GBK CSV from the survey platform in Q1/Q3, Excel otherwise.
    - 涉企诉求: UTF-8 CSV with BOM (the 12345 platform's export).
    - 涉企执法检查: Excel (司法局's summary of every department's inspections).
    - 惠企政策兑现: Excel, except GBK CSV in Q4 (财政局's year-end export).
    Large files (more than XLSX_ROW_LIMIT rows) go as UTF-8 CSV with BOM instead of Excel.
    """
    if source == "approval_cases":
        fmt = "csv-utf8-bom" if quarter.q in (1, 3) else "csv-utf8"
    elif source == "utility_connections":
        fmt = "csv-gbk" if quarter == Quarter(2024, 3) else "xlsx"
    elif source in ("loan_balances", "inspections"):
        fmt = "xlsx"
    elif source == "enterprise_requests":
        fmt = "csv-utf8-bom"
    elif source == "policy_payouts":
        fmt = "csv-gbk" if quarter.q == 4 else "xlsx"
    else:
        fmt = "csv-gbk" if quarter.q in (1, 3) else "xlsx"
    if fmt == "xlsx" and rows > XLSX_ROW_LIMIT:
        fmt = "csv-utf8-bom"
    return fmt


def file_name(source: str, quarter: Quarter, fmt: str, *, suffix: str = "") -> str:
    """E.g. 政务服务办件_2025Q2.csv, 水电气报装_2025Q2_更正版.xlsx."""
    return f"{contract(source).title}_{quarter}{suffix}{FORMATS[fmt]}"


def write_readme(
    out: Path, *, seed: int, scale: float, quarters: Sequence[Quarter] = DEMO_QUARTERS
) -> Path:
    quarter_text = f"{quarters[0]}–{quarters[-1]}" if quarters else "（无）"
    titles = "、".join(contract(s).title for s in project_sources())
    registry = default_registry()
    fictitious = (
        "（虚构城市，区划代码以 99 开头，不对应任何真实地区）" if registry.synthetic else ""
    )
    text = (
        "示例数据（合成数据，非真实数据）\n"
        "================================\n\n"
        "本目录下的全部文件均为 bizenv 示例数据生成器生成的合成数据，"
        f"描述的是{registry.city_name}各单位与部门的虚构报送{fictitious}。\n"
        "文件中的办件、报装、贷款、企业及统一社会信用代码均为虚构，"
        "不得作为任何真实评价、统计或决策的依据。\n\n"
        f"季度：{quarter_text}\n"
        f"数据源：{titles}\n"
        f"随机种子：{seed}；规模系数：{scale:g}\n"
        "目录结构：<季度>/<数据源>/<文件>\n"
        "同一随机种子和规模系数重新生成，得到的文件逐字节相同。\n"
    )
    path = Path(out) / README_NAME
    write_atomic(path, text.encode("utf-8"))
    if quarters:  # a fixed mtime too, so reruns leave identical trees
        set_mtime(path, datetime.combine(quarters[0].start, datetime.min.time()))
    return path


def project_sources() -> tuple[str, ...]:
    """The sources the generator can write that the project in force enables."""
    from pipelines.contracts import enabled_sources

    enabled = set(enabled_sources())
    return tuple(s for s in SOURCES if s in enabled)


def _remove_stale(folder: Path, source: str, quarter: Quarter, keep: Path) -> None:
    """Drop an earlier run's file for the same quarter in another format."""
    for fmt in FORMATS:
        other = folder / file_name(source, quarter, fmt)
        if other != keep and other.exists():
            other.unlink()


def _faults_for(
    faults: Sequence[FaultSpec], source: str, quarter: Quarter, last: Quarter
) -> list[FaultSpec]:
    chosen = []
    for spec in faults:
        if (spec.quarter or last) != quarter:
            continue
        if spec.source is None and source not in FAULT_SOURCES[spec.name]:
            continue
        if spec.source not in (None, source):
            continue
        chosen.append(spec)
    return chosen


def generate_landing(
    out: Path,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    quarters: Sequence[Quarter] = DEMO_QUARTERS,
    faults: Sequence[FaultSpec] = (),
    on_file: Callable[[GeneratedFile], None] | None = None,
    sources: Sequence[str] | None = None,
) -> list[GeneratedFile]:
    """Write ``out/<quarter>/<source>/<file>`` for every quarter and source; returns them.

    ``faults`` plant errors in the generated files (a spec without quarter applies to the
    last quarter, without source to every source the fault applies to). ``on_file`` is called
    after each file is written (progress output).
    """
    out = Path(out)
    quarters = sorted(quarters)
    sources = project_sources() if sources is None else tuple(sources)
    for quarter in quarters:  # fail before writing anything
        for source in sources:
            _check_args(source, seed, scale, quarter)
    out.mkdir(parents=True, exist_ok=True)
    write_readme(out, seed=seed, scale=scale, quarters=quarters)
    written: list[GeneratedFile] = []
    for quarter in quarters:
        for source in sources:
            frame = generate_source_frame(source, quarter, seed=seed, scale=scale)
            for k, spec in enumerate(_faults_for(faults, source, quarter, quarters[-1])):
                frame, _rows = inject_fault(frame, source, spec.name, seed=seed + k)
            fmt = file_format(source, quarter, len(frame))
            folder = out / str(quarter) / source
            path = folder / file_name(source, quarter, fmt)
            write_submission(
                frame, source, path, fmt=fmt, document_time=received_time(source, quarter)
            )
            set_mtime(path, received_time(source, quarter))
            _remove_stale(folder, source, quarter, path)
            generated = GeneratedFile(quarter, source, path, fmt, len(frame))
            written.append(generated)
            if on_file is not None:
                on_file(generated)
            del frame
            gc.collect()
    return written


def write_demo_correction(
    landing: Path, *, seed: int = DEFAULT_SEED, scale: float = 1.0
) -> GeneratedFile:
    """The demo's deliberately bad resubmission of 2025Q2 水电气报装 (“更正版”).

    The same data as the original (same seed and scale) with a few legitimate edits and five
    realistic errors, so the pipeline rejects it and the original stays in force:
    3 rows whose 接通时间 is earlier than 申请时间, 1 row with the unknown 区划代码 990199 and
    1 row with 报装类型 “热力”. Its mtime is two weeks after the original's.
    """
    source, quarter = "utility_connections", CORRECTION_QUARTER
    _check_args(source, seed, scale)
    frame = generate_source_frame(source, quarter, seed=seed, scale=scale).copy()
    rng = rng_for(seed, "correction")
    rows = [int(r) for r in rng.choice(len(frame), size=min(7, len(frame)), replace=False)]
    # The legitimate part of the correction: two fees that had been keyed wrongly.
    fee = frame.columns.get_loc("connection_fee_yuan")
    for r in rows[:2]:
        frame.iat[r, fee] = round(float(frame.iat[r, fee]) * 0.9, -1)
    applied, connected = frame.columns.get_loc("applied_at"), frame.columns.get_loc("connected_at")
    for r in rows[2:5]:  # 申请时间 keyed with a wrong day: after the connection
        frame.iat[r, applied] = _shift(str(frame.iat[r, connected]), days=3)
    if len(rows) > 5:
        frame.iat[rows[5], frame.columns.get_loc("region_code")] = "990199"
    if len(rows) > 6:
        frame.iat[rows[6], frame.columns.get_loc("utility_type")] = "热力"
    fmt = "xlsx" if len(frame) <= XLSX_ROW_LIMIT else "csv-utf8-bom"
    path = Path(landing) / str(quarter) / source / file_name(source, quarter, fmt, suffix="_更正版")
    when = received_time(source, quarter, extra_days=14)
    write_submission(frame, source, path, fmt=fmt, document_time=when)
    set_mtime(path, when)
    return GeneratedFile(quarter, source, path, fmt, len(frame), extra_days=14)


def _shift(text: str, *, days: int) -> str:
    fmt = "%Y-%m-%d %H:%M:%S"
    return (datetime.strptime(text, fmt) + timedelta(days=days)).strftime(fmt)
