"""Readable snapshots of workbooks (cells, values, number formats, widths, freeze panes) for
golden files reviewed in diffs, not bytes."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl

GOLDEN = Path(__file__).parent / "golden"


def snapshot(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        fit = ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None
        out.append(f"== {ws.title} | freeze {ws.freeze_panes} | landscape {ws.page_setup.orientation == 'landscape'} | fit to page {fit} (width {ws.page_setup.fitToWidth or 1}, height {ws.page_setup.fitToHeight})")
        out.append(f"   header: {ws.oddHeader.left.text!r} / {ws.oddHeader.right.text!r} | footer: {ws.oddFooter.center.text!r}")
        widths = ", ".join(f"{k}={round(v.width, 1)}" for k, v in sorted(ws.column_dimensions.items()) if v.width)
        out.append(f"   widths: {widths}")
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                fmt = "" if c.number_format == "General" else f" [{c.number_format}]"
                bold = " bold" if c.font is not None and c.font.b else ""
                out.append(f"   {c.coordinate}: {c.value!r}{fmt}{bold}")
    return "\n".join(out) + "\n"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed: review the diff, then rerun with UPDATE_GOLDEN=1"
