"""Small helpers that turn frames into Dagster metadata."""

from __future__ import annotations

import pandas as pd


def markdown_table(frame: pd.DataFrame, limit: int = 10) -> str:
    """A Markdown preview of the first rows (cell text escaped for the table syntax)."""
    head = frame.head(limit)

    def cell(value: object) -> str:
        text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(map(cell, head.columns)) + " |",
        "|" + "---|" * len(head.columns),
    ]
    lines += [
        "| " + " | ".join(cell(v) for v in row) + " |" for row in head.itertuples(index=False)
    ]
    return "\n".join(lines)


def sql_markdown(named_statements: dict[str, str]) -> str:
    """The SQL a step ran, as Markdown code blocks headed by their file names."""
    return "\n\n".join(
        f"**sql/{name}.sql**\n\n```sql\n{text.strip()}\n```"
        for name, text in named_statements.items()
    )
