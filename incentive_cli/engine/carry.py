"""State carried across periods (issue 7): clawbacks, holdbacks, draws and true-ups.

The engine stays pure: the payout ledger's finalised periods come in as a ``Prior`` (read by
``incentive_cli.ledger``), and what a run adds to the ledger goes out as a ``Carry``
(written beside the outputs as carry.json and recorded by ``incentive finalize``). Every
money figure here is a payout line rounded once; the ledger keeps the rows that let the
next period continue: which deal paid what at which rate, what is held and until when, and
each person's draw balance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..money import Rounding, allocate, format_amount, format_rate, minor_units, round_money
from .data import DataSet, Draw
from .model import BasisStep, Eligibility, Measure, PayoutLine, PersonResult, Program, ProgramResult
from .periods import Period, reference_of

ZERO = Decimal(0)
RATE_PLACES = Decimal("1e-12")
HELD = "held-back"  # component id prefix of the negative line a holdback puts beside a paid line
TRUE_UP = "true-up"


@dataclass(frozen=True)
class DealPaid:
    """A deal's part of a paid line (or, negative, of a clawback): the deal value credited
    and the money, at the line's effective rate."""

    period: str  # the period whose run paid (or clawed back) it
    origin: str  # the period the deal was first paid in
    person_id: str
    program: str
    component: str
    deal_id: str
    amount: Decimal  # deal value credited (negative: taken back)
    rate: Decimal  # money per unit of deal value, as paid
    paid: Decimal  # money


@dataclass(frozen=True)
class Hold:
    """Money held back (positive) or released (negative, in the period it is released)."""

    period: str
    hold_id: str
    origin: str
    person_id: str
    program: str
    component: str
    component_name: str
    deal_id: str  # '' for a hold of a whole line
    amount: Decimal
    currency: str
    release: str  # 'invoice' or the release day (ISO)


@dataclass(frozen=True)
class DrawMove:
    period: str
    person_id: str
    currency: str
    kind: str  # recoverable or guarantee
    opening: Decimal
    top_up: Decimal
    recovered: Decimal
    closing: Decimal


@dataclass
class Prior:
    """What the ledger holds for periods that ended before the run's period started."""

    periods: list[tuple[str, str]] = field(default_factory=list)  # (period, run.json sha256)
    lines: list[Any] = field(default_factory=list)  # ledger.Line
    deals: list[DealPaid] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    draws: dict[str, DrawMove] = field(default_factory=dict)  # person -> latest move


@dataclass
class Carry:
    """What this run adds to the ledger when its period is finalised."""

    deals: list[DealPaid] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    draws: list[DrawMove] = field(default_factory=list)
    prior: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def rows(items: list[Any]) -> list[dict[str, str]]:
            return [{k: str(v) for k, v in vars(x).items()} for x in items]

        return {"prior_periods": [{"period": p, "run_json_sha256": s} for p, s in self.prior], "deals": rows(self.deals), "holds": rows(self.holds), "draws": rows(self.draws)}


def base_component(cid: str) -> str:
    """A component id without the version suffix an effective-dated part gives it."""
    return cid.split("@", 1)[0]


# --- deal attribution -------------------------------------------------------------------


def base_measure(program: Program, component: str) -> Measure | None:
    """The measure a component's line is a share of (its base), by the line's component id
    (version suffix and all); None for components without one."""
    comp = next((c for c in program.components if c.id == base_component(component)), None)
    return program.measure(comp.base) if comp is not None and comp.base is not None else None


def deal_values(data: DataSet, program: Program, line: PayoutLine) -> list[tuple[str, Decimal]]:
    """(deal id, value) of the deals a line was computed from, in deal id order: lines of a
    component with a base measure that sums a deal field (rate and tier commissions)."""
    m = base_measure(program, line.component_id)
    if m is None or line.source_file != "deals" or not len(line.source_rows):
        return []
    ft = data.tables.get("deals")
    if ft is None or m.kind != "sum" or not m.field or m.field not in ft.scales or "deal_id" not in ft.frame.columns:
        return []
    frame = ft.frame
    pos = np.searchsorted(frame["_i"].to_numpy(), np.asarray(line.source_rows))
    ids = frame["deal_id"].to_numpy()[pos]
    units = frame[m.field].to_numpy()[pos]
    scale = ft.scales[m.field]
    out: dict[str, Decimal] = {}
    for d, u in zip(ids, units, strict=True):
        out[str(d)] = out.get(str(d), ZERO) + Decimal(int(u)).scaleb(-scale)
    return sorted(out.items())


def payments(program: Program, result: ProgramResult, data: DataSet, period: Period) -> list[DealPaid]:
    """Each deal's part of every paid line of a program with a clawback rule."""
    out = []
    for person in result.people:
        for line in person.lines:
            if line.amount == 0 or line.component_id.startswith((HELD, TRUE_UP)):
                continue
            values = deal_values(data, program, line)
            total = sum((v for _, v in values), ZERO)
            if not values or total <= 0:
                continue
            rate = (line.amount / total).quantize(RATE_PLACES)
            parts = allocate(line.amount, [v for _, v in values], minor_units(line.currency))
            for (deal, value), paid in zip(values, parts, strict=True):
                out.append(DealPaid(period.label, period.label, person.person_id, program.id, line.component_id, deal, value, rate, paid))
    return out


# --- holdbacks --------------------------------------------------------------------------


def hold_back(program: Program, result: ProgramResult, data: DataSet, period: Period) -> tuple[ProgramResult, list[Hold]]:
    """Puts a negative 'held back' line beside every held line, and lists the holds."""
    hb = program.holdback
    assert hb is not None
    invoices = data.invoices or {}
    holds: list[Hold] = []
    people = []
    for person in result.people:
        extra = []
        for line in person.lines:
            if line.amount <= 0 or line.component_id.startswith((HELD, TRUE_UP)) or (hb.components and base_component(line.component_id) not in hb.components):
                continue
            rounding = Rounding(minor_units(line.currency), "half_up")
            held = round_money(line.amount * hb.share, rounding)
            hold_id = f"{period.label}/{program.id}/{line.component_id}/{person.person_id}"
            what = f"{format_rate(hb.share)} of {line.component_name} ({format_amount(line.amount)})"
            if hb.until == "invoice_paid":
                values = deal_values(data, program, line)
                if not values:
                    continue
                parts = allocate(held, [v for _, v in values], rounding.places)
                unpaid = [(deal, part) for (deal, _), part in zip(values, parts, strict=True) if part and not _paid_by(invoices.get(deal), period.end)]
                if not unpaid:
                    continue
                held = sum((p for _, p in unpaid), ZERO)
                holds += [Hold(period.label, f"{hold_id}/{deal}", period.label, person.person_id, program.id, line.component_id, line.component_name, deal, part, line.currency, "invoice") for deal, part in unpaid]
                note = "until the invoice is paid: " + ", ".join(f"{d} {format_amount(p)}" for d, p in unpaid)
            else:
                day = hb.release_on or period.end + dt.timedelta(days=hb.after_days or 0)
                if day <= period.end or not held:
                    continue
                holds.append(Hold(period.label, hold_id, period.label, person.person_id, program.id, line.component_id, line.component_name, "", held, line.currency, day.isoformat()))
                note = f"until {day.isoformat()}"
            step = BasisStep(f"held back: {what}", amount=-held, note=note)
            extra.append(PayoutLine(person.person_id, program.id, f"{HELD}:{line.component_id}", f"Held back: {line.component_name}", line.currency, -held, -held, (step,)))
        people.append(replace(person, lines=person.lines + tuple(extra)) if extra else person)
    return replace(result, people=tuple(people)), holds


def _paid_by(paid_on: Any, day: dt.date) -> bool:
    return paid_on is not None and paid_on <= day


def releases(prior: Prior, data: DataSet, period: Period, cancelled: Collection[tuple[str, str, str]] = ()) -> tuple[list[PayoutLine], list[Hold]]:
    """Release lines for every outstanding hold whose condition the run's period meets: one
    line per held line, the holds' release rows. A deal clawed back to nothing in this run
    (``cancelled``: person, program, deal) releases its held part now, against the
    clawback, which took back the whole commission."""
    outstanding: dict[str, Hold] = {}
    left: dict[str, Decimal] = {}
    for h in prior.holds:
        outstanding.setdefault(h.hold_id, h)
        left[h.hold_id] = left.get(h.hold_id, ZERO) + h.amount
    invoices = data.invoices or {}
    groups: dict[tuple[str, str, str, str], list[tuple[Hold, Decimal, str]]] = {}
    for hid, h in outstanding.items():
        amount = left[hid]
        if amount <= 0:
            continue
        if h.release == "invoice" and (h.person_id, h.program, h.deal_id) in cancelled:
            why = f"deal {h.deal_id} was clawed back in full, so its held part offsets the clawback"
        elif h.release == "invoice":
            paid_on = invoices.get(h.deal_id)
            if paid_on is None or not _paid_by(paid_on, period.end):
                continue
            why = f"invoice of deal {h.deal_id} paid {paid_on.isoformat()}"
        else:
            if dt.date.fromisoformat(h.release) > period.end:
                continue
            why = f"released on {h.release}"
        groups.setdefault((h.person_id, h.origin, h.program, h.component), []).append((h, amount, why))
    lines, rows = [], []
    for (pid, origin, program, component), items in sorted(groups.items()):
        total = sum((a for _, a, _ in items), ZERO)
        first = items[0][0]
        steps = tuple(BasisStep(f"held in {origin}: {why}", amount=a) for _, a, why in items)
        lines.append(PayoutLine(pid, "holdbacks", f"release:{origin}:{program}:{component}", f"Holdback released: {first.component_name}, held in {origin}", first.currency, total, total, steps))
        rows += [replace(h, period=period.label, amount=-a) for h, a, _ in items]
    return lines, rows


# --- clawbacks --------------------------------------------------------------------------


def current_values(data: DataSet, program: Program, component: str) -> dict[tuple[str, str], Decimal]:
    """(deal id, person id) -> the value the deal would be credited with today: its rows in
    today's export that still pass the base measure's filters (any date)."""
    from .compute import filter_mask

    m = base_measure(program, component)
    ft = data.tables.get("deals")
    if m is None or ft is None or not m.field or m.field not in ft.scales:
        return {}
    mask = ft.frame["_pcode"].to_numpy() >= 0
    for flt in m.filters:
        mask &= filter_mask(ft, flt.field, flt.op, flt.value)
    if not m.include_incomplete:
        for fld in program.required_fields:
            mask &= filter_mask(ft, fld, "blank", False)
    f = ft.frame[mask]
    scale = ft.scales[m.field]
    out: dict[tuple[str, str], Decimal] = {}
    for d, p, u in zip(f["deal_id"].to_numpy(), f["_person"].to_numpy(), f[m.field].to_numpy(), strict=True):
        key = (str(d), str(p))
        out[key] = out.get(key, ZERO) + Decimal(int(u)).scaleb(-scale)
    return out


def clawbacks(prior: Prior, programs: dict[str, Program], data: DataSet, period: Period, recompute: Callable[[Program, Period], ProgramResult], seen: Callable[[Program], DataSet] | None = None) -> tuple[list[PayoutLine], list[DealPaid], set[tuple[str, str, str]]]:
    """A negative line for every paid deal that is gone, no longer passes the filters or is
    worth less in today's export, within its program's window; and the (person, program,
    deal) clawed back to nothing. ``seen`` gives the data as a program sees it (converted
    into its payout currency)."""
    credited: dict[tuple[str, str, str, str, str], list[DealPaid]] = {}
    for d in prior.deals:
        credited.setdefault((d.person_id, d.program, d.component, d.deal_id, d.origin), []).append(d)
    all_deals = set(data.tables["deals"].frame["deal_id"].astype(str)) if "deals" in data.tables and "deal_id" in data.tables["deals"].frame.columns else set()
    cache: dict[tuple[str, str], dict[tuple[str, str], Decimal]] = {}
    drops: list[tuple[DealPaid, Decimal, Decimal, str]] = []  # (first payment, credited, today, why)
    for (pid, prog, comp, deal, origin), rows in sorted(credited.items()):
        program = programs.get(prog)
        if program is None or program.clawback is None:
            continue
        cb = program.clawback
        if (period.end - Period.parse(origin).end).days > cb.window_days:
            continue
        if (prog, comp) not in cache:
            cache[(prog, comp)] = current_values(seen(program) if seen is not None else data, program, comp)
        value = sum((r.amount for r in rows), ZERO)
        today = cache[(prog, comp)].get((deal, pid), ZERO)
        if deal not in all_deals:
            if cb.missing == "ignore":
                continue
            why = "no longer in the export"
        elif today == 0:
            why = _why_not(seen(program) if seen is not None else data, program, comp, deal, pid)
        else:
            why = f"now {format_amount(today)}"
        if today < value:
            drops.append((rows[0], value, today, why))
    lines: list[PayoutLine] = []
    out: list[DealPaid] = []
    gone = {(f.person_id, f.program, f.deal_id) for f, _, today, _ in drops if today == 0}
    rerated: dict[tuple[str, str, str], list[tuple[DealPaid, Decimal, Decimal, str]]] = {}
    for first, value, today, why in drops:
        program = programs[first.program]
        assert program.clawback is not None
        if program.clawback.rerate:
            rerated.setdefault((first.person_id, first.program, first.origin), []).append((first, value, today, why))
            continue
        rounding = Rounding(minor_units(program.currency), "half_up")
        exact = -(value - today) * first.rate
        amount = round_money(exact, rounding)
        step = BasisStep(f"deal {first.deal_id}, paid in {first.origin} on {format_amount(value)}; {why}", base=-(value - today), rate=first.rate, amount=exact)
        lines.append(PayoutLine(first.person_id, "clawbacks", f"clawback:{first.origin}:{first.program}:{first.deal_id}", f"Clawback: deal {first.deal_id} ({first.origin})", program.currency, amount, exact, (step,)))
        out.append(replace(first, period=period.label, amount=today - value, paid=amount))
    for (pid, prog, origin), items in sorted(rerated.items()):
        program = programs[prog]
        again = recompute(program, Period.parse(origin))
        now = sum((line.amount for p in again.people if p.person_id == pid for line in p.lines if not line.component_id.startswith((HELD, TRUE_UP))), ZERO)
        paid = sum((x.amount for x in prior.lines if x.person_id == pid and x.program == prog and x.period == origin and not x.component.startswith((HELD, TRUE_UP))), ZERO)
        paid += sum((d.paid for d in prior.deals if d.person_id == pid and d.program == prog and d.origin == origin and d.period != origin), ZERO)
        back = min(ZERO, now - paid)
        steps = tuple(BasisStep(f"deal {f.deal_id} ({format_amount(v)}): {why}") for f, v, _, why in items)
        steps += (BasisStep(f"{prog} for {origin} re-rated on today's export: {format_amount(now)} earned, {format_amount(paid)} paid", amount=back),)
        lines.append(PayoutLine(pid, "clawbacks", f"clawback:{origin}:{prog}", f"Clawback: {program.name} re-rated ({origin})", program.currency, back, back, steps))
        for i, (f, v, t, _) in enumerate(items):
            out.append(replace(f, period=period.label, amount=t - v, paid=back if i == 0 else ZERO))
    return lines, out, gone


def _why_not(data: DataSet, program: Program, component: str, deal: str, pid: str) -> str:
    """Why a deal still in the export no longer counts: the first filter its row fails
    (stage is now 'Lost'), another owner, or a missing required field."""
    from .compute import filter_mask

    m = base_measure(program, component)
    ft = data.tables["deals"]
    f = ft.frame
    mine = (f["deal_id"].astype(str) == deal).to_numpy()
    if m is None:
        return "no longer counts"
    if not (mine & (f["_person"].astype("string").fillna("") == pid).to_numpy()).any():
        return "now credited to someone else"
    first = int(np.flatnonzero(mine)[0])
    for flt in m.filters:
        if not filter_mask(ft, flt.field, flt.op, flt.value)[first]:
            value = f[flt.field].iloc[first]
            return f"{flt.field} is now {'blank' if pd.isna(value) else repr(str(value))}"
    return "no longer counts (a required field is blank)"


# --- true-up ----------------------------------------------------------------------------


def year_to_date(period: Period) -> Period:
    return Period.between(dt.date(period.start.year, 1, 1), period.end)


def true_up(result: ProgramResult, prior: Prior, period: Period) -> ProgramResult:
    """The year to date's lines, less what the program paid earlier in the year."""
    year = str(period.start.year)
    earlier = [x for x in prior.lines if x.program == result.program.id and x.period[:4] == year and not x.component.startswith(HELD)]
    people = []
    for person in result.people:
        mine = [x for x in earlier if x.person_id == person.person_id]
        paid = sum((x.amount for x in mine), ZERO)
        periods = sorted({x.period for x in mine})
        step = BasisStep(f"paid by {result.program.name} in {', '.join(periods) if periods else 'no earlier period of ' + year}", amount=-paid)
        line = PayoutLine(person.person_id, result.program.id, TRUE_UP, f"Paid earlier in {year}", result.program.currency, -paid, -paid, (step,))
        people.append(replace(person, lines=person.lines + (line,)))
    return replace(result, people=tuple(people), period_label=period.label, period_start=period.start, period_end=period.end)


# --- draws ------------------------------------------------------------------------------


def draws(results: list[ProgramResult], prior: Prior, data: DataSet, period: Period) -> tuple[list[PayoutLine], list[DrawMove]]:
    """Draw top-ups and recoveries against each person's earnings of the run (every program
    line but manual adjustments)."""
    earned: dict[str, Decimal] = {}
    for r in results:
        if r.program.id.startswith("adjustments"):
            continue
        for p in r.people:
            earned[p.person_id] = earned.get(p.person_id, ZERO) + p.total
    active: dict[str, Draw] = {}
    for d in data.draws:
        if d.start <= period.start <= d.end:
            active[d.person] = d
    lines, moves = [], []
    for pid in sorted(set(active) | {p for p, m in prior.draws.items() if m.closing > 0}):
        draw = active.get(pid)
        last = prior.draws.get(pid)
        if draw is None:  # a recoverable draw that ended with a balance: recover only
            draw = next((d for d in sorted(data.draws, key=lambda d: d.end, reverse=True) if d.person == pid and d.kind == "recoverable"), None)
            if draw is None or last is None:
                continue
            paying = False
        else:
            paying = True
        currency = draw.currency
        places = minor_units(currency)
        rounding = Rounding(places, "half_up")
        opening = last.closing if last is not None and last.currency == currency else ZERO
        e = earned.get(pid, ZERO)
        top_up = round_money(max(ZERO, draw.amount - e), rounding) if paying else ZERO
        base = max(ZERO, e - draw.amount) if paying else max(ZERO, e)
        recovered = ZERO
        earnings = f"earnings this period {format_amount(e)} (every program line; manual adjustments are not earnings)"
        steps = [BasisStep(f"{earnings}; draw {format_amount(draw.amount)} ({draw.kind})" if paying else f"{earnings}; the draw has ended")]
        if draw.kind == "recoverable" and opening > 0 and base > 0:
            recovered = round_money(min(opening, base * draw.recovery_share, draw.cap if draw.cap is not None else opening), rounding)
            cap = f", cap {format_amount(draw.cap)}" if draw.cap is not None else ""
            steps.append(BasisStep(f"recovery: {format_rate(draw.recovery_share)} of {format_amount(base)}, at most the balance {format_amount(opening)}{cap}", amount=-recovered))
        closing = opening + (top_up if draw.kind == "recoverable" else ZERO) - recovered
        if top_up:
            lines.append(PayoutLine(pid, "draws", "draw", "Draw top-up" + (" (recoverable)" if draw.kind == "recoverable" else " (guarantee)"), currency, top_up, top_up,
                                    (*steps, BasisStep(f"top-up to the draw: {format_amount(draw.amount)} - {format_amount(e)}", amount=top_up, note=f"balance to recover {format_amount(closing)}" if draw.kind == "recoverable" else "not recovered"))))
        if recovered:
            lines.append(PayoutLine(pid, "draws", "draw-recovery", "Draw recovery", currency, -recovered, -recovered, (*steps, BasisStep(f"balance {format_amount(opening)} -> {format_amount(closing)}"))))
        moves.append(DrawMove(period.label, pid, currency, draw.kind, opening, top_up, recovered, closing))
    return lines, moves


# --- results of their own ------------------------------------------------------------------


def as_results(program_id: str, name: str, lines: list[PayoutLine], data: DataSet, period: Period) -> list[ProgramResult]:
    """Lines that belong to no program (clawbacks, releases, draws) as program results of
    their own, one per currency (id suffixed with it when there are several), one person
    result per person."""
    currencies = sorted({x.currency for x in lines})
    out = []
    for currency in currencies:
        pid_of = program_id if len(currencies) == 1 else f"{program_id}-{currency.lower()}"
        program = Program(pid_of, name, currency, period.label, "previous", Rounding(minor_units(currency), "half_up"), Eligibility(), (), (), ())
        by_person: dict[str, list[PayoutLine]] = {}
        for line in lines:
            if line.currency == currency:
                by_person.setdefault(line.person_id, []).append(replace(line, program_id=pid_of))
        people = []
        for pid in sorted(by_person):
            p = data.people[pid]
            people.append(PersonResult(pid, p.name, p.role, p.team, p.manager, pid_of, currency, (), (), tuple(by_person[pid])))
        out.append(ProgramResult(program, period.label, period.start, period.end, reference_of(period, "previous").label, tuple(people)))
    return out


def balances(carry: Carry, prior: Prior) -> dict[str, list[tuple[str, str]]]:
    """person -> (label, text) for the statement's Summary: the draw balance after this run
    and the money still held back (from every period, by deal), as the ledger will have them
    once this period is finalised."""
    out: dict[str, list[tuple[str, str]]] = {}
    for m in carry.draws:
        if m.kind == "recoverable":
            moved = f"top-up {format_amount(m.top_up)}" if m.top_up else f"recovered {format_amount(m.recovered)}" if m.recovered else "no change"
            out.setdefault(m.person_id, []).append(("Draw balance", f"{format_amount(m.closing)} {m.currency} to recover from later earnings (opening {format_amount(m.opening)}, {moved})"))
    left: dict[str, Decimal] = {}
    first: dict[str, Hold] = {}
    for h in prior.holds + carry.holds:
        left[h.hold_id] = left.get(h.hold_id, ZERO) + h.amount
        first.setdefault(h.hold_id, h)
    held: dict[str, list[Hold]] = {}
    for hid, amount in left.items():
        if amount > 0:
            held.setdefault(first[hid].person_id, []).append(replace(first[hid], amount=amount))
    for pid, items in held.items():
        total = sum((h.amount for h in items), ZERO)
        parts = "; ".join(f"{h.origin} {h.deal_id or h.component_name} {format_amount(h.amount)}" + ("" if h.release == "invoice" else f" until {h.release}") for h in sorted(items, key=lambda h: (h.origin, h.deal_id, h.hold_id)))
        out.setdefault(pid, []).append(("Held back", f"{format_amount(total)} {items[0].currency} not yet released ({parts})"))
    return out
