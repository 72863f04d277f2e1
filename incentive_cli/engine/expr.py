"""A small, safe expression language for computed values: ``amount - cost``,
``(amount - cost) / amount``, ``max(0, revenue / plan - 1) * 100``. Pure; nothing is ever
passed to ``eval``.

Grammar: numbers (``1000``, ``0.05``, ``5%``), names (a field of the facts or a measure of
the program), ``+ - * /``, parentheses, unary minus, and the functions ``min(a, b, ...)``,
``max(a, b, ...)`` and ``abs(a)``. ``parse`` returns the tree or a ``Bad`` with the column
of the first problem, so a reader can point at it.

Two evaluations: ``decimal`` here, for one value per person (measures; exact Decimals), and
``expr_columns.columns`` for whole fact columns held as integers at a scale (computed
fields). This module imports no numpy, so ``validate`` stays light.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Union

Node = Union["Num", "Name", "Op", "Call", "Neg"]
FUNCTIONS = ("min", "max", "abs")


@dataclass(frozen=True)
class Num:
    value: Decimal


@dataclass(frozen=True)
class Name:
    name: str
    column: int


@dataclass(frozen=True)
class Neg:
    arg: Node


@dataclass(frozen=True)
class Op:
    op: str
    left: Node
    right: Node
    column: int


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Bad:
    """Why a text is not an expression, and at which column (1-based) of it."""

    message: str
    column: int


_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?%?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/(),]))")


def parse(text: str) -> Node | Bad:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            col = pos + len(text[pos:]) - len(text[pos:].lstrip()) + 1
            return Bad(f"unexpected {text[col - 1]!r}", col)
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind), m.start(kind) + 1))
        pos = m.end()
    if not tokens:
        return Bad("the expression is empty", 1)
    p = _Parser(tokens, len(text) + 1)
    try:
        node = p.expr()
        if p.i < len(tokens):
            raise _Stop(f"unexpected {tokens[p.i][1]!r}", tokens[p.i][2])
        return node
    except _Stop as stop:
        return Bad(stop.message, stop.column)


class _Stop(Exception):
    def __init__(self, message: str, column: int):
        self.message, self.column = message, column


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]], end: int):
        self.tokens, self.i, self.end = tokens, 0, end

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        t = self.peek()
        if t is None:
            raise _Stop("the expression ends too early" + (f" (expected {value!r})" if value else ""), self.end)
        if value is not None and t[1] != value:
            raise _Stop(f"expected {value!r}, found {t[1]!r}", t[2])
        self.i += 1
        return t

    def expr(self) -> Node:
        node = self.term()
        while (t := self.peek()) is not None and t[1] in "+-" and t[0] == "op":
            self.i += 1
            node = Op(t[1], node, self.term(), t[2])
        return node

    def term(self) -> Node:
        node = self.unary()
        while (t := self.peek()) is not None and t[1] in "*/" and t[0] == "op":
            self.i += 1
            node = Op(t[1], node, self.unary(), t[2])
        return node

    def unary(self) -> Node:
        t = self.peek()
        if t is not None and t[1] == "-":
            self.i += 1
            return Neg(self.unary())
        return self.atom()

    def atom(self) -> Node:
        kind, value, col = self.take()
        if kind == "num":
            return Num(Decimal(value[:-1]) / 100 if value.endswith("%") else Decimal(value))
        if kind == "name":
            nxt = self.peek()
            if nxt is not None and nxt[1] == "(":
                if value not in FUNCTIONS:
                    raise _Stop(f"unknown function {value!r} (the functions are {', '.join(FUNCTIONS)})", col)
                self.take("(")
                args = [self.expr()]
                while (t := self.peek()) is not None and t[1] == ",":
                    self.i += 1
                    args.append(self.expr())
                self.take(")")
                if value == "abs" and len(args) != 1:
                    raise _Stop("abs takes one value", col)
                if value in ("min", "max") and len(args) < 2:
                    raise _Stop(f"{value} takes two values or more", col)
                return Call(value, tuple(args))
            return Name(value, col)
        if value == "(":
            node = self.expr()
            self.take(")")
            return node
        raise _Stop(f"unexpected {value!r}", col)


def names(node: Node) -> list[Name]:
    """Every name the expression reads, in order."""
    if isinstance(node, Name):
        return [node]
    if isinstance(node, Op):
        return names(node.left) + names(node.right)
    if isinstance(node, Neg):
        return names(node.arg)
    if isinstance(node, Call):
        return [n for a in node.args for n in names(a)]
    return []


def decimal(node: Node, env: dict[str, Decimal]) -> Decimal | None:
    """The value for one person (None where a division by zero leaves it undefined)."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        return env[node.name]
    if isinstance(node, Neg):
        v = decimal(node.arg, env)
        return None if v is None else -v
    if isinstance(node, Call):
        vals = [decimal(a, env) for a in node.args]
        if any(v is None for v in vals):
            return None
        known = [v for v in vals if v is not None]
        return abs(known[0]) if node.fn == "abs" else (min(known) if node.fn == "min" else max(known))
    a, b = decimal(node.left, env), decimal(node.right, env)
    if a is None or b is None:
        return None
    if node.op == "+":
        return a + b
    if node.op == "-":
        return a - b
    if node.op == "*":
        return a * b
    return None if b == 0 else a / b
