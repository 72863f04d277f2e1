"""The worked plan of PROGRAMS.md, run from programs/q2-plan.yaml itself."""

from __future__ import annotations

import shutil
from decimal import Decimal

from conftest import DEFAULT_SOURCES, PROGRAMS, deals_csv

from incentive_cli import api


def _twelve_new_customers_worth_100k() -> str:
    rows = [(f"D{i:02d}", "ana", f"Customer {i:02d}", "Won", f"2026-0{4 + i % 3}-1{i % 9}", "8000") for i in range(11)]
    rows.append(("D11", "ana", "Customer 11", "Won", "2026-06-30", "12000"))
    rows.append(("D12", "ana", "Customer 11", "Lost", "2026-06-30", "0"))
    rows.append(("D13", "ana", "Customer 12", "Won", "2026-07-01", "50000"))  # next quarter
    return deals_csv(rows)


def test_q2_plan_pays_5500_commission_and_two_bonuses_for_7500_cash(ws):
    ws.setup("id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,boss,80000\n", _twelve_new_customers_worth_100k())
    ws.activities()
    shutil.copy(PROGRAMS / "q2-plan.yaml", ws.programs / "q2-plan.yaml")
    result = api.compute(ws.programs, ws.data, "2026-Q2", allow_empty=True)  # no activities logged: an empty source, declared
    [plan] = result.results
    [ana] = plan.people
    lines = {line.component_id: line.amount for line in ana.lines}
    assert {n: v for n, v, _ in ana.measures} == {"revenue": Decimal("100000.00"), "new_customers": Decimal(12), "attainment": Decimal("1.25"),
                                                  "calls": Decimal(0), "team_revenue": Decimal("100000.00"), "team_growth": Decimal(0)}
    assert lines == {"commission": Decimal("5500.00"), "attainment-bonus": Decimal("1000"), "new-customer-bonus": Decimal("1000"), "top-performer": Decimal("0.00"), "coaching": Decimal("0.00"),
                     "monthly-calls-bonus": Decimal("0.00"), "team-trip": Decimal("0.00")}
    assert ana.total == Decimal("7500.00")
    assert [(a.kind, a.name, a.cost) for _, a in ana.awards] == [("badge", "Top performer of the quarter", None), ("non-cash", "Gift card", Decimal(500)), ("non-cash", "Exclusive coaching", None)]
    commission = next(line for line in ana.lines if line.component_id == "commission")
    assert [(s.base, s.rate, s.amount) for s in commission.steps if s.rate is not None] == [
        (Decimal("75000"), Decimal("0.05"), Decimal("3750.00")),
        (Decimal("25000.00"), Decimal("0.07"), Decimal("1750.0000")),
    ]


def test_q2_plan_below_the_thresholds_pays_commission_only(ws):
    deals = deals_csv([("D1", "ana", "Old Co", "Won", "2026-01-10", "100"), ("D2", "ana", "Old Co", "Won", "2026-05-01", "91999.99")])
    ws.setup("id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,boss,80000\n", deals)
    ws.activities()
    shutil.copy(PROGRAMS / "q2-plan.yaml", ws.programs / "q2-plan.yaml")
    [plan] = api.compute(ws.programs, ws.data, "2026-Q2", allow_empty=True).results  # no activities logged
    [ana] = plan.people
    lines = {line.component_id: line.amount for line in ana.lines}
    # 91,999.99 / 80,000 = 114.99999% < 115%; Old Co was first won in Q1, so 0 new customers
    assert lines == {"commission": Decimal("4940.00"),  # 3,750 + 16,999.99 x 7% = 4,939.9993
                      "attainment-bonus": Decimal("0.00"), "new-customer-bonus": Decimal("0.00"), "top-performer": Decimal("0.00"), "coaching": Decimal("0.00"),
                      "monthly-calls-bonus": Decimal("0.00"), "team-trip": Decimal("0.00")}
    # the team (ana alone) grew from 100 to 91,999.99: the weekend trip, a non-cash reward
    assert ("Weekend trip", Decimal(800)) in [(a.name, a.cost) for _, a in ana.awards]


def _calls(weeks: dict[str, int]) -> str:
    """One row per ISO week (its Monday) with that many calls, spread Monday to Friday."""
    import datetime as dt

    rows = []
    for monday, n in weeks.items():
        day = dt.date.fromisoformat(monday)
        for k in range(5):
            rows.append(f"ana,{(day + dt.timedelta(days=k)).isoformat()},Call,{n // 5 + (1 if k < n % 5 else 0)}\n")
    return "".join(rows) + "ana,2026-04-08,Email,500\n"  # not a call


def test_monthly_calls_bonus_pays_200_for_each_month_whose_every_iso_week_has_50_calls(ws):
    ws.setup("id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,boss,80000\n", deals_csv([]))
    # weeks starting in April 2026: 6, 13, 20, 27 (the 27th runs into May); in May: 4, 11, 18, 25;
    # in June: 1, 8, 15, 22, 29 (the 29th runs into July and is counted to its Sunday, 5 July)
    april = {"2026-04-06": 50, "2026-04-13": 61, "2026-04-20": 50, "2026-04-27": 52}
    may = {"2026-05-04": 50, "2026-05-11": 49, "2026-05-18": 80, "2026-05-25": 70}
    june = {"2026-06-01": 55, "2026-06-08": 55, "2026-06-15": 55, "2026-06-22": 55, "2026-06-29": 50}
    ws.activities(_calls({**april, **may, **june}) + "ana,2026-03-30,Call,0\n")
    shutil.copy(PROGRAMS / "q2-plan.yaml", ws.programs / "q2-plan.yaml")
    [plan] = api.compute(ws.programs, ws.data, "2026-Q2", allow_empty=True).results  # no deals: the calls are the point
    [ana] = plan.people
    line = next(x for x in ana.lines if x.component_id == "monthly-calls-bonus")
    assert line.amount == Decimal("400.00")  # April and June; May's week of the 11th had 49
    assert [s.label for s in line.steps] == [
        "2026-04: every ISO week starting in it has at least 50 calls: yes",
        "2026-05: every ISO week starting in it has at least 50 calls: no",
        "2026-06: every ISO week starting in it has at least 50 calls: yes",
    ]
    assert line.steps[1].note == "weeks from 05-04: 50, 05-11: 49, 05-18: 80, 05-25: 70; short: 2026-05-11 (49)"


def test_team_weekend_trip_goes_to_every_member_on_the_last_day_when_the_team_grows_20_percent(ws):
    sources = DEFAULT_SOURCES.replace("    quarterly_quota:", "    end_date: {header: left, required: false}\n    quarterly_quota:")
    roster = "id,name,role,team,manager,quota,left\nana,Ana,Sales Rep,East,boss,1000,\nbob,Bob,Sales Rep,East,boss,1000,2026-06-15\ncy,Cy,Sales Rep,West,boss,1000,\n"
    # East: Q1 1,000 -> Q2 1,200 (+20 %: reached); West: Q1 1,000 -> Q2 1,199 (+19.9 %)
    deals = deals_csv([("A", "ana", "X", "Won", "2026-02-01", "600"), ("B", "bob", "X", "Won", "2026-02-01", "400"), ("C", "cy", "X", "Won", "2026-02-01", "1000"),
                       ("D", "ana", "X", "Won", "2026-05-01", "1000"), ("E", "bob", "X", "Won", "2026-05-01", "200"), ("F", "cy", "X", "Won", "2026-05-01", "1199")])
    ws.setup(roster, deals, sources).activities()
    shutil.copy(PROGRAMS / "q2-plan.yaml", ws.programs / "q2-plan.yaml")
    [plan] = api.compute(ws.programs, ws.data, "2026-Q2", allow_empty=True).results  # no activities logged
    trips = {p.person_id: [a.name for _, a in p.awards if a.name == "Weekend trip"] for p in plan.people}
    assert trips == {"ana": ["Weekend trip"], "bob": [], "cy": []}  # bob left on 15 June
    ana = next(p for p in plan.people if p.person_id == "ana")
    assert {n: v for n, v, _ in ana.measures}["team_growth"] == Decimal("0.2")
    assert not any(x.component_id == "team-trip" for x in next(p for p in plan.people if p.person_id == "bob").lines)


TEAM_PROGRAM = """
schema_version: 1
id: team
currency: USD
period: quarter
measures:
  team_revenue: {from: deals, sum: amount, where: {stage: Won}, rollup: team}
  team_attainment: {attainment: team_revenue, target: team_quota}
targets:
  team_quota: {roster: quarterly_quota, rollup: team}
components:
  - id: team-milestones
    name: Team milestones
    type: milestones
    measure: team_attainment
    eligible: {on_last_day: true}
    milestones:
      - {at: 50%, pays: 100}
      - {at: 75%, pays: 150}
      - {at: 100%, pays: 250, badge: Team target}
"""


def test_every_member_on_the_last_day_gets_each_team_milestone_reached(ws):
    sources = DEFAULT_SOURCES.replace("    quarterly_quota:", "    end_date: {header: left, required: false}\n    quarterly_quota:")
    roster = "id,name,role,team,manager,quota,left\nana,Ana,Sales Rep,East,boss,1000,\nbob,Bob,Sales Rep,East,boss,3000,\ncy,Cy,Sales Rep,East,boss,1000,2026-05-31\ndee,Dee,Sales Rep,West,boss,1000,\n"
    # East's quota is 1,000 + 3,000 + 1,000 = 5,000; its revenue 4,000 (80 %): two milestones
    deals = deals_csv([("A", "ana", "X", "Won", "2026-04-03", "2500"), ("B", "bob", "X", "Won", "2026-05-04", "1000"), ("C", "cy", "X", "Won", "2026-05-05", "500"), ("D", "dee", "X", "Won", "2026-05-06", "999")])
    ws.setup(roster, deals, sources)
    ws.program("team", TEAM_PROGRAM)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    paid = {p.person_id: str(p.total) for p in r.people}
    assert paid == {"ana": "250.00", "bob": "250.00", "cy": "0", "dee": "250.00"}  # cy left in May (no line); West: 999 of 1,000 reaches two
    ana = next(p for p in r.people if p.person_id == "ana")
    assert ana.targets[0][1:] == (Decimal(5000), "sum of roster column quarterly_quota over 3 people (team)")
    assert [s.label for s in ana.lines[0].steps][:2] == ["milestone at 50%: reached", "milestone at 75%: reached"]


def test_a_team_quota_counts_only_members_employed_in_the_period(ws):
    sources = DEFAULT_SOURCES.replace("    quarterly_quota:", "    hire_date: {header: hired, required: false}\n    end_date: {header: left, required: false}\n    quarterly_quota:")
    roster = "id,name,role,team,manager,quota,hired,left\nana,Ana,Sales Rep,East,boss,3000,,\nbob,Bob,Sales Rep,East,boss,1000,,\nzed,Zed,Sales Rep,East,boss,5000,,2024-12-31\nnew,New,Sales Rep,East,boss,5000,2027-01-01,\n"
    ws.setup(roster, deals_csv([("A", "ana", "X", "Won", "2026-04-03", "3500")]), sources)
    ws.program("team", TEAM_PROGRAM)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    ana = next(p for p in r.people if p.person_id == "ana")
    assert ana.targets[0][1:] == (Decimal(4000), "sum of roster column quarterly_quota over 2 people (team)")
    assert str(ana.total) == "250.00"  # 3,500 of 4,000 is 87.5 %: two milestones
