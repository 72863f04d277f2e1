"""Currency conversion (issue 7): the FX table's rates, each in force from its
effective_from until the next one of its pair. A program that declares ``fx`` converts every
amount in another currency into its payout currency at the rate in force on the row's date
(a deal's close date) or on the period's last day, exactly: the converted amount keeps every
decimal (amount x rate) until its payout line is rounded once.

>>> import datetime as dt
>>> from decimal import Decimal
>>> table = FxTable({("EUR", "USD"): [(dt.date(2026, 1, 1), Decimal("1.08"), None), (dt.date(2026, 2, 1), Decimal("1.10"), None)]})
>>> table.rate("EUR", "USD", dt.date(2026, 1, 31))
Decimal('1.08')
>>> table.rate("EUR", "USD", dt.date(2026, 2, 1))
Decimal('1.10')
>>> table.rate("EUR", "USD", dt.date(2025, 12, 31)) is None
True
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..diagnostics import Diagnostic, Location


@dataclass
class FxTable:
    """(currency, payout currency) -> [(effective from, rate, where)], oldest first; a rate
    is payout-currency units for one unit of the currency."""

    pairs: dict[tuple[str, str], list[tuple[dt.date, Decimal, Any]]]

    def rate(self, currency: str, payout: str, day: dt.date) -> Decimal | None:
        if currency == payout:
            return Decimal(1)
        rows = self.pairs.get((currency, payout))
        if not rows:
            return None
        k = bisect.bisect_right([r[0] for r in rows], day)
        return rows[k - 1][1] if k else None


MAX_UNITS = 2**62


def with_fx(program: Any, data: Any, period: Any) -> tuple[Any, list[Diagnostic]]:
    """The data as a program with ``fx`` sees it: every money field of a fact table with a
    currency column in the program's payout currency, converted exactly (integer units at
    the amount's places plus the rates' places), the original amount, currency and rate kept
    beside (_orig_<field>, _orig_currency, _fx_rate) for the statements. Rows in a currency
    without a rate in force on their day are located errors (fx-missing)."""
    if not program.fx:
        return data, []
    payout = program.currency
    table: FxTable | None = data.fx
    tables, diags = {}, []
    for name, ft in data.tables.items():
        money = [f for f, t in ft.types.items() if t == "money" and f in ft.frame.columns]
        f = ft.frame
        if "currency" not in f.columns or not money or not len(f):
            tables[name] = ft
            continue
        cur = f["currency"].astype("string").fillna("").str.strip().str.upper()
        cur = cur.where(cur != "", payout).to_numpy(dtype=object)
        if program.fx == "close_date":
            days = f[ft.date_field].to_numpy(dtype="datetime64[D]")
        else:
            days = np.full(len(f), np.datetime64(period.end), dtype="datetime64[D]")
        codes, uniques = pd.factorize(pd.Series(cur).astype(str) + "|" + pd.Series(days.astype(str)))
        rates: list[Decimal | None] = []
        for u in uniques:
            c, d = str(u).split("|")
            rates.append(Decimal(1) if c == payout else (table.rate(c, payout, dt.date.fromisoformat(d)) if table is not None and d != "NaT" else None))
        if all(r == 1 for r in rates):
            tables[name] = ft
            continue
        places = max((max(0, -int(r.as_tuple().exponent)) for r in rates if r is not None), default=0)
        rate_units = np.array([int(r.scaleb(places)) if r is not None else 0 for r in rates], dtype=np.int64)
        missing = np.array([r is None for r in rates], dtype=bool)[codes]
        for c in sorted(set(cur[missing])):
            rows = np.flatnonzero(missing & (cur == c))
            i = int(f["_i"].iloc[rows[0]])
            when = f"their {ft.date_field}" if program.fx == "close_date" else f"{period.end} (the period's last day)"
            diags.append(Diagnostic("fx-missing", f"{len(rows)} row(s) in {c} have no {c} to {payout} rate in force on {when} (first shown)", Location(ft.file, ft.row_of(i), column_name="currency"),
                                    hint=f"add a {c},{payout} row to the fx source with an effective_from on or before that day", value=c))
        new = f.copy()
        scales = dict(ft.scales)
        per_row = rate_units[codes]
        for fld in money:
            units = f[fld]
            biggest = int(np.nanmax(np.abs(units.to_numpy(dtype="float64", na_value=np.nan)))) if units.notna().any() else 0
            if biggest and biggest * int(rate_units.max()) >= MAX_UNITS:
                diags.append(Diagnostic("fx-missing", f"amounts of {fld} times the FX rates are too large to convert exactly", Location(ft.file), hint="use rates with fewer decimal places", value=fld))
                continue
            new[f"_orig_{fld}"] = units
            new[fld] = units * per_row
            scales[f"_orig_{fld}"] = ft.scales[fld]
            scales[fld] = ft.scales[fld] + places
        new["_orig_currency"] = cur
        new["_fx_rate"] = np.array(rates, dtype=object)[codes]
        new["currency"] = payout
        tables[name] = replace(ft, frame=new, scales=scales, currency=payout, _id_rank=None, _cache={})
    return replace(data, tables=tables), diags
