"""Issue 7, part 9: currencies. An FX table with effective dates; a program declares which
day converts (the deal's close date or the period's last day) and pays in its currency; the
statement shows each deal's original amount, currency and rate beside the converted one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import cli
from openpyxl import load_workbook

from incentive_cli import api
from incentive_cli.diagnostics import InputRejected

SOURCES = """\
schema_version: 1
roster:
  file: roster.csv
  columns: {person_id: id, name: name, role: role, team: team, manager: manager}
  unknown_managers: allow
deals:
  file: deals.csv
  columns: {deal_id: deal_id, owner: owner, customer: customer, stage: stage, close_date: close_date, amount: amount, currency: {header: currency, required: false}}
fx:
  file: fx.csv
  columns: {currency: currency, payout_currency: payout_currency, rate: rate, effective_from: effective_from}
"""
ROSTER = "id,name,role,team,manager\nana,Ana Lima,Sales Rep,East,boss\n"
DEALS = """\
deal_id,owner,customer,stage,close_date,amount,currency
D1,ana,Acme,Won,2026-01-10,1000.00,EUR
D2,ana,Beta,Won,2026-01-12,500.00,USD
D3,ana,Cora,Won,2026-01-25,2000.00,eur
D0,ana,Dune,Won,2026-01-15,300.00,
"""
FX = "currency,payout_currency,rate,effective_from\nEUR,USD,1.08,2026-01-01\nEUR,USD,1.1,2026-01-20\nEUR,USD,9.99,2025-12-01\n"
PROGRAM = """\
schema_version: 1
id: p
currency: USD
period: month
fx: {convert_on: ON}
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
components:
  - {id: commission, name: Commission, type: rate, base: revenue, rate: 10%}
"""


def setup(ws, on: str, deals: str = DEALS):  # type: ignore[no-untyped-def]
    ws.setup(ROSTER, deals, SOURCES)
    ws.data_file("fx.csv", FX)
    ws.program("p", PROGRAM.replace("ON", on))


def revenue(result) -> tuple[Decimal, Decimal]:  # type: ignore[no-untyped-def]
    [r] = result.results
    [ana] = r.people
    return ana.measures[0][1], ana.lines[0].amount


def test_deals_convert_at_the_rate_in_force_on_their_close_date(ws):
    setup(ws, "close_date")
    # 1,000 EUR x 1.08 (10 Jan) + 500 USD + 2,000 EUR x 1.10 (25 Jan) + 300 (no currency: the payout's)
    assert revenue(api.compute(ws.programs, ws.data, "2026-01")) == (Decimal("4080.00"), Decimal("408.00"))


def test_deals_convert_at_the_rate_in_force_on_the_periods_last_day(ws):
    setup(ws, "period_end")
    # every EUR deal at 1.10: 1,100 + 500 + 2,200 + 300
    assert revenue(api.compute(ws.programs, ws.data, "2026-01")) == (Decimal("4100.00"), Decimal("410.00"))


def test_conversion_is_exact_until_the_payout_line_rounds_once(ws):
    setup(ws, "close_date", "deal_id,owner,customer,stage,close_date,amount,currency\nD1,ana,Acme,Won,2026-01-10,0.05,EUR\nD2,ana,Beta,Won,2026-01-11,0.05,EUR\n")
    ws.data_file("fx.csv", "currency,payout_currency,rate,effective_from\nEUR,USD,1.0843,2026-01-01\n")
    # 0.10 EUR x 1.0843 = 0.10843 USD; 10 % of it = 0.010843 -> 0.01 (each deal rounded would give 0.01 + 0.01)
    result = api.compute(ws.programs, ws.data, "2026-01")
    assert revenue(result) == (Decimal("0.108430"), Decimal("0.01"))


def test_a_deal_in_a_currency_without_a_rate_is_refused_at_its_cell(ws):
    setup(ws, "close_date", DEALS + "D4,ana,Echo,Won,2026-01-05,10.00,GBP\nD5,ana,Fig,Won,2026-01-06,10.00,GBP\n")
    with pytest.raises(InputRejected) as exc:
        api.compute(ws.programs, ws.data, "2026-01")
    [d] = exc.value.diagnostics
    assert d.code == "fx-missing"
    assert d.message == "2 row(s) in GBP have no GBP to USD rate in force on their close_date (first shown)"
    assert (d.location.line, d.location.column_name) == (6, "currency")


def test_a_rate_must_be_above_zero_and_one_per_pair_and_day(ws):
    setup(ws, "close_date")
    ws.data_file("fx.csv", FX + "EUR,USD,0,2026-03-01\nEUR,USD,1.2,2026-01-20\n")
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data))
    assert code == 1
    assert "fx.csv, row 5, column C (rate): error [bad-amount] an FX rate of 0 is not above zero" in err
    assert "fx.csv, row 6, column C (rate): error [bad-shares] EUR to USD has two rates from 2026-01-20: 1.1 and 1.2" in err


def test_without_fx_a_foreign_deal_is_still_refused(ws):
    setup(ws, "close_date")
    ws.program("p", PROGRAM.replace("fx: {convert_on: ON}\n", ""))
    with pytest.raises(InputRejected) as exc:
        api.compute(ws.programs, ws.data, "2026-01")
    assert [d.code for d in exc.value.diagnostics] == ["currency-mismatch"]


def test_the_statement_shows_the_original_amount_currency_and_rate(ws):
    setup(ws, "close_date")
    api.run(ws.programs, ws.data, "2026-01", ws.out)
    [book] = (ws.out / "2026-01" / "statements").glob("*.xlsx")
    rows = [r for r in load_workbook(book)["Deals"].iter_rows(values_only=True)]
    assert rows[1][4:10] == ("Amount", "Credit share", "Earned on it", "Original amount", "Original currency", "FX rate (USD per unit)")
    by_id = {r[2]: r for r in rows[2:] if r[2]}
    assert by_id["D1"][4] == 1080 and by_id["D1"][7:10] == (1000, "EUR", 1.08)
    assert by_id["D3"][4] == 2200 and by_id["D3"][7:10] == (2000, "EUR", 1.1)
    assert by_id["D2"][4] == 500 and by_id["D2"][7:10] == (None, None, None)  # already in USD
    assert sum(by_id[d][6] for d in ("D0", "D1", "D2", "D3")) == 408  # the earned parts add up to the line


def test_a_blank_fx_field_is_refused_at_its_cell(ws):
    setup(ws, "close_date")
    ws.data_file("fx.csv", FX + "EUR,USD,,2026-03-01\n")
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data))
    assert code == 1
    assert "fx.csv, row 5, column C (rate): error [missing-column] an FX row has no rate" in err
