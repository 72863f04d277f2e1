"""The payroll lifecycle (issue 17): tenure ramps, proration by months, partial clawbacks,
installments and the cap on what a person is paid in a period. Every figure is computed by
hand in the comment beside it."""

from __future__ import annotations

from decimal import Decimal

from conftest import DEFAULT_SOURCES, Workspace, deals_csv

from incentive_cli import api

SOURCES = DEFAULT_SOURCES.replace("    quarterly_quota: {header: quota, type: money, required: false}\n", "    quarterly_quota: {header: quota, type: money, required: false}\n    hire_date: {header: hired, type: date, required: false}\n")


def target_of(ws: Workspace, period: str, person: str = "ana") -> tuple[Decimal | None, str]:
    [r] = api.compute(ws.programs, ws.data, period, allow_empty=True).results
    [(_, value, how)] = [p.targets for p in r.people if p.person_id == person][0]
    return value, how


def plan(target: str, period: str = "month") -> str:
    return f"""\
schema_version: 1
id: plan
currency: USD
period: {period}
measures:
  revenue: {{from: deals, sum: amount, where: {{stage: Won}}}}
  attainment: {{attainment: revenue, target: quota}}
targets:
  quota: {target}
components:
  - {{id: bonus, type: bonus, measure: attainment, at_least: 100%, amount: 500}}
"""


def test_a_new_hires_target_ramps_by_month_of_employment(ws):
    ws.setup("id,name,role,team,manager,quota,hired\nana,Ana Lima,Sales Rep,East,boss,8000,2026-01-16\n", deals_csv([]), SOURCES)
    ws.program("plan", plan("{fixed: 8000, ramp: [25%, 50%, 75%]}"))
    # January: the 16 days employed are all in month 1 of employment: 25 % of 8,000 = 2,000
    value, how = target_of(ws, "2026-01")
    assert value == Decimal("2000.00")
    assert how == "fixed 8,000 x 25% (ramp from the hire date 2026-01-16: month 1 at 25%: 16 days)"
    # February: 1-15 in month 1 (25 %), 16-28 in month 2 (50 %): (15 x 25 % + 13 x 50 %) / 28
    # = 10.25 / 28 = 36.6071...% of 8,000 = 2,928.571...
    value, _ = target_of(ws, "2026-02")
    assert round(value, 2) == Decimal("2928.57")
    # May: month 4 from 16 April: fully ramped
    value, how = target_of(ws, "2026-05")
    assert value == Decimal("8000") and how == "fixed 8,000"


def test_a_ramp_and_proration_by_days_multiply(ws):
    ws.setup("id,name,role,team,manager,quota,hired\nana,Ana Lima,Sales Rep,East,boss,8000,2026-01-16\n", deals_csv([]), SOURCES)
    ws.program("plan", plan("{fixed: 6200, ramp: [50%], prorate: employment}"))
    # January: 50 % (month 1) x 16/31 days employed: 6,200 x 0.5 x 16 / 31 = 1,600
    value, _ = target_of(ws, "2026-01")
    assert value == Decimal("1600")


def test_proration_by_months_counts_a_month_employed_on_any_day_or_on_its_first_day(ws):
    roster = "id,name,role,team,manager,quota,hired\nana,Ana Lima,Sales Rep,East,boss,9000,2026-02-10\n"
    ws.setup(roster, deals_csv([]), SOURCES)
    ws.program("plan", plan("{fixed: 9000, prorate: months_any_day}", "quarter"))
    # hired 10 February: employed on some day of February and March: 2 of 3 months: 6,000
    value, how = target_of(ws, "2026-Q1")
    assert value == Decimal("6000")
    assert how == "fixed 9,000 x 2/3 months (a month counts when employed on any day of it)"
    ws.program("plan", plan("{fixed: 9000, prorate: months_first_day}", "quarter"))
    # on the first day of March only: 1 of 3: 3,000
    assert target_of(ws, "2026-Q1")[0] == Decimal("3000")


# --- partial clawbacks and installments -------------------------------------------------------

ROSTER = "id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,boss,\n"
RATE_PLAN = """\
schema_version: 1
id: plan
currency: USD
period: month
EXTRA
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
components:
  - {id: commission, name: Commission, type: rate, base: revenue, rate: 10%}
"""
JAN = [("D1", "ana", "a", "Won", "2026-01-05", "1000"), ("D2", "ana", "b", "Won", "2026-01-06", "3000")]
D2_LOST = [JAN[0], ("D2", "ana", "b", "Lost", "2026-01-06", "3000")]


def month(ws: Workspace, period: str, deals: list[tuple[str, ...]]) -> dict[str, Decimal]:
    ws.data_file("deals.csv", deals_csv(deals))
    result = api.run(ws.programs, ws.data, period, ws.out, allow_empty=True)
    api.finalize(ws.out, period)
    return {x.component_name: x.amount for r in result.results for p in r.people for x in p.lines if x.amount}


def test_a_partial_clawback_takes_back_its_share_of_what_the_deal_earned(ws):
    ws.setup(ROSTER, deals_csv(JAN))
    ws.program("plan", RATE_PLAN.replace("EXTRA", "clawback: {window_days: 60, share: 50%}"))
    assert month(ws, "2026-01", JAN) == {"Commission": Decimal("400.00")}
    # D2 earned 300.00; the clawback takes back 50 %: -150.00
    assert month(ws, "2026-02", D2_LOST) == {"Clawback: deal D2 (2026-01)": Decimal("-150.00")}


def test_an_installment_not_yet_paid_is_cancelled_and_only_the_paid_part_clawed_back(ws):
    ws.setup(ROSTER, deals_csv(JAN))
    ws.program("plan", RATE_PLAN.replace("EXTRA", "clawback: {window_days: 90}\ninstallments: {schedule: [{share: 50%}, {share: 50%, after: 2}]}"))
    # January: 400.00 earned, half now (200.00), half in March (D1 50.00, D2 150.00 held)
    assert month(ws, "2026-01", JAN) == {"Commission": Decimal("400.00"), "Installment 2 of 2 later: Commission": Decimal("-200.00")}
    # February: D2 lost. It earned 300.00, of which 150.00 was paid and 150.00 is still held:
    # the unpaid installment is cancelled, only the 150.00 paid is taken back
    assert month(ws, "2026-02", D2_LOST) == {"Clawback: deal D2 (2026-01)": Decimal("-150.00")}
    # March: D1's installment falls due: 50.00; D2's was cancelled
    assert month(ws, "2026-03", D2_LOST) == {"Installment paid: Commission, installment 2 of 2, held in 2026-01": Decimal("50.00")}
    assert month(ws, "2026-04", D2_LOST) == {}
