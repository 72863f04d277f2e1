"""Program files -> :class:`Program` records plus diagnostics.

Three passes, each collecting every problem before the next: YAML nodes (syntax, duplicate
keys, alias bombs), the format (unknown and missing keys, types, numbers), then meaning
(references between measures, targets and components; tier tables; rules that must be
declared). Nothing raises for bad input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, Location
from ..engine.model import (
    Clawback,
    Holdback,
    Program,
    Season,
)
from ..formats import PROGRAM, PROGRAM_SCHEMA_VERSIONS, RENAMED_KEYS
from ..money import Rounding
from ..spec import PObj, Reader
from .checking import Checker, known_names, read_eligibility, read_rounding
from .program_components import Known, build_components
from .program_measures import build_cohorts, build_measures, build_targets
from .yaml_nodes import load_yaml


def _window(o: Any, path: str, ck: Checker, scaled: bool) -> Season | None:
    if not isinstance(o, PObj) or o.get("from") is None or o.get("to") is None or (scaled and o.get("scale") is None):
        return None
    a, b = o["from"], o["to"]
    bad = False
    for key, text in (("from", a), ("to", b)):
        try:
            dt.date.fromisoformat(text if len(text) == 10 else f"2000-{text}")
        except ValueError:
            ck.error("bad-window", f"{path}.{key}: {text!r} is not a real day", o.where(key), hint="write YYYY-MM-DD, or MM-DD for every year", value=text)
            bad = True
    if not bad and len(a) != len(b):
        ck.error("bad-window", f"{path}: 'from' and 'to' must both be full dates or both recur every year (MM-DD)", o.loc, hint="write 2017-11-15 and 2017-12-31, or 11-15 and 12-31")
        bad = True
    if not bad and len(a) == 10 and b < a:
        ck.error("bad-window", f"{path}: the window ends ({b}) before it starts ({a})", o.where("to"), hint="swap from and to")
        bad = True
    if bad:
        return None
    scale: Decimal = o["scale"] if scaled else Decimal(1)
    return Season(o.get("name") or f"{a} to {b}", a, b, scale, o.loc)


def parse_program(file: str, text: str) -> tuple[Program | None, list[Diagnostic]]:
    loaded = load_yaml(file, text)
    diags = list(loaded.diagnostics)
    if loaded.root is None:
        if not diags:
            diags.append(Diagnostic("missing-key", "the file is empty", Location(file, 1, 1), hint="start with schema_version: 1"))
        return None, diags
    reader = Reader(file, RENAMED_KEYS)
    doc = reader.read(loaded.root, PROGRAM, "")
    diags += reader.diagnostics
    if not isinstance(doc, PObj):
        return None, diags
    ck = Checker(file)
    sv = doc.get("schema_version")
    if sv is not None and sv not in PROGRAM_SCHEMA_VERSIONS:
        ck.error("schema-version", f"schema_version {sv} is not one this tool reads ({', '.join(map(str, PROGRAM_SCHEMA_VERSIONS))})", doc.where("schema_version"), hint="write schema_version: 1, or upgrade incentive_cli")
    stem = Path(file).stem
    effective = _effective_from(doc, ck)
    if doc.get("id") and doc["id"] != stem and not (effective is not None and stem == f"{doc['id']}@{effective.isoformat()}"):
        ck.error("program-id-mismatch", f"id {doc['id']!r} differs from the file name {stem!r}", doc.where("id"), hint=f"rename the file to {doc['id']}.yaml (a later version: {doc['id']}@<effective_from>.yaml) or set id: {stem}")
    rounding = read_rounding(doc.get("rounding"), Rounding())
    measures = build_measures(doc, ck)
    mnames = {m.name for m in measures}
    targets = build_targets(doc, ck, mnames)
    cohorts = build_cohorts(doc, ck, mnames)
    seasons = tuple(s for i, o in enumerate(doc.get("seasons") or []) if (s := _window(o, f"seasons[{i}]", ck, scaled=True)) is not None)
    active = _window(doc.get("active"), "active", ck, scaled=False)
    components = build_components(doc, ck, rounding, Known({m.name: m for m in measures}, {t.name for t in targets}, cohorts, doc.get("cohorts") is not None))
    clawback, holdback = _carried(doc, ck, {c.id for c in components})
    installments = _installments(doc, ck, {c.id for c in components})
    if doc.get("true_up") and (clawback or holdback or installments):
        key = "clawback" if clawback else "holdback" if holdback else "installments"
        ck.error("wrong-type", f"true_up cannot be combined with {key}", doc.where(key), hint="a true-up re-rates the year itself, so cancelled deals settle without clawbacks, and its year-to-date lines cannot be held back: keep one of them")
    if effective is not None and active is not None:
        ck.error("bad-window", "a program with effective_from cannot also have an active window", doc.where("active"), hint="express the change as versions (effective_from), or the window as active, not both")
    diags += ck.diags
    if any(d.is_error for d in diags):
        return None, diags
    program = Program(
        id=doc["id"], name=doc.get("name") or doc["id"], currency=doc["currency"], period=doc["period"],
        reference=doc.get("reference") or "previous", rounding=rounding, eligible=read_eligibility(doc.get("eligible")),
        measures=measures, targets=targets, components=components, version=doc.get("version") or "",
        file=file, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), source=doc.loc, cohorts=cohorts,
        required_fields=tuple(f for f in (doc.get("required_fields") or []) if f),
        required_source=doc.where("required_fields") if "required_fields" in doc else doc.loc,
        seasons=seasons, active=active, effective_from=effective, clawback=clawback, holdback=holdback, true_up=doc.get("true_up"),
        installments=installments, installment_components=tuple((doc.get("installments") or {}).get("components") or ()),
        fx=doc["fx"].get("convert_on") if isinstance(doc.get("fx"), PObj) else None,
    )
    return program, diags


def _effective_from(doc: PObj, ck: Checker) -> dt.date | None:
    text = doc.get("effective_from")
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        ck.error("bad-window", f"effective_from: {text!r} is not a real day", doc.where("effective_from"), hint="write the first day the version is in force, YYYY-MM-DD", value=text)
        return None


def _carried(doc: PObj, ck: Checker, components: set[str]) -> tuple[Clawback | None, Holdback | None]:
    """The clawback and holdback rules (issue 7), checked."""
    cb = doc.get("clawback")
    clawback = Clawback(int(cb["window_days"]), bool(cb.get("rerate", False)), cb.get("missing") or "clawback", Decimal(cb["share"]) if cb.get("share") is not None else Decimal(1)) if isinstance(cb, PObj) and cb.get("window_days") is not None else None
    hb = doc.get("holdback")
    if not isinstance(hb, PObj) or hb.get("share") is None or hb.get("until") is None:
        return clawback, None
    release_on = None
    if hb["until"] == "date":
        if (hb.get("release_on") is None) == (hb.get("after_days") is None):
            ck.error("missing-key", "holdback: until: date needs release_on or after_days (one of them)", hb.where("until"), hint="write release_on: 2026-12-31, or after_days: 60")
        elif hb.get("release_on") is not None:
            try:
                release_on = dt.date.fromisoformat(hb["release_on"])
            except ValueError:
                ck.error("bad-window", f"holdback.release_on: {hb['release_on']!r} is not a real day", hb.where("release_on"), hint="write YYYY-MM-DD", value=hb["release_on"])
    elif hb.get("release_on") is not None or hb.get("after_days") is not None:
        ck.error("wrong-type", "holdback: release_on and after_days belong to until: date", hb.where("release_on" if "release_on" in hb else "after_days"), hint="remove them, or write until: date")
    for i, cid in enumerate(hb.get("components") or []):
        if cid not in components:
            ck.error("bad-reference", f"holdback.components[{i}]: no component with id {cid!r}", hb["components"].locs[i], hint=known_names("components", components), value=cid)
    after = hb.get("after_days")
    return clawback, Holdback(hb["share"], hb["until"], release_on, None if after is None else int(after), tuple(hb.get("components") or ()))


def _installments(doc: PObj, ck: Checker, components: set[str]) -> tuple[tuple[Decimal, int], ...]:
    """The installment schedule, checked: shares that add up to 100%, periods in order."""
    inst = doc.get("installments")
    if not isinstance(inst, PObj):
        return ()
    plan = tuple((x["share"], int(x.get("after") or 0)) for x in (inst.get("schedule") or []) if isinstance(x, PObj) and x.get("share") is not None)
    total = sum((s for s, _ in plan), Decimal(0))
    if plan and total != 1:
        ck.error("bad-shares", f"installments.schedule: the shares add up to {total * 100:f}%, not 100%", inst.where("schedule"), hint="give the installments shares that add up to 100%")
    afters = [a for _, a in plan]
    if afters != sorted(afters) or len(set(afters)) != len(afters):
        ck.error("bad-tiers", "installments.schedule: each installment must come after the previous one (after: 0, 1, 2...)", inst.where("schedule"), hint="list the installments in the order they are paid, each in its own period")
    for i, cid in enumerate(inst.get("components") or []):
        if cid not in components:
            ck.error("bad-reference", f"installments.components[{i}]: no component with id {cid!r}", inst["components"].locs[i], hint=known_names("components", components), value=cid)
    return plan


def read_program_file(path: Path, display: str | None = None) -> tuple[Program | None, list[Diagnostic], str]:
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic("file-not-found", f"cannot read the program file: {exc.strerror}", Location(name), hint="check the path and its permissions")], ""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Diagnostic("file-unreadable", f"the program file is not UTF-8 text (byte {exc.start}, line {line})", Location(name, line), hint="save it as UTF-8 (in Excel or Notepad: Save As, encoding UTF-8)")], ""
    program, diags = parse_program(name, text)
    return program, diags, text


def program_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()) if path.is_dir() else []
