"""Quota proration for people who join, leave or take leave mid-period (issue 7, part 8):
by days, counting both the start and the end date."""

from __future__ import annotations

from decimal import Decimal

from conftest import DEFAULT_SOURCES, cli, deals_csv

from incentive_cli import api

SOURCES = DEFAULT_SOURCES.replace("    quarterly_quota:", "    hire_date: {header: hired, required: false}\n    end_date: {header: left, required: false}\n    quarterly_quota:") + """leave:
  file: leave.csv
  columns: {person: person, from: from, to: to}
"""
PROGRAM = """
schema_version: 1
id: prorated
currency: USD
period: quarter
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
  attainment: {attainment: revenue, target: quota}
targets:
  quota: {roster: quarterly_quota, prorate: employment}
components:
  - {id: bonus, type: bonus, measure: attainment, at_least: 100%, amount: 1000}
"""
ROSTER = """id,name,role,team,manager,quota,hired,left
ana,Ana,Sales Rep,East,boss,91000,,
bob,Bob,Sales Rep,East,boss,91000,2026-05-01,
cy,Cy,Sales Rep,East,boss,91000,,2026-04-30
dee,Dee,Sales Rep,East,boss,91000,,
"""


def test_targets_are_prorated_by_the_days_employed_and_not_on_leave(ws):
    ws.setup(ROSTER, deals_csv([("D1", "bob", "A", "Won", "2026-05-10", "61000")]), SOURCES)
    ws.data_file("leave.csv", "person,from,to\nDee,2026-06-01,2026-06-10\ndee,2026-06-05,2026-06-20\n")
    ws.program("prorated", PROGRAM)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    targets = {p.person_id: (p.targets[0][1], p.targets[0][2]) for p in r.people}
    # Q2 has 91 days. bob joined 1 May: 61 days; cy left 30 April: 30 days (1-30 April, both
    # counted); dee was away 1-20 June (overlapping rows count once): 71 days
    assert targets["ana"] == (Decimal(91000), "roster column quarterly_quota")
    assert targets["bob"] == (Decimal(61000), "roster column quarterly_quota x 61/91 days employed and not on leave")
    assert targets["cy"][0] == Decimal(30000)
    assert targets["dee"][0] == Decimal(71000)
    bob = next(p for p in r.people if p.person_id == "bob")
    assert str(bob.total) == "1000.00"  # 61,000 of a prorated 61,000


def test_a_leave_that_ends_before_it_starts_is_refused(ws):
    ws.setup(ROSTER, deals_csv([]), SOURCES)
    ws.data_file("leave.csv", "person,from,to\nana,2026-06-10,2026-06-01\n")
    ws.program("prorated", PROGRAM)
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data))
    assert code == 1 and "leave.csv, row 2, column C (to): error [bad-window] the leave ends (2026-06-01) before it starts (2026-06-10)" in err


def test_listing_rows_need_every_field_and_a_person_on_the_roster(ws):
    ws.setup(ROSTER, deals_csv([]), SOURCES)
    ws.data_file("leave.csv", "person,from,to\nZed,2026-06-01,2026-06-02\nana,2026-06-01,\n")
    ws.program("prorated", PROGRAM)
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data))
    assert code == 1
    assert "leave.csv, row 2, column A (person): error [unknown-owner] a leave row names 'Zed', who matches nobody on the roster" in err
    assert "leave.csv, row 3, column C (to): error [missing-column] a leave row has no to" in err


def test_someone_away_for_the_whole_period_has_no_target_and_no_error(ws):
    ws.setup(ROSTER, deals_csv([]), SOURCES)
    ws.data_file("leave.csv", "person,from,to\ndee,2026-03-15,2026-07-10\n")
    ws.program("prorated", PROGRAM)
    result = api.compute(ws.programs, ws.data, "2026-Q2", allow_empty=True)  # an export without deals: the targets are the point
    [r] = result.results
    dee = next(p for p in r.people if p.person_id == "dee")
    assert dee.targets[0][1] is None and dee.targets[0][2].endswith("x 0 days: not employed, or on leave, for the whole period (no target)")
    assert str(dee.total) == "0.00" and not [d for d in result.diagnostics if d.is_error]


def test_per_prorates_a_run_longer_or_shorter_than_its_unit(ws):
    program = PROGRAM.replace("quota: {roster: quarterly_quota, prorate: employment}", "quota: {fixed: 1000, per: month}")
    ws.setup(ROSTER, deals_csv([]), SOURCES)
    ws.data_file("leave.csv", "person,from,to\n")
    ws.program("prorated", program.replace("period: quarter", "period: year"))
    [r] = api.compute(ws.programs, ws.data, "2026", allow_empty=True).results  # no deals: the targets are the point
    assert r.people[0].targets[0][1] == Decimal(12000)
    ws.program("prorated", program.replace("period: quarter", "period: month").replace("per: month", "per: quarter"))
    [r] = api.compute(ws.programs, ws.data, "2026-02", allow_empty=True).results
    assert round(r.people[0].targets[0][1], 6) == round(Decimal(1000) * 28 / 90, 6)  # February is 28 of Q1's 90 days
