"""Rejection report of one validated file: a self-contained HTML page and a CSV (UTF-8 BOM).

Both list every failing cell (行号, 列名, 值, 规则, 说明; 规则 as ``中文标签（rule_id）``); the
HTML shows at most ``HTML_MAX_ERRORS`` of them with a note at the top, the CSV always has all.
The HTML says 示例数据 when the registry is the demo city's; the CSV's first line stays the
header. Files are written atomically with mode 0644.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

from pipelines.contracts import contract
from pipelines.env import TIMEZONE
from pipelines.registry import default_registry
from pipelines.tempfiles import atomic_target, write_atomic
from pipelines.validation.model import ValidationResult, rule_label

HTML_MAX_ERRORS = 1000
CSV_COLUMNS = ("行号", "列名", "值", "规则", "说明")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A plain (optionally signed) decimal number such as -1 or -0.5: safe, left as it is.
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)

_CSS = """
body{font-family:"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",
"Source Han Sans SC","WenQuanYi Micro Hei",SimSun,sans-serif;margin:2em;color:#222;}
h1{font-size:1.5em;margin-bottom:.3em;} h2{font-size:1.15em;margin-top:1.5em;}
table{border-collapse:collapse;margin:.5em 0;} th,td{border:1px solid #ccc;padding:.3em .6em;
text-align:left;vertical-align:top;} th{background:#f3f3f3;}
td.num{text-align:right;} .meta td:first-child{color:#555;white-space:nowrap;}
.bad{color:#b00020;font-weight:bold;} .ok{color:#1b7f3a;font-weight:bold;}
.note{color:#555;} .tag{display:inline-block;border:1px solid #b00020;color:#b00020;
padding:0 .4em;margin-left:.5em;font-size:.8em;} code{font-family:inherit;color:#555;}
td.value{white-space:pre-wrap;word-break:break-all;max-width:24em;}
"""


def neutralize(cell: str) -> str:
    """Defuse spreadsheet formula injection: prefix a quote to cells starting with = + - @
    (or a tab / carriage return), except a plain number such as ``-1`` or ``-0.5``."""
    if cell.startswith(_FORMULA_PREFIXES) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def rule_with_id(rule: str) -> str:
    """``中文标签（rule_id）``: readable by the department, searchable by the analyst."""
    label = rule_label(rule)
    return label if label == rule else f"{label}（{rule}）"


def _atomic_write(path: Path, data: bytes) -> None:
    # The temporary name is short whatever the target's name (a long department file name
    # must not exceed the file system's limit); 0644: reports are read by others.
    write_atomic(path, data, 0o644)


def _write_csv_rows(handle: io.TextIOBase, result: ValidationResult) -> None:
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in result.errors:
        writer.writerow(
            [
                "" if e.row is None else e.row,
                neutralize(e.column or ""),
                neutralize(e.value or ""),
                rule_with_id(e.rule),
                neutralize(e.message),
            ]
        )


def render_csv(result: ValidationResult) -> bytes:
    buf = io.StringIO()
    _write_csv_rows(buf, result)
    return buf.getvalue().encode("utf-8-sig")


def _atomic_write_csv(path: Path, result: ValidationResult) -> None:
    """The full CSV of errors, written row by row to a temporary file (no copy in memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_target(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        _write_csv_rows(fh, result)


def errors_by_rule_and_column(result: ValidationResult) -> list[tuple[str, str, int]]:
    """(rule, column, errors) for every rule and column that failed, most errors first."""
    counts: dict[tuple[str, str], int] = {}
    for e in result.errors:
        key = (e.rule, e.column or "")
        counts[key] = counts.get(key, 0) + 1
    return sorted(((r, c, n) for (r, c), n in counts.items()), key=lambda t: (-t[2], t[0], t[1]))


def render_html(
    result: ValidationResult,
    title_extra: dict[str, str] | None = None,
    *,
    max_listed: int = HTML_MAX_ERRORS,
    csv_name: str | None = None,
) -> str:
    """The report page: counts by rule and by rule and column for every error, the first
    ``max_listed`` errors in full (the CSV has all)."""
    c = contract(result.source)
    extra = dict(title_extra or {})
    received = extra.pop("接收时间", None) or datetime.now(ZoneInfo(TIMEZONE)).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    demo = default_registry().synthetic
    status = (
        '<span class="ok">校验通过</span>'
        if result.valid
        else f'<span class="bad">校验未通过，共 {len(result.errors)} 条错误</span>'
    )
    meta_rows = [
        ("数据源", f"{c.title}（{result.source}）"),
        ("季度", result.quarter.label_zh if result.quarter else "未能确定"),
        ("文件名", result.path.name),
        *extra.items(),
        ("接收时间", received),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(c.title)}报送校验结果 - {escape(result.path.name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{escape(c.title)}报送校验结果"
        + ('<span class="tag">示例数据</span>' if demo else "")
        + "</h1>",
        f"<p>{status}</p>",
        *(
            [f'<p class="bad">{escape(_capped_note(result, max_listed, csv_name))}</p>']
            if len(result.errors) > max_listed
            else []
        ),
        '<table class="meta">',
        *(f"<tr><td>{escape(k)}</td><td>{escape(str(v))}</td></tr>" for k, v in meta_rows),
        "</table>",
        "<h2>概况</h2>",
        '<table class="meta">',
        f'<tr><td>数据行数</td><td class="num">{result.rows}</td></tr>',
        f'<tr><td>有错误的行数</td><td class="num">{result.failing_rows}</td></tr>',
        f'<tr><td>错误总数</td><td class="num">{len(result.errors)}</td></tr>',
        "</table>",
    ]
    if result.errors:
        parts += ["<h2>按规则统计</h2>", "<table><tr><th>规则</th><th>错误数</th></tr>"]
        parts += [
            f'<tr><td>{escape(rule_with_id(rule))}</td><td class="num">{n}</td></tr>'
            for rule, n in result.errors_by_rule().items()
        ]
        parts.append("</table>")
        parts += [
            "<h2>按规则和列统计</h2>",
            "<table><tr><th>规则</th><th>列名</th><th>错误数</th></tr>",
        ]
        parts += [
            f"<tr><td>{escape(rule_with_id(rule))}</td><td>{escape(column or '（整个文件）')}</td>"
            f'<td class="num">{n}</td></tr>'
            for rule, column, n in errors_by_rule_and_column(result)
        ]
        parts.append("</table>")
        parts.append("<h2>错误明细</h2>")
        shown = result.errors[:max_listed]
        if len(result.errors) > max_listed:
            parts.append(
                f'<p class="note">{escape(_capped_note(result, max_listed, csv_name))}</p>'
            )
        parts.append("<table><tr>" + "".join(f"<th>{h}</th>" for h in CSV_COLUMNS) + "</tr>")
        for e in shown:
            parts.append(
                "<tr>"
                f'<td class="num">{"" if e.row is None else e.row}</td>'
                f"<td>{escape(e.column or '')}</td>"
                f'<td class="value">{escape(e.value or "")}</td>'
                f"<td>{escape(rule_with_id(e.rule))}</td>"
                f"<td>{escape(e.message)}</td>"
                "</tr>"
            )
        parts.append("</table>")
        parts.append(
            '<p class="note">行号为 Excel 中看到的行号（表头为第1行）；'
            "行号为空的是整个文件的问题。请修改后重新报送。</p>"
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _capped_note(
    result: ValidationResult, max_listed: int = HTML_MAX_ERRORS, csv_name: str | None = None
) -> str:
    csv_name = csv_name or report_paths(result, Path())[1].name
    return (
        f"共 {len(result.errors)} 处错误，本页列出前 {max_listed} 处，"
        f"全部错误见同名 CSV 文件（{csv_name}）"
    )


def report_paths(
    result: ValidationResult, out_dir: Path, stem: str | None = None
) -> tuple[Path, Path]:
    """(html, csv) paths of the rejection report of ``result`` in ``out_dir``; ``stem``
    (default: the file's stem) names them."""
    stem = stem or result.path.stem or result.source
    return out_dir / f"{stem}.rejection.html", out_dir / f"{stem}.rejection.csv"


def write_rejection_report(
    result: ValidationResult,
    out_dir: Path,
    *,
    title_extra: dict[str, str] | None = None,
    max_listed: int = HTML_MAX_ERRORS,
    stem: str | None = None,
) -> tuple[Path, Path]:
    """Write ``<stem>.rejection.html`` and ``.rejection.csv`` into ``out_dir`` (``stem``
    defaults to the file's stem; the pipeline names reports by the version's hash, never by
    the department's file name, which may be as long as the file system allows).

    ``title_extra`` adds lines to the title block (e.g. {"文件哈希": "...", "接收时间": "..."});
    the HTML lists the first ``max_listed`` errors in full, the CSV all of them.
    """
    html_path, csv_path = report_paths(result, Path(out_dir), stem)
    _atomic_write_csv(csv_path, result)
    html = render_html(result, title_extra, max_listed=max_listed, csv_name=csv_path.name)
    _atomic_write(html_path, html.encode("utf-8"))
    return html_path, csv_path
