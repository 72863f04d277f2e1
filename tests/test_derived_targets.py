"""Targets derived from the reference period: KPIs and micro-KPIs (catalogue kind 4) and
behaviour ratios (kind 7), with the edge cases: one person, no history, σ = 0."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import PROGRAMS, SAMPLE, deals_csv

from incentive_cli import api
from incentive_cli.engine.compute import statistic
from incentive_cli.engine.model import Target

D = Decimal


def _stat(values: list[int | str], k: str = "2", clip: bool = True) -> Decimal | None:
    t = Target("t", "statistic", statistic="mean_plus_k_sigma", of="m", k=D(k), clip=clip)
    return statistic(t, [D(v) for v in values], "2026-Q1")[0]


def test_mean_plus_two_sigma_uses_the_population_sigma_and_is_clipped_into_average_and_maximum():
    # mean 5, population σ 2 (the sample σ would be 2.14): mean + 2σ = 9 = the maximum
    assert _stat([2, 4, 4, 4, 5, 5, 7, 9]) == D(9)
    # mean 2, σ 0.8165: 3.633 is above the maximum 3, so it is clipped to 3
    assert _stat([1, 2, 3]) == D(3)
    assert round(_stat([1, 2, 3], clip=False), 4) == D("3.6330")  # type: ignore[arg-type]
    # k = -1 lands below the mean, and the clip raises it to the mean
    assert _stat([2, 4, 4, 4, 5, 5, 7, 9], k="-1") == D(5)
    # mean + 1σ within the range: 7.6 + 6.28 = 13.88
    assert round(_stat([3, 4, 5, 6, 20], k="1"), 2) == D("13.88")  # type: ignore[arg-type]


def test_a_population_of_one_sets_the_target_at_its_own_value():
    value, how = statistic(Target("t", "statistic", statistic="mean_plus_k_sigma", of="demos", k=D(2), clip=True), [D(7)], "2026-Q1")
    assert value == D(7)
    assert how == "mean + 2σ of demos in 2026-Q1 (mean 7, σ 0, 1 person) = 7"


def test_sigma_zero_gives_the_mean_and_nobody_gives_no_target():
    assert _stat([4, 4, 4], k="3") == D(4)
    value, how = statistic(Target("t", "statistic", statistic="mean_plus_k_sigma", of="demos", k=D(2)), [], "2026-Q1")
    assert value is None and "nobody has a value" in how
    value, how = statistic(Target("t", "statistic", statistic="mean_plus_k_sigma", of="demos", k=D(2)), [D(0), D(0)], "2026-Q1")
    assert value is None and how.endswith("= 0, and a target of 0 would pay for nothing done")


KPI_PROGRAM = """
schema_version: 1
id: closers
currency: USD
period: quarter
measures:
  won_deals: {from: deals, count: rows, where: {stage: Won}}
targets:
  won_target: {statistic: mean_plus_k_sigma, of: won_deals, k: 2, clip: true, round: up}
components:
  - id: won
    name: Deals won
    type: milestones
    measure: won_deals
    milestones:
      - {at: 50%, target: won_target, pays: 50}
      - {at: 75%, target: won_target, pays: 75}
      - {at: 100%, target: won_target, pays: 100, badge: Super Closer}
"""

ROSTER = "id,name,role,team,manager,quota\n" + "".join(f"{p},{p.title()},Sales Rep,East,boss,1\n" for p in ("ana", "bob", "cy", "dee"))


def _kpi_deals(q1: dict[str, int], q2: dict[str, list[str]]) -> str:
    rows = [(f"Q1{p}{i}", p, f"C{i}", "Won", "2026-02-10", "100") for p, n in q1.items() for i in range(n)]
    rows += [(f"Q2{p}{i}", p, f"C{i}", "Won", day, "100") for p, days in q2.items() for i, day in enumerate(days)]
    return deals_csv(rows)


def test_kpi_target_is_mean_plus_two_sigma_clipped_rounded_up_with_milestones_that_each_pay(ws):
    # Q1 won deals: 1, 2, 3, 6 -> mean 3, σ 1.8708; mean + 2σ = 6.74 > max 6 -> clipped to 6
    q2 = {"ana": ["2026-04-01", "2026-04-02", "2026-04-09"], "bob": ["2026-05-01"] * 5, "cy": ["2026-06-01"] * 6, "dee": ["2026-06-30"] * 2}
    ws.setup(ROSTER, _kpi_deals({"ana": 1, "bob": 2, "cy": 3, "dee": 6}, q2))
    ws.program("closers", KPI_PROGRAM)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    people = {p.person_id: p for p in r.people}
    target = people["ana"].targets[0]
    assert target[1] == D(6)
    assert target[2] == "mean + 2σ of won_deals in 2026-Q1 (mean 3, σ 1.8708, 4 people), clipped into [mean, max] = [3, 6] = 6"
    # milestones at 3, 4.5 and 6 deals: 3 pays 50; 5 pays 50 + 75; 6 pays all three; 2 pays nothing
    assert {p: str(x.total) for p, x in people.items()} == {"ana": "50.00", "bob": "125.00", "cy": "225.00", "dee": "0.00"}
    # the third milestone's badge is dated the day the running count reached 6
    assert [(a.name, a.earned_on.isoformat()) for _, a in people["cy"].awards] == [("Super Closer", "2026-06-01")]
    ana_steps = [s.label for s in people["ana"].lines[0].steps]
    assert ana_steps[0] == "milestone at 50% of won_target = 3: reached"
    assert ana_steps[1] == "milestone at 75% of won_target = 4.5: not reached"


def test_kpi_counts_are_rounded_up(ws):
    # Q1: 1, 1, 2, 2 -> mean 1.5, σ 0.5; mean + 1σ = 2 exactly; with k 0.5: 1.75 -> rounded up to 2
    ws.setup(ROSTER, _kpi_deals({"ana": 1, "bob": 1, "cy": 2, "dee": 2}, {"ana": ["2026-04-01"]}))
    ws.program("closers", KPI_PROGRAM.replace("k: 2,", "k: 0.5,"))
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    value, how = r.people[0].targets[0][1:]
    assert value == D(2)
    assert how.endswith("= 1.75, rounded up to 2")


def test_no_history_gives_no_target_a_warning_and_no_payout_not_an_error(ws):
    ws.setup(ROSTER, _kpi_deals({}, {"ana": ["2026-04-01"] * 9}))
    ws.program("closers", KPI_PROGRAM)
    result = api.compute(ws.programs, ws.data, "2026-Q2")
    [r] = result.results
    assert [d.code for d in result.diagnostics] == ["no-target"]
    assert not result.diagnostics[0].is_error
    assert result.diagnostics[0].message == "target 'won_target': mean_plus_k_sigma of won_deals in 2026-Q1: nobody has a value, so it has no value in 2026-Q2 and what depends on it pays nothing"
    ana = r.people[0]
    assert ana.total == 0 and ana.targets[0][1] is None
    assert "50% of target won_target: no target" in ana.lines[0].basis


ALLROUNDER = """
schema_version: 1
id: allrounder
currency: USD
period: quarter
measures:
  won: {from: deals, count: rows, where: {stage: Won}}
  closed: {from: deals, count: rows, where: {stage: [Won, Lost]}}
  win_rate: {divide: won, by: closed, min_denominator: 5}
targets:
  rate_2s: {statistic: mean_plus_k_sigma, of: win_rate, k: 2}
  rate_3s: {statistic: mean_plus_k_sigma, of: win_rate, k: 3}
components:
  - id: win-rate
    name: Win rate
    type: milestones
    measure: win_rate
    milestones:
      - {target: rate_2s, pays: 100}
      - {target: rate_3s, pays: 50}
"""


def _closed(who: str, quarter_day: str, won: int, lost: int) -> list[tuple[str, str, str, str, str, str]]:
    return [(f"{who}{quarter_day}W{i}", who, "C", "Won", quarter_day, "10") for i in range(won)] + [(f"{who}{quarter_day}L{i}", who, "C", "Lost", quarter_day, "10") for i in range(lost)]


def test_behaviour_thresholds_are_mean_plus_2_and_3_sigma_and_a_small_denominator_does_not_count(ws):
    # Q1 win rates: ana 2/10, bob 4/10, cy 6/10 -> mean 0.4, σ 0.163299; dee 1/1 is below the
    # minimum of 5 closed deals, so dee is left out of the population (and is not 100 %)
    q1 = _closed("ana", "2026-02-01", 2, 8) + _closed("bob", "2026-02-01", 4, 6) + _closed("cy", "2026-02-01", 6, 4) + _closed("dee", "2026-02-01", 1, 0)
    # thresholds 0.4 + 2σ = 0.726599, 0.4 + 3σ = 0.889898
    q2 = _closed("ana", "2026-05-01", 7, 3) + _closed("bob", "2026-05-01", 9, 1) + _closed("cy", "2026-05-01", 5, 5) + _closed("dee", "2026-05-01", 2, 0)
    ws.setup(ROSTER, deals_csv(q1 + q2))
    ws.program("allrounder", ALLROUNDER)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    people = {p.person_id: p for p in r.people}
    t2 = people["ana"].targets[0]
    assert round(t2[1], 6) == D("0.726599")
    assert t2[2] == "mean + 2σ of win_rate in 2026-Q1 (mean 40%, σ 16.3299%, 3 people) = 72.6599%"
    assert round(people["ana"].targets[1][1], 6) == D("0.889898")
    # ana 70 % reaches neither; bob 90 % both; cy 50 % none; dee 2 of 2 is below the minimum
    assert {p: str(x.total) for p, x in people.items()} == {"ana": "0.00", "bob": "150.00", "cy": "0.00", "dee": "0.00"}
    assert dict((n, v) for n, v, _ in people["dee"].measures)["win_rate"] == 0


def test_behaviour_with_sigma_zero_sets_the_threshold_at_the_mean(ws):
    q1 = _closed("ana", "2026-02-01", 5, 5) + _closed("bob", "2026-02-01", 5, 5)
    q2 = _closed("ana", "2026-05-01", 5, 5) + _closed("bob", "2026-05-01", 4, 6)
    ws.setup(ROSTER, deals_csv(q1 + q2))
    ws.program("allrounder", ALLROUNDER)
    [r] = api.compute(ws.programs, ws.data, "2026-Q2").results
    people = {p.person_id: p for p in r.people}
    assert people["ana"].targets[0][1] == people["ana"].targets[1][1] == D("0.5")
    assert str(people["ana"].total) == "150.00"  # 50 % reaches both thresholds at the mean
    assert str(people["bob"].total) == "0.00"


@pytest.fixture(scope="module")
def maven_q2():
    return api.compute(PROGRAMS, SAMPLE, "2017-Q2")


def test_maven_super_closers_targets_are_derived_from_2017_q1(maven_q2):
    r = next(x for x in maven_q2.results if x.program.id == "super-closers")
    darcel = next(p for p in r.people if p.person_id == "Darcel Schlecht")
    targets = {n: v for n, v, _ in darcel.targets}
    # mean + 2σ of 2017-Q1 won deals per agent (35 agents): 15.1714 + 2 x 10.2859 = 35.74 -> 36
    assert targets["won_target"] == D(36)
    assert targets["accounts_target"] == D(22)  # clipped to the maximum
    assert str(darcel.total) == "1275.00"
