"""Item 2 of issue 6: encodings, delimiters, the Excel 1904 date system, hidden sheets and
hidden rows, zip archives. Each is read by a declared rule and recorded, never by accident."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import xlsxwriter
from conftest import DEFAULT_SOURCES, GOOD_DEALS, GOOD_ROSTER

from incentive_cli.readers import table
from incentive_cli.readers.sources import read_dataset


def _setup(ws, deals: bytes | str, name: str = "deals.csv", extra: str = ""):  # type: ignore[no-untyped-def]
    ws.data_file("sources.yaml", DEFAULT_SOURCES.replace("deals.csv", name) + extra)
    ws.data_file("roster.csv", GOOD_ROSTER)
    ws.data_file(name, deals)
    return read_dataset(ws.data)


def _deals_record(data):  # type: ignore[no-untyped-def]
    return next(i for i in data.inputs if i["table"] == "deals")


def _errors(diags):  # type: ignore[no-untyped-def]
    return [d for d in diags if d.is_error]


def _amounts(data) -> list[int]:  # type: ignore[no-untyped-def]
    return [int(v) for v in data.tables["deals"].frame["amount"]]


# --- text encodings and delimiters ---------------------------------------------------------


def _unicode_text(text: str) -> bytes:
    """What Excel's 'Unicode Text' save writes: UTF-16LE with a BOM, tabs, CRLF."""
    return b"\xff\xfe" + text.replace(",", "\t").replace("\n", "\r\n").encode("utf-16-le")


@pytest.mark.parametrize("delimiter", ['"\\t"', "auto"])
def test_excel_unicode_text_utf16_with_tabs(ws, delimiter):
    deals = GOOD_DEALS.replace("Acme", "Café Ørsted")
    data, diags = _setup(ws, _unicode_text(deals), extra=f"  delimiter: {delimiter}\n")
    assert _errors(diags) == []
    assert _amounts(data) == [100050, 9950]
    assert data.tables["deals"].frame["customer"].iloc[0] == "Café Ørsted"
    record = _deals_record(data)
    assert record["delimiter"] == "\t"
    assert record.get("delimiter_from") == ("sniffed" if delimiter == "auto" else None)


def test_utf16_with_the_comma_default_says_how_to_fix_it(ws):
    _, diags = _setup(ws, _unicode_text(GOOD_DEALS))
    [d] = _errors(diags)
    assert d.code == "no-header"


@pytest.mark.parametrize("delim", [";", "|", ","])
def test_delimiter_auto_sniffs_from_the_header_line_and_records_it(ws, delim):
    deals = "Pipeline export\n" + GOOD_DEALS.replace(",", delim).replace("1000.50", "1000,50" if delim == ";" else "1000.50").replace("99.50", "99,50" if delim == ";" else "99.50")
    extra = "  delimiter: auto\n" + ("  number_format: {decimal: ',', thousands: none}\n" if delim == ";" else "")
    data, diags = _setup(ws, deals, extra=extra)
    assert _errors(diags) == []
    assert _amounts(data) == [100050, 9950]
    record = _deals_record(data)
    assert (record["delimiter"], record["delimiter_from"], record["header_row"]) == (delim, "sniffed", 2)


def test_the_declared_delimiter_is_recorded_too(ws):
    data, diags = _setup(ws, GOOD_DEALS)
    assert _errors(diags) == [] and _deals_record(data)["delimiter"] == ","


def test_delimiter_auto_refuses_a_tie(ws):
    _, diags = _setup(ws, "deal_id;owner,stage\nD1;ana,Won\n", extra="  delimiter: auto\n")
    [d] = _errors(diags)
    assert d.code == "ambiguous-delimiter" and d.location.line == 1
    assert "',' (comma) and ';' (semicolon)" in d.message and "delimiter: ';'" in d.hint


def test_a_delimiter_of_several_characters_is_refused_in_sources_yaml(ws):
    _, diags = _setup(ws, GOOD_DEALS, extra="  delimiter: ';;'\n")
    assert [d.code for d in _errors(diags)] == ["bad-choice"]


# --- XLSX: date systems, hidden sheets, hidden rows -------------------------------------------


HEAD = ["deal_id", "owner", "customer", "stage", "close_date", "amount"]


def test_the_1904_date_system_reads_serials_and_date_cells(ws):
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"date_1904": True})
    sh = wb.add_worksheet("Deals")
    sh.write_row(0, 0, HEAD)
    serial = (dt.date(2026, 4, 2) - dt.date(1904, 1, 1)).days  # 1904 system: day 0 is 1904-01-01
    sh.write_row(1, 0, ["D1", "ana", "Acme", "Won"])
    sh.write_number(1, 4, serial)
    sh.write_number(1, 5, 10)
    sh.write_row(2, 0, ["D2", "ana", "Beta", "Won"])
    sh.write_datetime(2, 4, dt.datetime(2026, 4, 3), wb.add_format({"num_format": "yyyy-mm-dd"}))
    sh.write_number(2, 5, 20)
    wb.close()
    data, diags = _setup(ws, buf.getvalue(), "deals.xlsx")
    assert _errors(diags) == []
    dates = [str(d.date()) for d in data.tables["deals"].frame["close_date"]]
    assert dates == ["2026-04-02", "2026-04-03"]
    assert _deals_record(data)["date_system"] == 1904
    # the same serial in a 1900 workbook is four years and a day earlier
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    sh = wb.add_worksheet("Deals")
    sh.write_row(0, 0, HEAD)
    sh.write_row(1, 0, ["D1", "ana", "Acme", "Won", serial, 10])
    wb.close()
    data, _ = _setup(ws, buf.getvalue(), "deals.xlsx")
    assert str(data.tables["deals"].frame["close_date"].iloc[0].date()) == "2022-04-01"


def _two_sheets() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    old = wb.add_worksheet("Old")
    old.write_row(0, 0, HEAD)
    old.write_row(1, 0, ["D9", "ana", "Old", "Won", "2026-04-09", 999])
    old.hide()
    new = wb.add_worksheet("Deals")
    new.write_row(0, 0, HEAD)
    new.write_row(1, 0, ["D1", "ana", "Acme", "Won", "2026-04-02", 10])
    new.activate()
    wb.close()
    return buf.getvalue()


def test_a_hidden_sheet_is_read_only_when_named(ws):
    data, diags = _setup(ws, _two_sheets(), "deals.xlsx")
    assert _errors(diags) == [] and _amounts(data) == [1000]
    record = _deals_record(data)
    assert record["sheet"] == "Deals" and record["hidden_sheets_not_read"] == ["Old"]
    data, diags = _setup(ws, _two_sheets(), "deals.xlsx", extra="  sheet: Old\n")
    assert _errors(diags) == [] and _amounts(data) == [99900]
    assert _deals_record(data)["sheet_hidden"] is True


def test_a_workbook_whose_sheets_are_all_hidden_needs_the_sheet_named(ws):
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    wb.add_worksheet("Visible")
    sh = wb.add_worksheet("Deals")
    sh.write_row(0, 0, HEAD)
    sh.write_row(1, 0, ["D1", "ana", "Acme", "Won", "2026-04-02", 10])
    wb.close()
    # Excel refuses to save such a file, other tools do not: hide every sheet in the XML
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            blob = src.read(info)
            if info.filename == "xl/workbook.xml":
                blob = blob.replace(b"<sheet name=", b'<sheet state="hidden" name=')
            dst.writestr(info, blob)
    _, diags = _setup(ws, out.getvalue(), "deals.xlsx")
    [d] = _errors(diags)
    assert d.code == "file-unreadable" and "every sheet of this workbook is hidden" in d.message and "sheet: 'Visible'" in d.hint
    data, diags = _setup(ws, out.getvalue(), "deals.xlsx", extra="  sheet: Deals\n")
    assert _errors(diags) == [] and _amounts(data) == [1000]
    assert _deals_record(data)["sheet_hidden"] is True


def _hidden_row_book() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    sh = wb.add_worksheet("Deals")
    sh.write_row(0, 0, HEAD)
    sh.write_row(1, 0, ["D1", "ana", "Acme", "Won", "2026-04-02", 10])
    sh.write_row(2, 0, ["D2", "ana", "Beta", "Won", "2026-04-03", 20])
    sh.write_row(3, 0, ["D3", "ana", "Core", "Won", "2026-04-04", 30])
    sh.set_row(2, None, None, {"hidden": True})  # row 3 in Excel's numbering
    wb.close()
    return buf.getvalue()


def test_hidden_rows_are_an_error_by_default(ws):
    _, diags = _setup(ws, _hidden_row_book(), "deals.xlsx")
    [d] = _errors(diags)
    assert d.code == "hidden-rows" and d.location.line == 3 and d.location.sheet == "Deals"
    assert "1 data row(s) of this sheet are hidden (rows 3)" in d.message
    assert "hidden_rows: skip" in d.hint and "hidden_rows: read" in d.hint


def test_hidden_rows_skip_leaves_them_out_and_lists_them(ws):
    data, diags = _setup(ws, _hidden_row_book(), "deals.xlsx", extra="  hidden_rows: skip\n")
    assert _errors(diags) == [] and _amounts(data) == [1000, 3000]
    assert data.tables["deals"].row_of(1) == 4
    assert _deals_record(data)["ignored_rows"] == [{"row": 3, "reason": "hidden row (hidden_rows: skip)", "text": "D2 | ana | Beta | Won | 2026-04-03 | 20"}]


def test_hidden_rows_read_counts_them_and_says_so(ws):
    data, diags = _setup(ws, _hidden_row_book(), "deals.xlsx", extra="  hidden_rows: read\n")
    assert _errors(diags) == [] and _amounts(data) == [1000, 2000, 3000]
    assert _deals_record(data)["hidden_rows_read"] == [3]


def test_hidden_rows_above_the_header_do_not_matter(ws):
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    sh = wb.add_worksheet("Deals")
    sh.write_string(0, 0, "internal note")
    sh.set_row(0, None, None, {"hidden": True})
    sh.write_row(1, 0, HEAD)
    sh.write_row(2, 0, ["D1", "ana", "Acme", "Won", "2026-04-02", 10])
    wb.close()
    data, diags = _setup(ws, buf.getvalue(), "deals.xlsx")
    assert _errors(diags) == [] and _amounts(data) == [1000]


# --- zip archives ----------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return buf.getvalue()


def test_a_zip_of_parts_is_one_table_located_by_part(ws):
    head, *rows = GOOD_DEALS.splitlines()
    parts = {"Deals_002.csv": f"{head}\n{rows[1]}\n".encode(), "Deals_001.csv": f"{head}\n{rows[0]}\n".encode(), "__MACOSX/._Deals_001.csv": b"x", "README.txt.json": b"{}"}
    data, diags = _setup(ws, _zip(parts), "deals.zip")
    assert _errors(diags) == [] and _amounts(data) == [100050, 9950]
    record = _deals_record(data)
    assert record["parts"] == ["Deals_001.csv", "Deals_002.csv"] and record["archive_members_not_read"] == ["README.txt.json"]
    bad = parts | {"Deals_002.csv": f"{head}\nD2,ana,Beta,Won,2026-04-03,9x\n".encode()}
    _, diags = _setup(ws, _zip(bad), "deals.zip")
    [d] = _errors(diags)
    assert d.code == "bad-amount" and d.location.file.endswith("deals.zip/Deals_002.csv") and d.location.line == 2


def test_a_zip_whose_parts_differ_is_refused(ws):
    head, *rows = GOOD_DEALS.splitlines()
    parts = {"Deals_001.csv": f"{head}\n{rows[0]}\n".encode(), "Deals_002.csv": f"{head},extra\n{rows[1]},x\n".encode()}
    _, diags = _setup(ws, _zip(parts), "deals.zip")
    [d] = _errors(diags)
    assert d.code == "archive-refused" and "Deals_002.csv does not have the columns of Deals_001.csv" in d.message


def test_zip_bombs_are_refused_before_inflating(ws, monkeypatch):
    _, diags = _setup(ws, _zip({f"Deals_{i:03d}.csv": b"a" for i in range(table.MAX_ZIP_MEMBERS + 1)}), "deals.zip")
    [d] = _errors(diags)
    assert d.code == "archive-refused" and "holds 101 files" in d.message
    _, diags = _setup(ws, _zip({"Deals_001.csv": GOOD_DEALS.encode() + b" " * (8 << 20)}), "deals.zip")
    [d] = _errors(diags)
    assert d.code == "archive-refused" and "compressed" in d.message and "to 1" in d.message
    monkeypatch.setattr(table, "MAX_ZIP_BYTES", 100)
    _, diags = _setup(ws, _zip({"Deals_001.csv": GOOD_DEALS.encode()}), "deals.zip")
    [d] = _errors(diags)
    assert d.code == "archive-refused" and "expands to" in d.message
    _, diags = _setup(ws, _zip({"notes.txt.md": b"hello"}), "deals.zip")
    [d] = _errors(diags)
    assert d.code == "archive-refused" and "no .csv file" in d.message


def test_a_salesforce_footer_read_without_the_profile_gets_a_hint(ws):
    deals = GOOD_DEALS + '\n""\n"Confidential Information - Do Not Distribute"\n'
    _, diags = _setup(ws, deals)
    bad = [d for d in _errors(diags) if "Confidential" in (d.value or "")]
    assert bad and "profile: salesforce" in bad[0].hint
