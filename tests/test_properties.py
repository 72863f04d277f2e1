"""Property tests (hypothesis) for the arithmetic invariants."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from conftest import DEFAULT_SOURCES, Workspace, deals_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incentive_cli import api
from incentive_cli.diagnostics import InputRejected
from incentive_cli.engine import carry
from incentive_cli.engine.data import DataSet, Draw, Person
from incentive_cli.engine.model import (
    Eligibility,
    PayoutLine,
    PersonResult,
    Program,
    ProgramResult,
    Tier,
)
from incentive_cli.engine.periods import Period
from incentive_cli.engine.tiers import TierTable
from incentive_cli.money import Rounding, allocate, round_money

cents = st.integers(min_value=-10**9, max_value=10**11).map(lambda c: Decimal(c).scaleb(-2))
rates = st.integers(min_value=0, max_value=10_000).map(lambda r: Decimal(r).scaleb(-4))


@st.composite
def tables(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 5))
    bounds = sorted(draw(st.sets(st.integers(1, 10**7), min_size=n - 1, max_size=n - 1)))
    rs = sorted(draw(st.lists(rates, min_size=n, max_size=n)))  # accelerating tables
    tiers = tuple(Tier(up_to=Decimal(b), rate=r) for b, r in zip(bounds, rs, strict=False)) + (Tier(rate=rs[-1]),)
    return TierTable.of(tiers, draw(st.sampled_from(["upper", "lower"])))


@given(tables(), cents, cents)
def test_marginal_payout_never_decreases_as_the_amount_grows(table, a, b):
    lo, hi = min(a, b), max(a, b)
    assert table.marginal(lo)[0] <= table.marginal(hi)[0]


@given(tables(), st.integers(1, 10**7), st.sampled_from([Decimal("0.01"), Decimal("0.000001")]))
def test_marginal_payout_is_continuous_at_every_point(table, x, eps):
    x = Decimal(x)
    top = max(table.rates) if table.rates else Decimal(0)
    assert table.marginal(x + eps)[0] - table.marginal(x)[0] <= top * eps
    assert table.marginal(x)[0] - table.marginal(x - eps)[0] <= top * eps


@given(tables(), cents)
def test_marginal_steps_add_up_to_the_payout(table, x):
    total, steps = table.marginal(x)
    assert sum((s.amount for s in steps), Decimal(0)) == total


@given(cents, st.lists(st.integers(1, 1000), min_size=1, max_size=8))
def test_allocated_parts_add_up_to_the_pool(pool, weights):
    parts = allocate(pool, [Decimal(w) for w in weights], 2)
    assert sum(parts, Decimal(0)) == pool
    assert all(p == p.quantize(Decimal("0.01")) for p in parts)


@given(st.lists(cents, min_size=1, max_size=30), st.sampled_from(["half_up", "half_even", "down", "floor"]))
def test_a_total_is_the_sum_of_rounded_lines(amounts, mode):
    r = Rounding(2, mode)
    lines = [round_money(a * Decimal("0.0725"), r) for a in amounts]
    assert sum(lines, Decimal(0)) == sum(lines[::-1], Decimal(0))
    assert all(line == line.quantize(Decimal("0.01")) for line in lines)


PROGRAM = """
schema_version: 1
id: p
currency: USD
period: month
measures:
  revenue: {from: deals, sum: amount, where: {stage: Won}}
components:
  - id: running
    type: tiers
    base: revenue
    method: retroactive
    bound: upper
    scope: running
    tiers: [{up_to: 1000, rate: 3%}, {up_to: 5000, rate: 5%}, {rate: 8%}]
  - id: deal
    type: tiers
    base: revenue
    method: marginal
    bound: lower
    scope: deal
    tiers: [{up_to: 700, rate: 3%}, {rate: 9%}]
  - id: period
    type: tiers
    base: revenue
    method: marginal
    bound: upper
    scope: period
    tiers: [{up_to: 2500, rate: 4%}, {rate: 6%}]
"""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["ana", "bob", "cy"]), st.integers(1, 400_000), st.integers(1, 3), st.sampled_from(["Won", "Won", "Lost"])), min_size=1, max_size=40), st.randoms())
def test_shuffling_deal_rows_changes_nothing(tmp_path_factory, deals, rnd):
    rows = [(f"D{i}", who, f"c{i}", stage, f"2026-04-{day:02d}", f"{c // 100}.{c % 100:02d}") for i, (who, c, day, stage) in enumerate(deals)]
    shuffled = rows[:]
    random.Random(rnd.random()).shuffle(shuffled)
    results = []
    for order in (rows, shuffled):
        ws = Workspace(tmp_path_factory.mktemp("w"))
        ws.setup("id,name,role,team,manager,quota\nana,Ana,R,T,m,1\nbob,Bob,R,T,m,1\ncy,Cy,R,T,m,1\n", deals_csv(order))
        ws.program("p", PROGRAM)
        [r] = api.compute(ws.programs, ws.data, "2026-04").results
        results.append({(p.person_id, line.component_id): line.amount for p in r.people for line in p.lines})
    assert results[0] == results[1]


def _with_modified(rows: list[tuple[str, ...]]) -> str:
    return "deal_id,owner,customer,stage,close_date,amount,modified\n" + "".join(",".join(r) + "\n" for r in rows)


LAST_SOURCES = DEFAULT_SOURCES.replace("    amount: amount\n", "    amount: amount\n    modified: {header: modified, type: date}\n") + "  duplicates: last\n  order: modified\n"
THREE = "id,name,role,team,manager,quota\nana,Ana,R,T,m,1\nbob,Bob,R,T,m,1\ncy,Cy,R,T,m,1\n"


def _payouts(ws: Workspace) -> dict[tuple[str, str], Decimal]:
    [r] = api.compute(ws.programs, ws.data, "2026-04").results
    return {(p.person_id, line.component_id): line.amount for p in r.people for line in p.lines}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["ana", "bob", "cy"]), st.integers(1, 400_000), st.integers(1, 3), st.sampled_from(["Won", "Won", "Lost"])), min_size=1, max_size=12), st.data())
def test_duplicating_any_deal_row_never_changes_a_payout_silently(tmp_path_factory, deals, data):
    """A copy of any deal row, anywhere in the export (exact, its id padded with spaces, or the
    id reused with another amount and owner), is refused naming both rows; declared
    (duplicates: last, the copy older), it is dropped and every payout is what the export
    without it pays."""
    rows = [(f"D{i}", who, f"c{i}", stage, f"2026-04-{day:02d}", f"{c // 100}.{c % 100:02d}", "2026-05-01") for i, (who, c, day, stage) in enumerate(deals)]
    k = data.draw(st.integers(0, len(rows) - 1), label="row copied")
    how = data.draw(st.sampled_from(["exact", "spaces", "reused"]), label="copy")
    copy = list(rows[k])
    if how == "spaces":
        copy[0] = f"  {copy[0]} "
    elif how == "reused":
        copy[1], copy[5] = "cy" if copy[1] != "cy" else "ana", "999.99"
    at = data.draw(st.integers(0, len(rows)), label="inserted at")
    doubled = [*rows[:at], tuple(copy), *rows[at:]]
    original_row, copy_row = (k + 2, at + 2) if at > k else (k + 3, at + 2)  # header is row 1

    ws = Workspace(tmp_path_factory.mktemp("w"))
    ws.setup(THREE, _with_modified(rows), LAST_SOURCES.replace("  duplicates: last\n  order: modified\n", "").replace("    modified: {header: modified, type: date}\n", ""))
    ws.program("p", PROGRAM)
    baseline = _payouts(ws)
    ws.data_file("deals.csv", _with_modified(doubled))
    with pytest.raises(InputRejected) as exc:
        api.compute(ws.programs, ws.data, "2026-04")
    [d] = [d for d in exc.value.diagnostics if d.is_error]
    assert d.code == "duplicate-deal"
    assert f"({min(original_row, copy_row)}, {max(original_row, copy_row)})" in d.message and d.location.line == max(original_row, copy_row)

    copy[6] = "2026-04-30"  # declared: the copy is the older row, so the latest is the original
    ws.data_file("sources.yaml", LAST_SOURCES)
    ws.data_file("deals.csv", _with_modified([*rows[:at], tuple(copy), *rows[at:]]))
    assert _payouts(ws) == baseline


@st.composite
def cohort_inputs(draw):  # type: ignore[no-untyped-def]
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=0, max_size=3)))
    shares = [Decimal(b - a) / 100 for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    values = draw(st.lists(st.one_of(st.none(), st.integers(0, 20)), min_size=0, max_size=40))
    return shares, {f"p{i:02d}": (None if v is None else Decimal(v)) for i, v in enumerate(values)}


@given(cohort_inputs())
def test_cohorts_hold_everyone_once_keep_ties_together_and_never_rank_a_worse_value_higher(inputs):
    from incentive_cli.engine.cohorts import assign_cohorts, cohort_sizes
    from incentive_cli.engine.model import CohortGroup, Cohorts

    shares, values = inputs
    groups = tuple(CohortGroup(f"c{i}", s) for i, s in enumerate(shares))
    ranked = sum(1 for v in values.values() if v is not None)
    sizes = cohort_sizes(shares, ranked)
    assert sum(sizes) == ranked and min(sizes) >= 0
    placed = assign_cohorts(Cohorts("m", groups, groups[-1].name), "R", values, {})
    assert set(placed) == set(values)
    index = {g.name: i for i, g in enumerate(groups)}
    known = [(values[p], index[placed[p].cohort]) for p in values if values[p] is not None]
    for v1, c1 in known:
        for v2, c2 in known:
            if v1 == v2:
                assert c1 == c2  # a tie never splits across cohorts
            elif v1 > v2:
                assert c1 <= c2  # a higher value is never in a worse cohort
    for p, v in values.items():
        if v is None:
            assert placed[p].cohort == groups[-1].name and placed[p].rank is None


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 500_000), min_size=1, max_size=8),  # earnings in cents, month by month
    st.integers(1, 300_000),  # the draw, cents per month
    st.integers(0, 8),  # months the draw pays
    st.integers(0, 100),  # recovery share, %
    st.one_of(st.none(), st.integers(1, 200_000)),  # recovery cap, cents
    st.sampled_from(["recoverable", "guarantee"]),
)
def test_a_draw_balance_is_its_top_ups_less_its_recoveries_and_never_negative(earnings, draw_cents, months, share, cap, kind):
    """Month by month through engine.carry.draws, carrying each closing balance into the
    next month as the ledger does: every top-up lifts pay to the draw, no recovery exceeds
    the balance, the share of the excess or the cap, and the balance always equals the
    top-ups less the recoveries (0 for a guarantee)."""
    d = Decimal(draw_cents) / 100
    cap_d = None if cap is None else Decimal(cap) / 100
    last = Period.parse("2026-01").shift(max(months, 1) - 1).end
    data = DataSet({"ana": Person("ana", "Ana", currency="USD")}, {}, {}, [], draws=[Draw("ana", kind, d, dt.date(2026, 1, 1), last, Decimal(share) / 100, cap_d, "USD", None)] if months else [])
    program = Program("p", "P", "USD", "month", "previous", Rounding(), Eligibility(), (), (), ())
    prior = carry.Prior()
    topped = recovered = Decimal(0)
    for n, cents_earned in enumerate(earnings):
        period = Period.parse("2026-01").shift(n)
        e = Decimal(cents_earned) / 100
        line = PayoutLine("ana", "p", "c", "C", "USD", e, e)
        result = ProgramResult(program, period.label, period.start, period.end, "", (PersonResult("ana", "Ana", "", "", "", "p", "USD", (), (), (line,)),))
        lines, moves = carry.draws([result], prior, data, period)
        top_up = sum((x.amount for x in lines if x.component_id == "draw"), Decimal(0))
        recovery = -sum((x.amount for x in lines if x.component_id == "draw-recovery"), Decimal(0))
        paying = n < months
        opening = prior.draws["ana"].closing if "ana" in prior.draws else Decimal(0)
        assert top_up == (max(Decimal(0), d - e) if paying else 0)
        assert 0 <= recovery <= opening
        excess = max(Decimal(0), e - d) if paying else e
        assert recovery <= round_money(excess * share / 100, Rounding())
        assert cap_d is None or recovery <= cap_d
        if kind == "guarantee":
            assert recovery == 0
        topped += top_up if kind == "recoverable" else 0
        recovered += recovery
        for m in moves:
            assert m.closing == m.opening + (m.top_up if kind == "recoverable" else 0) - m.recovered >= 0
            prior.draws["ana"] = m
        assert (prior.draws["ana"].closing if "ana" in prior.draws else 0) == topped - recovered


@given(st.integers(-10**12, 10**12), st.lists(st.integers(1, 10_000), min_size=1, max_size=6))
def test_split_credits_of_a_deal_always_add_up_to_its_amount(units, weights):
    from incentive_cli.engine.credit import split_parts

    shares = [(f"p{i}", Decimal(w) / sum(weights)) for i, w in enumerate(weights)]
    parts = split_parts(units, shares)
    assert sum(u for _, u in parts) == units
    for (_, u), (_, s) in zip(parts, shares, strict=True):  # every part within a unit of its exact share
        assert abs(Decimal(u) - units * s) < 1
