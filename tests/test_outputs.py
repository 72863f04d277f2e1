"""What a run writes: register CSV/XLSX, summary, run.json — all agreeing to the cent,
byte-identical on rerun, all-or-nothing, and locked against concurrent runs."""

from __future__ import annotations

import csv
import fcntl
import json
import os
from decimal import Decimal

import openpyxl
import pytest
from conftest import GOOD_PROGRAM, GOOD_ROSTER, PROGRAMS, SAMPLE, cli

from incentive_cli import api
from incentive_cli.diagnostics import OutputFailed, RunLocked

ROUNDING_DEALS = "deal_id,owner,customer,stage,close_date,amount\n" + "".join(
    f"D{i},{who},C{i},Won,2026-04-{1 + i % 28:02d},{amt}\n" for i, (who, amt) in enumerate([("ana", "10.01"), ("ana", "0.09"), ("bob", "33.33"), ("bob", "0.10"), ("cy", "19.99"), ("cy", "0.01")])
)
ROSTER3 = "id,name,role,team,manager,quota\nana,Ana,Sales Rep,East,boss,1\nbob,Bob,Sales Rep,East,boss,1\ncy,Cy,Sales Rep,West,boss,1\n"


def test_each_line_is_rounded_once_and_every_output_adds_up_to_the_cent(ws):
    ws.setup(ROSTER3, ROUNDING_DEALS)
    ws.program("p", GOOD_PROGRAM.replace("rate: 5%", "rate: 7.25%"))
    result = api.run(ws.programs, ws.data, "2026-04", ws.out)
    out = result.out_path
    rows = list(csv.DictReader((out / "register.csv").open()))
    # 10.10 x 7.25% = 0.73225 -> 0.73; 33.43 -> 2.423675 -> 2.42; 20.00 -> 1.45
    assert {r["person_id"]: r["amount"] for r in rows} == {"ana": "0.73", "bob": "2.42", "cy": "1.45"}
    csv_total = sum(Decimal(r["amount"]) for r in rows)
    record = json.loads((out / "run.json").read_text())
    assert record["totals"]["by_currency"]["USD"] == str(csv_total) == "4.60"
    reg = openpyxl.load_workbook(out / "register.xlsx")["Register"]
    total_row = next(r for r in reg.iter_rows(values_only=True) if r[5] == "Total USD")
    assert total_row[6].startswith("=SUMIFS(")
    cached = openpyxl.load_workbook(out / "register.xlsx", data_only=True)["Register"]
    assert next(r for r in cached.iter_rows(values_only=True) if r[5] == "Total USD")[6] == pytest.approx(4.60, abs=1e-9)
    summary = openpyxl.load_workbook(out / "summary.xlsx", data_only=True)["Summary"]
    totals = [r for r in summary.iter_rows(values_only=True) if r[0] == "Total USD"]
    assert totals and round(Decimal(str(totals[0][6])), 2) == Decimal("4.60")


def test_rerunning_gives_byte_identical_files(tmp_path):
    a = api.run(PROGRAMS, SAMPLE, "2017-Q2", tmp_path / "a").out_path
    b = api.run(PROGRAMS, SAMPLE, "2017-Q2", tmp_path / "b").out_path
    for name in ("register.csv", "register.xlsx", "summary.xlsx", "run.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_a_failure_while_writing_leaves_the_previous_outputs_intact(ws, monkeypatch):
    ws.setup(GOOD_ROSTER, "deal_id,owner,customer,stage,close_date,amount\nD1,ana,A,Won,2026-04-02,100\n")
    ws.program("p", GOOD_PROGRAM)
    first = api.run(ws.programs, ws.data, "2026-04", ws.out).out_path
    before = {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()}
    ws.data_file("deals.csv", "deal_id,owner,customer,stage,close_date,amount\nD1,ana,A,Won,2026-04-02,200\n")
    from incentive_cli.writers import register

    def disk_full(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(register, "write_summary_xlsx", disk_full)
    with pytest.raises(OutputFailed) as failed:
        api.run(ws.programs, ws.data, "2026-04", ws.out)
    assert failed.value.diagnostic.code == "output-not-writable"
    assert "No space left on device" in failed.value.diagnostic.message
    assert {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in ws.out.iterdir()) == [".lock", "2026-04"]  # no staging left behind


def test_a_second_concurrent_run_exits_75_naming_the_holder(ws):
    ws.setup(GOOD_ROSTER, "deal_id,owner,customer,stage,close_date,amount\nD1,ana,A,Won,2026-04-02,100\n")
    ws.program("p", GOOD_PROGRAM)
    ws.out.mkdir()
    fd = os.open(ws.out / ".lock", os.O_RDWR | os.O_CREAT)
    os.write(fd, b"incentive run, pid 4242")
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(RunLocked):
            api.run(ws.programs, ws.data, "2026-04", ws.out)
        code, _, err = cli("run", "--programs", str(ws.programs), "--data", str(ws.data), "--period", "2026-04", "--out", str(ws.out))
        assert code == 75
        assert "error [run-locked] another run holds the output folder (incentive run, pid 4242)" in err
    finally:
        os.close(fd)
    assert not (ws.out / "2026-04").exists()


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","click")', "+1", "-1", "@SUM(1)"])
def test_text_that_looks_like_a_formula_stays_text(ws, text):
    quoted = '"' + text.replace('"', '""') + '"'
    ws.setup(f"id,name,role,team,manager,quota\nana,{quoted},Sales Rep,East,boss,1\n", "deal_id,owner,customer,stage,close_date,amount\nD1,ana,A,Won,2026-04-02,100\n")
    ws.program("p", GOOD_PROGRAM)
    out = api.run(ws.programs, ws.data, "2026-04", ws.out).out_path
    rows = list(csv.DictReader((out / "register.csv").open()))
    assert rows[0]["person"] == "'" + text  # OWASP: a leading apostrophe keeps spreadsheets from evaluating it
    for book, sheet, col in (("register.xlsx", "Register", 2), ("summary.xlsx", "Summary", 1)):
        ws_ = openpyxl.load_workbook(out / book)[sheet]
        cell = ws_.cell(row=2, column=col + 1)
        assert cell.value == text and cell.data_type == "s", book
