"""Right on every deal (issue 12): what each deal earned of a payout line, for every method
and scope, and the clawbacks and holdbacks that follow it. Each figure is computed by hand
in the comment beside it."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from conftest import DEFAULT_SOURCES, Workspace, cli, deals_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from incentive_cli import api

ROSTER = "id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,boss,\n"


def program(component: str, extra: str = "") -> str:
    return f"""\
schema_version: 1
id: plan
currency: USD
period: month
{extra}
measures:
  revenue: {{from: deals, sum: amount, where: {{stage: Won}}}}
components:
{component}"""


def earned(ws: Workspace, period: str = "2026-01", person: str = "ana") -> dict[str, str]:
    """{deal id: what it earned, rounded} of the person's one attributed line."""
    [r] = [r for r in api.compute(ws.programs, ws.data, period).results if r.program.id == "plan"]
    [line] = [x for p in r.people if p.person_id == person for x in p.lines if x.attribution is not None]
    ids = r.people and _ids(ws)
    return {ids[i]: str(line.attribution.paid_amount(k)) for k, i in enumerate(line.attribution.rows.tolist())} | {"line": str(line.amount)}


def _ids(ws: Workspace) -> list[str]:
    import csv

    with (ws.data / "deals.csv").open() as f:
        return [row["deal_id"] for row in csv.DictReader(f)]


SIX_SALES = [("S1", "200"), ("S2", "300"), ("S3", "1500"), ("S4", "1200"), ("S5", "2000"), ("S6", "4500")]
PER_DEAL_MARGINAL = """\
  - id: commission
    type: tiers
    base: revenue
    method: marginal
    bound: upper
    scope: deal
    tiers: [{up_to: 1000, rate: 1%}, {up_to: 3000, rate: 2%}, {up_to: 8000, rate: 3%}, {rate: 5%}]
"""


def six_sales(stage_of_s1: str = "Won") -> list[tuple[str, ...]]:
    return [(d, "ana", f"c{d}", stage_of_s1 if d == "S1" else "Won", f"2026-01-{k + 5:02d}", amount) for k, (d, amount) in enumerate(SIX_SALES)]


def test_per_deal_marginal_tiers_pay_each_sale_what_it_earned(ws):
    ws.setup(ROSTER, deals_csv(six_sales()))
    ws.program("plan", program(PER_DEAL_MARGINAL))
    # 200 x 1% = 2.00; 300 x 1% = 3.00; 1,000 x 1% + 500 x 2% = 20.00; 10 + 200 x 2% = 14.00;
    # 10 + 1,000 x 2% = 30.00; 10 + 40 + 1,500 x 3% = 95.00: 164.00 in all
    assert earned(ws) == {"S1": "2.00", "S2": "3.00", "S3": "20.00", "S4": "14.00", "S5": "30.00", "S6": "95.00", "line": "164.00"}


RUNNING = """\
  - id: commission
    type: tiers
    base: revenue
    method: marginal
    bound: upper
    scope: running
    tiers: [{up_to: 10000, rate: 10%}, {up_to: 20000, rate: 20%}, {rate: 30%}]
"""
THREE = [("D0", "ana", "a", "Won", "2026-01-05", "19000"), ("D1", "ana", "b", "Won", "2026-01-10", "4000"), ("D2", "ana", "c", "Won", "2026-01-20", "10000")]


def test_a_running_total_gives_each_deal_what_the_table_added(ws):
    ws.setup(ROSTER, deals_csv(THREE))
    ws.program("plan", program(RUNNING))
    # D0 0 -> 19,000: 1,000 + 9,000 x 20% = 2,800.00; D1 19,000 -> 23,000: 1,000 x 20% + 3,000 x 30%
    # = 1,100.00 (a share by amount would say 6,900 x 4/33 = 836.36); D2 23,000 -> 33,000: 3,000.00
    assert earned(ws) == {"D0": "2800.00", "D1": "1100.00", "D2": "3000.00", "line": "6900.00"}
    [r] = api.compute(ws.programs, ws.data, "2026-01").results
    a = r.people[0].lines[0].attribution
    assert a.running.tolist() == [1_900_000, 2_300_000, 3_300_000]  # cents after each deal
    assert [a.tier_labels[t] for t in a.tier.tolist()] == ["tier 2 (20%)", "tier 3 (30%)", "tier 3 (30%)"]


def test_the_statement_and_explain_show_the_running_total_and_the_tier_of_each_deal(ws):
    ws.setup(ROSTER, deals_csv(THREE))
    ws.program("plan", program(RUNNING))
    code, out, err = cli("explain", "ana", "--programs", str(ws.programs), "--data", str(ws.data), "--period", "2026-01")
    assert code == 0, err
    assert "D1" in out and "23,000.00" in out and "tier 3 (30%)" in out and "1,100.00" in out
    code, _, err = cli("run", "--period", "2026-01", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 0, err
    [book] = (ws.out / "2026-01" / "statements").glob("*.xlsx")
    rows = [r for r in load_workbook(book)["Plan"].iter_rows(values_only=True)] if "Plan" in load_workbook(book).sheetnames else [r for r in load_workbook(book).worksheets[1].iter_rows(values_only=True)]
    deal_rows = [r for r in rows if r[1] in ("D0", "D1", "D2")]
    # date, deal, amount, running total after it, tier reached, earned exactly, paid
    assert [(r[1], r[2], r[3], r[4], r[6]) for r in deal_rows] == [
        ("D0", 19000, 19000, "tier 2 (20%)", 2800),
        ("D1", 4000, 23000, "tier 3 (30%)", 1100),
        ("D2", 10000, 33000, "tier 3 (30%)", 3000),
    ]


LINEAR = """\
  - id: commission
    type: tiers
    base: revenue
    method: linear
    scope: SCOPE
    tiers: [{at: 0, pays: 0}, {at: 1000, pays: 100}, {at: 3000, pays: 200}]
"""
LINEAR_DEALS = [("L1", "ana", "a", "Won", "2026-01-05", "500"), ("L2", "ana", "b", "Won", "2026-01-06", "800"), ("L3", "ana", "c", "Won", "2026-01-07", "2000")]


def test_a_linear_table_deal_by_deal_on_the_running_total_and_on_the_period(ws):
    ws.setup(ROSTER, deals_csv(LINEAR_DEALS))
    ws.program("plan", program(LINEAR.replace("SCOPE", "deal")))
    # each deal through the table: 500 -> 50; 800 -> 80; 2,000 -> 100 + 1,000 x 100/2,000 = 150: 280.00
    assert earned(ws) == {"L1": "50.00", "L2": "80.00", "L3": "150.00", "line": "280.00"}
    ws.program("plan", program(LINEAR.replace("SCOPE", "running")))
    # running 500 -> 50; 1,300 -> 100 + 300 x 0.05 = 115, so +65; 3,300 is past the last point
    # (200), so +85: 200.00, the table on the period total
    assert earned(ws) == {"L1": "50.00", "L2": "65.00", "L3": "85.00", "line": "200.00"}
    ws.program("plan", program(LINEAR.replace("SCOPE", "period")))
    # the period total 3,300 pays 200, shared by amount: 500/3,300 x 200 = 30.3030...,
    # 48.4848..., 121.2121...: the floors 30.30 + 48.48 + 121.21 leave a cent, which goes to the
    # largest remainder (0.0048...): 30.30 + 48.49 + 121.21
    assert earned(ws) == {"L1": "30.30", "L2": "48.49", "L3": "121.21", "line": "200.00"}


def test_a_plan_that_truncates_each_sale_pays_the_sum_of_the_truncated_sales(ws):
    ws.setup(ROSTER, deals_csv([("T1", "ana", "a", "Won", "2026-01-05", "5000.09"), ("T2", "ana", "b", "Won", "2026-01-06", "8000.89"), ("T3", "ana", "c", "Won", "2026-01-07", "2674.89")]))
    ws.program("plan", program("""\
  - id: commission
    type: rate
    base: revenue
    rate: 10%
    rounding: {places: 2, mode: down, per: deal}
"""))
    # 500.009 -> 500.00; 800.089 -> 800.08; 267.489 -> 267.48: 1,567.56 paid, where rounding the
    # line once would pay 1,567.587 -> 1,567.58 (down) or 1,567.59 (half up)
    assert earned(ws) == {"T1": "500.00", "T2": "800.08", "T3": "267.48", "line": "1567.56"}
    [r] = api.compute(ws.programs, ws.data, "2026-01").results
    assert "each deal's amount rounded down to 2 decimals, then added up" in r.people[0].lines[0].basis


def test_a_cap_keeps_each_deals_share_and_a_missed_gate_pays_no_deal(ws):
    ws.setup(ROSTER, deals_csv(six_sales()))
    ws.program("plan", program(PER_DEAL_MARGINAL.replace("    tiers:", "    cap: 82\n    tiers:")))
    # 164.00 capped at 82: every deal keeps half of what it earned
    assert earned(ws) == {"S1": "1.00", "S2": "1.50", "S3": "10.00", "S4": "7.00", "S5": "15.00", "S6": "47.50", "line": "82.00"}


def test_retroactive_and_proportional_attribution_pay_each_deal_at_the_rate_reached(ws):
    ws.setup(ROSTER, deals_csv(THREE))
    ws.program("plan", program(RUNNING.replace("scope: running", "scope: period").replace("marginal", "retroactive")))
    # 33,000 reaches 30 %: each deal at 30 %: 5,700 + 1,200 + 3,000 = 9,900
    assert earned(ws) == {"D0": "5700.00", "D1": "1200.00", "D2": "3000.00", "line": "9900.00"}
    ws.program("plan", program(RUNNING.replace("scope: running", "scope: period\n    attribution: proportional")))
    # marginal 6,900 on the period total, shared by amount: 19/33, 4/33 and 10/33 of it
    assert earned(ws) == {"D0": "3972.73", "D1": "836.36", "D2": "2090.91", "line": "6900.00"}
    ws.program("plan", program(RUNNING.replace("scope: running", "scope: period")))
    # the default for a marginal table: the deals fill the tiers in closing order (as running)
    assert earned(ws) == {"D0": "2800.00", "D1": "1100.00", "D2": "3000.00", "line": "6900.00"}


# --- clawbacks and holdbacks follow the attribution ------------------------------------------


def _month(ws: Workspace, period: str, deals: list[tuple[str, ...]]) -> dict[tuple[str, str], Decimal]:
    """Runs and finalises a month on this export (a later month may have no deals of its own:
    the export still holds the paid ones, which is what a clawback looks at)."""
    ws.data_file("deals.csv", deals_csv(deals))
    result = api.run(ws.programs, ws.data, period, ws.out, allow_empty=True)
    api.finalize(ws.out, period)
    return {(p.person_id, x.component_name): x.amount for r in result.results for p in r.people for x in p.lines if x.amount}


def test_a_lost_sale_gives_back_what_it_earned_not_a_share_by_amount(ws):
    ws.setup(ROSTER, deals_csv(six_sales()))
    ws.program("plan", program(PER_DEAL_MARGINAL, "clawback: {window_days: 60}"))
    assert _month(ws, "2026-01", six_sales()) == {("ana", "commission"): Decimal("164.00")}
    # S1 (200) earned 2.00; a share of 164.00 by amount would have taken back 3.38
    assert _month(ws, "2026-02", six_sales("Lost")) == {("ana", "Clawback: deal S1 (2026-01)"): Decimal("-2.00")}
    carry = (ws.out / "2026-01" / "carry.json").read_text()
    assert '"deal_id": "S1"' in carry and '"paid": "2.00"' in carry


ORG = "id,name,role,team,manager,quota\nmia,Mia Boss,Manager,East,boss,\nana,Ana Lima,Sales Rep,East,mia,\nbob,Bob Ray,Sales Rep,East,mia,\n"
OVERRIDE = """\
schema_version: 1
id: plan
currency: USD
period: month
eligible: {roles: [Manager]}
clawback: {window_days: 365, rerate: RERATE}
measures:
  team_revenue: {from: deals, sum: amount, where: {stage: Won}, rollup: ROLLUP}
components:
  - {id: override, type: rate, base: team_revenue, rate: 2%}
"""
TEAM_DEALS = [("D1", "ana", "a", "Won", "2026-01-05", "1000"), ("D2", "bob", "b", "Won", "2026-01-06", "3000")]


def test_a_roll_up_override_is_not_clawed_back_when_nothing_was_cancelled(ws):
    for rollup in ("subtree", "direct", "team"):
        for rerate in ("false", "true"):
            (ws.root / f"{rollup}-{rerate}").mkdir()
            w = Workspace(ws.root / f"{rollup}-{rerate}")
            w.setup(ORG, deals_csv(TEAM_DEALS))
            w.program("plan", OVERRIDE.replace("RERATE", rerate).replace("ROLLUP", rollup))
            assert _month(w, "2026-01", TEAM_DEALS) == {("mia", "override"): Decimal("80.00")}, (rollup, rerate)
            # the same export next month: nothing cancelled, nothing clawed back
            assert _month(w, "2026-02", TEAM_DEALS) == {}, (rollup, rerate)
            # bob's deal lost: the manager gives back what it earned her (3,000 x 2 % = 60.00)
            lost = [TEAM_DEALS[0], ("D2", "bob", "b", "Lost", "2026-01-06", "3000")]
            got = _month(w, "2026-03", lost)
            assert sum(got.values()) == Decimal("-60.00") and all(k[0] == "mia" for k in got), (rollup, rerate, got)


def test_a_deal_moved_to_another_team_is_clawed_back_from_the_manager_who_was_paid_on_it(ws):
    ws.setup(ORG + "zed,Zed Other,Manager,West,boss,\ncy,Cy Lee,Sales Rep,West,zed,\n", deals_csv(TEAM_DEALS))
    ws.program("plan", OVERRIDE.replace("RERATE", "false").replace("ROLLUP", "subtree"))
    assert _month(ws, "2026-01", TEAM_DEALS) == {("mia", "override"): Decimal("80.00")}
    moved = [TEAM_DEALS[0], ("D2", "cy", "b", "Won", "2026-01-06", "3000")]
    got = _month(ws, "2026-02", moved)
    assert got == {("mia", "Clawback: deal D2 (2026-01)"): Decimal("-60.00")}
    result = api.compute(ws.programs, ws.data, "2026-02", ws.out / "ledger.sqlite", allow_empty=True)
    [line] = [x for r in result.results for p in r.people for x in p.lines if x.amount]
    assert line.steps[0].label == "deal D2, paid in 2026-01 on 3,000.00; now owned by Cy Lee, whose deals no longer count for this person (subtree)"


SPLIT_SOURCES = DEFAULT_SOURCES.replace("    amount: amount\n", "    amount: amount\n    sdr: {header: sdr, required: false}\n")
SPLIT = """\
schema_version: 1
id: plan
currency: USD
period: month
clawback: {window_days: 90}
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
components:
  - id: pool
    type: split
    base: revenue
    rate: 10%
    roles: [{role: SDR, share: 10%, field: sdr}, {role: AE, share: 90%, field: owner}]
    missing_role: redistribute
"""


def test_a_split_partner_gives_back_their_part_of_a_lost_deal(ws):
    roster = ORG + "sam,Sam Sdr,SDR,East,mia,\n"
    header = "deal_id,owner,customer,stage,close_date,amount,sdr\n"
    ws.setup(roster, header + "D1,ana,a,Won,2026-01-05,1000,sam\n", SPLIT_SOURCES)
    ws.program("plan", SPLIT)
    ws.data_file("deals.csv", header + "D1,ana,a,Won,2026-01-05,1000,sam\n")
    api.run(ws.programs, ws.data, "2026-01", ws.out)
    api.finalize(ws.out, "2026-01")
    ws.data_file("deals.csv", header + "D1,ana,a,Won,2026-01-05,1000,sam\n")
    assert [x for r in api.run(ws.programs, ws.data, "2026-02", ws.out, allow_empty=True).results for p in r.people for x in p.lines if x.amount] == []
    api.finalize(ws.out, "2026-02")
    ws.data_file("deals.csv", header + "D1,ana,a,Lost,2026-01-05,1000,sam\n")
    got = {(p.person_id, x.amount) for r in api.run(ws.programs, ws.data, "2026-03", ws.out, allow_empty=True).results for p in r.people for x in p.lines if x.amount}
    # pool 100.00: the SDR earned 10.00 of it, the AE 90.00
    assert got == {("sam", Decimal("-10.00")), ("ana", Decimal("-90.00"))}


def test_an_invoice_holdback_is_held_by_what_each_deal_earned(ws):
    sources = DEFAULT_SOURCES + "invoices:\n  file: invoices.csv\n  columns: {deal_id: deal_id, paid_on: {header: paid_on, required: false}}\n"
    ws.setup(ROSTER, deals_csv(six_sales()), sources)
    ws.data_file("invoices.csv", "deal_id,paid_on\nS6,\n")
    ws.program("plan", program(PER_DEAL_MARGINAL, "holdback: {share: 50%, until: invoice_paid}"))
    [r] = api.compute(ws.programs, ws.data, "2026-01").results
    held = [x for x in r.people[0].lines if x.component_id.startswith("held-back")]
    # half of 164.00 is 82.00, shared by what each sale earned; only S6's invoice is unpaid
    # (the others are not in the invoices file either, so unpaid too): S6 earned 95.00 -> 47.50
    assert held[0].amount == Decimal("-82.00")
    assert "S6 47.50" in held[0].steps[0].note and "S1 1.00" in held[0].steps[0].note


# --- the arithmetic, for any deals and any table ---------------------------------------------


@st.composite
def tier_tables(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 4))
    bounds = sorted(draw(st.sets(st.integers(1, 20_000), min_size=n - 1, max_size=n - 1)))
    rates = [Decimal(draw(st.integers(0, 2_000))).scaleb(-4) for _ in range(n)]
    rows = [f"{{up_to: {b}, rate: {r}}}" for b, r in zip(bounds, rates, strict=False)] + [f"{{rate: {rates[-1]}}}"]
    return "[" + ", ".join(rows) + "]"


@st.composite
def linear_tables(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(2, 4))
    ats = sorted(draw(st.sets(st.integers(0, 20_000), min_size=n, max_size=n)))
    pays = sorted(draw(st.lists(st.integers(0, 3_000), min_size=n, max_size=n)))
    return "[" + ", ".join(f"{{at: {a}, pays: {p}}}" for a, p in zip(ats, pays, strict=True)) + "]"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(["ana", "bob"]), st.integers(-50_000, 900_000), st.integers(1, 28)), min_size=1, max_size=25),
    tier_tables(), linear_tables(), st.sampled_from(["upper", "lower"]), st.sampled_from(["half_up", "half_even", "down", "ceiling"]),
)
def test_every_method_and_scope_attributes_the_line_exactly_and_the_cents_add_up(tmp_path_factory, deals, tiers, points, bound, mode):
    rows = [(f"D{i:02d}", who, f"c{i}", "Won", f"2026-01-{day:02d}", f"{c / 100:.2f}") for i, (who, c, day) in enumerate(deals)]
    components = []
    for scope in ("period", "deal", "running"):
        for method in ("marginal", "retroactive"):
            components.append(f"  - {{id: {method}-{scope}, type: tiers, base: revenue, method: {method}, bound: {bound}, scope: {scope}, tiers: {tiers}, rounding: {{mode: {mode}}}}}")
        components.append(f"  - {{id: linear-{scope}, type: tiers, base: revenue, method: linear, scope: {scope}, tiers: {points}, rounding: {{mode: {mode}}}}}")
    components.append(f"  - {{id: proportional, type: tiers, base: revenue, method: marginal, bound: {bound}, attribution: proportional, tiers: {tiers}}}")
    components.append(f"  - {{id: by-deal, type: tiers, base: revenue, method: marginal, bound: {bound}, scope: deal, tiers: {tiers}, rounding: {{mode: {mode}, per: deal}}}}")
    ws = Workspace(tmp_path_factory.mktemp("w"))
    ws.setup("id,name,role,team,manager,quota\nana,Ana,R,T,m,\nbob,Bob,R,T,m,\n", deals_csv(rows))
    ws.program("plan", program("\n".join(components) + "\n"))
    [r] = api.compute(ws.programs, ws.data, "2026-01").results
    checked = 0
    for p in r.people:
        for line in p.lines:
            a = line.attribution
            if a is None:  # nobody's deals, or values that cancel out to a zero base
                continue
            checked += 1
            if "linear" in line.component_id:  # an interpolation may not end: 60 significant digits
                assert abs(a.total - Fraction(line.exact)) < Fraction(1, 10**40), line.component_id
            else:
                assert a.total == Fraction(line.exact), line.component_id
            unit = Fraction(1, 100)
            assert sum(a.paid.tolist()) == int(line.amount * 100), line.component_id
            for k in range(len(a)):  # largest remainder: every deal within a cent of what it earned
                assert abs(Fraction(int(a.paid[k]), 100) - Fraction(int(a.num[k]), a.den)) < unit, line.component_id
    assert checked > 0


# --- figures written in the tool's number format ---------------------------------------------


def test_figures_are_written_without_exponents_scaled_integers_or_sixty_decimals(ws):
    sources = DEFAULT_SOURCES.replace("    amount: amount\n", "    amount: amount\n    margin_pct: {header: margin_pct, type: number}\n    share: {header: share, type: number}\n")
    header = "deal_id,owner,customer,stage,close_date,amount,margin_pct,share\n"
    ws.setup(ROSTER, header + "M1,ana,a,Won,2026-01-05,1000,0.12,40\nM2,ana,b,Won,2026-01-06,2000,0.30,60\n", sources)
    ws.program("plan", program("""\
  - id: commission
    type: tiers
    base: revenue
    method: linear
    tiers: [{at: 0, pays: 0}, {at: 3000, pays: 1000}]
""").replace("where: {stage: Won}", "where: {stage: Won, margin_pct: {at_least: 0.2}}"))
    code, _, err = cli("run", "--period", "2026-01", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 0, err
    record = (ws.out / "2026-01" / "run.json").read_text()
    assert '"share": "100"' in record  # 40 + 60, not 1E+2
    [book] = (ws.out / "2026-01" / "statements").glob("*.xlsx")
    wb = load_workbook(book)
    reasons = [r[-1] for r in wb["Deals not counted"].iter_rows(min_row=3, values_only=True) if r[2] == "M1"]
    assert reasons == ["margin_pct is '0.12'; the program counts at least 0.2"]  # not '120000'
    # 2,000 through the line from 0 to 3,000 -> 1,000: 666.666...: written to 6 decimals, paid 666.67
    exact = [r[5] for r in wb.worksheets[1].iter_rows(values_only=True) if r[1] == "between 0 and 3,000"]
    assert exact == [666.666667]
    lines = [line for line in (ws.out / "2026-01" / "register.csv").read_text().splitlines() if ",commission," in line]
    assert lines[0].endswith(",666.67,USD")


def test_a_true_up_with_nothing_paid_earlier_writes_0_00(ws):
    ws.setup(ROSTER, deals_csv([("D1", "ana", "a", "Won", "2026-01-05", "1000")]))
    ws.program("plan", program("  - {id: commission, type: rate, base: revenue, rate: 5%}\n", "true_up: year").replace("period: month", "period: month"))
    code, _, err = cli("run", "--period", "2026-01", "--programs", str(ws.programs), "--data", str(ws.data), "--out", str(ws.out))
    assert code == 0, err
    rows = (ws.out / "2026-01" / "register.csv").read_text().splitlines()
    assert [r.split(",")[-2] for r in rows if ",true-up," in r] == ["0.00"]


# --- what a method and scope cannot do is a located error ---------------------------------------


def _validate(ws: Workspace, component: str) -> str:
    path = ws.program("plan", program(component).replace("measures:\n", "measures:\n  won: {from: deals, count: rows, where: {stage: Won}}\n"))
    code, _, err = cli("validate", str(ws.programs))
    assert code == 1, err
    return err.replace(str(path), "plan.yaml")


def test_a_running_scope_refuses_a_measure_that_is_not_the_base_or_its_attainment(ws):
    err = _validate(ws, RUNNING.replace("    scope: running\n", "    scope: running\n    measure: won\n").replace("marginal\n    bound", "retroactive\n    bound"))
    assert "plan.yaml:16:14: error [wrong-type] components[0].measure: with scope running the tier follows the running total of the base 'revenue', so 'measure' can only be the base or an attainment of it, not 'won'" in err


def test_a_linear_table_deal_by_deal_needs_a_base(ws):
    err = _validate(ws, "  - {id: c, type: tiers, method: linear, measure: revenue, scope: deal, tiers: [{at: 0, pays: 0}, {at: 10, pays: 5}]}\n")
    assert "error [missing-key] components[0]: a linear table with scope deal puts each deal through the table, so it needs 'base' (the deals measure)" in err


def test_attribution_is_a_choice_of_period_scope_and_marginal_filling_of_marginal_tables(ws):
    err = _validate(ws, RUNNING.replace("    scope: running\n", "    scope: deal\n    attribution: proportional\n"))
    assert "[wrong-type] components[0].attribution: with scope deal each deal earns what it computed, so there is nothing to choose" in err
    err = _validate(ws, RUNNING.replace("    scope: running\n", "    attribution: marginal\n").replace("marginal\n    bound", "retroactive\n    bound"))
    assert "[wrong-type] components[0].attribution: deals can fill the tiers in closing order only in a marginal table; a retroactive table is shared proportionally" in err


def test_rounding_per_deal_needs_a_line_paid_deal_by_deal(ws):
    err = _validate(ws, "  - {id: c, type: bonus, measure: won, at_least: 3, amount: 100, rounding: {per: deal}}\n")
    assert "[wrong-type] components[0].rounding.per: only a line paid deal by deal can round each deal (a rate, tiers, split or per_unit on a sum or row count of facts); this bonus is paid once on the period" in err
