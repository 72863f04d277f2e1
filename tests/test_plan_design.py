"""Plan design as finance writes it (issue 18): fixed amounts per unit, multipliers, per-deal
floors and caps, zero-width bands, grids, scorecards, roster values and company measures.
Every figure is computed by hand in the comment beside it."""

from __future__ import annotations

from decimal import Decimal

from conftest import DEFAULT_SOURCES, Workspace, cli, deals_csv

from incentive_cli import api

ROSTER = "id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,boss,10000\nbob,Bob Ray,Sales Rep,East,boss,10000\n"


def program(components: str, measures: str = "", extra: str = "") -> str:
    return f"""\
schema_version: 1
id: plan
currency: USD
period: month
{extra}
measures:
  revenue: {{from: deals, sum: amount, where: {{stage: Won}}}}
  won: {{from: deals, count: rows, where: {{stage: Won}}}}
  attainment: {{attainment: revenue, target: quota}}
{measures}
targets:
  quota: {{roster: quarterly_quota}}
components:
{components}"""


def lines(ws: Workspace, period: str = "2026-01") -> dict[str, dict[str, Decimal]]:
    """{person: {component: amount}}."""
    [r] = api.compute(ws.programs, ws.data, period).results
    return {p.person_id: {x.component_id: x.amount for x in p.lines} for p in r.people}


def one_line(ws: Workspace, person: str = "ana", period: str = "2026-01"):  # type: ignore[no-untyped-def]
    [r] = api.compute(ws.programs, ws.data, period).results
    [line] = [x for p in r.people if p.person_id == person for x in p.lines]
    return line


DEALS = [("D1", "ana", "a", "Won", "2026-01-05", "1000"), ("D2", "ana", "b", "Won", "2026-01-06", "3000"), ("D3", "ana", "c", "Won", "2026-01-07", "4000"),
         ("D4", "bob", "d", "Won", "2026-01-08", "9000"), ("D5", "bob", "e", "Lost", "2026-01-09", "5000")]


def test_per_unit_pays_a_fixed_amount_for_each_row_and_each_deal_earns_it(ws):
    ws.setup(ROSTER, deals_csv(DEALS))
    ws.program("plan", program("  - {id: per-deal, type: per_unit, measure: won, amount: 50}\n"))
    # ana won 3 deals: 3 x 50 = 150.00; bob 1: 50.00 (his lost deal does not count)
    assert lines(ws) == {"ana": {"per-deal": Decimal("150.00")}, "bob": {"per-deal": Decimal("50.00")}}
    line = one_line(ws)
    assert line.basis == "3 won x 50.00 per row = 150.00"
    assert line.attribution.paid.tolist() == [5000, 5000, 5000]


def test_per_unit_of_a_summed_field_pays_each_unit(ws):
    sources = DEFAULT_SOURCES.replace("    amount: amount\n", "    amount: amount\n    units: {header: units, type: number}\n")
    ws.setup(ROSTER, "deal_id,owner,customer,stage,close_date,amount,units\nU1,ana,a,Won,2026-01-05,100,3\nU2,ana,b,Won,2026-01-06,100,2\n", sources)
    ws.program("plan", program("  - {id: units, type: per_unit, measure: units, amount: 200}\n", "  units: {from: deals, sum: units, where: {stage: Won}}\n"))
    # 3 + 2 units at 200: 600.00 and 400.00, 1,000.00 in all
    line = one_line(ws)
    assert line.amount == Decimal("1000.00")
    assert line.attribution.paid.tolist() == [60000, 40000]


FACTOR = """\
  - id: commission
    type: rate
    base: revenue
    rate: 10%
    factor: {measure: attainment, bands: [{from: 0%, times: 0.5}, {from: 80%, times: 1}, {from: 120%, times: 1.5}]}
"""


def test_a_factor_halves_below_80_percent_and_pays_half_again_above_120(ws):
    ws.setup(ROSTER.replace("bob,Bob Ray,Sales Rep,East,boss,10000", "bob,Bob Ray,Sales Rep,East,boss,7000"), deals_csv(DEALS))
    ws.program("plan", program(FACTOR))
    # ana: 8,000 of 10,000 = 80 %: x1: 800.00; bob: 9,000 of 7,000 = 128.57 % : 900 x 1.5 = 1,350.00
    assert lines(ws) == {"ana": {"commission": Decimal("800.00")}, "bob": {"commission": Decimal("1350.00")}}
    ws.data_file("deals.csv", deals_csv(DEALS[1:]))
    # ana: 7,000 = 70 %: 700 x 0.5 = 350.00, shown with the amount before it
    line = one_line(ws)
    assert line.amount == Decimal("350.00")
    assert line.steps[-1].label == "factor: attainment 70% is in the band from 0%: x0.5"
    assert line.steps[-1].note == "700.00 before the factor"
    assert line.attribution.paid.tolist() == [15000, 20000]  # each deal keeps its share: 300 x 0.5, 400 x 0.5


def test_a_factor_without_bands_multiplies_by_the_measure_itself(ws):
    ws.setup(ROSTER, deals_csv(DEALS))
    ws.program("plan", program("  - {id: c, type: rate, base: revenue, rate: 10%, factor: {measure: attainment}}\n"))
    # ana: 800 x 80 % = 640.00
    assert one_line(ws).amount == Decimal("640.00")


def test_per_deal_floor_and_cap_raise_and_limit_each_deal(ws):
    ws.setup(ROSTER, deals_csv(DEALS))
    ws.program("plan", program("  - {id: c, type: rate, base: revenue, rate: 5%, floor: {per_deal: 75}, cap: {per_deal: 180}}\n"))
    # ana's deals earn 50, 150 and 200: the first raised to 75, the last limited to 180:
    # 75 + 150 + 180 = 405.00
    line = one_line(ws)
    assert line.amount == Decimal("405.00")
    assert line.attribution.paid.tolist() == [7500, 15000, 18000]
    assert [s.label for s in line.steps[-2:]] == ["floor per deal 75.00: 1 deal raised to it", "cap per deal 180.00: 1 deal limited to it"]


def test_a_per_deal_limit_needs_a_line_paid_on_deals(ws):
    ws.setup(ROSTER, deals_csv(DEALS))
    path = ws.program("plan", program("  - {id: b, type: bonus, measure: won, at_least: 2, amount: 100, floor: {per_deal: 5}}\n"))
    code, _, err = cli("validate", str(ws.programs))
    assert code == 1
    assert f"{path}:14:84: error [wrong-type] components[0].floor.per_deal: only a line paid deal by deal has a floor per deal" in err


def test_zero_width_bands_mark_a_threshold(ws):
    ws.setup(ROSTER, deals_csv(DEALS))
    # a first band from 0 to 0, then 2 % to 5,000, a zero-width band at 5,000, 6 % above
    ws.program("plan", program("""\
  - id: c
    type: tiers
    base: revenue
    method: retroactive
    bound: upper
    tiers: [{up_to: 0, rate: 0%}, {up_to: 5000, rate: 2%}, {up_to: 5000, rate: 4%}, {rate: 6%}]
"""))
    # ana 8,000 >= 5,000 passes both bounds at 5,000: 8,000 x 6 % = 480.00; bob 9,000: 540.00
    assert lines(ws) == {"ana": {"c": Decimal("480.00")}, "bob": {"c": Decimal("540.00")}}
    ws.data_file("deals.csv", deals_csv([("D1", "ana", "a", "Won", "2026-01-05", "4000")]))
    steps = one_line(ws).steps
    assert steps[-1].label == "next: 1,000.00 more revenue reaches tier 4 (6%)"  # not the zero-width tier 3
