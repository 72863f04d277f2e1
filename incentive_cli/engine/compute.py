"""Compute a program over a data set for one period: measures, targets, attainment and every
component for every eligible person. Pure: no files, no printing, no clock.

Deals stay columnar (pandas / numpy on integer minor units) through filtering and
aggregation; Python objects appear per person and per payout line only.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..diagnostics import Diagnostic, Location, Severity
from ..money import (
    CONTEXT,
    EXACT_PLACES,
    allocate,
    format_amount,
    format_money,
    format_number,
    format_rate,
    round_money,
)
from . import attribution
from . import tiers as tiers_mod
from .attribution import (
    DEAL_RULE,
    MARGINAL_RULE,
    PROPORTIONAL_RULE,
    RUNNING_RULE,
    Attribution,
    Source,
)
from .cohorts import LadderTooLong, assign_cohorts, build_ladder
from .data import DataSet, FactTable, Person
from .fx import with_fx
from .model import (
    RATIO_KINDS,
    Award,
    BasisStep,
    CohortPlace,
    Component,
    Eligibility,
    Measure,
    PayoutLine,
    PersonResult,
    Program,
    ProgramResult,
    Step,
    Target,
)
from .periods import Period, reference_of
from .seasons import inside, overlap_days, season_factor
from .tiers import TierTable, linear, per_deal

ZERO = Decimal(0)


def _d(units: Any, scale: int) -> Decimal:
    return Decimal(int(units)).scaleb(-scale)


def is_eligible(p: Person, e: Eligibility | None, period: Period) -> bool:
    if e is None:
        return True
    if p.id in e.exclude or p.name in e.exclude:
        return False
    if e.on_last_day and ((p.end_date and p.end_date < period.end) or (p.hire_date and p.hire_date > period.end)):
        return False
    if e.people and (p.id in e.people or p.name in e.people):
        return True
    if e.people and not (e.roles or e.teams or e.regions):
        return False
    if e.roles and p.role not in e.roles:
        return False
    if e.teams and p.team not in e.teams:
        return False
    return not (e.regions and p.region not in e.regions)


def employed_in(p: Person, period: Period) -> bool:
    if p.hire_date and p.hire_date > period.end:
        return False
    return not (p.end_date and p.end_date < period.start)


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


@dataclass
class MeasureValue:
    values: dict[str, Decimal]
    how: str  # derivation, for statements and explain
    rows: dict[str, np.ndarray] = field(default_factory=dict)  # person -> data row indices
    table: str | None = None
    undefined: frozenset[str] = frozenset()  # people without a value (ratio below its minimum denominator, growth from 0)


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


class Evaluator:
    def __init__(self, program: Program, data: DataSet, people: list[str]):
        self.program, self.data, self.people = program, data, people
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

    def row_values(self, m: Measure, rows: np.ndarray) -> tuple[np.ndarray, int]:
        """Each row's part of a sum (units at the field's scale) or of a row count (1)."""
        ft = self.data.tables[m.table or "deals"]
        if m.kind == "sum":
            fld = m.field or "amount"
            return self.units(ft, fld)[rows], ft.scales.get(fld, 0)
        return np.ones(len(rows), dtype=np.int64), 0

    # --- rows ---------------------------------------------------------------------------
    def _filtered(self, m: Measure, period: Period | None, until: dt.date | None = None) -> tuple[FactTable, pd.DataFrame]:
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
            mv = self._aggregate(m, period)
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

    def _aggregate(self, m: Measure, period: Period) -> MeasureValue:
        ft, rows = self._filtered(m, period)
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
                _, hist = self._filtered(m, None, until=period.end)
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

    def _calendar_scale(self, t: Target, period: Period) -> tuple[Decimal, str]:
        """Seasons scale a target by the day-weighted scale of the period; an active window
        prorates it by its days in the period. Applies to the run's period only."""
        if self.run is None or period.label != self.run.label:
            return Decimal(1), ""
        scale, parts = Decimal(1), []
        if self.program.seasons:
            factor, how, clashes = season_factor(self.program.seasons, period)
            if clashes:
                first = next(s for s in self.program.seasons if s.name == clashes[0])
                self.diags.append(Diagnostic("bad-window", f"seasons {' and '.join(repr(c) for c in clashes)} overlap in {period.label}", first.source, hint="a day belongs to one season at most: move a from or a to", value=clashes[0]))
            if how:
                scale *= factor
                parts.append(f"seasons: {how}")
        act = self.program.active
        if act is not None:
            days = overlap_days(act.start, act.end, period)
            if days != period.days:
                scale = scale * days / period.days
                parts.append(f"active {act.name}: {days} of {period.days} days")
        return scale, "; ".join(parts)

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
        key = (name, period.label)
        if key in self.target_cache:
            return self.target_cache[key]
        t = self.program.target(name)
        vals: dict[str, Decimal | None] = {}
        how: dict[str, str] = {}
        if t.kind == "fixed":
            for p in self.people:
                vals[p], how[p] = t.value, f"fixed {format_number(t.value)}"
        elif t.kind == "roster" and t.rollup != "own":
            for p in self.people:
                members = [self.data.people[q].attr(t.column or "") for q in self.data.members(p, t.rollup) if employed_in(self.data.people[q], period)]
                known = [v for v in members if isinstance(v, Decimal)]
                vals[p] = sum(known, ZERO) if known else None
                how[p] = f"sum of roster column {t.column} over {len(known)} {'person' if len(known) == 1 else 'people'} ({t.rollup})"
        elif t.kind == "roster":
            for p in self.people:
                v = self.data.people[p].attr(t.column or "")
                vals[p] = v if isinstance(v, Decimal) else None
                how[p] = f"roster column {t.column}"
        else:
            history, ref = self.reference_values(t.of or "", period)
            groups: dict[str, list[str]] = {}
            cohorts = self.cohorts(period) if t.over == "cohort" else {}
            for p in self.people:
                key_g = self.data.people[p].team if t.over == "team" else cohorts[p].cohort if t.over == "cohort" else ""
                groups.setdefault(key_g, []).append(p)
            for g, members in groups.items():
                population = [v for v in (history[p] for p in members) if v is not None]
                value, text = statistic(t, population, ref.label, ratio=self.program.measure(t.of or "").kind in RATIO_KINDS)
                scope = f" (team {g})" if t.over == "team" else f" (cohort {g})" if t.over == "cohort" else ""
                if value is None:
                    self.diags.append(Diagnostic("no-target", f"target {t.name!r}{scope}: {text}, so it has no value in {period.label} and what depends on it pays nothing", t.source, hint="choose a reference period with data (reference:), or a fixed target", severity=Severity.WARNING, value=t.name))
                for p in members:
                    vals[p] = value
                    how[p] = text + scope
        if t.per is not None and t.per != period.kind:
            factor, parts = ZERO, []
            unit = Period(t.per, t.per, period.start, period.start).containing(period.start)  # each month (quarter, year) the run overlaps
            while unit.start <= period.end:
                days = (min(unit.end, period.end) - max(unit.start, period.start)).days + 1
                factor += Decimal(days) / unit.days
                parts.append(f"{days}/{unit.days} of {unit.label}" if days != unit.days else unit.label)
                unit = unit.shift(1)
            for p in self.people:
                v = vals.get(p)
                if v is not None:
                    vals[p] = v * factor
                    how[p] += f" x {format_number(round(factor, 6))} (per {t.per}: {', '.join(parts)})"
        if t.prorate == "employment" and self.run is not None and period.label == self.run.label:
            for p in self.people:
                v = vals.get(p)
                days = self.data.working_days(p, period.start, period.end)
                if v is not None and days == 0:
                    vals[p] = None
                    how[p] += " x 0 days: not employed, or on leave, for the whole period (no target)"
                    self.absent.add((name, p))
                elif v is not None and days != period.days:
                    vals[p] = v * days / period.days
                    how[p] += f" x {days}/{period.days} days employed and not on leave"
        scale, why = self._calendar_scale(t, period)
        if why:
            for p in self.people:
                v = vals.get(p)
                if v is not None:
                    vals[p] = v * scale
                    how[p] += f" x {format_rate(round(scale, 6))} ({why})"
        for p in self.people:
            v = vals.get(p)
            if v is not None and t.round != "none":
                mode = {"up": ROUND_CEILING, "down": ROUND_FLOOR, "nearest": ROUND_HALF_UP}[t.round]
                vals[p] = v.to_integral_value(rounding=mode)
                if vals[p] != v:
                    how[p] += f", rounded {t.round} to {format_number(vals[p])}"
        self.target_cache[key] = (vals, how)
        return vals, how


def statistic(t: Target, population: list[Decimal], ref_label: str, ratio: bool = False) -> tuple[Decimal | None, str]:
    """The reference-period statistic over a population (population standard deviation).
    An empty population gives no target (None)."""
    n = len(population)
    if n == 0:
        return None, f"{t.statistic} of {t.of} in {ref_label}: nobody has a value"
    def fmt(x: Decimal) -> str:
        return format_rate(round(x, 6)) if ratio else format_number(round(x, 4))

    mean = sum(population, ZERO) / n
    mx, mn = max(population), min(population)
    s = sorted(population)
    if t.statistic == "mean":
        v, text = mean, f"mean of {t.of} in {ref_label}"
    elif t.statistic == "max":
        v, text = mx, f"max of {t.of} in {ref_label}"
    elif t.statistic == "min":
        v, text = mn, f"min of {t.of} in {ref_label}"
    elif t.statistic == "median":
        v = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
        text = f"median of {t.of} in {ref_label}"
    elif t.statistic == "percentile":
        q = t.percentile or ZERO
        rank = max(1, int((q * n).to_integral_value(rounding=ROUND_CEILING)))
        v, text = s[min(rank, n) - 1], f"{format_rate(q)} percentile (nearest rank) of {t.of} in {ref_label}"
    else:
        var = sum(((x - mean) ** 2 for x in population), ZERO) / n
        sigma = var.sqrt()
        v = mean + t.k * sigma
        text = f"mean + {format_number(t.k)}σ of {t.of} in {ref_label} (mean {fmt(mean)}, σ {fmt(sigma)}, {n} {'person' if n == 1 else 'people'})"
    if t.clip:
        clipped = min(max(v, mean), mx)
        if clipped != v:
            text += f", clipped into [mean, max] = [{fmt(mean)}, {fmt(mx)}]"
        v = clipped
    if v == 0:
        return None, text + " = 0, and a target of 0 would pay for nothing done"
    return v, text + f" = {fmt(v)}"


# --- components ---------------------------------------------------------------------------


def _passes(value: Decimal, threshold: Decimal, strict: bool) -> bool:
    return value > threshold if strict else value >= threshold


def _fmt_value(v: Decimal, measure: Measure | None) -> str:
    if measure is not None and measure.kind in RATIO_KINDS:
        return format_rate(round(v, 6))
    return format_number(v)


def compute_program(program: Program, data: DataSet, period: Period) -> tuple[ProgramResult, list[Diagnostic]]:
    """A program over the period, on the data as it sees it (amounts converted into its
    payout currency when it declares fx)."""
    with decimal.localcontext(CONTEXT):
        data, fx_diags = with_fx(program, data, period)
        result, diags = _compute_program(program, data, period)
        return result, fx_diags + diags


def eligible_people(program: Program, data: DataSet, period: Period) -> list[str]:
    return sorted(pid for pid, p in data.people.items() if employed_in(p, period) and is_eligible(p, program.eligible if program.eligible != Eligibility() else None, period))


@dataclass(frozen=True)
class Standing:
    person_id: str
    name: str
    team: str
    value: Decimal
    rank: int
    reference_value: Decimal | None
    reference_rank: int | None


def rank_values(values: dict[str, Decimal], names: dict[str, str]) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4): higher is better; ties share the better rank."""
    order = sorted(values, key=lambda p: (-values[p], names.get(p, p), p))
    ranks: dict[str, int] = {}
    for i, p in enumerate(order, start=1):
        ranks[p] = ranks[order[i - 2]] if i > 1 and values[p] == values[order[i - 2]] else i
    return ranks


def leaderboard(program: Program, data: DataSet, period: Period, measure: str) -> tuple[list[Standing], Period]:
    """Everyone eligible ranked by a measure, with their rank in the reference period
    (people eligible then)."""
    ref = reference_of(period, program.reference)
    with decimal.localcontext(CONTEXT):
        now_people = eligible_people(program, data, period)
        now_ev = Evaluator(program, data, now_people)
        now_ev.run = period
        now = now_ev.measure(measure, period).values
        ref_people = eligible_people(program, data, ref)
        before = Evaluator(program, data, ref_people).measure(measure, ref).values
    names = {pid: p.name for pid, p in data.people.items()}
    ranks, ref_ranks = rank_values(now, names), rank_values(before, names)
    rows = [Standing(p, names[p], data.people[p].team, now[p], ranks[p], before.get(p), ref_ranks.get(p)) for p in now]
    return sorted(rows, key=lambda s: (s.rank, s.name, s.person_id)), ref


def _compute_program(program: Program, data: DataSet, period: Period) -> tuple[ProgramResult, list[Diagnostic]]:
    people = eligible_people(program, data, period)
    ev = Evaluator(program, data, people)
    ev.run = period
    for pid in people:
        person = data.people[pid]
        if person.currency and person.currency.upper() != program.currency:
            ev.diags.append(Diagnostic("currency-mismatch", f"{person.name} ({pid}) is paid in {person.currency}, but program {program.id!r} pays in {program.currency}", person.source, hint="currency conversion arrives with the FX table; until then exclude the person from this program (eligible.exclude) or run a program per currency", value=person.currency))
    ref = reference_of(period, program.reference)
    measures = {m.name: ev.measure(m.name, period) for m in program.measures}
    targets = {t.name: ev.target(t.name, period) for t in program.targets}
    cohorts = ev.cohorts(period)
    lines_by_person: dict[str, list[PayoutLine]] = {p: [] for p in people}
    for c in program.components:
        for pid, line in _component_lines(program, c, ev, data, period, people).items():
            lines_by_person[pid].append(line)
    results = []
    for pid in people:
        person = data.people[pid]
        ms = tuple((m.name, measures[m.name].values[pid], measures[m.name].how) for m in program.measures)
        ts = tuple((t.name, targets[t.name][0].get(pid), targets[t.name][1].get(pid, "")) for t in program.targets)
        results.append(PersonResult(pid, person.name, person.role, person.team, person.manager, program.id, program.currency, ms, ts, tuple(lines_by_person[pid]), cohorts.get(pid)))
    return ProgramResult(program, period.label, period.start, period.end, ref.label, tuple(results)), ev.diags


def _component_lines(program: Program, c: Component, ev: Evaluator, data: DataSet, period: Period, people: list[str]) -> dict[str, PayoutLine]:
    eligible = [p for p in people if is_eligible(data.people[p], c.eligible, period)]
    if c.eligible is not None and c.eligible.cohorts:
        placed = ev.cohorts(period)
        eligible = [p for p in eligible if placed[p].cohort in c.eligible.cohorts]
    plan: dict[str, dt.date] = {}
    if c.type == "pip":
        plan = _pip_participants(c, ev, data, period, eligible)
        eligible = [p for p in eligible if p in plan]
    exact: dict[str, Decimal] = {}
    steps: dict[str, list[BasisStep]] = {p: [] for p in eligible}
    awards: dict[str, tuple[Award, ...]] = {}
    status: dict[str, str] = {}
    rows_of: dict[str, np.ndarray] = {}
    src_table = None
    base_mv = ev.measure(c.base, period) if c.base else None
    on_mv = ev.measure(c.on, period) if c.on else None
    on_m = program.measure(c.on) if c.on else None
    if base_mv is not None:
        rows_of, src_table = base_mv.rows, base_mv.table
    elif on_mv is not None:
        rows_of, src_table = on_mv.rows, on_mv.table
    attributed: Mapping[str, Source] = {}
    if c.type == "rate":
        assert base_mv is not None and c.rate is not None
        for p in eligible:
            b = base_mv.values[p]
            exact[p] = b * c.rate
            steps[p].append(BasisStep(f"{c.base} x {format_rate(c.rate)}", base=b, rate=c.rate, amount=exact[p]))
        attributed = _at_rate(program, c, ev, base_mv, eligible)
    elif c.type == "bonus":
        assert on_mv is not None and c.threshold is not None and c.amount is not None
        for p in eligible:
            v = on_mv.values[p]
            ok = _passes(v, c.threshold, c.strict)
            exact[p] = c.amount if ok else ZERO
            rel = ">" if c.strict else ">="
            steps[p].append(BasisStep(f"{c.on} {_fmt_value(v, on_m)} {rel} {_fmt_value(c.threshold, on_m)}: {'yes' if ok else 'no'}", threshold=c.threshold, amount=exact[p], note="" if ok else f"needs {_fmt_value(c.threshold, on_m)}"))
    elif c.type == "tiers":
        attributed = _tier_lines(program, c, ev, period, eligible, exact, steps, base_mv, on_mv, on_m)
    elif c.type == "rank":
        assert on_mv is not None and c.top is not None
        _rank_awards(c, on_mv, on_m, eligible, data, period, exact, steps, awards)
    elif c.type == "slabs" and c.ladder is not None:
        assert on_mv is not None
        _ladder_rewards(c, ev, on_mv, on_m, eligible, period, exact, steps, awards)
    elif c.type in ("slabs", "milestones"):
        assert on_mv is not None
        for p in eligible:
            resolved = _resolve_steps(c, ev, p, period, on_m, steps[p])
            exact[p], awards[p] = _step_rewards(c, ev, p, on_mv.values[p], on_m, period, steps[p], resolved)
    elif c.type == "goals":
        _goal_lines(program, c, ev, data, eligible, period, exact, steps, awards)
    elif c.type == "weekly":
        assert on_m is not None
        _weekly_lines(c, ev, on_m, eligible, period, exact, steps)
    elif c.type == "split":
        rows_of, attributed = _split_lines(program, c, ev, data, period, eligible, exact, steps)
    elif c.type == "champions":
        assert on_mv is not None
        _champion_rewards(program, c, ev, data, on_mv, on_m, eligible, period, exact, steps, awards)
    elif c.type == "pip":
        assert on_m is not None
        rows_of = _pip_rewards(c, ev, data, on_m, plan, period, exact, steps, awards, status)
    out: dict[str, PayoutLine] = {}
    for p in eligible:
        amount = exact.get(p, ZERO)
        src = attributed.get(p)
        after: list[tuple[str, Decimal]] = []
        if src is not None and c.rounding.per == "deal":
            src = attribution.resolve(src)
            if src is not None:
                src = attribution.round_each(src, c.rounding)
                total = src.total
                amount = Decimal(total.numerator) / Decimal(total.denominator)
                steps[p].append(BasisStep(f"each deal's amount rounded {c.rounding.mode.replace('_', ' ')} to {c.rounding.places} decimals, then added up", amount=amount, note="rounding: per deal"))
        gate_ok = True
        if c.gate is not None:
            gv = ev.measure(c.gate.on, period).values[p]
            gm = program.measure(c.gate.on)
            gate_ok = _passes(gv, c.gate.threshold, c.gate.strict)
            need = f"{'above' if c.gate.strict else 'at least'} {_fmt_value(c.gate.threshold, gm)}"
            if gate_ok:
                steps[p].append(BasisStep(f"gate: {c.gate.on} {_fmt_value(gv, gm)} is {need}", threshold=c.gate.threshold, note="passed"))
            else:
                steps[p].append(BasisStep(f"gate: {c.gate.on} {_fmt_value(gv, gm)} is not {need}", threshold=c.gate.threshold, amount=ZERO, note="no payout below the gate"))
                amount = ZERO
                after.append(("zero", ZERO))
        if c.cap is not None and amount > c.cap:
            steps[p].append(BasisStep(f"cap {format_number(c.cap)}", threshold=c.cap, amount=c.cap, note=f"limited from {format_amount(round(amount, EXACT_PLACES))}" + ("; each deal keeps its share" if src is not None else "")))
            amount = c.cap
            after.append(("scale", amount))
        if c.floor is not None and amount < c.floor and gate_ok:
            steps[p].append(BasisStep(f"floor {format_number(c.floor)}", threshold=c.floor, amount=c.floor, note=f"raised from {format_amount(round(amount, EXACT_PLACES))}"))
            amount = c.floor
            after.append(("scale", amount))
        rounded = round_money(amount, c.rounding)
        rows = rows_of.get(p, np.zeros(0, dtype=np.int64))
        earned = awards.get(p, ()) if gate_ok else ()
        out[p] = PayoutLine(p, program.id, c.id, c.name, program.currency, rounded, amount, tuple(steps[p]), rows, src_table or "", earned, status.get(p, ""), attribution.deferred(src, after, rounded, c.rounding.places))
    return out


def _at_rate(program: Program, c: Component, ev: Evaluator, mv: MeasureValue, eligible: list[str]) -> dict[str, Source]:
    """A rate's line shared over its rows: each row's value times the rate, exactly (made
    when first asked for: a roll-up's rows are every member's)."""
    am = _attribution_measure(program, c)
    if am is None or c.rate is None:
        return {}
    rate_num, rate_den = attribution.fraction_of(c.rate)
    rule = f"each deal at {format_rate(c.rate)}"

    def maker(p: str) -> Source:
        def make() -> Attribution | None:
            rows = mv.rows.get(p)
            if rows is None or not len(rows):
                return None
            units, scale = ev.row_values(am, rows)
            return attribution.make(rule, rows, attribution.times(units, rate_num), rate_den * 10**scale, units, scale, table=am.table or "deals")
        return make

    return {p: maker(p) for p in eligible if p in mv.rows}


def _rank_awards(c: Component, mv: MeasureValue, m: Measure | None, eligible: list[str], data: DataSet, period: Period, exact: dict[str, Decimal], steps: dict[str, list[BasisStep]], awards: dict[str, tuple[Award, ...]]) -> None:
    """The top N by a measure, in competition ranking (1, 2, 2, 4). With ties: include,
    everyone ranked within N wins, even if that is more than N people; with ties: exclude,
    people tied at the cut win only if all of them fit within N."""
    top = c.top or 1
    values = {p: mv.values[p] for p in eligible}
    ranks = rank_values(values, {p: data.people[p].name for p in eligible})
    within = [p for p in eligible if ranks[p] <= top]
    winners = set(within)
    if c.ties == "exclude" and len(within) > top:
        cut = max(ranks[p] for p in within)
        winners = {p for p in within if ranks[p] < cut}
    for p in eligible:
        won = p in winners
        exact[p] = (c.amount or ZERO) if won else ZERO
        tied = sum(1 for q in eligible if ranks[q] == ranks[p]) - 1
        tie_note = f", tied with {tied} other{'s' if tied > 1 else ''}" if tied else ""
        verdict = "wins" if won else ("tied at the cut: none of the tied wins (ties: exclude)" if ranks[p] <= top else f"outside the top {top}")
        steps[p].append(BasisStep(f"rank {ranks[p]} of {len(eligible)} by {c.on} ({_fmt_value(values[p], m)}{tie_note}): {verdict}", amount=exact[p], note=f"top {top}, ties: {c.ties}"))
        if won:
            got: list[Award] = []
            if c.badge:
                got.append(Award("badge", c.badge, period.end))
            if c.reward:
                got.append(Award("non-cash", c.reward, period.end, c.cost))
            awards[p] = tuple(got)


def _step_rewards(c: Component, ev: Evaluator, p: str, v: Decimal, m: Measure | None, period: Period, out: list[BasisStep], steps: tuple[Step, ...]) -> tuple[Decimal, tuple[Award, ...]]:
    """Slabs: the highest band reached pays once. Milestones: every one reached pays. Badges
    and non-cash rewards carry the day the measure first reached their bound."""
    if not steps:
        return ZERO, ()
    reached = [s for s in steps if v >= s.bound]
    paid = reached[-1:] if c.type == "slabs" else reached
    dates = ev.crossing_dates(m, p, [s.bound for s in paid], period) if m is not None else [None] * len(paid)
    cash = ZERO
    earned: list[Award] = []
    word = "from" if c.type == "slabs" else "at"
    first = len(out)
    for s in steps:
        label = s.name or f"{c.type[:-1]} {word} {_fmt_value(s.bound, m)}"
        if s in paid:
            day = dates[paid.index(s)] or period.end
            gives = _gives(s, day, earned)
            cash += s.pays or ZERO
            out.append(BasisStep(f"{label}: reached", threshold=s.bound, amount=s.pays or ZERO, note=f"{', '.join(gives)}; reached on {day.isoformat()}"))
        elif c.type == "milestones" or not reached or s.bound > reached[-1].bound:
            gap = s.bound - v
            out.append(BasisStep(f"{label}: not reached", threshold=s.bound, note=f"{_fmt_value(gap, m)} more {c.on} reaches it"))
            if c.type == "slabs":
                break
    if not reached:
        out.insert(first, BasisStep(f"{c.on} {_fmt_value(v, m)} is below the first {word} {_fmt_value(steps[0].bound, m)}", amount=ZERO))
    return cash, tuple(earned)


def _resolve_steps(c: Component, ev: Evaluator, p: str, period: Period, m: Measure | None, out: list[BasisStep]) -> tuple[Step, ...]:
    """Steps whose bound is a share of a target become plain bounds for this person; a step
    whose target has no value cannot be reached (and says so)."""
    if not any(s.target for s in c.steps):
        return c.steps
    resolved = []
    for s in c.steps:
        if s.target is None:
            resolved.append(s)
            continue
        value, how = ev.target(s.target, period)
        t = value.get(p)
        share = "" if s.bound == 1 else f"{format_rate(s.bound)} of "
        if t is None:
            out.append(BasisStep(f"{s.name or share + 'target ' + s.target}: no target", note=how.get(p, "")))
            continue
        bound = s.bound * t
        name = s.name or f"{c.type[:-1]} at {share}{s.target} = {_fmt_value(round(bound, 6), m)}"
        resolved.append(replace(s, bound=bound, name=name))
    return tuple(sorted(resolved, key=lambda s: s.bound))


def _ladder_rewards(c: Component, ev: Evaluator, mv: MeasureValue, m: Measure | None, eligible: list[str], period: Period, exact: dict[str, Decimal], steps: dict[str, list[BasisStep]], awards: dict[str, tuple[Award, ...]]) -> None:
    """Slabs generated per cohort from its reference average and maximum."""
    assert c.ladder is not None
    placed = ev.cohorts(period)
    ladders: dict[str, tuple[tuple[Step, ...], str]] = {}
    for p in eligible:
        place = placed[p]
        if place.cohort not in ladders:
            if place.average is None or place.maximum is None:
                ladders[place.cohort] = ((), f"cohort {place.cohort}: nobody in it has history in {place.reference}, so it has no ladder")
            elif (place.average if c.ladder.start == "average" else place.maximum) <= 0:
                ladders[place.cohort] = ((), f"cohort {place.cohort}: its {c.ladder.start} in {place.reference} is 0, so it has no ladder")
            else:
                try:
                    ladder, how = build_ladder(c.ladder, place.average, place.maximum)
                    ladders[place.cohort] = (ladder, f"cohort {place.cohort}: {how}")
                except LadderTooLong as exc:
                    ev.diags.append(Diagnostic("ladder-too-long", f"components.{c.id}.ladder: for cohort {place.cohort!r}, {exc}", c.source, hint="make the step larger (step or step_share), or the stretch smaller", value=place.cohort))
                    ladders[place.cohort] = ((), f"cohort {place.cohort}: the ladder is too long")
        ladder, how = ladders[place.cohort]
        steps[p].append(BasisStep(how))
        exact[p], awards[p] = _step_rewards(c, ev, p, mv.values[p], m, period, steps[p], ladder)


def _champion_rewards(program: Program, c: Component, ev: Evaluator, data: DataSet, mv: MeasureValue, m: Measure | None, eligible: list[str], period: Period, exact: dict[str, Decimal], steps: dict[str, list[BasisStep]], awards: dict[str, tuple[Award, ...]]) -> None:
    """The reference period's top people (as many as rewards) are the champions; their values
    are milestones, beaten only by going strictly above. A champion must have a value above
    zero: nobody is a champion of an empty period."""
    ref = reference_of(period, program.reference)
    ref_people = [p for p in eligible_people(program, data, ref) if is_eligible(data.people[p], c.eligible, ref)]
    ref_values = Evaluator(program, data, ref_people).measure(c.on or "", ref).values
    order = sorted((p for p in ref_people if ref_values[p] > 0), key=lambda p: (-ref_values[p], data.people[p].name, p))
    champions = [(p, ref_values[p]) for p in order[: len(c.steps)]]
    for p in eligible:
        v = mv.values[p]
        beaten = [(i, q, cv) for i, (q, cv) in enumerate(champions) if v > cv]
        dates = ev.crossing_dates(m, p, [cv for _, _, cv in beaten], period, strict=True) if m is not None else [None] * len(beaten)
        cash = ZERO
        got: list[Award] = []
        for i, (q, cv) in enumerate(champions):
            reward = c.steps[i]
            who = f"champion {i + 1}: {data.people[q].name} with {_fmt_value(cv, m)} in {ref.label}"
            hit = next((k for k, b in enumerate(beaten) if b[0] == i), None)
            if hit is not None:
                day = dates[hit] or period.end
                gives = _gives(reward, day, got)
                cash += reward.pays or ZERO
                steps[p].append(BasisStep(f"{who}: beaten", threshold=cv, amount=reward.pays or ZERO, note=f"{', '.join(gives)}; went above it on {day.isoformat()}"))
            else:
                tie = " (a tie does not beat)" if v == cv else ""
                steps[p].append(BasisStep(f"{who}: not beaten{tie}", threshold=cv, note=f"needs more than {_fmt_value(cv, m)}"))
        for i in range(len(champions), len(c.steps)):
            steps[p].append(BasisStep(f"champion {i + 1}: none (fewer than {len(c.steps)} people had {c.on} above 0 in {ref.label})"))
        exact[p], awards[p] = cash, tuple(got)


def _goal_lines(program: Program, c: Component, ev: Evaluator, data: DataSet, eligible: list[str], period: Period, exact: dict[str, Decimal], steps: dict[str, list[BasisStep]], awards: dict[str, tuple[Award, ...]]) -> None:
    """Each person is paid on the goal they chose: the latest choice made on or before the
    cut-off day of the period. No choice: no payout, and the line says so."""
    cutoff = period.start + dt.timedelta(days=c.cutoff_day - 1)
    since = period.shift(-1).start + dt.timedelta(days=c.cutoff_day - 1)  # the previous period's cut-off
    menu = {g.id: g for g in c.goals}
    for p in eligible:
        exact[p] = ZERO
        made = [x for x in (data.choices or {}).get(p, []) if since < x[0] <= cutoff]
        if not made:
            steps[p].append(BasisStep(f"no goal chosen by {cutoff.isoformat()}: no payout", amount=ZERO))
            continue
        day, goal_id, where = made[-1]
        goal = menu.get(goal_id)
        if goal is None:
            ev.diags.append(Diagnostic("bad-reference", f"{data.people[p].name} ({p}) chose the goal {goal_id!r}, which is not on the menu of {program.id!r} (goals: {', '.join(menu)})", where, hint="write one of the menu's goal ids", value=goal_id))
            continue
        m = program.measure(goal.measure)
        v = ev.measure(goal.measure, period).values[p]
        ok = v >= goal.at_least
        later = len([x for x in (data.choices or {}).get(p, []) if cutoff < x[0] <= period.end])
        chose = f"chose {goal.name!r} on {day.isoformat()}" + (f" ({later} later choice{'s' if later > 1 else ''} after the cut-off {cutoff.isoformat()} ignored)" if later else "")
        steps[p].append(BasisStep(chose))
        if ok:
            got: list[Award] = []
            day_met = ev.crossing_dates(m, p, [goal.at_least], period)[0] or period.end
            gives = _gives(goal.reward, day_met, got)
            exact[p] = goal.reward.pays or ZERO
            awards[p] = tuple(got)
            steps[p].append(BasisStep(f"{goal.measure} {_fmt_value(v, m)} >= {_fmt_value(goal.at_least, m)}: met", threshold=goal.at_least, amount=exact[p], note=", ".join(gives)))
        else:
            steps[p].append(BasisStep(f"{goal.measure} {_fmt_value(v, m)} >= {_fmt_value(goal.at_least, m)}: not met", threshold=goal.at_least, amount=ZERO, note=f"{_fmt_value(goal.at_least - v, m)} more {goal.measure} meets it"))


def _weekly_lines(c: Component, ev: Evaluator, m: Measure, eligible: list[str], period: Period, exact: dict[str, Decimal], steps: dict[str, list[BasisStep]]) -> None:
    """Each calendar month of the period pays ``amount`` when every ISO week (Monday to
    Sunday) that starts in it reaches ``at_least``; a week is counted to its Sunday, even past
    the month's or the period's end."""
    assert c.threshold is not None and c.amount is not None
    for p in eligible:
        exact[p] = ZERO
    month = period.start.replace(day=1)
    while month <= period.end:
        nxt = (month + dt.timedelta(days=32)).replace(day=1)
        first = month + dt.timedelta(days=(7 - month.weekday()) % 7)  # the first Monday in the month
        mondays = [first + dt.timedelta(weeks=k) for k in range(6) if first + dt.timedelta(weeks=k) < nxt]
        weeks = [(d, ev.measure(m.name, Period.between(d, d + dt.timedelta(days=6))).values) for d in mondays]
        for p in eligible:
            counts = [(d, v[p]) for d, v in weeks]
            ok = bool(counts) and all(x >= c.threshold for _, x in counts)
            short = [f"{d.isoformat()} ({format_number(x)})" for d, x in counts if x < c.threshold]
            label = f"{month.strftime('%Y-%m')}: every ISO week starting in it has at least {format_number(c.threshold)} {c.on}: {'yes' if ok else 'no'}"
            note = "weeks from " + ", ".join(f"{d.strftime('%m-%d')}: {format_number(x)}" for d, x in counts)
            if short:
                note += "; short: " + ", ".join(short)
            exact[p] += c.amount if ok else ZERO
            steps[p].append(BasisStep(label, threshold=c.threshold, amount=c.amount if ok else ZERO, note=note))
        month = nxt


def _split_lines(program: Program, c: Component, ev: Evaluator, data: DataSet, period: Period, eligible: list[str], exact: dict[str, Decimal], steps: dict[str, list[BasisStep]]) -> tuple[dict[str, np.ndarray], dict[str, Attribution]]:
    """Each deal's pool (amount x rate, rounded once) shared among the roles that worked it,
    by largest remainder, so the parts add up to the pool to the cent. Who held a role comes
    from a deal field or the splits source; a deal's own split shares replace the program's.
    A role nobody held is redistributed pro rata or left unpaid, as the program says."""
    assert c.rate is not None
    bm = program.measure(c.base or "")
    ft, rows = ev._filtered(bm, period)
    fld = bm.field or "amount"
    scale = ft.scales.get(fld, 2)
    places = c.rounding.places
    wanted = set(eligible)
    for p in eligible:
        exact[p] = ZERO
    got_rows: dict[str, list[int]] = {}
    got: dict[str, list[tuple[int, int, int, str, Decimal]]] = {}  # person -> (row, part units, deal value units, role, share)
    bad = 0
    ids = rows["deal_id"].astype("string").fillna("").tolist() if "deal_id" in rows.columns else [f"row {ft.row_of(int(i))}" for i in rows["_i"]]
    amounts = rows[fld].to_numpy(dtype="int64", na_value=0)
    fields = {r.field: rows[r.field].astype("string").fillna("").tolist() if r.field != "owner" else rows["_person"].astype("string").fillna("").tolist() for r in c.roles if r.field}
    for k, i in enumerate(rows["_i"].to_numpy()):
        deal = ids[k]
        pool = round_money(_d(amounts[k], scale) * c.rate, c.rounding)
        table = (data.splits or {}).get(deal, [])
        entries: list[tuple[str, str, Decimal]] = []  # role, person, weight
        missing: list[tuple[str, Decimal]] = []
        if table and table[0].share is not None:
            entries = [(s.role, s.person, s.share) for s in table]
        else:
            for r in c.roles:
                if r.field:
                    text = fields[r.field][k].strip()
                    holders = [data.match_person(text) or ""] if text else []
                    if holders and not holders[0]:
                        bad += 1
                        if bad <= 10:
                            ev.diags.append(Diagnostic("unknown-owner", f"deal {deal}: the {r.role} ({r.field}) {text!r} matches nobody on the roster", Location(ft.file, ft.row_of(int(i)), column_name=r.field), hint="write the person's roster id or name, or leave the cell blank if nobody held the role", value=text))
                        holders = []
                else:
                    holders = [s.person for s in table if s.role == r.role]
                if holders:
                    entries += [(r.role, h, r.share / len(holders)) for h in holders]
                else:
                    missing.append((r.role, r.share))
        if not entries:
            continue
        weights = [w for _, _, w in entries] + ([w for _, w in missing] if c.missing_role == "unpaid" else [])
        if sum(weights, ZERO) == 0:
            continue  # only roles with a 0 % share were held: nobody is paid from this pool
        parts = allocate(pool, weights, places)
        note = ""
        if missing:
            names = ", ".join(m for m, _ in missing)
            note = f"nobody held {names}: " + ("its share went to the others pro rata" if c.missing_role == "redistribute" else "its share is not paid")
        total_w = sum(weights, ZERO)
        for (role, person, w), part in zip(entries, parts, strict=False):
            if person not in wanted:
                continue
            exact[person] += part
            got_rows.setdefault(person, []).append(int(i))
            got.setdefault(person, []).append((int(i), int(part.scaleb(places)), int(amounts[k]), role, w / total_w))
            steps[person].append(BasisStep(f"deal {deal} as {role} ({format_rate(round(w / total_w, 6))} of the pool {format_money(pool, places)})", base=pool, amount=part, note=note))
    attributed = {}
    for person, items in got.items():
        rows_, parts_, values_, roles_, shares_ = zip(*items, strict=True)
        attributed[person] = attribution.make(f"each deal's pool ({format_rate(c.rate)}) shared by role", np.array(rows_), np.array(parts_, dtype=object), 10**places, np.array(values_), scale,
                                              role=np.array(roles_, dtype=object), share=np.array(shares_, dtype=object))
    return {p: np.array(ix, dtype=np.int64) for p, ix in got_rows.items()}, attributed


def _gives(s: Step, day: dt.date, got: list[Award]) -> list[str]:
    """What a reached step gives, as text; badges and non-cash rewards are added to ``got``."""
    gives = [f"pays {format_money(s.pays)}"] if s.pays is not None else []
    if s.badge:
        got.append(Award("badge", s.badge, day))
        gives.append(f"badge {s.badge}")
    if s.reward:
        got.append(Award("non-cash", s.reward, day, s.cost))
        gives.append(f"{s.reward}" + (f" (cost {format_money(s.cost)})" if s.cost is not None else ""))
    return gives


def _pip_participants(c: Component, ev: Evaluator, data: DataSet, period: Period, eligible: list[str]) -> dict[str, dt.date]:
    """Who is on the plan and from which day: a roster date column, or the bottom N (share)
    of the reference period, people tied at the cut all joining."""
    parts = c.participants
    assert parts is not None
    if parts.roster:
        out = {}
        for p in eligible:
            day = data.people[p].attr(parts.roster)
            if isinstance(day, dt.date) and day <= period.end:
                out[p] = day
        return out
    start = parts.start or period.start
    if start > period.end:
        return {}  # the plan has not started yet
    values, ref = ev.reference_values(parts.by or c.on or "", period.containing(start))
    known = sorted((p for p in eligible if values.get(p) is not None), key=lambda p: (values[p], data.people[p].name, p))
    n = parts.bottom if parts.bottom is not None else max(1, int(((parts.bottom_share or ZERO) * len(known)).to_integral_value(ROUND_HALF_UP)))
    if not known:
        return {}
    cut = values[known[min(n, len(known)) - 1]]
    return {p: start for p in known if values[p] is not None and values[p] <= cut}  # type: ignore[operator]


def _pip_rewards(c: Component, ev: Evaluator, data: DataSet, m: Measure, plan: dict[str, dt.date], period: Period, exact: dict[str, Decimal], steps: dict[str, list[BasisStep]], awards: dict[str, tuple[Award, ...]], status: dict[str, str]) -> dict[str, np.ndarray]:
    """Cumulative checkpoints from each person's start day. A checkpoint pays in the period
    that holds its last day; earlier ones are shown as settled, later ones as due."""
    target, how = _pip_targets(c, ev, data, period, plan)
    rows_of: dict[str, np.ndarray] = {}
    for p, start in plan.items():
        t = target.get(p)
        got: list[Award] = []
        cash = ZERO
        final = c.steps[-1]
        end = start + dt.timedelta(days=(final.day or 1) - 1)
        steps[p].append(BasisStep(f"on the plan from {start.isoformat()} to {end.isoformat()}", note=f"target {how.get(p, '')}"))
        if t is None:
            status[p] = "Met the plan: cannot tell (the plan has no target)"
            steps[p].append(BasisStep(status[p], amount=ZERO))
            exact[p], awards[p] = ZERO, ()
            continue
        met = None
        for s in c.steps:
            due = start + dt.timedelta(days=(s.day or 1) - 1)
            need = s.bound * t
            window = Period.between(start, min(due, period.end))
            mv = ev.measure(m.name, window) if window.end >= start else None
            v = mv.values[p] if mv is not None else ZERO
            label = s.name or f"{format_rate(s.bound)} of the target ({_fmt_value(round(need, 6), m)}) by day {s.day} ({due.isoformat()})"
            if due > period.end:
                steps[p].append(BasisStep(f"{label}: due after this period", threshold=need, note=f"{_fmt_value(v, m)} so far"))
                continue
            ok = v >= need
            if s is final:
                met = ok
            if due < period.start:
                steps[p].append(BasisStep(f"{label}: {'met' if ok else 'missed'} (settled in an earlier period)", threshold=need, note=f"{_fmt_value(v, m)} by then"))
                continue
            if mv is not None and p in mv.rows:
                rows_of[p] = mv.rows[p]
            if ok:
                day = ev.crossing_dates(m, p, [need], window)[0] or due
                gives = _gives(s, day, got)
                cash += s.pays or ZERO
                steps[p].append(BasisStep(f"{label}: met", threshold=need, amount=s.pays or ZERO, note=f"{_fmt_value(v, m)}; {', '.join(gives) or 'reached'} on {day.isoformat()}"))
            else:
                steps[p].append(BasisStep(f"{label}: missed", threshold=need, amount=ZERO, note=f"{_fmt_value(v, m)}, {_fmt_value(need - v, m)} short"))
        verdict = "yes" if met else "no" if met is False else f"not yet (the plan ends on {end.isoformat()})"
        status[p] = f"Met the plan: {verdict}"
        steps[p].append(BasisStep(status[p]))
        exact[p], awards[p] = cash, tuple(got)
    return rows_of


def _pip_targets(c: Component, ev: Evaluator, data: DataSet, period: Period, plan: dict[str, dt.date]) -> tuple[dict[str, Decimal | None], dict[str, str]]:
    """A plan's target is set by the period its start date falls in (so it stays the same
    for the whole plan). team_lowest: the lowest reference-period value above zero in the
    person's team among people with history who are not on the plan (the whole team when
    everyone is on it). Zeros are left out: a target of 0 would be met by doing nothing."""
    out: dict[str, Decimal | None] = {}
    how: dict[str, str] = {}
    for p, start in plan.items():
        plan_period = period.containing(start)  # the target is set when the plan starts
        if c.target and c.target != "team_lowest":
            named, named_how = ev.target(c.target, plan_period)
            out[p], how[p] = named.get(p), named_how.get(p, "")
            continue
        values, ref = ev.reference_values(c.on or "", plan_period)
        team = data.people[p].team
        mates = [q for q in ev.people if data.people[q].team == team and (values.get(q) or 0) > 0]
        others = [q for q in mates if q not in plan] or mates
        if not others:
            out[p] = None
            how[p] = f"team_lowest: nobody in team {team or '-'} had {c.on} above 0 in {ref.label}"
            ev.diags.append(Diagnostic("no-target", f"components.{c.id}: {data.people[p].name} ({p}) has no plan target: {how[p]}", c.source, hint="give the plan a target (target: <name>), or a reference period with data", severity=Severity.WARNING, value=p))
            continue
        low = min(others, key=lambda q: (values[q], data.people[q].name))
        out[p] = values[low]
        scope = "not on the plan" if any(q not in plan for q in mates) else "(everyone in the team is on the plan)"
        how[p] = f"team_lowest: the lowest {c.on} above 0 in {ref.label} in team {team or '-'} {scope}: {data.people[low].name} with {format_number(values[low])}"
    return out, how


def _tier_lines(program: Program, c: Component, ev: Evaluator, period: Period, eligible: list[str], exact: dict[str, Decimal], steps: dict[str, list[BasisStep]], base_mv: MeasureValue | None, on_mv: MeasureValue | None, on_m: Measure | None) -> Mapping[str, Source]:
    """A tier table's amount per person and what each deal earned of it (see
    engine/attribution.py for the rules)."""
    on_is_attainment = on_m is not None and c.base is not None and on_m.name != c.base and on_m.kind == "attainment" and on_m.of == c.base
    target_vals: dict[str, Decimal | None] = {}
    if on_is_attainment and on_m is not None:
        target_vals = ev.target(on_m.target or "", period)[0]
    am = _attribution_measure(program, c)
    if c.scope != "period":
        assert base_mv is not None and am is not None
        return _per_deal_lines(c, ev, am, base_mv, eligible, exact, steps, target_vals if on_is_attainment else None)
    tables: dict[str, TierTable] = {}
    if c.method == "linear":
        mv = on_mv or base_mv
        assert mv is not None
        for p in eligible:
            exact[p], st = linear(mv.values[p], c.tiers)
            steps[p].extend(st)
    else:
        assert base_mv is not None
        for p in eligible:
            base = base_mv.values[p]
            if on_is_attainment:
                t = target_vals.get(p)
                if not t:
                    exact[p] = ZERO
                    continue
                table = TierTable.of(c.tiers, c.bound, scale=t)
            else:
                table = TierTable.of(c.tiers, c.bound)
            tables[p] = table
            by_base = on_is_attainment or c.on in (None, c.base)
            sel = base if by_base else (on_mv.values[p] if on_mv is not None else base)
            if c.method == "marginal":
                exact[p], st = table.marginal(base)
            else:
                exact[p], st = table.retroactive(sel, base)
            steps[p].extend(st)
            nxt = table.next_bound(sel)
            if nxt is not None:
                gap = nxt[0] - sel
                gap_text = format_money(gap) if by_base else format_number(round(gap, 6))
                steps[p].append(BasisStep(f"next: {gap_text} more {c.base if by_base else c.on} reaches {nxt[1]}", note="distance to the next tier"))
    if am is None:
        return {}
    mv_a = ev.measure(am.name, period)
    if c.method == "marginal" and c.attribution != "proportional":  # one pass for everyone, when first asked for
        filled: dict[str, Attribution] = {}
        people = [p for p in eligible if p in tables and p in mv_a.rows]

        def fill(p: str) -> Source:
            def make() -> Attribution | None:
                if not filled:
                    filled.update(_through_table(c, ev, am, mv_a, people, "running", tables, MARGINAL_RULE))
                return filled.get(p)
            return make

        return {p: fill(p) for p in people}
    return {p: _proportional(ev, am, mv_a, p, exact.get(p, ZERO)) for p in eligible if p in mv_a.rows}


def _attribution_measure(program: Program, c: Component) -> Measure | None:
    """The sum or count measure whose rows a component's line is shared over: its base, else
    the measure it is on (an attainment: the measure attained); None when neither is one."""
    name = c.base or c.on
    if not name:
        return None
    m = program.measure(name)
    if m.kind == "attainment" and m.of:
        m = program.measure(m.of)
    return m if m.kind in ("sum", "count") and (m.kind == "sum" or m.field in (None, "rows")) else None


def _proportional(ev: Evaluator, m: Measure, mv: MeasureValue, p: str, total: Decimal) -> Source:
    def make() -> Attribution | None:
        rows = mv.rows.get(p)
        if rows is None or not len(rows):
            return None
        units, scale = ev.row_values(m, rows)
        return attribution.proportional(PROPORTIONAL_RULE, rows, units, scale, total, table=m.table or "deals")
    return make


def _closing_order(ev: Evaluator, m: Measure, mv: MeasureValue, people: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(people with rows, their rows one person after the other in closing order, where each
    person's rows start). Closing order: date, then deal id (stable across exports), then
    file row, so the order of rows in an export never matters."""
    persons, parts = [], []
    for p in people:
        rows = mv.rows.get(p)
        if rows is not None and len(rows):
            persons.append(p)
            parts.append(rows)
    if not parts:
        return [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ft = ev.data.tables[m.table or "deals"]
    lens = np.array([len(r) for r in parts], dtype=np.int64)
    rows = np.concatenate(parts)
    group = np.repeat(np.arange(len(parts)), lens)
    dates = ev.dates(ft, m.date_field or ft.date_field)
    order = np.lexsort((rows, ft.id_rank()[rows], dates[rows], group))
    return persons, rows[order], np.concatenate(([0], np.cumsum(lens)[:-1])).astype(np.int64)


def _through_table(c: Component, ev: Evaluator, m: Measure, mv: MeasureValue, people: list[str], scope: str, tables: Mapping[str, TierTable] | None, rule: str, per_unit: Mapping[str, Decimal | None] | None = None) -> dict[str, Attribution]:
    """Each person's rows through the table (tiers, or the linear points), deal by deal or on
    the running total: one vectorised pass when everyone has the same table, else person by
    person (tables scaled by each person's target)."""
    persons, ordered, starts = _closing_order(ev, m, mv, people)
    if not persons:
        return {}
    units, scale = ev.row_values(m, ordered)
    first = next(iter(tables.values())) if tables else None
    same = per_unit is None and (tables is None or all(t == first for t in tables.values()))
    if same:
        blocks = [(0, len(ordered), starts, persons)]
    else:
        ends = np.r_[starts[1:], len(ordered)]
        blocks = [(int(a), int(b), np.zeros(1, dtype=np.int64), [p]) for a, b, p in zip(starts, ends, persons, strict=True)]
    out: dict[str, Attribution] = {}
    for lo, hi, group_starts, who in blocks:
        if c.method == "linear":
            da = tiers_mod.linear_per_deal(scope, c.tiers, units[lo:hi], scale, group_starts, (per_unit or {}).get(who[0]) or Decimal(1))
            labels = tiers_mod.linear_labels(c.tiers)
        else:
            assert tables is not None
            table = tables[who[0]]
            da = per_deal(c.method or "", scope, table, units[lo:hi], scale, group_starts)
            labels = table.labels
        bounds = np.r_[group_starts, hi - lo]
        for g, p in enumerate(who):
            a0, a1 = int(bounds[g]), int(bounds[g + 1])
            out[p] = attribution.make(rule, ordered[lo + a0:lo + a1], da.num[a0:a1], da.den, units[lo + a0:lo + a1], scale, table=m.table or "deals",
                                      running=None if da.running is None else da.running[a0:a1], tier=da.reached[a0:a1], tier_labels=labels)
    return out


def _per_deal_lines(c: Component, ev: Evaluator, m: Measure, mv: MeasureValue, eligible: list[str], exact: dict[str, Decimal], steps: dict[str, list[BasisStep]], targets: dict[str, Decimal | None] | None) -> dict[str, Attribution]:
    """scope deal or running: every deal through the table, each person's line the sum."""
    people = eligible
    tables: dict[str, TierTable] | None = None
    per_unit: dict[str, Decimal | None] | None = None
    if targets is not None:  # tiers (or points) on a running attainment: the person's target scales them
        people = [p for p in eligible if targets.get(p)]
        if c.method == "linear":
            per_unit = {p: targets[p] for p in people}
        else:
            tables = {p: TierTable.of(c.tiers, c.bound, scale=targets[p]) for p in people}  # type: ignore[arg-type]
    elif c.method != "linear":
        one = TierTable.of(c.tiers, c.bound)
        tables = {p: one for p in people}
    rule = DEAL_RULE if c.scope == "deal" else RUNNING_RULE
    out = _through_table(c, ev, m, mv, people, c.scope, tables, rule, per_unit)
    for p in eligible:
        a = out.get(p)
        if a is None:
            exact[p] = ZERO
            continue
        total = a.total
        exact[p] = Decimal(total.numerator) / Decimal(total.denominator)
        n = len(a)
        steps[p].append(BasisStep(f"{n} deal{'s' if n != 1 else ''}, {rule}", amount=exact[p], note="each deal's tier and amount: the deal list"))
    return out
