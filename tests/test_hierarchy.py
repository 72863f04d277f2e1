"""The reporting tree (catalogue kind 6): roll-ups over the direct team or the whole
subtree, on the Maven data's three levels, and the roster errors that would break it."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal

from conftest import DEFAULT_SOURCES, PROGRAMS, SAMPLE, cli, deals_csv

from incentive_cli import api
from incentive_cli.engine.hierarchy import cycles, depth

STRICT = DEFAULT_SOURCES.replace("  unknown_managers: allow        # the test rosters name a manager 'boss' who is not on them\n", "  manager_optional: true         # Hana Head is the top of the tree\n")


def test_maven_rollup_matches_a_plain_python_sum_per_manager_and_per_office():
    with (SAMPLE / "sales_teams.csv").open(newline="") as f:
        teams = list(csv.DictReader(f))
    manager_of = {r["sales_agent"]: r["manager"] for r in teams}
    office_of = {r["sales_agent"]: r["regional_office"] for r in teams}
    by_manager: dict[str, Decimal] = defaultdict(Decimal)
    by_office: dict[str, Decimal] = defaultdict(Decimal)
    with (SAMPLE / "sales_pipeline.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            if row["deal_stage"] == "Won" and "2017-04-01" <= row["close_date"] <= "2017-06-30":
                by_manager[manager_of[row["sales_agent"]]] += Decimal(row["close_value"])
                by_office[office_of[row["sales_agent"]]] += Decimal(row["close_value"])
    [r] = api.compute(PROGRAMS / "manager-override.yaml", SAMPLE, "2017-Q2").results
    got = {p.person_id: (p.role, p.measures[0][1], p.total) for p in r.people}
    assert {pid for pid, (role, _, _) in got.items() if role == "Sales Manager"} == set(by_manager)
    assert {pid for pid, (role, _, _) in got.items() if role == "Regional Office"} == set(by_office)
    for manager, total in by_manager.items():
        assert got[manager][1] == total, manager
        assert got[manager][2] == (total / 100).quantize(Decimal("0.01")), manager
    for office, total in by_office.items():
        assert got[office][1] == total, office
    # each level counts every deal exactly once
    assert sum(by_manager.values()) == sum(by_office.values()) == Decimal(3_086_111)
    assert sum(got[m][1] for m in by_manager) == sum(got[o][1] for o in by_office) == Decimal(3_086_111)


def test_maven_roster_has_three_levels():
    result = api.compute(PROGRAMS / "manager-override.yaml", SAMPLE, "2017-Q2")
    data = result.data
    assert data.people["Anna Snelling"].manager == "Dustin Brinkmann"
    assert data.people["Dustin Brinkmann"].manager == "Central"
    assert data.people["Central"].manager == ""
    assert {depth(data.parent, pid) for pid in data.people} == {0, 1, 2}


ROSTER = """id,name,role,team,manager,quota
head,Hana Head,Head,HQ,,1
mgr,Mo Manager,Manager,North,head,1
rep1,Ria Rep,Sales Rep,North,mgr,1
rep2,Rob Rep,Sales Rep,North,mgr,1
solo,Sol Solo,Sales Rep,South,head,1
"""
DEALS = deals_csv([
    ("D1", "rep1", "A", "Won", "2026-04-02", "100"),
    ("D2", "rep2", "B", "Won", "2026-04-03", "200"),
    ("D3", "mgr", "C", "Won", "2026-04-04", "40"),
    ("D4", "solo", "D", "Won", "2026-04-05", "7"),
    ("D5", "head", "E", "Won", "2026-04-06", "1"),
])
ROLLUPS = """
schema_version: 1
id: rollups
currency: USD
period: month
measures:
  own: {from: deals, sum: amount, where: {stage: Won}}
  direct: {from: deals, sum: amount, where: {stage: Won}, rollup: direct}
  subtree: {from: deals, sum: amount, where: {stage: Won}, rollup: subtree}
  team: {from: deals, sum: amount, where: {stage: Won}, rollup: team}
  customers: {from: deals, distinct: customer, where: {stage: Won}, rollup: subtree}
components:
  - {id: pay, type: rate, base: subtree, rate: 1%}
"""


def test_direct_subtree_and_team_rollups(ws):
    ws.setup(ROSTER, DEALS, STRICT)
    ws.program("rollups", ROLLUPS)
    [r] = api.compute(ws.programs, ws.data, "2026-04").results
    got = {p.person_id: {n: int(v) for n, v, _ in p.measures} for p in r.people}
    assert got["head"] == {"own": 1, "direct": 1 + 40 + 7, "subtree": 348, "team": 1, "customers": 5}
    assert got["mgr"] == {"own": 40, "direct": 340, "subtree": 340, "team": 340, "customers": 3}
    assert got["rep1"] == {"own": 100, "direct": 100, "subtree": 100, "team": 340, "customers": 1}
    how = next(h for n, _, h in r.people[0].measures if n == "subtree")
    assert how == "sum of amount of the person and everyone below them in deals dated in 2026-04 where stage equals Won"


def test_a_manager_cycle_is_refused_naming_the_people(ws):
    roster = ROSTER.replace("head,Hana Head,Head,HQ,,1", "head,Hana Head,Head,HQ,rep1,1")
    ws.setup(roster, DEALS, STRICT)
    ws.program("rollups", ROLLUPS)
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data))
    assert code == 1
    assert "roster.csv, row 2, column E (manager): error [manager-cycle] people report to each other in a circle: Hana Head (head) -> Ria Rep (rep1) -> Mo Manager (mgr) -> Hana Head (head)" in err


def test_a_manager_who_is_nobody_is_refused_naming_the_person(ws):
    ws.setup(ROSTER.replace("solo,Sol Solo,Sales Rep,South,head,1", "solo,Sol Solo,Sales Rep,South,Nobody Known,1"), DEALS, STRICT)
    ws.program("rollups", ROLLUPS)
    code, _, err = cli("run", "--period", "2026-04", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 1
    assert "roster.csv, row 6, column E (manager): error [unknown-manager] Sol Solo (solo) reports to 'Nobody Known', but 'Nobody Known' is nobody on the roster" in err
    assert not ws.out.exists() or not any(ws.out.iterdir())


def test_managers_may_be_named_by_name_and_outside_managers_may_be_allowed(ws):
    ws.setup(ROSTER.replace("rep2,Rob Rep,Sales Rep,North,mgr,1", "rep2,Rob Rep,Sales Rep,North,Mo Manager,1"), DEALS, STRICT)
    ws.program("rollups", ROLLUPS)
    result = api.compute(ws.programs, ws.data, "2026-04")
    assert result.data.people["rep2"].manager == "mgr"
    ws.setup(ROSTER.replace(",head,1", ",VP Outside,1"), DEALS, STRICT.replace("deals:", "  unknown_managers: allow\ndeals:", 1))
    result = api.compute(ws.programs, ws.data, "2026-04")
    assert result.data.people["mgr"].manager == "VP Outside" and "mgr" not in result.data.parent


def test_added_people_must_report_to_one_manager(ws):
    sources = STRICT.replace("deals:", "  add_people: [{from: team, role: Team, manager_from: region, names: [North]}]\ndeals:", 1).replace("    manager: manager\n", "    manager: manager\n    region: {header: region, required: false}\n")
    roster = "id,name,role,team,manager,quota,region\nana,Ana,Rep,North,,1,East\nbob,Bob,Rep,North,,1,West\n"
    ws.setup(roster, DEALS.splitlines()[0] + "\n", sources)
    ws.program("rollups", ROLLUPS)
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data))
    assert code == 1
    assert "[manager-conflict] 'North' (team) reports to 'West' on this row but to 'East' on row 2" in err


def test_cycles_are_found_once_each():
    assert cycles({"a": "a"}) == [["a"]]
    assert cycles({"a": "b", "b": "a", "c": "d", "d": "c", "e": "a"}) == [["a", "b"], ["c", "d"]]
    assert cycles({"a": "b", "b": "c"}) == []


def test_managers_match_by_name_as_owners_do_ignoring_case_and_spaces(ws):
    ws.setup(ROSTER.replace("rep2,Rob Rep,Sales Rep,North,mgr,1", "rep2,Rob Rep,Sales Rep,North,mo  MANAGER,1"), DEALS, STRICT)
    ws.program("rollups", ROLLUPS)
    result = api.compute(ws.programs, ws.data, "2026-04")
    assert result.data.people["rep2"].manager == "mgr"
