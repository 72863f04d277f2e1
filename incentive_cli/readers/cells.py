"""Cells -> typed columns, vectorised, exact, and every refusal located.

``parse_money`` turns text such as ``1,234.50`` into integer minor units (123450 at two
places) without ever passing through a float: the digits are validated with one regular
expression built from the source's declared number format, then split into whole and
fraction parts. Dates are parsed with the declared format only, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..diagnostics import Diagnostic
from .table import ExcelError, RawTable

MAX_ERRORS_PER_COLUMN = 20
MAX_WHOLE_DIGITS = 13  # 10 trillion in minor units of 2 places stays far inside int64


def to_text_series(cells: Any) -> tuple[pd.Series, np.ndarray]:
    """Cells (pyarrow array or Python list) -> (stripped string Series, error-cell mask)."""
    if isinstance(cells, list):
        errs = np.fromiter((isinstance(c, ExcelError) for c in cells), dtype=bool, count=len(cells))
        texts = [_cell_text(c) for c in cells]
        s = pd.Series(texts, dtype="string[pyarrow]")
    else:
        s = pd.Series(cells, dtype="string[pyarrow]") if not isinstance(cells, pd.Series) else cells
        errs = np.zeros(len(s), dtype=bool)
        if len(s):
            errs = s.isin(list(_EXCEL_ERRORS)).to_numpy(dtype=bool)
    return s.str.strip().fillna(""), errs


_EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


def _cell_text(c: Any) -> str:
    if c is None:
        return ""
    if isinstance(c, bool):
        return "TRUE" if c else "FALSE"
    if isinstance(c, int):
        return str(c)
    if isinstance(c, float):
        if c.is_integer() and abs(c) < 1e15:
            return str(int(c))
        return repr(c)
    if isinstance(c, dt.datetime):
        return c.date().isoformat() if c.time() == dt.time() else c.isoformat(sep=" ")
    if isinstance(c, dt.date):
        return c.isoformat()
    return str(c)


def money_pattern(decimal: str = ".", thousands: str = ",") -> str:
    d = re.escape(decimal)
    if thousands in ("", "none"):
        whole = r"\d+"
    else:
        t = re.escape(thousands)
        whole = rf"\d{{1,3}}(?:{t}\d{{3}})+|\d+"
    return rf"[+-]?(?:{whole})(?:{d}\d+)?"


class ColumnErrors:
    def __init__(self, raw: RawTable, fld: str, sink: list[Diagnostic]):
        self.raw, self.fld, self.sink, self.count = raw, fld, sink, 0

    def add(self, code: str, i: int, value: str, message: str, hint: str) -> None:
        self.count += 1
        if self.count <= MAX_ERRORS_PER_COLUMN:
            self.sink.append(Diagnostic(code, message, self.raw.location(self.fld, i), hint, value=value))

    def close(self) -> None:
        if self.count > MAX_ERRORS_PER_COLUMN:
            more = self.count - MAX_ERRORS_PER_COLUMN
            self.sink.append(Diagnostic("bad-cell-number", f"... and {more:,} more bad cells in this column", self.raw.location(self.fld), "fix the first ones; the rest are likely the same problem"))


def _report_excel_errors(s: pd.Series, errs: np.ndarray, ce: ColumnErrors) -> None:
    for i in np.flatnonzero(errs):
        v = str(s.iloc[i])
        ce.add("excel-error-cell", int(i), v, f"the cell holds the spreadsheet error {v}", "fix the formula in the source, or export values only")


def parse_money(raw: RawTable, fld: str, places: int, number_format: dict[str, Any], sink: list[Diagnostic], what: str = "amount") -> tuple[np.ndarray, np.ndarray]:
    """-> (int64 minor units, blank mask). Bad cells become diagnostics (and 0)."""
    s, errs = to_text_series(raw.columns[fld])
    ce = ColumnErrors(raw, fld, sink)
    _report_excel_errors(s, errs, ce)
    dec = number_format.get("decimal") or "."
    thou = number_format.get("thousands")
    thou = "," if thou is None else thou
    if thou == dec:
        thou = ""
    blank = (s == "").to_numpy(dtype=bool) | errs
    neg = np.zeros(len(s), dtype=bool)
    if number_format.get("parentheses_negative"):
        paren = s.str.fullmatch(r"\(.*\)").fillna(False).to_numpy(dtype=bool)
        neg |= paren
        s = s.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.strip()
    if number_format.get("currency_symbols"):
        s = s.str.replace(r"^(?:[A-Z]{3}\s*|[$€£¥]\s*)|(?:\s*[A-Z]{3}|\s*[$€£¥])$", "", regex=True)
        s = s.str.replace(r"^([+-])(?:[A-Z]{3}\s*|[$€£¥]\s*)", r"\1", regex=True)
    ok = s.str.fullmatch(money_pattern(dec, thou)).fillna(False).to_numpy(dtype=bool)
    bad = ~ok & ~blank
    if thou:
        s = s.str.replace(thou, "", regex=False)
    if dec != ".":
        s = s.str.replace(dec, ".", regex=False)
    s = s.where(ok, "0")
    parts = s.str.extract(r"^([+-]?)(\d+)(?:\.(\d+))?$")
    sign = parts[0].fillna("")
    whole = parts[1].fillna("0")
    frac = parts[2].fillna("")
    too_long_whole = (whole.str.len() > MAX_WHOLE_DIGITS).to_numpy(dtype=bool)
    extra = frac.str.slice(places)
    too_precise = (extra.str.len() > 0).to_numpy(dtype=bool) & ~extra.str.fullmatch(r"0*").fillna(True).to_numpy(dtype=bool)
    frac = frac.str.slice(0, places).str.pad(places, side="right", fillchar="0") if places > 0 else frac.str.slice(0, 0)
    whole = whole.where(~too_long_whole, "0")
    units = whole.astype("int64").to_numpy() * (10**places)
    if places > 0:
        units = units + frac.replace("", "0").astype("int64").to_numpy()
    negative = (sign == "-").to_numpy(dtype=bool) ^ neg
    units = np.where(negative, -units, units)
    hint_fmt = f"decimal '{dec}'" + (f", thousands '{thou}'" if thou else "")
    for i in np.flatnonzero(bad):
        v = str(raw_value(raw, fld, int(i)))
        code = "bad-amount" if what == "amount" else "bad-cell-number"
        ce.add(code, int(i), v, f"{v!r} is not a number in the declared format ({hint_fmt})", "fix the cell, or declare the number format of this source in sources.yaml (number_format)")
    for i in np.flatnonzero(too_precise & ~bad):
        v = str(raw_value(raw, fld, int(i)))
        ce.add("bad-amount", int(i), v, f"{v!r} has more than {places} decimal places", f"round it in the source, or set amount_places: {len(v.split(dec)[-1])} for this source")
    for i in np.flatnonzero(too_long_whole & ~bad):
        v = str(raw_value(raw, fld, int(i)))
        ce.add("bad-amount", int(i), v, f"{v!r} is too large to be an amount", "check the cell")
    units = np.where(bad | too_precise | too_long_whole | blank, 0, units).astype("int64")
    ce.close()
    return units, blank


def raw_value(raw: RawTable, fld: str, i: int) -> Any:
    col = raw.columns[fld]
    v = col[i]
    return v.as_py() if hasattr(v, "as_py") else v


def parse_dates(raw: RawTable, fld: str, fmt: str, epoch: int, sink: list[Diagnostic]) -> np.ndarray:
    """-> datetime64[D] array (NaT for blank)."""
    cells = raw.columns[fld]
    ce = ColumnErrors(raw, fld, sink)
    out = np.full(raw.n_rows, np.datetime64("NaT"), dtype="datetime64[D]")
    if isinstance(cells, list):
        base = dt.date(1899, 12, 30) if epoch == 1900 else dt.date(1904, 1, 1)
        texts: list[str] = []
        idx: list[int] = []
        for i, c in enumerate(cells):
            if c is None or (isinstance(c, str) and not c.strip()):
                continue
            if isinstance(c, ExcelError):
                ce.add("excel-error-cell", i, str(c), f"the cell holds the spreadsheet error {c}", "fix the formula in the source, or export values only")
            elif isinstance(c, dt.datetime | dt.date):
                out[i] = np.datetime64(c.date() if isinstance(c, dt.datetime) else c, "D")
            elif isinstance(c, int | float) and not isinstance(c, bool):
                if 0 < c < 2958466:
                    out[i] = np.datetime64(base + dt.timedelta(days=int(c)), "D")
                else:
                    ce.add("bad-cell-date", i, str(c), f"{c!r} is not a date serial number", "format the column as dates")
            else:
                texts.append(str(c).strip())
                idx.append(i)
        if texts:
            parsed = pd.to_datetime(pd.Series(texts, dtype=object), format=fmt, errors="coerce")
            for j, i in enumerate(idx):
                if pd.isna(parsed.iloc[j]):
                    ce.add("bad-cell-date", i, texts[j], f"{texts[j]!r} is not a date in the declared format {fmt}", "fix the cell, or declare date_format for this source in sources.yaml")
                else:
                    out[i] = np.datetime64(parsed.iloc[j].date(), "D")
        ce.close()
        return out
    s, errs = to_text_series(cells)
    _report_excel_errors(s, errs, ce)
    blank = (s == "").to_numpy(dtype=bool) | errs
    parsed = pd.to_datetime(s.astype(object).where(~blank, None), format=fmt, errors="coerce")
    values = parsed.to_numpy(dtype="datetime64[D]")
    bad = np.isnat(values) & ~blank
    for k in np.flatnonzero(bad).tolist():
        v = str(s.iloc[k])
        ce.add("bad-cell-date", k, v, f"{v!r} is not a date in the declared format {fmt}", "fix the cell, or declare date_format for this source in sources.yaml (dates are never guessed)")
    values = np.where(bad, np.datetime64("NaT"), values)
    ce.close()
    return values.astype("datetime64[D]")


def parse_text(raw: RawTable, fld: str, sink: list[Diagnostic]) -> pd.Series:
    s, errs = to_text_series(raw.columns[fld])
    if errs.any():
        ce = ColumnErrors(raw, fld, sink)
        _report_excel_errors(s, errs, ce)
        ce.close()
    return s


def decimal_from_units(units: int, places: int) -> Decimal:
    return Decimal(int(units)).scaleb(-places)


Parser = Callable[..., Any]
