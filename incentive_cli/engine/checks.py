"""Checks of a program against the data it will run on: every table, field and roster column
a program names must exist with a usable type. Pure: returns diagnostics located in the
program's YAML."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

from ..diagnostics import Diagnostic, Location, Severity
from .data import DataSet
from .model import Measure, Program
from .periods import Period


def fact_measures(program: Program) -> Iterator[tuple[Measure, str]]:
    """The measures that read fact rows, each with the table it reads."""
    for m in program.measures:
        if m.kind in ("sum", "count", "distinct"):
            yield m, m.table or "deals"


def check_program_data(program: Program, data: DataSet) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    if program.holdback is not None and program.holdback.until == "invoice_paid" and data.invoices is None:
        diags.append(Diagnostic("bad-reference", "holdback.until: invoice_paid, but the data has no invoices source", program.source, hint="declare invoices (deal_id, paid_on) in sources.yaml, or hold until a date", value="invoices"))
    if program.clawback is not None and "deals" in data.tables and "deal_id" not in data.tables["deals"].frame.columns:
        diags.append(Diagnostic("bad-reference", "clawback needs each deal's id, but the deals source has no deal_id", program.source, hint="map deal_id under deals.columns in sources.yaml", value="deal_id"))
    for m, table in fact_measures(program):
        ft = data.tables.get(table)
        if ft is None:
            diags.append(Diagnostic("bad-reference", f"measures.{m.name}.from: the data has no {table!r} source", m.source, hint=f"declare {table} in sources.yaml", value=table))
            continue
        known = sorted(c for c in ft.frame.columns if not c.startswith("_"))
        fields = [f.field for f in m.filters]
        if m.field and m.field != "rows":
            fields.append(m.field)
        if m.date_field:
            fields.append(m.date_field)
        for fld in fields:
            if fld not in ft.frame.columns:
                diags.append(Diagnostic("bad-reference", f"measures.{m.name}: the {table} source has no field {fld!r}", m.source, hint=f"map it under {table}.columns in sources.yaml; fields now: {', '.join(known)}", value=fld))
        if m.kind == "sum" and m.field in ft.types and ft.types[m.field] not in ("money", "number"):
            diags.append(Diagnostic("bad-reference", f"measures.{m.name}.sum: field {m.field!r} is {ft.types[m.field]}, not a number", m.source, hint=f"declare {m.field} with type: money (or number) in sources.yaml"))
        if m.date_field and ft.types.get(m.date_field) != "date" and m.date_field in ft.frame.columns:
            diags.append(Diagnostic("bad-reference", f"measures.{m.name}.date: field {m.date_field!r} is not a date", m.source, hint="declare it with type: date"))
        for f in m.filters:
            if f.op in ("equals", "in") and ft.types.get(f.field, "text") == "text" and f.field in ft.frame.columns and len(ft.frame):  # an empty export is reported as such
                present = set(ft.frame[f.field].dropna().astype(str).unique().tolist())
                wanted = [f.value] if f.op == "equals" else list(f.value)
                missing = [v for v in wanted if v not in present]
                if missing and len(missing) == len(wanted):
                    shown = ", ".join(repr(v) for v in sorted(present)[:12]) + (" ..." if len(present) > 12 else "")
                    diags.append(Diagnostic("filter-matches-nothing", f"measures.{m.name}.where.{f.field}: no row of {table} has {f.field} {' or '.join(repr(v) for v in missing)}, so {m.name} is 0 for everyone", f.source, hint=f"values in the data: {shown}", severity=Severity.WARNING, value=str(missing[0])))
            if f.op in ("at_least", "above", "at_most", "below") and ft.types.get(f.field) not in ("money", "number"):
                diags.append(Diagnostic("bad-reference", f"measures.{m.name}.where.{f.field}: {f.op} needs a numeric field", f.source, hint=f"declare {f.field} with type: money or number"))
    for t in program.targets:
        if t.kind == "roster" and t.column:
            if t.column not in data.roster_types:
                diags.append(Diagnostic("bad-reference", f"targets.{t.name}.roster: the roster has no column {t.column!r}", t.source, hint="map it under roster.columns (or a roster.join file) in sources.yaml", value=t.column))
            elif data.roster_types[t.column] not in ("money", "number"):
                diags.append(Diagnostic("bad-reference", f"targets.{t.name}.roster: roster column {t.column!r} is text, not a number", t.source, hint=f"declare {t.column} with type: money or number"))
    for c in program.components:
        col = c.participants.roster if c.participants else None
        if col:
            if col not in data.roster_types:
                diags.append(Diagnostic("bad-reference", f"components.{c.id}.participants.roster: the roster has no column {col!r}", c.source, hint="join the PIP list (person_id and the start date) to the roster under roster.join in sources.yaml", value=col))
            elif data.roster_types[col] != "date":
                diags.append(Diagnostic("bad-reference", f"components.{c.id}.participants.roster: roster column {col!r} is {data.roster_types[col]}, not a date", c.source, hint=f"declare {col} with type: date"))
        if c.tier_by:
            table = (program.measure(c.base).table if c.base else None) or "deals"
            ft = data.tables.get(table)
            if ft is not None and (c.tier_by not in ft.frame.columns or ft.types.get(c.tier_by) not in ("money", "number")):
                why = "has no field" if c.tier_by not in ft.frame.columns else "has no numeric field"
                diags.append(Diagnostic("bad-reference", f"components.{c.id}.tier_by: the {table} source {why} {c.tier_by!r}", c.source, hint=f"map {c.tier_by} under {table}.columns with type: number (or compute it: computed in sources.yaml)", value=c.tier_by))
        if c.type == "split":
            deals = data.tables.get("deals")
            for r in c.roles:
                if r.field and r.field != "owner" and deals is not None and r.field not in deals.frame.columns:
                    diags.append(Diagnostic("bad-reference", f"components.{c.id}.roles: the deals source has no field {r.field!r} (who held {r.role})", c.source, hint=f"map {r.field} under deals.columns in sources.yaml", value=r.field))
                if not r.field and data.splits is None:
                    diags.append(Diagnostic("bad-reference", f"components.{c.id}.roles: {r.role} has no field, and the data has no splits source to say who held it", c.source, hint="give the role a field (a deal column), or declare splits: in sources.yaml", value=r.role))
    deals = data.tables.get("deals")
    for fld in program.required_fields:
        if deals is not None and fld not in deals.frame.columns:
            diags.append(Diagnostic("bad-reference", f"required_fields: the deals source has no field {fld!r}", program.required_source, hint=f"map {fld} under deals.columns in sources.yaml (required: false if the export may lack it)", value=fld))
    return diags


@dataclass(frozen=True)
class FactCount:
    """How many rows of one fact source a run's period holds, by the date field the
    programs' measures place them with; and the range of dates the source covers."""

    table: str
    file: str
    date_field: str
    rows: int
    in_period: int
    before: int
    after: int
    undated: int
    first: dt.date | None
    last: dt.date | None
    programs: tuple[str, ...]

    @property
    def covers(self) -> str:
        if self.first is None or self.last is None:
            return f"the file has no {self.date_field} at all ({self.rows:,} row(s), every one undated)"
        undated = f", {self.undated:,} undated" if self.undated else ""
        return f"the file's {self.date_field} runs from {self.first.isoformat()} to {self.last.isoformat()} ({self.rows - self.undated:,} dated row(s){undated})"

    def render(self, period: Period, first: bool = True) -> str:
        """'deals (deals.csv): 12 of 40 row(s) in 2026-Q2 by close_date (25 outside it, 3
        undated)'; without ``first``, only what follows the source: '12 by engage_date ...'."""
        outside = self.before + self.after
        tail = [f"{outside:,} outside it"] if outside else []
        if self.undated:
            tail.append(f"{self.undated:,} undated")
        more = f" ({', '.join(tail)})" if tail else ""
        if not first:
            return f"{self.in_period:,} by {self.date_field}{more}"
        return f"{self.table} ({PurePath(self.file).name}): {self.in_period:,} of {self.rows:,} row(s) in {period.label} by {self.date_field}{more}"

    def as_json(self) -> dict[str, object]:
        return {"table": self.table, "file": PurePath(self.file).name, "date_field": self.date_field, "rows": self.rows, "in_period": self.in_period, "before": self.before, "after": self.after, "undated": self.undated,
                "first": self.first.isoformat() if self.first else None, "last": self.last.isoformat() if self.last else None, "programs": list(self.programs)}


def render_facts(counts: list[FactCount], period: Period) -> str:
    """The facts of each source in the period, one source after the other, for the run's
    summary line."""
    by_table: dict[str, list[FactCount]] = {}
    for c in counts:
        by_table.setdefault(c.table, []).append(c)
    return "; ".join(", ".join(c.render(period, k == 0) for k, c in enumerate(group)) for group in by_table.values())


def count_facts(programs: list[Program], data: DataSet, period: Period) -> list[FactCount]:
    """For each fact source (and date field) the programs' measures read: the rows in the
    period, before it, after it and undated, and the dates the source covers. Vectorised:
    one pass over the date column per source."""
    readers: dict[tuple[str, str], list[str]] = {}
    for p in programs:
        for m, table in fact_measures(p):
            ft = data.tables.get(table)
            if ft is None:
                continue
            ids = readers.setdefault((table, m.date_field or ft.date_field), [])
            if p.id not in ids:
                ids.append(p.id)
    out = []
    start, end = np.datetime64(period.start, "D"), np.datetime64(period.end, "D")
    for (table, fld), ids in readers.items():
        ft = data.tables[table]
        dates = ft.frame[fld].to_numpy(dtype="datetime64[D]") if fld in ft.frame.columns else np.full(len(ft.frame), np.datetime64("NaT"), dtype="datetime64[D]")
        undated = np.isnat(dates)
        dated = dates[~undated]
        first = dated.min().astype(object) if len(dated) else None
        last = dated.max().astype(object) if len(dated) else None
        out.append(FactCount(table, ft.file, fld, len(dates), int(((dated >= start) & (dated <= end)).sum()), int((dated < start).sum()), int((dated > end).sum()), int(undated.sum()), first, last, tuple(sorted(ids))))
    return out


def _names(programs: tuple[str, ...]) -> str:
    return ", ".join(programs[:5]) + (f" and {len(programs) - 5} more" if len(programs) > 5 else "")


def check_empty_sources(counts: list[FactCount], data: DataSet) -> list[Diagnostic]:
    """A deals or activities export that programs read, with a header and no data row: an
    error naming the file (an empty export pays nobody, in silence). A source no program
    reads may be empty."""
    out, seen = [], set()
    for c in counts:
        if c.rows or c.table in seen:
            continue
        seen.add(c.table)
        ft = data.tables[c.table]
        where = f"the sheet {ft.sheet!r}" if ft.sheet else "the file"
        out.append(Diagnostic("empty-export", f"{where} has a header (row {ft.header_row}) but no data rows: an empty {c.table} export; the programs reading it: {_names(c.programs)}", Location(ft.file, ft.header_row, None, ft.sheet),
                              hint=f"export the {c.table} again (check the report's filters and date range); to run on it anyway (everyone gets what an empty period pays), pass --allow-empty", value=c.table))
    return out


def check_facts_in_period(counts: list[FactCount], period: Period, data: DataSet) -> list[Diagnostic]:
    """A period in which a source the programs' measures read has no row at all is an error
    naming the source, the period and the dates the file does cover: an export of the wrong
    quarter, or an empty one, never pays zero in silence. (--allow-empty computes anyway.)"""
    out = check_empty_sources(counts, data)
    for c in counts:
        if c.in_period or not c.rows:
            continue
        names = _names(c.programs)
        out.append(Diagnostic(
            "no-facts-in-period",
            f"no row of {c.table} has a {c.date_field} in {period.label} ({period.start.isoformat()} to {period.end.isoformat()}): {c.covers}; the programs reading it: {names}",
            Location(c.file), hint=f"check --period against the dates the file covers, or export the {c.table} of {period.label}; to compute the period anyway (everyone gets what an empty period pays), pass --allow-empty",
            value=c.table))
    return out


def check_programs_fit(programs: list[Program], skipped: list[str], period: Period, where: str) -> list[Diagnostic]:
    """A run in which no program fits the period computes nothing: an error, saying what
    each program is written for."""
    kinds = sorted({p.period for p in programs})
    examples = {"month": f"{period.start:%Y-%m}", "quarter": f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}", "year": f"{period.start.year}"}
    wanted = ", ".join(f"--period {examples.get(k, k)}" for k in kinds)
    shown = "; ".join(skipped[:5]) + (f"; and {len(skipped) - 5} more" if len(skipped) > 5 else "")
    return [Diagnostic("no-program-fits", f"no program runs for {period.label}: {shown}", Location(where), hint=f"run a period the programs are written for: {wanted}", value=period.label)]


def pay_order(programs: list[Program]) -> tuple[list[str], list[Diagnostic]]:
    """The order to compute programs in so that a program reading another's pay (payouts
    measures, overrides) comes after it; a reference to no program, or a circle, is an error
    at the reference."""
    from .compute import reads_pay_of

    ids = {p.id for p in programs}
    deps = {p.id: reads_pay_of(p) for p in programs}
    diags = []
    for p in programs:
        refs = [(m.program, m.source) for m in p.measures if m.program] + [(c.program, c.source) for c in p.components if c.program]
        for ref, where in refs:
            if ref not in ids:
                diags.append(Diagnostic("bad-reference", f"program {p.id!r} reads the pay of program {ref!r}, which is not among the programs", where, hint="name a program of the programs folder: " + ", ".join(sorted(ids)), value=ref))
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(pid: str, path: list[str]) -> None:
        if state.get(pid) == 2:
            return
        if state.get(pid) == 1:
            cycle = path[path.index(pid):] + [pid]
            first = next(p for p in programs if p.id == pid)
            diags.append(Diagnostic("bad-reference", f"programs read each other's pay in a circle: {' -> '.join(cycle)}", first.source, hint="a program can read the pay of programs computed before it only", value=pid))
            return
        state[pid] = 1
        for d in sorted(deps.get(pid, ())):
            if d in ids:
                visit(d, path + [pid])
        state[pid] = 2
        order.append(pid)

    for pid in sorted(ids):
        visit(pid, [])
    return order, diags
