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
from .profiles import PLAIN, Profile, clean_rows, is_report_footer, location_for, refuse_report_rows

HEADER_SCAN_ROWS = 50
DELIMITERS = (",", ";", "\t", "|")  # what delimiter: auto chooses from
MAX_ZIP_MEMBERS = 100
MAX_ZIP_BYTES = 256 << 20  # uncompressed, all members together
MAX_ZIP_RATIO = 100  # uncompressed / compressed, for members above 1 MiB
# XLSX workbooks are zip archives too: checked before openpyxl opens them (zip bombs)
MAX_XLSX_MEMBERS = 1_000  # a workbook saved by Excel holds a few dozen parts
MAX_XLSX_BYTES = 1 << 30  # uncompressed, all parts together (a full 1,048,576-row sheet fits)
MAX_XLSX_MEMBER_BYTES = 768 << 20  # uncompressed, any one part
MAX_XLSX_RATIO = 200  # uncompressed / compressed, for parts above 1 MiB (sheet XML compresses 10-50 to 1)
XML_PROLOG_BYTES = 64 << 10  # how much of each XML part is searched for <!DOCTYPE / <!ENTITY
MAX_BLANK_RUN = 5  # XLSX: blank rows kept in a row (footers are found after blank rows); more are dropped
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell; longer cells are refused in every source

# csv's default limit (131,072 characters a field) would raise on a long cell before we
# could locate it; the whole text is in memory already, so the limit bounds nothing.
csv.field_size_limit(2**31 - 1)

BINARY_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"MZ", "a Windows program"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")


class ExcelError(str):
    """An error value from a spreadsheet cell (kept distinct from text)."""


class NoResult(ExcelError):
    """A formula cell saved without its result (a workbook written by a program that does
    not calculate): the text is the formula. Read like an error cell, never as a blank."""


def error_cell_message(value: Any) -> tuple[str, str, str]:
    """(code, message, hint) for an error cell or a formula saved without its result."""
    if isinstance(value, NoResult):
        return ("formula-not-computed", f"the cell holds a formula ({value}) with no saved result",
                "open the workbook in Excel or LibreOffice and save it again (so every formula is calculated), or export values only")
    return "excel-error-cell", f"the cell holds the spreadsheet error {value}", "fix the formula in the source, or export values only"


def norm_header(text: Any) -> str:
    """Headers compare without case, spacing or a trailing sort arrow (Salesforce's 'Amount ↑')."""
    return re.sub(r"\s*[↑↓]$", "", re.sub(r"\s+", " ", str(text if text is not None else "")).strip()).casefold()


def csv_records(text: str, delimiter: str) -> Any:
    """csv.reader over text, with a lone carriage return read as a line end (as pyarrow does)
    instead of raising "new-line character seen in unquoted field"."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


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
    ignored: list[dict[str, Any]] = field(default_factory=list)  # rows left out, each with its reason
    notes: dict[str, Any] = field(default_factory=dict)  # how the file was read, for run.json
    part_of: list[str] | None = None  # zip archives: the member each data row came from

    def row_of(self, i: int) -> int:
        if self.row_numbers is None:
            self.row_numbers = self._compute_csv_rows()
        return self.row_numbers[i] if i < len(self.row_numbers) else self.header_row + 1 + i

    def _compute_csv_rows(self) -> list[int]:
        rows = []
        reader = csv_records(self._csv_text or "", self._csv_delim)
        try:
            for recno, rec in enumerate(reader, start=1):
                if recno <= self._csv_data_start:
                    continue
                if is_blank_record(rec):
                    continue
                rows.append(recno)
        except csv.Error:
            pass  # rows past this point are numbered from the header (row_of's fallback)
        return rows

    def location(self, fld: str, i: int | None = None) -> Location:
        file = self.file if self.part_of is None or i is None else f"{self.file}/{self.part_of[i]}"
        return Location(file, self.row_of(i) if i is not None else self.header_row, self.col_index.get(fld), self.sheet, self.headers.get(fld, fld))


def is_blank_record(cells: list[Any]) -> bool:
    """A row with no value in any cell (a blank line, or ``,,,,`` as spreadsheets save an
    emptied row): skipped, never read as a fact with blank fields."""
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def sniff_kind(data: bytes) -> str:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data[:4] == b"PK\x03\x04":
        return "xlsx" if _is_ooxml(data) else "zip"
    if data[:4] == b"\xd0\xcf\x11\xe0":
        return "xls"
    if head[:1] == b"<" and re.match(rb"<(!doctype|!--|html|table|\?xml|head|body|meta|title|script|style|div|form)\b", head[:20].lower()):
        return "html"
    return "csv"


def refuse_non_text(file: str, data: bytes, encoding: str) -> list[Diagnostic]:
    """An empty file, one holding only a byte-order mark or blank lines, or binary data
    named .csv: a located refusal, instead of a "no header" that hides the real problem."""
    if not data:
        return [Diagnostic("file-unreadable", "the file is empty (0 bytes)", Location(file), hint="export the data again; an export with no records still has its header line")]
    blank = re.compile(rb"[\x00 \t\r\n]*")  # matched in place: no copy of a large file
    for bom, name in ((b"\xef\xbb\xbf", "UTF-8"), (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if data.startswith(bom) and blank.fullmatch(data, len(bom)):
            return [Diagnostic("file-unreadable", f"the file holds only a {name} byte-order mark and no text", Location(file), hint="export the data again; an export with no records still has its header line")]
    if re.fullmatch(rb"[ \t\r\n]*", data):
        return [Diagnostic("file-unreadable", "the file holds only blank lines", Location(file), hint="export the data again; an export with no records still has its header line")]
    for magic, what in BINARY_SIGNATURES:
        if data.startswith(magic) and (magic != b"MZ" or b"\x00" in data[:512]):
            return [Diagnostic("file-unreadable", f"this is {what}, not CSV text", Location(file), hint="point sources.yaml at the CSV or XLSX export of the data")]
    utf16 = encoding == "utf-16" or data.startswith((b"\xff\xfe", b"\xfe\xff"))
    nul = -1 if utf16 else data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        return [Diagnostic("file-unreadable", f"the file holds binary data (a NUL byte at byte {nul:,}, line {line}), not CSV text", Location(file, line), hint="point sources.yaml at the CSV export itself; if it is UTF-16 text without a byte-order mark, declare encoding: utf-16")]
    return []


def decode_text(data: bytes, encoding: str, file: str, delimiter: str = ",", wanted: dict[str, list[str]] | None = None) -> tuple[str | None, list[Diagnostic]]:
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
        bad = data[exc.start: max(exc.end, exc.start + 1)][:4].hex(" ").upper()
        where = _bad_byte_cell(file, data, exc.start, encoding, delimiter, wanted or {})
        return None, [Diagnostic("file-unreadable", f"the file is not valid {encoding} text (byte {exc.start}, line {line}): 0x{bad} is not {encoding}", where or Location(file, line), hint="declare its encoding in sources.yaml, for example encoding: cp1252 (Excel on Windows) or latin-1")]


def _bad_byte_cell(file: str, data: bytes, pos: int, encoding: str, delimiter: str, wanted: dict[str, list[str]]) -> Location | None:
    """The row (record) and column of the byte that does not decode, with the column's
    header: the text up to it is valid, so it is parsed as CSV; the header comes from the
    whole text decoded with replacement characters."""
    prefix = data[:pos].decode(encoding, errors="replace")
    whole = data.decode(encoding, errors="replace")
    head = _head(whole, HEADER_SCAN_ROWS + 5)
    if delimiter == "auto":
        delimiter, problems = sniff_delimiter(file, head, wanted)
        if problems:
            return None
    try:
        records = list(csv_records(prefix, delimiter))
    except csv.Error:
        return None
    if not records or prefix.endswith(("\n", "\r")):
        row, col = len(records) + 1, 1
    else:
        row, col = len(records), len(records[-1])
    idx, _ = find_header(_safe_rows(head, delimiter), wanted)
    header = _safe_rows(head, delimiter)[idx] if idx is not None else []
    name = str(header[col - 1]).strip() if 0 < col <= len(header) and idx is not None and idx + 1 < row else None
    return Location(file, row, col, None, name)


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


@dataclass(frozen=True)
class ReadOptions:
    """How to read one file, from sources.yaml and its profile."""

    fmt: str = "auto"
    sheet: str | None = None
    encoding: str = "auto"
    delimiter: str = ","  # or "auto"
    header_row: int | None = None
    profile: Profile = PLAIN
    ranked: frozenset[str] = frozenset()  # fields whose aliases are a preference order
    hidden_rows: str = "error"  # error, skip or read
    fast_types: dict[str, Any] | None = None
    declared: tuple[tuple[str, Any, Location], ...] = ()  # (option, value, where) as sources.yaml declares them


def sniff_delimiter(file: str, head_text: str, wanted: dict[str, list[str]]) -> tuple[str, list[Diagnostic]]:
    """The delimiter that splits the header line into the most declared column names: for
    each of , ; tab |, find the header; the best match wins. A tie between two delimiters
    that both occur in the header line is refused, never settled by a guess."""
    scores = []
    for d in DELIMITERS:
        rows = _safe_rows(head_text, d)
        idx, mapping = find_header(rows, wanted)
        line = d.join(rows[idx]) if idx is not None else ""
        scores.append((len(mapping), line.count(d), d, idx))
    best = max(s[0] for s in scores)
    if best == 0:
        return ",", []
    top = [s for s in scores if s[0] == best]
    if len(top) > 1 and sum(1 for s in top if s[1] > 0) > 1:
        shown = " and ".join(_delim_name(s[2]) for s in top if s[1] > 0)
        idx = top[0][3]
        return ",", [Diagnostic("ambiguous-delimiter", f"the header line reads equally well split on {shown}", Location(file, (idx or 0) + 1), hint="declare the delimiter of this source in sources.yaml, for example delimiter: ';'")]
    top.sort(key=lambda s: -s[1])
    return top[0][2], []


def _delimiter_hint(d: Diagnostic, file: str, head_text: str, wanted: dict[str, list[str]], declared: str) -> Diagnostic:
    """A header not found with the declared delimiter, but found with another: say which."""
    if d.code != "no-header":
        return d
    better, problems = sniff_delimiter(file, head_text, wanted)
    if problems or better == declared or find_header(_safe_rows(head_text, better), wanted)[0] is None:
        return d
    from dataclasses import replace

    return replace(d, hint=f"the header splits on {_delim_name(better)}, not {_delim_name(declared)}: declare delimiter: {better!r} for this source in sources.yaml (or delimiter: auto)".replace("'\\t'", '"\\t"'))


def _delim_name(d: str) -> str:
    return {"\t": "tab", ",": "',' (comma)", ";": "';' (semicolon)", "|": "'|' (pipe)"}.get(d, repr(d))


def read_csv_table(file: str, data: bytes, wanted: dict[str, list[str]], optional: set[str], opts: ReadOptions) -> tuple[RawTable | None, list[Diagnostic]]:
    """The fast path (plain profile). ``fast_types`` (field -> pyarrow type) lets pyarrow
    convert plain amounts and ISO dates while it parses, in parallel; if any cell refuses,
    the file is read again as text and the cell parsers locate every problem."""
    encoding, delimiter, header_row, fast_types = opts.encoding, opts.delimiter, opts.header_row, opts.fast_types
    text, diags = decode_text(data, encoding, file, delimiter, wanted)
    if text is None:
        return None, diags
    head_text = _head(text, HEADER_SCAN_ROWS + 5)
    notes = {"delimiter": delimiter}
    if delimiter == "auto":
        delimiter, d = sniff_delimiter(file, head_text, wanted)
        if d:
            return None, diags + d
        notes = {"delimiter": delimiter, "delimiter_from": "sniffed"}
    head_rows = _safe_rows(head_text, delimiter)
    idx: int | None
    if header_row is not None:
        idx = header_row - 1
        _, mapping = find_header(head_rows[header_row - 1: header_row] if header_row - 1 < len(head_rows) else [], wanted)
    else:
        idx, mapping = find_header(head_rows, wanted)
    diags += _check_header(file, None, head_rows, idx, mapping, wanted, optional, opts.ranked)
    if idx is None:
        diags = [_delimiter_hint(d, file, head_text, wanted, delimiter) for d in diags]
    if idx is None or any(d.is_error for d in diags):
        return None, diags
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = head_rows[idx]
    names = [f"c{i}" for i in range(len(header))]
    # skip the header and everything above it by record count
    skip = _records_before(head_text, delimiter, idx + 1)
    utf8 = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if encoding not in ("auto", "utf-8", "utf-8-sig") or utf8[:2] in (b"\xff\xfe", b"\xfe\xff"):
        utf8 = text.encode("utf-8")
    typed: dict[str, Any] = {}
    for f, c in mapping.items():
        if fast_types and f in fast_types and all(c != c2 or f2 == f for f2, c2 in mapping.items()):
            typed[names[c]] = fast_types[f]
    # the input in memory pyarrow owns, never a Python object: pyarrow may drop its last
    # reference to the input on an I/O thread after read_csv returns, and a Python file or bytes
    # object needs the GIL to die; at interpreter exit that aborted the CLI (apache/arrow#34314)
    sink = pa.BufferOutputStream()
    sink.write(utf8)
    native = sink.getvalue()
    tbl: Any = None
    for attempt in ([typed, {}] if typed else [{}]):
        column_types = {n: attempt.get(n, pa.string()) for n in names}
        try:
            tbl = pacsv.read_csv(
                pa.BufferReader(native),
                read_options=pacsv.ReadOptions(column_names=names, skip_rows=skip, block_size=1 << 24),
                # no invalid_row_handler (a Python callback on pyarrow's threads): a ragged file
                # is located by the Python scan below
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(column_types=column_types, strings_can_be_null=False, quoted_strings_can_be_null=False),
            )
            break
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            if attempt:
                continue
            ragged = _bad_field_counts(file, text, delimiter, idx + 1, len(header), 0)
            if ragged:
                return None, diags + ragged
            return None, [Diagnostic("file-unreadable", f"the file cannot be read as CSV: {str(exc).splitlines()[0]}", Location(file), hint="check the delimiter declared in sources.yaml")]
    read = tbl.num_rows
    tbl, blank = _without_blank_rows(tbl)
    cols = {f: tbl.column(mapping[f]) for f in mapping}
    raw = RawTable(file, None, idx + 1, {f: str(header[c]).strip() for f, c in mapping.items()}, {f: c + 1 for f, c in mapping.items()}, cols, tbl.num_rows, None, text, delimiter, idx + 1)
    lines = text.count("\n") + (0 if text.endswith("\n") else 1) - skip
    if lines != read:  # blank lines (which pyarrow skips) or values over several lines: count exactly
        rows = raw._compute_csv_rows()
        if rows and len(rows) == tbl.num_rows:
            raw.row_numbers = rows
            blank = rows[-1] - (idx + 1) - len(rows)
    raw.notes.update(notes)
    if blank:
        raw.notes["blank_rows_skipped"] = blank
    return raw, diags


def _without_blank_rows(tbl: Any) -> tuple[Any, int]:
    """The table without its rows that have no value in any cell (``,,,,``), and how many of
    them lay between the header and the last data row. Vectorised: the first column is
    tested whole, the others only on the rows where it is blank."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def blank(col: Any) -> Any:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            return pc.fill_null(pc.or_(pc.equal(col, ""), pc.utf8_is_space(col)), True).to_numpy()
        return pc.is_null(col).to_numpy()

    if tbl.num_rows == 0 or tbl.num_columns == 0:
        return tbl, 0
    candidates = np.flatnonzero(blank(tbl.column(0)))
    if not len(candidates):
        return tbl, 0
    sub = tbl.take(pa.array(candidates))
    empty = np.ones(len(candidates), dtype=bool)
    for j in range(1, sub.num_columns):
        empty &= blank(sub.column(j))
    drop = candidates[empty]
    if not len(drop):
        return tbl, 0
    mask = np.ones(tbl.num_rows, dtype=bool)
    mask[drop] = False
    data_rows = np.flatnonzero(mask)
    last = data_rows[-1] if len(data_rows) else -1
    return tbl.filter(pa.array(mask)), int((drop < last).sum())


def _safe_rows(text: str, delimiter: str) -> list[list[str]]:
    """Records of a short text (the head of a file); a malformed tail is left out."""
    rows: list[list[str]] = []
    try:
        for rec in csv_records(text, delimiter):
            rows.append(rec)
    except csv.Error:
        pass
    return rows


def _head(text: str, lines: int) -> str:
    """The first ``lines`` physical lines, without splitting the whole file."""
    pos = 0
    for _ in range(lines):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return text
        pos = nxt + 1
    return text[:pos]


def _bad_field_counts(file: str, text: str, delimiter: str, header_records: int, width: int, count: int = 0) -> list[Diagnostic]:
    """Slow path, only when pyarrow refused the file: locate ragged rows by record number
    (the first 10, then how many in all)."""
    out: list[Diagnostic] = []
    ragged = 0
    recs, _, failed = _csv_rows_checked(text, delimiter)
    for recno, rec in enumerate(recs, start=1):
        if recno <= header_records or not rec or (len(rec) == 1 and rec[0] == ""):
            continue
        if len(rec) != width:
            ragged += 1
            if len(out) >= 10:
                continue
            shown = delimiter.join(rec)[:80]
            hint = "a value with the delimiter in it must be quoted; or declare the delimiter in sources.yaml"
            if len(rec) == 1 and is_report_footer(rec[0]):
                hint = "this is a Salesforce report footer: declare profile: salesforce for this source"
            out.append(Diagnostic("file-unreadable", f"this row has {len(rec)} fields but the header has {width}: {shown!r}", Location(file, recno), hint=hint, value=shown))
    if failed is not None and len(out) < 10:
        out.append(failed(file))
    count = max(count, ragged)
    if count > 10:
        out.append(Diagnostic("file-unreadable", f"{count} row(s) in all do not have {width} fields", Location(file), hint="fix the first ones shown"))
    return out


def _records_before(text: str, delimiter: str, n_records: int) -> int:
    """pyarrow skips physical rows; count how many lines the first n records span."""
    if n_records == 0:
        return 0
    reader = csv_records(text, delimiter)
    try:
        for _ in range(n_records):
            next(reader, None)
    except csv.Error:
        pass
    return reader.line_num


def _check_header(file: str, sheet: str | None, rows: list[list[Any]], idx: int | None, mapping: dict[str, int], wanted: dict[str, list[str]], optional: set[str], ranked: frozenset[str] = frozenset()) -> list[Diagnostic]:
    diags = []
    if idx is None:
        want = "; ".join(f"{f}: {' / '.join(a)}" for f, a in wanted.items())
        return [Diagnostic("no-header", f"no row in the first {HEADER_SCAN_ROWS} names any declared column ({want})", Location(file, sheet=sheet), hint="check the column headers declared in sources.yaml against the file")]
    for f, names in wanted.items():
        if f not in mapping and f not in optional:
            present = [str(c).strip() for c in rows[idx] if str(c or "").strip()]
            near = _nearest([str(n) for n in names], present)
            listed = ", ".join(present[:30]) + (f" (and {len(present) - 30} more)" if len(present) > 30 else "")
            hint = f"did you mean {near!r}? If that is the {f}, add it as an alias in sources.yaml ({f}: [{', '.join(names)}, {near}])" if near else f"none of the headers is close: map {f} to one of them in sources.yaml, or export the column"
            diags.append(Diagnostic("missing-column", f"no column for {f!r} (looked for {', '.join(repr(n) for n in names)}); the header row has: {listed}", Location(file, idx + 1, None, sheet), hint=hint))
    for f, hits in _ambiguous(rows[idx], {f: a for f, a in wanted.items() if f not in ranked}):
        diags.append(Diagnostic("ambiguous-column", f"several columns match {f!r}: {', '.join(hits)}", Location(file, idx + 1, None, sheet), hint="keep one alias in sources.yaml"))
    cells = [norm_header(c) for c in rows[idx]]
    for f, c in mapping.items():
        twice = [k + 1 for k, h in enumerate(cells) if h and h == cells[c]]
        if len(twice) > 1:
            from ..diagnostics import column_letter

            shown = " and ".join(column_letter(k) for k in twice)
            diags.append(Diagnostic("ambiguous-column", f"the header {str(rows[idx][c]).strip()!r} ({f}) appears in columns {shown}", Location(file, idx + 1, twice[1], sheet), hint="rename or remove one of the columns in the file, so the one to read is clear"))
    return diags


def _nearest(names: list[str], present: list[str]) -> str | None:
    """The header nearest to any of the names looked for (case and spacing ignored)."""
    import difflib

    by_norm = {norm_header(h): h for h in present}
    best: tuple[float, str] | None = None
    for n in names:
        for m in difflib.get_close_matches(norm_header(n), list(by_norm), n=1, cutoff=0.6):
            score = difflib.SequenceMatcher(None, norm_header(n), m).ratio()
            if best is None or score > best[0]:
                best = (score, by_norm[m])
    return best[1] if best else None


def table_from_rows(file: str, sheet: str | None, rows: list[list[Any]], rownums: list[int], wanted: dict[str, list[str]], optional: set[str], opts: ReadOptions, hidden: set[int] | None = None, part_of: list[str] | None = None, width_check: bool = False) -> tuple[RawTable | None, list[Diagnostic]]:
    """Rows (lists of cells) -> a RawTable: the header found, hidden rows handled by the
    declared rule, the profile's rows cleaned (footers, groups, totals), blank rows left out.
    The slower path, for XLSX and for CSV read with a profile."""
    if sheet is not None and all(is_blank_record(r) for r in rows):
        return None, [Diagnostic("empty-export", f"the sheet {sheet!r} is empty: no cell holds a value", Location(file, sheet=sheet), hint="export the data again, or declare the sheet that holds it (sheet: in sources.yaml)")]
    if opts.header_row is not None:
        pos = [i for i, r in enumerate(rownums) if r == opts.header_row and (part_of is None or part_of[i] == part_of[0])]
        idx: int | None = pos[0] if pos else None
        _, mapping = find_header(rows[idx: idx + 1] if idx is not None else [], wanted)
    else:
        idx, mapping = find_header(rows, wanted)
    diags = _check_header(file if part_of is None else f"{file}/{part_of[0]}", sheet, rows, idx, mapping, wanted, optional, opts.ranked)
    if idx is None or any(d.is_error for d in diags):
        return None, diags
    header = rows[idx]
    body, nums = rows[idx + 1:], rownums[idx + 1:]
    parts = part_of[idx + 1:] if part_of is not None else None
    loc = location_for(file, sheet, nums, header, parts)
    notes: dict[str, Any] = {}
    ignored: list[dict[str, Any]] = []
    keep_mask = [True] * len(body)
    if hidden:
        hidden_data = [i for i, n in enumerate(nums) if n in hidden and any(c is not None and str(c).strip() != "" for c in body[i])]
        if hidden_data:
            rule = opts.hidden_rows
            listed = [nums[i] for i in hidden_data]
            if rule == "error":
                shown = ", ".join(str(n) for n in listed[:10]) + (" ..." if len(listed) > 10 else "")
                diags.append(Diagnostic("hidden-rows", f"{len(listed)} data row(s) of this sheet are hidden (rows {shown})", loc(hidden_data[0], None), hint="unhide them in Excel, or declare what they mean for this source: hidden_rows: skip (leave them out) or hidden_rows: read (count them)"))
                return None, diags
            if rule == "skip":
                for i in hidden_data:
                    keep_mask[i] = False
                    ignored.append({"row": nums[i], "reason": "hidden row (hidden_rows: skip)", "text": " | ".join(str(c).strip() for c in body[i] if c is not None and str(c).strip())[:120]})
            else:
                notes["hidden_rows_read"] = listed
    if not all(keep_mask):
        body = [r for r, k in zip(body, keep_mask, strict=True) if k]
        nums = [n for n, k in zip(nums, keep_mask, strict=True) if k]
        parts = [p for p, k in zip(parts, keep_mask, strict=True) if k] if parts is not None else None
        loc = location_for(file, sheet, nums, header, parts)
    extra: dict[str, list[Any]] = {}
    filled: dict[int, dict[int, Any]] = {}
    if opts.profile.rows_quirks:
        cleaned = clean_rows(opts.profile, body, nums, header, mapping, loc, parts)
        diags += cleaned.diagnostics
        if any(d.is_error for d in cleaned.diagnostics):
            return None, diags
        keep = cleaned.keep
        ignored += cleaned.ignored
        filled = cleaned.filled
        extra = cleaned.extra
        notes.update(cleaned.notes)
    else:
        keep = [i for i, r in enumerate(body) if not is_blank_record(r)]
        report_row = refuse_report_rows([body[i] for i in keep], mapping, lambda k, c: loc(keep[k], c))
        if report_row is not None:
            return None, [*diags, report_row]
    blank = _blank_rows_between(body, nums, rownums[idx], keep, ignored, parts is not None)
    if blank:
        notes["blank_rows_skipped"] = blank
    if width_check:
        width = len(header)
        bad = [i for i in keep if len(body[i]) != width]
        for i in bad[:10]:
            shown = ",".join(str(c) for c in body[i])[:80]
            diags.append(Diagnostic("file-unreadable", f"this row has {len(body[i])} fields but the header has {width}: {shown!r}", loc(i, None), hint="a value with the delimiter in it must be quoted; or declare the delimiter in sources.yaml", value=shown))
        if bad:
            return None, diags
    cols: dict[str, Any] = {}
    for f, c in mapping.items():
        col = []
        for i in keep:
            r = body[i]
            f_row = filled.get(i)
            col.append(f_row[c] if f_row is not None and c in f_row else (r[c] if c < len(r) else None))
        cols[f] = col
    headers = {f: str(header[c]).strip() for f, c in mapping.items()}
    col_index = {f: c + 1 for f, c in mapping.items()}
    for f, values in extra.items():
        cols[f] = values
        headers[f] = f"{headers.get('amount', 'amount')} (currency code)"
        col_index[f] = col_index.get("amount", 0)
        notes.setdefault("derived", {})[f] = f"the ISO code in front of each {headers.get('amount', 'amount')} cell"
    raw = RawTable(file, sheet, rownums[idx], headers, col_index, cols, len(keep), [nums[i] for i in keep])
    if parts is not None:
        raw.part_of = [parts[i] for i in keep]
    raw.ignored = ignored  # every one listed: run.json says what was left out, row by row
    raw.notes.update(notes)
    return raw, diags


def _blank_rows_between(body: list[list[Any]], nums: list[int], header_row: int, keep: list[int], ignored: list[dict[str, Any]], parts: bool) -> int:
    """Rows with no value between the header and the last data row: from the row numbers
    (an XLSX sheet leaves empty rows out of its XML), or by counting them in a zip's parts."""
    if not keep:
        return 0
    last = keep[-1]
    if parts:
        return sum(1 for i in range(last) if is_blank_record(body[i]))
    known = len(keep) + sum(1 for e in ignored if header_row < e["row"] <= nums[last])
    return max(0, nums[last] - header_row - known)


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_FORMULA_TEXT = re.compile(rb"<(?:\w+:)?f\b[^>]*>(.*?)</(?:\w+:)?f>", re.S)


def _scan_sheet_xml(data: bytes, sheet_path: str | None) -> tuple[set[int], dict[tuple[int, int], str]]:
    """From a worksheet's XML, read in chunks (read-only openpyxl exposes neither): the row
    numbers marked hidden, and the cells holding a formula saved without its result, as
    (row, column) -> the formula."""
    import zipfile

    if not sheet_path:
        return set(), {}
    hidden: set[int] = set()
    no_result: dict[tuple[int, int], str] = {}
    row_tag = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
    r_attr = re.compile(rb'\br="(\d+)"')
    hidden_attr = re.compile(rb'\bhidden="(?:1|true)"')
    last = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open(sheet_path.lstrip("/")) as f:
        buf = b""
        while True:
            chunk = f.read(1 << 20)
            buf += chunk
            end_cell = buf.rfind(b"</c>")  # whole cells only, so a formula and its value stay together
            cut = (end_cell + 4 if end_cell >= 0 else buf.rfind(b"<")) if chunk else len(buf)
            part, buf = buf[:cut], buf[cut:]
            for m in row_tag.finditer(part):
                attrs = m.group(1)
                r = r_attr.search(attrs)
                last = int(r.group(1)) if r else last + 1
                if hidden_attr.search(attrs):
                    hidden.add(last)
            for m in _FORMULA.finditer(part):
                start, end = part.rfind(b"<c", 0, m.start()), part.find(b"</c>", m.start())
                cell = part[start:end]
                ref = _CELL_REF.search(cell[:120])
                if ref is None or _has_result(cell):
                    continue
                text = _FORMULA_TEXT.search(cell)
                formula = "=" + text.group(1).decode("utf-8", errors="replace") if text and text.group(1) else "a shared formula"
                no_result[(int(ref.group(2)), _column_number(ref.group(1).decode()))] = formula
            if not chunk:
                break
    return hidden, no_result


_EMPTY_VALUE = re.compile(rb"<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>")
_STRING_RESULT = re.compile(rb'^<c\b[^>]*\bt="str"')


def _has_result(cell: bytes) -> bool:
    """A formula cell's saved result: a <v> with a value (an empty one only for a formula
    whose result is text, which may be empty)."""
    if b"<v" not in cell and b":v" not in cell:
        return False
    return not _EMPTY_VALUE.search(cell) or bool(_STRING_RESULT.match(cell))


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _mark_no_result(rows: list[list[Any]], rownums: list[int], no_result: dict[tuple[int, int], str]) -> None:
    """Formula cells without a saved result become :class:`NoResult` values (openpyxl reads
    them as blanks), so that whichever column reads them refuses them at the cell."""
    if not no_result:
        return
    at = {n: k for k, n in enumerate(rownums)}
    for (r, c), formula in no_result.items():
        k = at.get(r)
        if k is None:
            continue
        row = rows[k]
        if len(row) < c:
            row.extend([None] * (c - len(row)))
        row[c - 1] = NoResult(formula)


def _is_ooxml(data: bytes) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return True  # let the XLSX reader say what is wrong with it
    return "[Content_Types].xml" in names or "xl/workbook.xml" in names


@dataclass(frozen=True)
class ArchiveLimits:
    members: int
    total: int
    member: int
    ratio: int
    what: str  # "archive" or "workbook", for messages


ZIP_LIMITS = ArchiveLimits(MAX_ZIP_MEMBERS, MAX_ZIP_BYTES, MAX_ZIP_BYTES, MAX_ZIP_RATIO, "archive")
XLSX_LIMITS = ArchiveLimits(MAX_XLSX_MEMBERS, MAX_XLSX_BYTES, MAX_XLSX_MEMBER_BYTES, MAX_XLSX_RATIO, "workbook")


def check_archive(file: str, infos: list[Any], limits: ArchiveLimits) -> list[Diagnostic]:
    """Refuses, from the zip directory alone (nothing inflated), an archive with too many
    members, too many bytes in all or in one member, or a member compressed suspiciously
    far. zipfile never inflates a member past the size its directory declares."""
    hint_csv = "export fewer records per file, or unzip it and point sources.yaml at the CSV files"
    hint_xlsx = "a workbook saved by Excel never looks like this; open it in Excel and save it again, or export CSV"
    hint = hint_xlsx if limits.what == "workbook" else hint_csv

    def refuse(message: str, h: str = hint) -> list[Diagnostic]:
        return [Diagnostic("archive-refused", message, Location(file), hint=h)]

    if len(infos) > limits.members:
        return refuse(f"the {limits.what} holds {len(infos)} files; at most {limits.members} are read")
    total = sum(i.file_size for i in infos)
    if total > limits.total:
        return refuse(f"the {limits.what} expands to {total:,} bytes; at most {limits.total:,} are read", hint if limits.what == "workbook" else "unzip it yourself and point sources.yaml at the CSV files")
    for i in infos:
        if i.file_size > limits.member:
            return refuse(f"{i.filename} expands to {i.file_size:,} bytes; at most {limits.member:,} are read for one part")
        if i.file_size > (1 << 20) and i.file_size > limits.ratio * max(1, i.compress_size):
            what = "a spreadsheet" if limits.what == "workbook" else "a CSV export"
            return refuse(f"{i.filename} is compressed {i.file_size // max(1, i.compress_size):,} to 1 (a zip bomb?)", f"{what} compresses far less than {limits.ratio} to 1; download the export again")
    return []


ENTITY_HINT = "this file was not saved by Excel (it may be an attack: 'billion laughs' or external entities); open the data in Excel and save it again as .xlsx, or export CSV"
_DOCTYPE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)


def _xml_entities(file: str, zf: Any, infos: list[Any]) -> list[Diagnostic]:
    """A part that declares a DOCTYPE or entities ("billion laughs", external entities) is
    refused before any XML parser sees it; Excel never writes one. (defusedxml, which
    openpyxl uses when installed, refuses them too, deeper in a part.)"""
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with zf.open(info) as f:
            head = f.read(XML_PROLOG_BYTES)
        if _DOCTYPE.search(head):
            return [Diagnostic("file-unreadable", f"the workbook part {info.filename} declares XML entities (<!DOCTYPE ...>), which a spreadsheet never needs: refused", Location(file), hint=ENTITY_HINT)]
    return []


def read_xlsx_table(file: str, data: bytes, wanted: dict[str, list[str]], optional: set[str], opts: ReadOptions) -> tuple[RawTable | None, list[Diagnostic], int]:
    """Returns the table, diagnostics, and the workbook's date epoch year (1900 or 1904).

    Hostile workbooks are refused before openpyxl sees them (zip bombs, XML entities); the
    sheet's declared <dimension> is ignored, so a sheet claiming a million rows or 16,384
    columns while holding a few cells costs what its cells cost; and anything a corrupt file
    makes the XML or zip layers raise is a located file-unreadable, never a traceback."""
    import zipfile
    import zlib

    def unreadable(exc: BaseException, where: str = "") -> Diagnostic:
        chain: BaseException | None = exc
        while chain is not None:
            if type(chain).__module__.startswith("defusedxml"):  # EntitiesForbidden, DTDForbidden...
                return Diagnostic("file-unreadable", f"the workbook{where} declares XML entities (<!DOCTYPE ...>), which a spreadsheet never needs: refused", Location(file), hint=ENTITY_HINT)
            chain = chain.__cause__ or chain.__context__
        text = str(exc).splitlines()[0][:120] if str(exc) else ""
        return Diagnostic("file-unreadable", f"the file is not a readable XLSX workbook{where} ({type(exc).__name__}{': ' + text if text else ''})", Location(file), hint="the file may be truncated or damaged: download or export it again, or open it in Excel and save it again as .xlsx")

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            refused = check_archive(file, infos, XLSX_LIMITS) or _xml_entities(file, zf, infos)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        return None, [unreadable(exc)], 1900
    if refused:
        return None, refused, 1900

    import openpyxl

    sheet = opts.sheet
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a damaged workbook can make openpyxl raise anything
        return None, [unreadable(exc)], 1900
    epoch = 1900
    notes: dict[str, Any] = {}
    name = ""
    try:
        epoch = 1904 if getattr(wb, "epoch", None) and wb.epoch.year == 1904 else 1900
        notes["date_system"] = epoch
        hidden_sheets = [ws.title for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") != "visible"]
        if sheet is not None:
            if sheet not in wb.sheetnames:
                return None, [Diagnostic("file-unreadable", f"no sheet named {sheet!r}", Location(file), hint=f"sheets: {', '.join(wb.sheetnames)}")], epoch
            ws = wb[sheet]
            if sheet in hidden_sheets:
                notes["sheet_hidden"] = True  # declared by name: read, and said so in run.json
        else:
            visible = [ws for ws in wb.worksheets if ws.title not in hidden_sheets]
            if not visible:
                if not wb.sheetnames:
                    return None, [Diagnostic("file-unreadable", "the workbook has no sheet", Location(file), hint="export the data again")], epoch
                return None, [Diagnostic("file-unreadable", "every sheet of this workbook is hidden", Location(file), hint=f"declare the sheet to read, for example sheet: {wb.sheetnames[0]!r}")], epoch
            ws = visible[0]
        if hidden_sheets and ws.title not in hidden_sheets:
            notes["hidden_sheets_not_read"] = hidden_sheets
        name = ws.title
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # the <dimension> element may lie: read the cells that exist
        rows: list[list[Any]] = []
        rownums: list[int] = []
        gap = 0
        for row in ws.iter_rows():
            if not row:  # a row missing from the sheet's XML
                gap += 1
                if gap > MAX_BLANK_RUN:
                    continue  # a long gap costs nothing: the next row's number comes from its cells
                rows.append([])
                rownums.append((rownums[-1] + 1) if rownums else 1)
                continue
            gap = 0
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
        sheet_path = getattr(ws, "_worksheet_path", None)
        hidden, no_result = _scan_sheet_xml(data, sheet_path)
        _mark_no_result(rows, rownums, no_result)
    except Exception as exc:  # noqa: BLE001 - damaged XML or zip data inside the workbook
        where = f", sheet {name!r}" if name else ""
        return None, [unreadable(exc, where)], epoch
    finally:
        wb.close()
    raw, diags = table_from_rows(file, name, rows, rownums, wanted, optional, opts, hidden=hidden)
    if raw is not None:
        raw.notes = {**notes, **raw.notes}
    return raw, diags, epoch


def read_csv_rows_table(file: str, data: bytes, wanted: dict[str, list[str]], optional: set[str], opts: ReadOptions) -> tuple[RawTable | None, list[Diagnostic]]:
    """CSV through Python's csv module into rows: the path for profiles, whose footers and
    group rows do not have the header's number of fields."""
    text, diags = decode_text(data, opts.encoding, file, opts.delimiter, wanted)
    if text is None:
        return None, diags
    delimiter, notes = opts.delimiter, {"delimiter": opts.delimiter}
    if delimiter == "auto":
        delimiter, d = sniff_delimiter(file, _head(text, HEADER_SCAN_ROWS + 5), wanted)
        if d:
            return None, diags + d
        notes = {"delimiter": delimiter, "delimiter_from": "sniffed"}
    rows, nums = _csv_rows(text, delimiter, file, diags)
    if any(d.is_error for d in diags):
        return None, diags
    raw, d = table_from_rows(file, None, rows, nums, wanted, optional, opts, width_check=True)
    diags += d
    if raw is not None:
        raw.notes = {**notes, **raw.notes}
    return raw, diags


def _csv_rows_checked(text: str, delimiter: str) -> tuple[list[list[Any]], list[int], Any]:
    """Records and their numbers; the third value, when the csv module stops on malformed
    text, makes the located diagnostic for the record where it stopped."""
    rows: list[list[Any]] = []
    nums: list[int] = []
    reader = csv_records(text, delimiter)
    try:
        for recno, rec in enumerate(reader, start=1):
            rows.append(rec)
            nums.append(recno)
    except csv.Error as exc:
        line = reader.line_num or 1
        message = f"the file cannot be read as CSV from here: {exc}"

        def failed(file: str) -> Diagnostic:
            return Diagnostic("file-unreadable", message, Location(file, line), hint="check the quoting on this line (a quote inside a value is written twice)")

        return rows, nums, failed
    return rows, nums, None


def _csv_rows(text: str, delimiter: str, file: str = "", diags: list[Diagnostic] | None = None) -> tuple[list[list[Any]], list[int]]:
    rows, nums, failed = _csv_rows_checked(text, delimiter)
    if failed is not None and diags is not None:
        diags.append(failed(file))
    return rows, nums


def read_zip_table(file: str, data: bytes, wanted: dict[str, list[str]], optional: set[str], opts: ReadOptions) -> tuple[RawTable | None, list[Diagnostic]]:
    """A zip of CSV parts (Zoho's Deals_001.csv, Deals_002.csv...) read as one table, in
    name order. Archives that would expand too far are refused before anything is inflated."""
    import zipfile
    import zlib

    def refuse(message: str, hint: str) -> tuple[None, list[Diagnostic]]:
        return None, [Diagnostic("archive-refused", message, Location(file), hint=hint)]

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        return None, [Diagnostic("file-unreadable", f"the file is not a readable zip archive ({exc})", Location(file), hint="download the export again")]
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
        refused = check_archive(file, infos, ZIP_LIMITS)
        if refused:
            return None, refused
        parts = sorted((i for i in infos if i.filename.lower().endswith((".csv", ".txt"))), key=lambda i: _natural(i.filename))
        others = sorted(i.filename for i in infos if i not in parts)
        if not parts:
            return refuse("the archive holds no .csv file", f"files in it: {', '.join(others[:10]) or 'none'}")
        rows: list[list[Any]] = []
        nums: list[int] = []
        part_of: list[str] = []
        diags: list[Diagnostic] = []
        notes: dict[str, Any] = {"parts": [p.filename for p in parts]}
        if others:
            notes["archive_members_not_read"] = others
        delimiter = opts.delimiter
        first_header: list[str] | None = None
        budget = MAX_ZIP_BYTES
        for info in parts:
            pname = f"{file}/{info.filename}"
            try:
                with zf.open(info) as f:
                    blob = f.read(budget + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
                return None, diags + [Diagnostic("file-unreadable", f"{info.filename} cannot be unpacked ({type(exc).__name__}: {str(exc)[:120]})", Location(pname), hint="the archive may be damaged or encrypted: download the export again")]
            budget -= len(blob)
            if budget < 0:
                return refuse("the archive expands to more than its directory says", "download the export again")
            text, d = decode_text(blob, opts.encoding, pname, delimiter, wanted)
            diags += d
            if text is None:
                continue
            if delimiter == "auto":
                delimiter, d = sniff_delimiter(pname, _head(text, HEADER_SCAN_ROWS + 5), wanted)
                if d:
                    return None, diags + d
                notes["delimiter_from"] = "sniffed"
            prow, pnum = _csv_rows(text, delimiter, pname, diags)
            if not rows:
                idx, _ = find_header(prow, wanted)
                first_header = [norm_header(c) for c in prow[idx]] if idx is not None else None
                rows += prow
                nums += pnum
                part_of += [info.filename] * len(prow)
                continue
            if first_header is None:
                break  # the first part has no header: reported below
            idx, _ = find_header(prow, wanted)
            if idx is None or [norm_header(c) for c in prow[idx]] != first_header:
                return None, diags + [Diagnostic("archive-refused", f"{info.filename} does not have the columns of {parts[0].filename}", Location(pname, (idx or 0) + 1), hint="every part of a split export must have the same header; export again")]
            rows += prow[idx + 1:]
            nums += pnum[idx + 1:]
            part_of += [info.filename] * (len(prow) - idx - 1)
        notes["delimiter"] = delimiter
        if any(d.is_error for d in diags):
            return None, diags
    raw, d = table_from_rows(file, None, rows, nums, wanted, optional, opts, part_of=part_of, width_check=True)
    if raw is not None:
        raw.notes = {**notes, **raw.notes}
    return raw, diags + d


def _natural(name: str) -> list[Any]:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name)]


def read_table(path: Path, display: str, wanted: dict[str, list[str]], optional: set[str], opts: ReadOptions) -> tuple[RawTable | None, list[Diagnostic], int]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [Diagnostic("file-not-found", "the file does not exist", Location(display), hint="check the path in sources.yaml (relative to the sources file)")], 1900
    except OSError as exc:
        return None, [Diagnostic("file-not-found", f"the file cannot be read: {exc.strerror}", Location(display), hint="check the path and its permissions")], 1900
    sniffed = sniff_kind(data)
    kind = sniffed if opts.fmt == "auto" else opts.fmt
    declared = check_declared(display, sniffed, opts.declared)
    if any(d.value == "format" for d in declared):  # read as the declared kind, it would be garbage
        return None, declared, 1900
    if kind == "xls":
        return None, [*declared, Diagnostic("file-unreadable", "this is an old binary .xls workbook", Location(display), hint="open it in Excel and save as .xlsx, or export CSV")], 1900
    if kind == "html":
        return None, [*declared, html_refusal(display, data)], 1900
    if kind == "xlsx":
        table, diags, epoch = read_xlsx_table(display, data, wanted, optional, opts)
        return table, declared + diags, epoch
    if kind == "csv":
        refused = refuse_non_text(display, data, opts.encoding)
        if refused:
            return None, declared + refused, 1900
    if kind == "zip":
        table, diags = read_zip_table(display, data, wanted, optional, opts)
    elif opts.profile.rows_quirks or opts.profile is not PLAIN:
        table, diags = read_csv_rows_table(display, data, wanted, optional, opts)
    else:
        table, diags = read_csv_table(display, data, wanted, optional, opts)
    return table, declared + diags, 1900


KINDS = {"csv": "a CSV file", "xlsx": "an XLSX workbook", "zip": "a zip archive", "xls": "an old binary .xls workbook", "html": "an HTML page"}
# option -> (the kinds of file it applies to, what the other kinds lack)
FILE_OPTIONS = {
    "sheet": (("xlsx",), "sheets"),
    "hidden_rows": (("xlsx",), "hidden rows (only an XLSX sheet hides rows)"),
    "delimiter": (("csv", "zip"), "delimiter (only CSV text has one)"),
    "encoding": (("csv", "zip"), "text encoding (only CSV text has one)"),
}


DEFAULTS = {"format": "auto", "encoding": "auto", "delimiter": "auto", "hidden_rows": "error"}


def check_declared(file: str, kind: str, declared: tuple[tuple[str, Any, Location], ...]) -> list[Diagnostic]:
    """Every option sources.yaml declares for a source that cannot apply to the file it
    reads (a sheet on a CSV, a delimiter on an XLSX, format: csv on a workbook) is an error
    at the option, naming the file: a declaration is never ignored in silence."""
    out = []
    name_of_file = Path(file).name
    for name, value, where in declared:
        if value == DEFAULTS.get(name):
            continue  # the default declares nothing that could be ignored
        if name == "format":
            family = {"xlsx": "pk", "zip": "pk"}.get(value, value)
            if family != {"xlsx": "pk", "zip": "pk"}.get(kind, kind):
                out.append(Diagnostic("option-not-applicable", f"format: {value} is declared, but {name_of_file} is {KINDS.get(kind, kind)}", where, hint="remove format: (the kind of file is found from its first bytes), or point file: at the export it was meant for", value="format"))
            continue
        applies, lacks = FILE_OPTIONS[name]
        if kind not in applies and kind in KINDS:
            out.append(Diagnostic("option-not-applicable", f"{name}: {value!r} is declared, but {name_of_file} is {KINDS[kind]}, which has no {lacks}", where, hint=f"remove {name}: from this source in sources.yaml, or point file: at the {' or '.join(KINDS[k].split(' ', 1)[1] for k in applies)} it was meant for", value=name))
    return out


def html_refusal(file: str, data: bytes) -> Diagnostic:
    """An HTML page where an export was expected (a login page saved by a script, an '.xls'
    that is an HTML table): located at its first tag, named by its title."""
    start = len(data) - len(data.lstrip(b"\xef\xbb\xbf \t\r\n"))
    line = data[:start].count(b"\n") + 1
    m = re.search(rb"<title[^>]*>(.*?)</title>", data[:1 << 16], re.I | re.S)
    title = re.sub(r"\s+", " ", m.group(1).decode("utf-8", errors="replace")).strip()[:80] if m else ""
    named = f" (its title: {title!r})" if title else ""
    return Diagnostic("file-unreadable", f"this file is an HTML page, not a CSV or spreadsheet{named}", Location(file, line), hint="a web page was saved instead of the export (a login page, or an '.xls' that is an HTML table): export CSV or XLSX from the CRM and point sources.yaml at it", value=title or None)
