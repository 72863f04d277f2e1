"""Targets: a fixed value, a roster column (a quota, or its sum over a team), or a statistic
of the reference period over a population; prorated by days (``per``, employment), scaled by
seasons and active windows, rounded as declared. Pure."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, Severity
from ..money import format_number, format_rate
from .eligibility import employed_in
from .model import RATIO_KINDS, Target
from .periods import Period
from .seasons import overlap_days, season_factor

if TYPE_CHECKING:
    from .measures import Evaluator

ZERO = Decimal(0)


def compute_target(ev: Evaluator, name: str, period: Period) -> tuple[dict[str, Decimal | None], dict[str, str]]:
    """Each person's value of a target in a period (None: no target), and how it was
    derived: fixed, a roster column (or its sum over a roll-up), or a statistic of the
    reference period; then prorated (per, employment), scaled (seasons, active window) and
    rounded as declared."""
    t = ev.program.target(name)
    vals: dict[str, Decimal | None] = {}
    how: dict[str, str] = {}
    if t.kind == "fixed":
        for p in ev.people:
            vals[p], how[p] = t.value, f"fixed {format_number(t.value)}"
    elif t.kind == "roster" and t.rollup != "own":
        for p in ev.people:
            members = [ev.data.people[q].attr(t.column or "") for q in ev.data.members(p, t.rollup) if employed_in(ev.data.people[q], period)]
            known = [v for v in members if isinstance(v, Decimal)]
            vals[p] = sum(known, ZERO) if known else None
            how[p] = f"sum of roster column {t.column} over {len(known)} {'person' if len(known) == 1 else 'people'} ({t.rollup})"
    elif t.kind == "roster":
        for p in ev.people:
            v = ev.data.people[p].attr(t.column or "")
            vals[p] = v if isinstance(v, Decimal) else None
            how[p] = f"roster column {t.column}"
    else:
        history, ref = ev.reference_values(t.of or "", period)
        groups: dict[str, list[str]] = {}
        cohorts = ev.cohorts(period) if t.over == "cohort" else {}
        for p in ev.people:
            key_g = ev.data.people[p].team if t.over == "team" else cohorts[p].cohort if t.over == "cohort" else ""
            groups.setdefault(key_g, []).append(p)
        for g, members in groups.items():
            population = [v for v in (history[p] for p in members) if v is not None]
            value, text = statistic(t, population, ref.label, ratio=ev.program.measure(t.of or "").kind in RATIO_KINDS)
            scope = f" (team {g})" if t.over == "team" else f" (cohort {g})" if t.over == "cohort" else ""
            if value is None:
                ev.diags.append(Diagnostic("no-target", f"target {t.name!r}{scope}: {text}, so it has no value in {period.label} and what depends on it pays nothing", t.source, hint="choose a reference period with data (reference:), or a fixed target", severity=Severity.WARNING, value=t.name))
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
        for p in ev.people:
            v = vals.get(p)
            if v is not None:
                vals[p] = v * factor
                how[p] += f" x {format_number(round(factor, 6))} (per {t.per}: {', '.join(parts)})"
    if t.prorate in ("months_any_day", "months_first_day") and ev.run is not None and period.label == ev.run.label:
        _prorate_by_months(ev, t, period, (vals, how))
    if t.ramp and ev.run is not None and period.label == ev.run.label:
        _ramp(ev, t, period, (vals, how))
    if t.prorate == "employment" and ev.run is not None and period.label == ev.run.label:
        for p in ev.people:
            v = vals.get(p)
            days = ev.data.working_days(p, period.start, period.end)
            if v is not None and days == 0:
                vals[p] = None
                how[p] += " x 0 days: not employed, or on leave, for the whole period (no target)"
                ev.absent.add((name, p))
            elif v is not None and days != period.days:
                vals[p] = v * days / period.days
                how[p] += f" x {days}/{period.days} days employed and not on leave"
    scale, why = _calendar_scale(ev, t, period)
    if why:
        for p in ev.people:
            v = vals.get(p)
            if v is not None:
                vals[p] = v * scale
                how[p] += f" x {format_rate(round(scale, 6))} ({why})"
    for p in ev.people:
        v = vals.get(p)
        if v is not None and t.round != "none":
            mode = {"up": ROUND_CEILING, "down": ROUND_FLOOR, "nearest": ROUND_HALF_UP}[t.round]
            vals[p] = v.to_integral_value(rounding=mode)
            if vals[p] != v:
                how[p] += f", rounded {t.round} to {format_number(vals[p])}"
    return vals, how


def months_of(period: Period) -> list[tuple[dt.date, dt.date]]:
    """(first day, last day) of each calendar month the period overlaps."""
    out = []
    day = period.start.replace(day=1)
    while day <= period.end:
        nxt = (day + dt.timedelta(days=32)).replace(day=1)
        out.append((day, nxt - dt.timedelta(days=1)))
        day = nxt
    return out


def _prorate_by_months(ev: Evaluator, t: Target, period: Period, targets: tuple[dict[str, Decimal | None], dict[str, str]]) -> None:
    """The target times the months the person counts in over the months of the period: a
    month counts when they were employed on any day of it (months_any_day) or on its first
    day (months_first_day)."""
    vals, how = targets
    months = months_of(period)
    first_day = t.prorate == "months_first_day"
    for p in ev.people:
        v = vals.get(p)
        if v is None:
            continue
        person = ev.data.people[p]
        hired, left = person.hire_date or dt.date.min, person.end_date or dt.date.max
        counted = sum(1 for a, b in months if ((hired <= a <= left) if first_day else (hired <= b and left >= a)))
        if counted == len(months):
            continue
        vals[p] = v * counted / len(months) if counted else None
        if not counted:
            ev.absent.add((t.name, p))
        rule = "employed on its first day" if first_day else "employed on any day of it"
        how[p] += f" x {counted}/{len(months)} months (a month counts when {rule})" + ("" if counted else ": no target")


def _ramp(ev: Evaluator, t: Target, period: Period, targets: tuple[dict[str, Decimal | None], dict[str, str]]) -> None:
    """A new hire's target at the ramp's share in each month of employment (month 1 starts on
    the hire date), weighted by the days of the period the person was employed in each."""
    vals, how = targets
    for p in ev.people:
        v = vals.get(p)
        hired = ev.data.people[p].hire_date
        if v is None or hired is None:
            continue
        left = ev.data.people[p].end_date or dt.date.max
        weighted, days, parts = ZERO, 0, []
        for k, share in enumerate(t.ramp, start=1):
            a, b = _add_months(hired, k - 1), _add_months(hired, k) - dt.timedelta(days=1)
            lo, hi = max(a, period.start), min(b, period.end, left)
            if lo <= hi:
                n = (hi - lo).days + 1
                weighted += share * n
                days += n
                parts.append(f"month {k} at {format_rate(share)}: {n} day{'s' if n != 1 else ''}")
        after = _add_months(hired, len(t.ramp))
        lo, hi = max(after, period.start, hired), min(period.end, left)
        if lo <= hi and parts:
            n = (hi - lo).days + 1
            weighted += n
            days += n
            parts.append(f"fully ramped: {n} day{'s' if n != 1 else ''}")
        if not parts or days == 0:
            continue
        factor = weighted / days
        vals[p] = v * factor
        how[p] += f" x {format_rate(round(factor, 6))} (ramp from the hire date {hired.isoformat()}: {', '.join(parts)})"


def _add_months(day: dt.date, n: int) -> dt.date:
    """The same day n months later (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 + n
    y, m0 = divmod(index, 12)
    last = ((dt.date(y, m0 + 1, 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)).day
    return dt.date(y, m0 + 1, min(day.day, last))


def _calendar_scale(ev: Evaluator, t: Target, period: Period) -> tuple[Decimal, str]:
    """Seasons scale a target by the day-weighted scale of the period; an active window
    prorates it by its days in the period. Applies to the run's period only."""
    if ev.run is None or period.label != ev.run.label:
        return Decimal(1), ""
    scale, parts = Decimal(1), []
    if ev.program.seasons:
        factor, how, clashes = season_factor(ev.program.seasons, period)
        if clashes:
            first = next(s for s in ev.program.seasons if s.name == clashes[0])
            ev.diags.append(Diagnostic("bad-window", f"seasons {' and '.join(repr(c) for c in clashes)} overlap in {period.label}", first.source, hint="a day belongs to one season at most: move a from or a to", value=clashes[0]))
        if how:
            scale *= factor
            parts.append(f"seasons: {how}")
    act = ev.program.active
    if act is not None:
        days = overlap_days(act.start, act.end, period)
        if days != period.days:
            scale = scale * days / period.days
            parts.append(f"active {act.name}: {days} of {period.days} days")
    return scale, "; ".join(parts)


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
