"""Effective-dated programs (issue 7): versions of one program, each in force from its
``effective_from`` until the next one's. A period that spans a change is computed in parts,
each under the version in force (its facts by date, its targets prorated by days, as an
active window does), and the parts are put together into one result whose lines and figures
say which version they come from."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from .model import Measure, PayoutLine, PersonResult, Program, ProgramResult, Season
from .periods import Period

ONE_DAY = dt.timedelta(days=1)


def in_force(versions: list[Program], period: Period) -> list[tuple[Program, dt.date, dt.date]]:
    """(version, first day, last day) of each version in force during the period, oldest
    first. Days before the first version's effective_from belong to no version."""
    ordered = sorted(versions, key=lambda p: p.effective_from or dt.date.min)
    out = []
    for i, v in enumerate(ordered):
        start = v.effective_from or dt.date.min
        end = ordered[i + 1].effective_from - ONE_DAY if i + 1 < len(ordered) else dt.date.max
        a, b = max(start, period.start), min(end, period.end)
        if a <= b:
            out.append((v, a, b))
    return out


def label(a: dt.date, b: dt.date, period: Period) -> str:
    if a == period.start:
        return f"version until {b.isoformat()}"
    return f"version from {a.isoformat()}"


def part(version: Program, a: dt.date, b: dt.date, period: Period) -> Program:
    """The version as computed over its days of the period: an active window of those days
    (facts dated outside do not count; targets are prorated by its days)."""
    if a == period.start and b == period.end:
        return version
    return replace(version, active=Season(label(a, b, period), a.isoformat(), b.isoformat(), source=version.source))


def merge(parts: list[tuple[ProgramResult, str]]) -> ProgramResult:
    """One result from the parts of a period: every line, measure and target named with its
    version; people in the order they first appear."""
    if len(parts) == 1:
        return parts[0][0]
    people: dict[str, list[tuple[PersonResult, str]]] = {}
    for result, name in parts:
        for p in result.people:
            people.setdefault(p.person_id, []).append((p, name))
    merged = []
    for mine in people.values():
        first = mine[0][0]
        lines: list[PayoutLine] = []
        measures: list[tuple[str, Decimal, str]] = []
        targets: list[tuple[str, Decimal | None, str]] = []
        for p, name in mine:
            lines += [replace(x, component_id=f"{x.component_id}@{name.rsplit(' ', 1)[-1]}", component_name=f"{x.component_name} ({name})") for x in p.lines]
            measures += [(f"{m} ({name})", v, f"{how}; {name}: its days only") for m, v, how in p.measures]
            targets += [(f"{t} ({name})", v, how) for t, v, how in p.targets]
        merged.append(replace(first, measures=tuple(measures), targets=tuple(targets), lines=tuple(lines)))
    last = parts[-1][0]
    named_measures = tuple(m for r, name in parts for m in _renamed_measures(r.program, name))
    named_targets = tuple(replace(t, name=f"{t.name} ({name})", of=f"{t.of} ({name})" if t.of else t.of) for r, name in parts for t in r.program.targets)
    return replace(last, program=replace(last.program, active=None, measures=named_measures, targets=named_targets), people=tuple(merged))


def _renamed_measures(program: Program, name: str) -> list[Measure]:
    """A part's measures named with its version, their references too, so the merged
    program describes the merged figures."""
    def ref(x: str | None) -> str | None:
        return f"{x} ({name})" if x else x

    return [replace(m, name=ref(m.name) or m.name, numerator=ref(m.numerator), denominator=ref(m.denominator), of=ref(m.of), target=ref(m.target)) for m in program.measures]


def unversioned(name: str) -> str:
    """A measure, target or component name without the version label a merged part gives it.

    >>> unversioned("revenue (version from 2026-02-15)")
    'revenue'
    """
    head, sep, tail = name.rpartition(" (version ")
    return head if sep and tail.endswith(")") else name
