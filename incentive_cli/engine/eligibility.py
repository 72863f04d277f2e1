"""Who takes part: a program's (or component's) eligibility, and who is employed in a period."""

from __future__ import annotations

from .data import DataSet, Person
from .model import Eligibility, Program
from .periods import Period


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


def eligible_people(program: Program, data: DataSet, period: Period) -> list[str]:
    return sorted(pid for pid, p in data.people.items() if employed_in(p, period) and is_eligible(p, program.eligible if program.eligible != Eligibility() else None, period))
