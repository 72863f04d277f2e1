"""Builders of hostile and broken files (zip bombs, XML entities, lying dimensions, damaged
workbooks, binary files named .csv), shared by test_hostile_files.py, the fuzz tests and
tests/bad_inputs/make_cases.py. Every builder is small and fast: the bombs are what their
directories claim, not what they would cost."""

from __future__ import annotations

import io
import zipfile

import openpyxl

HEADER = ["deal_id", "owner", "customer", "stage", "close_date", "amount"]
ROWS = [["D1", "ana", "Acme", "Won", "2026-04-02", 1000.5], ["D2", "Ana Lima", "Beta", "Won", "2026-04-03", 99.5]]
SHEET = "xl/worksheets/sheet1.xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def xlsx_bytes(rows: list[list[object]] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    sh = wb.active
    for r in [HEADER, *(ROWS if rows is None else rows)]:
        sh.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def replace_members(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The workbook with some parts replaced and others added."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
        for name, blob in (add or {}).items():
            dst.writestr(name, blob)
    return out.getvalue()


def _cell(ref: str, value: object) -> str:
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def sheet_xml(cells: dict[int, list[tuple[str, object]]], dimension: str = "A1:F3", prolog: str = "") -> bytes:
    """A worksheet part: {row: [(cell ref, value), ...]}, with the <dimension> it claims."""
    rows = "".join(f'<row r="{r}">' + "".join(_cell(ref, v) for ref, v in cs) + "</row>" for r, cs in sorted(cells.items()))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}<worksheet {NS}><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>').encode()


def header_cells(row: int = 1) -> list[tuple[str, object]]:
    return [(f"{chr(65 + i)}{row}", h) for i, h in enumerate(HEADER)]


def data_cells(row: int, values: list[object]) -> list[tuple[str, object]]:
    return [(f"{chr(65 + i)}{row}", v) for i, v in enumerate(values)]


def with_sheet(xml: bytes) -> bytes:
    return replace_members(xlsx_bytes(), {SHEET: xml})


BILLION_LAUGHS = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)) + "]>\n"


def billion_laughs_xlsx(padding: int = 0) -> bytes:
    """Entity expansion in the sheet XML; ``padding`` bytes of comment before the DOCTYPE
    put it beyond the reader's own prolog check (defusedxml must catch it then)."""
    pad = f"<!--{' ' * padding}-->\n" if padding else ""
    cells = {1: header_cells(), 2: data_cells(2, ["D1", "ana", "&lol9;", "Won", "2026-04-02", 10])}
    return with_sheet(sheet_xml(cells, prolog=pad + BILLION_LAUGHS))


def external_entity_xlsx() -> bytes:
    prolog = '<!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    cells = {1: header_cells(), 2: data_cells(2, ["D1", "ana", "&xxe;", "Won", "2026-04-02", 10])}
    return with_sheet(sheet_xml(cells, prolog=prolog))


def lying_dimension_xlsx(dimension: str = "A1:XFD1048576") -> bytes:
    """A sheet that claims a million rows and 16,384 columns but holds three rows."""
    cells = {1: header_cells(), 2: data_cells(2, ROWS[0]), 3: data_cells(3, ROWS[1])}
    return with_sheet(sheet_xml(cells, dimension=dimension))


def far_cell_xlsx() -> bytes:
    """Three real rows, and one real cell at XFD1048576 (the last cell a sheet can have)."""
    cells = {1: header_cells(), 2: data_cells(2, ROWS[0]), 3: data_cells(3, ROWS[1]), 1048576: [("XFD1048576", "x")]}
    return with_sheet(sheet_xml(cells, dimension="A1:XFD1048576"))


def zip_bomb_xlsx(size: int = 40 << 20) -> bytes:
    """A part that inflates far beyond what a spreadsheet compresses to (zeros, ~1000 to 1)."""
    return replace_members(xlsx_bytes(), add={"xl/media/image1.png": b"\0" * size})


def many_parts_xlsx(n: int = 1001) -> bytes:
    return replace_members(xlsx_bytes(), add={f"xl/media/image{i}.png": b"x" for i in range(n)})


def long_cell_xlsx(length: int = 40_000) -> bytes:
    cells = {1: header_cells(), 2: data_cells(2, ["D1", "ana", "C" * length, "Won", "2026-04-02", 10])}
    return with_sheet(sheet_xml(cells))


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def flipped(data: bytes, member: str = SHEET) -> bytes:
    """Bytes flipped inside one member's compressed data (its directory left intact)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    buf = bytearray(data)
    for k in range(start + 2, start + info.compress_size - 2, 7):
        buf[k] ^= 0x5A
    return bytes(buf)


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
HTML = b"<!DOCTYPE html>\n<html><head><title>Login</title></head><body><p>Your session has expired.</p></body></html>\n"
