"""Seasonal programs (catalogue kind 9): targets scaled by calendar windows, prorated by
days when a window covers part of a period; programs active only inside a window."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import PROGRAMS, SAMPLE, cli, deals_csv, run_and_read_not_counted

from incentive_cli import api
from incentive_cli.diagnostics import InputRejected

SEASONAL = """
schema_version: 1
id: seasonal
currency: USD
period: quarter
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
  attainment: {attainment: revenue, target: quota}
targets:
  quota: {roster: quarterly_quota}
seasons:
  - {name: Lean season, from: 01-01, to: 02-28, scale: 80%}
  - {name: Festive season, from: 11-15, to: 12-31, scale: 120%}
components:
  - {id: bonus, type: bonus, measure: attainment, at_least: 100%, amount: 500}
"""
ROSTER = "id,name,role,team,manager,quota\nana,Ana,Sales Rep,East,boss,90000\n"


@pytest.mark.parametrize(("period", "target", "how"), [
    # Q1 2027: 1 Jan - 28 Feb (59 days) at 80 %, 1-31 March at 100 %: (59 x 0.8 + 31) / 90 = 86.8889 %
    ("2027-Q1", "78200", "Lean season 59 days at 80%, 31 days at 100%"),
    # Q1 2028 is a leap year: 1 Jan - 28 Feb is still 59 days, of 91: (59 x 0.8 + 32) / 91
    ("2028-Q1", "78329.67033", "Lean season 59 days at 80%, 32 days at 100%"),
    ("2027-Q2", "90000", ""),
    # Q4: 15 November - 31 December, both ends counted: 47 days at 120 %, 45 at 100 % of 92
    ("2027-Q4", "99195.65217", "Festive season 47 days at 120%, 45 days at 100%"),
])
def test_seasons_scale_the_target_by_days(ws, period, target, how):
    ws.setup(ROSTER, deals_csv([]))
    ws.program("seasonal", SEASONAL)
    [r] = api.compute(ws.programs, ws.data, period, allow_empty=True).results  # no deals: the target is the point
    name, value, text = r.people[0].targets[0]
    assert round(value, 5) == Decimal(target)
    assert (how in text) if how else text == "roster column quarterly_quota"


def test_a_lean_season_lowers_the_bar_for_the_bonus(ws):
    ws.setup(ROSTER, deals_csv([("D1", "ana", "A", "Won", "2027-02-10", "78200")]))
    ws.program("seasonal", SEASONAL)
    [r] = api.compute(ws.programs, ws.data, "2027-Q1").results
    assert str(r.people[0].total) == "500.00"  # 78,200 of 90,000 is 86.9 %, but 100 % of the seasonal target


ACTIVE = SEASONAL.replace("seasons:\n  - {name: Lean season, from: 01-01, to: 02-28, scale: 80%}\n  - {name: Festive season, from: 11-15, to: 12-31, scale: 120%}\n", "active: {name: Spring push, from: 2026-04-15, to: 2026-06-30}\n")


def test_a_program_active_in_part_of_the_period_counts_facts_inside_and_prorates_the_target(ws):
    ws.setup(ROSTER.replace("90000", "91000"), deals_csv([("D1", "ana", "A", "Won", "2026-04-14", "50000"), ("D2", "ana", "A", "Won", "2026-04-15", "77000")]))
    ws.program("seasonal", ACTIVE)
    result = api.compute(ws.programs, ws.data, "2026-Q2")
    [r] = result.results
    ana = r.people[0]
    values = {n: v for n, v, _ in ana.measures}
    assert values["revenue"] == Decimal("77000.00")  # the deal of 14 April is before the window
    assert ana.targets[0][1] == Decimal(77000)  # 91,000 x 77 of 91 days (15 April - 30 June)
    assert "active Spring push: 77 of 91 days" in ana.targets[0][2]
    assert str(ana.total) == "500.00"
    # a quarter the window does not touch skips the program; with no other program, the run is refused
    with pytest.raises(InputRejected) as exc:
        api.compute(ws.programs, ws.data, "2026-Q3")
    [d] = exc.value.diagnostics
    assert (d.code, d.message) == ("no-program-fits", "no program runs for 2026-Q3: seasonal (its active window 2026-04-15 to 2026-06-30 is outside 2026-Q3)")


def test_overlapping_seasons_and_impossible_windows_are_refused(ws):
    ws.setup(ROSTER, deals_csv([]))
    ws.program("seasonal", SEASONAL.replace("from: 11-15, to: 12-31", "from: 02-20, to: 03-10"))
    code, _, err = cli("run", "--period", "2027-Q1", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out), "--allow-empty")
    assert code == 1
    assert "error [bad-window] seasons 'Lean season' and 'Festive season' overlap in 2027-Q1" in err
    ws.program("seasonal", SEASONAL.replace("to: 02-28", "to: 02-30"))
    code, _, err = cli("validate", str(ws.programs))
    assert code == 1 and "[bad-window] seasons[0].to: '02-30' is not a real day" in err


def test_maven_summer_season():
    [r] = api.compute(PROGRAMS / "summer-season.yaml", SAMPLE, "2017-Q2").results
    anna = next(p for p in r.people if p.person_id == "Anna Snelling")
    target = next(v for n, v, _ in anna.targets if n == "quarterly_target")
    assert round(target, 6) == round(Decimal(115000) * (61 + Decimal(30) * Decimal("0.8")) / 91, 6)  # June is in the summer season


def test_deals_outside_the_active_window_are_listed_as_not_counted_and_the_leaderboard_agrees(ws, monkeypatch):
    ws.setup(ROSTER.replace("90000", "91000"), deals_csv([("D1", "ana", "A", "Won", "2026-04-14", "50000"), ("D2", "ana", "A", "Won", "2026-04-15", "77000")]))
    ws.program("seasonal", ACTIVE)
    assert run_and_read_not_counted(ws, "2026-Q2", "ana", "D1") == ["close_date is outside the program's active window (Spring push)"]
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = cli("leaderboard", "-p", str(ws.programs), "-d", str(ws.data), "--period", "2026-Q2")
    assert code == 0, err
    assert "77,000" in out and "127,000" not in out
