"""Bad input: every refusal exits 1, names the file and the place, gives a hint, and writes
nothing to out/."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from conftest import GOOD_DEALS, GOOD_PROGRAM, GOOD_ROSTER, cli


def run_cli(ws, *extra: str):  # type: ignore[no-untyped-def]
    return cli("run", "--programs", str(ws.programs), "--data", str(ws.data), "--period", "2026-04", "--out", str(ws.out), *extra)


def assert_refused(ws, code, err):  # type: ignore[no-untyped-def]
    assert code == 1, err
    assert "Traceback" not in err
    assert not ws.out.exists() or not any(p for p in ws.out.iterdir() if not p.name.startswith(".")), "nothing may be written"


def test_good_input_runs(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS)
    ws.program("p", GOOD_PROGRAM)
    code, _, err = run_cli(ws)
    assert code == 0, err
    assert (ws.out / "2026-04" / "register.csv").read_text().splitlines()[1].endswith(",55.00,USD")


def test_duplicate_key_is_refused_with_both_lines(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS)
    path = ws.program("p", GOOD_PROGRAM.replace("    rate: 5%\n", "    rate: 5%\n    rate: 7%\n"))
    code, _, err = run_cli(ws)
    assert_refused(ws, code, err)
    assert f"{path}:15:5: error [yaml-duplicate-key] key 'rate' appears twice in this mapping (first at line 14)" in err
    assert "hint:" in err


def test_unknown_key_suggests_the_nearest_valid_key(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS)
    path = ws.program("p", GOOD_PROGRAM.replace("    base: revenue", "    bsae: revenue"))
    code, _, err = run_cli(ws)
    assert_refused(ws, code, err)
    assert f"{path}:13:5: error [unknown-key] components[0].bsae: unknown key 'bsae'" in err
    assert "hint: did you mean 'base'?" in err


def test_a_rate_written_as_no_is_caught_as_yaml_1_1_false(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS)
    path = ws.program("p", GOOD_PROGRAM.replace("rate: 5%", "rate: NO"))
    code, _, err = run_cli(ws)
    assert_refused(ws, code, err)
    assert f"{path}:14:11: error [bad-rate] components[0].rate: expected a number or percentage, found 'NO' (YAML 1.1 reads NO as false)" in err
    assert "  13 |     base: revenue\n  14 |     rate: NO\n     |           ^^" in err


@pytest.mark.parametrize(("text", "reading"), [("012", "the octal number 10"), ("1:30", "the base-60 number 90")])
def test_yaml_1_1_numbers_are_caught_where_a_number_is_expected(ws, text, reading):
    ws.setup(GOOD_ROSTER, GOOD_DEALS)
    ws.program("p", GOOD_PROGRAM.replace("rate: 5%", f"rate: {text}"))
    code, _, err = run_cli(ws)
    assert_refused(ws, code, err)
    assert f"found {text!r} (YAML 1.1 reads {text} as {reading})" in err


def test_a_missing_required_column_names_file_and_header_row(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS.replace("amount", "value"))
    ws.program("p", GOOD_PROGRAM)
    code, _, err = run_cli(ws)
    assert_refused(ws, code, err)
    assert f"{ws.data / 'deals.csv'}, row 1: error [missing-column] no column for 'amount' (looked for 'amount'); the header row has: deal_id, owner, customer, stage, close_date, value" in err
    assert "hint: none of the headers is close: map amount to one of them in sources.yaml" in err


def test_a_text_amount_names_row_column_letter_and_header(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS.replace("99.50", "ninety"))
    ws.program("p", GOOD_PROGRAM)
    code, _, err = run_cli(ws)
    assert_refused(ws, code, err)
    assert f"{ws.data / 'deals.csv'}, row 3, column F (amount): error [bad-amount] 'ninety' is not a number in the declared format" in err


def test_an_excel_error_cell_is_a_located_error_not_a_blank(ws):
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "Deals"
    for row in [["Opportunity report"], [], ["deal_id", "owner", "customer", "stage", "close_date", "amount"], ["D1", "ana", "Acme", "Won", "2026-04-02", 1000.5], ["D2", "ana", "Beta", "Won", "2026-04-03", "#N/A"]]:
        sheet.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    ws.setup(GOOD_ROSTER, GOOD_DEALS)
    ws.data_file("deals.xlsx", buf.getvalue())
    ws.data_file("sources.yaml", (ws.data / "sources.yaml").read_text().replace("deals.csv", "deals.xlsx"))
    ws.program("p", GOOD_PROGRAM)
    code, _, err = run_cli(ws)
    assert_refused(ws, code, err)
    assert f"{ws.data / 'deals.xlsx'}, sheet 'Deals', row 5, column F (amount): error [excel-error-cell] the cell holds the spreadsheet error #N/A" in err


def test_all_errors_are_reported_together(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS.replace("99.50", "ninety").replace("1000.50", '"1.000,50"'))
    ws.program("p", GOOD_PROGRAM.replace("rate: 5%", "rate: NO").replace("    base: revenue", "    bsae: revenue"))
    code, _, err = run_cli(ws, "--format", "json")
    assert_refused(ws, code, err)
    found = json.loads(err)
    assert sorted(d["code"] for d in found) == ["bad-amount", "bad-amount", "bad-rate", "missing-key", "unknown-key"]


def test_unknown_owner_is_refused_with_its_row(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS + "D3,Zed Nobody,Acme,Won,2026-04-05,10\n")
    ws.program("p", GOOD_PROGRAM)
    code, _, err = run_cli(ws)
    assert_refused(ws, code, err)
    assert f"{ws.data / 'deals.csv'}, row 4, column B (owner): error [unknown-owner] owner 'Zed Nobody' matches nobody on the roster" in err


def test_github_format_gives_workflow_annotations(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS)
    path = ws.program("p", GOOD_PROGRAM.replace("rate: 5%", "rate: NO"))
    code, _, err = cli("validate", str(ws.programs), "--format", "github")
    assert code == 1
    assert err.startswith(f"::error file={path},line=14,col=11,title=bad-rate::components[0].rate: expected a number or percentage")


def test_deals_in_another_currency_are_refused_not_summed(ws):
    from conftest import DEFAULT_SOURCES

    ws.setup(GOOD_ROSTER, "deal_id,owner,customer,stage,close_date,amount,currency\nD1,ana,A,Won,2026-04-02,10,USD\nD2,ana,B,Won,2026-04-03,10,EUR\n", DEFAULT_SOURCES + "    currency: currency\n")
    ws.program("p", GOOD_PROGRAM)
    code, _, err = run_cli(ws)
    assert_refused(ws, code, err)
    assert f"{ws.data / 'deals.csv'}, row 3 (currency): error [currency-mismatch] 1 deal(s) in EUR feed program 'p', which pays in USD" in err


def test_a_person_paid_in_another_currency_is_refused(ws):
    from conftest import DEFAULT_SOURCES

    ws.setup("id,name,role,team,manager,quota,currency\nana,Ana Lima,Sales Rep,East,boss,1000,EUR\n", GOOD_DEALS, DEFAULT_SOURCES.replace("    manager: manager\n", "    manager: manager\n    currency: currency\n"))
    ws.program("p", GOOD_PROGRAM)
    code, _, err = run_cli(ws)
    assert_refused(ws, code, err)
    assert "error [currency-mismatch] Ana Lima (ana) is paid in EUR, but program 'p' pays in USD" in err


def test_a_person_without_a_target_is_named(ws):
    ws.setup("id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,boss,\n", GOOD_DEALS)
    ws.program("p", GOOD_PROGRAM.replace("    where: {stage: Won}\n", "    where: {stage: Won}\n  att: {attainment: revenue, target: q}\ntargets:\n  q: {roster: quarterly_quota}\n"))
    code, _, err = run_cli(ws)
    assert_refused(ws, code, err)
    assert "error [missing-target] Ana Lima (ana) has no target 'q', so attainment 'att' cannot be computed" in err
    assert "give Ana Lima a quarterly_quota value on the roster (row 2)" in err


def test_a_filter_value_that_no_row_has_is_warned_about(ws):
    ws.setup(GOOD_ROSTER, GOOD_DEALS)
    path = ws.program("p", GOOD_PROGRAM.replace("{stage: Won}", "{stage: Closed Won}"))
    code, _, err = cli("validate", str(ws.programs), "--data", str(ws.data))
    assert code == 0  # a warning: the run goes on, but nobody misses it
    assert f"{path}:9:20: warning [filter-matches-nothing] measures.revenue.where.stage: no row of deals has stage 'Closed Won', so revenue is 0 for everyone" in err
    assert "hint: values in the data: 'Won'" in err
