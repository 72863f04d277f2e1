"""A small declarative description of a YAML format, and the one reader that follows it.

The program format (``formats.PROGRAM``) and the sources format (``formats.SOURCES``) are
written once with these classes. From that single description we get:

* the typed reading of YAML nodes (:func:`read_node`), with a diagnostic for every unknown key
  (and the nearest valid one), missing key, wrong type, bad number and YAML 1.1 surprise,
  each pointing at the key path (``components[1].tiers[2].up_to``) and the line and column;
* the JSON Schema that ``incentive schema`` prints for editors (:func:`json_schema`);
* the program reference in the README (:func:`reference_rows`), which a test keeps true.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from .diagnostics import Diagnostic, Location, Severity
from .readers.yaml_nodes import node_location

# --- the description -------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    doc: str = field(default="", kw_only=True)

    def type_name(self) -> str:  # for messages and the README
        return "value"


@dataclass(frozen=True)
class Text(Spec):
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    pattern_hint: str = ""

    def type_name(self) -> str:
        return "one of " + ", ".join(self.choices) if self.choices else "text"


@dataclass(frozen=True)
class Number(Spec):
    integer: bool = False
    percent: bool = False  # "5%" accepted and read as 0.05
    minimum: Decimal | None = None
    money: bool = False
    maximum: Decimal | None = None

    def type_name(self) -> str:
        if self.integer:
            return "whole number"
        if self.percent:
            return "number or percentage"
        return "amount" if self.money else "number"


@dataclass(frozen=True)
class Bool(Spec):
    def type_name(self) -> str:
        return "true or false"


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec = field(default_factory=Spec)
    min_items: int = 0

    def type_name(self) -> str:
        return f"list of {self.item.type_name()}"


@dataclass(frozen=True)
class MapOf(Spec):
    """A mapping from names the user chooses (measure names, say) to values of one spec."""

    value: Spec = field(default_factory=Spec)
    key_pattern: str = r"[A-Za-z_][A-Za-z0-9_\-]*"

    def type_name(self) -> str:
        return f"mapping of name to {self.value.type_name()}"


@dataclass(frozen=True)
class Field:
    name: str
    spec: Spec
    required: bool = False
    doc: str = ""
    default: Any = None


@dataclass(frozen=True)
class Obj(Spec):
    title: str = ""
    fields: tuple[Field, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()  # each group: exactly one of these keys

    def type_name(self) -> str:
        return self.title or "mapping"

    def field_named(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


@dataclass(frozen=True)
class Either(Spec):
    """Chosen by the node's shape: a scalar, a list or a mapping."""

    scalar: Spec | None = None
    sequence: Spec | None = None
    mapping: Spec | None = None

    def type_name(self) -> str:
        names = [s.type_name() for s in (self.scalar, self.sequence, self.mapping) if s is not None]
        return " or ".join(names)


# --- what reading produces ---------------------------------------------------------------


class PObj(dict):  # type: ignore[type-arg]
    """A read mapping: a dict of values plus where each came from."""

    loc: Location
    locs: dict[str, Location]
    path: str

    def where(self, key: str) -> Location:
        return self.locs.get(key, self.loc)


class PList(list):  # type: ignore[type-arg]
    loc: Location
    locs: list[Location]
    path: str


def _mk_obj(loc: Location, path: str) -> PObj:
    o = PObj()
    o.loc, o.locs, o.path = loc, {}, path
    return o


def _mk_list(loc: Location, path: str) -> PList:
    lst = PList()
    lst.loc, lst.locs, lst.path = loc, [], path
    return lst


# --- reading -------------------------------------------------------------------------------

def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


NAME_LIKE = r"[A-Za-z_][A-Za-z0-9_\-]*"
_NUMBER = re.compile(r"[+-]?(0|[1-9]\d*)(\.\d+)?")
_TAG_BOOL = "tag:yaml.org,2002:bool"
_TAG_INT = "tag:yaml.org,2002:int"
_TAG_FLOAT = "tag:yaml.org,2002:float"
_TAG_NULL = "tag:yaml.org,2002:null"
_TAG_STR = "tag:yaml.org,2002:str"


def _yaml11_reading(node: yaml.ScalarNode) -> str | None:
    """What a YAML 1.1 reader (PyYAML, many editors) would make of a plain scalar that is
    not plain text, described for a message; None when it is ordinary."""
    if node.style is not None:
        return None
    raw = node.value
    if node.tag == _TAG_BOOL:
        return f"YAML 1.1 reads {raw} as {str(yaml.safe_load(raw)).lower()}"
    if node.tag in (_TAG_INT, _TAG_FLOAT):
        if ":" in raw:
            return f"YAML 1.1 reads {raw} as the base-60 number {yaml.safe_load(raw)}"
        if re.fullmatch(r"[+-]?0[0-7_]+", raw):
            return f"YAML 1.1 reads {raw} as the octal number {yaml.safe_load(raw)}"
        if re.fullmatch(r"[+-]?0x[0-9a-fA-F_]+|[+-]?0b[01_]+", raw):
            return f"YAML 1.1 reads {raw} as the number {yaml.safe_load(raw)}"
    return None


class Reader:
    def __init__(self, file: str, renamed: dict[str, str] | None = None):
        """``renamed``: keys an older format (or a habit) used, with what to write instead."""
        self.file = file
        self.renamed = renamed or {}
        self.diagnostics: list[Diagnostic] = []

    def loc(self, node: yaml.Node, path: str) -> Location:
        return node_location(self.file, node, path)

    def error(self, code: str, message: str, node: yaml.Node, path: str, hint: str = "", value: str | None = None, severity: str = Severity.ERROR) -> None:
        prefix = f"{path}: " if path else ""
        self.diagnostics.append(Diagnostic(code, prefix + message, self.loc(node, path), hint, severity, value))

    def read(self, node: yaml.Node, spec: Spec, path: str) -> Any:
        if isinstance(spec, Either):
            chosen = spec.scalar if isinstance(node, yaml.ScalarNode) else spec.sequence if isinstance(node, yaml.SequenceNode) else spec.mapping
            if chosen is None:
                self.error("wrong-type", f"expected {spec.type_name()}", node, path, hint=f"write {spec.type_name()} here")
                return None
            return self.read(node, chosen, path)
        if isinstance(spec, Obj):
            return self._read_obj(node, spec, path)
        if isinstance(spec, MapOf):
            return self._read_map(node, spec, path)
        if isinstance(spec, ListOf):
            return self._read_list(node, spec, path)
        if not isinstance(node, yaml.ScalarNode):
            self.error("wrong-type", f"expected {spec.type_name()}, found a {'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}", node, path, hint=f"write a single value ({spec.type_name()}) after the colon")
            return None
        if isinstance(spec, Number):
            return self._read_number(node, spec, path)
        if isinstance(spec, Bool):
            return self._read_bool(node, path)
        if isinstance(spec, Text):
            return self._read_text(node, spec, path)
        return node.value

    def _read_text(self, node: yaml.ScalarNode, spec: Text, path: str) -> str | None:
        raw = node.value
        if node.style is None and node.tag == _TAG_NULL:
            self.error("wrong-type", "expected text, found nothing", node, path, hint="write a value after the colon, or remove the key")
            return None
        surprise = _yaml11_reading(node)
        if spec.choices:
            if raw not in spec.choices:
                near = difflib.get_close_matches(raw, spec.choices, n=1)
                hint = f"did you mean {near[0]!r}? " if near else ""
                self.error("bad-choice", f"{raw!r} is not one of: {', '.join(spec.choices)}", node, path, hint=hint + f"allowed: {', '.join(spec.choices)}", value=raw)
                return None
        elif spec.pattern and not re.fullmatch(spec.pattern, raw):
            hint = spec.pattern_hint or ("names start with a letter and use letters, digits, _ and - (no spaces)" if spec.pattern == NAME_LIKE else f"a value matching {spec.pattern}")
            self.error("bad-choice", f"{raw!r} is not valid here", node, path, hint=hint, value=raw)
            return None
        if surprise:
            self.error("yaml-ambiguous-scalar", f"{raw!r} is read as text here, but {surprise}", node, path, hint=f'quote it ("{raw}") so every tool reads the same text', value=raw, severity=Severity.WARNING)
        return raw

    def _read_number(self, node: yaml.ScalarNode, spec: Number, path: str) -> Decimal | int | None:
        raw = node.value.strip()
        what = spec.type_name()
        surprise = _yaml11_reading(node)
        if surprise:
            self.error("bad-rate" if spec.percent else "bad-number", f"expected {_article(what)} {what}, found {raw!r} ({surprise})", node, path, hint="write the number itself, for example 0.05 or 5%" if spec.percent else "write the number itself without leading zeros, for example 12", value=raw)
            return None
        text = raw
        is_pct = False
        if spec.percent and text.endswith("%"):
            text, is_pct = text[:-1].strip(), True
        text_clean = text
        if not _NUMBER.fullmatch(text_clean):
            hint = "write digits with an optional decimal point, for example 1250.50"
            if "," in text_clean:
                hint = "write the number without thousands separators, for example 75000"
            elif spec.percent:
                hint = "write a fraction (0.05) or a percentage (5%)"
            code = "bad-rate" if spec.percent else "bad-number"
            self.error(code, f"expected {_article(what)} {what}, found {raw!r}", node, path, hint=hint, value=raw)
            return None
        value = Decimal(text_clean)
        if is_pct:
            value = value / 100
        if spec.integer and (value != value.to_integral_value() or is_pct):
            self.error("bad-number", f"expected a whole number, found {raw!r}", node, path, hint="write a whole number such as 2", value=raw)
            return None
        if spec.minimum is not None and value < spec.minimum:
            self.error("bad-number", f"must be at least {spec.minimum}, found {raw!r}", node, path, hint=f"use {spec.minimum} or more", value=raw)
            return None
        if spec.maximum is not None and value > spec.maximum:
            self.error("bad-number", f"must be at most {spec.maximum}, found {raw!r}", node, path, hint=f"use {spec.maximum} or less", value=raw)
            return None
        return int(value) if spec.integer else value

    def _read_bool(self, node: yaml.ScalarNode, path: str) -> bool | None:
        raw = node.value.strip()
        if raw in ("true", "false"):
            return raw == "true"
        self.error("wrong-type", f"expected true or false, found {raw!r}", node, path, hint="write true or false (yes/no/on/off mean different things to different YAML readers)", value=raw)
        return None

    def _read_list(self, node: yaml.Node, spec: ListOf, path: str) -> PList | None:
        if not isinstance(node, yaml.SequenceNode):
            self.error("wrong-type", f"expected a list ({spec.type_name()})", node, path, hint="start each item on its own line with '- '")
            return None
        out = _mk_list(self.loc(node, path), path)
        for i, item in enumerate(node.value):
            p = f"{path}[{i}]"
            out.append(self.read(item, spec.item, p))
            out.locs.append(self.loc(item, p))
        if len(out) < spec.min_items:
            self.error("wrong-type", f"needs at least {spec.min_items} item(s)", node, path, hint="add an item starting with '- '")
        return out

    def _read_map(self, node: yaml.Node, spec: MapOf, path: str) -> PObj | None:
        if not isinstance(node, yaml.MappingNode):
            self.error("wrong-type", f"expected a mapping ({spec.type_name()})", node, path, hint="write name: value pairs, each on its own indented line")
            return None
        out = _mk_obj(self.loc(node, path), path)
        for knode, vnode in node.value:
            key = str(knode.value)
            p = f"{path}.{key}" if path else key
            if not re.fullmatch(spec.key_pattern, key):
                self.error("bad-choice", f"{key!r} is not a valid name", knode, p, hint="names start with a letter and use letters, digits, _ and -", value=key)
                continue
            if key in out:
                continue  # duplicate already reported by the YAML loader
            out[key] = self.read(vnode, spec.value, p)
            out.locs[key] = self.loc(vnode, p)
        return out

    def _read_obj(self, node: yaml.Node, spec: Obj, path: str) -> PObj | None:
        if not isinstance(node, yaml.MappingNode):
            found = "a list" if isinstance(node, yaml.SequenceNode) else repr(getattr(node, "value", ""))
            self.error("wrong-type", f"expected a mapping ({spec.type_name()}), found {found}", node, path, hint="write key: value pairs indented under this key; see the program reference in the README")
            return None
        out = _mk_obj(self.loc(node, path), path)
        names = [f.name for f in spec.fields]
        for knode, vnode in node.value:
            key = str(knode.value)
            p = f"{path}.{key}" if path else key
            fspec = spec.field_named(key)
            if fspec is None:
                near = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
                hint = f"did you mean {near[0]!r}?" if near else f"valid keys here: {', '.join(names)}"
                if key in self.renamed:
                    hint = f"write {self.renamed[key]}"
                elif key.isdigit() and node.flow_style:
                    hint = "inside { } a comma separates entries, so a thousands separator splits the number: write 10000, not 10,000"
                self.error("unknown-key", f"unknown key {key!r}", knode, p, hint=hint, value=key)
                continue
            if key in out:
                continue
            out[key] = self.read(vnode, fspec.spec, p)
            out.locs[key] = self.loc(vnode, p)
        for f in spec.fields:
            if f.required and f.name not in out:
                self.error("missing-key", f"missing required key {f.name!r}", node, path, hint=f"add {f.name}: ({f.doc or f.spec.doc or f.spec.type_name()})")
        for group in spec.one_of:
            present = [k for k in group if k in out]
            if len(present) != 1:
                msg = f"needs exactly one of: {', '.join(group)}" + (f" (found {', '.join(present)})" if present else "")
                self.error("missing-key" if not present else "wrong-type", msg, node, path, hint=f"keep exactly one of {', '.join(group)}")
        for f in spec.fields:
            if f.name not in out and f.default is not None:
                out[f.name] = f.default
        return out


# --- JSON Schema ---------------------------------------------------------------------------


def json_schema(spec: Spec) -> dict[str, Any]:
    if isinstance(spec, Either):
        options = [json_schema(s) for s in (spec.scalar, spec.sequence, spec.mapping) if s is not None]
        return {"anyOf": options, **({"description": spec.doc} if spec.doc else {})}
    out: dict[str, Any] = {}
    if spec.doc:
        out["description"] = spec.doc
    if isinstance(spec, Obj):
        out.update(type="object", additionalProperties=False, properties={f.name: {**json_schema(f.spec), **({"description": f.doc} if f.doc else {})} for f in spec.fields})
        req = [f.name for f in spec.fields if f.required]
        if req:
            out["required"] = req
        if spec.title:
            out["title"] = spec.title
        if spec.one_of:
            out["allOf"] = [{"oneOf": [{"required": [k]} for k in g]} for g in spec.one_of]
    elif isinstance(spec, MapOf):
        out.update(type="object", propertyNames={"pattern": "^" + spec.key_pattern + "$"}, additionalProperties=json_schema(spec.value))
    elif isinstance(spec, ListOf):
        out.update(type="array", items=json_schema(spec.item))
        if spec.min_items:
            out["minItems"] = spec.min_items
    elif isinstance(spec, Number):
        bounds = {k: (int(v) if v == v.to_integral_value() else float(v)) for k, v in (("minimum", spec.minimum), ("maximum", spec.maximum)) if v is not None}
        if spec.integer:
            out.update(type="integer", **bounds)
        elif spec.percent:  # the bounds hold for the number; a percentage string is checked by the reader
            out["anyOf"] = [{"type": "number", **bounds}, {"type": "string", "pattern": r"^[+-]?\d+(\.\d+)?\s*%$"}]
        else:
            out.update(type="number", **bounds)
    elif isinstance(spec, Bool):
        out["type"] = "boolean"
    elif isinstance(spec, Text):
        out["type"] = "string"
        if spec.choices:
            out["enum"] = list(spec.choices)
        elif spec.pattern:
            out["pattern"] = "^(" + spec.pattern + ")$"
    return out


# --- reference rows for the README -----------------------------------------------------


def reference_rows(spec: Spec, path: str = "", seen: set[int] | None = None) -> list[tuple[str, str, bool, str]]:
    """(key path, type, required, meaning) for every key of the format, depth first."""
    rows: list[tuple[str, str, bool, str]] = []
    if isinstance(spec, Either):
        for s in (spec.scalar, spec.sequence, spec.mapping):
            if s is not None:
                rows += reference_rows(s, path, seen)
    elif isinstance(spec, Obj):
        for f in spec.fields:
            p = f"{path}.{f.name}" if path else f.name
            rows.append((p, f.spec.type_name(), f.required, f.doc or f.spec.doc))
            rows += reference_rows(f.spec, p, seen)
    elif isinstance(spec, MapOf):
        rows += reference_rows(spec.value, f"{path}.<name>", seen)
    elif isinstance(spec, ListOf):
        rows += reference_rows(spec.item, f"{path}[]", seen)
    return rows

