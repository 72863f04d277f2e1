"""Readers: program YAML and data files, each value exact and each problem located."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from conftest import GOOD_PROGRAM, GOOD_ROSTER, dedent

from incentive_cli import api
from incentive_cli.readers.program import parse_program
from incentive_cli.readers.sources import read_dataset


def codes(diags):  # type: ignore[no-untyped-def]
    return [d.code for d in diags if d.is_error]


# --- programs ---------------------------------------------------------------------------


def test_decimals_come_straight_from_the_yaml_text():
    program, diags = parse_program("p.yaml", GOOD_PROGRAM.replace("rate: 5%", "rate: 0.1"))
    assert codes(diags) == []
    assert program.components[0].rate == Decimal("0.1")  # not 0.1000000000000000055511151231257827
    program, _ = parse_program("p.yaml", GOOD_PROGRAM.replace("rate: 5%", "rate: 7.25%"))
    assert program.components[0].rate == Decimal("0.0725")


def test_messages_give_the_key_path_as_written():
    text = GOOD_PROGRAM.replace("    rate: 5%\n", "    method: marginal\n    bound: upper\n    tiers:\n      - {up_to: 100, rate: 1%}\n      - {up_to: 50, rate: 2%}\n      - {up_to: 70, rate: 3%}\n").replace("type: rate", "type: tiers")
    _, diags = parse_program("p.yaml", text)
    messages = [d.message for d in diags if d.is_error]
    assert "components[0].tiers[1].up_to: 50 is not above the previous tier's 100" in messages
    assert "components[0].tiers[2].up_to: the last tier must be open-ended (no up_to)" in messages


def test_tiers_must_declare_method_and_bound():
    text = GOOD_PROGRAM.replace("    rate: 5%\n", "    tiers: [{up_to: 100, rate: 1%}, {rate: 2%}]\n").replace("type: rate", "type: tiers")
    _, diags = parse_program("p.yaml", text)
    assert any("needs 'method'" in d.message for d in diags)
    _, diags = parse_program("p.yaml", text.replace("    tiers:", "    method: retroactive\n    tiers:"))
    assert [d.message for d in diags if d.is_error] == ["components[0]: a tiers component needs 'bound'"]


def test_an_alias_bomb_is_refused_quickly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))
    _, diags = parse_program("bomb.yaml", bomb)
    assert codes(diags) == ["yaml-too-large"]


def test_deep_nesting_is_refused():
    _, diags = parse_program("deep.yaml", "a: " + "[" * 200 + "]" * 200 + "\n")
    assert codes(diags) == ["yaml-too-large"]


def test_a_yaml_syntax_error_points_at_the_line():
    _, diags = parse_program("p.yaml", "schema_version: 1\nid: p\n  currency: USD\n")
    [d] = diags
    assert d.code == "yaml-syntax" and d.location.line == 3


def test_the_key_on_is_renamed_with_a_hint():
    text = GOOD_PROGRAM.replace("    base: revenue\n    rate: 5%\n", "    on: revenue\n    base: revenue\n    rate: 5%\n")
    _, diags = parse_program("p.yaml", text)
    [d] = [d for d in diags if d.code == "unknown-key"]
    assert d.hint.startswith("write measure")


def test_text_that_yaml_1_1_would_misread_is_kept_and_warned_about():
    text = GOOD_PROGRAM.replace("where: {stage: Won}", "where: {stage: NO}")
    program, diags = parse_program("p.yaml", text)
    assert program is not None and program.measures[0].filters[0].value == "NO"
    assert [d.code for d in diags] == ["yaml-ambiguous-scalar"]


def test_program_id_must_match_the_file_name():
    _, diags = parse_program("programs/other.yaml", GOOD_PROGRAM)
    assert codes(diags) == ["program-id-mismatch"]


def test_unknown_measure_reference_lists_known_measures():
    _, diags = parse_program("p.yaml", GOOD_PROGRAM.replace("base: revenue", "base: revnue"))
    [d] = diags
    assert d.code == "bad-reference" and d.hint == "known measures: revenue"


# --- data -------------------------------------------------------------------------------

SOURCES = """\
schema_version: 1
roster:
  file: roster.csv
  columns: {person_id: id, name: name, role: role}
deals:
  file: deals.{ext}
  columns:
    deal_id: [Opportunity ID, Record ID]
    owner: [Opportunity Owner, Deal owner]
    stage: [Stage, Deal Stage]
    close_date: Close Date
    amount: Amount
  {extra}
"""


def _data(ws, deals: str | bytes, ext: str = "csv", extra: str = ""):  # type: ignore[no-untyped-def]
    ws.data_file("sources.yaml", SOURCES.replace("{ext}", ext).replace("{extra}", extra))
    ws.data_file("roster.csv", "id,name,role\nana,Ana Lima,Sales Rep\n")
    ws.data_file(f"deals.{ext}", deals)
    return read_dataset(ws.data)


def test_the_header_is_found_below_title_lines_and_aliases_match(ws):
    data, diags = _data(ws, "Opportunity Pipeline\nAs of 2026-04-30\n\nRecord ID,Deal owner,Deal Stage,Close Date,Amount\n0012,ana,Won,2026-04-02,10.50\n")
    assert codes(diags) == []
    frame = data.tables["deals"].frame
    assert frame["deal_id"].tolist() == ["0012"]  # ids stay text, leading zeros kept
    assert int(frame["amount"].iloc[0]) == 1050
    assert data.tables["deals"].row_of(0) == 5


@pytest.mark.parametrize(
    ("number_format", "cell", "cents"),
    [
        ("{decimal: ',', thousands: '.'}", '"1.234,50"', 123450),
        ("{decimal: '.', thousands: ','}", '"1,234.50"', 123450),
        ("{decimal: '.', thousands: ',', parentheses_negative: true}", '"(1,234.00)"', -123400),
        ("{decimal: '.', thousands: ',', currency_symbols: true}", '"$1,234.00"', 123400),
        ("{decimal: '.', thousands: ',', currency_symbols: true}", '"USD 1,234.5"', 123450),
    ],
)
def test_number_formats_are_declared_per_source(ws, number_format, cell, cents):
    data, diags = _data(ws, f"Opportunity ID,Opportunity Owner,Stage,Close Date,Amount\nX1,ana,Won,2026-04-02,{cell}\n", extra=f"number_format: {number_format}")
    assert codes(diags) == []
    assert int(data.tables["deals"].frame["amount"].iloc[0]) == cents


def test_a_european_amount_under_the_default_format_is_refused_not_misread(ws):
    _, diags = _data(ws, 'Opportunity ID,Opportunity Owner,Stage,Close Date,Amount\nX1,ana,Won,2026-04-02,"1.234,50"\n')
    assert codes(diags) == ["bad-amount"]


def test_dates_follow_the_declared_format_and_are_never_guessed(ws):
    csv_text = "Opportunity ID,Opportunity Owner,Stage,Close Date,Amount\nX1,ana,Won,03/04/2026,1\nX2,ana,Won,2026-04-03,1\n"
    data, diags = _data(ws, csv_text, extra="date_format: '%d/%m/%Y'")
    [d] = [d for d in diags if d.is_error]
    assert d.code == "bad-cell-date" and d.location.line == 3 and d.value == "2026-04-03"


def test_utf8_bom_and_cp1252_exports(ws):
    bom = "\ufeffOpportunity ID,Opportunity Owner,Stage,Close Date,Amount\nX1,ana,Won,2026-04-02,1\n".encode()
    data, diags = _data(ws, bom)
    assert codes(diags) == []
    cp = "Opportunity ID,Opportunity Owner,Stage,Close Date,Amount\nCaf\xe9,ana,Won,2026-04-02,1\n".encode("cp1252")
    _, diags = _data(ws, cp)
    assert codes(diags) == ["file-unreadable"] and "encoding: cp1252" in diags[0].hint
    data, diags = _data(ws, cp, extra="encoding: cp1252")
    assert codes(diags) == [] and data.tables["deals"].frame["deal_id"].iloc[0] == "Café"


def test_a_ragged_row_is_located(ws):
    _, diags = _data(ws, "Opportunity ID,Opportunity Owner,Stage,Close Date,Amount\nX1,ana,Won,2026-04-02,1,234.00\n")
    [d] = diags
    assert d.code == "file-unreadable" and d.location.line == 2 and "6 fields but the header has 5" in d.message


def test_an_html_page_named_xls_is_refused(ws):
    _, diags = _data(ws, "<html><table><tr><td>x</td></tr></table></html>")
    assert codes(diags) == ["file-unreadable"] and "HTML" in diags[0].message


def test_xlsx_dates_numbers_and_serials(ws):
    wb = openpyxl.Workbook()
    sh = wb.active
    import datetime as dt

    sh.append(["Opportunity ID", "Opportunity Owner", "Stage", "Close Date", "Amount"])
    sh.append([12345, "ana", "Won", dt.datetime(2026, 4, 2), 1054.1])
    sh.append(["X2", "ana", "Won", 46115, 0.07])  # Excel serial 46115 = 2026-04-03
    buf = io.BytesIO()
    wb.save(buf)
    data, diags = _data(ws, buf.getvalue(), ext="xlsx")
    assert codes(diags) == []
    f = data.tables["deals"].frame
    assert f["deal_id"].tolist() == ["12345", "X2"]
    assert [int(x) for x in f["amount"]] == [105410, 7]
    assert [str(d) for d in f["close_date"].to_numpy(dtype="datetime64[D]")] == ["2026-04-02", "2026-04-03"]


def test_activities_are_read_and_counted(ws):
    ws.data_file("sources.yaml", dedent("""
        schema_version: 1
        roster: {file: roster.csv, columns: {person_id: id, name: name, role: role}}
        activities:
          file: calls.csv
          columns: {owner: Assigned, date: Date, kind: Type}
          date_format: '%m/%d/%Y'
    """))
    ws.data_file("roster.csv", GOOD_ROSTER)
    ws.data_file("calls.csv", "Assigned,Date,Type\nana,04/01/2026,Call\nana,04/02/2026,Call\nana,04/02/2026,Email\nana,05/01/2026,Call\n")
    ws.program("calls", """
        schema_version: 1
        id: calls
        currency: USD
        period: month
        measures:
          calls: {from: activities, count: rows, where: {kind: Call}}
        components:
          - {id: call-bonus, type: bonus, measure: calls, at_least: 2, amount: 50}
    """)
    [r] = api.compute(ws.programs, ws.data, "2026-04").results
    [ana] = r.people
    assert ana.measures[0][1] == 2 and ana.lines[0].amount == Decimal("50.00")


# --- money parsing, exact --------------------------------------------------------------

def _raw(values: list[str]):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    from incentive_cli.readers.table import RawTable

    return RawTable("x.csv", None, 1, {"amount": "Amount"}, {"amount": 1}, {"amount": pa.chunked_array([pa.array(values, pa.string())])}, len(values), list(range(2, len(values) + 2)))


@pytest.mark.parametrize(
    ("text", "cents"),
    [("1.500", 150), ("-0.5", -50), ("+3", 300), ("-1,234.5", -123450), ("0", 0), ("9999999999999.99", 999999999999999), (" 7 ", 700), ("0.07", 7)],
)
def test_money_cells_become_exact_minor_units(text, cents):
    from incentive_cli.readers.cells import parse_money

    diags: list = []
    units, blank = parse_money(_raw([text]), "amount", 2, {}, diags)
    assert diags == [] and int(units[0]) == cents and not blank[0]


@pytest.mark.parametrize(("text", "words"), [("1.005", "more than 2 decimal places"), ("12345678901234", "too large"), ("5.", "not a number"), ("1e5", "not a number"), ("12,34", "not a number")])
def test_money_cells_that_cannot_be_read_exactly_are_refused(text, words):
    from incentive_cli.readers.cells import parse_money

    diags: list = []
    units, _ = parse_money(_raw([text]), "amount", 2, {}, diags)
    assert [d.code for d in diags] == ["bad-amount"] and words in diags[0].message and int(units[0]) == 0


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.lists(st.integers(-10**14 + 1, 10**14 - 1), min_size=1, max_size=50), st.sampled_from([(".", ","), (",", "."), (".", "")]))
def test_any_amount_written_in_the_declared_format_reads_back_exactly(cents_list, fmt):
    from incentive_cli.readers.cells import parse_money

    dec, thou = fmt

    def write(c: int) -> str:
        whole, frac = divmod(abs(c), 100)
        w = f"{whole:,}".replace(",", thou) if thou else str(whole)
        return ("-" if c < 0 else "") + w + dec + f"{frac:02d}"

    diags: list = []
    units, _ = parse_money(_raw([write(c) for c in cents_list]), "amount", 2, {"decimal": dec, "thousands": thou or "none"}, diags)
    assert diags == []
    assert [int(u) for u in units] == cents_list


@pytest.mark.parametrize(("fmt", "text", "ok"), [("%Y-%m-%d", "2026-02-30", False), ("%Y-%m-%d", "2024-02-29", True), ("%d/%m/%Y", "30/02/2026", False), ("%d/%m/%Y", "3/4/2026", True), ("%d.%m.%Y", "31.12.2026", True), ("%m/%d/%Y %H:%M", "04/01/2026 09:30", True)])
def test_dates_are_strict_never_rolled_over(ws, fmt, text, ok):
    data, diags = _data(ws, f"Opportunity ID,Opportunity Owner,Stage,Close Date,Amount\nX1,ana,Won,{text},1\n", extra=f"date_format: '{fmt}'")
    assert (codes(diags) == []) == ok


@pytest.mark.parametrize("text", ["1e5", ".5", "5.", "1_000", "NaN"])
def test_amounts_that_are_not_in_the_declared_format_are_refused_even_when_a_parser_could_guess(ws, text):
    _, diags = _data(ws, f"Opportunity ID,Opportunity Owner,Stage,Close Date,Amount\nX1,ana,Won,2026-04-02,10\nX2,ana,Won,2026-04-02,{text}\n")
    assert codes(diags) == ["bad-amount"] and diags[0].location.line == 3


def test_blank_iso_dates_are_blank_and_bad_ones_located(ws):
    data, diags = _data(ws, "Opportunity ID,Opportunity Owner,Stage,Close Date,Amount\nX1,ana,Open,,10\nX2,ana,Won,2026-04-02,1\n")
    assert codes(diags) == []
    assert [str(d) for d in data.tables["deals"].frame["close_date"].to_numpy(dtype="datetime64[D]")] == ["NaT", "2026-04-02"]
    _, diags = _data(ws, "Opportunity ID,Opportunity Owner,Stage,Close Date,Amount\nX1,ana,Open,2026-13-01,10\n")
    assert [(d.code, d.location.line, d.value) for d in diags] == [("bad-cell-date", 2, "2026-13-01")]
