"""Holdbacks: a share of each paid line held back, released on a date or when each deal's
invoice is paid (held by what each deal earned)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import replace
from decimal import Decimal
from typing import Any

from ...money import Rounding, allocate, format_amount, format_rate, minor_units, round_money
from ..data import DataSet
from ..model import BasisStep, PayoutLine, Program, ProgramResult
from ..periods import Period
from .deals import deal_ids, paid_deals
from .records import HELD, TRUE_UP, ZERO, Hold, Prior, base_component


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


INSTALLMENT = "installment"  # hold id prefix of an installment not yet paid


def installments(program: Program, result: ProgramResult, data: DataSet, period: Period) -> tuple[ProgramResult, list[Hold]]:
    """A line paid in installments: the later installments are held, each released in the
    run whose period holds its day (the first day of the period ``after`` periods on), and
    shared over the line's deals by what each earned, so a deal cancelled before an
    installment is paid has that installment cancelled and only what was paid clawed back."""
    plan = program.installments
    ids = deal_ids(data)
    later = [(k, share, after) for k, (share, after) in enumerate(plan, start=1) if after > 0]
    holds: list[Hold] = []
    people = []
    for person in result.people:
        extra = []
        for line in person.lines:
            if line.amount <= 0 or line.component_id.startswith((HELD, TRUE_UP)) or (program.installment_components and base_component(line.component_id) not in program.installment_components):
                continue
            rounding = Rounding(minor_units(line.currency), "half_up")
            earned = [(deal, paid) for deal, _, paid in paid_deals(line, ids) if paid > 0]
            for k, share, after in later:
                held = round_money(line.amount * share, rounding)
                if not held:
                    continue
                day = period.shift(after).start.isoformat()
                hold_id = f"{INSTALLMENT}/{period.label}/{program.id}/{line.component_id}/{person.person_id}/{k}"
                if earned:
                    parts = allocate(held, [p for _, p in earned], rounding.places)
                    holds += [Hold(period.label, f"{hold_id}/{deal}", period.label, person.person_id, program.id, line.component_id, f"{line.component_name}, installment {k} of {len(plan)}", deal, part, line.currency, day) for (deal, _), part in zip(earned, parts, strict=True) if part]
                else:
                    holds.append(Hold(period.label, hold_id, period.label, person.person_id, program.id, line.component_id, f"{line.component_name}, installment {k} of {len(plan)}", "", held, line.currency, day))
                step = BasisStep(f"installment {k} of {len(plan)}: {format_rate(share)} of {line.component_name} ({format_amount(line.amount)})", amount=-held, note=f"paid in the run whose period holds {day}")
                extra.append(PayoutLine(person.person_id, program.id, f"{HELD}:{line.component_id}:{INSTALLMENT}-{k}", f"Installment {k} of {len(plan)} later: {line.component_name}", line.currency, -held, -held, (step,)))
        people.append(replace(person, lines=person.lines + tuple(extra)) if extra else person)
    return replace(result, people=tuple(people)), holds


def _paid_by(paid_on: Any, day: dt.date) -> bool:
    return paid_on is not None and paid_on <= day


def releases(prior: Prior, data: DataSet, period: Period, cancelled: Collection[Hold] = ()) -> tuple[list[PayoutLine], list[Hold]]:
    """Release lines for every outstanding hold whose condition the run's period meets: one
    line per held line, the holds' release rows. Holds this run cancels (``cancelled``: a
    deal clawed back before its installments or holdback were paid) are not released."""
    outstanding: dict[str, Hold] = {}
    left: dict[str, Decimal] = {}
    for h in (*prior.holds, *cancelled):
        outstanding.setdefault(h.hold_id, h)
        left[h.hold_id] = left.get(h.hold_id, ZERO) + h.amount
    invoices = data.invoices or {}
    groups: dict[tuple[str, str, str, str], list[tuple[Hold, Decimal, str]]] = {}
    for hid, h in outstanding.items():
        amount = left[hid]
        if amount <= 0:
            continue
        if h.release == "invoice":
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
        what = "Installment paid" if first.hold_id.startswith(INSTALLMENT) else "Holdback released"
        lines.append(PayoutLine(pid, "holdbacks", f"release:{origin}:{program}:{component}", f"{what}: {first.component_name}, held in {origin}", first.currency, total, total, steps))
        rows += [replace(h, period=period.label, amount=-a) for h, a, _ in items]
    return lines, rows
