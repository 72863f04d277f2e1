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
from .attribution import by_deal
from .data import DataSet, Draw
from .model import BasisStep, Eligibility, Measure, PayoutLine, PersonResult, Program, ProgramResult
from .periods import Period, reference_of

ZERO = Decimal(0)
RATE_PLACES = Decimal("1e-10")  # the rate a deal was paid at, as recorded (informational)
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
    """The measure a component's line is computed on (its base, else the measure it is on),
    by the line's component id (version suffix and all); None for components without one."""
    comp = next((c for c in program.components if c.id == base_component(component)), None)
    name = (comp.base or comp.on) if comp is not None else None
    return program.measure(name) if name else None


def deal_ids(data: DataSet) -> np.ndarray | None:
    """The deals' ids by data row (``_i``), or None when the deals carry no id."""
    ft = data.tables.get("deals")
    if ft is None or "deal_id" not in ft.frame.columns:
        return None
    return ft.deal_ids()


def paid_deals(line: PayoutLine, ids: np.ndarray | None) -> list[tuple[str, Decimal, Decimal]]:
    """(deal id, value credited, money paid) of each deal a line was paid on: its deal
    attribution (engine/attribution.py), in deal id order; [] for a line not paid on deals."""
    a = line.attribution
    if a is None or ids is None or a.table != "deals" or a.paid is None:
        return []
    return by_deal(a, ids)


def payments(program: Program, result: ProgramResult, data: DataSet, period: Period) -> list[DealPaid]:
    """What each deal earned of every paid line of a program with a clawback rule."""
    ids = deal_ids(data)
    out = []
    for person in result.people:
        for line in person.lines:
            if line.amount == 0 or line.component_id.startswith((HELD, TRUE_UP)):
                continue
            for deal, value, paid in paid_deals(line, ids):
                if paid:
                    rate = (paid / value).quantize(RATE_PLACES).normalize() + 0 if value else ZERO
                    out.append(DealPaid(period.label, period.label, person.person_id, program.id, line.component_id, deal, value, rate, paid))
    return out


# --- holdbacks --------------------------------------------------------------------------


def hold_back(program: Program, result: ProgramResult, data: DataSet, period: Period) -> tuple[ProgramResult, list[Hold]]:
    """Puts a negative 'held back' line beside every held line, and lists the holds."""
    hb = program.holdback
    assert hb is not None
    invoices = data.invoices or {}
    ids = deal_ids(data)
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
                earned = [(deal, paid) for deal, _, paid in paid_deals(line, ids) if paid > 0]
                if not earned:
                    continue
                parts = allocate(held, [p for _, p in earned], rounding.places)
                unpaid = [(deal, part) for (deal, _), part in zip(earned, parts, strict=True) if part and not _paid_by(invoices.get(deal), period.end)]
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


def credited_today(result: ProgramResult, ids: np.ndarray | None) -> dict[tuple[str, str, str], Decimal]:
    """(person, component, deal) -> the value the deal is credited with today for the person
    in a paid period recomputed on today's export: by the same attribution that paid it, so
    a manager's roll-up, a split partner's role and a team measure count as they did."""
    out: dict[tuple[str, str, str], Decimal] = {}
    for person in result.people:
        for line in person.lines:
            for deal, value, _ in paid_deals(line, ids):
                key = (person.person_id, base_component(line.component_id), deal)
                out[key] = out.get(key, ZERO) + value
    return out


def clawbacks(prior: Prior, programs: dict[str, Program], data: DataSet, period: Period, recompute: Callable[[Program, Period], ProgramResult], seen: Callable[[Program], DataSet] | None = None) -> tuple[list[PayoutLine], list[DealPaid], set[tuple[str, str, str]]]:
    """A negative line for every paid deal that no longer counts for the person paid on it,
    or for less, within its program's window: the paid period is recomputed on today's export
    and each deal's credited value compared. A deal that no longer counts gives back what it
    earned; one that counts for less gives back that share of it. Also returns the (person,
    program, deal) clawed back to nothing. ``seen`` gives the data as a program sees it
    (converted into its payout currency), for the reasons."""
    credited: dict[tuple[str, str, str, str, str], list[DealPaid]] = {}
    for d in prior.deals:
        credited.setdefault((d.person_id, d.program, d.component, d.deal_id, d.origin), []).append(d)
    ids = deal_ids(data)
    all_deals = set(ids.tolist()) if ids is not None else set()
    today_of: dict[tuple[str, str], dict[tuple[str, str, str], Decimal]] = {}
    drops: list[tuple[DealPaid, Decimal, Decimal, Decimal, str]] = []  # (first payment, credited, paid, today, why)
    for (pid, prog, comp, deal, origin), rows in sorted(credited.items()):
        program = programs.get(prog)
        if program is None or program.clawback is None:
            continue
        cb = program.clawback
        if (period.end - Period.parse(origin).end).days > cb.window_days:
            continue
        value = sum((r.amount for r in rows), ZERO)
        paid = sum((r.paid for r in rows), ZERO)
        if value <= 0 or paid == 0:
            continue
        if deal not in all_deals:
            if cb.missing == "ignore":
                continue
            today, why = ZERO, "no longer in the export"
        else:
            if (prog, origin) not in today_of:
                today_of[(prog, origin)] = credited_today(recompute(program, Period.parse(origin)), ids)
            today = today_of[(prog, origin)].get((pid, base_component(comp), deal), ZERO)
            why = f"now {format_amount(today)}" if today else why_not_credited(seen(program) if seen is not None else data, program, comp, deal, pid, Period.parse(origin))
        if today < value:
            drops.append((rows[0], value, paid, today, why))
    lines: list[PayoutLine] = []
    out: list[DealPaid] = []
    gone = {(f.person_id, f.program, f.deal_id) for f, _, _, today, _ in drops if today == 0}
    rerated: dict[tuple[str, str, str], list[tuple[DealPaid, Decimal, Decimal, str]]] = {}
    for first, value, paid, today, why in drops:
        program = programs[first.program]
        assert program.clawback is not None
        if program.clawback.rerate:
            rerated.setdefault((first.person_id, first.program, first.origin), []).append((first, value, today, why))
            continue
        rounding = Rounding(minor_units(program.currency), "half_up")
        if today <= 0:
            exact = -paid
            note = f"it earned {format_amount(paid)}: all of it is taken back"
        else:
            exact = -paid * (value - today) / value
            note = f"{format_amount(value - today)} of its {format_amount(value)} no longer counts: that share of the {format_amount(paid)} it earned"
        amount = round_money(exact, rounding)
        step = BasisStep(f"deal {first.deal_id}, paid in {first.origin} on {format_amount(value)}; {why}", amount=exact, note=note)
        lines.append(PayoutLine(first.person_id, "clawbacks", f"clawback:{first.origin}:{first.program}:{first.deal_id}", f"Clawback: deal {first.deal_id} ({first.origin})", program.currency, amount, exact, (step,)))
        out.append(replace(first, period=period.label, amount=today - value, paid=amount))
    for (pid, prog, origin), items in sorted(rerated.items()):
        program = programs[prog]
        again = recompute(program, Period.parse(origin))
        now = sum((line.amount for p in again.people if p.person_id == pid for line in p.lines if not line.component_id.startswith((HELD, TRUE_UP))), ZERO)
        paid_then = sum((x.amount for x in prior.lines if x.person_id == pid and x.program == prog and x.period == origin and not x.component.startswith((HELD, TRUE_UP))), ZERO)
        paid_then += sum((d.paid for d in prior.deals if d.person_id == pid and d.program == prog and d.origin == origin and d.period != origin), ZERO)
        back = min(ZERO, now - paid_then)
        steps = tuple(BasisStep(f"deal {f.deal_id} ({format_amount(v)}): {why}") for f, v, _, why in items)
        steps += (BasisStep(f"{prog} for {origin} re-rated on today's export: {format_amount(now)} earned, {format_amount(paid_then)} paid", amount=back),)
        lines.append(PayoutLine(pid, "clawbacks", f"clawback:{origin}:{prog}", f"Clawback: {program.name} re-rated ({origin})", program.currency, back, back, steps))
        for i, (f, v, t, _) in enumerate(items):
            out.append(replace(f, period=period.label, amount=t - v, paid=back if i == 0 else ZERO))
    return lines, out, gone


def why_not_credited(data: DataSet, program: Program, component: str, deal: str, pid: str, origin: Period) -> str:
    """Why a deal still in the export no longer counts for the person paid on it: the first
    filter its row fails (stage is now 'Lost'), a required field now blank, a date moved out
    of the paid period, or an owner for whom it no longer counts."""
    from .compute import filter_mask

    ft = data.tables["deals"]
    f = ft.frame
    first = int(np.flatnonzero((f["deal_id"].astype("string") == deal).fillna(False).to_numpy())[0])
    m = base_measure(program, component)
    if m is not None and m.kind == "attainment" and m.of:
        m = program.measure(m.of)
    for flt in m.filters if m is not None else ():
        if not filter_mask(ft, flt.field, flt.op, flt.value)[first]:
            [value] = ft.text(flt.field, first)
            return f"{flt.field} is now {repr(value) if value else 'blank'}"
    for fld in () if m is None or m.include_incomplete else program.required_fields:
        if not filter_mask(ft, fld, "blank", False)[first]:
            return f"{fld} is now blank (the program requires it)"
    date_col = (m.date_field if m is not None else None) or ft.date_field
    day = f[date_col].iloc[first]
    if pd.isna(day):
        return f"{date_col} is now blank"
    day = pd.Timestamp(day).date()
    if not origin.start <= day <= origin.end:
        return f"{date_col} is now {day.isoformat()}, outside {origin.label}"
    owner = f["_person"].iloc[first]
    who = data.people[owner].name if isinstance(owner, str) and owner in data.people else "nobody on the roster"
    comp = next((c for c in program.components if c.id == base_component(component)), None)
    if comp is not None and comp.type == "split":
        return "the person no longer holds a role on it"
    if owner != pid:
        rollup = m.rollup if m is not None else "own"
        return f"now owned by {who}" + ("" if rollup == "own" else f", whose deals no longer count for this person ({rollup})")
    return "no longer counts"


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
        back = round_money(ZERO - sum((x.amount for x in mine), ZERO), Rounding(minor_units(result.program.currency)))  # 0.00, never -0
        periods = sorted({x.period for x in mine})
        step = BasisStep(f"paid by {result.program.name} in {', '.join(periods) if periods else 'no earlier period of ' + year}", amount=back)
        line = PayoutLine(person.person_id, result.program.id, TRUE_UP, f"Paid earlier in {year}", result.program.currency, back, back, (step,))
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
