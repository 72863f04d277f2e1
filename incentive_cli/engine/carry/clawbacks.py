"""Clawbacks: a paid deal that no longer counts for the person paid on it (or counts for
less) gives back what it earned, within the program's window; or, re-rated, the paid period
is recomputed on today's export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pandas as pd

from ...money import Rounding, format_amount, format_rate, minor_units, round_money
from ..data import DataSet
from ..model import BasisStep, PayoutLine, Program, ProgramResult
from ..periods import Period
from .deals import base_measure, deal_ids, paid_deals
from .records import HELD, TRUE_UP, ZERO, DealPaid, Hold, Prior, base_component


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


def clawbacks(prior: Prior, programs: dict[str, Program], data: DataSet, period: Period, recompute: Callable[[Program, Period], ProgramResult], seen: Callable[[Program], DataSet] | None = None) -> tuple[list[PayoutLine], list[DealPaid], list[Hold]]:
    """A negative line for every paid deal that no longer counts for the person paid on it,
    or for less, within its program's window: the paid period is recomputed on today's export
    and each deal's credited value compared. A deal that no longer counts gives back what it
    earned (times the clawback's share); one that counts for less gives back that share of it;
    what is still held of it is cancelled first. Also returns the cancelled holds. ``seen`` gives the data as a program sees it
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
    cancelled: list[Hold] = []
    held = _held_by_deal(prior)
    rerated: dict[tuple[str, str, str], list[tuple[DealPaid, Decimal, Decimal, str]]] = {}
    for first, value, paid, today, why in drops:
        program = programs[first.program]
        assert program.clawback is not None
        if program.clawback.rerate:
            rerated.setdefault((first.person_id, first.program, first.origin), []).append((first, value, today, why))
            continue
        holds = held.get((first.person_id, first.program, first.component, first.deal_id, first.origin), [])
        line, back, cancel = _take_back(program, (first, value, paid, today, why), holds, period)
        if line is not None:
            lines.append(line)
        out.append(replace(first, period=period.label, amount=today - value, paid=back))
        cancelled += cancel
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
    return lines, out, cancelled


def _held_by_deal(prior: Prior) -> dict[tuple[str, str, str, str, str], list[tuple[Hold, Decimal]]]:
    """(person, program, component, deal, origin) -> each hold of the deal still held, with
    what is left of it (installments and holdbacks not yet released)."""
    left: dict[str, Decimal] = {}
    first: dict[str, Hold] = {}
    for h in prior.holds:
        left[h.hold_id] = left.get(h.hold_id, ZERO) + h.amount
        first.setdefault(h.hold_id, h)
    out: dict[tuple[str, str, str, str, str], list[tuple[Hold, Decimal]]] = {}
    for hid, amount in sorted(left.items()):
        h = first[hid]
        if amount > 0 and h.deal_id:
            out.setdefault((h.person_id, h.program, h.component, h.deal_id, h.origin), []).append((h, amount))
    return out


def _take_back(program: Program, drop: tuple[DealPaid, Decimal, Decimal, Decimal, str], holds: list[tuple[Hold, Decimal]], period: Period) -> tuple[PayoutLine | None, Decimal, list[Hold]]:
    """A deal that no longer counts (or counts for less): the person keeps what it earned
    times (1 - the lost share x the clawback's share); what is still held of it (installments,
    holdbacks) is cancelled first, and only what was actually paid beyond that is taken back.
    Returns the clawback line (None when nothing paid is taken back), the money taken back,
    and the cancelled holds."""
    first, value, paid, today, why = drop
    cb = program.clawback
    assert cb is not None
    lost = (value - today) / value
    keeps = paid * (1 - lost * cb.share)  # what the person is entitled to now
    held = sum((a for _, a in holds), ZERO)
    received = paid - held
    rounding = Rounding(minor_units(program.currency), "half_up")
    cancel_total = round_money(max(ZERO, held - max(ZERO, keeps - received)), rounding)
    cancelled, rest = [], cancel_total
    for h, amount in holds:
        part = min(amount, rest)
        if part:
            cancelled.append(replace(h, period=period.label, amount=-part, release="cancelled"))
            rest -= part
    exact = -max(ZERO, received - keeps)
    amount = round_money(exact, rounding)
    if not amount and not cancelled:
        return None, ZERO, []
    share = "" if cb.share == 1 else f"; the clawback takes back {format_rate(cb.share)}"
    if today <= 0:
        note = f"it earned {format_amount(paid)}"
    else:
        note = f"{format_amount(value - today)} of its {format_amount(value)} no longer counts: that share of the {format_amount(paid)} it earned"
    if cancel_total:
        note += f"; {format_amount(cancel_total)} of it was not paid yet and is cancelled, {format_amount(-amount)} paid is taken back"
    elif today <= 0 and cb.share == 1:
        note += ": all of it is taken back"
    step = BasisStep(f"deal {first.deal_id}, paid in {first.origin} on {format_amount(value)}; {why}{share}", amount=exact, note=note)
    line = PayoutLine(first.person_id, "clawbacks", f"clawback:{first.origin}:{first.program}:{first.deal_id}", f"Clawback: deal {first.deal_id} ({first.origin})", program.currency, amount, exact, (step,))
    return line, amount, cancelled


def why_not_credited(data: DataSet, program: Program, component: str, deal: str, pid: str, origin: Period) -> str:
    """Why a deal still in the export no longer counts for the person paid on it: the first
    filter its row fails (stage is now 'Lost'), a required field now blank, a date moved out
    of the paid period, or an owner for whom it no longer counts."""
    from ..measures import filter_mask

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
