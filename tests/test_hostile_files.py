"""Hostile and broken files: each is refused within seconds and bounded memory, with a
located message and a hint, never a traceback (issue 6)."""

from __future__ import annotations

import time
import tracemalloc

import hostile as h
import pytest
from conftest import DEFAULT_SOURCES, GOOD_DEALS, GOOD_PROGRAM, GOOD_ROSTER

from incentive_cli import api
from incentive_cli.diagnostics import CODES, Diagnostic
from incentive_cli.engine import checks  # noqa: F401 - imported here, not under tracemalloc
from incentive_cli.readers import sources, table  # noqa: F401
from incentive_cli.readers.program import parse_program


def _validate_deals(ws, name: str, blob: bytes, extra: str = "") -> tuple[list[Diagnostic], float, int]:  # type: ignore[no-untyped-def]
    ws.setup(GOOD_ROSTER, GOOD_DEALS, DEFAULT_SOURCES.replace("deals.csv", name) + extra)
    ws.data_file(name, blob)
    ws.program("p", GOOD_PROGRAM)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        diags = api.validate(ws.programs, ws.data).diagnostics
    finally:
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return diags, elapsed, peak


def _refused(diags: list[Diagnostic], code: str, file: str, words: str) -> Diagnostic:
    errs = [d for d in diags if d.is_error]
    assert errs, "the file must be refused"
    for d in errs:
        assert d.code in CODES and d.hint and d.location.file
    hits = [d for d in errs if d.code == code and d.location.file.endswith(file) and words in d.message]
    assert hits, [(d.code, d.location.file, d.message) for d in errs]
    return hits[0]


# --- XLSX: zip bombs, entities, lying dimensions, damage ------------------------------


def test_an_xlsx_zip_bomb_is_refused_from_its_directory(ws):
    diags, secs, peak = _validate_deals(ws, "deals.xlsx", h.zip_bomb_xlsx())
    _refused(diags, "archive-refused", "deals.xlsx", "xl/media/image1.png is compressed 1,028 to 1 (a zip bomb?)")
    assert secs < 5 and peak < 20 << 20  # nothing was inflated


def test_an_xlsx_with_too_many_parts_is_refused(ws):
    diags, secs, _ = _validate_deals(ws, "deals.xlsx", h.many_parts_xlsx())
    _refused(diags, "archive-refused", "deals.xlsx", "the workbook holds 1010 files; at most 1000 are read")
    assert secs < 5


@pytest.mark.parametrize(("limit", "value", "words"), [("total", 1000, "the workbook expands to"), ("member", 1000, "bytes; at most 1,000 are read for one part")])
def test_xlsx_size_limits_are_declared_and_enforced(ws, monkeypatch, limit, value, words):
    limits = table.XLSX_LIMITS
    monkeypatch.setattr(table, "XLSX_LIMITS", table.ArchiveLimits(limits.members, value if limit == "total" else limits.total, value if limit == "member" else limits.member, limits.ratio, "workbook"))
    diags, _, _ = _validate_deals(ws, "deals.xlsx", h.xlsx_bytes())
    _refused(diags, "archive-refused", "deals.xlsx", words)


def test_the_declared_limits_let_a_normal_workbook_through():
    assert table.MAX_XLSX_MEMBERS >= 100 and table.MAX_XLSX_BYTES >= 512 << 20 and table.MAX_XLSX_RATIO >= 100


@pytest.mark.parametrize("make", [h.billion_laughs_xlsx, h.external_entity_xlsx, lambda: h.billion_laughs_xlsx(padding=100_000)], ids=["billion-laughs", "external-entity", "entities-deep-in-the-part"])
def test_xml_entities_in_a_workbook_are_refused(ws, make):
    diags, secs, peak = _validate_deals(ws, "deals.xlsx", make())
    d = _refused(diags, "file-unreadable", "deals.xlsx", "declares XML entities (<!DOCTYPE ...>)")
    assert "billion laughs" in d.hint
    assert secs < 5 and peak < 50 << 20


def test_openpyxl_parses_with_defusedxml():
    from openpyxl import DEFUSEDXML

    assert DEFUSEDXML, "defusedxml must be installed (pyproject.toml): openpyxl then refuses entities in every part"


def test_a_sheet_that_claims_a_million_rows_reads_only_its_cells(ws):
    diags, secs, peak = _validate_deals(ws, "deals.xlsx", h.lying_dimension_xlsx())
    assert [d for d in diags if d.is_error] == []
    assert secs < 5 and peak < 20 << 20


def test_a_real_cell_at_the_last_row_and_column_costs_little(ws):
    from pathlib import Path

    path = ws.data_file("far.xlsx", h.far_cell_xlsx())
    t0 = time.perf_counter()
    raw, diags, _ = table.read_table(Path(path), "far.xlsx", {f: [f] for f in h.HEADER}, set(), table.ReadOptions())
    assert time.perf_counter() - t0 < 5
    assert raw is not None and diags == []
    assert raw.n_rows == 3 and raw.row_of(2) == 1048576  # the lone far cell is a row of its own, counted where it is
    assert len(raw.columns["deal_id"]) == 3


@pytest.mark.parametrize(("damage", "words"), [(h.truncated, "BadZipFile"), (h.flipped, "the file is not a readable XLSX workbook")], ids=["cut-in-half", "bytes-flipped"])
def test_a_damaged_workbook_is_file_unreadable(ws, damage, words):
    diags, secs, _ = _validate_deals(ws, "deals.xlsx", damage(h.xlsx_bytes()))
    d = _refused(diags, "file-unreadable", "deals.xlsx", words)
    assert "damaged" in d.hint
    assert secs < 2


def test_every_truncation_of_a_workbook_is_refused_cleanly(tmp_path):
    from pathlib import Path

    data = h.xlsx_bytes()
    wanted = {f: [f] for f in h.HEADER}
    for cut in range(0, len(data), max(1, len(data) // 40)):
        p = Path(tmp_path / "d.xlsx")
        p.write_bytes(data[:cut])
        raw, diags, _ = table.read_table(p, "d.xlsx", wanted, set(), table.ReadOptions())
        assert raw is None and diags and all(d.code in CODES and d.hint for d in diags), cut


# --- cells longer than Excel allows ---------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "csv-profile", "xlsx", "zip"])
def test_a_cell_over_32767_characters_is_a_located_error(ws, kind):
    long = "C" * 40_000
    if kind == "xlsx":
        diags, _, _ = _validate_deals(ws, "deals.xlsx", h.long_cell_xlsx())
        d = _refused(diags, "cell-too-long", "deals.xlsx", "the cell holds 40,000 characters")
        assert (d.location.line, d.location.column, d.location.sheet) == (2, 3, "Sheet")
        return
    deals = GOOD_DEALS.replace("Beta", long)
    if kind == "zip":
        import io
        import zipfile

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("Deals_001.csv", deals)
        diags, _, _ = _validate_deals(ws, "deals.zip", buf.getvalue())
        d = _refused(diags, "cell-too-long", "deals.zip/Deals_001.csv", "the cell holds 40,000 characters")
    else:
        extra = "  profile: hubspot\n" if kind == "csv-profile" else ""
        diags, _, _ = _validate_deals(ws, "deals.csv", deals.encode(), extra)
        d = _refused(diags, "cell-too-long", "deals.csv", "the cell holds 40,000 characters")
    assert (d.location.line, d.location.column) == (3, 3)
    assert [x.code for x in diags if x.is_error].count("cell-too-long") == 1, "reported once"
    if kind != "csv-profile":  # (HubSpot dates have a time: the profile reports them too)
        assert [x.code for x in diags if x.is_error] == ["cell-too-long"], "not again as a bad value"


@pytest.mark.parametrize("extra", ["", "  profile: hubspot\n"], ids=["fast-path", "csv-module-path"])
def test_a_cell_longer_than_the_csv_module_allows_is_located_not_raised(ws, extra):
    # 200,000 characters: beyond csv's default field limit (131,072), which used to raise
    deals = GOOD_DEALS.replace("Beta", "x" * 200_000) + "D3,ana,Gamma,Won,2026-04-04,1,extra\n"
    diags, _, _ = _validate_deals(ws, "deals.csv", deals.encode(), extra)
    d = _refused(diags, "file-unreadable", "deals.csv", "this row has 7 fields but the header has 6")
    assert d.location.line == 4  # counted past the long cell


# --- things named .csv that are not CSV -----------------------------------------------


@pytest.mark.parametrize(
    ("blob", "words"),
    [
        (h.HTML, "this file is an HTML page, not a CSV or spreadsheet"),
        (b"", "the file is empty (0 bytes)"),
        (b"\xef\xbb\xbf", "the file holds only a UTF-8 byte-order mark and no text"),
        (b"\xff\xfe", "the file holds only a UTF-16 byte-order mark and no text"),
        (b"\r\n\r\n  \n", "the file holds only blank lines"),
        (h.PNG, "this is a PNG image, not CSV text"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "this is a PDF document, not CSV text"),
        (GOOD_DEALS.encode() + b"D3,ana,Gamma\x00,Won,2026-04-04,1\n", "the file holds binary data (a NUL byte at byte 132, line 4)"),
    ],
    ids=["html", "empty", "bom-only", "utf16-bom-only", "blank-lines", "png", "pdf", "nul-byte"],
)
def test_a_csv_that_is_not_csv_text_is_refused(ws, blob, words):
    diags, secs, _ = _validate_deals(ws, "deals.csv", blob)
    _refused(diags, "file-unreadable", "deals.csv", words)
    assert secs < 5


def test_a_lone_carriage_return_does_not_break_the_csv_module(ws):
    deals = "deal_id,owner,customer,stage,close_date,amount\rD1,ana,Acme,Won,2026-04-02,10\rD2,ana,Beta,Won,2026-04-03,x\r"
    diags, _, _ = _validate_deals(ws, "deals.csv", deals.encode(), "  profile: plain\n")
    d = _refused(diags, "bad-amount", "deals.csv", "'x' is not a number")
    assert d.location.line == 3


# --- YAML -----------------------------------------------------------------------------


def test_a_10_mb_program_file_is_refused_quickly():
    text = "schema_version: 1\n" + "# padding\n" * 1_000_000
    t0 = time.perf_counter()
    _, diags = parse_program("big.yaml", text)
    assert time.perf_counter() - t0 < 2
    assert [(d.code, d.message) for d in diags] == [("yaml-too-large", "the file is larger than 2,000,000 bytes")]
    assert diags[0].hint


def test_a_nul_byte_in_a_program_is_located():
    _, diags = parse_program("p.yaml", GOOD_PROGRAM.replace("rate: 5%", "rate: 5\x00%"))
    assert [(d.code, d.location.line, d.location.column) for d in diags] == [("yaml-syntax", 14, 12)]
    assert diags[0].message == "the file holds a NUL byte, which YAML does not allow"
    assert diags[0].hint


def test_a_nul_byte_in_sources_yaml_is_located(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS, DEFAULT_SOURCES.replace("deals:", "deals:\x00"))
    ws.program("p", GOOD_PROGRAM)
    diags = api.validate(ws.programs, ws.data).diagnostics
    assert [(d.code, d.location.file.endswith("sources.yaml"), d.location.line) for d in diags] == [("yaml-syntax", True, 12)]
