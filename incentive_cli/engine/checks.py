"""Checks of a program against the data it will run on: every table, field and roster column
a program names must exist with a usable type. Pure: returns diagnostics located in the
program's YAML."""

from __future__ import annotations

from ..diagnostics import Diagnostic, Severity
from .data import DataSet
from .model import Program


def check_program_data(program: Program, data: DataSet) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    if program.holdback is not None and program.holdback.until == "invoice_paid" and data.invoices is None:
        diags.append(Diagnostic("bad-reference", "holdback.until: invoice_paid, but the data has no invoices source", program.source, hint="declare invoices (deal_id, paid_on) in sources.yaml, or hold until a date", value="invoices"))
    if program.clawback is not None and "deals" in data.tables and "deal_id" not in data.tables["deals"].frame.columns:
        diags.append(Diagnostic("bad-reference", "clawback needs each deal's id, but the deals source has no deal_id", program.source, hint="map deal_id under deals.columns in sources.yaml", value="deal_id"))
    for m in program.measures:
        if m.kind not in ("sum", "count", "distinct"):
            continue
        table = m.table or "deals"
        ft = data.tables.get(table)
        if ft is None:
            diags.append(Diagnostic("bad-reference", f"measures.{m.name}.from: the data has no {table!r} source", m.source, hint=f"declare {table} in sources.yaml", value=table))
            continue
        known = sorted(c for c in ft.frame.columns if not c.startswith("_"))
        fields = [f.field for f in m.filters]
        if m.field and m.field != "rows":
            fields.append(m.field)
        if m.date_field:
            fields.append(m.date_field)
        for fld in fields:
            if fld not in ft.frame.columns:
                diags.append(Diagnostic("bad-reference", f"measures.{m.name}: the {table} source has no field {fld!r}", m.source, hint=f"map it under {table}.columns in sources.yaml; fields now: {', '.join(known)}", value=fld))
        if m.kind == "sum" and m.field in ft.types and ft.types[m.field] not in ("money", "number"):
            diags.append(Diagnostic("bad-reference", f"measures.{m.name}.sum: field {m.field!r} is {ft.types[m.field]}, not a number", m.source, hint=f"declare {m.field} with type: money (or number) in sources.yaml"))
        if m.date_field and ft.types.get(m.date_field) != "date" and m.date_field in ft.frame.columns:
            diags.append(Diagnostic("bad-reference", f"measures.{m.name}.date: field {m.date_field!r} is not a date", m.source, hint="declare it with type: date"))
        for f in m.filters:
            if f.op in ("equals", "in") and ft.types.get(f.field, "text") == "text" and f.field in ft.frame.columns:
                present = set(ft.frame[f.field].dropna().astype(str).unique().tolist())
                wanted = [f.value] if f.op == "equals" else list(f.value)
                missing = [v for v in wanted if v not in present]
                if missing and len(missing) == len(wanted):
                    shown = ", ".join(repr(v) for v in sorted(present)[:12]) + (" ..." if len(present) > 12 else "")
                    diags.append(Diagnostic("filter-matches-nothing", f"measures.{m.name}.where.{f.field}: no row of {table} has {f.field} {' or '.join(repr(v) for v in missing)}, so {m.name} is 0 for everyone", f.source, hint=f"values in the data: {shown}", severity=Severity.WARNING, value=str(missing[0])))
            if f.op in ("at_least", "above", "at_most", "below") and ft.types.get(f.field) not in ("money", "number"):
                diags.append(Diagnostic("bad-reference", f"measures.{m.name}.where.{f.field}: {f.op} needs a numeric field", f.source, hint=f"declare {f.field} with type: money or number"))
    for t in program.targets:
        if t.kind == "roster" and t.column:
            if t.column not in data.roster_types:
                diags.append(Diagnostic("bad-reference", f"targets.{t.name}.roster: the roster has no column {t.column!r}", t.source, hint="map it under roster.columns (or a roster.join file) in sources.yaml", value=t.column))
            elif data.roster_types[t.column] not in ("money", "number"):
                diags.append(Diagnostic("bad-reference", f"targets.{t.name}.roster: roster column {t.column!r} is text, not a number", t.source, hint=f"declare {t.column} with type: money or number"))
    for c in program.components:
        col = c.participants.roster if c.participants else None
        if col:
            if col not in data.roster_types:
                diags.append(Diagnostic("bad-reference", f"components.{c.id}.participants.roster: the roster has no column {col!r}", c.source, hint="join the PIP list (person_id and the start date) to the roster under roster.join in sources.yaml", value=col))
            elif data.roster_types[col] != "date":
                diags.append(Diagnostic("bad-reference", f"components.{c.id}.participants.roster: roster column {col!r} is {data.roster_types[col]}, not a date", c.source, hint=f"declare {col} with type: date"))
        if c.type == "split":
            deals = data.tables.get("deals")
            for r in c.roles:
                if r.field and r.field != "owner" and deals is not None and r.field not in deals.frame.columns:
                    diags.append(Diagnostic("bad-reference", f"components.{c.id}.roles: the deals source has no field {r.field!r} (who held {r.role})", c.source, hint=f"map {r.field} under deals.columns in sources.yaml", value=r.field))
                if not r.field and data.splits is None:
                    diags.append(Diagnostic("bad-reference", f"components.{c.id}.roles: {r.role} has no field, and the data has no splits source to say who held it", c.source, hint="give the role a field (a deal column), or declare splits: in sources.yaml", value=r.role))
    deals = data.tables.get("deals")
    for fld in program.required_fields:
        if deals is not None and fld not in deals.frame.columns:
            diags.append(Diagnostic("bad-reference", f"required_fields: the deals source has no field {fld!r}", program.required_source, hint=f"map {fld} under deals.columns in sources.yaml (required: false if the export may lack it)", value=fld))
    return diags
