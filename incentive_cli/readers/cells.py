"""Cells -> typed columns, vectorised, exact, and every refusal located.

``parse_money`` turns text such as ``1,234.50`` into integer minor units (123450 at two
places) without ever passing through a float: the digits are validated with one regular
expression built from the source's declared number format, then split into whole and
fraction parts. Dates are parsed with the declared format only, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..diagnostics import Diagnostic
from .table import EXCEL_ERRORS, MAX_CELL_CHARS, ExcelError, RawTable, error_cell_message

MAX_ERRORS_PER_COLUMN = 20
MAX_WHOLE_DIGITS = 13  # 10 trillion in minor units of 2 places stays far inside int64


def to_arrow_text(cells: Any) -> tuple[Any, np.ndarray]:
    """Cells (pyarrow array or Python list) -> (trimmed pyarrow strings, blanks as "",
    error-cell mask). Everything after this is vectorised in pyarrow's C++ kernels."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(cells, list):
        errs = np.fromiter((isinstance(c, ExcelError) for c in cells), dtype=bool, count=len(cells))
        arr = pa.array([_cell_text(c) for c in cells], type=pa.string())
    else:
        arr = cells
        errs = None
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    # ASCII trimming is ~7x faster; the Unicode kernel runs only where non-ASCII text exists
    ascii_only = pc.all(pc.string_is_ascii(arr)).as_py() is not False
    arr = pc.ascii_trim_whitespace(arr) if ascii_only else pc.utf8_trim_whitespace(arr)
    if errs is None:
        if pc.any(pc.starts_with(arr, "#")).as_py():
            errs = pc.is_in(arr, value_set=pa.array(list(EXCEL_ERRORS))).to_numpy(zero_copy_only=False).astype(bool)
        else:
            errs = np.zeros(len(arr), dtype=bool)
    return arr, errs


def to_text_series(cells: Any) -> tuple[pd.Series, np.ndarray]:
    """Cells -> (stripped string Series, error-cell mask)."""
    arr, errs = to_arrow_text(cells)
    return pd.Series(pd.arrays.ArrowStringArray(arr.combine_chunks() if hasattr(arr, "combine_chunks") else arr)), errs




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


def money_pattern(decimal: str = ".", thousands: str = ",", max_places: int | None = None, max_whole: int | None = None) -> str:
    """The declared number format as a regular expression; with max_places and max_whole it
    accepts only what the fast path reads exactly (at most 18 digits in all)."""
    d = re.escape(decimal)
    digits = r"\d+" if max_whole is None else rf"\d{{1,{max_whole}}}"
    groups = "+" if max_whole is None else f"{{1,{max(1, (max_whole - 1) // 3)}}}"
    if thousands in ("", "none"):
        whole = digits
    else:
        t = re.escape(thousands)
        whole = rf"\d{{1,3}}(?:{t}\d{{3}}){groups}|{digits}"
    frac = r"\d+" if max_places is None else rf"\d{{1,{max_places}}}" if max_places > 0 else None
    tail = rf"(?:{d}{frac})?" if frac else ""
    return rf"[+-]?(?:{whole}){tail}"


class ColumnErrors:
    """Located errors of one column: the first MAX_ERRORS_PER_COLUMN, then how many more."""

    def __init__(self, raw: RawTable, fld: str, sink: list[Diagnostic], summary_code: str = "bad-cell-number"):
        self.raw, self.fld, self.sink, self.count, self.summary_code = raw, fld, sink, 0, summary_code

    def add(self, code: str, i: int, value: str, message: str, hint: str) -> None:
        self.count += 1
        if self.count <= MAX_ERRORS_PER_COLUMN:
            self.sink.append(Diagnostic(code, message, self.raw.location(self.fld, i), hint, value=value))

    def close(self) -> None:
        if self.count > MAX_ERRORS_PER_COLUMN:
            more = self.count - MAX_ERRORS_PER_COLUMN
            self.sink.append(Diagnostic(self.summary_code, f"... and {more:,} more bad cells in this column", self.raw.location(self.fld), "fix the first ones; the rest are likely the same problem"))


def _report_excel_errors(raw: RawTable, fld: str, errs: np.ndarray, ce: ColumnErrors) -> None:
    for i in np.flatnonzero(errs).tolist():
        v = raw_value(raw, fld, i)
        ce.add(*_error_cell(i, v))


def _error_cell(i: int, v: Any) -> tuple[str, int, str, str, str]:
    code, message, hint = error_cell_message(v)
    return code, i, str(v), message, hint


def parse_money(raw: RawTable, fld: str, places: int, number_format: dict[str, Any], sink: list[Diagnostic], what: str = "amount") -> tuple[np.ndarray, np.ndarray]:
    """-> (int64 minor units, blank mask). Bad cells become diagnostics (and 0).

    Fast path, all in pyarrow kernels: one regular expression accepts the declared format
    with at most ``places`` decimals; Arrow's exact string -> decimal128 cast reads them;
    the unscaled 128-bit integers are the minor units (their low 64 bits, as amounts have at
    most 13 whole digits). Cells the expression refuses go through an exact Python path
    that either reads them (``1.500`` at two places) or reports them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr, errs = to_arrow_text(raw.columns[fld])
    ce = ColumnErrors(raw, fld, sink)
    _report_excel_errors(raw, fld, errs, ce)
    dec = number_format.get("decimal") or "."
    thou = number_format.get("thousands")
    thou = "," if thou is None else thou
    if thou in (dec, "none"):
        thou = ""
    blank = pc.equal(arr, "").to_numpy(zero_copy_only=False).astype(bool) | errs
    neg = np.zeros(len(arr), dtype=bool)
    s = arr
    if number_format.get("parentheses_negative"):
        neg |= pc.match_substring_regex(s, r"^\(.*\)$").to_numpy(zero_copy_only=False).astype(bool)
        s = pc.utf8_trim_whitespace(pc.replace_substring_regex(s, r"^\((.*)\)$", r"\1"))
    if number_format.get("currency_symbols"):
        s = pc.replace_substring_regex(s, r"^([+-]?)(?:[A-Z]{3}\s*|[$€£¥]\s*)", r"\1")
        s = pc.replace_substring_regex(s, r"(?:\s*[A-Z]{3}|\s*[$€£¥])$", "")
    whole_limit = min(MAX_WHOLE_DIGITS, 18 - places)
    fast = pc.match_substring_regex(s, "^(?:" + money_pattern(dec, thou, max_places=places, max_whole=whole_limit) + ")$").to_numpy(zero_copy_only=False).astype(bool)
    s = pc.if_else(pa.array(fast), s, "0")
    if thou and pc.any(pc.match_substring(s, thou)).as_py():
        s = pc.replace_substring(s, thou, "")
    if dec != "." and pc.any(pc.match_substring(s, dec)).as_py():
        s = pc.replace_substring(s, dec, ".")
    units = _decimal_units(pc.cast(s, pa.decimal128(38, places)))
    fast &= np.abs(units) < 10 ** (whole_limit + places)
    units = np.where(neg, -units, units)
    pattern = re.compile(money_pattern(dec, thou))
    hint_fmt = f"decimal '{dec}'" + (f", thousands '{thou}'" if thou else "")
    code = "bad-amount" if what == "amount" else "bad-cell-number"
    bad = np.zeros(len(arr), dtype=bool)
    for i in np.flatnonzero(~fast & ~blank).tolist():
        v = str(raw_value(raw, fld, i))
        text = str(s_original(arr, i, number_format))
        if not pattern.fullmatch(text):
            ce.add(code, i, v, f"{v!r} is not a number in the declared format ({hint_fmt})", "fix the cell, or declare the number format of this source in sources.yaml (number_format)")
            bad[i] = True
            continue
        plain = (text.replace(thou, "") if thou else text).replace(dec, ".")
        whole, _, frac = plain.lstrip("+-").partition(".")
        if len(whole.lstrip("0")) > whole_limit:
            ce.add(code, i, v, f"{v!r} is too large to be an amount", "check the cell")
            bad[i] = True
        elif frac[places:].strip("0"):
            ce.add(code, i, v, f"{v!r} has more than {places} decimal places", f"round it in the source, or set amount_places: {len(frac)} for this source")
            bad[i] = True
        else:
            value = int(Decimal(plain).scaleb(places))
            units[i] = -value if neg[i] else value
    units = np.where(bad | blank, 0, units).astype("int64")
    ce.close()
    return units, blank


def _decimal_units(decimals: Any) -> np.ndarray:
    """Unscaled integers of a decimal128 array (its minor units): the low 64 bits of each
    128-bit value, exact for amounts below 9.2e18 units (callers bound the digits); 0 for null."""
    import pyarrow as pa

    if isinstance(decimals, pa.ChunkedArray):
        decimals = decimals.combine_chunks() if decimals.num_chunks else pa.array([], decimals.type)
    if len(decimals) == 0:
        return np.zeros(0, dtype=np.int64)
    words = np.frombuffer(decimals.buffers()[1], dtype="<i8")
    units = words[2 * decimals.offset: 2 * (decimals.offset + len(decimals)): 2].copy()
    if decimals.null_count:
        units[decimals.is_null().to_numpy(zero_copy_only=False)] = 0
    return units


def s_original(arr: Any, i: int, number_format: dict[str, Any]) -> str:
    """The trimmed cell text with the declared decorations (parentheses, currency) removed."""
    text = str(arr[i])
    if number_format.get("parentheses_negative") and re.fullmatch(r"\(.*\)", text):
        text = text[1:-1].strip()
    if number_format.get("currency_symbols"):
        text = re.sub(r"^([+-]?)(?:[A-Z]{3}\s*|[$€£¥]\s*)", r"\1", text)
        text = re.sub(r"(?:\s*[A-Z]{3}|\s*[$€£¥])$", "", text)
    return text


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
                ce.add(*_error_cell(i, c))
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
        for text, i in zip(texts, idx, strict=True):
            try:
                out[i] = np.datetime64(dt.datetime.strptime(text, fmt).date(), "D")
            except ValueError:
                ce.add("bad-cell-date", i, text, f"{text!r} is not a date in the declared format {fmt}", "fix the cell, or declare date_format for this source in sources.yaml (dates are never guessed)")
        ce.close()
        return out
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_date32(getattr(cells, "type", None)):  # converted by pyarrow while parsing
        return pc.cast(cells, pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
    arr, errs = to_arrow_text(cells)
    _report_excel_errors(raw, fld, errs, ce)
    blank = pc.equal(arr, "").to_numpy(zero_copy_only=False).astype(bool) | errs
    values = _fast_dates(arr, blank, fmt)
    if values is None:  # formats beyond %Y %m %d: Python's strict strptime, row by row
        values = np.full(len(arr), np.datetime64("NaT"), dtype="datetime64[D]")
        for i, text in enumerate(arr.to_pylist()):
            if not blank[i]:
                try:
                    values[i] = np.datetime64(dt.datetime.strptime(text, fmt).date(), "D")
                except ValueError:
                    pass
    bad = np.isnat(values) & ~blank
    for i in np.flatnonzero(bad).tolist():
        text = str(arr[i])
        ce.add("bad-cell-date", i, text, f"{text!r} is not a date in the declared format {fmt}", "fix the cell, or declare date_format for this source in sources.yaml (dates are never guessed)")
    values[blank] = np.datetime64("NaT")
    ce.close()
    return values


def _ymd_pattern(fmt: str) -> str | None:
    """A regular expression with year, month and day groups for formats made of %Y, %m, %d
    and literal text; None for anything else."""
    out, i = [], 0
    groups = {"%Y": r"(?P<y>\d{4})", "%m": r"(?P<m>\d{1,2})", "%d": r"(?P<d>\d{1,2})"}
    seen = set()
    while i < len(fmt):
        two = fmt[i:i + 2]
        if two in groups and two not in seen:
            out.append(groups[two])
            seen.add(two)
            i += 2
        elif fmt[i] == "%":
            return None
        else:
            out.append(re.escape(fmt[i]))
            i += 1
    return "^" + "".join(out) + "$" if seen == set(groups) else None


def _fast_dates(arr: Any, blank: np.ndarray, fmt: str) -> np.ndarray | None:
    """Vectorised, strict date parsing: 2026-02-30 is refused, never rolled over."""
    import pyarrow as pa
    import pyarrow.compute as pc

    filled = pc.if_else(pa.array(blank), "1970-01-01", arr) if blank.any() else arr
    if fmt == "%Y-%m-%d":
        try:  # Arrow's own ISO cast is strict and fast; any refusal takes the exact path below
            return pc.cast(filled, pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    pattern = _ymd_pattern(fmt)
    if pattern is None:
        return None
    parts = pc.extract_regex(filled, pattern)
    ok = pc.is_valid(parts).to_numpy(zero_copy_only=False).astype(bool)
    y, m, d = (pc.cast(pc.fill_null(pc.struct_field(parts, k), "1"), pa.int64()).to_numpy(zero_copy_only=False) for k in ("y", "m", "d"))
    ok &= (m >= 1) & (m <= 12) & (d >= 1)
    m = np.where(ok, m, 1)
    month = (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1).astype("timedelta64[M]")
    days_in_month = ((month + np.timedelta64(1, "M")).astype("datetime64[D]") - month.astype("datetime64[D]")).astype(int)
    ok &= d <= days_in_month
    values = month.astype("datetime64[D]") + (np.where(ok, d, 1) - 1).astype("timedelta64[D]")
    return np.where(ok, values, np.datetime64("NaT")).astype("datetime64[D]")


def parse_text(raw: RawTable, fld: str, sink: list[Diagnostic]) -> pd.Series:
    s, errs = to_text_series(raw.columns[fld])
    if errs.any():
        ce = ColumnErrors(raw, fld, sink)
        _report_excel_errors(raw, fld, errs, ce)
        ce.close()
    return s


def blank_overlong_cells(raw: RawTable, fld: str, sink: list[Diagnostic]) -> None:
    """Cells longer than Excel's 32,767 characters are located errors (no export writes
    one; a file holding one is damaged or hostile); they are blanked so that the column's
    own parser does not report them a second time. One length pass over the offsets: the
    plain-CSV fast path stays fast."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = raw.columns[fld]
    if isinstance(cells, list):
        idx = [i for i, c in enumerate(cells) if isinstance(c, str) and len(c) > MAX_CELL_CHARS]
        if not idx:
            return
        fixed = list(cells)
        for i in idx:
            fixed[i] = None
    else:
        typ = getattr(cells, "type", None)
        if typ is None or not (pa.types.is_string(typ) or pa.types.is_large_string(typ)):
            return
        nbytes = pc.binary_length(cells)
        longest = pc.max(nbytes).as_py()
        if longest is None or longest <= MAX_CELL_CHARS:  # bytes >= characters
            return
        chars = pc.utf8_length(cells)
        over = pc.fill_null(pc.greater(chars, MAX_CELL_CHARS), False)
        idx = np.flatnonzero(over.to_numpy(zero_copy_only=False) if hasattr(over, "to_numpy") else np.asarray(over)).tolist()
        if not idx:
            return
        fixed = pc.if_else(over, pa.scalar("", typ), cells)
    ce = ColumnErrors(raw, fld, sink)
    for i in idx:
        n = len(str(raw_value(raw, fld, i)))
        ce.count += 1
        if ce.count <= MAX_ERRORS_PER_COLUMN:
            sink.append(Diagnostic("cell-too-long", f"the cell holds {n:,} characters; a spreadsheet cell holds at most {MAX_CELL_CHARS:,}", raw.location(fld, i), "the file is damaged, or a quote opened in this cell is never closed (everything after it became one cell); fix or export the file again"))
    if ce.count > MAX_ERRORS_PER_COLUMN:
        sink.append(Diagnostic("cell-too-long", f"... and {ce.count - MAX_ERRORS_PER_COLUMN:,} more overlong cells in this column", raw.location(fld), "fix the first ones; the rest are likely the same problem"))
    raw.columns[fld] = fixed


def decimal_from_units(units: int, places: int) -> Decimal:
    return Decimal(int(units)).scaleb(-places)

