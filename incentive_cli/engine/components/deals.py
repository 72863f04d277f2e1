"""Deals through a tier table: the closing order, and what each deal earned deal by deal or
on the running total (engine/attribution.py states the rules). Shared by ``rate`` and
``tiers``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from .. import attribution
from .. import tiers as table_math
from ..attribution import PROPORTIONAL_RULE, Attribution, Source
from ..model import Component, Measure, Program
from .base import Context

if TYPE_CHECKING:
    from ..measures import MeasureValue


def attribution_measure(program: Program, c: Component) -> Measure | None:
    """The sum or count measure whose rows a component's line is shared over: its base, else
    the measure it is on (an attainment: the measure attained); None when neither is one."""
    name = c.base or c.on
    if not name:
        return None
    m = program.measure(name)
    if m.kind == "attainment" and m.of:
        m = program.measure(m.of)
    return m if m.kind in ("sum", "count") and (m.kind == "sum" or m.field in (None, "rows")) else None


def row_units(ctx: Context, m: Measure, mv: MeasureValue, p: str, rows: np.ndarray) -> tuple[np.ndarray, int]:
    """Each of a person's rows' part of the measure: its value, or the person's share of it
    under split credit."""
    if mv.credited is not None:
        return mv.credited[p], mv.credited_scale
    return ctx.measures.row_values(m, rows)


def per_row(ctx: Context, m: Measure, rule: str, multiplier: Decimal) -> dict[str, Source]:
    """Each row's value times a multiplier (a rate, an amount per unit), exactly, made when
    first asked for (a roll-up's rows are every member's)."""
    mv = ctx.value(m.name)
    num, den = attribution.fraction_of(multiplier)

    def maker(p: str) -> Source:
        def make() -> Attribution | None:
            rows = mv.rows.get(p)
            if rows is None or not len(rows):
                return None
            units, scale = row_units(ctx, m, mv, p, rows)
            return attribution.make(rule, rows, attribution.times(units, num), den * 10**scale, (units, scale), table=m.table or "deals")
        return make

    return {p: maker(p) for p in ctx.people if p in mv.rows}


def proportional(ctx: Context, m: Measure, p: str, total: Decimal) -> Source:
    """The line shared by each row's part of the base (made when first asked for)."""
    mv = ctx.value(m.name)

    def make() -> Attribution | None:
        rows = mv.rows.get(p)
        if rows is None or not len(rows):
            return None
        return attribution.proportional(PROPORTIONAL_RULE, rows, row_units(ctx, m, mv, p, rows), total, table=m.table or "deals")

    return make


@dataclass(frozen=True)
class Ordered:
    """People's rows one person after the other in closing order, with each row's units."""

    persons: list[str]
    rows: np.ndarray
    starts: np.ndarray  # where each person's rows start
    units: np.ndarray
    scale: int


def closing_order(ctx: Context, m: Measure, mv: MeasureValue, people: list[str]) -> Ordered:
    """Closing order: date, then deal id (stable across exports), then file row, so the order
    of rows in an export never matters."""
    persons, parts = [], []
    for p in people:
        rows = mv.rows.get(p)
        if rows is not None and len(rows):
            persons.append(p)
            parts.append(rows)
    ft = ctx.data.tables[m.table or "deals"]
    scale = ft.scales.get(m.field or "amount", 0) if m.kind == "sum" else 0
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Ordered([], empty, empty, empty, scale)
    lens = np.array([len(r) for r in parts], dtype=np.int64)
    rows = np.concatenate(parts)
    if mv.credited is not None:
        units, scale = np.concatenate([mv.credited[p] for p in persons]), mv.credited_scale
    else:
        units, scale = ctx.measures.row_values(m, rows)
    group = np.repeat(np.arange(len(parts)), lens)
    dates = ctx.measures.dates(ft, m.date_field or ft.date_field)
    order = np.lexsort((rows, ft.id_rank()[rows], dates[rows], group))
    return Ordered(persons, rows[order], np.concatenate(([0], np.cumsum(lens)[:-1])).astype(np.int64), units[order], scale)


@dataclass(frozen=True)
class Through:
    """How deals go through a table: whose rows (a measure's, for these people), deal by deal
    or on the running total, each person's table (tiers; None for linear points) or the
    unit their running total is divided by (points on attainment), and the rule's words."""

    measure: Measure
    people: list[str]
    scope: str  # deal or running
    rule: str
    tables: Mapping[str, table_math.TierTable] | None = None
    per_unit: Mapping[str, Decimal | None] | None = None


def through_table(c: Component, ctx: Context, how: Through) -> dict[str, Attribution]:
    """Each person's rows through the table: one vectorised pass when everyone has the same
    table, else person by person (tables scaled by each person's target)."""
    m = how.measure
    o = closing_order(ctx, m, ctx.value(m.name), how.people)
    if not o.persons:
        return {}
    persons, ordered, starts, units, scale = o.persons, o.rows, o.starts, o.units, o.scale
    tables = how.tables
    first = next(iter(tables.values())) if tables else None
    if how.per_unit is None and (tables is None or all(t == first for t in tables.values())):
        blocks = [(0, len(ordered), starts, persons)]
    else:
        ends = np.r_[starts[1:], len(ordered)]
        blocks = [(int(a), int(b), np.zeros(1, dtype=np.int64), [p]) for a, b, p in zip(starts, ends, persons, strict=True)]
    out: dict[str, Attribution] = {}
    for lo, hi, group_starts, who in blocks:
        if c.tier_by:
            assert tables is not None
            table = tables[who[0]]
            ft = ctx.data.tables[m.table or "deals"]
            chooser = ctx.measures.units(ft, c.tier_by)[ordered[lo:hi]], ft.scales.get(c.tier_by, 0)
            da = table_math.chosen_per_deal(table, (units[lo:hi], scale), chooser)
            labels = table.labels
        elif c.method == "linear":
            da = table_math.linear_per_deal(how.scope, c.tiers, units[lo:hi], scale, group_starts, (how.per_unit or {}).get(who[0]) or Decimal(1))
            labels = table_math.linear_labels(c.tiers)
        else:
            assert tables is not None
            table = tables[who[0]]
            da = table_math.per_deal(c.method or "", how.scope, table, (units[lo:hi], scale), group_starts)
            labels = table.labels
        bounds = np.r_[group_starts, hi - lo]
        for g, p in enumerate(who):
            a0, a1 = int(bounds[g]), int(bounds[g + 1])
            out[p] = attribution.make(how.rule, ordered[lo + a0:lo + a1], da.num[a0:a1], da.den, (units[lo + a0:lo + a1], scale), table=m.table or "deals",
                                      running=None if da.running is None else da.running[a0:a1], tier=da.reached[a0:a1], tier_labels=labels)
    return out
