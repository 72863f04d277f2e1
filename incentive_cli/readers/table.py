"""CSV and XLSX files -> raw columns of cells, with the header row found and every cell's
place (file, sheet, row, column) recoverable.

The fast path is columnar: CSV text goes through pyarrow's reader as strings (ids stay text,
amounts stay exact text until :mod:`parse_cells` turns them into integer minor units); XLSX
goes through openpyxl in read-only mode, which keeps error cells (``#N/A``) visible so they
become located errors instead of silent blanks.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, Location

HEADER_SCAN_ROWS = 50
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")


class ExcelError(str):
    """An error value from a spreadsheet cell (kept distinct from text)."""


def norm_header(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text if text is not None else "")).strip().casefold()


@dataclass
class RawTable:
    """Columns of one file, as read. ``columns`` maps a field to its cells (strings for CSV;
    Python values for XLSX) in file order; ``row_of(i)`` gives the file row of data row i."""

    file: str
    sheet: str | None
    header_row: int  # 1-based row of the header
    headers: dict[str, str]  # field -> header text as found
    col_index: dict[str, int]  # field -> 1-based column
    columns: dict[str, Any]  # field -> sequence of cells
    n_rows: int
    row_numbers: list[int] | None = None  # exact rows when known (XLSX); CSV computes lazily
    _csv_text: str | None = field(default=None, repr=False)
    _csv_delim: str = ","
    _csv_data_start: int = 0  # record index of the first data record

    def row_of(self, i: int) -> int:
        if self.row_numbers is None:
            self.row_numbers = self._compute_csv_rows()
        return self.row_numbers[i] if i < len(self.row_numbers) else self.header_row + 1 + i

    def _compute_csv_rows(self) -> list[int]:
        rows = []
        reader = csv.reader(io.StringIO(self._csv_text or ""), delimiter=self._csv_delim)
        for recno, rec in enumerate(reader, start=1):
            if recno <= self._csv_data_start:
                continue
            if not rec or all(c == "" for c in rec) and len(rec) <= 1:
                continue
            rows.append(recno)
        return rows

    def location(self, fld: str, i: int | None = None) -> Location:
        return Location(self.file, self.row_of(i) if i is not None else self.header_row, self.col_index.get(fld), self.sheet, self.headers.get(fld, fld))


def sniff_kind(data: bytes) -> str:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:4] == b"\xd0\xcf\x11\xe0":
        return "xls"
    if head[:1] == b"<" and re.match(rb"<(!doctype|html|table|\?xml|head|body)", head[:20].lower()):
        return "html"
    return "csv"


def decode_text(data: bytes, encoding: str, file: str) -> tuple[str | None, list[Diagnostic]]:
    if encoding == "auto":
        if data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8-sig"
        elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
            encoding = "utf-16"
        else:
            encoding = "utf-8"
    try:
        return data.decode(encoding), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Diagnostic("file-unreadable", f"the file is not valid {encoding} text (byte {exc.start}, line {line})", Location(file, line), hint="declare its encoding in sources.yaml, for example encoding: cp1252")]


def find_header(rows: list[list[Any]], wanted: dict[str, list[str]]) -> tuple[int | None, dict[str, int]]:
    """Index of the row that names most declared fields, and field -> 0-based column."""
    best, best_map = None, {}
    aliases = {f: [norm_header(a) for a in names] for f, names in wanted.items()}
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = [norm_header(c) for c in row]
        found: dict[str, int] = {}
        for f, names in aliases.items():
            for name in names:  # first alias that matches wins
                if name in cells:
                    found[f] = cells.index(name)
                    break
        if found and (best is None or len(found) > len(best_map)):
            best, best_map = r, found
        if found and len(found) == len(wanted):
            break
    return best, best_map


def _ambiguous(rowcells: list[Any], wanted: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    out = []
    cells = [norm_header(c) for c in rowcells]
    for f, names in wanted.items():
        hits = [n for n in names if norm_header(n) in cells]
        if len({norm_header(h) for h in hits}) > 1:
            out.append((f, hits))
    return out


def read_csv_table(file: str, data: bytes, wanted: dict[str, list[str]], optional: set[str], encoding: str = "auto", delimiter: str = ",", header_row: int | None = None, fast_types: dict[str, Any] | None = None) -> tuple[RawTable | None, list[Diagnostic]]:
    """``fast_types`` (field -> pyarrow type) lets pyarrow convert plain amounts and ISO dates
    while it parses, in parallel; if any cell refuses, the file is read again as text and
    the cell parsers locate every problem."""
    text, diags = decode_text(data, encoding, file)
    if text is None:
        return None, diags
    head_text = _head(text, HEADER_SCAN_ROWS + 5)
    head_rows = list(csv.reader(io.StringIO(head_text), delimiter=delimiter))
    idx: int | None
    if header_row is not None:
        idx = header_row - 1
        _, mapping = find_header(head_rows[header_row - 1: header_row] if header_row - 1 < len(head_rows) else [], wanted)
    else:
        idx, mapping = find_header(head_rows, wanted)
    diags += _check_header(file, None, head_rows, idx, mapping, wanted, optional)
    if idx is None or any(d.is_error for d in diags):
        return None, diags
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = head_rows[idx]
    names = [f"c{i}" for i in range(len(header))]
    bad_rows: list[str] = []

    def on_invalid(row: Any) -> str:
        bad_rows.append(row.text[:80])
        return "skip"

    # skip the header and everything above it by record count
    skip = _records_before(head_text, delimiter, idx + 1)
    utf8 = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if encoding not in ("auto", "utf-8", "utf-8-sig") or utf8[:2] in (b"\xff\xfe", b"\xfe\xff"):
        utf8 = text.encode("utf-8")
    typed: dict[str, Any] = {}
    for f, c in mapping.items():
        if fast_types and f in fast_types and all(c != c2 or f2 == f for f2, c2 in mapping.items()):
            typed[names[c]] = fast_types[f]
    for attempt in ([typed, {}] if typed else [{}]):
        column_types = {n: attempt.get(n, pa.string()) for n in names}
        try:
            tbl = pacsv.read_csv(
                io.BytesIO(utf8),
                read_options=pacsv.ReadOptions(column_names=names, skip_rows=skip, block_size=1 << 24),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(column_types=column_types, strings_can_be_null=False, quoted_strings_can_be_null=False),
            )
            break
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            if attempt:
                bad_rows.clear()
                continue
            return None, [Diagnostic("file-unreadable", f"the file cannot be read as CSV: {str(exc).splitlines()[0]}", Location(file), hint="check the delimiter declared in sources.yaml")]
    if bad_rows:
        return None, diags + _bad_field_counts(file, text, delimiter, idx + 1, len(header), len(bad_rows))
    cols = {f: tbl.column(mapping[f]) for f in mapping}
    raw = RawTable(file, None, idx + 1, {f: str(header[c]).strip() for f, c in mapping.items()}, {f: c + 1 for f, c in mapping.items()}, cols, tbl.num_rows, None, text, delimiter, idx + 1)
    return raw, diags


def _head(text: str, lines: int) -> str:
    """The first ``lines`` physical lines, without splitting the whole file."""
    pos = 0
    for _ in range(lines):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return text
        pos = nxt + 1
    return text[:pos]


def _bad_field_counts(file: str, text: str, delimiter: str, header_records: int, width: int, count: int) -> list[Diagnostic]:
    """Slow path, only when pyarrow found ragged rows: locate them by record number."""
    out = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    for recno, rec in enumerate(reader, start=1):
        if recno <= header_records or not rec or (len(rec) == 1 and rec[0] == ""):
            continue
        if len(rec) != width:
            shown = delimiter.join(rec)[:80]
            out.append(Diagnostic("file-unreadable", f"this row has {len(rec)} fields but the header has {width}: {shown!r}", Location(file, recno), hint="a value with the delimiter in it must be quoted; or declare the delimiter in sources.yaml", value=shown))
            if len(out) >= 10:
                break
    if count > len(out):
        out.append(Diagnostic("file-unreadable", f"{count} row(s) in all do not have {width} fields", Location(file), hint="fix the first ones shown"))
    return out


def _records_before(text: str, delimiter: str, n_records: int) -> int:
    """pyarrow skips physical rows; count how many lines the first n records span."""
    if n_records == 0:
        return 0
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    for _ in range(n_records):
        next(reader, None)
    return reader.line_num


def _check_header(file: str, sheet: str | None, rows: list[list[Any]], idx: int | None, mapping: dict[str, int], wanted: dict[str, list[str]], optional: set[str]) -> list[Diagnostic]:
    diags = []
    if idx is None:
        want = "; ".join(f"{f}: {' / '.join(a)}" for f, a in wanted.items())
        return [Diagnostic("no-header", f"no row in the first {HEADER_SCAN_ROWS} names any declared column ({want})", Location(file, sheet=sheet), hint="check the column headers declared in sources.yaml against the file")]
    for f, names in wanted.items():
        if f not in mapping and f not in optional:
            present = [str(c).strip() for c in rows[idx] if str(c or "").strip()]
            import difflib

            near = difflib.get_close_matches(names[0], present, n=1, cutoff=0.5)
            hint = f"did you mean {near[0]!r}? Add it as an alias in sources.yaml" if near else f"columns in the file: {', '.join(present[:20])}"
            diags.append(Diagnostic("missing-column", f"no column for {f!r} (looked for {', '.join(repr(n) for n in names)})", Location(file, idx + 1, None, sheet), hint=hint))
    for f, hits in _ambiguous(rows[idx], wanted):
        diags.append(Diagnostic("ambiguous-column", f"several columns match {f!r}: {', '.join(hits)}", Location(file, idx + 1, None, sheet), hint="keep one alias in sources.yaml"))
    return diags


def read_xlsx_table(file: str, data: bytes, wanted: dict[str, list[str]], optional: set[str], sheet: str | None = None, header_row: int | None = None) -> tuple[RawTable | None, list[Diagnostic], int]:
    """Returns the table, diagnostics, and the workbook's date epoch year (1900 or 1904)."""
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        return None, [Diagnostic("file-unreadable", f"the file is not a readable XLSX workbook ({type(exc).__name__}: {str(exc)[:120]})", Location(file), hint="open it in Excel and save it again as .xlsx")], 1900
    epoch = 1904 if getattr(wb, "epoch", None) and wb.epoch.year == 1904 else 1900
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                return None, [Diagnostic("file-unreadable", f"no sheet named {sheet!r}", Location(file), hint=f"sheets: {', '.join(wb.sheetnames)}")], epoch
            ws = wb[sheet]
        else:
            visible = [ws for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
            ws = visible[0] if visible else wb.worksheets[0]
        name = ws.title
        rows: list[list[Any]] = []
        rownums: list[int] = []
        for row in ws.iter_rows():
            vals = []
            rnum = None
            for cell in row:
                if rnum is None and getattr(cell, "row", None) is not None:
                    rnum = cell.row
                v = cell.value
                if getattr(cell, "data_type", None) == "e" or (isinstance(v, str) and v in EXCEL_ERRORS):
                    v = ExcelError(v)
                vals.append(v)
            if rnum is None:
                rnum = (rownums[-1] + 1) if rownums else 1
            rows.append(vals)
            rownums.append(rnum)
    finally:
        wb.close()
    if header_row is not None:
        pos = [i for i, r in enumerate(rownums) if r == header_row]
        idx: int | None = pos[0] if pos else None
        _, mapping = find_header(rows[idx: idx + 1] if idx is not None else [], wanted)
    else:
        idx, mapping = find_header(rows, wanted)
    diags = _check_header(file, name, rows, idx, mapping, wanted, optional)
    if idx is None or any(d.is_error for d in diags):
        return None, diags, epoch
    header = rows[idx]
    data_rows = [(r, n) for r, n in zip(rows[idx + 1:], rownums[idx + 1:], strict=True) if any(c is not None and str(c).strip() != "" for c in r)]
    cols = {f: [r[c] if c < len(r) else None for r, _ in data_rows] for f, c in mapping.items()}
    raw = RawTable(file, name, rownums[idx], {f: str(header[c]).strip() for f, c in mapping.items()}, {f: c + 1 for f, c in mapping.items()}, cols, len(data_rows), [n for _, n in data_rows])
    return raw, diags, epoch


def read_table(path: Path, display: str, wanted: dict[str, list[str]], optional: set[str], fmt: str = "auto", sheet: str | None = None, encoding: str = "auto", delimiter: str = ",", header_row: int | None = None, fast_types: dict[str, Any] | None = None) -> tuple[RawTable | None, list[Diagnostic], int]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [Diagnostic("file-not-found", "the file does not exist", Location(display), hint="check the path in sources.yaml (relative to the sources file)")], 1900
    except OSError as exc:
        return None, [Diagnostic("file-not-found", f"the file cannot be read: {exc.strerror}", Location(display), hint="check the path and its permissions")], 1900
    kind = sniff_kind(data) if fmt == "auto" else fmt
    if kind == "xls":
        return None, [Diagnostic("file-unreadable", "this is an old binary .xls workbook", Location(display), hint="open it in Excel and save as .xlsx, or export CSV")], 1900
    if kind == "html":
        return None, [Diagnostic("file-unreadable", "this file is an HTML page, not a CSV or spreadsheet", Location(display), hint="some CRMs serve HTML with an .xls name; export CSV or XLSX instead")], 1900
    if kind == "xlsx":
        return read_xlsx_table(display, data, wanted, optional, sheet, header_row)
    table, diags = read_csv_table(display, data, wanted, optional, encoding, delimiter, header_row, fast_types)
    return table, diags, 1900
