"""What every part of a program's reader shares: the checker that collects located
problems, and the small readers of eligibility and rounding."""

from __future__ import annotations

from typing import Any

from ..diagnostics import Diagnostic, Location
from ..engine.model import (
    Eligibility,
)
from ..money import Rounding
from ..spec import PObj


class Checker:
    def __init__(self, file: str):
        self.file = file
        self.diags: list[Diagnostic] = []

    def error(self, code: str, message: str, loc: Location, hint: str = "", value: str | None = None) -> None:
        self.diags.append(Diagnostic(code, message, loc, hint, value=value))


def known_names(kind: str, names: Any) -> str:
    names = sorted(names)
    return f"known {kind}: {', '.join(names)}" if names else f"declare it under {kind}:"


def read_eligibility(o: PObj | None) -> Eligibility:
    if not o:
        return Eligibility()
    lists = {k: tuple(x for x in (o.get(k) or []) if x is not None) for k in ("roles", "teams", "regions", "people", "exclude", "cohorts")}
    return Eligibility(**lists, on_last_day=bool(o.get("on_last_day")))


def read_rounding(o: PObj | None, default: Rounding) -> Rounding:
    if not o:
        return default
    return Rounding(places=o.get("places", default.places) if o.get("places") is not None else default.places, mode=o.get("mode") or default.mode, per=o.get("per") or default.per)
