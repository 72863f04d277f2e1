"""``sources.yaml`` (in the data folder) -> a :class:`DataSet`: the roster and fact tables,
typed, with owners matched to roster people, and control totals for the run record.

Every problem in every file is collected before anything is computed."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..diagnostics import Diagnostic, Location
from ..engine.data import Adjustment, DataSet, Draw, FactTable, Person, SplitRow, norm_name
from ..engine.fx import FxTable
from ..engine.hierarchy import cycles
from ..engine.periods import Period
from ..formats import (
    DEFAULT_DATE_FIELD,
    REQUIRED_FIELDS,
    SOURCES,
    SOURCES_SCHEMA_VERSIONS,
    TABLE_OPTIONS,
    default_type,
)
from ..spec import PList, PObj, Reader
from .cells import (
    ColumnErrors,
    blank_overlong_cells,
    decimal_from_units,
    parse_dates,
    parse_money,
    parse_text,
    raw_value,
    to_arrow_text,
)
from .identity import check_mangled_ids, key_fields, resolve_duplicates
from .profiles import PLAIN, PROFILES, REPORT_HINT, Profile, apply_values, is_report_label
from .table import EXCEL_ERRORS, ExcelError, RawTable, ReadOptions, read_table
from .yaml_nodes import load_yaml

SOURCES_FILE = "sources.yaml"
NUMBER_PLACES = 6  # decimals kept for non-money numbers (counts, scores)
PERSON_FIELDS = ("person_id", "name", "role", "team", "manager", "region", "currency")


def _profile(spec: PObj) -> Profile:
    return PROFILES.get(spec.get("profile") or "plain", PLAIN)


def _columns(spec: PObj | None, profile: Profile = PLAIN, table: str = "") -> tuple[dict[str, list[str]], dict[str, str], set[str], frozenset[str]]:
    """field -> header aliases, field -> type, optional fields, and the fields whose aliases
    come from the profile (an order of preference, so never ambiguous)."""
    wanted: dict[str, list[str]] = {}
    types: dict[str, str] = {}
    optional: set[str] = set()
    declared: dict[str, Any] = dict(spec or {})
    ranked: set[str] = set()
    if table == "deals":
        for fld, aliases in profile.columns.items():
            if fld not in declared:
                wanted[fld] = list(aliases)
                types[fld] = default_type(fld)
                ranked.add(fld)
                if fld not in profile.required:
                    optional.add(fld)
    for fld, col in declared.items():
        if col is None:
            continue
        if isinstance(col, str):
            wanted[fld] = [col]
        elif isinstance(col, PList):
            wanted[fld] = [c for c in col if c]
        elif isinstance(col, PObj):
            h = col.get("header")
            wanted[fld] = [h] if isinstance(h, str) else [c for c in (h or []) if c]
            if col.get("type"):
                types[fld] = col["type"]
            if col.get("required") is False:
                optional.add(fld)
        types.setdefault(fld, default_type(fld))
    return wanted, types, optional, frozenset(ranked)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_sources_file(data_dir: Path) -> tuple[PObj | None, list[Diagnostic], str]:
    path = data_dir / SOURCES_FILE
    display = str(path)
    if not path.is_file():
        return None, [Diagnostic("file-not-found", f"no {SOURCES_FILE} in the data folder", Location(display), hint=f"create {display} declaring roster, deals and activities (see README, 'Sources')")], ""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [Diagnostic("file-unreadable", f"{SOURCES_FILE} is not UTF-8 text (byte {exc.start})", Location(display), hint="save it as UTF-8")], ""
    except OSError as exc:
        return None, [Diagnostic("file-not-found", f"{SOURCES_FILE} cannot be read: {exc.strerror}", Location(display), hint="check its permissions")], ""
    loaded = load_yaml(display, text)
    diags = list(loaded.diagnostics)
    if loaded.root is None:
        return None, diags, text
    reader = Reader(display)
    doc = reader.read(loaded.root, SOURCES, "")
    diags += reader.diagnostics
    if isinstance(doc, PObj) and doc.get("schema_version") not in (None, *SOURCES_SCHEMA_VERSIONS):
        diags.append(Diagnostic("schema-version", f"schema_version {doc['schema_version']} is not one this tool reads", doc.where("schema_version"), hint="write schema_version: 1"))
    for table, spec in (doc or {}).items():
        if table not in REQUIRED_FIELDS or not isinstance(spec, PObj):
            continue
        diags += _check_table_options(table, spec)
        profile = _profile(spec)
        supplied = set(profile.columns) if table == "deals" else set()
        if "columns" not in spec and not supplied:
            why = "" if profile is PLAIN else f" (the {profile.name} profile names deal columns only)"
            diags.append(Diagnostic("missing-key", f"{table}: missing required key 'columns'{why}", spec.loc, hint="add columns: {field: header in the file, ...}, or a profile: for a deals source"))
            continue
        if isinstance(spec.get("columns"), PObj) or supplied:
            for fld in REQUIRED_FIELDS[table]:
                if fld not in (spec.get("columns") or {}) and fld not in supplied:
                    diags.append(Diagnostic("missing-key", f"{table}.columns: the {table} source must map {fld!r}", spec.where("columns"), hint=f"add {fld}: <header in the file>"))
    return (doc if isinstance(doc, PObj) else None), diags, text


def _check_table_options(table: str, spec: PObj) -> list[Diagnostic]:
    """Options declared on a source they cannot apply to (add_people on deals, key on the
    roster), and the deals key, order and blank declarations against the mapped columns."""
    out = []
    for option, tables in TABLE_OPTIONS.items():
        if option in spec and table not in tables:
            out.append(Diagnostic("option-not-applicable", f"{table}: {option} applies to {' and '.join(tables)} only", spec.where(option), hint=f"remove {option}: from the {table} source, or move it to the source it is meant for", value=option))
    if table != "deals" or any(d.value in ("key", "duplicates", "order") for d in out):
        return out
    mapped = set(spec.get("columns") or {}) | set(_profile(spec).columns)
    key = spec.get("key")
    for fld in [key] if isinstance(key, str) else list(key or []):
        if fld not in mapped:
            out.append(Diagnostic("bad-reference", f"deals: key names {fld!r}, which is not among the mapped columns", spec.where("key"), hint=f"map {fld}: <header> under columns, or name a mapped field (mapped: {', '.join(sorted(mapped))})", value=str(fld)))
    rule, order = spec.get("duplicates"), spec.get("order")
    if rule == "last" and not order:
        out.append(Diagnostic("missing-key", "deals: duplicates: last needs order: the field whose highest value marks the row kept", spec.where("duplicates"), hint="add order: <a mapped last-modified date or number>, for example order: modified_on"))
    if order and rule != "last":
        out.append(Diagnostic("option-not-applicable", "deals: order applies only with duplicates: last", spec.where("order"), hint="add duplicates: last, or remove order:", value="order"))
    if order and order not in mapped:
        out.append(Diagnostic("bad-reference", f"deals: order names {order!r}, which is not among the mapped columns", spec.where("order"), hint=f"map {order}: <header> under columns", value=order))
    if key is None and "deal_id" not in mapped and rule is not None:
        out.append(Diagnostic("missing-key", "deals: duplicates needs a key: map deal_id, or declare key:", spec.where("duplicates"), hint="add deal_id: <header> under columns, or key: <the fields that identify a deal>"))
    return out


def _fast_types(spec: PObj, types: dict[str, str]) -> dict[str, Any]:
    """Fields pyarrow may convert while parsing: ISO dates, whose conversion is exactly as
    strict as ours. (Amounts are not: pyarrow would also take 1e5 and .5, which the declared
    number format refuses, so amounts always go through the cell parser.)"""
    import pyarrow as pa

    if (spec.get("date_format") or "%Y-%m-%d") != "%Y-%m-%d":
        return {}
    return {fld: pa.date32() for fld, t in types.items() if t == "date"}


def _read_raw(data_dir: Path, spec: PObj, wanted: dict[str, list[str]], optional: set[str], types: dict[str, str], ranked: frozenset[str] = frozenset()) -> tuple[RawTable | None, list[Diagnostic], int, Path]:
    path = data_dir / spec["file"]
    display = str(path)
    profile = _profile(spec)
    opts = ReadOptions(
        fmt=spec.get("format") or "auto", sheet=spec.get("sheet"), encoding=spec.get("encoding") or "auto",
        delimiter=spec.get("delimiter") or profile.delimiter, header_row=spec.get("header_row"), profile=profile,
        ranked=ranked, hidden_rows=spec.get("hidden_rows") or "error", fast_types=_fast_types(spec, types),
        declared=tuple((k, spec[k], spec.where(k)) for k in ("format", "sheet", "hidden_rows", "delimiter", "encoding") if spec.get(k) is not None),
    )
    raw, diags, epoch = read_table(path, display, wanted, optional, opts)
    return raw, diags, epoch, path


def _typed_columns(raw: RawTable, types: dict[str, str], spec: PObj, epoch: int, diags: list[Diagnostic]) -> tuple[dict[str, Any], dict[str, int]]:
    cols: dict[str, Any] = {}
    scales: dict[str, int] = {}
    profile = _profile(spec)
    nf = {**profile.number_format, **dict(spec.get("number_format") or {})}
    places = spec.get("amount_places")
    places = 2 if places is None else int(places)
    date_fmt = spec.get("date_format") or profile.date_format or "%Y-%m-%d"
    for fld in raw.columns:
        t = types.get(fld, "text")
        blank_overlong_cells(raw, fld, diags)
        if t == "money":
            units, blank = parse_money(raw, fld, places, nf, diags)
            cols[fld] = pd.array(np.where(blank, 0, units), dtype="Int64")
            cols[fld][blank] = pd.NA
            scales[fld] = places
        elif t == "number":
            units, blank = parse_money(raw, fld, NUMBER_PLACES, nf, diags, what="number")
            cols[fld] = pd.array(units, dtype="Int64")
            cols[fld][blank] = pd.NA
            scales[fld] = NUMBER_PLACES
        elif t == "date":
            cols[fld] = parse_dates(raw, fld, date_fmt, epoch, diags)
        else:
            cols[fld] = parse_text(raw, fld, diags)
    return cols, scales


def _as_lists(cols: dict[str, Any], scales: dict[str, int]) -> dict[str, list[Any]]:
    """Roster columns as lists of Python values: Decimal for numbers, date for dates, str for
    text, None for blanks. A few objects per person, fast to index."""
    out: dict[str, list[Any]] = {}
    for fld, col in cols.items():
        if isinstance(col, np.ndarray):  # dates
            out[fld] = [None if np.isnat(v) else v.astype(object) for v in col]
        elif fld in scales:
            out[fld] = [None if v is pd.NA else decimal_from_units(int(v), scales[fld]) for v in pd.Series(col).astype(object).tolist()]
        else:
            out[fld] = [None if v is pd.NA else v for v in pd.Series(col).astype(object).tolist()]
    return out


def _records(cols: dict[str, list[Any]]) -> list[dict[str, Any]]:
    fields = list(cols)
    return [dict(zip(fields, values, strict=True)) for values in zip(*cols.values(), strict=True)]


def _input_record(path: Path, raw: RawTable, table: str, cols: dict[str, Any], scales: dict[str, int], spec: PObj | None = None, value_notes: dict[str, Any] | None = None) -> dict[str, Any]:
    sums = {}
    for fld, sc in scales.items():
        total = int(pd.Series(cols[fld]).sum(skipna=True))
        sums[fld] = format(decimal_from_units(total, sc).normalize() if sc == NUMBER_PLACES else decimal_from_units(total, sc), "f")
    record: dict[str, Any] = {"table": table, "file": path.name, "path": str(path), "sha256": _sha256(path), "sheet": raw.sheet, "header_row": raw.header_row, "rows": raw.n_rows, "sums": sums}
    profile = _profile(spec) if spec is not None else PLAIN
    if profile is not PLAIN:
        record["profile"] = profile.name
    record.update(raw.notes)
    record.update(value_notes or {})
    if raw.ignored:
        record["ignored_rows"] = raw.ignored
    return record


def _read_roster(data_dir: Path, spec: PObj, diags: list[Diagnostic], inputs: list[dict[str, Any]]) -> tuple[dict[str, Person], dict[str, str]]:
    wanted, types, optional, ranked = _columns(spec.get("columns"), _profile(spec), "roster")
    raw, d, epoch, path = _read_raw(data_dir, spec, wanted, optional, types, ranked)
    diags += d
    if raw is None:
        return {}, types
    if raw.n_rows == 0:
        diags.append(_header_only(raw))
        return {}, types
    cols, scales = _typed_columns(raw, types, spec, epoch, diags)
    value_notes = apply_values(_profile(spec), spec.get("recode"), cols)
    inputs.append(_input_record(path, raw, "roster", cols, scales, spec, value_notes))
    defaults = dict(spec.get("defaults") or {})
    joins: list[tuple[RawTable, list[dict[str, Any]], dict[str, int], dict[str, str]]] = []
    for j in spec.get("join") or []:
        if not isinstance(j, PObj):
            continue
        jw, jt, jo, _ = _columns(j.get("columns"))
        if "person_id" not in jw:
            diags.append(Diagnostic("missing-key", "roster.join: a joined file must map person_id", j.loc, hint="add person_id: <header>"))
            continue
        jraw, jd, jepoch, jpath = _read_raw(data_dir, j, jw, jo, jt)
        diags += jd
        if jraw is None:
            continue
        jcols, jscales = _typed_columns(jraw, jt, j, jepoch, diags)
        inputs.append(_input_record(jpath, jraw, "roster.join", jcols, jscales))
        joins.append((jraw, _records(_as_lists(jcols, jscales)), jscales, jt))
        types.update({k: v for k, v in jt.items() if k != "person_id"})
    people: dict[str, Person] = {}
    first_row: dict[str, int] = {}

    for i, rec in enumerate(_records(_as_lists(cols, scales))):
        pid = rec.get("person_id") or ""
        if not pid:
            diags.append(Diagnostic("missing-column", "a roster row has no person id", raw.location("person_id", i), hint="every person needs an id (or a name used as id)"))
            continue
        if pid in people:
            diags.append(Diagnostic("duplicate-person", f"person id {pid!r} appears twice (first on row {first_row[pid]})", raw.location("person_id", i), hint="one row per person", value=pid))
            continue
        first_row[pid] = raw.row_of(i)
        for k, v in defaults.items():
            if rec.get(k) in (None, ""):
                rec[k] = v
        attrs = {k: v for k, v in rec.items() if k not in PERSON_FIELDS}
        people[pid] = Person(
            id=pid, name=rec.get("name") or pid, role=rec.get("role") or "", team=rec.get("team") or "", manager=rec.get("manager") or "",
            region=rec.get("region") or "", currency=rec.get("currency") or "", hire_date=attrs.pop("hire_date", None), end_date=attrs.pop("end_date", None),
            attrs=tuple(sorted(attrs.items())), source=raw.location("person_id", i),
        )
    for jraw, jrecs, _, _ in joins:
        seen: set[str] = set()
        for i, jrec in enumerate(jrecs):
            pid = jrec.get("person_id") or ""
            if pid not in people:
                diags.append(Diagnostic("bad-reference", f"person id {pid!r} is not on the roster", jraw.location("person_id", i), hint="add the person to the roster, or remove the row", value=pid))
                continue
            if pid in seen:
                diags.append(Diagnostic("duplicate-person", f"person id {pid!r} appears twice in this file", jraw.location("person_id", i), hint="one row per person", value=pid))
                continue
            seen.add(pid)
            extra = {f: v for f, v in jrec.items() if f != "person_id" and f not in PERSON_FIELDS}
            p = people[pid]
            merged = dict(p.attrs)
            merged.update(extra)
            fields = {f: v for f, v in jrec.items() if f in PERSON_FIELDS and f not in ("person_id", "name") and v not in (None, "")}  # a joined role (team...) replaces the roster's
            people[pid] = replace(p, attrs=tuple(sorted(merged.items())), **fields)
    if "manager" in raw.columns and not spec.get("manager_optional"):
        for p in people.values():  # after the joins, which may fill a manager
            if not p.manager:
                diags.append(Diagnostic("missing-manager", f"{p.name} ({p.id}) has no manager", _field_cell(raw, p), hint="fill in the manager (their person id or name); if this person is the top of the reporting tree, declare manager_optional: true for the roster in sources.yaml", value=p.id))
    _add_people(spec, people, defaults, raw, diags)
    _resolve_managers(spec, people, raw, diags)
    return people, types


def _header_only(raw: RawTable) -> Diagnostic:
    """A roster with its header and not one person: named as empty, never read as a roster
    of nobody (which would report every deal's owner as unknown instead)."""
    where = f"the sheet {raw.sheet!r}" if raw.sheet else "the file"
    return Diagnostic("empty-export", f"{where} has a header (row {raw.header_row}) but no data rows: an empty roster export", Location(raw.file, raw.header_row, None, raw.sheet), hint="export the roster again: a run needs the people it pays")


def _add_people(spec: PObj, people: dict[str, Person], defaults: dict[str, str], raw: RawTable, diags: list[Diagnostic]) -> None:
    """The people add_people lists by name, named only in a column (managers, regional
    offices), become people; any other value that is nobody on the roster is named in a
    warning with the nearest name, never made a person (a typo would be paid)."""
    names = {p.name for p in people.values()}
    for add in spec.get("add_people") or []:
        if not isinstance(add, PObj) or not add.get("from") or not add.get("role"):
            continue
        src, via = add["from"], add.get("manager_from")
        values = sorted({v for p in people.values() if isinstance(v := p.attr(src), str) and v and v not in people and v not in names})
        listed = add.get("names")
        if listed is None:
            shown = ", ".join(values[:20]) + (f" (and {len(values) - 20} more)" if len(values) > 20 else "")
            diags.append(Diagnostic("missing-key", f"roster.add_people: the entry for {src} must list the people it adds (names:)", add.loc, hint=f"add names: [...] with the {src} values that are people; the {src} column holds, besides people on the roster: {shown or 'nothing'}"))
        wanted_names = set(values) if listed is None else {str(n).strip() for n in listed if n}  # unlisted: refused above, read as before so nothing else cascades
        _warn_unlisted(spec, add, src, values, wanted_names, names, people, raw, diags)
        added: dict[str, tuple[str, Person]] = {}  # id -> (manager value, the first row naming them)
        for p in list(people.values()):
            value = p.attr(src)
            if not isinstance(value, str) or not value or value in people and value not in added or value in names and value not in added:
                continue
            if value not in wanted_names:
                continue
            boss = (p.attr(via) or "") if via else ""
            if value in added and added[value][0] != boss:
                first = added[value][1]
                diags.append(Diagnostic("manager-conflict", f"{value!r} ({src}) reports to {boss!r} on this row but to {added[value][0]!r} on row {first.source.line}", p.source, hint=f"make {via} the same on every row that names {value!r}", value=value))
                continue
            if value not in added:
                added[value] = (boss, p)
                people[value] = Person(id=value, name=value, role=add["role"], manager=boss if boss != value else "", region=p.region if src != "region" else value, currency=defaults.get("currency", ""), source=p.source)
        names |= set(added)


def _warn_unlisted(spec: PObj, add: PObj, src: str, values: list[str], listed: set[str], names: set[str], people: dict[str, Person], raw: RawTable, diags: list[Diagnostic]) -> None:
    """A warning for each value of the column that add_people does not list and that is
    nobody on the roster, with the nearest name (a manager left unknown is refused by the
    manager check instead, so it is not said twice); and one for each listed name no row
    holds."""
    refused_later = src == "manager" and spec.get("unknown_managers") != "allow"
    candidates = sorted(listed | names)
    for value in values:
        if value in listed or refused_later:
            continue
        first = next(p for p in people.values() if p.attr(src) == value)
        near = difflib.get_close_matches(value, candidates, n=1, cutoff=0.6)
        hint = f"did you mean {near[0]!r}? Fix the cell" if near else "fix the cell"
        diags.append(Diagnostic("unlisted-person", f"{value!r} ({src}) is nobody on the roster and not among the people add_people lists, so it is not made a person", _field_cell(raw, first, src), hint=f"{hint}, or add {value!r} to names: under add_people in sources.yaml", severity="warning", value=value))
    for name in sorted(listed - set(values) - names):
        diags.append(Diagnostic("unlisted-person", f"add_people lists {name!r}, but no row's {src} holds it: nobody is added", add.where("names"), hint=f"remove {name!r} from names:, or check its spelling against the {src} column", severity="warning", value=name))


def _resolve_managers(spec: PObj, people: dict[str, Person], raw: RawTable, diags: list[Diagnostic]) -> None:
    """Each manager value becomes the manager's person id (an id first, else a unique name);
    a manager who is nobody, and people who report to each other in a circle, are errors."""
    by_name: dict[str, list[str]] = {}
    for pid, p in people.items():
        by_name.setdefault(norm_name(p.name), []).append(pid)
    allow = spec.get("unknown_managers") == "allow"
    for pid, p in list(people.items()):
        if not p.manager or p.manager in people:
            continue
        ids = by_name.get(norm_name(p.manager), [])
        if len(ids) == 1:
            people[pid] = replace(p, manager=ids[0])
        elif not allow:
            why = f"two people are named {p.manager!r}" if ids else f"{p.manager!r} is nobody on the roster"
            near = [] if ids else difflib.get_close_matches(p.manager, sorted({q.name for q in people.values()} | set(people)), n=1, cutoff=0.6)
            mean = f"did you mean {near[0]!r}? Otherwise " if near else ""
            diags.append(Diagnostic("unknown-manager", f"{p.name} ({pid}) reports to {p.manager!r}, but {why}", _field_cell(raw, p), hint=f"{mean}add the manager to the roster (or to names: under add_people), write their person id, or set unknown_managers: allow to keep managers outside the tree", value=p.manager))
    parent = {pid: p.manager for pid, p in people.items() if p.manager in people}
    for loop in cycles(parent):
        first = people[loop[0]]
        chain = " -> ".join(f"{people[q].name} ({q})" for q in [*loop, loop[0]])
        diags.append(Diagnostic("manager-cycle", f"people report to each other in a circle: {chain}", _field_cell(raw, first), hint="fix the manager column so the chain ends at someone who reports to nobody", value=loop[0]))


def _field_cell(raw: RawTable, p: Person, fld: str = "manager") -> Location:
    """The person's cell of a roster field (their row, the field's column)."""
    if fld not in raw.columns:
        return p.source
    return replace(p.source, column=raw.col_index.get(fld), column_name=raw.headers.get(fld, fld))


def _read_facts(data_dir: Path, table: str, spec: PObj, people: dict[str, Person], diags: list[Diagnostic], inputs: list[dict[str, Any]], unmatched: list[dict[str, Any]], roster_ok: bool = True) -> FactTable | None:
    wanted, types, optional, ranked = _columns(spec.get("columns"), _profile(spec), table)
    date_field = spec.get("date") or DEFAULT_DATE_FIELD[table]
    if date_field not in wanted:
        diags.append(Diagnostic("missing-key", f"{table}: the date field {date_field!r} is not among the declared columns", spec.where("columns") if isinstance(spec, PObj) else Location(), hint=f"map {date_field}: <header>, or set date: <field>"))
        return None
    raw, d, epoch, path = _read_raw(data_dir, spec, wanted, optional, types, ranked)
    diags += d
    if raw is None:
        return None
    for fld in raw.columns:
        types.setdefault(fld, default_type(fld))  # fields a profile derived (currency)
    cols, scales = _typed_columns(raw, types, spec, epoch, diags)
    value_notes = apply_values(_profile(spec), spec.get("recode"), cols)
    owner_codes, owners = pd.factorize(pd.Series(cols["owner"]), use_na_sentinel=False)
    report = _formatted_report(raw, owner_codes, owners)
    if report is not None:  # a report laid out for reading: its other errors would only be noise
        diags.append(report)
        return None
    value_notes.update(_blank_numbers(raw, cols, types, optional, spec, diags))
    frame = pd.DataFrame(cols)
    frame["_i"] = np.arange(raw.n_rows, dtype=np.int64)
    key = key_fields(spec, wanted) if table == "deals" else []
    if key and all(k in frame.columns for k in key):
        mangled = np.zeros(len(frame), dtype=bool)
        for k in key:
            if types.get(k, "text") == "text":
                mangled |= check_mangled_ids(raw, k, frame[k], diags)
        frame, note = resolve_duplicates(raw, frame, spec, key, diags, mangled)
        value_notes.update(note)
    inputs.append(_input_record(path, raw, table, cols, scales, spec, value_notes))
    # owners -> roster ids (by id, by name, or either)
    how = spec.get("owner_match") or "id_or_name"
    by_id = {pid: pid for pid in people} if how in ("id", "id_or_name") else {}
    by_name = {norm_name(p.name): pid for pid, p in people.items()} if how in ("name", "id_or_name") else {}
    codes = owner_codes[frame["_i"].to_numpy()] if len(frame) != raw.n_rows else owner_codes
    matched = [by_id.get(str(o)) or by_name.get(norm_name(str(o))) for o in owners]
    frame["_person"] = pd.array(matched, dtype="string").take(codes)
    code_of = {pid: k for k, pid in enumerate(sorted(people))}
    frame["_pcode"] = np.array([code_of.get(pid, -1) if pid is not None else -1 for pid in matched], dtype=np.int32)[codes]
    missing = frame["_person"].isna().to_numpy().copy()
    if missing.any():  # an error cell (#N/A, a formula without its result) is refused as such, not as an owner
        missing &= ~to_arrow_text(raw.columns["owner"])[1][frame["_i"].to_numpy()]
    if missing.any():
        # a roster that could not be read already says so: its owners are not reported one by one
        severity_error = (spec.get("unknown_owners") or "error") == "error" and roster_ok
        for owner, grp in frame[missing].groupby(frame["owner"][missing].astype(str), sort=True):
            first = int(grp["_i"].iloc[0])
            rec = {"table": table, "owner": owner, "rows": len(grp), "first_row": raw.row_of(first)}
            unmatched.append(rec)
            label = "blank owner" if owner in ("", "<NA>") else f"owner {owner!r}"
            if severity_error:
                diags.append(Diagnostic("unknown-owner", f"{label} matches nobody on the roster ({len(grp)} row(s); first shown)", raw.location("owner", first), hint="add the person to the roster (or fix the name), or set unknown_owners: report for this source", value=owner))
    row_of = raw.row_of
    if len(frame) != raw.n_rows:  # rows dropped (duplicates: last): the engine indexes by position
        kept = frame["_i"].to_numpy().copy()
        frame["_i"] = np.arange(len(frame), dtype=np.int64)

        def row_of(i: int) -> int:
            return raw.row_of(int(kept[i]))

    return FactTable(table, str(path), frame, date_field, types, scales, row_of, currency=None, header_row=raw.header_row, sheet=raw.sheet)


def _blank_numbers(raw: RawTable, cols: dict[str, Any], types: dict[str, str], optional: set[str], spec: PObj, diags: list[Diagnostic]) -> dict[str, Any]:
    """A blank cell in a required numeric column of a fact source (an amount, a count) is an
    error at the cell, unless the source declares blank: {field: zero}: then it is read as 0
    and run.json (and every statement) says so, with how many cells it read. An error cell
    or a formula without its result is refused as such, never as a blank."""
    declared = dict(spec.get("blank") or {})
    notes: dict[str, Any] = {}
    for fld, choice in declared.items():
        if types.get(fld) not in ("money", "number"):
            what = "not a column of this source" if fld not in types else f"a {types[fld]} column"
            diags.append(Diagnostic("option-not-applicable", f"blank: {{{fld}: {choice}}} is declared, but {fld} is {what}: blank applies to numeric columns (money, number)", spec.where("blank"), hint="name a mapped amount or number field under blank:, or remove it", value="blank"))
    for fld, col in cols.items():
        if types.get(fld) not in ("money", "number") or (fld in optional and fld not in declared):
            continue
        na = np.asarray(pd.isna(col), dtype=bool)
        if declared.get(fld) == "zero":
            col[na] = 0
            notes.setdefault("blank", {})[fld] = {"read_as": "0", "cells": int(na.sum()), "declared": "blank: zero"}
            continue
        if not na.any():
            continue
        ce = ColumnErrors(raw, fld, diags, summary_code="blank-value")
        for i in np.flatnonzero(na).tolist():
            v = raw_value(raw, fld, i)
            if isinstance(v, ExcelError) or (isinstance(v, str) and v.strip() in EXCEL_ERRORS):
                continue  # refused as an error cell
            ce.add("blank-value", i, "", f"the {fld} is blank: the row would count as a fact but add nothing", f"fill in the {fld} in the CRM and export again; if a blank {fld} means 0 here (open deals with no value yet), declare blank: {{{fld}: zero}} for this source in sources.yaml")
        ce.close()
    return notes


def _formatted_report(raw: RawTable, codes: np.ndarray, owners: Any) -> Diagnostic | None:
    """A plain export whose owner column holds a formatted report's labels (Subtotal, Grand
    Total, 'Ana Lima (3)'), or whose rows without an owner hold one elsewhere: refused as a
    report, with how to export the rows alone. The labels are looked for among the distinct
    owners, so a clean export costs nothing."""
    blank_code = None
    for k, owner in enumerate(owners):
        text = "" if owner is None or owner is pd.NA else str(owner)
        if not text:
            blank_code = k
        elif is_report_label(text):
            first = int(np.flatnonzero(codes == k)[0])
            return Diagnostic("formatted-report", f"the owner cell holds {text!r}: this file is a formatted report (groups, subtotals, totals), not a plain export of rows", raw.location("owner", first), hint=REPORT_HINT, value=text)
    if blank_code is None:
        return None
    for i in np.flatnonzero(codes == blank_code)[:1000].tolist():
        for fld in raw.columns:
            text = raw_value(raw, fld, i)
            if isinstance(text, str) and text.strip() and is_report_label(text):
                return Diagnostic("formatted-report", f"a row with no owner holds {text.strip()!r}: this file is a formatted report (groups, subtotals, totals), not a plain export of rows", raw.location(fld, i), hint=REPORT_HINT, value=text.strip())
    return None


def read_dataset(data_dir: Path) -> tuple[DataSet | None, list[Diagnostic]]:
    spec, diags, _ = read_sources_file(data_dir)
    if spec is None or any(d.is_error for d in diags):
        return None, diags
    inputs: list[dict[str, Any]] = []
    unmatched: list[dict[str, Any]] = []
    before = sum(d.is_error for d in diags)
    people, roster_types = _read_roster(data_dir, spec["roster"], diags, inputs)
    roster_ok = sum(d.is_error for d in diags) == before
    tables: dict[str, FactTable] = {}
    for name in ("deals", "activities"):
        if isinstance(spec.get(name), PObj):
            ft = _read_facts(data_dir, name, spec[name], people, diags, inputs, unmatched, roster_ok)
            if ft is not None:
                tables[name] = ft
    splits = _read_splits(data_dir, spec["splits"], people, diags, inputs) if isinstance(spec.get("splits"), PObj) else None
    choices = _read_choices(data_dir, spec["choices"], people, diags, inputs) if isinstance(spec.get("choices"), PObj) else None
    leave = _read_leave(data_dir, spec["leave"], people, diags, inputs) if isinstance(spec.get("leave"), PObj) else {}
    adjustments = _read_adjustments(data_dir, spec["adjustments"], people, diags, inputs) if isinstance(spec.get("adjustments"), PObj) else []
    draws = _read_draws(data_dir, spec["draws"], people, diags, inputs) if isinstance(spec.get("draws"), PObj) else []
    invoices = _read_invoices(data_dir, spec["invoices"], diags, inputs) if isinstance(spec.get("invoices"), PObj) else None
    fx = _read_fx(data_dir, spec["fx"], diags, inputs) if isinstance(spec.get("fx"), PObj) else None
    if any(d.is_error for d in diags):
        return None, diags
    return DataSet(people, roster_types, tables, inputs, unmatched, splits, choices, leave, adjustments, draws, invoices, fx), diags


def _read_fx(data_dir: Path, spec: PObj, diags: list[Diagnostic], inputs: list[dict[str, Any]]) -> FxTable:
    """The FX rates by pair, oldest first; a rate must be above zero, and a pair has one
    rate per day."""
    pairs: dict[tuple[str, str], list[tuple[Any, Decimal, Location]]] = {}
    for raw, i, rec in _listing_records(data_dir, "fx", spec, diags, inputs):
        if rec["rate"] <= 0:
            diags.append(Diagnostic("bad-amount", f"an FX rate of {rec['rate'].normalize():f} is not above zero", raw.location("rate", i), hint="write how many payout-currency units one unit of the currency buys", value=str(rec["rate"])))
            continue
        key = (str(rec["currency"]).strip().upper(), str(rec["payout_currency"]).strip().upper())
        rate = rec["rate"].normalize()
        rows = pairs.setdefault(key, [])
        clash = next((r for r in rows if r[0] == rec["effective_from"]), None)
        if clash is not None and clash[1] != rate:
            diags.append(Diagnostic("bad-shares", f"{key[0]} to {key[1]} has two rates from {rec['effective_from']}: {clash[1]:f} and {rate:f}", raw.location("rate", i), hint="keep one rate per pair and day", value=f"{rate:f}"))
            continue
        if clash is None:
            rows.append((rec["effective_from"], rate, raw.location("rate", i)))
    return FxTable({k: sorted(v, key=lambda r: r[0]) for k, v in pairs.items()})


DRAW_KINDS = {"recoverable": "recoverable", "guarantee": "guarantee", "non-recoverable": "guarantee", "nonrecoverable": "guarantee"}


def _read_draws(data_dir: Path, spec: PObj, people: dict[str, Person], diags: list[Diagnostic], inputs: list[dict[str, Any]]) -> list[Draw]:
    """Every draw, checked: a known type, an amount above zero, from before to, a share of
    0-100 %, a currency (the row's or the person's), and no two draws of a person at once."""
    out: list[Draw] = []
    for raw, i, rec, pid in _listing_rows(data_dir, "draws", spec, people, diags, inputs):
        kind = DRAW_KINDS.get(str(rec["type"]).strip().lower())
        bad = len(diags)
        if kind is None:
            diags.append(Diagnostic("bad-choice", f"{rec['type']!r} is not a draw type", raw.location("type", i), hint="write recoverable (an advance, recovered from later earnings) or guarantee (a minimum, never recovered)", value=str(rec["type"])))
        if rec["amount"] <= 0:
            diags.append(Diagnostic("bad-amount", f"a draw of {rec['amount']} is not above zero", raw.location("amount", i), hint="write the amount paid per period", value=str(rec["amount"])))
        if rec["to"] < rec["from"]:
            diags.append(Diagnostic("bad-window", f"the draw ends ({rec['to']}) before it starts ({rec['from']})", raw.location("to", i), hint="swap from and to"))
        share = Decimal(100) if rec.get("recovery_share") is None else rec["recovery_share"]
        if not 0 <= share <= 100:
            diags.append(Diagnostic("bad-shares", f"a recovery share of {share} is not between 0 and 100", raw.location("recovery_share", i), hint="write the percentage of each period's earnings recovered, e.g. 50", value=str(share)))
        currency = (rec.get("currency") or people[pid].currency or "").upper()
        if not currency:
            diags.append(Diagnostic("missing-column", f"the draw for {people[pid].name} has no currency, and neither has the person on the roster", raw.location("person", i), hint="add a currency column to the draws, or a currency to the roster"))
        for other in out:
            if other.person == pid and other.start <= rec["to"] and rec["from"] <= other.end:
                diags.append(Diagnostic("bad-window", f"{people[pid].name} has two draws at once ({other.start} to {other.end} and {rec['from']} to {rec['to']})", raw.location("from", i), hint="end one draw before the next starts"))
        if len(diags) > bad:
            continue
        assert kind is not None
        out.append(Draw(pid, kind, rec["amount"], rec["from"], rec["to"], share / 100, rec.get("cap"), currency, raw.location("amount", i)))
    return out


def _read_invoices(data_dir: Path, spec: PObj, diags: list[Diagnostic], inputs: list[dict[str, Any]]) -> dict[str, Any]:
    """deal id -> the day its invoice was paid (None: not yet); a deal listed twice keeps the
    latest day."""
    out: dict[str, Any] = {}
    for _, _, rec in _listing_records(data_dir, "invoices", spec, diags, inputs):
        deal, day = str(rec["deal_id"]), rec.get("paid_on") or None
        if deal not in out or (day is not None and (out[deal] is None or day > out[deal])):
            out[deal] = day
    return out


def _read_adjustments(data_dir: Path, spec: PObj, people: dict[str, Person], diags: list[Diagnostic], inputs: list[dict[str, Any]]) -> list[Adjustment]:
    """Every adjustment, checked: a real period, an amount within the declared ceiling, a
    currency (the row's or the person's)."""
    ceiling = spec.get("ceiling")
    if ceiling is None:
        diags.append(Diagnostic("missing-key", "adjustments: missing required key 'ceiling'", spec.loc, hint="declare the largest amount one adjustment may have, e.g. ceiling: 5000"))
        return []
    out = []
    for raw, i, rec, pid in _listing_rows(data_dir, "adjustments", spec, people, diags, inputs):
        try:
            label = Period.parse(rec["period"]).label
        except ValueError:
            diags.append(Diagnostic("bad-cell-date", f"{rec['period']!r} is not a period", raw.location("period", i), hint="write the period it is paid in: 2026-10, 2026-Q2 or 2026", value=rec["period"]))
            continue
        amount = rec["amount"]
        if abs(amount) > ceiling:
            diags.append(Diagnostic("adjustment-over-ceiling", f"the adjustment of {amount:,} for {people[pid].name} is above the ceiling of {ceiling:,}", raw.location("amount", i), hint="split it into approved adjustments within the ceiling, or raise the ceiling in sources.yaml", value=str(amount)))
            continue
        currency = (rec.get("currency") or people[pid].currency or "").upper()
        if people[pid].currency and currency != people[pid].currency.upper():
            diags.append(Diagnostic("currency-mismatch", f"the adjustment for {people[pid].name} is in {currency}, but they are paid in {people[pid].currency}", raw.location("currency", i), hint="write the adjustment in the person's currency (the ceiling is in it too)", value=currency))
            continue
        if not currency:
            diags.append(Diagnostic("missing-column", f"the adjustment for {people[pid].name} has no currency, and neither has the person on the roster", raw.location("person", i), hint="add a currency column to the adjustments, or a currency to the roster"))
            continue
        out.append(Adjustment(pid, label, amount, currency, rec["reason"], rec["approver"], rec.get("corrects") or "", raw.location("amount", i)))
    return out


LISTINGS = {  # table: (what a row is, how to fix a blank); REQUIRED_FIELDS says what every row needs
    "leave": ("a leave row", "every leave row names the person and its first and last day"),
    "choices": ("a goal choice", "every choice names the person, the goal and the day it was made"),
    "splits": ("a split row", "every split row names the deal, the role and the person"),
    "adjustments": ("an adjustment", "every adjustment names the person, the period, the amount, the reason and who approved it"),
    "draws": ("a draw", "every draw names the person, its type, the amount per period and its first and last day"),
    "invoices": ("an invoice row", "every invoice row names its deal"),
    "fx": ("an FX row", "every FX row names the currency, the payout currency, the rate and the day it is in force from"),
}


def _listing_records(data_dir: Path, table: str, spec: PObj, diags: list[Diagnostic], inputs: list[dict[str, Any]]) -> Iterator[tuple[RawTable, int, dict[str, Any]]]:
    """(table, row index, record) for each row of a listing that fills every required
    field; a blank one becomes a located diagnostic."""
    raw, records = _read_listing(data_dir, table, spec, diags, inputs)
    what, fix = LISTINGS[table]
    for i, rec in enumerate(records):
        assert raw is not None
        blank = next((f for f in REQUIRED_FIELDS[table] if rec.get(f) in (None, "")), None)
        if blank is not None:
            diags.append(Diagnostic("missing-column", f"{what} has no {blank}", raw.location(blank, i), hint=fix))
            continue
        yield raw, i, rec


def _listing_rows(data_dir: Path, table: str, spec: PObj, people: dict[str, Person], diags: list[Diagnostic], inputs: list[dict[str, Any]]) -> Iterator[tuple[RawTable, int, dict[str, Any], str]]:
    """(table, row index, record, person id) for each row of a listing that fills every
    required field and names a person on the roster; the others become located
    diagnostics."""
    what = LISTINGS[table][0]
    match = _person_matcher(people)
    for raw, i, rec in _listing_records(data_dir, table, spec, diags, inputs):
        pid = match(rec["person"])
        if pid is None:
            diags.append(Diagnostic("unknown-owner", f"{what} names {rec['person']!r}, who matches nobody on the roster", raw.location("person", i), hint="write the person's roster id or name", value=rec["person"]))
            continue
        yield raw, i, rec, pid


def _read_leave(data_dir: Path, spec: PObj, people: dict[str, Person], diags: list[Diagnostic], inputs: list[dict[str, Any]]) -> dict[str, list[tuple[Any, Any]]]:
    out: dict[str, list[tuple[Any, Any]]] = {}
    for raw, i, rec, pid in _listing_rows(data_dir, "leave", spec, people, diags, inputs):
        a, b = rec["from"], rec["to"]
        if b < a:
            diags.append(Diagnostic("bad-window", f"the leave ends ({b}) before it starts ({a})", raw.location("to", i), hint="swap from and to"))
            continue
        out.setdefault(pid, []).append((a, b))
    return out


def _read_choices(data_dir: Path, spec: PObj, people: dict[str, Person], diags: list[Diagnostic], inputs: list[dict[str, Any]]) -> dict[str, list[tuple[Any, str, Location]]]:
    """person id -> [(chosen on, goal, where)], oldest first (ties: file order)."""
    out: dict[str, list[tuple[Any, str, Location]]] = {}
    for raw, i, rec, pid in _listing_rows(data_dir, "choices", spec, people, diags, inputs):
        out.setdefault(pid, []).append((rec["chosen_on"], rec["goal"], raw.location("goal", i)))
    for rows in out.values():
        rows.sort(key=lambda x: x[0])
    return out


def _read_listing(data_dir: Path, table: str, spec: PObj, diags: list[Diagnostic], inputs: list[dict[str, Any]]) -> tuple[RawTable | None, list[dict[str, Any]]]:
    """A small source read into one record per row (the splits, choices and leave listings)."""
    wanted, types, optional, ranked = _columns(spec.get("columns"), _profile(spec), table)
    raw, d, epoch, path = _read_raw(data_dir, spec, wanted, optional, types, ranked)
    diags += d
    if raw is None:
        return None, []
    cols, scales = _typed_columns(raw, types, spec, epoch, diags)
    inputs.append(_input_record(path, raw, table, cols, scales, spec))
    return raw, _records(_as_lists(cols, scales))


def _person_matcher(people: dict[str, Person]) -> Any:
    by_name = {norm_name(p.name): pid for pid, p in people.items()}
    return lambda text: text if text in people else by_name.get(norm_name(text))


def _read_splits(data_dir: Path, spec: PObj, people: dict[str, Person], diags: list[Diagnostic], inputs: list[dict[str, Any]]) -> dict[str, list[SplitRow]]:
    """deal id -> [(role, person, share, where)]. A person must be on the roster; where a
    deal's rows give shares, every row of the deal gives one and they add up to 100."""
    out: dict[str, list[SplitRow]] = {}
    rows_of: dict[str, list[int]] = {}
    for raw, i, rec, pid in _listing_rows(data_dir, "splits", spec, people, diags, inputs):
        deal, role = rec["deal_id"], rec["role"]
        share = rec.get("share")
        out.setdefault(deal, []).append(SplitRow(role, pid, None if share is None else share / 100, raw.location("share" if "share" in raw.columns else "person", i)))
        rows_of.setdefault(deal, []).append(raw.row_of(i))
    for deal, parts in out.items():
        given = [p.share for p in parts if p.share is not None]
        if not given:
            continue
        rows = ", ".join(str(r) for r in rows_of[deal])
        if len(given) != len(parts):
            diags.append(Diagnostic("bad-shares", f"deal {deal!r}: some split rows give a share and some do not (rows {rows})", parts[0].source, hint="give every row of the deal a share, or none (then the program's role shares apply)", value=deal))
        elif sum(given) != 1:
            diags.append(Diagnostic("bad-shares", f"deal {deal!r}: the split shares add up to {(sum(given) * 100).normalize():f}, not 100 (rows {rows})", parts[0].source, hint="make the shares of every deal add up to 100", value=deal))
    return out

