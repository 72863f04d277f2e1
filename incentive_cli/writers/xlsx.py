"""Shared workbook conventions: byte-reproducible xlsxwriter workbooks, formats per currency,
sheet names within Excel's rules, print setup, and text that always stays text."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

from ..money import minor_units

FIXED_DATE = dt.datetime(2000, 1, 1)  # document properties: no clock, identical bytes on rerun
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "AUD": "A$", "CAD": "C$", "BRL": "R$", "KRW": "₩"}
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def new_workbook(path: Path, title: str) -> Any:
    import xlsxwriter

    # in_memory: assemble the zip in memory instead of one temporary file per part (about
    # 40 % of the time of a small workbook went to creating and deleting those files)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False, "in_memory": True})
    wb.set_properties({"created": FIXED_DATE, "author": "incentive_cli", "title": title})
    return wb


def money_format_string(currency: str, places: int | None = None, extra_places: int = 0) -> str:
    """A number format per currency: "$"#,##0.00 for USD, #,##0 "XYZ" for others.
    ``extra_places`` optional digits show exact figures before their one rounding."""
    p = minor_units(currency) if places is None else places
    num = "#,##0" + ("." + "0" * p + "#" * extra_places if p or extra_places else "")
    sym = SYMBOLS.get(currency.upper())
    if sym:
        return f'"{sym}"{num};-"{sym}"{num}'
    return f'{num} "{currency}";-{num} "{currency}"'


class Formats:
    """The formats of one workbook, made once each."""

    def __init__(self, wb: Any):
        self.wb = wb
        self._cache: dict[tuple[Any, ...], Any] = {}
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.subtitle = wb.add_format({"bold": True, "font_size": 11, "font_color": "#1F4E78"})
        self.header = wb.add_format({"bold": True, "bottom": 1, "bg_color": "#DDEBF7", "valign": "top"})
        self.header_wrap = wb.add_format({"bold": True, "bottom": 1, "bg_color": "#DDEBF7", "valign": "top", "text_wrap": True})
        self.bold = wb.add_format({"bold": True})
        self.bold_wrap = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.label = wb.add_format({"bold": True, "font_color": "#595959"})
        self.pct = wb.add_format({"num_format": "0.0%"})
        self.rate = wb.add_format({"num_format": "0.00##%"})
        self.fx_rate = wb.add_format({"num_format": "0.0000####"})
        self.number = wb.add_format({"num_format": "#,##0.######"})
        self.date = wb.add_format({"num_format": "yyyy-mm-dd", "align": "left"})
        self.note = wb.add_format({"italic": True, "font_color": "#595959"})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.indented = wb.add_format({"indent": 1})

    def money(self, currency: str, bold: bool = False, exact: bool = False) -> Any:
        key = ("money", currency, bold, exact)
        if key not in self._cache:
            self._cache[key] = self.wb.add_format({"num_format": money_format_string(currency, extra_places=4 if exact else 0), "bold": bold, **({"top": 1} if bold else {})})
        return self._cache[key]


def sheet_name(wanted: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, not blank, not 'History',
    unique ignoring case."""
    name = _SHEET_BAD.sub("-", wanted).strip("' ") or "Sheet"
    if name.lower() == "history":
        name = "History (program)"
    name = name[:31].rstrip(" '") or "Sheet"
    base, n = name, 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name)
    return name


def print_setup(ws: Any, left: str, right: str, repeat_row: int | None = None) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4; Letter users get the same fit-to-width page
    ws.fit_to_pages(1, 0)
    ws.set_header(f"&L{_hf(left)}&R{_hf(right)}")
    ws.set_footer("&CPage &P of &N")
    if repeat_row is not None:
        ws.repeat_rows(repeat_row)


def _hf(text: str) -> str:
    return text.replace("&", "&&")


def fit_widths(ws: Any, columns: list[list[str]], minimum: int = 6, maximum: int = 70) -> None:
    for i, values in enumerate(columns):
        width = max((len(v) for v in values), default=0) + 2
        ws.set_column(i, i, max(minimum, min(maximum, width)))


def col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def cell(r: int, c: int, absolute: bool = False) -> str:
    return f"${col(c)}${r + 1}" if absolute else f"{col(c)}{r + 1}"


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def safe_file_name(period: str, name: str, person_id: str) -> str:
    """Safe on every OS and unique per person and period: ascii slug of the name plus a
    short hash of the person id."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower().encode("ascii", "ignore").decode()).strip("-")[:40] or "person"
    digest = hashlib.sha256(person_id.encode("utf-8")).hexdigest()[:8]
    return f"{period}_{slug}_{digest}.xlsx"
