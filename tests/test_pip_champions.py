"""Performance improvement plans (catalogue kind 10, "Rising Star") and beat the champion
(kind 12)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import DEFAULT_SOURCES, PROGRAMS, SAMPLE, cli, deals_csv

from incentive_cli import api

D = Decimal

PIP_SOURCES = DEFAULT_SOURCES.replace("    quarterly_quota:", "    pip_start: {header: pip_start, type: date, required: false}\n    quarterly_quota:")

PIP = """
schema_version: 1
id: rising-star
currency: USD
period: month
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
components:
  - id: plan
    name: Rising Star plan
    type: pip
    measure: revenue
    participants: {roster: pip_start}
    target: team_lowest
    checkpoints:
      - {at: 25%, day: 7, badge: Week 1}
      - {at: 50%, day: 14, badge: Week 2}
      - {at: 75%, day: 21, badge: Week 3}
      - {at: 100%, day: 30, badge: Rising Star, pays: 250}
"""

ROSTER = "id,name,role,team,manager,quota,pip_start\n" + "ana,Ana,Sales Rep,East,boss,1,2026-04-01\nbob,Bob,Sales Rep,East,boss,1,\ncy,Cy,Sales Rep,East,boss,1,\nzed,Zed,Sales Rep,West,boss,1,\n"
# March (the reference month): ana 1,000 (on the plan), bob 4,000, cy 6,000 -> ana's target is 4,000
MARCH = [("M1", "ana", "A", "Won", "2026-03-05", "1000"), ("M2", "bob", "A", "Won", "2026-03-05", "4000"), ("M3", "cy", "A", "Won", "2026-03-05", "6000"), ("M4", "zed", "A", "Won", "2026-03-05", "500")]


def _run(ws, april, roster=ROSTER, period="2026-04"):  # type: ignore[no-untyped-def]
    ws.setup(roster, deals_csv(MARCH + april), PIP_SOURCES)
    ws.program("rising-star", PIP)
    [r] = api.compute(ws.programs, ws.data, period).results
    return r


def test_pip_target_is_the_teams_lowest_and_checkpoints_are_cumulative_weekly(ws):
    # running: 600 (Apr 3), 1,100 (Apr 6) -> day 7 needs 1,000: met; 1,900 by Apr 14 < 2,000: missed;
    # 3,100 (Apr 20) >= 3,000 by Apr 21: met; 4,100 (Apr 29) >= 4,000 by Apr 30: met the plan
    april = [("A1", "ana", "A", "Won", "2026-04-03", "600"), ("A2", "ana", "A", "Won", "2026-04-06", "500"), ("A3", "ana", "A", "Won", "2026-04-12", "800"),
             ("A4", "ana", "A", "Won", "2026-04-20", "1200"), ("A5", "ana", "A", "Won", "2026-04-29", "1000")]
    r = _run(ws, april)
    assert [p.person_id for p in r.people if p.lines] == ["ana"]  # only people on the plan get a line
    ana = next(p for p in r.people if p.person_id == "ana")
    labels = [s.label for s in ana.lines[0].steps]
    assert labels == [
        "on the plan from 2026-04-01 to 2026-04-30",
        "25% of the target (1,000) by day 7 (2026-04-07): met",
        "50% of the target (2,000) by day 14 (2026-04-14): missed",
        "75% of the target (3,000) by day 21 (2026-04-21): met",
        "100% of the target (4,000) by day 30 (2026-04-30): met",
        "Met the plan: yes",
    ]
    assert "team_lowest: the lowest revenue above 0 in 2026-03 in team East not on the plan: Bob with 4,000" in ana.lines[0].steps[0].note
    assert str(ana.total) == "250.00"
    assert [(a.name, a.earned_on.isoformat()) for _, a in ana.awards] == [("Week 1", "2026-04-06"), ("Week 3", "2026-04-20"), ("Rising Star", "2026-04-29")]


def test_missing_the_last_checkpoint_means_the_plan_was_not_met(ws):
    r = _run(ws, [("A1", "ana", "A", "Won", "2026-04-03", "3999.99")])
    ana = next(p for p in r.people if p.person_id == "ana")
    assert ana.lines[0].steps[-1].label == "Met the plan: no"
    assert str(ana.total) == "0.00"
    assert [a.name for _, a in ana.awards] == ["Week 1", "Week 2", "Week 3"]


def test_a_plan_that_spans_two_months_pays_each_checkpoint_in_the_month_that_holds_its_day(ws):
    roster = ROSTER.replace("2026-04-01", "2026-04-20")  # days 7, 14, 21, 30: Apr 26, May 3, May 10, May 19
    april = [("A1", "ana", "A", "Won", "2026-04-22", "1500"), ("A2", "ana", "A", "Won", "2026-05-02", "1000"), ("A3", "ana", "A", "Won", "2026-05-15", "2000")]
    r = _run(ws, april, roster)
    ana = next(p for p in r.people if p.person_id == "ana")
    labels = [s.label for s in ana.lines[0].steps]
    assert labels[1] == "25% of the target (1,000) by day 7 (2026-04-26): met"
    assert labels[2] == "50% of the target (2,000) by day 14 (2026-05-03): due after this period"
    assert labels[-1] == "Met the plan: not yet (the plan ends on 2026-05-19)"
    r = _run(ws, april, roster, period="2026-05")
    ana = next(p for p in r.people if p.person_id == "ana")
    labels = [s.label for s in ana.lines[0].steps]
    assert labels[1] == "25% of the target (1,000) by day 7 (2026-04-26): met (settled in an earlier period)"
    assert labels[2:5] == ["50% of the target (2,000) by day 14 (2026-05-03): met", "75% of the target (3,000) by day 21 (2026-05-10): missed", "100% of the target (4,000) by day 30 (2026-05-19): met"]
    assert labels[-1] == "Met the plan: yes"
    assert str(ana.total) == "250.00"
    assert [a.name for _, a in ana.awards] == ["Week 2", "Rising Star"]  # week 1 was April's


def test_bottom_n_joins_the_lowest_of_the_reference_period_with_ties_all_joining(ws):
    program = PIP.replace("participants: {roster: pip_start}", "participants: {bottom: 1, start: 2026-04-06}")
    ws.setup(ROSTER, deals_csv(MARCH + [("M5", "bob", "A", "Won", "2026-03-09", "-3500")]), PIP_SOURCES)  # bob: 500, tied with zed
    ws.program("rising-star", program)
    [r] = api.compute(ws.programs, ws.data, "2026-04", allow_empty=True).results  # only March (the reference) has deals
    on_plan = {p.person_id: p.lines[0].steps[0].label for p in r.people if p.lines}
    assert on_plan == {"bob": "on the plan from 2026-04-06 to 2026-05-05", "zed": "on the plan from 2026-04-06 to 2026-05-05"}
    # zed is alone in West and on the plan: the whole team (zed) sets the target
    zed = next(p for p in r.people if p.person_id == "zed")
    assert zed.lines[0].steps[0].note == "target team_lowest: the lowest revenue above 0 in 2026-03 in team West (everyone in the team is on the plan): Zed with 500"


def test_bottom_share_is_rounded_half_up_and_at_least_one(ws):
    ws.setup(ROSTER, deals_csv(MARCH), PIP_SOURCES)  # March: zed 500, ana 1,000, bob 4,000, cy 6,000
    ws.program("rising-star", PIP.replace("participants: {roster: pip_start}", "participants: {bottom_share: 10%}"))
    [r] = api.compute(ws.programs, ws.data, "2026-04", allow_empty=True).results  # only March (the reference) has deals
    assert [p.person_id for p in r.people if p.lines] == ["zed"]  # 10 % of 4 = 0.4 -> at least one
    ws.program("rising-star", PIP.replace("participants: {roster: pip_start}", "participants: {bottom_share: 50%}"))
    [r] = api.compute(ws.programs, ws.data, "2026-04", allow_empty=True).results
    assert [p.person_id for p in r.people if p.lines] == ["ana", "zed"]


def test_a_team_with_nobody_above_zero_gives_no_target_and_a_warning(ws):
    ws.setup(ROSTER, deals_csv([("M1", "bob", "A", "Won", "2026-03-05", "4000")]), PIP_SOURCES)
    ws.program("rising-star", PIP.replace("participants: {roster: pip_start}", "participants: {bottom: 1}"))
    result = api.compute(ws.programs, ws.data, "2026-04", allow_empty=True)  # only March (the reference) has deals
    [r] = result.results
    zed = next(p for p in r.people if p.person_id == "zed")  # West: zed alone, with 0 in March
    assert zed.lines[0].steps[-1].label == "Met the plan: cannot tell (the plan has no target)"
    # ana, cy and zed tie at 0 at the bottom, so all three join; ana and cy have bob's 4,000
    assert sorted(p.person_id for p in r.people if p.lines) == ["ana", "cy", "zed"]
    assert [(d.code, d.severity, d.value) for d in result.diagnostics] == [("no-target", "warning", "zed")]


def test_a_pip_participants_column_must_be_a_date_on_the_roster(ws):
    ws.setup(ROSTER, deals_csv(MARCH), PIP_SOURCES)
    ws.program("rising-star", PIP.replace("roster: pip_start", "roster: pip_begin"))
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data))
    assert code == 1
    assert "[bad-reference] components.plan.participants.roster: the roster has no column 'pip_begin'" in err


def test_checkpoints_must_rise(ws):
    ws.setup(ROSTER, deals_csv(MARCH), PIP_SOURCES)
    ws.program("rising-star", PIP.replace("{at: 75%, day: 21", "{at: 75%, day: 12"))
    code, _, err = cli("validate", str(ws.programs))
    assert code == 1
    assert "[bad-tiers] components[0].checkpoints[2]: checkpoints must rise in both share and day (this one is at 75% by day 12)" in err


def test_maven_rising_star_june_2017():
    [r] = api.compute(PROGRAMS / "rising-star.yaml", SAMPLE, "2017-06").results
    plan = {p.person_id: p for p in r.people if p.lines}
    assert sorted(plan) == ["Boris Faz", "Rosalina Dieter"]
    rosalina = plan["Rosalina Dieter"]
    assert rosalina.lines[0].steps[-1].label == "Met the plan: yes"
    assert "Elease Gluck with 8,130" in rosalina.lines[0].steps[0].note  # the team's lowest May revenue, Rosalina aside
    assert str(rosalina.total) == "250.00"
    assert plan["Boris Faz"].lines[0].steps[-1].label == "Met the plan: not yet (the plan ends on 2017-07-11)"


# --- beat the champion ------------------------------------------------------------------------

CHAMPIONS = """
schema_version: 1
id: champions
currency: USD
period: quarter
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
components:
  - id: beat
    name: Beat the champion
    type: champions
    measure: revenue
    champions:
      - {pays: 400, badge: Beat the champion}
      - {pays: 300}
      - {pays: 200}
      - {pays: 100}
"""

CHAMP_ROSTER = "id,name,role,team,manager,quota\n" + "".join(f"{p},{p.title()},Sales Rep,East,boss,1\n" for p in ("ana", "bob", "cy", "dee", "eve", "new"))
# Q1: ana 9,000; bob 8,000; cy 8,000; dee 6,000; eve 5,000 -> champions 9,000, 8,000, 8,000, 6,000
Q1 = [("Q1a", "ana", "A", "Won", "2026-02-01", "9000"), ("Q1b", "bob", "A", "Won", "2026-02-01", "8000"), ("Q1c", "cy", "A", "Won", "2026-02-01", "8000"),
      ("Q1d", "dee", "A", "Won", "2026-02-01", "6000"), ("Q1e", "eve", "A", "Won", "2026-02-01", "5000")]


@pytest.mark.parametrize(("revenue", "pays"), [("5999", "0.00"), ("6000", "0.00"), ("6000.01", "100.00"), ("8000", "100.00"), ("8000.01", "600.00"), ("9000", "600.00"), ("9000.01", "1000.00")])
def test_a_champion_is_beaten_only_by_exceeding_their_value(ws, revenue, pays):
    ws.setup(CHAMP_ROSTER, deals_csv([*Q1, ("Q2", "new", "A", "Won", "2026-05-01", revenue)]))
    ws.program("champions", CHAMPIONS)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    new = next(p for p in r.people if p.person_id == "new")
    assert str(new.total) == pays


def test_champions_are_named_with_their_values_and_ties_are_said(ws):
    ws.setup(CHAMP_ROSTER, deals_csv([*Q1, ("Q2", "new", "A", "Won", "2026-05-01", "8000")]))
    ws.program("champions", CHAMPIONS)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    new = next(p for p in r.people if p.person_id == "new")
    assert [s.label for s in new.lines[0].steps] == [
        "champion 1: Ana with 9,000 in 2026-Q1: not beaten",
        "champion 2: Bob with 8,000 in 2026-Q1: not beaten (a tie does not beat)",
        "champion 3: Cy with 8,000 in 2026-Q1: not beaten (a tie does not beat)",
        "champion 4: Dee with 6,000 in 2026-Q1: beaten",
    ]
    assert [(a.name, a.earned_on.isoformat()) for _, a in new.awards] == []


def test_with_no_history_there_are_no_champions_and_nobody_is_paid(ws):
    ws.setup(CHAMP_ROSTER, deals_csv([("Q2", "new", "A", "Won", "2026-05-01", "8000")]))
    ws.program("champions", CHAMPIONS)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    new = next(p for p in r.people if p.person_id == "new")
    assert new.total == 0
    assert new.lines[0].steps[0].label == "champion 1: none (fewer than 4 people had revenue above 0 in 2026-Q1)"


def test_maven_beat_the_champion_2017_q2():
    [r] = api.compute(PROGRAMS / "beat-the-champion.yaml", SAMPLE, "2017-Q2").results
    darcel = next(p for p in r.people if p.person_id == "Darcel Schlecht")
    assert darcel.lines[0].steps[0].label == "champion 1: Darcel Schlecht with 112,255 in 2017-Q1: beaten"
    assert str(darcel.total) == "1100.00"
    assert [a.name for _, a in darcel.awards] == ["Beat the champion", "Beat the runner-up"]


def test_met_the_plan_is_stated_plainly_on_the_statement_summary(ws):
    april = [("A1", "ana", "A", "Won", "2026-04-03", "4000")]
    ws.setup(ROSTER, deals_csv(MARCH + april), PIP_SOURCES)
    ws.program("rising-star", PIP)
    code, _, err = cli("run", "--period", "2026-04", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 0, err
    statements = sorted(p.name for p in (ws.out / "2026-04" / "statements").iterdir())
    assert len(statements) == 1 and "_ana_" in statements[0]  # people not on the plan get no statement from it
    from openpyxl import load_workbook

    summary = load_workbook(ws.out / "2026-04" / "statements" / statements[0])["Summary"]
    facts = {row[0]: row[1] for row in summary.iter_rows(min_row=4, max_row=14, max_col=2, values_only=True)}
    assert facts["Rising Star plan"] == "Met the plan: yes"
    register = (ws.out / "2026-04" / "register.csv").read_text()
    assert "Met the plan: yes" in register


def test_a_plan_that_starts_after_the_period_has_nobody_on_it_yet(ws):
    program = PIP.replace("participants: {roster: pip_start}", "participants: {bottom: 1, start: 2026-04-06}")
    ws.setup(ROSTER, deals_csv(MARCH), PIP_SOURCES)
    ws.program("rising-star", program)
    [r] = api.compute(ws.programs, ws.data, "2026-03").results  # the month before the plan starts
    assert [p.person_id for p in r.people if p.lines] == []
