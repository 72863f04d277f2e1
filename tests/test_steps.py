"""Slabs and milestones: the catalogue's SDR slabs (kind 2) and badge rush (kind 5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import DEFAULT_SOURCES, cli

from incentive_cli import api

SDR_PROGRAM = """
schema_version: 1
id: sdr
currency: USD
period: month
measures:
  meetings: {from: activities, count: rows, where: {kind: Qualified meeting}}
components:
  - id: meetings
    name: SDR meeting slabs
    type: slabs
    measure: meetings
    slabs:
      - {from: 5, pays: 50}
      - {from: 8, pays: 75}
      - {from: 11, pays: 100}
"""

ACTIVITIES = DEFAULT_SOURCES + """activities:
  file: activities.csv
  columns: {owner: owner, date: date, kind: kind}
"""


@pytest.mark.parametrize(("meetings", "pays"), [(4, "0.00"), (5, "50.00"), (7, "50.00"), (8, "75.00"), (10, "75.00"), (11, "100.00"), (30, "100.00")])
def test_sdr_slabs_pay_the_highest_band_reached_once(ws, meetings, pays):
    rows = "".join(f"ana,2026-04-{1 + i % 28:02d},Qualified meeting\n" for i in range(meetings)) + "ana,2026-04-03,Call\n"
    ws.setup("id,name,role,team,manager,quota\nana,Ana,SDR,East,boss,1\n", "deal_id,owner,customer,stage,close_date,amount\n", ACTIVITIES)
    ws.data_file("activities.csv", "owner,date,kind\n" + rows)
    ws.program("sdr", SDR_PROGRAM)
    [r] = api.compute(ws.programs, ws.data, "2026-04").results
    [ana] = r.people
    assert str(ana.lines[0].amount) == pays


BADGES = """
schema_version: 1
id: badge-rush
currency: USD
period: quarter
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
  attainment: {attainment: revenue, target: quota}
targets:
  quota: {roster: quarterly_quota}
components:
  - id: badges
    name: Badge rush
    type: milestones
    measure: attainment
    milestones:
      - {at: 20%, badge: Quick Starter}
      - {at: 40%, badge: Milestone Crusher}
      - {at: 60%, badge: Blockbuster}
      - {at: 80%, badge: Badge Ranger}
  - id: club
    name: Elite Achievers Club
    type: slabs
    measure: attainment
    slabs:
      - {from: 100%, reward: Dinner, cost: 150}
      - {from: 111%, reward: Resort weekend, cost: 1200}
      - {from: 121%, reward: International trip, cost: 4000}
"""


def test_a_person_at_65_percent_holds_three_badges_each_dated_when_first_reached(ws):
    deals = "deal_id,owner,customer,stage,close_date,amount\n" + "".join(
        f"D{i},ana,C{i},Won,{day},{amt}\n" for i, (day, amt) in enumerate([("2026-04-03", "150"), ("2026-04-20", "100"), ("2026-05-15", "200"), ("2026-06-01", "200")])
    )
    ws.setup("id,name,role,team,manager,quota\nana,Ana,Sales Rep,East,boss,1000\n", deals)
    ws.program("badge-rush", BADGES)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    [ana] = r.people
    badges = [(a.name, a.earned_on.isoformat()) for _, a in ana.awards if a.kind == "badge"]
    # running attainment: 15% (Apr 3), 25% (Apr 20), 45% (May 15), 65% (Jun 1)
    assert badges == [("Quick Starter", "2026-04-20"), ("Milestone Crusher", "2026-05-15"), ("Blockbuster", "2026-06-01")]
    assert ana.total == Decimal("0.00")  # badges and rewards are not cash
    assert [a for _, a in ana.awards if a.kind == "non-cash"] == []  # 65% is below the club


@pytest.mark.parametrize(("revenue", "reward"), [("999.99", None), ("1000", "Dinner"), ("1105", "Dinner"), ("1110", "Resort weekend"), ("1209", "Resort weekend"), ("1210", "International trip")])
def test_experiential_rewards_by_attainment_band(ws, revenue, reward):
    ws.setup("id,name,role,team,manager,quota\nana,Ana,Sales Rep,East,boss,1000\n", f"deal_id,owner,customer,stage,close_date,amount\nD1,ana,C,Won,2026-05-02,{revenue}\n")
    ws.program("badge-rush", BADGES)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    [ana] = r.people
    got = [(a.name, a.cost) for _, a in ana.awards if a.kind == "non-cash"]
    costs = {"Dinner": Decimal(150), "Resort weekend": Decimal(1200), "International trip": Decimal(4000)}
    assert got == ([] if reward is None else [(reward, costs[reward])])


def test_110_5_percent_is_in_the_first_band(ws):
    ws.setup("id,name,role,team,manager,quota\nana,Ana,Sales Rep,East,boss,1000\n", "deal_id,owner,customer,stage,close_date,amount\nD1,ana,C,Won,2026-05-02,1105\n")
    ws.program("badge-rush", BADGES)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    assert [a.name for _, a in r.people[0].awards if a.kind == "non-cash"] == ["Dinner"]


def test_slabs_must_increase_and_say_what_they_pay(ws):
    from incentive_cli.readers.program import parse_program

    bad = SDR_PROGRAM.replace("{from: 8, pays: 75}", "{from: 4, pays: 75}").replace("{from: 11, pays: 100}", "{from: 11}")
    _, diags = parse_program("sdr.yaml", bad)
    assert sorted((d.code, d.message) for d in diags) == [
        ("bad-tiers", "components[0].slabs[1].from: 4 is not above the previous 5"),
        ("missing-key", "components[0].slabs[2]: says nothing to pay"),
    ]


def test_badges_and_rewards_reach_the_statement_with_their_dates(ws):
    import openpyxl

    deals = "deal_id,owner,customer,stage,close_date,amount\nD1,ana,C1,Won,2026-04-10,500\nD2,ana,C2,Won,2026-05-20,650\n"
    ws.setup("id,name,role,team,manager,quota\nana,Ana,Sales Rep,East,boss,1000\n", deals)
    ws.program("badge-rush", BADGES)
    out = api.run(ws.programs, ws.data, "2026-Q2", ws.out, workers=1).out_path
    [path] = list((out / "statements").iterdir())
    wb = openpyxl.load_workbook(path, data_only=True)
    rows = [r for r in wb["Badges and rewards"].iter_rows(min_row=3, values_only=True) if r[0]]
    got = [(r[0], r[1], r[3].date().isoformat(), r[4]) for r in rows]
    assert got == [
        ("Badge", "Quick Starter", "2026-04-10", None),
        ("Badge", "Milestone Crusher", "2026-04-10", None),
        ("Badge", "Blockbuster", "2026-05-20", None),
        ("Badge", "Badge Ranger", "2026-05-20", None),
        ("Non-cash reward", "Resort weekend", "2026-05-20", 1200),  # 115%
    ]
    summary = {r[0]: r for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    assert summary["Non-cash cost value"][3] == 1200


RANK = """
schema_version: 1
id: awards
currency: USD
period: quarter
measures:
  revenue: {{from: deals, sum: amount, where: {{stage: Won}}}}
components:
  - {{id: top-performer, name: Top performer, type: rank, measure: revenue, top: 1, ties: {ties}, amount: 0, reward: Gift card, cost: 500, badge: Top performer}}
  - {{id: coaching, name: Exclusive coaching, type: rank, measure: revenue, top: 3, ties: {ties}, reward: Exclusive coaching}}
"""
RANK_ROSTER = "id,name,role,team,manager,quota\n" + "".join(f"{p},{p.title()},Sales Rep,East,boss,1\n" for p in ("ana", "bob", "cy", "dee", "eve"))
RANK_DEALS = "deal_id,owner,customer,stage,close_date,amount\n" + "".join(f"D{i},{p},C,Won,2026-05-0{i + 1},{v}\n" for i, (p, v) in enumerate([("ana", 900), ("bob", 800), ("cy", 700), ("dee", 700), ("eve", 100)]))


@pytest.mark.parametrize(("ties", "coached"), [("include", ["ana", "bob", "cy", "dee"]), ("exclude", ["ana", "bob"])])
def test_rank_awards_follow_the_declared_tie_rule_at_rank_3(ws, ties, coached):
    ws.setup(RANK_ROSTER, RANK_DEALS)
    ws.program("awards", RANK.format(ties=ties))
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    winners = {c: sorted(p.person_id for p in r.people for comp, a in p.awards if comp == c and a.kind == "non-cash") for c in ("Top performer", "Exclusive coaching")}
    assert winners == {"Top performer": ["ana"], "Exclusive coaching": coached}
    ana = next(p for p in r.people if p.person_id == "ana")
    assert [(a.kind, a.name, a.cost) for _, a in ana.awards][:2] == [("badge", "Top performer", None), ("non-cash", "Gift card", Decimal(500))]
    cy = next(p for p in r.people if p.person_id == "cy")
    coaching = next(line for line in cy.lines if line.component_id == "coaching")
    expected = "wins" if ties == "include" else "tied at the cut: none of the tied wins (ties: exclude)"
    assert coaching.steps[0].label == f"rank 3 of 5 by revenue (700, tied with 1 other): {expected}"


def test_a_rank_component_must_declare_its_tie_rule(ws):
    from incentive_cli.readers.program import parse_program

    _, diags = parse_program("awards.yaml", RANK.format(ties="include").replace(", ties: include", ""))
    assert sorted(d.message for d in diags) == ["components[0]: a rank component needs 'ties'", "components[1]: a rank component needs 'ties'"]


def test_the_register_has_a_non_cash_budget_by_program_team_and_reward(ws):
    roster = "id,name,role,team,manager,quota\nana,Ana,Sales Rep,East,boss,1000\nbob,Bob,Sales Rep,East,boss,1000\ncy,Cy,Sales Rep,West,boss,1000\n"
    deals = "deal_id,owner,customer,stage,close_date,amount\nD1,ana,C,Won,2026-05-02,1000\nD2,bob,C,Won,2026-05-02,1050\nD3,cy,C,Won,2026-05-02,1300\n"
    ws.setup(roster, deals)
    ws.program("badge-rush", BADGES)
    code, _, err = cli("run", "--period", "2026-Q2", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 0, err
    from openpyxl import load_workbook

    sheet = load_workbook(ws.out / "2026-Q2" / "register.xlsx")["Non-cash budget"]
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if any(v is not None for v in r)]
    assert rows[0] == ("Program", "Team", "Reward", "Count", "Cost value", "Currency")
    assert rows[1:3] == [("badge-rush", "East", "Dinner", 2, 300, "USD"), ("badge-rush", "West", "International trip", 1, 4000, "USD")]
    assert rows[3][0] == "By program"
    assert rows[4][:2] == ("badge-rush", None) and rows[4][3].startswith("=SUMIFS(") and rows[4][5] == "USD"
    cached = load_workbook(ws.out / "2026-Q2" / "register.xlsx", data_only=True)["Non-cash budget"]
    assert [c.value for c in cached[8]][3:5] == [3, 4300]


def test_maven_sdr_booster_pays_each_role_its_own_way():
    import csv

    from conftest import PROGRAMS, SAMPLE

    meetings: dict[str, int] = {}
    with (SAMPLE / "activities.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            if row["activity_type"] == "Qualified meeting" and row["activity_date"].startswith("2017-06"):
                meetings[row["rep"]] = meetings.get(row["rep"], 0) + int(row["count"])
    [r] = api.compute(PROGRAMS / "sdr-booster.yaml", SAMPLE, "2017-06").results
    lines = {p.person_id: {x.component_id: x.amount for x in p.lines} for p in r.people}
    for sdr, n in meetings.items():
        want = Decimal(100) if n >= 11 else Decimal(75) if n >= 8 else Decimal(50) if n >= 5 else Decimal(0)
        assert lines[sdr] == {"sdr-meetings": want}, sdr  # SDRs get only the meeting slabs
    assert set(lines["Darcel Schlecht"]) == {"ae-commission"}
    # June won revenue 122,127; the quota 90,000 for Q2 prorated to June: 90,000 x 30 / 91
    quota = Decimal(90000) * 30 / 91
    assert lines["Darcel Schlecht"]["ae-commission"] == ((Decimal(122127) - quota) * Decimal("0.05")).quantize(Decimal("0.01"))
