"""Tier methods, bound rules, scopes, caps, floors and gates, end to end through the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import amounts_by, deals_csv

from incentive_cli import api
from incentive_cli.engine.model import Tier
from incentive_cli.engine.tiers import TierTable, linear

ROSTER = "id,name,role,team,manager,quota\nana,Ana,Sales Rep,East,boss,400\nbob,Bob,Sales Rep,East,boss,400\n"
# Ana: 60 + 50 + 40 = 150 in April, in this order; Bob: exactly 100.
DEALS = deals_csv([
    ("A3", "ana", "c3", "Won", "2026-04-03", "40"),
    ("A1", "ana", "c1", "Won", "2026-04-01", "60"),
    ("B1", "bob", "c9", "Won", "2026-04-09", "100"),
    ("A2", "ana", "c2", "Won", "2026-04-02", "50"),
])

PROGRAM = """
schema_version: 1
id: p
currency: USD
period: month
measures:
  revenue: {{from: deals, sum: amount, where: {{stage: Won}}}}
  attainment: {{attainment: revenue, target: quota}}
targets:
  quota: {{roster: quarterly_quota}}
components:
  - id: c
    type: tiers
    base: revenue
    method: {method}
    bound: {bound}
    scope: {scope}
    tiers:
      - {{up_to: 100, rate: 10%}}
      - {{rate: 20%}}
"""


def run(ws, **kw):  # type: ignore[no-untyped-def]
    ws.setup(ROSTER, DEALS)
    ws.program("p", PROGRAM.format(**{"method": "marginal", "bound": "upper", "scope": "period", **kw}))
    [result] = api.compute(ws.programs, ws.data, "2026-04").results
    return result


@pytest.mark.parametrize(
    ("method", "scope", "ana"),
    [
        ("retroactive", "period", "30.00"),  # 150 x 20%
        ("retroactive", "deal", "15.00"),  # 60x10% + 50x10% + 40x10%
        ("retroactive", "running", "24.00"),  # 60x10% (60), 50x20% (110), 40x20% (150)
        ("marginal", "period", "20.00"),  # 100x10% + 50x20%
        ("marginal", "deal", "15.00"),  # each deal below 100
        ("marginal", "running", "20.00"),  # 6 + (40x10% + 10x20%) + 40x20%
    ],
)
def test_scopes_and_methods_pay_their_own_totals(ws, method, scope, ana):
    assert amounts_by(run(ws, method=method, scope=scope), "c")["ana"] == ana


def test_retroactive_value_on_a_bound_takes_the_declared_tier(ws, tmp_path):
    assert amounts_by(run(ws, method="retroactive", bound="upper"), "c")["bob"] == "20.00"


def test_retroactive_value_on_a_bound_with_bound_lower_stays_in_the_lower_tier(ws):
    assert amounts_by(run(ws, method="retroactive", bound="lower"), "c")["bob"] == "10.00"


@pytest.mark.parametrize(("bound", "last_tier"), [("upper", "tier 2 (20%)"), ("lower", "tier 1 (10%)")])
def test_marginal_value_on_a_bound_pays_the_same_but_sits_in_the_declared_tier(ws, bound, last_tier):
    result = run(ws, method="marginal", bound=bound)
    bob = next(p for p in result.people if p.person_id == "bob")
    [line] = bob.lines
    assert line.amount == Decimal("10.00")
    assert [s.label for s in line.steps if s.rate is not None][-1] == last_tier


def test_tiers_on_attainment_scale_their_bounds_by_the_persons_target(ws):
    ws.setup(ROSTER, DEALS)
    ws.program("p", """
        schema_version: 1
        id: p
        currency: USD
        period: month
        measures:
          revenue: {from: deals, sum: amount}
          attainment: {attainment: revenue, target: quota}
        targets:
          quota: {roster: quarterly_quota}
        components:
          - id: accel
            type: tiers
            base: revenue
            measure: attainment
            method: marginal
            bound: upper
            tiers:
              - {up_to: 25%, rate: 10%}
              - {rate: 50%}
    """)
    [result] = api.compute(ws.programs, ws.data, "2026-04").results
    # quota 400: the 25% bound is revenue 100. Ana 150 -> 100x10% + 50x50% = 35; Bob 100 -> 10
    assert amounts_by(result, "accel") == {"ana": "35.00", "bob": "10.00"}


def test_linear_pays_the_straight_line_between_points():
    points = (Tier(at=Decimal("0.5"), pays=Decimal(0)), Tier(at=Decimal("1.0"), pays=Decimal(1000)), Tier(at=Decimal("1.5"), pays=Decimal(3000)))
    got = {x: linear(Decimal(x), points)[0] for x in ("0.4", "0.5", "0.75", "1.0", "1.1", "1.25", "2")}
    assert got == {"0.4": 0, "0.5": 0, "0.75": 500, "1.0": 1000, "1.1": 1400, "1.25": 2000, "2": 3000}


def test_linear_component_end_to_end(ws):
    ws.setup(ROSTER, DEALS)
    ws.program("p", """
        schema_version: 1
        id: p
        currency: USD
        period: month
        measures:
          revenue: {from: deals, sum: amount}
          attainment: {attainment: revenue, target: quota}
        targets:
          quota: {fixed: 200}
        components:
          - id: kicker
            type: tiers
            measure: attainment
            method: linear
            tiers:
              - {at: 50%, pays: 0}
              - {at: 100%, pays: 1000}
    """)
    [result] = api.compute(ws.programs, ws.data, "2026-04").results
    assert amounts_by(result, "kicker") == {"ana": "500.00", "bob": "0.00"}  # 75% and 50%


COMPONENT_RULES = """
schema_version: 1
id: p
currency: USD
period: month
measures:
  revenue: {{from: deals, sum: amount}}
  attainment: {{attainment: revenue, target: quota}}
targets:
  quota: {{fixed: 200}}
components:
  - id: c
    type: rate
    base: revenue
    rate: 10%
    {rule}
"""


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("cap: 12", {"ana": "12.00", "bob": "10.00"}),  # 15 capped; 10 untouched
        ("floor: 11", {"ana": "15.00", "bob": "11.00"}),  # 10 raised
        ("gate: {measure: attainment, at_least: 60%}", {"ana": "15.00", "bob": "0.00"}),  # 75% passes, 50% does not
        ("gate: {measure: attainment, above: 50%}", {"ana": "15.00", "bob": "0.00"}),  # 50% is not above 50%
        ("gate: {measure: attainment, at_least: 50%}", {"ana": "15.00", "bob": "10.00"}),
    ],
)
def test_cap_limits_floor_raises_gate_zeroes(ws, rule, expected):
    ws.setup(ROSTER, DEALS)
    ws.program("p", COMPONENT_RULES.format(rule=rule))
    [result] = api.compute(ws.programs, ws.data, "2026-04").results
    assert amounts_by(result, "c") == expected


def test_floor_does_not_lift_a_gated_payout(ws):
    ws.setup(ROSTER, DEALS)
    ws.program("p", COMPONENT_RULES.format(rule="floor: 11\n    gate: {measure: attainment, at_least: 60%}"))
    [result] = api.compute(ws.programs, ws.data, "2026-04").results
    assert amounts_by(result, "c") == {"ana": "15.00", "bob": "0.00"}


def test_tier_table_index_respects_the_bound_rule():
    tiers = (Tier(up_to=Decimal(100), rate=Decimal("0.1")), Tier(rate=Decimal("0.2")))
    assert TierTable.of(tiers, "upper").index(Decimal(100)) == 1
    assert TierTable.of(tiers, "lower").index(Decimal(100)) == 0
    assert TierTable.of(tiers, "lower").index(Decimal("100.01")) == 1


def test_next_tier_distance_is_stated(ws):
    ws.setup("id,name,role,team,manager,quota\ncid,Cid,Sales Rep,East,boss,400\n", deals_csv([("C1", "cid", "c", "Won", "2026-04-05", "87.50")]))
    ws.program("p", PROGRAM.format(method="marginal", bound="upper", scope="period"))
    [result] = api.compute(ws.programs, ws.data, "2026-04").results
    [cid] = result.people
    assert [s.label for s in cid.lines[0].steps][-1] == "next: 12.50 more revenue reaches tier 2 (20%)"
