"""Writes the input files of the bad-input cases (one folder per case, NNN-short-description).

    .venv/bin/python tests/bad_inputs/make_cases.py        # inputs
    UPDATE_EXPECTED=1 .venv/bin/python -m pytest tests/test_bad_input_fixtures.py   # expected.txt

Layout of a case: ``p.yaml`` (or a ``programs/`` folder) is the program; without one the
shared ``tests/bad_inputs/p.yaml`` is used. ``sources.yaml`` and its data files, when
present, make the case folder the data folder. ``expected.txt`` holds the diagnostics
(code, file, line, column, message; one JSON object a line) or ``safe.txt`` says why the
input is a documented safe reading. Run this only to add cases: it rewrites inputs, never
expected.txt or safe.txt.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import hostile as h  # noqa: E402
import openpyxl  # noqa: E402

PROGRAM = (HERE / "p.yaml").read_text(encoding="utf-8")
SOURCES = """\
schema_version: 1
roster:
  file: roster.csv
  columns: {person_id: id, name: name, role: role, team: team, quarterly_quota: {header: quota, type: money, required: false}}
deals:
  file: deals.csv
  columns: {deal_id: deal_id, owner: owner, customer: customer, stage: stage, close_date: close_date, amount: amount}
"""
ROSTER = "id,name,role,team,quota\nana,Ana Lima,Sales Rep,East,1000\nbo,Bo Berg,Sales Rep,West,2000\n"
HEAD = "deal_id,owner,customer,stage,close_date,amount\n"
DEALS = HEAD + "D1,ana,Acme,Won,2026-04-02,1000.50\nD2,bo,Beta,Won,2026-04-03,99.50\n"


MODIFIED = "deal_id,owner,customer,stage,close_date,amount,modified\n"
LAST = SOURCES.replace("amount: amount}", "amount: amount, modified: {header: modified, type: date}}") + "  duplicates: last\n  order: modified\n"
MANAGED = "id,name,role,team,manager,quota\nana,Ana Lima,Sales Rep,East,bo,1000\n"
MANAGED_SOURCES = SOURCES.replace("team: team,", "team: team, manager: manager,").replace("\ndeals:", "\n  unknown_managers: error\ndeals:")
REGIONS = "id,name,role,team,quota,region\nana,Ana Lima,Sales Rep,East,1000,East\nbo,Bo Berg,Sales Rep,West,2000,Wset\n"
REGION_SOURCES = SOURCES.replace("team: team,", "team: team, region: region,").replace("\ndeals:", "\n  add_people: [{from: region, role: Regional Office, names: [East, West]}]\ndeals:")


def prog(old: str, new: str) -> dict[str, str | bytes]:
    assert old in PROGRAM, old
    return {"p.yaml": PROGRAM.replace(old, new, 1)}


def data(deals: str | bytes | None = None, sources: str = SOURCES, roster: str | bytes = ROSTER, deals_name: str = "deals.csv", **more: str | bytes) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"sources.yaml": sources.replace("deals.csv", deals_name), "roster.csv": roster, deals_name: DEALS if deals is None else deals}
    files.update(more)
    return files


def src(old: str, new: str) -> str:
    assert old in SOURCES, old
    return SOURCES.replace(old, new, 1)


def deals_with(old: str, new: str) -> str:
    assert old in DEALS, old
    return DEALS.replace(old, new, 1)


def xlsx(rows: list[list[object]], hidden: list[int] = (), sheet_state: str | None = None, title: str | None = None, extra_sheet: bool = False) -> bytes:  # type: ignore[assignment]
    wb = openpyxl.Workbook()
    sh = wb.active
    if title:
        sh.title = title
    for r in rows:
        sh.append(r)
    for n in hidden:
        sh.row_dimensions[n].hidden = True
    if extra_sheet:
        wb.create_sheet("Visible")["A1"] = "nothing here"
    if sheet_state:
        sh.sheet_state = sheet_state
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


XH = ["deal_id", "owner", "customer", "stage", "close_date", "amount"]


def xdeals(**cells: object) -> bytes:
    row = {"deal_id": "D1", "owner": "ana", "customer": "Acme", "stage": "Won", "close_date": "2026-04-02", "amount": 10, **cells}
    return xlsx([XH, [row[k] for k in XH], ["D2", "bo", "Beta", "Won", "2026-04-03", 20]])


def every_sheet_hidden() -> bytes:
    """openpyxl refuses to save this; Excel files edited by other tools can say it."""
    data = xdeals()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        wbxml = zf.read("xl/workbook.xml")
    return h.replace_members(data, {"xl/workbook.xml": wbxml.replace(b'state="visible"', b'state="hidden"')})


def zipped(parts: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)
    return buf.getvalue()


def bomb(depth: int = 9) -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(depth):
        prev, cur = chr(97 + i), chr(98 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    return "\n".join(lines) + "\n"


TIERS = "    method: marginal\n    bound: upper\n    tiers:\n      - {up_to: 10000, rate: 1%}\n      - {rate: 2%}\n"


def tiers(body: str) -> dict[str, str | bytes]:
    return {"p.yaml": PROGRAM.replace("    type: rate\n", "    type: tiers\n").replace("    rate: 5%\n", body)}


CASES: dict[str, dict[str, str | bytes]] = {
    # --- program YAML: syntax and the loader's rails ---------------------------------
    "yaml-bad-indentation": prog("currency: USD", "  currency: USD"),
    "yaml-tab-indentation": prog("    base: revenue", "\tbase: revenue"),
    "yaml-unclosed-bracket": prog("where: {stage: Won}", "where: {stage: Won"),
    "yaml-unclosed-quote": prog("currency: USD", 'currency: "USD'),
    "yaml-duplicate-top-key": {"p.yaml": PROGRAM + "currency: EUR\n"},
    "yaml-duplicate-component-key": prog("    rate: 5%\n", "    rate: 5%\n    rate: 7%\n"),
    "yaml-alias-bomb": {"p.yaml": bomb()},
    "yaml-deep-nesting": {"p.yaml": "schema_version: 1\nid: p\nx: " + "[" * 60 + "]" * 60 + "\n"},
    "yaml-nul-byte": prog("rate: 5%", "rate: 5\x00%"),
    "yaml-empty-file": {"p.yaml": ""},
    "yaml-list-not-mapping": {"p.yaml": "- schema_version: 1\n- id: p\n"},
    "yaml-not-utf8": {"p.yaml": PROGRAM.replace("id: p", "id: p\nname: Prime vente été").encode("cp1252")},
    "yaml-python-tag": prog("currency: USD", "currency: !!python/object:os.system USD"),
    # --- keys ------------------------------------------------------------------------
    "key-unknown-top-level-typo": prog("currency:", "curency:"),
    "key-unknown-in-component": prog("    base: revenue", "    bsae: revenue"),
    "key-unknown-in-measure": prog("    sum: amount", "    total: amount"),
    "key-on-instead-of-measure": prog("    base: revenue\n", "    base: revenue\n    on: revenue\n"),
    "key-missing-currency": prog("currency: USD\n", ""),
    "key-missing-id": prog("id: p\n", ""),
    "key-missing-component-type": prog("    type: rate\n", ""),
    "key-missing-measure-from": prog("    from: deals\n", ""),
    # --- types -----------------------------------------------------------------------
    "type-period-is-a-list": prog("period: month", "period: [month]"),
    "type-components-is-a-mapping": prog("components:\n  - id: commission", "components:\n  commission:\n    id: commission"),
    "type-measures-is-a-list": prog("measures:\n  revenue:", "measures:\n  - revenue:"),
    "type-rate-is-empty": prog("rate: 5%", "rate:"),
    "type-where-is-a-number": prog("where: {stage: Won}", "where: 5"),
    # --- numbers and rates -----------------------------------------------------------
    "number-cap-with-thousands-comma": prog("    rate: 5%\n", "    rate: 5%\n    cap: 1,000\n"),
    "number-cap-with-currency-sign": prog("    rate: 5%\n", "    rate: 5%\n    cap: $500\n"),
    "number-cap-in-exponent-form": prog("    rate: 5%\n", "    rate: 5%\n    cap: 1e3\n"),
    "number-places-negative": {"p.yaml": PROGRAM + "rounding: {places: -1}\n"},
    "number-places-fractional": {"p.yaml": PROGRAM + "rounding: {places: 2.5}\n"},
    "number-places-too-many": {"p.yaml": PROGRAM + "rounding: {places: 40}\n"},
    "rate-in-words": prog("rate: 5%", "rate: five percent"),
    "rate-yaml11-no": prog("rate: 5%", "rate: NO"),
    "rate-yaml11-octal": prog("rate: 5%", "rate: 012"),
    "rate-yaml11-sexagesimal": prog("rate: 5%", "rate: 1:30"),
    "rate-hexadecimal": prog("rate: 5%", "rate: 0x10"),
    "rate-percent-sign-twice": prog("rate: 5%", "rate: 5%%"),
    "rate-with-comma-decimal": prog("rate: 5%", "rate: 0,05"),
    "rate-infinity": prog("rate: 5%", "rate: .inf"),
    # --- choices ---------------------------------------------------------------------
    "choice-component-type-typo": prog("type: rate", "type: rat"),
    "choice-rounding-mode": {"p.yaml": PROGRAM + "rounding: {places: 2, mode: bankers}\n"},
    "choice-measure-from": prog("from: deals", "from: opportunities"),
    "choice-currency-lowercase": prog("currency: USD", "currency: usd"),
    "choice-period-words": prog("period: month", "period: Q2-2026"),
    "choice-component-id-with-space": prog("  - id: commission", "  - id: my commission"),
    # --- references ------------------------------------------------------------------
    "reference-base-measure-typo": prog("base: revenue", "base: revenu"),
    "reference-unknown-target": prog("components:", "  att: {attainment: revenue, target: quota}\ncomponents:"),
    "reference-measure-cycle": prog("components:", "  a: {divide: b, by: revenue}\n  b: {divide: a, by: revenue}\ncomponents:"),
    # --- schema version and ids ------------------------------------------------------
    "schema-version-2": prog("schema_version: 1", "schema_version: 2"),
    "schema-version-missing": prog("schema_version: 1\n", ""),
    "schema-version-text": prog("schema_version: 1", "schema_version: one"),
    "program-id-mismatch": prog("id: p", "id: commission-plan"),
    "duplicate-program": {"programs/p.yaml": PROGRAM, "programs/p.yml": PROGRAM},
    # --- tiers -----------------------------------------------------------------------
    "tiers-not-increasing": tiers("    method: marginal\n    bound: upper\n    tiers:\n      - {up_to: 10000, rate: 1%}\n      - {up_to: 5000, rate: 2%}\n      - {rate: 3%}\n"),
    "tiers-last-not-open": tiers("    method: marginal\n    bound: upper\n    tiers:\n      - {up_to: 10000, rate: 1%}\n      - {up_to: 20000, rate: 2%}\n"),
    "tiers-without-method": tiers("    bound: upper\n    tiers:\n      - {up_to: 10000, rate: 1%}\n      - {rate: 2%}\n"),
    "tiers-without-bound": tiers("    method: retroactive\n    tiers:\n      - {up_to: 10000, rate: 1%}\n      - {rate: 2%}\n"),
    "tiers-empty-list": tiers("    method: marginal\n    bound: upper\n    tiers: []\n"),
    "tiers-rate-yaml11-off": tiers(TIERS.replace("rate: 2%", "rate: off")),
    "tiers-up-to-with-comma": tiers(TIERS.replace("up_to: 10000", "up_to: 10,000")),
    # --- YAML 1.1 surprises where text is expected (warnings, text kept) ------------
    "yaml11-stage-yes": prog("{stage: Won}", "{stage: yes}"),
    "yaml11-role-no-in-eligible": {"p.yaml": PROGRAM + "eligible: {roles: [Sales Rep, NO]}\n"},
    "yaml11-team-octal-in-eligible": {"p.yaml": PROGRAM + "eligible: {teams: [0755]}\n"},
    "yaml11-stage-list-with-on": prog("{stage: Won}", "{stage: [Won, on]}"),
    "safe-anchors-and-aliases": prog("    where: {stage: Won}\n", "    where: &won {stage: Won}\n  won_count: {from: deals, count: rows, where: *won}\n"),
    "safe-utf8-bom-program": {"p.yaml": ("\ufeff" + PROGRAM).encode("utf-8")},
    # --- sources.yaml ----------------------------------------------------------------
    "sources-schema-version-2": data(sources=src("schema_version: 1", "schema_version: 2")),
    "sources-missing-roster": data(sources="schema_version: 1\n" + SOURCES.split("deals:", 1)[1].join(["deals:", ""])),
    "sources-unknown-key-colums": data(sources=src("  columns: {deal_id", "  colums: {deal_id")),
    "sources-bad-encoding-choice": data(sources=SOURCES + "  encoding: ascii\n"),
    "sources-two-character-delimiter": data(sources=SOURCES + "  delimiter: ';;'\n"),
    "sources-header-row-zero": data(sources=SOURCES + "  header_row: 0\n"),
    "sources-amount-places-too-many": data(sources=SOURCES + "  amount_places: 20\n"),
    "sources-decimal-separator-choice": data(sources=SOURCES + "  number_format: {decimal: ';'}\n"),
    "sources-deals-without-amount": data(sources=src(", amount: amount}", "}")),
    "sources-profile-typo": data(sources=SOURCES + "  profile: salesforc\n"),
    "sources-date-field-not-declared": data(sources=SOURCES + "  date: booked_on\n"),
    "sources-hidden-rows-choice": data(sources=SOURCES + "  hidden_rows: ignore\n"),
    "sources-join-without-person-id": data(sources=src("  columns: {person_id: id,", "  join: [{file: quotas.csv, columns: {quota: quota}}]\n  columns: {person_id: id,")),
    "sources-unknown-owners-choice": data(sources=SOURCES + "  unknown_owners: warn\n"),
    "sources-tab-indentation": data(sources=SOURCES.replace("  file: deals.csv", "\tfile: deals.csv")),
    "sources-deals-file-missing": data(sources=src("file: deals.csv", "file: deals-2026.csv")),
    "sources-roster-file-missing": data(sources=src("file: roster.csv", "file: team.csv")),
    # --- CSV: amounts in each number format ------------------------------------------
    "amount-european-under-default-format": data(deals_with("1000.50", '"1.000,50"')),
    "amount-currency-symbol-undeclared": data(deals_with("1000.50", "$1000.50")),
    "amount-parentheses-undeclared": data(deals_with("1000.50", "(1000.50)")),
    "amount-three-decimals": data(deals_with("1000.50", "1000.505")),
    "amount-exponent": data(deals_with("1000.50", "1e5")),
    "amount-leading-point": data(deals_with("1000.50", ".5")),
    "amount-word": data(deals_with("1000.50", "n/a")),
    "amount-too-large": data(deals_with("1000.50", "99999999999999999")),
    "amount-us-format-under-european": data(deals_with("1000.50", '"1,000.50"'), sources=SOURCES + "  number_format: {decimal: ',', thousands: '.'}\n"),
    "amount-bad-grouping-european": data(deals_with("1000.50", '"1.00.0,50"'), sources=SOURCES + "  number_format: {decimal: ',', thousands: '.'}\n"),
    "amount-thousands-refused-by-none": data(deals_with("1000.50", '"1,000.50"'), sources=SOURCES + "  number_format: {thousands: none}\n"),
    "amount-swiss-apostrophe-undeclared": data(deals_with("1000.50", "1'000.50")),
    "quota-not-money-in-roster": data(roster=ROSTER.replace(",1000", ",lots")),
    # --- CSV: dates in each date format ----------------------------------------------
    "date-us-under-iso": data(deals_with("2026-04-03", "04/03/2026")),
    "date-february-30": data(deals_with("2026-04-03", "2026-02-30")),
    "date-month-13": data(deals_with("2026-04-03", "2026-13-01")),
    "date-with-time-under-iso": data(deals_with("2026-04-03", "2026-04-03 10:15")),
    "date-iso-under-day-first": data(deals_with("2026-04-03", "03/04/2026").replace("2026-04-02", "2026-04-02"), sources=SOURCES + "  date_format: '%d/%m/%Y'\n"),
    "date-day-first-31-february": data(DEALS.replace("2026-04-02", "02/04/2026").replace("2026-04-03", "31/02/2026"), sources=SOURCES + "  date_format: '%d/%m/%Y'\n"),
    "date-month-first-13": data(DEALS.replace("2026-04-02", "04/02/2026").replace("2026-04-03", "13/01/2026"), sources=SOURCES + "  date_format: '%m/%d/%Y'\n"),
    "date-dotted-german": data(DEALS.replace("2026-04-02", "02.04.2026").replace("2026-04-03", "3.13.2026"), sources=SOURCES + "  date_format: '%d.%m.%Y'\n"),
    "date-excel-serial-in-csv": data(deals_with("2026-04-03", "46115")),
    # --- CSV: encodings --------------------------------------------------------------
    "encoding-cp1252-undeclared": data(deals_with("Beta", "Caf\u00e9").encode("cp1252")),
    "encoding-utf16-comma-no-delimiter-issue": data(deals_with("Beta", "Caf\u00e9").encode("utf-16")),
    "encoding-utf16-tabs-undeclared": data(DEALS.replace(",", "\t").encode("utf-16")),
    "encoding-declared-utf8-but-latin1": data(deals_with("Beta", "Caf\u00e9").encode("latin-1"), sources=SOURCES + "  encoding: utf-8\n"),
    "safe-declared-cp1252": data(deals_with("Beta", "Caf\u00e9").encode("cp1252"), sources=SOURCES + "  encoding: cp1252\n"),
    "safe-utf8-bom-and-crlf": data(("\ufeff" + DEALS.replace("\n", "\r\n")).encode("utf-8")),
    # --- CSV: delimiters -------------------------------------------------------------
    "delimiter-semicolon-file-default-comma": data(DEALS.replace(",", ";")),
    "delimiter-auto-ambiguous": data("deal_id,owner,customer,note;stage;close_date;amount\nD1,ana,Acme,x;Won;2026-04-02;10\n", sources=SOURCES + "  delimiter: auto\n"),
    "delimiter-tab-file-declared-comma": data(DEALS.replace(",", "\t")),
    "safe-delimiter-auto-pipe": data(DEALS.replace(",", "|"), sources=SOURCES + "  delimiter: auto\n"),
    # --- CSV: ragged rows and quoting ------------------------------------------------
    "ragged-extra-field": data(deals_with("D2,bo,Beta,Won,2026-04-03,99.50", "D2,bo,Beta,Won,2026-04-03,99.50,extra")),
    "ragged-missing-field": data(deals_with("D2,bo,Beta,Won,2026-04-03,99.50", "D2,bo,Beta,Won,99.50")),
    "ragged-unquoted-comma-in-customer": data(deals_with("Beta", "Beta, Inc.")),
    "ragged-unclosed-quote": data(deals_with("Beta", '"Beta')),
    "ragged-lone-carriage-returns": data(DEALS.replace("\n", "\r").replace("99.50", "ninety")),
    "salesforce-footer-in-plain-csv": data(DEALS + '\n"Grand Totals (2 records)"\n"Confidential Information - Do Not Distribute"\n'),
    # --- CSV: headers ----------------------------------------------------------------
    "column-missing-amount": data(DEALS.replace("amount", "value")),
    "column-header-typo": data(DEALS.replace("amount", "amout")),
    "column-no-header-at-all": data("D1,ana,Acme,Won,2026-04-02,1000.50\n"),
    "column-header-below-row-50": data("report\n" * 55 + DEALS),
    "column-ambiguous-aliases": data(DEALS.replace("customer", "Value"), sources=src("amount: amount}", "amount: [amount, Value]}")),
    "column-header-twice": data(DEALS.replace("customer", "amount", 1)),
    "safe-title-lines-above-header": data("Pipeline report\nGenerated 2026-05-01\n\n" + DEALS),
    # --- CSV: people and owners ------------------------------------------------------
    "roster-duplicate-person": data(roster=ROSTER + "ana,Ana Again,Sales Rep,East,5\n"),
    "roster-blank-person-id": data(roster=ROSTER + ",Nobody,Sales Rep,East,5\n"),
    "roster-join-unknown-person": data(sources=src("  columns: {person_id: id,", "  join: [{file: quotas.csv, columns: {person_id: id, q2: {header: q2, type: money}}}]\n  columns: {person_id: id,"), **{"quotas.csv": "id,q2\nana,100\ncy,200\n"}),
    "roster-join-duplicate-person": data(sources=src("  columns: {person_id: id,", "  join: [{file: quotas.csv, columns: {person_id: id, q2: {header: q2, type: money}}}]\n  columns: {person_id: id,"), **{"quotas.csv": "id,q2\nana,100\nana,200\n"}),
    "owner-unknown": data(DEALS + "D3,Cy Nobody,Gamma,Won,2026-04-04,5\n"),
    "owner-blank": data(DEALS + "D3,,Gamma,Won,2026-04-04,5\nD4,  ,Delta,Won,2026-04-05,6\n"),
    "owner-matched-by-id-only": data(deals_with("D2,bo", "D2,Bo Berg"), sources=SOURCES + "  owner_match: id\n"),
    "safe-owner-case-and-spacing": data(deals_with("D2,bo", "D2,  bo  BERG ")),
    "safe-unknown-owner-reported": data(DEALS + "D3,Cy Nobody,Gamma,Won,2026-04-04,5\n", sources=SOURCES + "  unknown_owners: report\n"),
    # --- files that are not CSV --------------------------------------------------------
    "file-empty": data(b""),
    "file-only-a-bom": data(b"\xef\xbb\xbf"),
    "file-html-named-csv": data(h.HTML),
    "file-png-named-csv": data(h.PNG),
    "file-nul-byte-in-csv": data(deals_with("Beta", "Be\x00ta")),
    "file-cell-over-32767-characters": data(deals_with("Beta", "B" * 32_768)),
    "file-old-binary-xls": data(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, deals_name="deals.xls"),
    "file-html-named-xls": data(b"<html><body><table><tr><td>deal_id</td></tr></table></body></html>\n", deals_name="deals.xls"),
    # --- XLSX --------------------------------------------------------------------------
    **{f"xlsx-error-cell-{slug}": data(xdeals(amount=err), deals_name="deals.xlsx") for slug, err in [("na", "#N/A"), ("div0", "#DIV/0!"), ("value", "#VALUE!"), ("ref", "#REF!"), ("name", "#NAME?"), ("num", "#NUM!"), ("null", "#NULL!")]},
    "xlsx-error-cell-in-date": data(xdeals(close_date="#REF!"), deals_name="deals.xlsx"),
    "xlsx-error-cell-in-owner": data(xdeals(owner="#N/A"), deals_name="deals.xlsx"),
    "xlsx-hidden-row": data(xlsx([XH, ["D1", "ana", "Acme", "Won", "2026-04-02", 10], ["D2", "bo", "Beta", "Won", "2026-04-03", 20]], hidden=[3]), deals_name="deals.xlsx"),
    "safe-xlsx-hidden-row-skipped": data(xlsx([XH, ["D1", "ana", "Acme", "Won", "2026-04-02", 10], ["D2", "bo", "Beta", "Won", "2026-04-03", 20]], hidden=[3]), deals_name="deals.xlsx", sources=SOURCES + "  hidden_rows: skip\n"),
    "xlsx-every-sheet-hidden": data(every_sheet_hidden(), deals_name="deals.xlsx"),
    "xlsx-sheet-name-missing": data(xdeals(), deals_name="deals.xlsx", sources=SOURCES + "  sheet: Deals\n"),
    "xlsx-date-as-text-wrong-format": data(xdeals(close_date="04/02/2026"), deals_name="deals.xlsx"),
    "safe-xlsx-date-serials": data(xdeals(close_date=46114), deals_name="deals.xlsx"),
    "xlsx-date-serial-out-of-range": data(xdeals(close_date=-5), deals_name="deals.xlsx"),
    "xlsx-amount-as-european-text": data(xdeals(amount="1.000,50"), deals_name="deals.xlsx"),
    "xlsx-amount-three-decimals": data(xdeals(amount=10.125), deals_name="deals.xlsx"),
    "xlsx-missing-column": data(xlsx([XH[:5], ["D1", "ana", "Acme", "Won", "2026-04-02"]]), deals_name="deals.xlsx"),
    "xlsx-cell-over-32767-characters": data(h.long_cell_xlsx(), deals_name="deals.xlsx"),
    "xlsx-truncated": data(h.truncated(h.xlsx_bytes()), deals_name="deals.xlsx"),
    "xlsx-bytes-flipped": data(h.flipped(h.xlsx_bytes()), deals_name="deals.xlsx"),
    "xlsx-zip-bomb": data(h.zip_bomb_xlsx(), deals_name="deals.xlsx"),
    "xlsx-too-many-parts": data(h.many_parts_xlsx(), deals_name="deals.xlsx"),
    "xlsx-billion-laughs": data(h.billion_laughs_xlsx(), deals_name="deals.xlsx"),
    "xlsx-external-entity": data(h.external_entity_xlsx(), deals_name="deals.xlsx"),
    "safe-xlsx-dimension-claims-a-million-rows": data(h.lying_dimension_xlsx(), deals_name="deals.xlsx"),
    # --- zip archives of CSV parts -----------------------------------------------------
    "zip-101-parts": data(zipped({f"Deals_{i:03d}.csv": HEAD for i in range(101)}), deals_name="deals.zip"),
    "zip-without-csv": data(zipped({"readme.txt.md": "nothing"}), deals_name="deals.zip"),
    "zip-parts-with-different-headers": data(zipped({"Deals_001.csv": DEALS, "Deals_002.csv": DEALS.replace("customer", "account")}), deals_name="deals.zip"),
    "zip-bad-amount-in-second-part": data(zipped({"Deals_001.csv": DEALS, "Deals_002.csv": HEAD + "D3,ana,Gamma,Won,2026-04-04,12.345\n"}), deals_name="deals.zip"),
    "zip-truncated": data(h.truncated(zipped({"Deals_001.csv": DEALS * 20})), deals_name="deals.zip", sources=SOURCES + "  format: zip\n"),
    # --- deal identity (issue 13) ------------------------------------------------------
    "deal-id-exact-copy": data(DEALS + "D2,bo,Beta,Won,2026-04-03,99.50\n"),
    "deal-id-copy-differs-by-spaces": data(DEALS + '"  D2 ",bo,Beta,Won,2026-04-03,99.50\n'),
    "deal-id-reused-on-another-deal": data(DEALS + "D1,bo,Gamma,Won,2026-04-05,5\n"),
    "deal-id-differs-by-case-declared-insensitive": data(DEALS + "d1,bo,Gamma,Won,2026-04-05,5\n", sources=SOURCES + "  key_case: insensitive\n"),
    "safe-deal-id-differs-by-case": {**data(DEALS + "d1,bo,Gamma,Won,2026-04-05,5\n"), "period.txt": "2026-04\n"},
    "deal-id-scientific-notation": data(DEALS + "1.23457E+18,bo,Gamma,Won,2026-04-05,5\n"),
    "deal-id-lost-digits": data(HEAD + "".join(f"12345678901234{i}0000,ana,C{i},Won,2026-04-0{i + 1},10\n" for i in range(3))),
    "xlsx-deal-id-number-cell": data(xlsx([XH, [1234567890123456789, "ana", "Acme", "Won", "2026-04-02", 10], ["D2", "bo", "Beta", "Won", "2026-04-03", 20]]), deals_name="deals.xlsx"),
    "deal-id-blank": data(DEALS + ",bo,Gamma,Won,2026-04-05,5\n"),
    "safe-duplicates-last-by-modified": {**data(MODIFIED + "D1,ana,Acme,Won,2026-04-02,1000.50,2026-04-02\nD2,bo,Beta,Won,2026-04-03,99.50,2026-04-03\nD1,ana,Acme,Won,2026-04-02,1200.00,2026-04-20\n", sources=LAST), "period.txt": "2026-04\n"},
    "duplicates-last-tie-rows-differ": data(MODIFIED + "D1,ana,Acme,Won,2026-04-02,1000.50,2026-04-02\nD1,ana,Acme,Won,2026-04-02,1200.00,2026-04-02\n", sources=LAST),
    "sources-duplicates-last-without-order": data(sources=SOURCES + "  duplicates: last\n"),
    "sources-key-names-an-unmapped-field": data(sources=SOURCES + "  key: opportunity_id\n"),
    # --- missing values ------------------------------------------------------------------
    "amount-blank": data(deals_with("99.50", "")),
    "xlsx-amount-formula-not-computed": data(xlsx([XH, ["D1", "ana", "Acme", "Won", "2026-04-02", "=10*2"], ["D2", "bo", "Beta", "Won", "2026-04-03", 20]]), deals_name="deals.xlsx"),
    "safe-amount-blank-declared-zero": {**data(deals_with("99.50", "") + "D3,bo,Gamma,Won,2026-04-05,5\n", sources=SOURCES + "  blank: {amount: zero}\n"), "period.txt": "2026-04\n"},
    "sources-blank-zero-on-a-text-column": data(sources=SOURCES + "  blank: {customer: zero}\n"),
    # --- empty and misdated exports --------------------------------------------------------
    "deals-header-only": data(HEAD),
    "xlsx-deals-header-only": data(xlsx([XH]), deals_name="deals.xlsx"),
    "xlsx-sheet-empty": data(xlsx([]), deals_name="deals.xlsx"),
    "roster-header-only": data(roster="id,name,role,team,quota\n"),
    "roster-file-empty": data(roster=b""),
    "period-deals-all-in-another-quarter": {**data(DEALS.replace("2026-04-0", "2026-01-0")), "period.txt": "2026-04\n"},
    "period-fits-no-program": {**data(), "period.txt": "2026-04-01..2026-04-15\n"},
    # --- roster ----------------------------------------------------------------------------
    "roster-blank-manager": data(roster=MANAGED + "bo,Bo Berg,Sales Rep,West,,2000\n", sources=MANAGED_SOURCES),
    "safe-roster-blank-manager-declared-optional": data(roster=MANAGED + "bo,Bo Berg,Sales Rep,West,,2000\n", sources=MANAGED_SOURCES.replace("\ndeals:", "\n  manager_optional: true\ndeals:")),
    "roster-add-people-manager-typo": data(roster=MANAGED.replace("ana,Ana Lima,Sales Rep,East,bo,1000\n", "ana,Ana Lima,Sales Rep,East,Dee Boss,1000\nbo,Bo Berg,Sales Rep,West,Dee Bos,2000\n"), sources=MANAGED_SOURCES.replace("\ndeals:", "\n  add_people: [{from: manager, role: Sales Manager, names: [Dee Boss]}]\ndeals:")),
    "roster-add-people-unlisted-region": data(roster=REGIONS, sources=REGION_SOURCES),
    "roster-add-people-without-names": data(roster=REGIONS, sources=REGION_SOURCES.replace(", names: [East, West]", "")),
    # --- declarations that cannot apply ------------------------------------------------------
    "sources-sheet-on-a-csv": data(sources=SOURCES + "  sheet: Deals\n"),
    "sources-delimiter-on-an-xlsx": data(xdeals(), deals_name="deals.xlsx", sources=SOURCES + "  delimiter: ';'\n"),
    "sources-format-csv-on-an-xlsx": data(xdeals(), deals_name="deals.xlsx", sources=SOURCES + "  format: csv\n"),
    "sources-add-people-on-deals": data(sources=SOURCES + "  add_people: [{from: customer, role: Customer, names: [Acme]}]\n"),
    # --- formatted reports read without a profile -----------------------------------------------
    "xlsx-formatted-report-grouped": data(xlsx([[None, "Opportunity Pipeline by Owner"], [], [None, *XH], [None, None, "ana (2)"], [None, "D1", None, "Acme", "Won", "2026-04-02", 10], [None, "D3", None, "Gamma", "Won", "2026-04-04", 5], [None, None, "Subtotal", None, None, None, 15], [None, None, "Grand Total (2 records)", None, None, None, 15]]), deals_name="deals.xlsx"),
    "xlsx-formatted-report-subtotal-rows": data(xlsx([XH, ["D1", "ana", "Acme", "Won", "2026-04-02", 10], [None, "Subtotal", None, None, None, 10], ["D2", "bo", "Beta", "Won", "2026-04-03", 20], [None, "Subtotal", None, None, None, 20], [None, "Grand Total", None, None, None, 30]]), deals_name="deals.xlsx"),
    "csv-total-row-in-owner-column": data(DEALS + ",Grand Total,,,,1100.00\n"),
    # --- blank rows are skipped and counted -------------------------------------------------------
    "safe-blank-line-and-empty-row-in-csv": {**data(HEAD + "D1,ana,Acme,Won,2026-04-02,1000.50\n,,,,,\n\nD2,bo,Beta,Won,2026-04-03,99.50\n"), "period.txt": "2026-04\n"},
    "safe-xlsx-blank-rows-in-the-middle": {**data(xlsx([XH, ["D1", "ana", "Acme", "Won", "2026-04-02", 10], [None, None, None, None, None, None], [], ["D2", "bo", "Beta", "Won", "2026-04-03", 20]]), deals_name="deals.xlsx"), "period.txt": "2026-04\n"},
}


def main() -> None:
    existing = {p.name.split("-", 1)[1]: p for p in HERE.iterdir() if p.is_dir() and p.name[:3].isdigit()}
    numbers = sorted(int(p.name[:3]) for p in existing.values())
    nxt = (numbers[-1] + 1) if numbers else 1
    for name, files in CASES.items():
        folder = existing.get(name)
        if folder is None:
            folder = HERE / f"{nxt:03d}-{name}"
            nxt += 1
        for rel, blob in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(blob, str):
                path.write_bytes(blob.encode("utf-8"))
            else:
                path.write_bytes(blob)
    print(f"{len(CASES)} cases in {HERE}")


if __name__ == "__main__":
    main()
