"""Cohorts and their slab ladders (catalogue kind 1, "Super Stars")."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal

import pytest
from conftest import DEFAULT_SOURCES, PROGRAMS, SAMPLE, cli, deals_csv, won_by_agent

from incentive_cli import api
from incentive_cli.engine.cohorts import assign_cohorts, build_ladder, cohort_sizes
from incentive_cli.engine.model import CohortGroup, Cohorts, Ladder

D = Decimal
THREE = Cohorts("revenue", (CohortGroup("Super Stars", D("0.1")), CohortGroup("Achievers", D("0.3")), CohortGroup("Tail", D("0.6"))), "Tail")


def test_cohort_sizes_are_shares_rounded_half_up_at_least_one_and_the_last_takes_the_rest():
    shares = [g.share for g in THREE.groups]
    assert cohort_sizes(shares, 35) == [4, 11, 20]  # 3.5 -> 4, 10.5 -> 11, the rest 20 (not 21)
    assert cohort_sizes(shares, 10) == [1, 3, 6]
    assert cohort_sizes(shares, 4) == [1, 1, 2]  # 0.4 -> at least one; 1.2 -> 1
    assert cohort_sizes(shares, 1) == [1, 0, 0]  # a population of one is the top cohort
    assert cohort_sizes(shares, 0) == [0, 0, 0]
    assert cohort_sizes([D("0.25"), D("0.75")], 2) == [1, 1]  # 0.5 rounds half up to 1


def _place(values: dict[str, int | None], spec: Cohorts = THREE) -> dict[str, str]:
    vals = {p: (None if v is None else D(v)) for p, v in values.items()}
    return {p: c.cohort for p, c in assign_cohorts(spec, "2026-Q1", vals, {p: p for p in values}).items()}


def test_people_tied_on_a_cut_line_go_to_the_better_cohort():
    spec = Cohorts("revenue", (CohortGroup("Top", D("0.2")), CohortGroup("Middle", D("0.3")), CohortGroup("Tail", D("0.5"))), "Tail")
    # ten people; the top cohort takes 2, but b and c tie on its cut, so both are in it
    values = {"a": 100, "b": 90, "c": 90, "d": 80, "e": 70, "f": 60, "g": 60, "h": 50, "i": 40, "j": 30}
    got = _place(values, spec)
    assert [p for p in values if got[p] == "Top"] == ["a", "b", "c"]
    # the cuts are cumulative (2 + 3 = 5): the middle keeps d and e; f and g tie across no cut
    assert [p for p in values if got[p] == "Middle"] == ["d", "e"]
    assert [p for p in values if got[p] == "Tail"] == ["f", "g", "h", "i", "j"]
    # a tie on the middle's cut line: e and f tie, so f joins the middle
    values["f"] = 70
    got = _place(values, spec)
    assert [p for p in values if got[p] == "Middle"] == ["d", "e", "f"]


def test_people_without_history_go_to_the_declared_cohort_default_the_last():
    values = {"a": 100, "b": 50, "new": None}
    assert _place(values)["new"] == "Tail"
    spec = Cohorts("revenue", THREE.groups, "Achievers")
    assert _place(values, spec)["new"] == "Achievers"
    places = assign_cohorts(THREE, "2026-Q1", {"a": D(100), "b": D(50), "new": None}, {})
    assert places["new"].rank is None and places["new"].value is None
    assert "no history in 2026-Q1" in places["new"].text
    # two ranked people: the top takes one (at least one), the achievers one (0.6 -> 1); the
    # tail holds only the newcomer, so it has no average or maximum
    assert places["b"].cohort == "Achievers" and places["b"].average == D(50) and places["b"].size == 1
    assert places["new"].cohort == "Tail" and places["new"].average is None and places["new"].size == 1
    assert places["new"].text == "no history in 2026-Q1; no member of the cohort has history; 1 person"


def test_cohort_average_and_maximum_are_over_members_with_history():
    values = {f"p{i}": 1000 * i for i in range(1, 11)}  # 1,000 ... 10,000
    places = assign_cohorts(THREE, "2026-Q1", {p: D(v) for p, v in values.items()}, {})
    top, mid, tail = places["p10"], places["p8"], places["p1"]
    assert (top.cohort, top.average, top.maximum, top.size) == ("Super Stars", D(10000), D(10000), 1)
    assert (mid.cohort, mid.average, mid.maximum, mid.size) == ("Achievers", D(8000), D(9000), 3)
    assert (tail.cohort, tail.average, tail.maximum, tail.size) == ("Tail", D(3500), D(6000), 6)
    assert mid.text == "rank 3 of 10 by revenue in 2026-Q1 (8,000); cohort average 8,000, maximum 9,000; 3 people"


ACCEPTANCE_LADDER = Ladder(stretch=D("1.05"), rate=D("0.025"), step=D(500), top_pays=D(320))


def test_the_super_stars_ladder_reproduces_exactly():
    steps, how = build_ladder(ACCEPTANCE_LADDER, D(10000), D(12000))
    assert [(s.bound, s.pays) for s in steps] == [(D(10000), D(250)), (D(10501), D(262)), (D(11001), D(275)), (D(11501), D(287)), (D(12001), D(300)), (D(12501), D(320))]
    assert "up to 105% of the cohort maximum 12,000 = 12,600" in how
    # without the raised top slab, the open slab pays its rate of 12,501 rounded down
    plain, _ = build_ladder(Ladder(stretch=D("1.05"), rate=D("0.025"), step=D(500)), D(10000), D(12000))
    assert plain[-1].pays == D(312)
    # step_share: 5% of the average is the same 500
    shared, _ = build_ladder(Ladder(stretch=D("1.05"), rate=D("0.025"), step_share=D("0.05"), top_pays=D(320)), D(10000), D(12000))
    assert shared == steps


def test_a_ladder_for_a_cohort_of_one_has_a_closed_slab_and_the_open_one():
    steps, _ = build_ladder(ACCEPTANCE_LADDER, D(10000), D(10000))
    assert [s.bound for s in steps] == [D(10000), D(10501)]


SUPER_STARS = """
schema_version: 1
id: super-stars
currency: USD
period: quarter
rounding: {places: 2, mode: half_up}
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
cohorts:
  measure: revenue
  groups:
    - {name: Super Stars, share: 20%}
    - {name: Achievers, share: 30%}
    - {name: Tail, share: 50%}
components:
  - id: super-stars
    name: Super Stars slabs
    type: slabs
    measure: revenue
    eligible: {cohorts: [Super Stars]}
    ladder: {start: average, stretch: 105%, step: 500, rate: 2.5%, round: down, places: 0, top_pays: 320}
"""

# Q1 2026: the two best (8,000 and 12,000) form the top cohort: average 10,000, maximum 12,000.
Q1 = [("ana", 12000), ("bob", 8000), ("cy", 5000), ("dee", 4000), ("eve", 3000), ("fay", 2000), ("gus", 1500), ("hal", 1000), ("ivy", 500), ("jo", 100)]
ROSTER = "id,name,role,team,manager,quota\n" + "".join(f"{p},{p.title()},Sales Rep,East,boss,1\n" for p, _ in Q1)


def _deals(q2_ana: str) -> str:
    rows = [(f"Q1{p}", p, "Acme", "Won", "2026-02-10", str(v)) for p, v in Q1]
    rows.append(("Q2ana", "ana", "Acme", "Won", "2026-05-02", q2_ana))
    rows.append(("Q2bob", "bob", "Acme", "Won", "2026-05-03", "9999"))
    return deals_csv(rows)


@pytest.mark.parametrize(("revenue", "pays"), [("9999", "0.00"), ("10000", "250.00"), ("10500", "250.00"), ("10501", "262.00"), ("10750", "262.00"), ("11001", "275.00"), ("11501", "287.00"), ("12001", "300.00"), ("12500", "300.00"), ("12501", "320.00"), ("12600", "320.00")])
def test_super_stars_pay_the_acceptance_examples(ws, revenue, pays):
    ws.setup(ROSTER, _deals(revenue))
    ws.program("super-stars", SUPER_STARS)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    paid = {p.person_id: str(p.lines[0].amount) for p in r.people if p.lines}
    assert paid == {"ana": pays, "bob": "0.00"}  # only the top cohort takes part; bob's 9,999 is below 10,000
    ana = next(p for p in r.people if p.person_id == "ana")
    assert ana.cohort is not None and (ana.cohort.cohort, ana.cohort.average, ana.cohort.maximum) == ("Super Stars", D(10000), D(12000))


def test_every_person_gets_a_cohort_shown_on_statements_and_in_explain(ws, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # explain prints a table; keep each row on one line
    ws.setup(ROSTER, _deals("10750"))
    ws.program("super-stars", SUPER_STARS)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    cohorts = {p.person_id: p.cohort.cohort for p in r.people if p.cohort}
    assert cohorts == {"ana": "Super Stars", "bob": "Super Stars", "cy": "Achievers", "dee": "Achievers", "eve": "Achievers",
                       "fay": "Tail", "gus": "Tail", "hal": "Tail", "ivy": "Tail", "jo": "Tail"}
    code, out, err = cli("explain", "ana", "--period", "2026-Q2", "--programs", str(ws.programs), "--data", str(ws.data))
    assert code == 0, err
    assert "Super Stars" in out and "cohort average 10,000, maximum 12,000" in out
    assert "slab 10,501 to 11,000: reached" in out
    code, _, err = cli("run", "--period", "2026-Q2", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 0, err
    from openpyxl import load_workbook

    [statement] = (ws.out / "2026-Q2" / "statements").glob("*_ana_*.xlsx")
    wb = load_workbook(statement)
    texts = [str(c.value) for row in wb["super-stars"].iter_rows() for c in row if c.value is not None]
    assert "cohort" in texts and "Super Stars" in texts
    assert any("cohort average 10,000, maximum 12,000; 2 people" in t for t in texts)
    reg = load_workbook(ws.out / "2026-Q2" / "register.xlsx")
    rows = list(reg["Cohorts"].iter_rows(values_only=True))
    assert rows[0][:8] == ("Program", "Person id", "Person", "Cohort", "Rank", "Reference value", "Cohort average", "Cohort maximum")
    assert ("super-stars", "cy", "Cy", "Achievers", 3) == rows[3][:5]


def test_a_cohort_can_have_its_own_slab_table_instead_of_a_ladder(ws):
    table = SUPER_STARS.replace("    ladder: {start: average, stretch: 105%, step: 500, rate: 2.5%, round: down, places: 0, top_pays: 320}", """    slabs:
      - {from: 10000, pays: 250}
      - {from: 12501, pays: 320}
  - id: achievers
    name: Achievers slabs
    type: slabs
    measure: revenue
    eligible: {cohorts: [Achievers]}
    slabs:
      - {from: 4000, pays: 100}""")
    ws.setup(ROSTER, _deals("12600") + "Q2cy,cy,Acme,Won,2026-05-09,4000\n")
    ws.program("super-stars", table)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    lines = {(p.person_id, ln.component_id): str(ln.amount) for p in r.people for ln in p.lines}
    assert lines == {("ana", "super-stars"): "320.00", ("bob", "super-stars"): "0.00", ("cy", "achievers"): "100.00", ("dee", "achievers"): "0.00", ("eve", "achievers"): "0.00"}


def test_a_population_with_no_history_all_goes_to_the_tail_and_is_paid_nothing_with_a_reason(ws):
    rows = [("Q2ana", "ana", "Acme", "Won", "2026-05-02", "50000")]
    ws.setup(ROSTER, deals_csv(rows))
    ws.program("super-stars", SUPER_STARS.replace("eligible: {cohorts: [Super Stars]}", "eligible: {cohorts: [Super Stars, Tail]}"))
    result = api.compute(ws.programs, ws.data, "2026-Q2")
    [r] = result.results
    assert {p.cohort.cohort for p in r.people if p.cohort} == {"Tail"}
    ana = next(p for p in r.people if p.person_id == "ana")
    assert ana.total == 0
    assert "cohort Tail: nobody in it has history in 2026-Q1, so it has no ladder" in ana.lines[0].basis
    assert not [d for d in result.diagnostics if d.is_error]


def test_a_new_hire_goes_to_the_no_history_cohort(ws):
    sources = DEFAULT_SOURCES.replace("    quarterly_quota:", "    hire_date: {header: hired, required: false}\n    quarterly_quota:")
    roster = "id,name,role,team,manager,quota,hired\n" + "".join(f"{p},{p.title()},Sales Rep,East,boss,1,2020-01-01\n" for p, _ in Q1) + "new,New,Sales Rep,East,boss,1,2026-02-01\n"
    ws.setup(roster, _deals("10000") + "Q1new,new,Acme,Won,2026-03-01,99999\n", sources)
    ws.program("super-stars", SUPER_STARS)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    new = next(p for p in r.people if p.person_id == "new")
    assert new.cohort is not None and new.cohort.cohort == "Tail" and new.cohort.rank is None
    ana = next(p for p in r.people if p.person_id == "ana")
    assert ana.cohort is not None and ana.cohort.maximum == D(12000)  # the new hire's 99,999 is not history


def test_cohort_shares_must_add_up_to_100_percent(ws):
    ws.setup(ROSTER, _deals("1"))
    ws.program("super-stars", SUPER_STARS.replace("share: 50%", "share: 49%"))
    code, _, err = cli("validate", str(ws.programs))
    assert code == 1
    assert "super-stars.yaml:11:5: error [bad-shares] cohorts.groups: the shares add up to 99%, not 100%" in err


def test_a_ladder_with_too_many_slabs_is_refused_naming_the_cohort(ws):
    ws.setup(ROSTER, _deals("1"))
    ws.program("super-stars", SUPER_STARS.replace("step: 500", "step: 1"))
    code, _, err = cli("run", "--period", "2026-Q2", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 1
    assert "[ladder-too-long] components.super-stars.ladder: for cohort 'Super Stars', steps of 1 from 10,000 to 12,600 make more than 200 slabs" in err


# --- the real data -------------------------------------------------------------------------


def test_maven_cohorts_of_2017_q2_by_q1_won_revenue_match_a_plain_python_computation():
    with (SAMPLE / "roles.csv").open(newline="") as f:
        sdrs = {row["sales_agent"] for row in csv.DictReader(f)}
    with (SAMPLE / "sales_teams.csv").open(newline="") as f:
        agents = [row["sales_agent"] for row in csv.DictReader(f) if row["sales_agent"] not in sdrs]  # the program is for Sales Reps
    q1 = won_by_agent("2017-01-01", "2017-03-31")
    value = {a: q1.get(a, Decimal(0)) for a in agents}
    # the rule, written out plainly: rank by value; sizes 10 % and 30 % of 35 rounded half up
    order = sorted(agents, key=lambda a: -value[a])
    n = len(order)
    top_n = int((Decimal("0.1") * n).quantize(Decimal(1), ROUND_HALF_UP))
    mid_n = int((Decimal("0.3") * n).quantize(Decimal(1), ROUND_HALF_UP))
    expected = {}
    for i, a in enumerate(order):
        expected[a] = "Super Stars" if i < top_n else "Rising Stars" if i < top_n + mid_n else "Steady"
    for i, a in enumerate(order):  # a tie with the person just above a cut joins the better cohort
        if i and value[a] == value[order[i - 1]]:
            expected[a] = expected[order[i - 1]]
    result = api.compute(PROGRAMS / "super-stars.yaml", SAMPLE, "2017-Q2")
    [r] = result.results
    got = {p.person_id: p.cohort.cohort for p in r.people if p.cohort}
    assert got == expected
    assert (n, top_n, mid_n) == (30, 3, 9)
    for name in ("Super Stars", "Rising Stars", "Steady"):
        members = [a for a in agents if expected[a] == name]
        place = next(p.cohort for p in r.people if p.cohort and p.cohort.cohort == name)
        assert round(place.average, 10) == round(sum(value[a] for a in members) / len(members), 10)
        assert place.maximum == max(value[a] for a in members)
