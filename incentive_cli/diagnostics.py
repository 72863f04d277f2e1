"""Diagnostics are values: a stable code, a severity, a location, a message and a hint.

Readers and validators return lists of :class:`Diagnostic`; nothing raises for bad input.
The CLI renders them as text (with an excerpt and a caret), JSON, or GitHub annotations,
and one place (``cli.Reporter``) turns them into the exit-code contract.

Every code used anywhere in the package is declared once in :data:`CODES`, with the
one-line meaning that the README's error catalogue repeats (a test keeps them in step).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

# --- exit codes: the contract (README "Exit codes") -------------------------------------


class ExitCode(IntEnum):
    OK = 0
    INVALID_INPUT = 1
    USAGE = 2
    INTERNAL = 3
    CANT_WRITE = 73
    LOCKED = 75


# --- the catalogue of codes -----------------------------------------------------------

CODES: dict[str, str] = {
    # program files (YAML)
    "yaml-syntax": "The file is not valid YAML.",
    "yaml-duplicate-key": "A key appears twice in the same mapping.",
    "yaml-too-large": "Anchors and aliases expand to more nodes than a program may hold, or it nests too deep.",
    "yaml-ambiguous-scalar": "An unquoted value that YAML 1.1 tools read as a boolean, octal or sexagesimal number.",
    "unknown-key": "A key the program format does not define.",
    "missing-key": "A required key is absent.",
    "wrong-type": "A value has the wrong shape (for example a list where a mapping is expected).",
    "bad-number": "A value that must be an exact number is not one.",
    "bad-rate": "A rate or percentage that does not parse.",
    "bad-choice": "A value outside the allowed set of words.",
    "bad-reference": "A name that refers to a measure, target, field or table that does not exist.",
    "schema-version": "schema_version is missing or not one this tool reads.",
    "bad-tiers": "A tier table whose bounds are not increasing, or that misses its open top tier.",
    "bad-expression": "An expression (a computed field or an expression measure) that does not parse.",
    "bad-grid": "A grid's table without one row per row bound and one cell per column bound.",
    "bad-weights": "A scorecard's KPI weights that do not add up to 100%.",
    "missing-roster-value": "A roster measure (salary, target incentive) with a blank cell for an eligible person.",
    "adjustment-over-ceiling": "A manual adjustment is larger than the ceiling its source declares.",
    "bad-window": "A season or active window that is not a real date range, or two seasons that overlap.",
    "bad-shares": "Shares (cohort shares, a split component's role shares, a deal's split shares) that do not add up to 100%.",
    "duplicate-program": "Two program files declare the same program id.",
    "program-id-mismatch": "A program's id differs from its file name.",
    "no-programs": "No program files were found where programs were expected.",
    # data files
    "file-not-found": "An input file does not exist.",
    "file-unreadable": "An input file cannot be read as the declared format.",
    "missing-column": "A column the source declares (or a program needs) is not in the file.",
    "ambiguous-column": "Two columns of the file match the same declared field.",
    "no-header": "No row of the file looks like the header.",
    "ambiguous-delimiter": "delimiter: auto found two delimiters that split the header line equally well.",
    "hidden-rows": "An XLSX sheet has hidden data rows and the source does not say to skip or read them (hidden_rows).",
    "formatted-report": "A Salesforce Formatted report where Details Only is expected, or one whose groups do not add up.",
    "archive-refused": "A zip archive that expands too far, holds too many files or none to read, or whose parts differ.",
    "bad-amount": "A money cell that does not parse with the source's number format.",
    "bad-cell-number": "A numeric cell that does not parse with the source's number format.",
    "bad-cell-date": "A date cell that does not parse with the source's date format.",
    "excel-error-cell": "A spreadsheet cell holds an error value such as #N/A or #DIV/0!.",
    "cell-too-long": "A cell holds more than 32,767 characters, Excel's limit for one cell.",
    "duplicate-person": "Two roster rows have the same person id.",
    "unknown-manager": "A roster row's manager is nobody on the roster (the reporting tree would dangle).",
    "manager-cycle": "People in the roster report to each other in a circle.",
    "manager-conflict": "The rows that name an added person (add_people) give them two different managers.",
    "unknown-owner": "A deal's owner does not match any person on the roster.",
    "empty-export": "An export holds no data rows: a header and nothing under it, or an empty sheet.",
    "option-not-applicable": "A declared option that cannot apply: to the file (a sheet on a CSV, a delimiter on an XLSX, format: csv on a workbook) or to the source (add_people on deals).",
    "duplicate-deal": "Two rows of the deals export have the same key (deal id) and the source does not declare how duplicates resolve (or cannot tell which row is the latest).",
    "mangled-id": "An id a spreadsheet turned into a number: scientific notation (1.23457E+18), or digits lost past the 15th.",
    "blank-value": "A required cell is blank: a numeric cell (amount, count) whose source does not declare blank: zero, or a deal's key.",
    "formula-not-computed": "A spreadsheet cell holds a formula saved without its result (the workbook was never calculated).",
    "missing-manager": "A roster row has no manager and the roster does not declare manager_optional: true.",
    "unlisted-person": "A value that add_people does not list and that is nobody on the roster (warning, with the nearest name): it is not made a person.",
    "currency-mismatch": "A fact is in a currency other than the program's payout currency.",
    # computing
    "missing-target": "A person has no target (or a zero target) where attainment needs one.",
    "ladder-too-long": "A cohort's generated slab ladder would have more than 200 slabs (its step is too small for the cohort's range).",
    "no-target": "A derived target cannot be computed because nobody in its population has a value (warning: the person's line pays nothing and says why).",
    "filter-matches-nothing": "A measure's filter names a value that no row of the data has (warning: the measure is 0 for everyone).",
    "no-facts-in-period": "No row of a source that a program's measures read is dated in the run's period (unless --allow-empty).",
    "no-program-fits": "No program runs for the run's period: each is written for another kind of period, a fixed period, or a window outside it.",
    # runs
    "output-not-writable": "The output folder cannot be written.",
    "run-locked": "Another run holds the lock on the output folder.",
    "period-final": "The period's outputs are marked final; a new run needs --force and keeps the old outputs beside it.",
    "person-not-found": "The person asked for is not on the roster.",
    "ledger-unreadable": "The payout ledger file is not SQLite, or not a payout ledger.",
    "ledger-version": "The payout ledger was written by a newer incentive_cli than this one.",
    "fx-missing": "An amount in another currency has no FX rate in force on the day that converts it.",
    "ledger-stale": "The run being finalised was computed before an earlier period was finalised, so it misses what that period carries.",
}


class Severity:
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """Where something came from: a file plus either YAML line/column or sheet/row/column."""

    file: str = ""
    line: int | None = None  # 1-based (YAML line, or spreadsheet/CSV row)
    column: int | None = None  # 1-based
    sheet: str | None = None
    column_name: str | None = None  # spreadsheet header, or YAML key path
    end_column: int | None = None

    def render(self) -> str:
        parts = [self.file or "<input>"]
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self._is_table():
            loc = f"row {self.line}" if self.line is not None else ""
            if self.column is not None:
                loc += f", column {column_letter(self.column)}"
            if self.column_name:
                loc += f" ({self.column_name})"
            return ", ".join(p for p in [":".join(parts[:1]), *parts[1:], loc.strip(", ")] if p)
        text = parts[0]
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text

    def _is_table(self) -> bool:
        return self.sheet is not None or self.file.lower().endswith((".csv", ".xlsx", ".xlsm", ".tsv", ".txt"))


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA (spreadsheet column letters)."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    location: Location = field(default_factory=Location)
    hint: str = ""
    severity: str = Severity.ERROR
    value: str | None = None  # the offending value, as written

    def __post_init__(self) -> None:
        if self.code not in CODES:  # a programming error, not bad input
            raise ValueError(f"undeclared diagnostic code {self.code!r}")

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    def to_json(self) -> dict[str, object]:
        loc = self.location
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "value": self.value,
            "file": loc.file,
            "line": loc.line,
            "column": loc.column,
            "sheet": loc.sheet,
            "field": loc.column_name,
        }


def errors(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diags if d.is_error]


def promote_warnings(diags: Sequence[Diagnostic]) -> list[Diagnostic]:
    """--strict (for CI): every warning becomes an error, and says why."""
    from dataclasses import replace

    return [d if d.is_error else replace(d, severity=Severity.ERROR, hint=(d.hint + "; " if d.hint else "") + "an error under --strict") for d in diags]


def sort_key(d: Diagnostic) -> tuple[str, str, int, int, str]:
    loc = d.location
    return (loc.file, loc.sheet or "", loc.line or 0, loc.column or 0, d.code)


class InputRejected(Exception):
    """Raised by the API when inputs carry errors; holds every diagnostic found."""

    def __init__(self, diagnostics: Sequence[Diagnostic], sources: dict[str, list[str]] | None = None):
        super().__init__(f"{len(errors(diagnostics))} error(s) in the input")
        self.diagnostics = list(diagnostics)
        self.sources = sources or {}  # file -> lines, for excerpts under the messages


class OutputFailed(Exception):
    """Writing the outputs failed (disk full, permissions); nothing was moved into place."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class RunLocked(Exception):
    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic



# --- rendering --------------------------------------------------------------------------


def _excerpt(d: Diagnostic, source_lines: dict[str, list[str]] | None) -> list[str]:
    loc = d.location
    if not source_lines or loc.line is None or loc._is_table():
        return []
    lines = source_lines.get(loc.file)
    if not lines or not (1 <= loc.line <= len(lines)):
        return []
    out = []
    width = len(str(loc.line + 0))
    if loc.line - 1 >= 1:
        out.append(f"  {loc.line - 1:>{width}} | {lines[loc.line - 2]}")
    out.append(f"  {loc.line:>{width}} | {lines[loc.line - 1]}")
    if loc.column is not None:
        span = max(1, (loc.end_column or loc.column + 1) - loc.column)
        out.append(f"  {'':>{width}} | {' ' * (loc.column - 1)}{'^' * span}")
    return out


def render_text(diags: Sequence[Diagnostic], source_lines: dict[str, list[str]] | None = None) -> str:
    blocks = []
    for d in sorted(diags, key=sort_key):
        head = f"{d.location.render()}: {d.severity} [{d.code}] {d.message}"
        body = _excerpt(d, source_lines)
        if d.hint:
            body.append(f"  hint: {d.hint}")
        blocks.append("\n".join([head, *body]))
    return "\n".join(blocks)


def render_json(diags: Sequence[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in sorted(diags, key=sort_key)], indent=2, ensure_ascii=False)


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(diags: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands: ::error file=F,line=L,col=C,title=T::message"""
    out = []
    for d in sorted(diags, key=sort_key):
        loc = d.location
        props = [f"file={_gh_escape(loc.file, True)}"]
        if loc.line is not None:
            props.append(f"line={loc.line}")
        if loc.column is not None and not loc._is_table():
            props.append(f"col={loc.column}")
        props.append(f"title={_gh_escape(d.code, True)}")
        where = "" if not loc._is_table() else f"{loc.render()}: "
        msg = where + d.message + (f" Hint: {d.hint}" if d.hint else "")
        level = "error" if d.is_error else "warning"
        out.append(f"::{level} {','.join(props)}::{_gh_escape(msg)}")
    return "\n".join(out)


def summary_sentence(diags: Sequence[Diagnostic]) -> str:
    n_err = len(errors(diags))
    n_warn = len(diags) - n_err
    if not diags:
        return "No problems found."
    parts = []
    if n_err:
        parts.append(f"{n_err} error{'s' if n_err != 1 else ''}")
    if n_warn:
        parts.append(f"{n_warn} warning{'s' if n_warn != 1 else ''}")
    tail = " Nothing was written." if n_err else ""
    return " and ".join(parts) + "." + tail
