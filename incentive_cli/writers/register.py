"""The payout register (CSV and XLSX), the per-person summary workbook, and ``run.json``.

Every total is the sum of rounded payout lines, so the register, the summary and run.json
agree to the cent. XLSX totals are live ``=SUM()`` formulas that carry the engine's value
as their cached result. Text that a spreadsheet would take for a formula is written as text:
in XLSX as a string cell; in CSV with a leading apostrophe (the OWASP rule), which the
README documents. Files are byte-identical for identical inputs (fixed document dates, no
clock anywhere).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..engine.model import PayoutLine, ProgramResult
from ..money import minor_units, written
from .xlsx import Formats, cell, col, fit_widths, new_workbook, print_setup

REGISTER_COLUMNS = ("period", "person_id", "person", "program", "component", "component_name", "basis", "amount", "currency")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_csv_text(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def register_rows(results: list[ProgramResult]) -> list[tuple[ProgramResult, Any, PayoutLine]]:
    """Every payout line, by person, program and the component's place in the program (lines
    of no component, such as manual adjustments, keep their order)."""
    rows = []
    for r in results:
        for person in r.people:
            for line in person.lines:
                rows.append((r, person, line))
    place = {(r.program.id, c.id): i for r in results for i, c in enumerate(r.program.components)}
    rows.sort(key=lambda x: (x[1].person_id, x[0].program.id, place.get((x[0].program.id, x[2].component_id), 0)))
    return rows


def totals_by_currency(results: list[ProgramResult]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for r in results:
        for p in r.people:
            for line in p.lines:
                out[line.currency] += line.amount
    return dict(sorted(out.items()))


def _amount_text(amount: Decimal, currency: str) -> str:
    """Money with at least the currency's decimals (a line rounded to whole units: 1234.00),
    never an exponent or a negative zero."""
    exponent = amount.as_tuple().exponent
    places = max(minor_units(currency), -exponent if isinstance(exponent, int) else 0)
    return f"{(amount + 0).quantize(Decimal(1).scaleb(-places)):f}"


def write_register_csv(path: Path, period: str, results: list[ProgramResult]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(REGISTER_COLUMNS)
    for r, person, line in register_rows(results):
        w.writerow([period, safe_csv_text(person.person_id), safe_csv_text(person.name), r.program.id, line.component_id, safe_csv_text(line.component_name), safe_csv_text(line.basis), _amount_text(line.amount, line.currency), line.currency])
    path.write_text(buf.getvalue(), encoding="utf-8")


def _table_sheet(wb: Any, f: Formats, name: str, title: str, headers: list[str], rows: list[list[str]], amounts: list[Decimal], currencies: list[str], totals: dict[str, Decimal]) -> Any:
    """A sheet of text columns, then Amount and Currency, with a live total per currency."""
    ws = wb.add_worksheet(name)
    for j, h in enumerate([*headers, "Amount", "Currency"]):
        ws.write_string(0, j, h, f.header)
    ws.freeze_panes(1, 0)
    k = len(headers)
    for i, (texts, amount, cur) in enumerate(zip(rows, amounts, currencies, strict=True), start=1):
        for j, v in enumerate(texts):
            ws.write_string(i, j, v)
        ws.write_number(i, k, amount, f.money(cur))
        ws.write_string(i, k + 1, cur)
    n = len(rows)
    for j, (cur, total) in enumerate(totals.items()):
        r = n + 2 + j
        ws.write_string(r, max(0, k - 1), f"Total {cur}", f.bold)
        ws.write_formula(r, k, f'=SUMIFS({col(k)}2:{col(k)}{n + 1},{col(k + 1)}2:{col(k + 1)}{n + 1},"{cur}")', f.money(cur, bold=True), total)
        ws.write_string(r, k + 1, cur, f.bold)
    fit_widths(ws, [[h, *(t[j] for t in rows)] for j, h in enumerate(headers)] + [["Amount", "$000,000,000.00"], ["Currency"]], maximum=90)
    if n:
        ws.autofilter(0, 0, n, k + 1)
    print_setup(ws, title, "", repeat_row=0)
    return ws


def _grouped(rows: list[tuple[ProgramResult, Any, PayoutLine]], key: Any) -> tuple[list[list[str]], list[Decimal], list[str]]:
    sums: dict[tuple[str, ...], Decimal] = defaultdict(Decimal)
    for r, person, line in rows:
        sums[(*key(r, person), line.currency)] += line.amount
    ordered = sorted(sums)
    return [list(k[:-1]) for k in ordered], [sums[k] for k in ordered], [k[-1] for k in ordered]


ATTAINMENT_BANDS = ((None, Decimal("0.5"), "below 50%"), (Decimal("0.5"), Decimal("0.8"), "50% to 80%"), (Decimal("0.8"), Decimal("1"), "80% to 100%"), (Decimal("1"), Decimal("1.2"), "100% to 120%"), (Decimal("1.2"), None, "120% and above"))


def write_register_xlsx(path: Path, period: str, results: list[ProgramResult]) -> None:
    """For finance and payroll: every payout line, then by person, by program and by team,
    each with live totals that match the statements to the cent, a chart of payout by
    program, and the distribution of attainment."""
    wb = new_workbook(path, f"Payout register {period}")
    f = Formats(wb)
    rows = register_rows(results)
    totals = totals_by_currency(results)
    _table_sheet(wb, f, "Register", f"Payout register {period}", ["Period", "Person id", "Person", "Program", "Component", "Basis"],
                 [[period, p.person_id, p.name, r.program.id, ln.component_name, ln.basis] for r, p, ln in rows], [ln.amount for _, _, ln in rows], [ln.currency for _, _, ln in rows], totals)
    _table_sheet(wb, f, "By person", f"Payout by person {period}", ["Person id", "Person", "Team"], *_grouped(rows, lambda r, p: (p.person_id, p.name, p.team)), totals)
    names, amounts, currencies = _grouped(rows, lambda r, p: (r.program.id, r.program.name))
    by_program = _table_sheet(wb, f, "By program", f"Payout by program {period}", ["Program", "Name"], names, amounts, currencies, totals)
    _table_sheet(wb, f, "By team", f"Payout by team {period}", ["Team", "Manager"], *_grouped(rows, lambda r, p: (p.team or "(no team)", p.manager)), totals)
    if names:
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({"name": "Payout", "categories": ["By program", 1, 1, len(names), 1], "values": ["By program", 1, 2, len(names), 2], "fill": {"color": "#2E75B6"}, "data_labels": {"value": True, "num_format": "#,##0"}})
        chart.set_title({"name": f"Payout by program, {period}"})
        chart.set_legend({"none": True})
        chart.set_x_axis({"num_format": "#,##0", "min": 0})  # bars start at zero, always
        by_program.insert_chart(len(names) + 3 + len(totals), 0, chart, {"x_scale": 1.6, "y_scale": 1.0})
    _attainment_sheet(wb, f, period, results)
    _cohort_sheet(wb, f, period, results)
    _budget_sheet(wb, f, period, results)
    wb.close()


def _budget_sheet(wb: Any, f: Formats, period: str, results: list[ProgramResult]) -> None:
    """The non-cash rewards of the period and their cost values, by program, team and reward,
    with live totals by program and overall (badges carry no cost and are counted apart)."""
    groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    currency: dict[str, str] = {}
    for res in results:
        for p in res.people:
            for _, award in p.awards:
                if award.kind == "non-cash":
                    groups[(res.program.name, p.team or "(no team)", award.name)].append(award)
                    currency[res.program.name] = res.program.currency
    ws = wb.add_worksheet("Non-cash budget")
    ws.write_string(0, 0, f"Non-cash rewards budget, {period}", f.title)
    if not groups:
        ws.write_string(2, 0, "No program of this period gave a non-cash reward.", f.note)
        return
    headers = ["Program", "Team", "Reward", "Count", "Cost value", "Currency"]
    for j, h in enumerate(headers):
        ws.write_string(2, j, h, f.header)
    keys = sorted(groups)
    first = 3
    for i, key in enumerate(keys, start=first):
        awards = groups[key]
        for j, v in enumerate(key):
            ws.write_string(i, j, v)
        ws.write_number(i, 3, Decimal(len(awards)), f.number)
        ws.write_number(i, 4, sum((a.cost or Decimal(0) for a in awards), Decimal(0)), f.money(currency[key[0]]))
        ws.write_string(i, 5, currency[key[0]])
    last = first + len(keys) - 1
    r = last + 2
    ws.write_string(r, 0, "By program", f.subtitle)
    programs = sorted({k[0] for k in keys})
    for prog in programs:
        r += 1
        cost = sum((a.cost or Decimal(0) for k in keys if k[0] == prog for a in groups[k]), Decimal(0))
        count = sum(len(groups[k]) for k in keys if k[0] == prog)
        ws.write_string(r, 0, prog)
        ws.write_formula(r, 3, f'=SUMIFS({cell(first, 3, True)}:{cell(last, 3, True)},{cell(first, 0, True)}:{cell(last, 0, True)},{cell(r, 0)})', f.number, Decimal(count))
        ws.write_formula(r, 4, f'=SUMIFS({cell(first, 4, True)}:{cell(last, 4, True)},{cell(first, 0, True)}:{cell(last, 0, True)},{cell(r, 0)})', f.money(currency[prog]), cost)
        ws.write_string(r, 5, currency[prog])
    ws.freeze_panes(3, 0)
    fit_widths(ws, [["Program"] + [k[0] for k in keys], ["Team"] + [k[1] for k in keys], ["Reward"] + [k[2] for k in keys], ["Count"], ["Cost value", "$000,000,000.00"], ["Currency"]], maximum=40)
    print_setup(ws, f"Non-cash budget {period}", "", repeat_row=2)


def _cohort_sheet(wb: Any, f: Formats, period: str, results: list[ProgramResult]) -> None:
    """Every person's cohort, with the cohort's average and maximum (programs with cohorts)."""
    keyed = []
    for r in results:
        best_first = {g.name: i for i, g in enumerate(r.program.cohorts.groups)} if r.program.cohorts else {}
        for p in r.people:
            if p.cohort is not None:  # by program, cohort (best first), rank (no history last), name
                keyed.append(((r.program.id, best_first.get(p.cohort.cohort, 0), p.cohort.rank if p.cohort.rank is not None else 10**9, p.name), r, p))
    rows = [(r, p) for _, r, p in sorted(keyed, key=lambda x: x[0])]
    if not rows:
        return
    ws = wb.add_worksheet("Cohorts")
    headers = ["Program", "Person id", "Person", "Cohort", "Rank", "Reference value", "Cohort average", "Cohort maximum", "Cohort size", "Reference period"]
    for j, h in enumerate(headers):
        ws.write_string(0, j, h, f.header)
    ws.freeze_panes(1, 3)
    texts: list[list[str]] = [[h] for h in headers]
    for i, (r, p) in enumerate(rows, start=1):
        c = p.cohort
        assert c is not None
        for j, v in enumerate([r.program.id, p.person_id, p.name, c.cohort]):
            ws.write_string(i, j, v)
            texts[j].append(v)
        for j, num in ((4, c.rank), (5, c.value), (6, c.average), (7, c.maximum), (8, c.size)):
            if num is None:
                ws.write_string(i, j, "no history" if j in (4, 5) else "-")
            else:
                ws.write_number(i, j, written(Decimal(num)), f.number)
        ws.write_string(i, 9, c.reference)
    fit_widths(ws, texts[:4] + [["Rank"], ["Reference value", "1,234,567.89"], ["Cohort average", "1,234,567.89"], ["Cohort maximum", "1,234,567.89"], ["Cohort size"], ["Reference period"]], maximum=40)
    print_setup(ws, f"Cohorts {period}", "", repeat_row=0)


def _attainment_sheet(wb: Any, f: Formats, period: str, results: list[ProgramResult]) -> None:
    values: list[tuple[str, str, Decimal]] = []
    for r in results:
        att = [m.name for m in r.program.measures if m.kind == "attainment"]
        if not att:
            continue
        for p in r.people:
            v = dict((n, x) for n, x, _ in p.measures)[att[0]]
            values.append((r.program.name, p.name, v))
    ws = wb.add_worksheet("Attainment")
    ws.write_string(0, 0, f"Attainment distribution, {period}", f.title)
    if not values:
        ws.write_string(2, 0, "No program of this period measures attainment.", f.note)
        return
    ws.write_string(2, 0, "Band", f.header)
    ws.write_string(2, 1, "People", f.header)
    first_data = 4 + len(ATTAINMENT_BANDS) + 2
    n = len(values)
    data_range = f"$C${first_data + 1}:$C${first_data + n}"
    for i, (lo, hi, label) in enumerate(ATTAINMENT_BANDS, start=3):
        count = sum(1 for _, _, v in values if (lo is None or v >= lo) and (hi is None or v < hi))
        crit = ([f'">={lo}"'] if lo is not None else []) + ([f'"<{hi}"'] if hi is not None else [])
        formula = "=COUNTIFS(" + ",".join(f"{data_range},{c}" for c in crit) + ")"
        ws.write_string(i, 0, label)
        ws.write_formula(i, 1, formula, None, count)
    for j, h in enumerate(["Program", "Person", "Attainment"]):
        ws.write_string(first_data - 1, j, h, f.header)
    for i, (prog, name, v) in enumerate(sorted(values, key=lambda x: (x[0], -x[2], x[1])), start=first_data):
        ws.write_string(i, 0, prog)
        ws.write_string(i, 1, name)
        ws.write_number(i, 2, written(v), f.pct)
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "People", "categories": ["Attainment", 3, 0, 2 + len(ATTAINMENT_BANDS), 0], "values": ["Attainment", 3, 1, 2 + len(ATTAINMENT_BANDS), 1], "fill": {"color": "#63BE7B"}, "data_labels": {"value": True}})
    chart.set_title({"name": "People by attainment band"})
    chart.set_legend({"none": True})
    chart.set_y_axis({"min": 0})
    ws.insert_chart(2, 4, chart)
    fit_widths(ws, [["Band", "120% and above"] + [v[0] for v in values], ["People"] + [v[1] for v in values], ["Attainment"]], maximum=50)
    print_setup(ws, f"Attainment {period}", "")


def write_summary_xlsx(path: Path, period: str, results: list[ProgramResult]) -> None:
    """One row per person: who they are, each program's amount, and the total."""
    wb = new_workbook(path, f"Payout summary {period}")
    f = Formats(wb)
    people: dict[str, Any] = {}
    amounts: dict[tuple[str, str], Decimal] = {}
    currency_of: dict[str, str] = {}
    attainment: dict[str, Decimal] = {}
    for r in results:
        for p in r.people:
            people.setdefault(p.person_id, p)
            amounts[(p.person_id, r.program.id)] = p.total
            currency_of[p.person_id] = p.currency
            for name, value, _ in p.measures:
                if r.program.measure(name).kind == "attainment" and p.person_id not in attainment:
                    attainment[p.person_id] = value
    programs = [r.program for r in results]
    ws = wb.add_worksheet("Summary")
    headers = ["Person id", "Person", "Role", "Team", "Manager", *[pr.name for pr in programs], "Total", "Currency", "Attainment"]
    for j, h in enumerate(headers):
        ws.write_string(0, j, h, f.header if j < 5 else f.header_wrap)
    ws.freeze_panes(1, 2)
    longest = max((len(pr.name) for pr in programs), default=10)
    ws.set_row(0, 15 * min(4, 1 + longest // 16))  # program names wrap in the header
    ids = sorted(people)
    ncol_total = 5 + len(programs)
    for i, pid in enumerate(ids, start=1):
        p = people[pid]
        for j, v in enumerate([pid, p.name, p.role, p.team, p.manager]):
            ws.write_string(i, j, v)
        cur = currency_of[pid]
        total = Decimal(0)
        for j, pr in enumerate(programs):
            a = amounts.get((pid, pr.id))
            if a is not None:
                ws.write_number(i, 5 + j, a, f.money(cur))
                total += a
        ws.write_formula(i, ncol_total, f"=SUM({cell(i, 5)}:{cell(i, 4 + len(programs))})", f.money(cur, bold=True), total)
        ws.write_string(i, ncol_total + 1, cur)
        if pid in attainment:
            ws.write_number(i, ncol_total + 2, written(attainment[pid]), f.pct)
    n = len(ids)
    if ids:
        ws.conditional_format(1, ncol_total + 2, n, ncol_total + 2, {"type": "data_bar", "bar_color": "#63BE7B", "bar_solid": True, "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 1.5})
    for j, (cur, tot) in enumerate(totals_by_currency(results).items()):
        c, cc = col(ncol_total), col(ncol_total + 1)
        ws.write_string(n + 2 + j, 0, f"Total {cur}", f.bold)
        ws.write_formula(n + 2 + j, ncol_total, f'=SUMIFS({c}2:{c}{n + 1},{cc}2:{cc}{n + 1},"{cur}")', f.money(cur, bold=True), tot)
        ws.write_string(n + 2 + j, ncol_total + 1, cur, f.bold)
    texts = [[pid for pid in ids], [people[p].name for p in ids], [people[p].role for p in ids], [people[p].team for p in ids], [people[p].manager for p in ids]]
    fit_widths(ws, [[h, *t] for h, t in zip(headers, texts, strict=False)] + [["$000,000,000.00"] for _ in programs] + [["$000,000,000.00"], ["Currency"], ["Attainment"]], maximum=40)
    print_setup(ws, f"Payout summary {period}", "", repeat_row=0)
    wb.close()


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_record(period: str, reference: dict[str, str], results: list[ProgramResult], inputs: list[dict[str, Any]], programs: list[Any], unmatched: list[dict[str, Any]], outputs: dict[str, str], tool_version: str, facts: dict[str, Any] | None = None) -> str:
    by_program = {r.program.id: {"name": r.program.name, "currency": r.program.currency, "people": len(r.people), "lines": sum(len(p.lines) for p in r.people), "total": str(r.total)} for r in results}
    record = {
        "tool": {"name": "incentive_cli", "version": tool_version},
        "period": period,
        "reference_periods": reference,
        "programs": [{"id": p.id, "version": p.version, "file": p.file, "sha256": p.sha256} for p in programs],
        "inputs": [{k: v for k, v in i.items() if k != "path"} for i in inputs],
        "facts_in_period": facts or {},
        "unmatched_owners": unmatched,
        "totals": {"by_currency": {k: str(v) for k, v in totals_by_currency(results).items()}, "by_program": by_program, "lines": sum(int(str(v["lines"])) for v in by_program.values())},
        "outputs": outputs,
    }
    return json.dumps(record, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
