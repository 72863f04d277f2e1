"""Statements people trust: every figure derived, live formulas that recalculate to the
same cents, text that stays text, identical bytes, totals that agree everywhere."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import DEFAULT_SOURCES, PROGRAMS, SAMPLE, deals_csv
from workbook_snapshot import check_golden, snapshot

from incentive_cli import api

ROSTER = "id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,bea,80000\nbea,Bea Costa,Sales Manager,East,,100000\n"
# Bea heads the tree (no manager); the open deal O01 has no amount yet, read as 0 as declared
SOURCES = DEFAULT_SOURCES.replace("deals:", "  manager_optional: true\ndeals:", 1) + "  blank: {amount: zero}\n"


def _ana_deals() -> str:
    rows = [(f"D{i:02d}", "ana", f"Customer {i:02d}", "Won", f"2026-0{4 + i % 3}-1{i % 9}", "8000") for i in range(11)]
    rows += [
        ("D11", "ana", "Customer 11", "Won", "2026-06-30", "12000"),
        ("L01", "ana", "Customer 11", "Lost", "2026-05-02", "0"),  # wrong stage
        ("N01", "ana", "Customer 12", "Won", "2026-07-01", "50000"),  # a day late
        ("O01", "ana", "", "Engaging", "", ""),  # open deal, no close date
        ("B01", "bea", "Big Co", "Won", "2026-05-05", "30000"),
    ]
    return deals_csv(rows)


@pytest.fixture
def q2_run(ws):  # type: ignore[no-untyped-def]
    ws.setup(ROSTER, _ana_deals(), SOURCES)
    ws.activities()
    shutil.copy(PROGRAMS / "q2-plan.yaml", ws.programs / "q2-plan.yaml")
    result = api.run(ws.programs, ws.data, "2026-Q2", ws.out, workers=1, allow_empty=True)  # no activities logged
    return result


def _statement(result, person_id: str) -> Path:  # type: ignore[no-untyped-def]
    [path] = [p for p in (result.out_path / "statements").iterdir() if p.name.endswith(".xlsx") and person_id_hash(person_id) in p.name]
    return path


def person_id_hash(pid: str) -> str:
    import hashlib

    return hashlib.sha256(pid.encode()).hexdigest()[:8]


def test_statement_snapshot_matches_the_golden_file(q2_run):
    check_golden("statement_q2_plan_ana.txt", snapshot(_statement(q2_run, "ana")))


def test_statement_shows_the_worked_plan_line_by_line(q2_run):
    wb = openpyxl.load_workbook(_statement(q2_run, "ana"), data_only=True)
    assert wb.sheetnames == ["Summary", "Q2 Sales Performance Incentive", "Deals", "Deals not counted", "Badges and rewards"]
    calc = wb["Q2 Sales Performance Incentive"]
    rows = list(calc.iter_rows(values_only=True))
    steps = {r[1]: r for r in rows if r[1]}
    assert steps["tier 1 (5%)"][2:6] == (75000, 0.05, None, 3750)
    assert steps["tier 2 (7%)"][2:6] == (25000, 0.07, 75000, 1750)
    assert steps["attainment 125% >= 115%: yes"][4:6] == (1.15, 1000)
    total = next(r for r in rows if r[1] == "Total Q2 Sales Performance Incentive Plan")
    assert total[6] == 7500
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    assert summary["Total cash"] == 7500 and summary["Manager"] == "Bea Costa"


def test_deals_credited_and_not_counted_with_reasons(q2_run):
    wb = openpyxl.load_workbook(_statement(q2_run, "ana"), data_only=True)
    credited = [r for r in wb["Deals"].iter_rows(min_row=3, values_only=True) if r[2]]
    assert len(credited) == 12
    assert sum(Decimal(str(r[6])) for r in credited) == Decimal("5500")  # the commission, shared by amount
    assert sum(Decimal(str(r[4])) for r in credited) == Decimal("100000")
    reasons = {r[2]: r[6] for r in wb["Deals not counted"].iter_rows(min_row=3, values_only=True) if r[2]}
    assert reasons == {
        "L01": "stage is 'Lost'; the program counts Won",
        "N01": "close_date 2026-07-01 is outside 2026-Q2",
        "O01": "stage is 'Engaging'; the program counts Won",
    }


def test_statement_totals_equal_register_totals_and_the_sum_over_people(q2_run):
    out = q2_run.out_path
    register = list(csv.DictReader((out / "register.csv").open()))
    by_person: dict[str, Decimal] = {}
    for r in register:
        by_person[r["person_id"]] = by_person.get(r["person_id"], Decimal(0)) + Decimal(r["amount"])
    for pid, total in by_person.items():
        wb = openpyxl.load_workbook(_statement(q2_run, pid), data_only=True)
        summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
        assert Decimal(str(summary["Total cash"])).quantize(Decimal("0.01")) == total, pid
    record = json.loads((out / "run.json").read_text())
    assert Decimal(record["totals"]["by_currency"]["USD"]) == sum(by_person.values()) == Decimal("7500.00")  # Bea manages; her role takes no part


def test_the_manager_pack_lists_the_team_with_subtotals_and_ranks(q2_run):
    [pack] = list((q2_run.out_path / "managers").iterdir())
    assert "bea-costa" in pack.name
    wb = openpyxl.load_workbook(pack, data_only=True)
    team = [r for r in wb["Team"].iter_rows(min_row=5, values_only=True) if r[1]]
    assert team[0][:2] == (1, "Ana Lima")
    assert next(r for r in team if r[1] == "Team total USD")[5] == 7500
    lines = [r for r in wb["Lines"].iter_rows(values_only=True) if r[0]]
    assert ("Subtotal Ana Lima", None, None, None, 7500) in lines


INJECTIONS = ['=HYPERLINK("http://x","click")', "+1", "-1", "@SUM(1)"]


def test_formula_like_text_stays_text_in_every_workbook(ws):
    rows = [(f"D{i}", "ana", text, "Won", "2026-04-02", "100") for i, text in enumerate(INJECTIONS)]
    ws.setup('id,name,role,team,manager,quota\nana,"=cmd|\' /C calc\'!A0",Sales Rep,"+Team","@boss",1\n', deals_csv([(a, b, '"' + c.replace('"', '""') + '"', d, e, f) for a, b, c, d, e, f in rows]))
    ws.activities()
    shutil.copy(PROGRAMS / "q2-plan.yaml", ws.programs / "q2-plan.yaml")
    out = api.run(ws.programs, ws.data, "2026-Q2", ws.out, workers=1, allow_empty=True).out_path  # no activities logged
    books = list(out.rglob("*.xlsx"))
    assert len(books) == 4  # register, summary, one statement, one manager pack
    for book in books:
        with zipfile.ZipFile(book) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    xml = z.read(name).decode()
                    for text in ("HYPERLINK", "SUM(1)", "cmd|"):
                        assert f"<f>{text}" not in xml and not ("<f>" in xml and text in xml.split("<f>")[1].split("</f>")[0]), (book.name, name)
    wb = openpyxl.load_workbook(next(p for p in books if "statements" in str(p)))
    customers = [r[3] for r in wb["Deals"].iter_rows(min_row=3, values_only=True) if r[2]]
    assert sorted(customers) == sorted(INJECTIONS)


def test_two_runs_write_identical_bytes_for_every_file(tmp_path):
    a = api.run(PROGRAMS, SAMPLE, "2017-Q2", tmp_path / "a").out_path
    b = api.run(PROGRAMS, SAMPLE, "2017-Q2", tmp_path / "b", workers=1).out_path  # serial vs parallel too
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(files) > 40
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_the_demo_writes_a_statement_for_every_person_in_the_maven_sample(tmp_path):
    out = api.run(PROGRAMS, SAMPLE, "2017-Q2", tmp_path).out_path
    rows = [line.split(",") for line in (SAMPLE / "sales_teams.csv").read_text().splitlines()[1:]]
    people = {r[0] for r in rows} | {r[1] for r in rows} | {r[2] for r in rows}  # agents, their managers and offices (paid overrides)
    names = set()
    for p in (out / "statements").iterdir():
        wb = openpyxl.load_workbook(p, read_only=True)
        names.add(next(r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0] == "Person"))
    assert names == people and len(people) == 44
    assert len(list((out / "managers").iterdir())) == 9  # 6 managers and the 3 regional offices above them


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
LO_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed: `apt-get install libreoffice-calc` (.ci/run installs it)")
def test_libreoffice_recalculates_every_formula_in_the_demo_statements_to_the_same_cents(tmp_path):
    out = api.run(PROGRAMS, SAMPLE, "2017-Q2", tmp_path / "out").out_path
    books = sorted((out / "statements").iterdir())[:12] + sorted((out / "managers").iterdir())[:2] + [out / "register.xlsx", out / "summary.xlsx"]
    profile = tmp_path / "lo-profile" / "user"
    profile.mkdir(parents=True)
    (profile / "registrymodifications.xcu").write_text(LO_PROFILE)
    stripped = tmp_path / "stripped"
    stripped.mkdir()
    expected: dict[tuple[str, str, str], float] = {}
    for book in books:
        # keep the formulas, drop every cached result: only a real recalculation can fill them
        name = f"{book.parent.name}-{book.stem}"  # a manager's statement and pack share a file name
        wb = openpyxl.load_workbook(book)
        cached = openpyxl.load_workbook(book, data_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c.value.startswith("="):
                        expected[(name, ws.title, c.coordinate)] = cached[ws.title][c.coordinate].value
        wb.save(stripped / f"{name}.xlsx")
    assert len(expected) > 100
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile.parent}", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1", "--outdir", str(tmp_path / "csv"), *[str(p) for p in sorted(stripped.iterdir())]], check=True, capture_output=True, timeout=300)
    checked = 0
    for (stem, sheet, coord), value in expected.items():
        path = tmp_path / "csv" / f"{stem}-{sheet}.csv"
        grid = list(csv.reader(path.open(encoding="utf-8")))
        col = openpyxl.utils.cell.column_index_from_string("".join(ch for ch in coord if ch.isalpha())) - 1
        row = int("".join(ch for ch in coord if ch.isdigit())) - 1
        got = grid[row][col]
        assert Decimal(got).quantize(Decimal("0.01")) == Decimal(str(value)).quantize(Decimal("0.01")), (stem, sheet, coord, got, value)
        checked += 1
    assert checked == len(expected)


def test_the_fast_writer_keeps_awkward_text_exact(tmp_path):
    from incentive_cli.writers.fastxlsx import Workbook

    awkward = ['A&B <Co> "x" \'y\'', "  leading and trailing  ", "tab\there", "line\nbreak", "ctrl\x01char", "ünïcødé €", "=1+1"]
    wb = Workbook(str(tmp_path / "t.xlsx"), "t")
    ws = wb.add_worksheet("It's a test")
    for i, text in enumerate(awkward):
        ws.write_string(i, 0, text)
    ws.write_number(0, 1, Decimal("1234.5600"))
    ws.write_formula(1, 1, "=B1*2", None, Decimal("2469.12"))
    wb.close()
    got = openpyxl.load_workbook(tmp_path / "t.xlsx")
    sheet = got.worksheets[0]
    # a control character cannot be XML text: it is stored as OOXML's _x0001_, which Excel shows as
    # the character and openpyxl leaves as written
    assert [sheet.cell(i + 1, 1).value for i in range(len(awkward))] == [t.replace("\x01", "_x0001_") for t in awkward]
    assert sheet["B1"].value == 1234.56 and sheet["B2"].value == "=B1*2"
    assert openpyxl.load_workbook(tmp_path / "t.xlsx", data_only=True).worksheets[0]["B2"].value == 2469.12


def test_a_manager_pack_has_a_column_only_for_programs_that_pay_the_team(ws):
    ws.setup("id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,bea,80000\nbea,Bea Costa,Manager,East,,0\n", _ana_deals(), SOURCES)
    ws.activities()
    shutil.copy(PROGRAMS / "q2-plan.yaml", ws.programs / "q2-plan.yaml")
    shutil.copy(PROGRAMS / "badge-rush.yaml", ws.programs / "badge-rush.yaml")
    out = api.run(ws.programs, ws.data, "2026-Q2", ws.out, workers=1, allow_empty=True).out_path
    [pack] = list((out / "managers").iterdir())
    sheet = openpyxl.load_workbook(pack, data_only=True)["Team"]
    assert sheet["A3"].value == "Paid no cash to this team (see each statement for badges and rewards): Badge rush"
    assert [c.value for c in sheet[4]][:7] == ["Rank", "Person", "Role", "Reports to", "Q2 Sales Performance Incentive Plan", "Total", "Currency"]
