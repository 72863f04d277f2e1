"""Issue 7 acceptance: three months of one new hire, run and finalised month by month through
the real command line, with every figure computed by hand below.

The plan pays 10 % commission on won deals; from 15 February a new version pays 12 %. 20 %
of each commission is held back until the deal's invoice is paid; a deal cancelled within
90 days is clawed back at the rate it was paid. Nia joins on 1 January with a recoverable
draw of 2,000 a month for January and February, recovered at 50 % of later earnings.

January: D1 5,000 + D2 3,000 won -> commission 800.00, held back 160.00 (D1 100.00, D2
  60.00: no invoice paid yet). Earnings 640.00; draw top-up 2,000 - 640 = 1,360.00.
  Paid 2,000.00. Ledger: draw balance 1,360.00; held 160.00.
February: D3 2,000 (5 Feb, version 1: 10 % = 200.00, held 40.00) and D4 4,000 (20 Feb,
  version 2: 12 % = 480.00, held 96.00). D2 is lost in this export: clawed back 3,000 x 10 %
  = -300.00, and the 60.00 held on it is returned against the clawback. Earnings 200 - 40
  + 480 - 96 - 300 + 60 = 304.00; top-up 2,000 - 304 = 1,696.00; an approved adjustment
  of 150.00 (not earnings). Paid 2,150.00. Ledger: draw balance 3,056.00; held 236.00.
March: D5 30,000 at 12 % = 3,600.00, held 720.00. D1's invoice (paid 5 March) releases
  100.00, D3's (paid 10 March) 40.00. Earnings 2,880 + 140 = 3,020.00; the draw has ended:
  recovery 50 % x 3,020 = 1,510.00. Paid 1,510.00. Ledger: draw balance 1,546.00; held
  816.00.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

from conftest import DEFAULT_SOURCES, cli, deals_csv
from openpyxl import load_workbook

from incentive_cli import ledger

SOURCES = DEFAULT_SOURCES + """\
invoices:
  file: invoices.csv
  columns: {deal_id: deal_id, paid_on: paid_on}
draws:
  file: draws.csv
  columns: {person: person, type: type, amount: amount, from: from, to: to, recovery_share: recovery_share, currency: currency}
adjustments:
  file: adjustments.csv
  ceiling: 1000
  columns: {person: person, period: period, amount: amount, reason: reason, approver: approver, currency: currency}
"""
ROSTER = "id,name,role,team,manager,quota\nnia,Nia Cole,Sales Rep,East,boss,\n"
PLAN = """\
schema_version: 1
id: plan
name: Commission plan
currency: USD
period: month
clawback: {window_days: 90}
holdback: {share: 20%, until: invoice_paid}
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
components:
  - {id: commission, name: Commission, type: rate, base: revenue, rate: RATE}
"""
JANUARY = [("D1", "nia", "Acme", "Won", "2026-01-10", "5000.00"), ("D2", "nia", "Beta", "Won", "2026-01-20", "3000.00")]
FEBRUARY = [JANUARY[0], ("D2", "nia", "Beta", "Lost", "2026-01-20", "3000.00"), ("D3", "nia", "Cora", "Won", "2026-02-05", "2000.00"), ("D4", "nia", "Dune", "Won", "2026-02-20", "4000.00")]
MARCH = [*FEBRUARY, ("D5", "nia", "Echo", "Won", "2026-03-12", "30000.00")]
INVOICES = {"2026-01": "deal_id,paid_on\nD1,\n", "2026-02": "deal_id,paid_on\nD1,\nD3,\n", "2026-03": "deal_id,paid_on\nD1,2026-03-05\nD3,2026-03-10\nD4,\n"}


def _month(ws, period: str, deals: list[tuple[str, ...]]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Runs the month on this month's export, then finalises it; the register's lines of
    the person as {component name: amount}."""
    ws.data_file("deals.csv", deals_csv(deals))
    ws.data_file("invoices.csv", INVOICES[period])
    code, _, err = cli("run", "--period", period, "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 0, err
    code, _, err = cli("finalize", period, "--out", str(ws.out))
    assert code == 0, err
    with (ws.out / period / "register.csv").open(newline="", encoding="utf-8") as f:
        return {r["component_name"]: r["amount"] for r in csv.DictReader(f) if r["person_id"] == "nia"}


def _balances(ws) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with ledger.open_ledger(ws.out / "ledger.sqlite") as conn:
        return ledger.balances(conn, "nia")


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_three_months_of_draws_clawbacks_holdbacks_an_adjustment_and_a_plan_change(ws):
    ws.setup(ROSTER, deals_csv(JANUARY), SOURCES)
    ws.program("plan", PLAN.replace("RATE", "10%"))
    (ws.programs / "plan@2026-02-15.yaml").write_text(PLAN.replace("RATE", "12%").replace("currency: USD", "currency: USD\neffective_from: 2026-02-15"), encoding="utf-8")
    ws.data_file("draws.csv", "person,type,amount,from,to,recovery_share,currency\nnia,recoverable,2000,2026-01-01,2026-02-28,50,USD\n")
    ws.data_file("adjustments.csv", "person,period,amount,reason,approver,currency\nnia,2026-02,150.00,Missed SPIF from December,Finance (J. Roe),USD\n")

    jan = _month(ws, "2026-01", JANUARY)
    assert jan == {"Commission": "800.00", "Held back: Commission": "-160.00", "Draw top-up (recoverable)": "1360.00"}
    assert sum(Decimal(v) for v in jan.values()) == Decimal("2000.00")
    assert _balances(ws) == {"draw": ("USD", "recoverable", Decimal("1360.00")), "held": {"USD": Decimal("160.00")}}
    january_files = _digests(ws.out / "2026-01")

    feb = _month(ws, "2026-02", FEBRUARY)
    assert feb == {
        "Commission (version until 2026-02-14)": "200.00",
        "Held back: Commission (version until 2026-02-14)": "-40.00",
        "Commission (version from 2026-02-15)": "480.00",
        "Held back: Commission (version from 2026-02-15)": "-96.00",
        # D2 earned 300.00 in January, of which 60.00 was still held until its invoice was paid:
        # the 60.00 is cancelled and only the 240.00 actually paid is taken back
        "Clawback: deal D2 (2026-01)": "-240.00",
        "Adjustment: Missed SPIF from December": "150.00",
        "Draw top-up (recoverable)": "1696.00",
    }
    assert sum(Decimal(v) for v in feb.values()) == Decimal("2150.00")
    assert _balances(ws) == {"draw": ("USD", "recoverable", Decimal("3056.00")), "held": {"USD": Decimal("236.00")}}
    february_files = _digests(ws.out / "2026-02")

    mar = _month(ws, "2026-03", MARCH)
    assert mar == {
        "Commission": "3600.00",
        "Held back: Commission": "-720.00",
        "Holdback released: Commission, held in 2026-01": "100.00",
        "Holdback released: Commission (version until 2026-02-14), held in 2026-02": "40.00",
        "Draw recovery": "-1510.00",
    }
    assert sum(Decimal(v) for v in mar.values()) == Decimal("1510.00")
    assert _balances(ws) == {"draw": ("USD", "recoverable", Decimal("1546.00")), "held": {"USD": Decimal("816.00")}}

    # finalised periods are byte for byte what they were, whatever ran later
    assert _digests(ws.out / "2026-01") == january_files
    assert _digests(ws.out / "2026-02") == february_files
    # the ledger holds each finalised output's hash, as run.json gave it
    hashes = dict(sqlite3.connect(ws.out / "ledger.sqlite").execute("SELECT file, sha256 FROM output_hashes WHERE period = '2026-01'").fetchall())
    assert hashes == json.loads((ws.out / "2026-01" / "run.json").read_text(encoding="utf-8"))["outputs"]
    assert "carry.json" in hashes and "register.csv" in hashes
    # the ledger's draw rows, month by month: opening, top-up, recovered, closing
    rows = sqlite3.connect(ws.out / "ledger.sqlite").execute("SELECT period, opening, top_up, recovered, closing FROM draws ORDER BY period").fetchall()
    assert rows == [("2026-01", "0", "1360.00", "0", "1360.00"), ("2026-02", "1360.00", "1696.00", "0", "3056.00"), ("2026-03", "3056.00", "0", "1510.00", "1546.00")]
    # the statement shows both versions of February, the clawback with what the deal earned, and the draw
    [book] = (ws.out / "2026-02" / "statements").glob("*.xlsx")
    wb = load_workbook(book)
    facts = {row[0]: row[1] for row in wb["Summary"].iter_rows(values_only=True) if row[0]}
    assert facts["Draw balance"] == "3,056.00 USD to recover from later earnings (opening 1,360.00, top-up 1,696.00)"
    assert facts["Held back"] == "236.00 USD not yet released (2026-01 D1 100.00; 2026-02 D3 40.00; 2026-02 D4 96.00)"
    # each deal earned what its own version's line paid on it
    deals = {row[2]: row[6] for row in wb["Deals"].iter_rows(min_row=3, values_only=True) if row[2]}
    assert deals == {"D3": 200, "D4": 480}
    plan = [row for row in wb["Commission plan"].iter_rows(values_only=True)]
    assert ("Commission (version until 2026-02-14)", "revenue x 10%", 2000, 0.1, None, 200, None, None) in plan
    assert ("Commission (version from 2026-02-15)", "revenue x 12%", 4000, 0.12, None, 480, None, None) in plan
    clawed = [row for row in wb["Clawbacks"].iter_rows(values_only=True)]
    # D2 earned 300.00 of January's line: all of it is taken back, with no rate to re-derive
    assert ("Clawback: deal D2 (2026-01)", "deal D2, paid in 2026-01 on 3,000.00; stage is now 'Lost'", None, None, None, -240, None, "it earned 300.00; 60.00 of it was not paid yet and is cancelled, 240.00 paid is taken back") in clawed
    # the ledger command shows the balances
    code, out, err = cli("ledger", "nia", "--out", str(ws.out))
    assert code == 0, err
    rows = [line.split("│") for line in out.splitlines() if "│" in line]
    assert [r[3].strip() for r in rows if "draw balance to" in r[1]] == ["1,546.00"]
    assert [r[3].strip() for r in rows if "held back, not yet" in r[1]] == ["816.00"]
    assert [r[3].strip() for r in rows if "paid in all finalised" in r[1]] == ["5,660.00"]


def test_a_run_computed_before_the_previous_period_was_finalised_is_not_finalised(ws):
    ws.setup(ROSTER, deals_csv(JANUARY), SOURCES)
    ws.program("plan", PLAN.replace("RATE", "10%"))
    ws.data_file("draws.csv", "person,type,amount,from,to,recovery_share,currency\nnia,recoverable,2000,2026-01-01,2026-02-28,50,USD\n")
    ws.data_file("adjustments.csv", "person,period,amount,reason,approver,currency\n")
    ws.data_file("invoices.csv", INVOICES["2026-01"])
    for period in ("2026-01", "2026-02"):  # February on January's export: no deal of its own, declared
        code, _, err = cli("run", "--period", period, "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out), "--allow-empty")
        assert code == 0, err
    code, _, err = cli("finalize", "2026-01", "--out", str(ws.out))
    assert code == 0, err
    code, _, err = cli("finalize", "2026-02", "--out", str(ws.out))
    assert code == 1
    assert "[ledger-stale] 2026-02 was computed before 2026-01 was finalised, so it misses what that period carries" in err
    assert "run `incentive run --period 2026-02` again" in err
