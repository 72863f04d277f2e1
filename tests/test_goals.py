"""Personalised goal setting (catalogue kind 13, "Choose Your Challenge")."""

from __future__ import annotations

from decimal import Decimal

from conftest import DEFAULT_SOURCES, PROGRAMS, SAMPLE, cli

from incentive_cli import api

SOURCES = DEFAULT_SOURCES.replace("    amount: amount\n", "    amount: amount\n    segment: {header: segment, required: false}\n") + """choices:
  file: choices.csv
  columns: {person: person, goal: goal, chosen_on: chosen_on}
"""
MENU = """
schema_version: 1
id: challenge
currency: USD
period: quarter
measures:
  new_deals: {from: deals, count: rows, where: {stage: Won}}
  enterprise_deals: {from: deals, count: rows, where: {stage: Won, segment: Enterprise}}
  revenue: {from: deals, sum: amount, where: {stage: Won}}
  revenue_growth: {growth: revenue}
components:
  - id: challenge
    name: Choose Your Challenge
    type: goals
    cutoff_day: 15
    goals:
      - {id: five-new, name: Close 5 new deals, measure: new_deals, at_least: 5, pays: 500}
      - {id: enterprise, name: Close 3 enterprise deals, measure: enterprise_deals, at_least: 3, pays: 800}
      - {id: grow, name: Grow revenue 20%, measure: revenue_growth, at_least: 20%, pays: 1000, badge: Grower}
"""
ROSTER = "id,name,role,team,manager,quota\n" + "".join(f"{p},{p.title()},Sales Rep,East,boss,1\n" for p in ("ana", "bob", "cy", "dee", "eve", "fay"))
CHOICES = """person,goal,chosen_on
ana,five-new,2026-03-20
bob,enterprise,2026-04-02
cy,grow,2026-04-15
eve,grow,2026-04-16
fay,grow,2026-03-01
fay,five-new,2026-04-10
fay,enterprise,2026-05-01
"""


def _deals() -> str:
    rows = [(f"A{i}", "ana", "C", "Won", "2026-05-01", "100", "") for i in range(5)]
    rows += [(f"B{i}", "bob", "C", "Won", "2026-05-01", "100", "Enterprise") for i in range(2)]
    rows += [("C0", "cy", "C", "Won", "2026-02-01", "1000", ""), ("C1", "cy", "C", "Won", "2026-05-01", "1200", "")]
    rows += [(f"E{i}", "eve", "C", "Won", "2026-05-01", "100", "") for i in range(9)]
    rows += [(f"F{i}", "fay", "C", "Won", "2026-05-01", "100", "Enterprise") for i in range(4)]
    return "deal_id,owner,customer,stage,close_date,amount,segment\n" + "".join(",".join(r) + "\n" for r in rows)


def test_each_person_is_paid_on_the_goal_they_chose_by_the_cut_off(ws):
    ws.setup(ROSTER, _deals(), SOURCES)
    ws.data_file("choices.csv", CHOICES)
    ws.program("challenge", MENU)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    paid = {p.person_id: str(p.total) for p in r.people}
    # ana: 5 new deals -> 500; bob: 2 of 3 enterprise deals -> 0; cy: 1,000 -> 1,200 is +20 % -> 1,000;
    # dee: no choice; eve: chose after the cut-off (15 April); fay: the latest choice by the cut-off
    # (five-new, made 10 April) counts, not the later enterprise one: 4 deals -> 0
    assert paid == {"ana": "500.00", "bob": "0.00", "cy": "1000.00", "dee": "0.00", "eve": "0.00", "fay": "0.00"}
    steps = {p.person_id: [s.label for s in p.lines[0].steps] for p in r.people}
    assert steps["dee"] == ["no goal chosen by 2026-04-15: no payout"]
    assert steps["eve"] == ["no goal chosen by 2026-04-15: no payout"]
    assert steps["fay"] == ["chose 'Close 5 new deals' on 2026-04-10 (1 later choice after the cut-off 2026-04-15 ignored)", "new_deals 4 >= 5: not met"]
    assert steps["cy"][1] == "revenue_growth 20% >= 20%: met"
    cy = next(p for p in r.people if p.person_id == "cy")
    assert [a.name for _, a in cy.awards] == ["Grower"]


def test_a_choice_of_a_goal_not_on_the_menu_is_refused_at_its_cell(ws):
    ws.setup(ROSTER, _deals(), SOURCES)
    ws.data_file("choices.csv", "person,goal,chosen_on\nAna,five-news,2026-04-01\n")
    ws.program("challenge", MENU)
    code, _, err = cli("run", "--period", "2026-Q2", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 1
    assert "choices.csv, row 2, column B (goal): error [bad-reference] Ana (ana) chose the goal 'five-news', which is not on the menu of 'challenge' (goals: five-new, enterprise, grow)" in err


def test_maven_choose_your_challenge():
    [r] = api.compute(PROGRAMS / "choose-your-challenge.yaml", SAMPLE, "2017-Q2").results
    lines = {p.person_id: p.lines[0] for p in r.people}
    assert lines["Darcel Schlecht"].steps[0].label.startswith("chose 'Close 30 deals'")
    assert lines["Darcel Schlecht"].amount == Decimal("500.00")
    assert lines["Anna Snelling"].steps[0].label == "no goal chosen by 2017-04-15: no payout"


def test_a_choice_counts_for_one_period_only(ws):
    ws.setup(ROSTER, _deals(), SOURCES)
    ws.data_file("choices.csv", "person,goal,chosen_on\nana,five-new,2026-04-02\nbob,grow,2026-01-10\nbob,enterprise,2026-10-03\n")
    ws.program("challenge", MENU)
    [r] = api.compute(ws.programs, ws.data, "2026-Q3", allow_empty=True).results  # no deal in Q3: the choices are the point
    steps = {p.person_id: [s.label for s in p.lines[0].steps] for p in r.people}
    assert steps["ana"] == ["no goal chosen by 2026-07-15: no payout"]  # her Q2 choice was for Q2
    assert steps["bob"] == ["no goal chosen by 2026-07-15: no payout"]  # January's was for Q1; October's is for Q4
