"""Issue 7, one mechanism at a time: clawbacks (at the paid rate, re-rated, outside the
window, ignored when missing), holdbacks released on a date, guarantees and recovery caps,
true-ups, effective-dated versions, and the refusals of their inputs. Each runs and
finalises periods through the API, on a ledger in the test's folder."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import DEFAULT_SOURCES, cli, deals_csv

from incentive_cli import api
from incentive_cli.diagnostics import InputRejected

ROSTER = "id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,boss,\n"
TIERED = """\
schema_version: 1
id: plan
currency: USD
period: month
EXTRA
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
components:
  - id: commission
    name: Commission
    type: tiers
    base: revenue
    method: retroactive
    bound: upper
    tiers:
      - {up_to: 5000, rate: 5%}
      - {rate: 10%}
"""


def month(ws, period: str, deals: list[tuple[str, ...]], finalize: bool = True) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    """Runs a period on this export (and finalises it); {component name: amount} of Ana's
    lines that pay or take something. A month without a deal of its own is run with
    allow_empty, as --allow-empty declares it (clawbacks, releases and draws still come)."""
    ws.data_file("deals.csv", deals_csv(deals))
    result = api.run(ws.programs, ws.data, period, ws.out, allow_empty=not any(d[4].startswith(period) for d in deals))
    if finalize:
        api.finalize(ws.out, period)
    return {x.component_name: x.amount for r in result.results for p in r.people if p.person_id == "ana" for x in p.lines if x.amount}


JAN = [("D1", "ana", "Acme", "Won", "2026-01-05", "3000"), ("D2", "ana", "Beta", "Won", "2026-01-06", "3000")]
FEB_D2_LOST = [JAN[0], ("D2", "ana", "Beta", "Lost", "2026-01-06", "3000")]


def test_a_lost_deal_is_clawed_back_at_the_rate_it_was_paid(ws):
    ws.setup(ROSTER, deals_csv(JAN))
    ws.program("plan", TIERED.replace("EXTRA", "clawback: {window_days: 60}"))
    assert month(ws, "2026-01", JAN) == {"Commission": Decimal("600.00")}  # 6,000 reaches 10 %, retroactively
    # D2 lost: 3,000 at the 10 % it was paid -> -300.00 (attainment is not re-rated)
    assert month(ws, "2026-02", FEB_D2_LOST) == {"Clawback: deal D2 (2026-01)": Decimal("-300.00")}
    # clawed once: the next export with D2 still lost takes nothing more
    assert month(ws, "2026-03", FEB_D2_LOST) == {}


def test_a_deal_gone_from_the_export_is_clawed_back_by_default(ws):
    ws.setup(ROSTER, deals_csv(JAN))
    ws.program("plan", TIERED.replace("EXTRA", "clawback: {window_days: 60}"))
    month(ws, "2026-01", JAN)
    ws.data_file("deals.csv", deals_csv(JAN[:1]))  # D2 is no longer in the export
    result = api.run(ws.programs, ws.data, "2026-02", ws.out, allow_empty=True)  # no deal closed in February
    [line] = [x for r in result.results for p in r.people for x in p.lines if x.amount]
    assert (line.component_name, line.amount) == ("Clawback: deal D2 (2026-01)", Decimal("-300.00"))
    assert line.steps[0].label == "deal D2, paid in 2026-01 on 3,000.00; no longer in the export"


def test_rerate_recomputes_the_paid_period_and_takes_back_the_difference(ws):
    ws.setup(ROSTER, deals_csv(JAN))
    ws.program("plan", TIERED.replace("EXTRA", "clawback: {window_days: 60, rerate: true}"))
    assert month(ws, "2026-01", JAN) == {"Commission": Decimal("600.00")}
    # January re-rated on today's export: 3,000 at 5 % = 150.00 earned, 600.00 paid -> -450.00
    assert month(ws, "2026-02", FEB_D2_LOST) == {"Clawback: plan re-rated (2026-01)": Decimal("-450.00")}
    assert month(ws, "2026-03", FEB_D2_LOST) == {}


def test_a_reduced_amount_is_clawed_back_by_the_difference_and_the_window_closes(ws):
    ws.setup(ROSTER, deals_csv(JAN))
    ws.program("plan", TIERED.replace("EXTRA", "clawback: {window_days: 30}"))
    month(ws, "2026-01", JAN)
    reduced = [JAN[0], ("D2", "ana", "Beta", "Won", "2026-01-06", "2000")]
    # 1,000 less at 10 % (31 January to 28 February: 28 days, inside the 30-day window)
    assert month(ws, "2026-02", reduced) == {"Clawback: deal D2 (2026-01)": Decimal("-100.00")}
    # 31 January to 31 March is 59 days: outside the window, the loss of D1 is kept
    assert month(ws, "2026-03", [("D2", "ana", "Beta", "Won", "2026-01-06", "2000")]) == {}


def test_missing_ignore_claws_back_only_stage_and_amount_changes(ws):
    ws.setup(ROSTER, deals_csv(JAN))
    ws.program("plan", TIERED.replace("EXTRA", "clawback: {window_days: 90, missing: ignore}"))
    month(ws, "2026-01", JAN)
    # this month's export has only this month's deals: nothing is clawed back
    assert month(ws, "2026-02", [("D3", "ana", "Cora", "Won", "2026-02-02", "100")]) == {"Commission": Decimal("5.00")}


def test_a_holdback_until_a_date_is_released_in_the_period_holding_it(ws):
    ws.setup(ROSTER, deals_csv(JAN))
    ws.program("plan", TIERED.replace("EXTRA", "holdback: {share: 25%, until: date, after_days: 45}"))
    # 600.00, a quarter held until 31 January + 45 days = 17 March
    assert month(ws, "2026-01", JAN) == {"Commission": Decimal("600.00"), "Held back: Commission": Decimal("-150.00")}
    assert month(ws, "2026-02", []) == {}
    assert month(ws, "2026-03", []) == {"Holdback released: Commission, held in 2026-01": Decimal("150.00")}
    assert month(ws, "2026-04", []) == {}


DRAW_SOURCES = DEFAULT_SOURCES + """\
draws:
  file: draws.csv
  columns: {person: person, type: type, amount: amount, from: from, to: to, recovery_share: {header: recovery_share, required: false}, cap: {header: cap, required: false}, currency: currency}
"""
RATE = """\
schema_version: 1
id: plan
currency: USD
period: month
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
components:
  - {id: commission, name: Commission, type: rate, base: revenue, rate: 10%}
"""


def test_a_guarantee_tops_up_and_is_never_recovered(ws):
    ws.setup(ROSTER, deals_csv([]), DRAW_SOURCES)
    ws.program("plan", RATE)
    ws.data_file("draws.csv", "person,type,amount,from,to,currency\nAna Lima,guarantee,1000,2026-01-01,2026-01-31,USD\n")
    assert month(ws, "2026-01", [("D1", "ana", "Acme", "Won", "2026-01-05", "4000")]) == {"Commission": Decimal("400.00"), "Draw top-up (guarantee)": Decimal("600.00")}
    assert month(ws, "2026-02", [("D2", "ana", "Beta", "Won", "2026-02-05", "50000")]) == {"Commission": Decimal("5000.00")}


def test_a_recoverable_draw_is_recovered_within_its_share_and_cap(ws):
    ws.setup(ROSTER, deals_csv([]), DRAW_SOURCES)
    ws.program("plan", RATE)
    ws.data_file("draws.csv", "person,type,amount,from,to,recovery_share,cap,currency\nana,recoverable,1000,2026-01-01,2026-01-31,40,300,USD\n")
    assert month(ws, "2026-01", []) == {"Draw top-up (recoverable)": Decimal("1000.00")}
    # 2,000 earned: 40 % is 800, the cap 300
    assert month(ws, "2026-02", [("D1", "ana", "Acme", "Won", "2026-02-05", "20000")]) == {"Commission": Decimal("2000.00"), "Draw recovery": Decimal("-300.00")}
    # 500 earned: 40 % is 200
    assert month(ws, "2026-03", [("D2", "ana", "Acme", "Won", "2026-03-05", "5000")]) == {"Commission": Decimal("500.00"), "Draw recovery": Decimal("-200.00")}
    _, _, _, balances = api.ledger_history(ws.out, "ana")
    assert balances["draw"] == ("USD", "recoverable", Decimal("500.00"))  # 1,000 - 300 - 200


def test_true_up_pays_the_year_to_date_less_what_was_paid(ws):
    ws.setup(ROSTER, deals_csv([]))
    ws.program("plan", TIERED.replace("EXTRA", "true_up: year"))
    jan = [("D1", "ana", "Acme", "Won", "2026-01-05", "4000")]
    assert month(ws, "2026-01", jan) == {"Commission": Decimal("200.00")}
    # year to date 4,000 + 2,000 = 6,000: 10 % retroactively = 600.00, less the 200.00 paid
    feb = [*jan, ("D2", "ana", "Beta", "Won", "2026-02-05", "2000")]
    assert month(ws, "2026-02", feb) == {"Commission": Decimal("600.00"), "Paid earlier in 2026": Decimal("-200.00")}
    # D1 cancelled: year to date 2,000 at 5 % = 100.00, less 600.00 paid -> -500.00
    assert month(ws, "2026-03", feb[1:]) == {"Commission": Decimal("100.00"), "Paid earlier in 2026": Decimal("-600.00")}


VERSIONED = """\
schema_version: 1
id: plan
currency: USD
period: month
EFFECTIVE
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
  attained: {attainment: revenue, target: quota}
targets:
  quota: {fixed: 3000}
components:
  - {id: commission, name: Commission, type: rate, base: revenue, rate: RATE}
  - {id: bonus, name: Quota bonus, type: bonus, measure: attained, at_least: 100%, amount: 300}
"""


def test_a_plan_change_mid_month_computes_each_part_under_its_version(ws):
    ws.setup(ROSTER, deals_csv([]))
    ws.program("plan", VERSIONED.replace("EFFECTIVE", "").replace("RATE", "5%"))
    (ws.programs / "plan@2026-04-11.yaml").write_text(VERSIONED.replace("EFFECTIVE", "effective_from: 2026-04-11").replace("RATE", "8%"), encoding="utf-8")
    deals = [("D1", "ana", "Acme", "Won", "2026-04-10", "1000"), ("D2", "ana", "Beta", "Won", "2026-04-11", "2500")]
    # 1-10 April (10 of 30 days): 1,000 x 5 %; the quota 3,000 x 10/30 = 1,000 is met
    # 11-30 April (20 days): 2,500 x 8 %; the quota 2,000 is met
    assert month(ws, "2026-04", deals, finalize=False) == {
        "Commission (version until 2026-04-10)": Decimal("50.00"),
        "Quota bonus (version until 2026-04-10)": Decimal("300.00"),
        "Commission (version from 2026-04-11)": Decimal("200.00"),
        "Quota bonus (version from 2026-04-11)": Decimal("300.00"),
    }
    # a month wholly under one version is computed as it is written
    assert month(ws, "2026-05", [("D3", "ana", "Cora", "Won", "2026-05-02", "1000")], finalize=False) == {"Commission": Decimal("80.00")}
    # and a month before the first version's... the first version has no effective_from: it always applies
    assert month(ws, "2026-03", [("D4", "ana", "Dune", "Won", "2026-03-02", "1000")], finalize=False) == {"Commission": Decimal("50.00")}


def test_versions_need_their_own_file_name_and_their_own_day(ws):
    ws.setup(ROSTER, deals_csv([]))
    ws.program("plan", VERSIONED.replace("EFFECTIVE", "").replace("RATE", "5%"))
    (ws.programs / "plan-v2.yaml").write_text(VERSIONED.replace("EFFECTIVE", "effective_from: 2026-04-11").replace("RATE", "8%"), encoding="utf-8")
    (ws.programs / "plan@2026-05-01.yaml").write_text(VERSIONED.replace("EFFECTIVE", "").replace("RATE", "8%"), encoding="utf-8")
    code, _, err = cli("validate", str(ws.programs))
    assert code == 1
    assert "[program-id-mismatch] id 'plan' differs from the file name 'plan-v2'" in err and "plan@<effective_from>.yaml" in err
    assert "[program-id-mismatch] id 'plan' differs from the file name 'plan@2026-05-01'" in err


@pytest.mark.parametrize(
    ("holdback", "message"),
    [
        ("{share: 20%, until: date}", "[missing-key] holdback: until: date needs release_on or after_days (one of them)"),
        ("{share: 20%, until: invoice_paid, after_days: 3}", "[wrong-type] holdback: release_on and after_days belong to until: date"),
        ("{share: 20%, until: date, release_on: 2026-02-30}", "[bad-window] holdback.release_on: '2026-02-30' is not a real day"),
        ("{share: 20%, until: invoice_paid, components: [comission]}", "[bad-reference] holdback.components[0]: no component with id 'comission'"),
        ("{share: 120%, until: invoice_paid}", "holdback.share"),
        ("{share: 20%, until: invoice_paid}\ntrue_up: year", "[wrong-type] true_up cannot be combined with holdback"),
    ],
)
def test_a_wrong_holdback_is_refused_at_its_place(ws, holdback, message):
    ws.setup(ROSTER, deals_csv([]))
    ws.program("plan", TIERED.replace("EXTRA", f"holdback: {holdback}"))
    code, _, err = cli("validate", str(ws.programs))
    assert code == 1 and message in err, err
    assert "plan.yaml:5:" in err or "plan.yaml:" in err


def test_wrong_draws_are_refused_at_their_cells(ws):
    ws.setup(ROSTER, deals_csv([]), DRAW_SOURCES)
    ws.program("plan", RATE)
    ws.data_file("draws.csv", "person,type,amount,from,to,recovery_share,currency\n"
                 "ana,advance,1000,2026-01-01,2026-01-31,50,USD\n"
                 "ana,recoverable,0,2026-02-01,2026-02-28,50,USD\n"
                 "ana,recoverable,100,2026-03-31,2026-03-01,150,USD\n"
                 "ana,guarantee,100,2026-04-01,2026-04-30,,\n"
                 "zed,guarantee,100,2026-04-01,2026-04-30,,USD\n")
    with pytest.raises(InputRejected) as exc:
        api.compute(ws.programs, ws.data, "2026-01")
    found = {(d.code, d.location.line, d.location.column) for d in exc.value.diagnostics}
    assert ("bad-choice", 2, 2) in found  # 'advance' is no draw type
    assert ("bad-amount", 3, 3) in found
    assert ("bad-window", 4, 5) in found  # ends before it starts
    assert ("bad-shares", 4, 6) in found  # 150 %
    assert ("missing-column", 5, 1) in found  # no currency anywhere
    assert ("unknown-owner", 6, 1) in found


def test_an_invoice_holdback_needs_an_invoices_source(ws):
    ws.setup(ROSTER, deals_csv(JAN))
    ws.program("plan", TIERED.replace("EXTRA", "holdback: {share: 20%, until: invoice_paid}"))
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data))
    assert code == 1
    assert "plan.yaml:1:1: error [bad-reference] holdback.until: invoice_paid, but the data has no invoices source" in err


def test_an_invoice_row_without_its_deal_is_refused_at_its_cell(ws):
    ws.setup(ROSTER, deals_csv(JAN), DEFAULT_SOURCES + "invoices:\n  file: invoices.csv\n  columns: {deal_id: deal_id, paid_on: paid_on}\n")
    ws.data_file("invoices.csv", "deal_id,paid_on\nD1,2026-02-01\n,2026-02-02\n")
    ws.program("plan", TIERED.replace("EXTRA", "holdback: {share: 20%, until: invoice_paid}"))
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data))
    assert code == 1
    assert "invoices.csv, row 3, column A (deal_id): error [missing-column] an invoice row has no deal_id" in err
