"""Measures over the facts: each person's value of a measure in a period, the rows behind
it, when it crossed a bound, and the reference period's values. Pure: no files, no clock.

The ``Evaluator`` is what components ask (engine/components/base.py names the narrow
interface they use): ``measure``, ``target`` (engine/targets.py), ``cohorts``,
``crossing_dates``, ``reference_values``, ``rows`` and ``row_values``. Deals stay columnar
(pandas / numpy on integer minor units); Python objects appear per person only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..diagnostics import Diagnostic, Location
from ..money import format_number
from . import expr
from .cohorts import assign_cohorts
from .credit import credit_split
from .data import DataSet, FactTable
from .model import CohortPlace, Measure, PayoutLine, Program
from .paid import paid_measure
from .periods import Period, reference_of
from .seasons import inside
from .targets import compute_target

ZERO = Decimal(0)


def _d(units: Any, scale: int) -> Decimal:
    return Decimal(int(units)).scaleb(-scale)


class RolledRows(Mapping[str, np.ndarray]):
    """A roll-up's source rows: each person's members' rows, joined only when asked for (a
    team of 50 would otherwise hold every row 50 times)."""

    def __init__(self, own: dict[str, np.ndarray], members: dict[str, list[str]]):
        self.own, self.members = own, members

    def __getitem__(self, p: str) -> np.ndarray:
        parts = [self.own[q] for q in self.members.get(p, ()) if q in self.own]
        if not parts:
            raise KeyError(p)
        return np.sort(np.concatenate(parts))

    def __contains__(self, p: object) -> bool:  # without joining the rows
        return any(q in self.own for q in self.members.get(p, ())) if isinstance(p, str) else False

    def __iter__(self) -> Iterator[str]:
        return (p for p in self.members if p in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class SharedRows(Mapping[str, np.ndarray]):
    """A company-wide measure's rows: the same rows for everyone."""

    def __init__(self, rows: np.ndarray, people: list[str]):
        self.rows, self.people = rows, set(people)

    def __getitem__(self, p: str) -> np.ndarray:
        if p not in self.people:
            raise KeyError(p)
        return self.rows

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.people))

    def __len__(self) -> int:
        return len(self.people)


@dataclass
class MeasureValue:
    values: dict[str, Decimal]
    how: str  # derivation, for statements and explain
    rows: Mapping[str, np.ndarray] = field(default_factory=dict)  # person -> data row indices
    table: str | None = None
    undefined: frozenset[str] = frozenset()  # people without a value (ratio below its minimum denominator, growth from 0)
    credited: Mapping[str, np.ndarray] | None = None  # split credit, payouts: each person's units of their rows (aligned with rows)
    credited_scale: int = 2  # the decimal places of those units


def filter_mask(ft: FactTable, fld: str, op: str, value: Any) -> np.ndarray:
    """Rows of a fact table that pass one ``where`` condition (the one row test, shared
    by measures and by the deal-credit reasons)."""
    col = ft.frame[fld]
    kind = ft.types.get(fld, "text")
    if op == "blank":
        empty = col.isna().to_numpy() | (col.astype("string").fillna("") == "").to_numpy() if kind == "text" else col.isna().to_numpy()
        return empty if value else ~empty
    if op in ("equals", "not_equals", "in", "not_in"):
        vals = [value] if op in ("equals", "not_equals") else list(value)
        if kind in ("money", "number"):
            sc = ft.scales[fld]
            units = [int(Decimal(v).scaleb(sc)) for v in vals]
            hit = col.isin(units).fillna(False).to_numpy(dtype=bool)
        elif kind == "date":
            hit = np.isin(col.to_numpy(dtype="datetime64[D]"), np.array(vals, dtype="datetime64[D]"))
        else:
            hit = col.isin(vals).fillna(False).to_numpy(dtype=bool)
        return hit if op in ("equals", "in") else ~hit
    # numeric comparisons
    sc = ft.scales.get(fld, 0)
    thr = Decimal(value).scaleb(sc)
    units = col.astype("Int64")
    cmp = {"at_least": units >= int(thr.to_integral_value(ROUND_CEILING)), "above": units > int(thr.to_integral_value(ROUND_FLOOR)),
           "at_most": units <= int(thr.to_integral_value(ROUND_FLOOR)), "below": units < int(thr.to_integral_value(ROUND_CEILING))}[op]
    return cmp.fillna(False).to_numpy(dtype=bool)


Payouts = Mapping[str, Mapping[str, Mapping[str, tuple[PayoutLine, ...]]]]  # program -> component -> person -> lines


class Evaluator:
    def __init__(self, program: Program, data: DataSet, people: list[str], payouts: Payouts | None = None):
        self.program, self.data, self.people = program, data, people
        self.payouts: Payouts = payouts or {}
        code_of = {pid: k for k, pid in enumerate(data.person_ids)}
        self.codes = np.array([code_of[p] for p in people], dtype=np.int32)
        self.cache: dict[tuple[str, str], MeasureValue] = {}
        self.target_cache: dict[tuple[str, str], tuple[dict[str, Decimal | None], dict[str, str]]] = {}
        self.cohort_cache: dict[str, dict[str, CohortPlace]] = {}
        self.diags: list[Diagnostic] = []
        self.run: Period | None = None  # the run's period: an active window applies inside it
        self.absent: set[tuple[str, str]] = set()  # (target, person) prorated to nothing: no target, no error
        self._columns: dict[tuple[str, str], np.ndarray] = {}

    # --- columns, converted once ------------------------------------------------------------
    def units(self, ft: FactTable, fld: str) -> np.ndarray:
        """A numeric column as int64 units (blank: 0), for every row of the table."""
        key = (ft.name, fld)
        if key not in self._columns:
            self._columns[key] = ft.frame[fld].to_numpy(dtype="int64", na_value=0)
        return self._columns[key]

    def dates(self, ft: FactTable, fld: str) -> np.ndarray:
        key = (ft.name, "date:" + fld)
        if key not in self._columns:
            self._columns[key] = ft.frame[fld].to_numpy(dtype="datetime64[D]")
        return self._columns[key]

    def among(self, people: list[str]) -> Evaluator:
        """The same program and facts over other people (the reference period's, say)."""
        return Evaluator(self.program, self.data, people, self.payouts)

    def paid(self, program: str, component: str, person: str) -> tuple[PayoutLine, ...]:
        """A person's payout lines of a component of another program, computed before this one."""
        return self.payouts.get(program, {}).get(component, {}).get(person, ())

    def row_values(self, m: Measure, rows: np.ndarray) -> tuple[np.ndarray, int]:
        """Each row's part of a sum (units at the field's scale) or of a row count (1)."""
        ft = self.data.tables[m.table or "deals"]
        if m.kind == "sum":
            fld = m.field or "amount"
            return self.units(ft, fld)[rows], ft.scales.get(fld, 0)
        return np.ones(len(rows), dtype=np.int64), 0

    # --- rows ---------------------------------------------------------------------------
    def rows(self, m: Measure, period: Period | None, until: dt.date | None = None) -> tuple[FactTable, pd.DataFrame]:
        """The measure's fact table and its rows that count in the period (or up to a day): a
        person's, dated in it, passing the filters, inside the active window, complete."""
        ft = self.data.tables[m.table or "deals"]
        f = ft.frame
        mask = f["_pcode"].to_numpy() >= 0
        date_col = m.date_field or ft.date_field
        dates = f[date_col].to_numpy(dtype="datetime64[D]")
        if period is not None:
            mask &= (dates >= np.datetime64(period.start)) & (dates <= np.datetime64(period.end))
        if until is not None:
            mask &= dates <= np.datetime64(until)
        for flt in m.filters:
            mask &= filter_mask(ft, flt.field, flt.op, flt.value)
        act, run = self.program.active, self.run
        if act is not None and run is not None:  # inside the run's period, only the active window counts
            in_run = (dates >= np.datetime64(run.start)) & (dates <= np.datetime64(run.end))
            mask &= ~in_run | inside(act, dates, run)
        if (m.table or "deals") == "deals" and not m.include_incomplete:
            for fld in self.program.required_fields:
                mask &= filter_mask(ft, fld, "blank", False)
        return ft, f[mask]

    # --- measures -------------------------------------------------------------------------
    def measure(self, name: str, period: Period) -> MeasureValue:
        key = (name, period.label)
        if key in self.cache:
            return self.cache[key]
        m = self.program.measure(name)
        if m.kind in ("sum", "count", "distinct"):
            mv = self._company(m, period) if m.rollup == "company" else self._split(m, period) if m.credit == "split" else self._aggregate(m, period)
        elif m.kind == "roster":
            mv = self._roster(m)
        elif m.kind == "payouts":
            mv = paid_measure(self, m, period)
        elif m.kind == "expr":
            mv = self._expr(m, period)
        elif m.kind == "ratio":
            num, den = self.measure(m.numerator or "", period), self.measure(m.denominator or "", period)
            vals = {}
            undefined = set()
            for p in self.people:
                n, d = num.values[p], den.values[p]
                if d == 0 or (m.min_denominator is not None and d < m.min_denominator):
                    vals[p] = ZERO
                    undefined.add(p)
                else:
                    vals[p] = n / d
            extra = f" (0 when {m.denominator} is below {format_number(m.min_denominator)})" if m.min_denominator is not None else f" (0 when {m.denominator} is 0)"
            mv = MeasureValue(vals, f"{m.numerator} / {m.denominator}{extra}", undefined=frozenset(undefined))
        elif m.kind == "growth":
            ref = reference_of(period, self.program.reference)
            now, before = self.measure(m.of or "", period), self.measure(m.of or "", ref)
            vals = {p: ((now.values[p] - before.values[p]) / before.values[p]) if before.values[p] != 0 else ZERO for p in self.people}
            mv = MeasureValue(vals, f"({m.of} in {period.label} - {m.of} in {ref.label}) / {m.of} in {ref.label} (0 when {ref.label} is 0)", undefined=frozenset(p for p in self.people if before.values[p] == 0))
        else:  # attainment
            of = self.measure(m.of or "", period)
            targets, how = self.target(m.target or "", period)
            vals = {}
            tdef = self.program.target(m.target or "")
            for p in self.people:
                t = targets.get(p)
                if t is None and (tdef.kind == "statistic" or (m.target or "", p) in self.absent):
                    vals[p] = ZERO  # a no-target warning was given when the statistic was computed
                elif t is None or t == 0:
                    vals[p] = ZERO
                    person = self.data.people[p]
                    self.diags.append(Diagnostic("missing-target", f"{person.name} ({p}) has {'no' if t is None else 'a zero'} target {m.target!r}, so attainment {name!r} cannot be computed", tdef.source, hint=f"give {person.name} a {tdef.column or m.target} value on the roster (row {person.source.line}), or exclude them from the program", value=p))
                else:
                    vals[p] = of.values[p] / t
            mv = MeasureValue(vals, f"{m.of} / target {m.target}")
        self.cache[key] = mv
        return mv

    def _roster(self, m: Measure) -> MeasureValue:
        """Each person's roster value (a blank one is an error: it would pay nothing silently)."""
        vals, missing = {}, []
        for p in self.people:
            v = self.data.people[p].attr(m.field or "")
            vals[p] = v if isinstance(v, Decimal) else ZERO
            if not isinstance(v, Decimal):
                missing.append(p)
        for p in missing[:10]:
            person = self.data.people[p]
            self.diags.append(Diagnostic("missing-roster-value", f"{person.name} ({p}) has no {m.field} on the roster, so measure {m.name!r} has no value", person.source, hint=f"fill {m.field} for {person.name} (roster row {person.source.line}), or exclude them from the program", value=p))
        return MeasureValue(vals, f"roster column {m.field}")

    def _expr(self, m: Measure, period: Period) -> MeasureValue:
        tree = expr.parse(m.expr or "")
        assert not isinstance(tree, expr.Bad)
        used = {n.name for n in expr.names(tree)}
        values = {n: self.measure(n, period).values for n in used}
        vals, undefined = {}, set()
        for p in self.people:
            v = expr.decimal(tree, {n: values[n][p] for n in used})
            vals[p] = ZERO if v is None else v
            if v is None:
                undefined.add(p)
        return MeasureValue(vals, f"{m.expr} (0 where it divides by zero)", undefined=frozenset(undefined))

    def _split(self, m: Measure, period: Period) -> MeasureValue:
        """A sum credited by each deal's split shares (engine/credit.py)."""
        ft, rows = self.rows(m, period)
        scale = ft.scales.get(m.field or "amount", 0)
        got, diags = credit_split(m, ft, rows, self.data, set(self.people))
        self.diags += diags
        values = {p: _d(got.totals.get(p, 0), scale) for p in self.people}
        return MeasureValue(values, f"sum of {m.field} in {m.table} dated in {period.label}, each deal credited by its split shares", got.rows, m.table, credited=got.units, credited_scale=scale)

    def _company(self, m: Measure, period: Period) -> MeasureValue:
        """A company-wide figure: every row of the roster's people, the same for everyone."""
        ft, rows = self.rows(m, period)
        if m.kind == "sum":
            scale = ft.scales.get(m.field or "amount", 0)
            total = _d(int(rows[m.field or "amount"].sum()), scale) if len(rows) else ZERO
        elif m.kind == "count":
            col = rows[m.field] if m.field not in (None, "rows") else None
            total = Decimal(len(rows) if col is None else int((col.notna() & (col.astype("string").fillna("") != "")).sum()))
        else:
            col = rows[m.field or ""]
            total = Decimal(int(col[col.notna() & (col.astype("string").fillna("") != "")].nunique()))
        shared = SharedRows(rows["_i"].to_numpy(), self.people)
        what = {"sum": f"sum of {m.field}", "count": "number of rows" if m.field in (None, "rows") else f"rows with {m.field}", "distinct": f"distinct {m.field}"}[m.kind]
        return MeasureValue({p: total for p in self.people}, f"{what} of everyone on the roster in {m.table} dated in {period.label}", shared, m.table)

    def _aggregate(self, m: Measure, period: Period) -> MeasureValue:
        ft, rows = self.rows(m, period)
        rolled = m.rollup != "own" and m.kind != "distinct"  # sums and counts add up per member
        if m.rollup == "own":
            rows = rows[np.isin(rows["_pcode"].to_numpy(), self.codes)]
        elif not rolled:  # distinct values: each person's rows are their members' rows
            rows = rows.merge(self._members(m.rollup), left_on="_pcode", right_on="_member", how="inner", sort=False)
            rows["_pcode"] = rows.pop("_owner")
            rows = rows.drop(columns="_member")
        scale = 0
        if m.kind == "sum":
            fld = m.field or "amount"
            scale = ft.scales.get(fld, 0)
            if "currency" in rows.columns and ft.types.get(fld) == "money":
                self._check_currency(ft, rows)
            agg = rows.groupby("_pcode", sort=False)[fld].sum(min_count=0)
        elif m.kind == "count":
            if m.field in (None, "rows"):
                agg = rows.groupby("_pcode", sort=False).size()
            else:
                col = rows[m.field]
                filled = col.notna() & (col.astype("string").fillna("") != "")
                agg = filled.groupby(rows["_pcode"], sort=False).sum()
        else:  # distinct
            fld = m.field or ""
            sub = rows[rows[fld].notna() & (rows[fld].astype("string").fillna("") != "")]
            if m.first_time and len(sub):  # (an empty export has no first times to look up)
                _, hist = self.rows(m, None, until=period.end)
                hist = hist[hist[fld].notna() & (hist[fld].astype("string").fillna("") != "")]
                date_col = m.date_field or ft.date_field
                first = hist.groupby(fld, sort=False)[date_col].min()
                first_dates = sub[fld].map(first).to_numpy(dtype="datetime64[D]")
                sub = sub[first_dates >= np.datetime64(period.start)]
                rows = sub
            agg = sub.groupby("_pcode", sort=False)[fld].nunique()
        ids = self.data.person_ids
        agg_d = {ids[int(k)]: v for k, v in agg.to_dict().items()}
        idx = rows.groupby("_pcode", sort=False).indices if len(rows) else {}
        data_rows = rows["_i"].to_numpy()
        row_idx: Any = {ids[int(k)]: data_rows[ix] for k, ix in idx.items()}
        if rolled:
            members = {p: self.data.members(p, m.rollup) for p in self.people}
            units = {q: int(v) for q, v in agg_d.items() if not pd.isna(v)}
            values = {p: _d(sum(units.get(q, 0) for q in members[p]), scale) for p in self.people}
            row_idx = RolledRows(row_idx, members)
        else:
            values = {p: (_d(agg_d[p], scale) if p in agg_d and not pd.isna(agg_d[p]) else ZERO) for p in self.people}
        where = " where " + ", ".join(f"{f.field} {f.op} {f.value}" for f in m.filters) if m.filters else ""
        whose = {"direct": " of the person and their direct reports", "subtree": " of the person and everyone below them", "team": " of everyone in the person's team"}.get(m.rollup, "")
        what = {"sum": f"sum of {m.field}", "count": "number of rows" if m.field in (None, "rows") else f"rows with {m.field}", "distinct": f"distinct {m.field}" + (" (first time ever)" if m.first_time else "")}[m.kind]
        dated = f"with {m.date_field} in" if m.date_field else "dated in"
        if (m.table or "deals") == "deals" and self.program.required_fields:
            where += (" (incomplete deals included)" if m.include_incomplete else f" (only deals with {', '.join(self.program.required_fields)} filled)")
        return MeasureValue(values, f"{what}{whose} in {m.table} {dated} {period.label}{where}", row_idx, m.table)

    def _members(self, rollup: str) -> pd.DataFrame:
        """(member code, owner code) for every eligible person and each person whose rows
        count for them under ``rollup``."""
        code_of = {pid: k for k, pid in enumerate(self.data.person_ids)}
        pairs = [(code_of[q], code_of[p]) for p in self.people for q in self.data.members(p, rollup)]
        return pd.DataFrame(pairs, columns=["_member", "_owner"], dtype="int64")

    def crossing_dates(self, m: Measure, p: str, bounds: list[Decimal], period: Period, strict: bool = False) -> list[dt.date | None]:
        """The first day a sum or count measure (or an attainment of one) reached each bound
        (with ``strict``, went above it), from the person's dated rows in the period; None
        where the facts cannot tell."""
        scale = ZERO + 1
        base = m
        if m.kind == "attainment":
            target = self.target(m.target or "", period)[0].get(p)
            if not target:
                return [None] * len(bounds)
            base, scale = self.program.measure(m.of or ""), target
        if base.kind not in ("sum", "count") or (base.kind == "count" and base.field not in (None, "rows")) or not bounds:
            return [None] * len(bounds)
        mv = self.measure(base.name, period)
        rows = mv.rows.get(p)
        if rows is None or not len(rows):
            return [None] * len(bounds)
        ft = self.data.tables[base.table or "deals"]
        dates = ft.frame[base.date_field or ft.date_field].to_numpy(dtype="datetime64[D]")[rows]
        if base.kind == "sum":
            fld = base.field or "amount"
            units = ft.frame[fld].to_numpy(dtype="int64", na_value=0)[rows]
            values_scale = ft.scales.get(fld, 0)
        else:
            units, values_scale = np.ones(len(rows), dtype=np.int64), 0
        order = np.argsort(dates, kind="stable")
        days, running = dates[order], np.cumsum(units[order])
        out: list[dt.date | None] = []
        for b in bounds:
            need = (b * scale).scaleb(values_scale)
            least = int(need.to_integral_value(ROUND_FLOOR)) + 1 if strict else int(need.to_integral_value(ROUND_CEILING))
            hit = np.flatnonzero(running >= least)
            out.append(days[hit[0]].astype(object) if len(hit) else None)
        return out

    def _check_currency(self, ft: FactTable, rows: pd.DataFrame) -> None:
        cur = rows["currency"].astype("string").fillna("").str.strip().str.upper()
        other = rows[(cur != "") & (cur != self.program.currency)]
        for _, grp in list(other.groupby(cur[other.index], sort=True))[:5]:
            i = int(grp["_i"].iloc[0])
            code = str(cur[grp.index[0]])
            self.diags.append(Diagnostic("currency-mismatch", f"{len(grp)} deal(s) in {code} feed program {self.program.id!r}, which pays in {self.program.currency} (first shown)", Location(ft.file, ft.row_of(i), column_name="currency"), hint="currency conversion arrives with the FX table (README, 'Not yet'); filter these deals out with where: {currency: " + self.program.currency + "}, or split the program by currency", value=code))

    # --- history and cohorts ---------------------------------------------------------------
    def reference_values(self, name: str, period: Period, people: list[str] | None = None) -> tuple[dict[str, Decimal | None], Period]:
        """Each person's value of a measure in the reference period, or None without history:
        hired after the reference period's first day, without a value there (a ratio below its
        minimum denominator), or everyone when the reference period has no facts at all."""
        ref = reference_of(period, self.program.reference)
        mv = self.measure(name, ref)
        who = self.people if people is None else people
        any_facts = len(mv.rows) > 0 or any(v != 0 for v in mv.values.values())
        out: dict[str, Decimal | None] = {}
        for p in who:
            hired = self.data.people[p].hire_date
            has = any_facts and p not in mv.undefined and not (hired and hired > ref.start)
            out[p] = mv.values[p] if has else None
        return out, ref

    def cohorts(self, period: Period) -> dict[str, CohortPlace]:
        spec = self.program.cohorts
        if spec is None:
            return {}
        if period.label not in self.cohort_cache:
            values, ref = self.reference_values(spec.measure, period)
            names = {p: self.data.people[p].name for p in self.people}
            self.cohort_cache[period.label] = assign_cohorts(spec, ref.label, values, names)
        return self.cohort_cache[period.label]

    # --- targets --------------------------------------------------------------------------
    def target(self, name: str, period: Period) -> tuple[dict[str, Decimal | None], dict[str, str]]:
        """Each person's value of a target in a period, and how it was derived (targets.py)."""
        key = (name, period.label)
        if key not in self.target_cache:
            self.target_cache[key] = compute_target(self, name, period)
        return self.target_cache[key]
