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


def column_label(position: int) -> str:
    letters = ""
    n = position + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class TableShaper:
    """``shape_table`` batch by batch: the header is found in the first grid (which holds at
    least the first ``_HEADER_SEARCH_ROWS`` rows of the file, or all of them); each later grid
    is data. ``finish`` returns the findings that need the whole file."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.started = False
        self.header_row = 0
        self.n_header = 0
        self.header_width = 0  # cells in the header row of the first grid
        self.columns: dict[str, int] = {}
        self.headers: dict[str, str] = {}
        self.missing: list[str] = []
        self.absent: list[str] = []
        self.blank_header: set[int] = set()  # positions without a header cell
        self.unlabelled_data: set[int] = set()  # such positions that hold data
        self.rows = 0
        self.stops_early = False  # a csv_quote or truncated_row error was seen

    def _start(self, grid: Grid, errors: list[ValidationError]) -> int:
        contract = self.contract
        cells = grid.cells
        by_norm = contract.by_normalized_header()
        head_pos = _find_header_row(cells.head(_HEADER_SEARCH_ROWS), set(by_norm))
        self.header_row = header_row = int(grid.row_numbers[head_pos])
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
        self.header_width = len(header_cells)
        # Trailing blank header cells are just the sheet's width.
        self.n_header = max((i + 1 for i, c in enumerate(header_cells) if c.strip()), default=0)
        seen: dict[str, str] = {}
        for pos in range(cells.shape[1]):
            text = header_cells[pos].strip() if pos < len(header_cells) else ""
            if not text:
                self.blank_header.add(pos)
                continue
            col = by_norm.get(normalize_header(text))
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
            if col.column in self.columns:
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
            self.columns[col.column] = pos
            self.headers[col.column] = text
            seen[col.column] = text
        # An optional column (required: false) may be left out of the file: it is read as empty
        # (and typed as such); a left-out required column is an error.
        self.absent = [c.column for c in contract.columns if c.column not in self.columns]
        self.missing = [name for name in self.absent if contract.column(name).required]
        for name in self.missing:
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
        for name in self.absent:
            self.headers[name] = contract.column(name).header
        self.started = True
        return head_pos + 1

    def feed(self, grid: Grid) -> Table:
        errors: list[ValidationError] = list(grid.errors)
        first = 0 if self.started else self._start(grid, errors)
        cells = grid.cells
        header_row, n_header = self.header_row, self.n_header
        body = cells.iloc[first:]
        rows = grid.row_numbers[first:]
        keep = np.ones(len(body), dtype=bool)
        nonblank = (body != "").any(axis=1).to_numpy() if len(body) else keep

        # CSV records with fewer fields than the header: truncated rows.
        if grid.lengths is not None:
            lengths = grid.lengths[first:]
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
        mapped = set(self.columns.values())
        for pos in range(cells.shape[1]):
            if pos in mapped or pos in self.unlabelled_data:
                continue
            if not len(body):
                continue
            if (pos in self.blank_header or pos >= self.header_width) and (body[pos] != "").any():
                self.unlabelled_data.add(pos)

        # Rows with nothing in them are not data (trailing rows of an Excel export).
        if len(body):
            keep &= nonblank
        body = body[keep]
        rows = rows[keep]
        n = len(body)
        raw = pd.DataFrame(
            {name: body[pos].reset_index(drop=True) for name, pos in self.columns.items()},
            index=range(n),
        )
        for name in self.absent:
            raw[name] = pd.Series([""] * n, dtype="str")
        raw = raw[[c.column for c in self.contract.columns]].astype("str")
        self.rows += n
        if any(e.rule in {"csv_quote", "truncated_row"} for e in errors):
            self.stops_early = True
        return Table(
            raw=raw,
            row_numbers=rows.astype(np.int64),
            headers=self.headers,
            missing=self.missing,
            errors=errors,
        )

    def finish(self) -> list[ValidationError]:
        errors = [
            ValidationError(
                row=self.header_row,
                column=f"第{column_label(pos)}列（无表头）",
                value=None,
                rule="unknown_column",
                message=f"第{column_label(pos)}列有数据但没有表头，请删除该列或补上规范表头",
            )
            for pos in sorted(self.unlabelled_data)
        ]
        if not self.rows and not self.stops_early:
            errors.append(
                ValidationError(
                    row=None,
                    column=None,
                    value=None,
                    rule="header_only",
                    message="文件只有表头，没有数据行",
                )
            )
        return errors


def shape_table(grid: Grid, contract: Contract) -> Table:
    shaper = TableShaper(contract)
    table = shaper.feed(grid)
    table.errors.extend(shaper.finish())
    return table
