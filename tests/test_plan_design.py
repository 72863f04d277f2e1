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


# --- grids, scorecards, roster values, company measures, expressions -------------------------

TARGET_SOURCES = DEFAULT_SOURCES.replace("    quarterly_quota: {header: quota, type: money, required: false}\n", "    quarterly_quota: {header: quota, type: money, required: false}\n    target_bonus: {header: bonus, type: money, required: false}\n    salary: {header: salary, type: money, required: false}\n")
PEOPLE = "id,name,role,team,manager,quota,bonus,salary\nana,Ana Lima,Sales Rep,East,boss,10000,10000,60000\nbob,Bob Ray,Sales Rep,East,boss,10000,5000,50000\n"
GRID = """\
  - id: grid
    type: grid
    of: bonus
    rows: {measure: attainment, from: [80%, 100%, 120%]INTERP}
    columns: {measure: margin_att, from: [90%, 100%, 110%]INTERP}
    table:
      - [50%, 60%, 70%]
      - [80%, 100%, 110%]
      - [100%, 120%, 150%]
"""
GRID_MEASURES = "  bonus: {roster: target_bonus}\n  margin_att: {expr: \"revenue / 8000 * 95%\"}\n"


def test_a_grid_looks_up_the_payout_by_two_attainments_in_steps_or_interpolated(ws):
    # ana sells 10,500 of a 10,000 quota (105 %), and her margin attainment (an expression
    # made to give 95 % on her 10,500) is 0.95
    ws.setup(PEOPLE, deals_csv([("D1", "ana", "a", "Won", "2026-01-05", "10500"), ("D2", "bob", "b", "Won", "2026-01-05", "7000")]), TARGET_SOURCES)
    ws.program("plan", program(GRID.replace("INTERP", ""), GRID_MEASURES.replace("revenue / 8000 * 95%", "revenue / 10500 * 95%")))
    # ana: attainment 105 % (row from 100 %), margin 95 % (column from 90 %): 80 % of 10,000 = 8,000.00
    # bob: attainment 70 % is below the first row bound: off the grid
    got = lines(ws)
    assert got == {"ana": {"grid": Decimal("8000.00")}, "bob": {"grid": Decimal("0.00")}}
    assert one_line(ws).steps[0].label == "attainment 105% (band from 100%) x margin_att 0.95 (band from 0.9): 80% of bonus 10,000.00"
    ws.program("plan", program(GRID.replace("INTERP", ", interpolate: true"), GRID_MEASURES.replace("revenue / 8000 * 95%", "revenue / 10500 * 95%")))
    # interpolated: 105 % is a quarter of the way from 100 % to 120 %, 95 % halfway from 90 % to
    # 100 %: rows 100 % -> 80 + (100 - 80) / 2 = 90 %; 120 % -> 100 + (120 - 100) / 2 = 110 %;
    # then 90 + (110 - 90) x 0.25 = 95 % of 10,000 = 9,500.00
    assert lines(ws)["ana"] == {"grid": Decimal("9500.00")}


SCORECARD = """\
  - id: scorecard
    type: scorecard
    of: bonus
    kpis:
      - {name: Revenue, measure: attainment, weight: 60%, curve: [{at: 80%, pays: 50%}, {at: 100%, pays: 100%}, {at: 150%, pays: 200%}]}
      - {name: Deals won, measure: won, weight: 40%, curve: [{at: 2, pays: 50%}, {at: 4, pays: 100%}]}
"""


def test_a_scorecard_weighs_kpis_each_scored_on_its_curve(ws):
    ws.setup(PEOPLE, deals_csv([("D1", "ana", "a", "Won", "2026-01-05", "4000"), ("D2", "ana", "b", "Won", "2026-01-06", "5000"), ("D3", "ana", "c", "Won", "2026-01-07", "100"),
                                ("D4", "ana", "d", "Won", "2026-01-08", "100"), ("D5", "ana", "e", "Won", "2026-01-09", "800"), ("D6", "bob", "f", "Won", "2026-01-05", "7900")]), TARGET_SOURCES)
    ws.program("plan", program(SCORECARD, "  bonus: {roster: target_bonus}\n"))
    # ana: attainment 10,000 / 10,000 = 100 % scores 100 %; 5 deals won is past the last point: 100 %
    # -> 60 % x 100 % + 40 % x 100 % = 100 % of 10,000 = 10,000.00
    # bob: attainment 79 % is below the first point: 0; 1 deal is below 2: 0 -> 0.00
    assert lines(ws) == {"ana": {"scorecard": Decimal("10000.00")}, "bob": {"scorecard": Decimal("0.00")}}
    ws.data_file("deals.csv", deals_csv([("D1", "ana", "a", "Won", "2026-01-05", "9000"), ("D2", "ana", "b", "Won", "2026-01-06", "0.01"), ("D3", "ana", "c", "Won", "2026-01-07", "0.01")]))
    # ana: 9,000.02 of 10,000 = 90.0002 % scores 75.0005 %; 3 deals score 75 %:
    # 60 % x 75.0005 % + 40 % x 75 % = 75.0003 % of 10,000 = 7,500.03
    line = one_line(ws)
    assert line.amount == Decimal("7500.03")
    assert [s.label for s in line.steps] == [
        "Revenue 90.0002%: scores 75.0005% (between 80% and 100%)",
        "Deals won 3: scores 75% (between 2 and 4)",
        "score 75.0003% x bonus 10,000.00",
    ]


def test_a_share_of_salary_per_point_of_company_revenue_over_plan_gated_on_a_company_figure(ws):
    ws.setup(PEOPLE, deals_csv([("D1", "ana", "a", "Won", "2026-01-05", "70000"), ("D2", "bob", "b", "Won", "2026-01-06", "62000"), ("D3", "bob", "c", "Lost", "2026-01-07", "90000")]), TARGET_SOURCES)
    ws.program("plan", program(
        "  - {id: share, type: rate, base: salary, rate: 0.5%, factor: {measure: points}, gate: {measure: company_won, at_least: 2}}\n",
        "  salary: {roster: salary}\n  company_revenue: {from: deals, sum: amount, where: {stage: Won}, rollup: company}\n"
        "  company_won: {from: deals, count: rows, where: {stage: Won}, rollup: company}\n  points: {expr: \"max(0, company_revenue / 120000 - 1) * 100\"}\n"))
    # company revenue 132,000 against a plan of 120,000: 10 points over plan;
    # ana: 60,000 x 0.5 % = 300 x 10 = 3,000.00; bob: 50,000 x 0.5 % x 10 = 2,500.00
    assert lines(ws) == {"ana": {"share": Decimal("3000.00")}, "bob": {"share": Decimal("2500.00")}}
    [r] = api.compute(ws.programs, ws.data, "2026-01").results
    assert dict((n, v) for n, v, _ in r.people[0].measures)["company_revenue"] == Decimal("132000")
    ws.data_file("deals.csv", deals_csv([("D1", "ana", "a", "Won", "2026-01-05", "70000")]))
    # one company deal: the gate (2 deals won) is not reached, nobody is paid
    assert lines(ws) == {"ana": {"share": Decimal("0.00")}, "bob": {"share": Decimal("0.00")}}


def test_an_expression_that_divides_by_zero_leaves_the_person_without_a_value(ws):
    ws.setup(PEOPLE, deals_csv([("D1", "ana", "a", "Won", "2026-01-05", "500")]), TARGET_SOURCES)
    ws.program("plan", program("  - {id: b, type: bonus, measure: per_deal, at_least: 100, amount: 50}\n", "  per_deal: {expr: revenue / won}\n"))
    # ana: 500 / 1 = 500 >= 100: 50.00; bob: 0 / 0 has no value (0): nothing
    assert lines(ws) == {"ana": {"b": Decimal("50.00")}, "bob": {"b": Decimal("0.00")}}
    [r] = api.compute(ws.programs, ws.data, "2026-01").results
    assert dict((n, h) for n, _, h in r.people[1].measures)["per_deal"] == "revenue / won (0 where it divides by zero)"


# --- split credit toward measures ---------------------------------------------------------------

SPLIT_SOURCES = DEFAULT_SOURCES + "splits:\n  file: splits.csv\n  columns: {deal_id: deal_id, role: role, person: person, share: {header: share, type: number, required: false}}\n"
QUOTA_PLAN = """\
  - id: commission
    type: tiers
    base: revenue
    measure: attainment
    method: retroactive
    bound: upper
    tiers: [{up_to: 100%, rate: 5%}, {rate: 10%}]
"""


def test_a_70_30_split_credits_each_person_their_share_toward_quota_and_tiers(ws):
    ws.setup(ROSTER.replace("10000", "7000"), deals_csv([("D1", "ana", "a", "Won", "2026-01-05", "10000.01"), ("D2", "bob", "b", "Won", "2026-01-06", "500")]), SPLIT_SOURCES)
    ws.data_file("splits.csv", "deal_id,role,person,share\nD1,AE,ana,70\nD1,Overlay,bob,30\n")
    ws.program("plan", program(QUOTA_PLAN).replace("{from: deals, sum: amount, where: {stage: Won}}", "{from: deals, sum: amount, where: {stage: Won}, credit: split}"))
    # D1 10,000.01: ana 70 % = 7,000.007 -> 7,000.01 (the cent's largest remainder), bob 3,000.00;
    # ana 7,000.01 of 7,000 = 100.0001 % reaches 10 %: 700.00 (700.001); bob 3,000 + 500 = 3,500 of
    # 7,000 = 50 %: 5 % of 3,500 = 175.00
    [r] = api.compute(ws.programs, ws.data, "2026-01").results
    revenue = {p.person_id: p.measures[0][1] for p in r.people}
    assert revenue == {"ana": Decimal("7000.01"), "bob": Decimal("3500.00")}
    assert lines(ws) == {"ana": {"commission": Decimal("700.00")}, "bob": {"commission": Decimal("175.00")}}
    bob = next(x for p in r.people if p.person_id == "bob" for x in p.lines)
    assert bob.attribution.value.tolist() == [300000, 50000]  # his share of D1, and D2


def test_role_shares_credit_the_named_roles_and_the_owner_keeps_the_rest(ws):
    ws.setup(ROSTER, deals_csv([("D1", "ana", "a", "Won", "2026-01-05", "1000")]), SPLIT_SOURCES)
    ws.data_file("splits.csv", "deal_id,role,person,share\nD1,SDR,bob,\n")
    ws.program("plan", program("  - {id: c, type: rate, base: revenue, rate: 10%}\n").replace("{from: deals, sum: amount, where: {stage: Won}}", "{from: deals, sum: amount, where: {stage: Won}, credit: {split: {SDR: 10%}}}"))
    # bob is the SDR on D1: 10 % of 1,000 = 100 credited (10.00 paid); ana keeps 900 (90.00)
    assert lines(ws) == {"ana": {"c": Decimal("90.00")}, "bob": {"c": Decimal("10.00")}}


# --- pay on other people's pay: payout measures and overrides by level ------------------------

TREE = "id,name,role,team,manager,quota\nhead,Hal Head,Regional Head,East,boss,\nmgr,Mia Mgr,Manager,East,head,\nana,Ana Lima,Sales Rep,East,mgr,\nbob,Bob Ray,Sales Rep,East,mgr,\n"
REP_PLAN = """\
schema_version: 1
id: rep-plan
currency: USD
period: month
eligible: {roles: [Sales Rep]}
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
components:
  - {id: commission, type: rate, base: revenue, rate: 10%}
"""
MANAGER_PLAN = """\
schema_version: 1
id: manager-plan
currency: USD
period: month
eligible: {roles: [Manager, Regional Head]}
measures:
  team_commission: {payouts: commission, program: rep-plan, rollup: direct}
components:
  - {id: ten-percent, type: rate, base: team_commission, rate: 10%}
  - {id: levels, type: override, program: rep-plan, component: commission, levels: {1: 2%, 2: 1%}}
"""
TREE_DEALS = [("D1", "ana", "a", "Won", "2026-01-05", "3000"), ("D2", "ana", "b", "Won", "2026-01-06", "0.50"), ("D3", "bob", "c", "Won", "2026-01-07", "5000")]


def test_a_manager_paid_on_the_reports_commission_and_overrides_by_level(ws):
    ws.setup(TREE, deals_csv(TREE_DEALS))
    ws.program("rep-plan", REP_PLAN)
    ws.program("manager-plan", MANAGER_PLAN)
    result = api.compute(ws.programs, ws.data, "2026-01")
    got = {(r.program.id, p.person_id, x.component_id): x.amount for r in result.results for p in r.people for x in p.lines}
    # reps: ana 300.05, bob 500.00 (800.05 in all)
    # mgr: 10 % of her direct reports' 800.05 = 80.01 (80.005); level 1: 2 % of 800.05 = 16.00
    # head: nobody reports to him directly but mgr, who has no commission: 0; level 2: 1 % of
    # 800.05 = 8.00 (8.0005)
    assert got[("manager-plan", "mgr", "ten-percent")] == Decimal("80.01")
    assert got[("manager-plan", "mgr", "levels")] == Decimal("16.00")
    assert got[("manager-plan", "head", "ten-percent")] == Decimal("0.00")
    assert got[("manager-plan", "head", "levels")] == Decimal("8.00")
    mgr = next(p for r in result.results if r.program.id == "manager-plan" for p in r.people if p.person_id == "mgr")
    levels = next(x for x in mgr.lines if x.component_id == "levels")
    assert levels.steps[0].note == "Ana Lima 300.05, Bob Ray 500.00"  # each member's part
    # each member's deal carries over: D1 earned ana 300.00 -> 6.00; D2 0.05 -> 0.001; D3 500 -> 10
    assert levels.attribution.paid.tolist() == [600, 0, 1000]


def test_a_payout_measure_equals_the_sum_of_the_lines_it_names(ws):
    ws.setup(TREE, deals_csv(TREE_DEALS))
    ws.program("rep-plan", REP_PLAN)
    ws.program("manager-plan", MANAGER_PLAN.replace("rollup: direct", "rollup: subtree"))
    result = api.compute(ws.programs, ws.data, "2026-01")
    reps = {p.person_id: p.total for r in result.results if r.program.id == "rep-plan" for p in r.people}
    manager = {p.person_id: dict((n, v) for n, v, _ in p.measures)["team_commission"] for r in result.results if r.program.id == "manager-plan" for p in r.people}
    assert manager == {"head": sum(reps.values()), "mgr": sum(reps.values())}


def test_programs_that_read_each_others_pay_in_a_circle_are_refused(ws):
    ws.setup(TREE, deals_csv(TREE_DEALS))
    ws.program("rep-plan", REP_PLAN.replace("components:", "  mine: {payouts: ten-percent, program: manager-plan, rollup: own}\ncomponents:"))
    ws.program("manager-plan", MANAGER_PLAN)
    code, _, err = cli("run", "--period", "2026-01", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 1
    assert "[bad-reference] programs read each other's pay in a circle: manager-plan -> rep-plan -> manager-plan" in err


def test_each_deals_tier_chosen_by_its_margin_and_its_rate_applied_to_revenue(ws):
    sources = DEFAULT_SOURCES.replace("    amount: amount\n", "    amount: amount\n    margin_pct: {header: margin_pct, type: number}\n")
    ws.setup(ROSTER, "deal_id,owner,customer,stage,close_date,amount,margin_pct\nM1,ana,a,Won,2026-01-05,1000,0.12\nM2,ana,b,Won,2026-01-06,2000,0.30\nM3,ana,c,Won,2026-01-07,4000,0.20\n", sources)
    ws.program("plan", program("""\
  - id: margin-commission
    type: tiers
    base: revenue
    method: retroactive
    bound: upper
    scope: deal
    tier_by: margin_pct
    tiers: [{up_to: 0.15, rate: 2%}, {up_to: 0.25, rate: 5%}, {rate: 8%}]
"""))
    # M1 margin 12 % -> 2 % of 1,000 = 20; M2 30 % -> 8 % of 2,000 = 160; M3 20 % -> 5 % of 4,000 = 200
    line = one_line(ws)
    assert line.amount == Decimal("380.00")
    assert line.attribution.paid.tolist() == [2000, 16000, 20000]
    assert [line.attribution.tier_labels[t] for t in line.attribution.tier.tolist()] == ["tier 1 (2%)", "tier 3 (8%)", "tier 2 (5%)"]
