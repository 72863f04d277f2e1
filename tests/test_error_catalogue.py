"""One minimal reproducer per error code (hledger style): the input, the code, where it
points, and the words of its message. test_docs checks that every code has one."""

from __future__ import annotations

import io
from collections.abc import Callable

import openpyxl
import pytest
from conftest import DEFAULT_SOURCES, GOOD_DEALS, GOOD_PROGRAM, GOOD_ROSTER, Workspace

from incentive_cli import api
from incentive_cli.diagnostics import Diagnostic, InputRejected


def _validate(ws: Workspace, program: str | None = GOOD_PROGRAM, data: bool = True) -> list[Diagnostic]:
    if program is not None:
        ws.program("p", program)
    return api.validate(ws.programs, ws.data if data else None).diagnostics


def _compute(ws: Workspace) -> list[Diagnostic]:
    try:
        api.compute(ws.programs, ws.data, "2026-04")
    except InputRejected as exc:
        return exc.diagnostics
    return []


def _warnings(ws: Workspace) -> list[Diagnostic]:
    return api.compute(ws.programs, ws.data, "2026-04").diagnostics


COHORT_PROGRAM = GOOD_PROGRAM.replace("components:", """cohorts:
  measure: revenue
  groups:
    - {name: Top, share: 10%}
    - {name: Rest, share: 80%}
components:""")
LADDER = """components:
  - id: stars
    type: slabs
    measure: revenue
    ladder: {stretch: 105%, step: 0.01, rate: 2.5%}
"""


def _with(ws: Workspace, roster: str = GOOD_ROSTER, deals: str | bytes = GOOD_DEALS, sources: str = DEFAULT_SOURCES) -> Workspace:
    ws.setup(roster, deals if isinstance(deals, str) else "", sources)
    if isinstance(deals, bytes):
        ws.data_file("deals.csv", deals)
    return ws


def _xlsx_with_amount(amount: object) -> bytes:
    """One deal whose amount cell holds ``amount``: an error value, or a formula that openpyxl
    (like many scripts that write workbooks) saves without its result."""
    wb = openpyxl.Workbook()
    sh = wb.active
    sh.append(["deal_id", "owner", "customer", "stage", "close_date", "amount"])
    sh.append(["D1", "ana", "Acme", "Won", "2026-04-02", amount])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _hidden_row_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    sh = wb.active
    sh.append(["deal_id", "owner", "customer", "stage", "close_date", "amount"])
    sh.append(["D1", "ana", "Acme", "Won", "2026-04-02", 10])
    sh.append(["D2", "ana", "Beta", "Won", "2026-04-03", 20])
    sh.row_dimensions[3].hidden = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _salesforce_subtotal_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    sh = wb.active
    sh.append(["Opportunity Owner", "Account Name", "Stage", "Close Date", "Amount"])
    sh.append(["Ana Lima", "Acme", "Closed Won", "2026-04-02", 10])
    sh.append(["Subtotal", None, None, None, 10])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip_of(n: int) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(n):
            zf.writestr(f"Deals_{i:03d}.csv", GOOD_DEALS)
    return buf.getvalue()


def _file_case(ws: Workspace, name: str, blob: bytes, extra: str = "") -> list[Diagnostic]:
    _with(ws, sources=DEFAULT_SOURCES.replace("deals.csv", name) + extra)
    ws.data_file(name, blob)
    return _validate(ws)


def _sf_case(ws: Workspace) -> list[Diagnostic]:
    """A Salesforce profile (no columns declared: the profile names them) on a file with a Subtotal row."""
    _with(ws, sources=DEFAULT_SOURCES.split("deals:")[0] + "deals:\n  file: deals.xlsx\n  profile: salesforce\n")
    ws.data_file("deals.xlsx", _salesforce_subtotal_xlsx())
    return _validate(ws)


def _xlsx_case(ws: Workspace) -> list[Diagnostic]:
    _with(ws, sources=DEFAULT_SOURCES.replace("deals.csv", "deals.xlsx"))
    ws.data_file("deals.xlsx", _xlsx_with_amount("#DIV/0!"))
    return _validate(ws)


# code -> (reproducer, file the location names, expected line (or row), words in the message)
CASES: dict[str, tuple[Callable[[Workspace], list[Diagnostic]], str, int | None, str]] = {
    "yaml-syntax": (lambda ws: _validate(_with(ws), "schema_version: 1\nid: p\n  currency: USD\n"), "p.yaml", 3, "mapping values are not allowed here"),
    "yaml-duplicate-key": (lambda ws: _validate(_with(ws), GOOD_PROGRAM + "id: q\n"), "p.yaml", 15, "key 'id' appears twice"),
    "yaml-too-large": (lambda ws: _validate(_with(ws), "a: " + "[" * 60 + "]" * 60 + "\n"), "p.yaml", 1, "nests deeper than 40 levels"),
    "yaml-ambiguous-scalar": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("{stage: Won}", "{stage: yes}")), "p.yaml", 9, "'yes' is read as text here, but YAML 1.1 reads yes as true"),
    "unknown-key": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("currency:", "curency:")), "p.yaml", 3, "unknown key 'curency'"),
    "missing-key": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("currency: USD\n", "")), "p.yaml", 1, "missing required key 'currency'"),
    "wrong-type": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("period: month", "period: [month]")), "p.yaml", 4, "expected text, found a list"),
    "bad-number": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("rate: 5%", "rate: 5%\n    cap: 1,000")), "p.yaml", 15, "expected an amount, found '1,000'"),
    "bad-rate": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("rate: 5%", "rate: five percent")), "p.yaml", 14, "expected a number or percentage, found 'five percent'"),
    "bad-choice": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("type: rate", "type: rat")), "p.yaml", 12, "'rat' is not one of: rate, tiers, bonus, slabs, milestones, rank, champions, pip, split, weekly, goals"),
    "bad-reference": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("base: revenue", "base: revenu")), "p.yaml", 13, "no measure named 'revenu'"),
    "schema-version": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("schema_version: 1", "schema_version: 2")), "p.yaml", 1, "schema_version 2 is not one this tool reads"),
    "bad-tiers": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("type: rate", "type: tiers\n    method: marginal\n    bound: upper\n    tiers: [{up_to: 10, rate: 1%}, {up_to: 5, rate: 2%}, {rate: 3%}]").replace("    rate: 5%\n", "")), "p.yaml", 15, "5 is not above the previous tier's 10"),
    "bad-expression": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("components:", "  double: {expr: revenue * }\ncomponents:")), "p.yaml", 10, "the expression ends too early"),
    "bad-grid": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("type: rate", "type: grid\n    rows: {measure: revenue, from: [0, 100]}\n    columns: {measure: revenue, from: [0]}\n    table: [[1, 2], [3]]").replace("    base: revenue\n    rate: 5%\n", "")), "p.yaml", 15, "a 2 x 1 grid needs 2 rows of 1 cells"),
    "bad-weights": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("type: rate", "type: scorecard\n    of: revenue\n    kpis: [{measure: revenue, weight: 50%, curve: [{at: 0, pays: 1}]}]").replace("    base: revenue\n    rate: 5%\n", "")), "p.yaml", 14, "the weights add up to 50%, not 100%"),
    "missing-roster-value": (lambda ws: (_with(ws, roster=GOOD_ROSTER.replace("boss,1000", "boss,")).program("p", GOOD_PROGRAM.replace("components:", "  quota: {roster: quarterly_quota}\ncomponents:").replace("base: revenue", "base: quota")), _compute(ws))[1], "roster.csv", 2, "has no quarterly_quota on the roster"),
    "duplicate-program": (lambda ws: (ws.programs.joinpath("p.yml").write_text(GOOD_PROGRAM), _validate(_with(ws)))[1], "p.yml", 1, "program id 'p' is also declared in"),
    "program-id-mismatch": (lambda ws: _validate(_with(ws), GOOD_PROGRAM.replace("id: p", "id: commission")), "p.yaml", 2, "id 'commission' differs from the file name 'p'"),
    "no-programs": (lambda ws: _validate(_with(ws), None), "programs", None, "no program files (*.yaml) found"),
    "file-not-found": (lambda ws: _validate(_with(ws, sources=DEFAULT_SOURCES.replace("deals.csv", "deals-2026.csv"))), "deals-2026.csv", None, "the file does not exist"),
    "file-unreadable": (lambda ws: _validate(_with(ws, deals="deal_id,owner,customer,stage,close_date,amount\nD1,ana,Caf\xe9,Won,2026-04-02,1\n".encode("cp1252"))), "deals.csv", 2, "not valid utf-8 text"),
    "missing-column": (lambda ws: _validate(_with(ws, deals=GOOD_DEALS.replace("stage", "status"))), "deals.csv", 1, "no column for 'stage'"),
    "ambiguous-column": (lambda ws: _validate(_with(ws, deals=GOOD_DEALS.replace("customer", "Value"), sources=DEFAULT_SOURCES.replace("    amount: amount", "    amount: [amount, Value]"))), "deals.csv", 1, "several columns match 'amount': amount, Value"),
    "no-header": (lambda ws: _validate(_with(ws, deals="a,b,c\n1,2,3\n")), "deals.csv", None, "no row in the first 50 names any declared column"),
    "ambiguous-delimiter": (lambda ws: _validate(_with(ws, deals="deal_id;owner,stage\nD1;ana,Won\n", sources=DEFAULT_SOURCES + "  delimiter: auto\n")), "deals.csv", 1, "the header line reads equally well split on ',' (comma) and ';' (semicolon)"),
    "hidden-rows": (lambda ws: _file_case(ws, "deals.xlsx", _hidden_row_xlsx()), "deals.xlsx", 3, "1 data row(s) of this sheet are hidden (rows 3)"),
    "formatted-report": (lambda ws: _sf_case(ws), "deals.xlsx", 3, "a total row ('Subtotal'): this is a Salesforce Formatted report, not Details Only"),
    "archive-refused": (lambda ws: _file_case(ws, "deals.zip", _zip_of(101)), "deals.zip", None, "the archive holds 101 files; at most 100 are read"),
    "bad-amount": (lambda ws: _validate(_with(ws, deals=GOOD_DEALS.replace("1000.50", "1000.505"))), "deals.csv", 2, "'1000.505' has more than 2 decimal places"),
    "bad-cell-number": (lambda ws: _validate(_with(ws, roster=GOOD_ROSTER.replace(",1000", ",lots"), sources=DEFAULT_SOURCES.replace("type: money, required: false", "type: number, required: false"))), "roster.csv", 2, "'lots' is not a number in the declared format"),
    "bad-cell-date": (lambda ws: _validate(_with(ws, deals=GOOD_DEALS.replace("2026-04-03", "04/03/2026"))), "deals.csv", 3, "'04/03/2026' is not a date in the declared format %Y-%m-%d"),
    "excel-error-cell": (lambda ws: _xlsx_case(ws), "deals.xlsx", 2, "the cell holds the spreadsheet error #DIV/0!"),
    "cell-too-long": (lambda ws: _validate(_with(ws, deals=GOOD_DEALS.replace("Beta", "B" * 40_000))), "deals.csv", 3, "the cell holds 40,000 characters; a spreadsheet cell holds at most 32,767"),
    "duplicate-person": (lambda ws: _validate(_with(ws, roster=GOOD_ROSTER + "ana,Ana Again,Sales Rep,East,boss,5\n")), "roster.csv", 3, "person id 'ana' appears twice (first on row 2)"),
    "unknown-owner": (lambda ws: _validate(_with(ws, deals=GOOD_DEALS + "D9,Bo Nobody,X,Won,2026-04-09,5\n")), "deals.csv", 4, "owner 'Bo Nobody' matches nobody on the roster"),
    "currency-mismatch": (lambda ws: (_with(ws, deals=GOOD_DEALS.replace("amount\n", "amount,currency\n").replace("1000.50\n", "1000.50,GBP\n").replace("99.50\n", "99.50,USD\n"), sources=DEFAULT_SOURCES + "    currency: currency\n"), ws.program("p", GOOD_PROGRAM), _compute(ws))[2], "deals.csv", 2, "1 deal(s) in GBP feed program 'p'"),
    "missing-target": (lambda ws: (_with(ws, roster=GOOD_ROSTER.replace(",1000", ",0")), ws.program("p", GOOD_PROGRAM.replace("components:", "  att: {attainment: revenue, target: q}\ntargets:\n  q: {roster: quarterly_quota}\ncomponents:")), _compute(ws))[2], "p.yaml", 12, "Ana Lima (ana) has a zero target 'q'"),
    "unknown-manager": (lambda ws: _validate(_with(ws, sources=DEFAULT_SOURCES.replace("  unknown_managers: allow", "  unknown_managers: error"))), "roster.csv", 2, "Ana Lima (ana) reports to 'boss', but 'boss' is nobody on the roster"),
    "manager-cycle": (lambda ws: _validate(_with(ws, roster=GOOD_ROSTER.replace(",boss,", ",bo,") + "bo,Bo Berg,Sales Rep,East,ana,5\n")), "roster.csv", 2, "people report to each other in a circle: Ana Lima (ana) -> Bo Berg (bo) -> Ana Lima (ana)"),
    "manager-conflict": (lambda ws: _validate(_with(ws, roster=GOOD_ROSTER + "bo,Bo Berg,Sales Rep,East,boss2,5\n", sources=DEFAULT_SOURCES.replace("deals:", "  add_people: [{from: team, role: Team, manager_from: manager}]\ndeals:", 1))), "roster.csv", 3, "'East' (team) reports to 'boss2' on this row but to 'boss' on row 2"),
    "bad-shares": (lambda ws: _validate(_with(ws), COHORT_PROGRAM), "p.yaml", 13, "the shares add up to 90%, not 100%"),
    "ladder-too-long": (lambda ws: (_with(ws, deals=GOOD_DEALS + "D0,ana,Acme,Won,2026-03-02,5000\n"), ws.program("p", COHORT_PROGRAM.replace("80%", "90%").split("components:")[0] + LADDER), _compute(ws))[2], "p.yaml", 16, "for cohort 'Top', steps of 0.01 from 5,000 to 5,250 make more than 200 slabs"),
    "no-target": (lambda ws: (_with(ws), ws.program("p", GOOD_PROGRAM.replace("components:", "targets:\n  t: {statistic: mean_plus_k_sigma, of: revenue, k: 2}\ncomponents:")), _warnings(ws))[2], "p.yaml", 11, "target 't': mean_plus_k_sigma of revenue in 2026-03: nobody has a value"),
    "empty-export": (lambda ws: _validate(_with(ws, deals=GOOD_DEALS.splitlines()[0] + "\n")), "deals.csv", 1, "the file has a header (row 1) but no data rows: an empty deals export"),
    "option-not-applicable": (lambda ws: _validate(_with(ws, sources=DEFAULT_SOURCES + "  sheet: Deals\n")), "sources.yaml", 21, "sheet: 'Deals' is declared, but deals.csv is a CSV file, which has no sheets"),
    "duplicate-deal": (lambda ws: _validate(_with(ws, deals=GOOD_DEALS + "D1 ,ana,Acme,Won,2026-04-02,1000.50\n")), "deals.csv", 4, "deal_id 'D1' appears on 2 rows (2, 4): a deal counts once"),
    "mangled-id": (lambda ws: _validate(_with(ws, deals=GOOD_DEALS.replace("D2,", "4.87688E+15,"))), "deals.csv", 3, "'4.87688E+15' is an id in scientific notation"),
    "blank-value": (lambda ws: _validate(_with(ws, deals=GOOD_DEALS.replace(",99.50", ","))), "deals.csv", 3, "the amount is blank"),
    "formula-not-computed": (lambda ws: _file_case(ws, "deals.xlsx", _xlsx_with_amount("=SUM(1,2)")), "deals.xlsx", 2, "the cell holds a formula (=SUM(1,2)) with no saved result"),
    "missing-manager": (lambda ws: _validate(_with(ws, roster=GOOD_ROSTER.replace(",boss,", ",,"))), "roster.csv", 2, "Ana Lima (ana) has no manager"),
    "unlisted-person": (lambda ws: _validate(_with(ws, sources=DEFAULT_SOURCES.replace("deals:", "  add_people: [{from: team, role: Team, names: [West]}]\ndeals:", 1))), "roster.csv", 2, "'East' (team) is nobody on the roster and not among the people add_people lists"),
    "no-facts-in-period": (lambda ws: (_with(ws, deals=GOOD_DEALS.replace("2026-04", "2026-01")), ws.program("p", GOOD_PROGRAM), _compute(ws))[2], "deals.csv", None, "no row of deals has a close_date in 2026-04 (2026-04-01 to 2026-04-30): the file's close_date runs from 2026-01-02 to 2026-01-03"),
    "no-program-fits": (lambda ws: (_with(ws), ws.program("p", GOOD_PROGRAM.replace("period: month", "period: quarter")), _compute(ws))[2], "programs", None, "no program runs for 2026-04: p (its period is quarter, the run's is 2026-04)"),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_error_code_has_a_located_reproducer(ws, code):
    make, file_part, line, words = CASES[code]
    diags = [d for d in make(ws) if d.code == code]
    assert diags, f"{code} was not produced"
    d = diags[0]
    assert file_part in d.location.file
    assert d.location.line == line
    assert words in d.message
    assert d.hint, "every refusal says how to fix it"
