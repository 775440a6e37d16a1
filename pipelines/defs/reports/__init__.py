"""Reports: the quarterly bulletin (季通报, HTML) and its Excel workbook (数据表)."""
