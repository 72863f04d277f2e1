"""Manual adjustments (issue 7, part 5): a located, validated input; each a payout line with
its reason and approver, within a declared ceiling."""

from __future__ import annotations

from decimal import Decimal

from conftest import DEFAULT_SOURCES, GOOD_PROGRAM, GOOD_ROSTER, cli, deals_csv

from incentive_cli import api

SOURCES = DEFAULT_SOURCES + """adjustments:
  file: adjustments.csv
  ceiling: 5000
  columns: {person: person, period: period, amount: amount, reason: reason, approver: approver, currency: {header: currency, required: false}, corrects: {header: corrects, required: false}}
"""
ROSTER = GOOD_ROSTER + "bo,Bo Berg,Sales Rep,East,boss,2000\n"
DEALS = deals_csv([("D1", "ana", "Acme", "Won", "2026-04-02", "1000.00")])
ADJUSTMENTS = """person,period,amount,reason,approver,currency,corrects
ana,2026-04,250.00,Deal D0 credited to the wrong rep in March,Finance (J. Roe),USD,2026-03 commission
Ana Lima,2026-04,-20.50,Duplicate expense refund,Finance (J. Roe),USD,
bo,2026-05,100.00,Paid next month,Finance (J. Roe),USD,
"""


def test_adjustments_of_the_period_are_payout_lines_with_their_reason(ws):
    ws.setup(ROSTER, DEALS, SOURCES)
    ws.data_file("adjustments.csv", ADJUSTMENTS)
    ws.program("p", GOOD_PROGRAM)
    result = api.compute(ws.programs, ws.data, "2026-04")
    adjustments = next(r for r in result.results if r.program.id == "adjustments")
    [ana] = adjustments.people  # bo's adjustment is paid in May
    assert [(x.component_name, x.amount) for x in ana.lines] == [("Adjustment: Deal D0 credited to the wrong rep in March", Decimal("250.00")), ("Adjustment: Duplicate expense refund", Decimal("-20.50"))]
    assert ana.lines[0].steps[0].note == "approved by Finance (J. Roe); corrects 2026-03 commission"
    code, _, err = cli("run", "--period", "2026-04", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 0, err
    register = (ws.out / "2026-04" / "register.csv").read_text()
    assert "Adjustment: Deal D0 credited to the wrong rep in March" in register and "-20.50" in register
    from openpyxl import load_workbook

    [book] = (ws.out / "2026-04" / "statements").glob("*_ana-lima_*.xlsx")
    summary = {r[0]: r[1] for r in load_workbook(book, data_only=True)["Summary"].iter_rows(values_only=True) if r[0]}
    assert Decimal(str(summary["Manual adjustments"])) == Decimal("229.50")
    assert Decimal(str(summary["Total cash"])) == Decimal("279.50")  # 50.00 commission + 229.50


def test_an_adjustment_above_the_ceiling_and_a_missing_reason_are_refused_at_their_cells(ws):
    ws.setup(ROSTER, DEALS, SOURCES)
    ws.data_file("adjustments.csv", "person,period,amount,reason,approver\nana,2026-04,5000.01,Too big,Finance\nbo,2026-04,10,,Finance\nbo,2026-13,10,Bad period,Finance\n")
    ws.program("p", GOOD_PROGRAM)
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data))
    assert code == 1
    assert "adjustments.csv, row 2, column C (amount): error [adjustment-over-ceiling] the adjustment of 5,000.01 for Ana Lima is above the ceiling of 5,000" in err
    assert "adjustments.csv, row 3, column D (reason): error [missing-column] an adjustment has no reason" in err
    assert "adjustments.csv, row 4, column B (period): error [bad-cell-date] '2026-13' is not a period" in err
    ws.data_file("sources.yaml", SOURCES.replace("  ceiling: 5000\n", ""))
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data))
    assert code == 1 and "[missing-key] adjustments: missing required key 'ceiling'" in err


def test_a_person_is_paid_in_one_currency_per_run(ws):
    ws.setup(ROSTER, DEALS, SOURCES)
    ws.data_file("adjustments.csv", "person,period,amount,reason,approver,currency\nana,2026-04,3000,Expense refund,Finance,JPY\n")
    ws.program("p", GOOD_PROGRAM)
    code, _, err = cli("run", "--period", "2026-04", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 1
    assert "roster.csv, row 2, column A (id): error [currency-mismatch] Ana Lima (ana) would be paid in 2 currencies: JPY (adjustments), USD (p)" in err
