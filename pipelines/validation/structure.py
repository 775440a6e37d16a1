"""From a grid of strings to the contract's columns: header row, header matching, row shape."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.contracts import Contract, normalize_header
from pipelines.validation.model import ValidationError
from pipelines.validation.reader import TRUNCATED_CHAR_MESSAGE, Grid

# How far down a header row displaced by title rows is looked for.
_HEADER_SEARCH_ROWS = 6


@dataclass
class Table:
    """Data rows under the contract's canonical column names, still as raw strings."""

    raw: pd.DataFrame  # canonical columns (str) for every present contract column
    row_numbers: np.ndarray  # Excel row number per row of ``raw``
    headers: dict[str, str]  # canonical column -> header as written in the file
    missing: list[str]  # required canonical columns absent from the file
    errors: list[ValidationError]


def _score(cells: list[str], known: set[str]) -> int:
    return sum(1 for c in cells if normalize_header(c) in known)


def _find_header_row(head: pd.DataFrame, known: set[str]) -> int:
    """Position (0-based, in ``head``) of the row that looks most like the header."""
    scores = [_score(list(head.iloc[i]), known) for i in range(len(head))]
    if not scores:
        return 0
    best = int(np.argmax(scores))
    # Row 1 is the header unless a later row matches clearly better (a title row above it).
    if best > 0 and scores[best] > scores[0] and scores[best] >= max(2, len(known) // 2):
        return best
    return 0


def _column_label(position: int) -> str:
    letters = ""
    n = position + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def shape_table(grid: Grid, contract: Contract) -> Table:
    errors: list[ValidationError] = list(grid.errors)
    cells = grid.cells
    by_norm = contract.by_normalized_header()
    known = set(by_norm)
    head_pos = _find_header_row(cells.head(_HEADER_SEARCH_ROWS), known)
    header_row = int(grid.row_numbers[head_pos])
    if head_pos > 0:
        title = next((c.strip() for c in cells.iloc[0] if c.strip()), "")
        errors.append(
            ValidationError(
                row=int(grid.row_numbers[0]),
                column=None,
                value=title or None,
                rule="title_row",
                message=f"表头应在第1行，但第{header_row}行才是表头：请删除表头上方的标题行"
                f"（如“{title}”），使第1行为表头",
            )
        )
    header_cells = [str(c) for c in cells.iloc[head_pos]]
    # Trailing blank header cells are just the sheet's width.
    n_header = max((i + 1 for i, c in enumerate(header_cells) if c.strip()), default=0)
    body = cells.iloc[head_pos + 1 :]
    rows = grid.row_numbers[head_pos + 1 :]
    keep = np.ones(len(body), dtype=bool)

    # CSV records with fewer fields than the header: truncated rows.
    if grid.lengths is not None:
        lengths = grid.lengths[head_pos + 1 :]
        nonblank = (body != "").any(axis=1).to_numpy() if len(body) else keep
        short = (lengths < n_header) & (lengths > 0) & nonblank
        for i in np.flatnonzero(short):
            errors.append(
                ValidationError(
                    row=int(rows[i]),
                    column=None,
                    value=",".join(body.iloc[i, : lengths[i]]),
                    rule="truncated_row",
                    message=f"本行只有{lengths[i]}个字段，少于表头的{n_header}列（文件可能被截断或"
                    "本行缺少分隔符），请检查后重新导出",
                )
            )
        keep &= ~short

    # A UTF-8 file cut inside the last character of its last row (if not already short).
    if grid.truncated_row is not None:
        if grid.truncated_row <= header_row:
            errors.append(
                ValidationError(
                    row=grid.truncated_row,
                    column=None,
                    value=None,
                    rule="truncated_row",
                    message=TRUNCATED_CHAR_MESSAGE,
                )
            )
        for i in np.flatnonzero((rows == grid.truncated_row) & keep):
            values = [str(v) for v in body.iloc[i]]
            errors.append(
                ValidationError(
                    row=int(rows[i]),
                    column=None,
                    value=",".join(values[:n_header]),
                    rule="truncated_row",
                    message=TRUNCATED_CHAR_MESSAGE,
                )
            )
            keep[i] = False

    # Data beyond the header's width or under a blank header cell.
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    seen: dict[str, str] = {}
    for pos in range(cells.shape[1]):
        text = header_cells[pos].strip() if pos < len(header_cells) else ""
        if not text:
            if len(body) and (body[pos] != "").any():
                errors.append(
                    ValidationError(
                        row=header_row,
                        column=f"第{_column_label(pos)}列（无表头）",
                        value=None,
                        rule="unknown_column",
                        message=f"第{_column_label(pos)}列有数据但没有表头，请删除该列或补上规范表头",
                    )
                )
            continue
        norm = normalize_header(text)
        col = by_norm.get(norm)
        if col is None:
            errors.append(
                ValidationError(
                    row=header_row,
                    column=text,
                    value=None,
                    rule="unknown_column",
                    message=f"表头“{text}”不在《{contract.title}》数据规范中（多余或改名的列），"
                    f"规范表头为：{'、'.join(contract.headers)}",
                )
            )
            continue
        if col.column in columns:
            errors.append(
                ValidationError(
                    row=header_row,
                    column=text,
                    value=None,
                    rule="duplicate_column",
                    message=f"表头“{text}”与“{seen[col.column]}”重复",
                )
            )
            continue
        columns[col.column] = pos
        headers[col.column] = text
        seen[col.column] = text

    # An optional column (required: false) may be left out of the file: it is read as empty
    # (and typed as such); a left-out required column is an error.
    absent = [c.column for c in contract.columns if c.column not in columns]
    missing = [name for name in absent if contract.column(name).required]
    for name in missing:
        c = contract.column(name)
        errors.append(
            ValidationError(
                row=None,
                column=c.header,
                value=None,
                rule="missing_column",
                message=f"缺少列“{c.header}”（{c.description}）；如该列已改名，请改回规范表头",
            )
        )

    # Rows with nothing in them are not data (trailing rows of an Excel export).
    if len(body):
        keep &= (body != "").any(axis=1).to_numpy()
    body = body[keep]
    rows = rows[keep]
    raw = pd.DataFrame(
        {name: body[pos].reset_index(drop=True) for name, pos in columns.items()},
        index=range(len(body)),
    )
    for name in absent:
        raw[name] = pd.Series([""] * len(body), dtype="str")
    raw = raw[[c.column for c in contract.columns]].astype("str")
    if not len(body) and not any(e.rule in {"csv_quote", "truncated_row"} for e in errors):
        errors.append(
            ValidationError(
                row=None,
                column=None,
                value=None,
                rule="header_only",
                message="文件只有表头，没有数据行",
            )
        )
    for name in absent:
        headers[name] = contract.column(name).header
    return Table(
        raw=raw, row_numbers=rows.astype(np.int64), headers=headers, missing=missing, errors=errors
    )
