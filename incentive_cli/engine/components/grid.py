"""``grid``: a payout looked up by two measures: a row band by one (``rows``), a column band
by the other (``columns``), each axis in steps (the band a value falls in, by inclusive
lower bounds) or interpolated (linear between bounds), the cell a share of ``of`` (a target
bonus) or an amount. A value below an axis's first bound is off the grid: nothing is paid.

YAML::

    - id: grid
      type: grid
      of: target_bonus
      rows: {measure: revenue_attainment, from: [80%, 100%, 120%]}
      columns: {measure: margin_attainment, from: [90%, 100%, 110%]}
      table:
        - [50%, 60%, 70%]
        - [80%, 100%, 110%]
        - [100%, 120%, 150%]

Worked example (tests/test_plan_design.py): revenue attainment 105 % (row from 100 %) and
margin attainment 95 % (column from 90 %) pay 80 % of a 10,000 target bonus: 8,000.00;
interpolated on both axes, 105 % is a quarter of the way to 120 % and 95 % halfway to
100 %: 92.5 % of 10,000 = 9,250.00.
"""

from __future__ import annotations

from decimal import Decimal

from ...money import format_money, format_rate
from ..model import Axis, BasisStep, Component, Measure
from .base import ZERO, Context, Outcome, fmt_value


def pay(c: Component, ctx: Context) -> dict[str, Outcome]:
    rows_axis, cols_axis = c.axes
    of = ctx.value(c.of).values if c.of else None
    values = [ctx.value(a.measure).values for a in c.axes]
    measures = [ctx.program.measure(a.measure) for a in c.axes]
    out = {}
    for p in ctx.people:
        where = [_place(a, v[p], m) for a, v, m in zip(c.axes, values, measures, strict=True)]
        said = [f"{a.measure} {fmt_value(v[p], m)} ({w[2]})" for a, v, m, w in zip(c.axes, values, measures, where, strict=True)]
        if any(w[0] is None for w in where):
            out[p] = Outcome(ZERO, (BasisStep(f"{' x '.join(said)}: off the grid", amount=ZERO, note="below the first bound of an axis pays nothing"),))
            continue
        cell = _cell(c.table, where[0], where[1])
        exact = cell * of[p] if of is not None else cell
        what = f"{format_rate(round(cell, 6))} of {c.of} {format_money(of[p])}" if of is not None else "the cell's amount"
        out[p] = Outcome(exact, (BasisStep(f"{' x '.join(said)}: {what}", rate=cell if of is not None else None, base=of[p] if of is not None else None, amount=exact),))
    return out


def _place(a: Axis, v: Decimal, m: Measure) -> tuple[int | None, Decimal, str]:
    """(the band index, how far towards the next bound, in words); index None: below the
    first bound."""
    b = a.bounds
    i = sum(1 for x in b if v >= x) - 1
    if i < 0:
        return None, ZERO, f"below {fmt_value(b[0], m)}"
    if not a.interpolate or i == len(b) - 1:
        return i, ZERO, f"band from {fmt_value(b[i], m)}"
    t = (v - b[i]) / (b[i + 1] - b[i])
    return i, t, f"{format_rate(round(t, 4))} of the way from {fmt_value(b[i], m)} to {fmt_value(b[i + 1], m)}"


def _cell(table: tuple[tuple[Decimal, ...], ...], row: tuple[int | None, Decimal, str], col: tuple[int | None, Decimal, str]) -> Decimal:
    """The cell, or the bilinear blend of the four around it (steps: t = 0)."""
    i, ti, _ = row
    j, tj, _ = col
    assert i is not None and j is not None
    i1, j1 = min(i + 1, len(table) - 1), min(j + 1, len(table[0]) - 1)
    top = table[i][j] + (table[i][j1] - table[i][j]) * tj
    bottom = table[i1][j] + (table[i1][j1] - table[i1][j]) * tj
    return top + (bottom - top) * ti
