"""Excel submission template of a source: a 填报说明 sheet and a 数据 sheet with the header,
drop-down lists for every enumeration, and a hidden 选项 sheet holding long lists."""

from __future__ import annotations

from pathlib import Path

from pipelines.contracts import contract
from pipelines.registry import Registry, default_registry
from pipelines.tempfiles import atomic_target
from pipelines.validation.coerce import TYPE_LABELS
from pipelines.validation.reader import DATA_SHEET_NAME
from pipelines.validation.rules_doc import column_rules, enumerations

INSTRUCTIONS_SHEET_NAME = "填报说明"
OPTIONS_SHEET_NAME = "选项"
# Inline list formulas are limited to 255 characters by Excel.
_INLINE_LIMIT = 250
_LAST_ROW = 1_048_576


def default_template_name(source: str) -> str:
    return f"{contract(source).title}_模板.xlsx"


def write_template(source: str, path: Path, *, registry: Registry | None = None) -> Path:
    """Write the .xlsx template of ``source`` to ``path`` (atomically) and return the path."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    registry = registry or default_registry()
    c = contract(source)
    rules = column_rules(source)
    enums = enumerations(source, registry)
    bold = Font(bold=True)

    wb = Workbook()
    info = wb.active
    info.title = INSTRUCTIONS_SHEET_NAME
    title = f"{c.title}报送模板" + ("（示例数据）" if registry.synthetic else "")
    info.append([title])
    info["A1"].font = Font(bold=True, size=14)
    info.append(["报送单位", "、".join(c.submitters)])
    info.append(["说明", c.description])
    info.append(
        [
            "填写要求",
            f"数据填在“{DATA_SHEET_NAME}”工作表，第1行为表头（不要修改、不要在上方加标题行），"
            "从第2行起每行一条记录；可保存为 .xlsx 或 CSV（UTF-8）报送。"
            "报送前可运行 bizenv check 自查。",
        ]
    )
    info.append([])
    info.append(["表头", "类型", "是否必填", "规则说明"])
    for cell in info[info.max_row]:
        cell.font = bold
    for col in c.columns:
        described = "；".join([col.description, *rules.get(col.column, [])])
        info.append([col.header, TYPE_LABELS[col.type], "是" if col.required else "否", described])
    if rules.get(""):
        info.append(["（整个文件）", "", "", "；".join(rules[""])])
    for letter, width in zip("ABCD", (34, 30, 10, 90), strict=True):
        info.column_dimensions[letter].width = width
    for row in info.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    data = wb.create_sheet(DATA_SHEET_NAME)
    data.append(c.headers)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in data[1]:
        cell.font = bold
        cell.fill = fill
    data.freeze_panes = "A2"
    options = None
    for i, col in enumerate(c.columns, start=1):
        letter = get_column_letter(i)
        width = max(12, min(40, 2 * len(col.header) + 4))
        if col.type == "datetime":
            width = max(width, 21)
        data.column_dimensions[letter].width = width
        values = enums.get(col.column)
        if not values:
            continue
        inline = ",".join(values)
        if len(inline) <= _INLINE_LIMIT and not any("," in v or '"' in v for v in values):
            formula = f'"{inline}"'
        else:
            if options is None:
                options = wb.create_sheet(OPTIONS_SHEET_NAME)
                options.sheet_state = "hidden"
            opt_col = get_column_letter(options.max_column + (1 if options["A1"].value else 0))
            options[f"{opt_col}1"] = col.header
            for r, v in enumerate(values, start=2):
                options[f"{opt_col}{r}"] = v
            formula = (
                f"{quote_sheetname(OPTIONS_SHEET_NAME)}!${opt_col}$2:${opt_col}${len(values) + 1}"
            )
        dv = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=not col.required,
            showErrorMessage=True,
            errorTitle="输入值不在可选范围内",
            error=f"“{col.header}”请从下拉列表中选择",
            promptTitle=col.header,
            prompt="请从下拉列表中选择",
            showInputMessage=True,
        )
        dv.add(f"{letter}2:{letter}{_LAST_ROW}")
        data.add_data_validation(dv)
    # Text format keeps region codes and ids as typed (no 880602 → 880602.0 or lost zeros).
    for i, col in enumerate(c.columns, start=1):
        if col.type in {"region_code", "string"}:
            data.column_dimensions[get_column_letter(i)].number_format = "@"
    wb.active = wb.index(data)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_target(path, 0o644) as tmp:  # 0644: the template is handed to departments
        wb.save(tmp)
    return path
