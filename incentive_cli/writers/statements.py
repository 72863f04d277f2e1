"""One statement workbook per person, and one pack per manager.

A statement shows every figure and how it was derived, so a person can check it by hand:

* *Summary*: who, which period, total cash (a live ``=SUM`` of each program's total),
  attainment against each target with a data bar, non-cash rewards and badges;
* one sheet per program: measures and targets with their derivation, then every payout line
  step by step (base, tier, rate, threshold, exact amount) with its rounded payout; the
  program total is a live ``=SUM`` of the payout lines;
* *Deals*: the deals credited (date, id, customer, amount, credit share, amount earned on
  it) and the deals that did not count, each with its reason;
* *Badges and rewards*: each with the date it was earned.

Every formula carries the engine's value as its cached result, so the workbook shows the
right figures without recalculation, and a LibreOffice recalculation gives the same cents
(a test checks it). Workbooks are written in parallel processes; bytes are identical on
rerun.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.attribution import DEAL_BY_DEAL, DealRow, deal_rows
from ..engine.data import DataSet
from ..engine.deal_credit import DealCredit
from ..engine.model import RATIO_KINDS, ProgramResult
from ..engine.periods import Period
from ..money import EXACT_PLACES, minor_units
from .fastxlsx import new_workbook as fast_workbook
from .xlsx import (
    Formats,
    cell,
    fit_widths,
    new_workbook,
    print_setup,
    quote_sheet,
    safe_file_name,
    sheet_name,
)


@dataclass
class ProgramPart:
    program_id: str
    name: str
    reference: str
    measures: list[tuple[str, Decimal, str, str]]  # name, value, kind, how
    targets: list[tuple[str, Decimal | None, str, bool]]  # name, value, how, shown as a percentage
    lines: list[tuple[str, list[tuple[str, Decimal | None, Decimal | None, Decimal | None, Decimal | None, str]], Decimal, bool, str]]  # component, steps, payout, thresholds are ratios, how it is shared over deals
    total: Decimal
    cohort: tuple[str, str] | None = None  # name, how it was placed
    deal_tables: list[tuple[str, str, bool, list[DealRow]]] = field(default_factory=list)  # component, how it was shared, with a running total, the deals


@dataclass
class Statement:
    person_id: str
    name: str
    role: str
    team: str
    manager: str
    region: str
    currency: str
    period: str
    period_range: str
    programs: list[ProgramPart] = field(default_factory=list)
    attainment: list[tuple[str, str, str, Decimal | None, Decimal, Decimal | None]] = field(default_factory=list)  # program, measure, target, target value, measure value, attainment
    credited: list[tuple[str, Any, str, str, Decimal | None, Decimal, Decimal]] = field(default_factory=list)  # program, date, id, customer, amount, share, earned
    originals: dict[int, tuple[Decimal | None, str, Decimal]] = field(default_factory=dict)  # credited row -> (amount, currency, rate) before conversion
    not_counted: list[tuple[str, Any, str, str, str, Decimal | None, str]] = field(default_factory=list)  # program, date, id, customer, stage, amount, reason
    badges: list[tuple[str, str, str, Any, Decimal | None]] = field(default_factory=list)  # type, name, program, earned on, cost
    statuses: list[tuple[str, str]] = field(default_factory=list)  # component, outcome ("Met the plan: yes")

    @property
    def total(self) -> Decimal:
        return sum((p.total for p in self.programs), Decimal(0))

    @property
    def file_name(self) -> str:
        return safe_file_name(self.period, self.name, self.person_id)


def build_statements(period: Period, results: list[ProgramResult], data: DataSet, credits: dict[str, DealCredit | None], balances: dict[str, list[tuple[str, str]]] | None = None) -> list[Statement]:
    statements: dict[str, Statement] = {}
    for r in results:
        credit = credits.get(r.program.id)
        deals = _DealColumns(credit, data) if credit is not None and len(credit.rows) else None
        kinds = {m.name: m.kind for m in r.program.measures}
        ratio_thresholds = {c.id: kinds.get(c.on or "", "") in RATIO_KINDS or (c.gate is not None and kinds.get(c.gate.on, "") in RATIO_KINDS and c.type != "tiers") for c in r.program.components}
        attainment = [m for m in r.program.measures if m.kind == "attainment"]
        for p in r.people:
            if not p.lines and p.cohort is None:
                continue  # no component of this program took the person in (a PIP they are not on)
            person = data.people[p.person_id]
            st = statements.get(p.person_id)
            if st is None:
                manager = data.people[p.manager].name if p.manager in data.people else p.manager  # an id or a name on the roster
                st = statements[p.person_id] = Statement(p.person_id, p.name, p.role, p.team, manager, person.region, p.currency, period.label, f"{period.start.isoformat()} to {period.end.isoformat()}")
            lines = [(ln.component_name, [(s.label, s.base, s.rate, s.threshold, s.amount, s.note) for s in ln.steps], ln.amount, ratio_thresholds.get(ln.component_id, False), _shared(ln)) for ln in p.lines]
            cohort = (p.cohort.cohort, p.cohort.text) if p.cohort is not None else None
            deal_tables = [(ln.component_name, ln.attribution.rule, ln.attribution.running is not None, deal_rows(ln.attribution, data.tables[ln.attribution.table])) for ln in p.lines if ln.attribution is not None and ln.attribution.rule in DEAL_BY_DEAL]
            st.programs.append(ProgramPart(r.program.id, r.program.name, r.reference_label, [(n, v, kinds[n], how) for n, v, how in p.measures], [(n, v, how, r.program.target_is_ratio(n)) for n, v, how in p.targets], lines, p.total, cohort, deal_tables))
            if attainment:
                targets = {n: v for n, v, _ in p.targets}
                values = {n: v for n, v, _ in p.measures}
                for m in attainment:
                    st.attainment.append((r.program.name, m.of or "", m.target or "", targets.get(m.target or ""), values.get(m.of or "", Decimal(0)), values.get(m.name)))
            st.statuses += [(ln.component_name, ln.status) for ln in p.lines if ln.status]
            for component, award in p.awards:
                st.badges.append(("Badge" if award.kind == "badge" else "Non-cash reward", award.name, f"{r.program.name} · {component}", award.earned_on, award.cost))
            if deals is not None:
                deals.add_to(st, r, p)
    for pid, rows in (balances or {}).items():
        if pid in statements:
            statements[pid].statuses += rows
    declared = data_declarations(data)
    for st in statements.values():
        st.statuses += declared
    return [statements[k] for k in sorted(statements)]


def _shared(line: Any) -> str:
    """How a line is shared over deals, for the note beside it; '' for lines of no
    component (clawbacks, releases, draws, adjustments), which say what they are."""
    a = line.attribution
    if a is not None:
        return f"{len(a)} deal{'s' if len(a) != 1 else ''}: {a.rule}"
    return "" if ":" in line.component_id or line.component_id in ("draw", "draw-recovery", "true-up") else "not paid on deals"


def data_declarations(data: DataSet) -> list[tuple[str, str]]:
    """What sources.yaml declared about reading the data that changes figures (blank cells
    read as 0), shown on every statement: the reader of a statement is told, not only
    run.json."""
    out = []
    for record in data.inputs:
        for fld, how in sorted((record.get("blank") or {}).items()):
            cells = f"{how['cells']:,} cell" + ("" if how["cells"] == 1 else "s")
            out.append((f"Blank {fld} read as 0", f"{cells} of {record['file']} (declared in sources.yaml)"))
    return out


class _DealColumns:
    """The deal-credit rows as Python lists, sorted by person, date and deal id once, so
    that each statement takes a slice instead of querying a frame."""

    def __init__(self, credit: DealCredit, data: DataSet):
        rows = credit.rows
        pcode = rows["_pcode"].to_numpy()
        dates = rows["date"].to_numpy(dtype="datetime64[D]")
        ids = rows["deal_id"].astype(str).to_numpy()
        order = np.lexsort((ids, dates, pcode))
        self.credit = credit
        self.ids = [str(x or "") for x in rows["deal_id"].to_numpy(dtype=object)[order]]
        self.customers = [str(x or "") for x in rows["customer"].to_numpy(dtype=object)[order]]
        self.stages = [str(x or "") for x in rows["stage"].to_numpy(dtype=object)[order]]
        self.reasons = [str(x) for x in rows["reason"].to_numpy(dtype=object)[order]]
        self.dates = list(dates[order].astype(object))  # datetime.date, None for NaT
        scale = credit.amount_scale
        self.amounts = [None if a is None else Decimal(int(a)).scaleb(-scale) for a in rows["amount"].to_numpy(dtype=object)[order]]
        self.row_i = rows["_i"].to_numpy()[order].tolist()
        converted = "orig_currency" in rows.columns
        self.originals = list(zip(rows["orig_amount"].to_numpy(dtype=object)[order], rows["orig_currency"].to_numpy(dtype=object)[order], rows["fx_rate"].to_numpy(dtype=object)[order], strict=True)) if converted else None
        codes = pcode[order]
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.zeros(0, dtype=int)
        ends = np.r_[starts[1:], len(codes)]
        ids_of = data.person_ids
        self.span = {ids_of[int(codes[s])]: (int(s), int(e)) for s, e in zip(starts, ends, strict=True)}

    def add_to(self, st: Statement, r: ProgramResult, p: Any) -> None:
        if p.person_id not in self.span:
            return
        lo, hi = self.span[p.person_id]
        credited = [i for i in range(lo, hi) if self.reasons[i] == ""]
        places = minor_units(st.currency)
        zero = Decimal(0).quantize(Decimal(1).scaleb(-places))
        earned = [zero] * len(credited)
        at = {self.row_i[i]: k for k, i in enumerate(credited)}
        for ln in p.lines:  # what each deal earned of every line paid on deals (engine/attribution.py)
            a = ln.attribution
            if a is None or a.paid is None or a.table != self.credit.table:
                continue
            for row, units in zip(a.rows.tolist(), a.paid.tolist(), strict=True):
                k = at.get(row)
                if k is not None and units:
                    earned[k] += Decimal(units).scaleb(-a.places)
        name = r.program.name
        one = Decimal(1)
        for k, i in enumerate(credited):
            st.credited.append((name, self.dates[i], self.ids[i], self.customers[i], self.amounts[i], one, earned[k]))
            if self.originals is not None and self.originals[i][1] != st.currency:
                st.originals[len(st.credited) - 1] = self.originals[i]
        for i in range(lo, hi):
            if self.reasons[i] != "":
                st.not_counted.append((name, self.dates[i], self.ids[i], self.customers[i], self.stages[i], self.amounts[i], self.reasons[i]))


# --- writing -------------------------------------------------------------------------------


FACT_WIDTH = 80  # the Summary's value column: longer facts (what is held back, by deal) wrap
NAME_WIDTH = 60  # a program sheet's component column: longer names wrap


def _wrapped(ws: Any, r: int, text: str, width: int) -> None:
    """A row tall enough for text that wraps in a column ``width`` characters wide (neither
    Excel nor LibreOffice grows a row written with no height)."""
    if len(text) > width:
        ws.set_row(r, 15 * -(-len(text) // (width - 4)))


def write_statement(path: Path, st: Statement) -> None:
    wb = fast_workbook(path, f"Incentive statement {st.name} {st.period}")  # many small books: the fast writer
    f = Formats(wb)
    taken: set[str] = {"Summary", "Deals", "Deals not counted", "Badges and rewards"}
    summary = wb.add_worksheet("Summary")
    program_sheets = [(part, sheet_name(part.name, taken)) for part in st.programs]
    totals: dict[str, str] = {}
    for part, name in program_sheets:
        totals[part.program_id] = _write_program(wb, f, st, part, name)
    _write_summary(summary, f, st, program_sheets, totals)
    _write_deals(wb.add_worksheet("Deals"), f, st)
    _write_not_counted(wb.add_worksheet("Deals not counted"), f, st)
    _write_badges(wb.add_worksheet("Badges and rewards"), f, st)
    wb.close()


def _write_summary(ws: Any, f: Formats, st: Statement, program_sheets: list[tuple[ProgramPart, str]], totals: dict[str, str]) -> None:
    ws.write_string(0, 0, f"Incentive statement: {st.name}", f.title)
    ws.write_string(1, 0, f"{st.period} ({st.period_range})", f.subtitle)
    facts = [("Person", st.name), ("Person id", st.person_id), ("Role", st.role), ("Team", st.team), ("Manager", st.manager), ("Region", st.region), ("Period", f"{st.period} ({st.period_range})"), ("Currency", st.currency), *st.statuses]
    for i, (k, v) in enumerate(facts, start=3):
        ws.write_string(i, 0, k, f.label)
        _wrapped(ws, i, v or "", FACT_WIDTH)
        ws.write_string(i, 1, v or "-", f.wrap if len(v or "") > FACT_WIDTH else None)
    r = 3 + len(facts) + 1
    ws.write_string(r, 0, "Cash by program", f.subtitle)
    r += 1
    ws.write_string(r, 0, "Program", f.header)
    ws.write_string(r, 1, "Amount", f.header)
    first = r + 1
    for part, name in program_sheets:
        r += 1
        ws.write_string(r, 0, part.name)
        ws.write_formula(r, 1, f"={quote_sheet(name)}!{totals[part.program_id]}", f.money(st.currency), part.total)
    r += 1
    ws.write_string(r, 0, "Total cash", f.bold)
    ws.write_formula(r, 1, f"=SUM({cell(first, 1)}:{cell(r - 1, 1)})" if program_sheets else "=0", f.money(st.currency, bold=True), st.total)
    r += 2
    ws.write_string(r, 0, "Attainment", f.subtitle)
    r += 1
    for j, h in enumerate(["Program", "Measure", "Target", "Target value", "Actual", "Attainment"]):
        ws.write_string(r, j, h, f.header)
    if not st.attainment:
        r += 1
        ws.write_string(r, 0, "No program of this period measures attainment.", f.note)
    first_att = r + 1
    for prog, measure, target, tval, actual, att in st.attainment:
        r += 1
        ws.write_string(r, 0, prog)
        ws.write_string(r, 1, measure)
        ws.write_string(r, 2, target)
        if tval is not None:
            ws.write_number(r, 3, tval, f.money(st.currency))
        ws.write_number(r, 4, actual, f.money(st.currency))
        if att is not None:
            ws.write_number(r, 5, att, f.pct)
    if st.attainment:
        ws.conditional_format(first_att, 5, r, 5, {"type": "data_bar", "bar_color": "#63BE7B", "bar_solid": True, "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 1.5})
    r += 2
    ws.write_string(r, 0, "Non-cash rewards and badges", f.subtitle)
    r += 1
    if not st.badges:
        ws.write_string(r, 0, "None this period.", f.note)
    else:
        for j, h in enumerate(["Reward", "Kind", "Earned on", "Cost value"]):
            ws.write_string(r, j, h, f.header)
        for kind, name, _prog, date, cost in st.badges:
            r += 1
            ws.write_string(r, 0, name)
            ws.write_string(r, 1, kind)
            if date is not None:
                ws.write_datetime(r, 2, date, f.date)
            if cost is not None:
                ws.write_number(r, 3, cost, f.money(st.currency))
        costs = [b[4] for b in st.badges if b[4] is not None]
        if costs:
            r += 1
            ws.write_string(r, 0, "Non-cash cost value", f.bold)
            ws.write_formula(r, 3, f"=SUM({cell(r - len(st.badges), 3)}:{cell(r - 1, 3)})", f.money(st.currency, bold=True), sum(costs, Decimal(0)))
    ws.set_column(0, 0, max(18, max((len(p.name) for p, _ in program_sheets), default=10) + 2, max(len(k) for k, _ in facts) + 2))
    ws.set_column(1, 1, max(16, min(FACT_WIDTH, max((len(v or "") for _, v in facts), default=10) + 2)))
    ws.set_column(2, 5, 14)
    print_setup(ws, st.name, st.period)


def _write_program(wb: Any, f: Formats, st: Statement, part: ProgramPart, name: str) -> str:
    """Writes one program's sheet; returns the cell of its total (for the summary)."""
    ws = wb.add_worksheet(name)
    cur = st.currency
    ws.write_string(0, 0, part.name, f.title)
    ws.write_string(1, 0, f"{st.period} (reference period {part.reference}) · {st.name}", f.subtitle)
    r = 3
    ws.write_string(r, 0, "Measures and targets", f.subtitle)
    r += 1
    for j, h in enumerate(["Name", "Value", "How it was derived"]):
        ws.write_string(r, j, h, f.header)
    for mname, value, kind, how in part.measures:
        r += 1
        ws.write_string(r, 0, mname)
        if kind in RATIO_KINDS:
            ws.write_number(r, 1, value, f.pct)
        elif kind == "sum":
            ws.write_number(r, 1, value, f.money(cur))
        else:
            ws.write_number(r, 1, value, f.number)
        ws.write_string(r, 2, how)
    for tname, tvalue, how, ratio in part.targets:
        r += 1
        ws.write_string(r, 0, f"target {tname}")
        if tvalue is None:
            ws.write_string(r, 1, "none")
        else:
            ws.write_number(r, 1, tvalue, f.pct if ratio else f.number)
        ws.write_string(r, 2, how)
    if part.cohort is not None:
        r += 1
        ws.write_string(r, 0, "cohort")
        ws.write_string(r, 1, part.cohort[0])
        ws.write_string(r, 2, part.cohort[1])
    r += 2
    ws.write_string(r, 0, "Calculation", f.subtitle)
    r += 1
    head = ["Component", "Step", "Base", "Rate", "Threshold", "Amount (exact)", "Payout", "Note"]
    for j, h in enumerate(head):
        ws.write_string(r, j, h, f.header)
    ws.freeze_panes(r + 1, 0)
    first = r + 1
    col_text: list[list[str]] = [[h] for h in head]
    for comp, steps, payout, ratio, shared in part.lines:
        for label, base, rate, threshold, amount, note in steps:
            r += 1
            _wrapped(ws, r, comp, NAME_WIDTH)
            ws.write_string(r, 0, comp, f.wrap if len(comp) > NAME_WIDTH else None)
            ws.write_string(r, 1, label)
            col_text[0].append(comp)
            col_text[1].append(label)
            if base is not None:
                ws.write_number(r, 2, round(base, EXACT_PLACES), f.money(cur, exact=True) if rate is not None else f.number)
            if rate is not None:
                ws.write_number(r, 3, rate, f.rate)
            if threshold is not None:
                ws.write_number(r, 4, threshold, f.pct if ratio else f.number)
            if amount is not None:
                ws.write_number(r, 5, round(amount, EXACT_PLACES), f.money(cur, exact=True))
            if note:
                ws.write_string(r, 7, note, f.note)
                col_text[7].append(note)
        r += 1
        _wrapped(ws, r, comp, NAME_WIDTH)
        ws.write_string(r, 0, comp, f.bold_wrap if len(comp) > NAME_WIDTH else f.bold)
        ws.write_string(r, 1, "payout line (rounded once)", f.bold)
        ws.write_number(r, 6, payout, f.money(cur, bold=False))
        if shared:
            ws.write_string(r, 7, shared, f.note)
            col_text[7].append(shared)
    r += 1
    ws.write_string(r, 1, f"Total {part.name}", f.bold)
    total_cell = cell(r, 6, absolute=True)
    ws.write_formula(r, 6, f"=SUM({cell(first, 6)}:{cell(r - 1, 6)})", f.money(cur, bold=True), part.total)
    tier_width = 12
    for comp, rule, running, deals in part.deal_tables:
        r = _write_deal_by_deal(ws, f, cur, r + 2, comp, rule, running, deals)
        tier_width = max([tier_width] + [len(d.tier or "") + 2 for d in deals])
    widths = [max(12, min(NAME_WIDTH, max(len(t) for t in col_text[0]) + 2)), max(24, min(70, max(len(t) for t in col_text[1]) + 2)), 16, 16 if part.deal_tables else 9, tier_width, 16, 14, max(10, min(50, max(len(t) for t in col_text[7]) + 2))]
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    print_setup(ws, st.name, f"{part.name} · {st.period}")
    return total_cell


def _write_deal_by_deal(ws: Any, f: Formats, cur: str, r: int, comp: str, rule: str, running: bool, deals: list[DealRow]) -> int:
    """A line paid deal by deal (scope deal or running): each deal's own figures, so the line
    can be checked deal by deal; returns the last row written."""
    ws.write_string(r, 0, f"{comp}: deal by deal", f.subtitle)
    ws.write_string(r, 2, rule, f.note)
    r += 1
    for j, h in enumerate(["Close date", "Deal id", "Amount", "Running total" if running else "", "Tier reached", "Earned (exact)", "Paid", ""]):
        if h:
            ws.write_string(r, j, h, f.header)
    first = r + 1
    for d in deals:
        r += 1
        if d.date is not None:
            ws.write_datetime(r, 0, d.date, f.date)
        ws.write_string(r, 1, d.deal_id)
        ws.write_number(r, 2, d.value, f.money(cur))
        if running and d.running is not None:
            ws.write_number(r, 3, d.running, f.money(cur))
        ws.write_string(r, 4, d.tier or "-")
        ws.write_number(r, 5, round(d.exact, EXACT_PLACES), f.money(cur, exact=True))
        ws.write_number(r, 6, d.paid, f.money(cur))
    r += 1
    ws.write_string(r, 1, "Total", f.bold)
    ws.write_formula(r, 6, f"=SUM({cell(first, 6)}:{cell(r - 1, 6)})", f.money(cur, bold=True), sum((d.paid for d in deals), Decimal(0)))
    return r


def _table_top(ws: Any, f: Formats, title: str, head: list[str]) -> int:
    """Title in row 1, headers in row 2, panes frozen under them; returns the header row."""
    ws.write_string(0, 0, title, f.title)
    for j, h in enumerate(head):
        ws.write_string(1, j, h, f.header)
    ws.freeze_panes(2, 0)
    return 1


def _deal_prefix(ws: Any, f: Formats, r: int, prog: str, date: Any, did: str, cust: str) -> None:
    """The columns both deal sheets start with: program, date, deal id, customer."""
    ws.write_string(r, 0, prog)
    if date is not None:
        ws.write_datetime(r, 1, date, f.date)
    ws.write_string(r, 2, did)
    ws.write_string(r, 3, cust)


def _write_deals(ws: Any, f: Formats, st: Statement) -> None:
    cur = st.currency
    fx = ["Original amount", "Original currency", f"FX rate ({cur} per unit)"] if st.originals else []
    r = _table_top(ws, f, "Deals credited", ["Program", "Close date", "Deal id", "Customer", "Amount", "Credit share", "Earned on it", *fx])
    for k, (prog, date, did, cust, amount, share, earned) in enumerate(st.credited):
        r += 1
        _deal_prefix(ws, f, r, prog, date, did, cust)
        if amount is not None:
            ws.write_number(r, 4, amount, f.money(cur))
        ws.write_number(r, 5, share, f.pct)
        ws.write_number(r, 6, earned, f.money(cur))
        if k in st.originals:
            original, currency, rate = st.originals[k]
            if original is not None:
                ws.write_number(r, 7, original, f.money(currency))
            ws.write_string(r, 8, currency, f.indented)
            ws.write_number(r, 9, rate, f.fx_rate)
    if not st.credited:
        r += 1
        ws.write_string(r, 0, "No deal was credited this period.", f.note)
    else:
        r += 1
        ws.write_string(r, 3, "Total", f.bold)
        ws.write_formula(r, 4, f"=SUM({cell(2, 4)}:{cell(r - 1, 4)})", f.money(cur, bold=True), sum((c[4] or Decimal(0) for c in st.credited), Decimal(0)))
        ws.write_formula(r, 6, f"=SUM({cell(2, 6)}:{cell(r - 1, 6)})", f.money(cur, bold=True), sum((c[6] for c in st.credited), Decimal(0)))
    fit_widths(ws, [
        ["Program"] + [c[0] for c in st.credited],
        ["Close date", "2026-01-01    "],
        ["Deal id"] + [c[2] for c in st.credited],
        ["Customer"] + [c[3] for c in st.credited],
        ["Amount", "$000,000,000.00"],
        ["Credit share"],
        ["Earned on it", "$000,000,000.00"],
        *([["Original amount", "$000,000,000.00"], ["Original currency"], [fx[2] if fx else ""]] if fx else []),
    ], minimum=8)
    print_setup(ws, st.name, f"Deals credited · {st.period}", repeat_row=1)


def _write_not_counted(ws: Any, f: Formats, st: Statement) -> None:
    cur = st.currency
    r = _table_top(ws, f, "Deals that did not count", ["Program", "Date", "Deal id", "Customer", "Stage", "Amount", "Why it did not count"])
    for prog, date, did, cust, stage, amount, reason in st.not_counted:
        r += 1
        _deal_prefix(ws, f, r, prog, date, did, cust)
        ws.write_string(r, 4, stage)
        if amount is not None:
            ws.write_number(r, 5, amount, f.money(cur))
        ws.write_string(r, 6, reason, f.indented)
    if not st.not_counted:
        ws.write_string(2, 0, "None: every deal near this period counted.", f.note)
    fit_widths(ws, [
        ["Program"] + [c[0] for c in st.not_counted],
        ["Date", "2026-01-01    "],
        ["Deal id"] + [c[2] for c in st.not_counted],
        ["Customer"] + [c[3] for c in st.not_counted],
        ["Stage"] + [c[4] for c in st.not_counted],
        ["Amount", "$000,000,000.00    "],
        ["Why it did not count"] + [c[6] for c in st.not_counted],
    ], minimum=8, maximum=80)
    print_setup(ws, st.name, f"Deals not counted · {st.period}", repeat_row=1)


def _write_badges(ws: Any, f: Formats, st: Statement) -> None:
    ws.write_string(0, 0, "Badges and rewards", f.title)
    head = ["Type", "Name", "Program", "Earned on", "Cost value"]
    for j, h in enumerate(head):
        ws.write_string(1, j, h, f.header)
    r = 1
    for kind, name, prog, date, cost in st.badges:
        r += 1
        ws.write_string(r, 0, kind)
        ws.write_string(r, 1, name)
        ws.write_string(r, 2, prog)
        if date is not None:
            ws.write_datetime(r, 3, date, f.date)
        if cost is not None:
            ws.write_number(r, 4, cost, f.money(st.currency))
    if not st.badges:
        ws.write_string(2, 0, "No badge or non-cash reward this period.", f.note)
    fit_widths(ws, [["Type", "Non-cash reward"], ["Name"] + [b[1] for b in st.badges], ["Program"] + [b[2] for b in st.badges], ["Earned on", "2026-01-01"], ["Cost value", "$000,000.00"]])
    print_setup(ws, st.name, f"Badges and rewards · {st.period}", repeat_row=1)


# --- manager packs -----------------------------------------------------------------------------


def subtrees(statements: list[Statement], data: DataSet) -> dict[str, list[Statement]]:
    """Manager -> every statement in their reporting tree (direct and indirect reports),
    from the roster's manager column; cycles are cut (issue 5 refuses them)."""
    by_id = {s.person_id: s for s in statements}
    # the reader resolved managers to person ids; a manager kept outside the roster
    # (unknown_managers: allow) stays as written and still gets a pack
    parent = {pid: p.manager for pid, p in data.people.items() if p.manager}
    out: dict[str, list[Statement]] = defaultdict(list)
    for pid, st in by_id.items():
        seen = {pid}
        boss = parent.get(pid)
        while boss and boss not in seen:
            out[boss].append(st)
            seen.add(boss)
            boss = parent.get(boss)
    return dict(out)


def write_manager_pack(path: Path, manager: str, manager_name: str, team: list[Statement], period: str) -> None:
    wb = new_workbook(path, f"Team payouts {manager_name} {period}")
    f = Formats(wb)
    programs: list[tuple[str, str]] = []
    for st in team:
        for part in st.programs:
            if (part.program_id, part.name) not in programs:
                programs.append((part.program_id, part.name))
    # a column for each program that pays the team something; the others are named in a note
    paying = {part.program_id for st in team for part in st.programs if part.total != 0}
    nothing = [name for pid, name in programs if pid not in paying]
    programs = [(pid, name) for pid, name in programs if pid in paying]
    currencies = sorted({st.currency for st in team})
    ranked = sorted(team, key=lambda s: (-s.total, s.name))
    # 1. leaderboard with subtotals
    ws = wb.add_worksheet("Team")
    ws.write_string(0, 0, f"Team payouts: {manager_name}", f.title)
    ws.write_string(1, 0, f"{period} · {len(team)} people in the reporting tree", f.subtitle)
    if nothing:
        ws.write_string(2, 0, f"Paid no cash to this team (see each statement for badges and rewards): {', '.join(nothing)}", f.note)
    head = ["Rank", "Person", "Role", "Reports to", *[n for _, n in programs], "Total", "Currency"]
    for j, h in enumerate(head):
        ws.write_string(3, j, h, f.header_wrap)
    ws.set_row(3, 15 * min(4, 1 + max((len(n) for _, n in programs), default=10) // 18))
    ws.freeze_panes(4, 2)
    r = 3
    ncol_total = 4 + len(programs)
    rank, prev = 0, None
    for k, st in enumerate(ranked, start=1):
        if st.total != prev:
            rank, prev = k, st.total
        r += 1
        ws.write_number(r, 0, rank)
        ws.write_string(r, 1, st.name)
        ws.write_string(r, 2, st.role)
        ws.write_string(r, 3, st.manager)
        amounts = {p.program_id: p.total for p in st.programs}
        for j, (pid, _) in enumerate(programs):
            if pid in amounts:
                ws.write_number(r, 4 + j, amounts[pid], f.money(st.currency))
        ws.write_formula(r, ncol_total, f"=SUM({cell(r, 4)}:{cell(r, ncol_total - 1)})", f.money(st.currency, bold=False), st.total)
        ws.write_string(r, ncol_total + 1, st.currency)
    last = r
    for cur in currencies:
        r += 1
        ws.write_string(r, 1, f"Team total {cur}", f.bold)
        for j in range(len(programs) + 1):
            c = 4 + j
            value = sum((p.total for st in team if st.currency == cur for p in st.programs if j < len(programs) and p.program_id == programs[j][0]), Decimal(0)) if j < len(programs) else sum((st.total for st in team if st.currency == cur), Decimal(0))
            ws.write_formula(r, c, f'=SUMIFS({cell(4, c)}:{cell(last, c)},{cell(4, ncol_total + 1)}:{cell(last, ncol_total + 1)},"{cur}")', f.money(cur, bold=True), value)
        ws.write_string(r, ncol_total + 1, cur, f.bold)
    fit_widths(ws, [["Rank"], ["Person"] + [s.name for s in team], ["Role"] + [s.role for s in team], ["Reports to"] + [s.manager for s in team]] + [["$000,000,000.00"] for _ in programs] + [["$000,000,000.00"], ["Currency"]], maximum=30)
    print_setup(ws, manager_name, period, repeat_row=3)
    # 2. every payout line, subtotal per person
    lines = wb.add_worksheet("Lines")
    head2 = ["Person", "Program", "Component", "Basis", "Amount"]
    for j, h in enumerate(head2):
        lines.write_string(0, j, h, f.header)
    lines.freeze_panes(1, 0)
    r = 0
    texts: list[list[str]] = [[h] for h in head2]
    for st in sorted(team, key=lambda s: s.name):
        start = r + 1
        for part in st.programs:
            for comp, steps, payout, _, _ in part.lines:
                r += 1
                basis = "; ".join(s[0] for s in steps)
                for j, v in enumerate([st.name, part.name, comp, basis]):
                    lines.write_string(r, j, v)
                    texts[j].append(v)
                lines.write_number(r, 4, payout, f.money(st.currency))
        r += 1
        lines.write_string(r, 0, f"Subtotal {st.name}", f.bold)
        lines.write_formula(r, 4, f"=SUM({cell(start, 4)}:{cell(r - 1, 4)})" if r - 1 >= start else "=0", f.money(st.currency, bold=True), st.total)
    fit_widths(lines, texts[:4] + [["Amount", "$000,000,000.00"]], maximum=60)
    print_setup(lines, manager_name, f"Payout lines · {period}", repeat_row=0)
    wb.close()


# --- in parallel ---------------------------------------------------------------------------------

_JOBS: list[tuple[Path, Statement]] = []


def _write_chunk(bounds: tuple[int, int]) -> int:
    for path, st in _JOBS[bounds[0]: bounds[1]]:
        write_statement(path, st)
    return bounds[1] - bounds[0]


def write_statements(folder: Path, statements: list[Statement], workers: int | None = None) -> list[Path]:
    """Writes every statement; with many, in forked worker processes (each writes a
    contiguous chunk, so nothing but two integers crosses a process boundary)."""
    global _JOBS
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(folder / st.file_name, st) for st in statements]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(jobs) < 64 or "fork" not in multiprocessing.get_all_start_methods():
        for path, st in jobs:
            write_statement(path, st)
        return [p for p, _ in jobs]
    _JOBS = jobs
    try:
        size = -(-len(jobs) // (workers * 4))
        chunks = [(i, min(i + size, len(jobs))) for i in range(0, len(jobs), size)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            done = sum(pool.imap_unordered(_write_chunk, chunks))
        if done != len(jobs):
            raise OSError(f"only {done} of {len(jobs)} statements were written")
    finally:
        _JOBS = []
    return [p for p, _ in jobs]

