"""Compute a program over a data set for one period: measures, targets, attainment and every
component for every eligible person. Pure: no files, no printing, no clock.

The parts: engine/measures.py (measures, cohorts, crossing dates) and engine/targets.py
ask the facts; each component kind is a module of engine/components/ (``KINDS``); every
kind's outcome passes through the same after-steps (engine/payout.py) into a payout line.
"""

from __future__ import annotations

import decimal

import numpy as np

from ..diagnostics import Diagnostic
from ..money import CONTEXT
from .components import KINDS, Context
from .data import DataSet
from .eligibility import eligible_people, is_eligible
from .fx import with_fx
from .measures import Evaluator, Payouts, filter_mask
from .model import Component, PayoutLine, PersonResult, Program, ProgramResult
from .payout import line
from .periods import Period, reference_of
from .ranking import Standing, leaderboard, rank_values
from .targets import statistic

__all__ = ["Standing", "compute_program", "filter_mask", "leaderboard", "rank_values", "statistic"]


def compute_program(program: Program, data: DataSet, period: Period, payouts: Payouts | None = None) -> tuple[ProgramResult, list[Diagnostic]]:
    """A program over the period, on the data as it sees it (amounts converted into its
    payout currency when it declares fx). ``payouts``: the lines of the programs computed
    before it that it reads (payouts measures, overrides), by program, component, person."""
    with decimal.localcontext(CONTEXT):
        data, fx_diags = with_fx(program, data, period)
        result, diags = _compute_program(program, data, period, payouts)
        return result, fx_diags + diags


def payouts_of(results: list[ProgramResult]) -> Payouts:
    """program -> component (without a version suffix) -> person -> lines, for the programs
    that read other programs' pay."""
    out: dict[str, dict[str, dict[str, tuple[PayoutLine, ...]]]] = {}
    for r in results:
        for p in r.people:
            for x in p.lines:
                by_person = out.setdefault(r.program.id, {}).setdefault(x.component_id.split("@", 1)[0], {})
                by_person[p.person_id] = (*by_person.get(p.person_id, ()), x)
    return out


def reads_pay_of(program: Program) -> set[str]:
    """The programs whose payout lines a program reads (payouts measures, overrides)."""
    return {m.program for m in program.measures if m.kind == "payouts" and m.program} | {c.program for c in program.components if c.type == "override" and c.program}


def _compute_program(program: Program, data: DataSet, period: Period, payouts: Payouts | None) -> tuple[ProgramResult, list[Diagnostic]]:
    people = eligible_people(program, data, period)
    ev = Evaluator(program, data, people, payouts)
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
        for pid, payout in component_lines(c, Context(program, data, period, people, ev)).items():
            lines_by_person[pid].append(payout)
    results = []
    for pid in people:
        person = data.people[pid]
        ms = tuple((m.name, measures[m.name].values[pid], measures[m.name].how) for m in program.measures)
        ts = tuple((t.name, targets[t.name][0].get(pid), targets[t.name][1].get(pid, "")) for t in program.targets)
        results.append(PersonResult(pid, person.name, person.role, person.team, person.manager, program.id, program.currency, ms, ts, tuple(lines_by_person[pid]), cohorts.get(pid)))
    return ProgramResult(program, period.label, period.start, period.end, ref.label, tuple(results)), ev.diags


def component_lines(c: Component, program_ctx: Context) -> dict[str, PayoutLine]:
    """Every payout line of one component: the people it takes in (the program's, narrowed by
    the component's eligibility and cohorts), its kind's outcomes, and the after-steps."""
    ctx = program_ctx
    people = [p for p in ctx.people if is_eligible(ctx.data.people[p], c.eligible, ctx.period)]
    if c.eligible is not None and c.eligible.cohorts:
        placed = ctx.measures.cohorts(ctx.period)
        people = [p for p in people if placed[p].cohort in c.eligible.cohorts]
    ctx = Context(ctx.program, ctx.data, ctx.period, people, ctx.measures)
    outcomes = KINDS[c.type](c, ctx)
    fed = ctx.value(c.base) if c.base else ctx.value(c.on) if c.on else None
    none = np.zeros(0, dtype=np.int64)
    out = {}
    for p in people:
        if p not in outcomes:
            continue  # a kind that picks its own participants (a plan) pays only them
        o = outcomes[p]
        rows = o.rows if o.rows is not None else (fed.rows.get(p, none) if fed is not None else none)
        out[p] = line(c, ctx, p, o, (rows, (fed.table if fed is not None else None) or ""))
    return out
