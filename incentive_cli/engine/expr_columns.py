"""Expressions (engine/expr.py) over whole fact columns held as integers at a scale
(computed fields), exact: integer sums and products at the scales they need, each quotient
rounded half away from zero to DIVISION_PLACES decimals, then the result rounded once to the
places it keeps; a zero divisor or a blank input marks the row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .expr import Call, Name, Neg, Node, Num


@dataclass(frozen=True)
class Col:
    """A column as integers at a scale (value = units / 10**scale); ``bad`` marks rows whose
    value is undefined (a blank input, a zero divisor)."""

    units: np.ndarray
    scale: int
    bad: np.ndarray


DIVISION_PLACES = 10  # an intermediate quotient keeps this many decimals (the result is rounded once more to its own)


def columns(node: Node, cols: dict[str, Col], n: int) -> Col:
    """The expression over whole columns, exact: integer sums and products at the scales
    they need, each quotient rounded half up to DIVISION_PLACES decimals."""
    if isinstance(node, Num):
        exp = node.value.as_tuple().exponent
        scale = max(0, -exp) if isinstance(exp, int) else 0
        return Col(_int(np.full(n, int(node.value.scaleb(scale)), dtype=object)), scale, np.zeros(n, dtype=bool))
    if isinstance(node, Name):
        return cols[node.name]
    if isinstance(node, Neg):
        c = columns(node.arg, cols, n)
        return Col(-c.units, c.scale, c.bad)
    if isinstance(node, Call):
        args = [columns(a, cols, n) for a in node.args]
        if node.fn == "abs":
            return Col(np.abs(args[0].units), args[0].scale, args[0].bad)
        scale = max(a.scale for a in args)
        aligned = np.stack([_at(a, scale) for a in args])
        pick = aligned.min(axis=0) if node.fn == "min" else aligned.max(axis=0)
        return Col(pick, scale, np.logical_or.reduce([a.bad for a in args]))
    a, b = columns(node.left, cols, n), columns(node.right, cols, n)
    bad = a.bad | b.bad
    if node.op in "+-":
        scale = max(a.scale, b.scale)
        units = _at(a, scale) + _at(b, scale) if node.op == "+" else _at(a, scale) - _at(b, scale)
        return Col(units, scale, bad)
    if node.op == "*":
        return Col(_mul(a.units, b.units), a.scale + b.scale, bad)
    zero = np.asarray(b.units == 0, dtype=bool)
    divisor = np.where(zero, 1, b.units)
    # a / b at DIVISION_PLACES: a * 10**(P + sb - sa) / b, rounded half up (away from zero)
    shift = DIVISION_PLACES + b.scale - a.scale
    top = _at(Col(a.units, 0, a.bad), max(shift, 0))
    bottom = divisor if shift >= 0 else _obj(divisor) * 10**-shift
    return Col(_round_div(top, bottom), DIVISION_PLACES, bad | zero)


def rounded(c: Col, places: int) -> np.ndarray:
    """A column at ``places`` decimals (rounded half away from zero), as int64 where it fits."""
    if c.scale <= places:
        return _int(_at(c, places))
    return _int(_round_div(c.units, np.full(len(c.units), 10 ** (c.scale - places), dtype=object)))


SAFE = 2**62


def _big(a: np.ndarray) -> int:
    if not len(a):
        return 0
    return int(np.abs(a).max()) if a.dtype != object else max(abs(int(x)) for x in a)


def _obj(a: np.ndarray) -> np.ndarray:
    return a if a.dtype == object else a.astype(object)


def _int(a: np.ndarray) -> np.ndarray:
    """int64 when every value fits comfortably, else Python integers."""
    return a.astype(np.int64) if a.dtype == object and _big(a) < SAFE else a


def _at(c: Col, scale: int) -> np.ndarray:
    k = 10 ** (scale - c.scale)
    if c.units.dtype != object and _big(c.units) * k < SAFE:
        return c.units.astype(np.int64) * k
    return _obj(c.units) * k


def _mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype != object and b.dtype != object and _big(a) * max(_big(b), 1) < SAFE:
        return a.astype(np.int64) * b.astype(np.int64)
    return _obj(a) * _obj(b)


def _round_div(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """top / bottom rounded half away from zero: vectorised in int64 where it fits."""
    top, bottom = _int(top), _int(bottom)
    if top.dtype != object and bottom.dtype != object and _big(top) * 2 + _big(bottom) < SAFE:
        sign = np.where((top < 0) != (bottom < 0), -1, 1)
        at, ab = np.abs(top), np.abs(bottom)
        return sign * ((2 * at + ab) // (2 * ab))
    out = []
    for t, b in zip(top.tolist(), bottom.tolist(), strict=True):
        q, r = divmod(abs(int(t)), abs(int(b)))
        out.append((-1 if (t < 0) != (b < 0) else 1) * (q + (1 if 2 * r >= abs(int(b)) else 0)))
    return np.array(out, dtype=object)
