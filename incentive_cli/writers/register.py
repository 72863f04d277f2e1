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
import datetime as dt
import hashlib
import io
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..engine.model import PayoutLine, ProgramResult
from ..money import minor_units

FIXED_DATE = dt.datetime(2000, 1, 1)
REGISTER_COLUMNS = ("period", "person_id", "person", "program", "component", "component_name", "basis", "amount", "currency")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_csv_text(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def register_rows(results: list[ProgramResult]) -> list[tuple[ProgramResult, Any, PayoutLine]]:
    rows = []
    for r in results:
        for person in r.people:
            for line in person.lines:
                rows.append((r, person, line))
    rows.sort(key=lambda x: (x[1].person_id, x[0].program.id, [c.id for c in x[0].program.components].index(x[2].component_id)))
    return rows


def totals_by_currency(results: list[ProgramResult]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for r in results:
        for p in r.people:
            for line in p.lines:
                out[line.currency] += line.amount
    return dict(sorted(out.items()))


def _amount_text(amount: Decimal) -> str:
    """Amounts are already rounded to their declared places; print them without exponent."""
    return f"{amount:f}"


def write_register_csv(path: Path, period: str, results: list[ProgramResult]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(REGISTER_COLUMNS)
    for r, person, line in register_rows(results):
        w.writerow([period, safe_csv_text(person.person_id), safe_csv_text(person.name), r.program.id, line.component_id, safe_csv_text(line.component_name), safe_csv_text(line.basis), _amount_text(line.amount), line.currency])
    path.write_text(buf.getvalue(), encoding="utf-8")


def _money_format(wb: Any, currency: str, cache: dict[str, Any], bold: bool = False) -> Any:
    key = f"{currency}:{bold}"
    if key not in cache:
        places = minor_units(currency)
        num = "#,##0" + ("." + "0" * places if places else "")
        cache[key] = wb.add_format({"num_format": f"{num};-{num}", "bold": bold})
    return cache[key]


def _new_workbook(path: Path) -> Any:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"created": FIXED_DATE, "author": "incentive_cli", "title": "Payout register"})
    return wb


def _setup(ws: Any, widths: list[int], header_fmt: Any, headers: list[str], title: str) -> None:
    for i, h in enumerate(headers):
        ws.write_string(0, i, h, header_fmt)
    for i, width in enumerate(widths):
        ws.set_column(i, i, width)
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_header(f"&L{title}")
    ws.set_footer("&RPage &P of &N")
    ws.repeat_rows(0)


def _fit(values: list[str], minimum: int = 8, maximum: int = 60) -> int:
    return max(minimum, min(maximum, max((len(v) for v in values), default=0) + 2))


def write_register_xlsx(path: Path, period: str, results: list[ProgramResult]) -> None:
    wb = _new_workbook(path)
    header = wb.add_format({"bold": True, "bottom": 1, "bg_color": "#DDEBF7"})
    bold = wb.add_format({"bold": True})
    fmts: dict[str, Any] = {}
    rows = register_rows(results)
    # 1. every payout line
    ws = wb.add_worksheet("Register")
    headers = ["Period", "Person id", "Person", "Program", "Component", "Basis", "Amount", "Currency"]
    cols = [[period], [p.person_id for _, p, _ in rows], [p.name for _, p, _ in rows], [r.program.id for r, _, _ in rows], [ln.component_name for _, _, ln in rows], [], [], []]
    _setup(ws, [_fit(c + [h]) if c else w for c, h, w in zip(cols, headers, [10, 12, 24, 20, 20, 80, 16, 9], strict=True)], header, headers, f"Payout register {period}")
    for i, (r, person, line) in enumerate(rows, start=1):
        ws.write_string(i, 0, period)
        ws.write_string(i, 1, person.person_id)
        ws.write_string(i, 2, person.name)
        ws.write_string(i, 3, r.program.id)
        ws.write_string(i, 4, line.component_name)
        ws.write_string(i, 5, line.basis)
        ws.write_number(i, 6, line.amount, _money_format(wb, line.currency, fmts))
        ws.write_string(i, 7, line.currency)
    totals = totals_by_currency(results)
    r0 = len(rows) + 2
    for j, (cur, total) in enumerate(totals.items()):
        ws.write_string(r0 + j, 5, f"Total {cur}", bold)
        n = len(rows)
        ws.write_formula(r0 + j, 6, f'=SUMIFS(G2:G{n + 1},H2:H{n + 1},"{cur}")', _money_format(wb, cur, fmts, True), total)
        ws.write_string(r0 + j, 7, cur, bold)
    ws.autofilter(0, 0, max(1, len(rows)), 7)
    # 2. by person
    by_person: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for _, person, line in rows:
        by_person[(person.person_id, person.name, line.currency)] += line.amount
    _summary_sheet(wb, "By person", ["Person id", "Person", "Currency", "Amount"], [[k[0], k[1], k[2]] for k in by_person], [v for v in by_person.values()], [k[2] for k in by_person], header, bold, fmts, f"Payout by person {period}", totals)
    # 3. by program
    by_program: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for r, _, line in rows:
        by_program[(r.program.id, r.program.name, line.currency)] += line.amount
    _summary_sheet(wb, "By program", ["Program", "Name", "Currency", "Amount"], [[k[0], k[1], k[2]] for k in by_program], list(by_program.values()), [k[2] for k in by_program], header, bold, fmts, f"Payout by program {period}", totals)
    wb.close()


def _summary_sheet(wb: Any, name: str, headers: list[str], keys: list[list[str]], amounts: list[Decimal], currencies: list[str], header: Any, bold: Any, fmts: dict[str, Any], title: str, totals: dict[str, Decimal]) -> None:
    ws = wb.add_worksheet(name)
    widths = [_fit([k[i] for k in keys] + [headers[i]]) for i in range(3)] + [18]
    _setup(ws, widths, header, headers, title)
    for i, (k, a, cur) in enumerate(zip(keys, amounts, currencies, strict=True), start=1):
        for j, v in enumerate(k):
            ws.write_string(i, j, v)
        ws.write_number(i, 3, a, _money_format(wb, cur, fmts))
    n = len(keys)
    for j, (cur, total) in enumerate(totals.items()):
        ws.write_string(n + 2 + j, 0, f"Total {cur}", bold)
        ws.write_string(n + 2 + j, 2, cur, bold)
        ws.write_formula(n + 2 + j, 3, f'=SUMIFS(D2:D{n + 1},C2:C{n + 1},"{cur}")', _money_format(wb, cur, fmts, True), total)


def write_summary_xlsx(path: Path, period: str, results: list[ProgramResult]) -> None:
    """One row per person: who they are, each program's amount, and the total."""
    wb = _new_workbook(path)
    header = wb.add_format({"bold": True, "bottom": 1, "bg_color": "#DDEBF7", "text_wrap": True})
    bold = wb.add_format({"bold": True})
    pct = wb.add_format({"num_format": "0.0%"})
    fmts: dict[str, Any] = {}
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
                m = r.program.measure(name)
                if m.kind == "attainment" and p.person_id not in attainment:
                    attainment[p.person_id] = value
    programs = [r.program for r in results]
    ws = wb.add_worksheet("Summary")
    headers = ["Person id", "Person", "Role", "Team", "Manager", *[pr.name for pr in programs], "Total", "Currency", "Attainment"]
    ids = sorted(people)
    texts = [[pid for pid in ids], [people[p].name for p in ids], [people[p].role for p in ids], [people[p].team for p in ids], [people[p].manager for p in ids]]
    widths = [_fit(t + [h]) for t, h in zip(texts, headers, strict=False)] + [max(14, min(30, len(pr.name) + 2)) for pr in programs] + [16, 9, 12]
    _setup(ws, widths, header, headers, f"Payout summary {period}")
    longest = max((len(pr.name) for pr in programs), default=10)
    ws.set_row(0, 15 * min(4, 1 + longest // 26))  # program names wrap in the header
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
                ws.write_number(i, 5 + j, a, _money_format(wb, cur, fmts))
                total += a
        first, last = _cell(i, 5), _cell(i, 4 + len(programs))
        ws.write_formula(i, ncol_total, f"=SUM({first}:{last})", _money_format(wb, cur, fmts, True), total)
        ws.write_string(i, ncol_total + 1, cur)
        if pid in attainment:
            ws.write_number(i, ncol_total + 2, attainment[pid], pct)
    if ids:
        ws.conditional_format(1, ncol_total + 2, len(ids), ncol_total + 2, {"type": "data_bar", "bar_color": "#63BE7B", "bar_solid": True, "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 1.5})
    n = len(ids)
    for j, (cur, tot) in enumerate(totals_by_currency(results).items()):
        ws.write_string(n + 2 + j, 0, f"Total {cur}", bold)
        col = _col(ncol_total)
        curcol = _col(ncol_total + 1)
        ws.write_formula(n + 2 + j, ncol_total, f'=SUMIFS({col}2:{col}{n + 1},{curcol}2:{curcol}{n + 1},"{cur}")', _money_format(wb, cur, fmts, True), tot)
        ws.write_string(n + 2 + j, ncol_total + 1, cur, bold)
    wb.close()


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _cell(r: int, c: int) -> str:
    return f"{_col(c)}{r + 1}"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_record(period: str, reference: dict[str, str], results: list[ProgramResult], inputs: list[dict[str, Any]], programs: list[Any], unmatched: list[dict[str, Any]], outputs: dict[str, str], tool_version: str) -> str:
    by_program = {r.program.id: {"name": r.program.name, "currency": r.program.currency, "people": len(r.people), "lines": sum(len(p.lines) for p in r.people), "total": str(r.total)} for r in results}
    record = {
        "tool": {"name": "incentive_cli", "version": tool_version},
        "period": period,
        "reference_periods": reference,
        "programs": [{"id": p.id, "version": p.version, "file": p.file, "sha256": p.sha256} for p in programs],
        "inputs": [{k: v for k, v in i.items() if k != "path"} for i in inputs],
        "unmatched_owners": unmatched,
        "totals": {"by_currency": {k: str(v) for k, v in totals_by_currency(results).items()}, "by_program": by_program, "lines": sum(int(str(v["lines"])) for v in by_program.values())},
        "outputs": outputs,
    }
    return json.dumps(record, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
