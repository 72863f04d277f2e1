"""Which deals counted for a person, and why the others did not. Pure.

For a program's primary deal measure (the first ``sum`` over deals; else the first measure
over deals), every deal of every person that is undated, dated in the period, or dated up
to ``NEAR_DAYS`` days either side of it gets either no reason (it was credited) or the first
reason it was not, in this order:

1. the owner is not eligible for the program;
2. a ``where`` filter fails (for example ``stage is 'Lost'; the program counts Won``): an
   open deal says so, rather than that it has no close date;
3. the date field is blank (a missing CRM field);
4. the date lies outside the period;
5. the summed field is blank (a missing CRM field).

Deals further from the period are not listed: a statement shows the near misses people
ask about, not the whole history.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from .data import DataSet
from .model import Filter, Measure, Program
from .periods import Period
from .seasons import inside

NEAR_DAYS = 31


@dataclass
class DealCredit:
    measure: Measure
    table: str
    date_field: str
    amount_field: str | None
    amount_scale: int
    rows: pd.DataFrame  # columns: _i, _pcode, date, deal_id, customer, stage, amount, reason ("" = credited); with fx also orig_amount, orig_currency, fx_rate


def primary_deal_measure(program: Program) -> Measure | None:
    deal_measures = [m for m in program.measures if m.kind in ("sum", "count", "distinct") and (m.table or "deals") == "deals"]
    sums = [m for m in deal_measures if m.kind == "sum"]
    chosen = sums or deal_measures
    return chosen[0] if chosen else None


def _describe(f: Filter) -> str:
    if f.op == "equals":
        return str(f.value)
    if f.op == "in":
        return " or ".join(map(str, f.value))
    if f.op == "not_in":
        return "anything but " + ", ".join(map(str, f.value))
    words = {"not_equals": "anything but", "at_least": "at least", "above": "above", "at_most": "at most", "below": "below"}
    if f.op == "blank":
        return "blank" if f.value else "filled"
    return f"{words[f.op]} {f.value}"


def deal_credit(program: Program, data: DataSet, period: Period, eligible: list[str], filter_mask: Any) -> DealCredit | None:
    """``filter_mask(table, field, op, value)`` is the engine's own row test, so the reasons
    can never disagree with what was computed."""
    m = primary_deal_measure(program)
    if m is None or "deals" not in data.tables:
        return None
    ft = data.tables["deals"]
    f = ft.frame
    date_col = m.date_field or ft.date_field
    dates = f[date_col].to_numpy(dtype="datetime64[D]")
    start, end = np.datetime64(period.start), np.datetime64(period.end)
    near = (dates >= start - np.timedelta64(NEAR_DAYS, "D")) & (dates <= end + np.timedelta64(NEAR_DAYS, "D"))
    undated = np.isnat(dates)
    keep = (f["_pcode"].to_numpy() >= 0) & (near | undated)
    sub = f[keep]
    n = len(sub)
    reason = np.full(n, "", dtype=object)

    def assign(mask: np.ndarray, text: Any) -> None:
        todo = (reason == "") & mask
        if isinstance(text, np.ndarray):
            reason[todo] = text[todo]
        else:
            reason[todo] = text

    wanted = set(eligible)
    eligible_codes = np.array([k for k, p in enumerate(data.person_ids) if p in wanted], dtype=np.int32)
    assign(~np.isin(sub["_pcode"].to_numpy(), eligible_codes), "owner not eligible for this program")
    for fld in () if m.include_incomplete else program.required_fields:
        assign(~filter_mask(ft, fld, "blank", False)[keep], f"no {fld} (the program requires it: fill it in the CRM)")
    for flt in m.filters:
        ok = filter_mask(ft, flt.field, flt.op, flt.value)[keep]
        if (~ok).any():
            values = np.array(ft.text(flt.field, np.flatnonzero(keep)), dtype=object)
            labels = np.array([f"{flt.field} is {v!r}; the program counts {_describe(flt)}" if v != "" else f"no {flt.field} (a missing CRM field)" for v in values], dtype=object)
            assign(~ok, labels)
    sub_dates = dates[keep]
    assign(np.isnat(sub_dates), f"no {date_col} (a missing CRM field)")
    outside = ~np.isnat(sub_dates) & ((sub_dates < start) | (sub_dates > end))
    if outside.any():
        labels = np.array([f"{date_col} {d} is outside {period.label}" for d in sub_dates.astype(str)], dtype=object)
        assign(outside, labels)
    if program.active is not None:  # inside the period but outside the program's active window
        assign(~np.isnat(sub_dates) & ~inside(program.active, sub_dates, period), f"{date_col} is outside the program's active window ({program.active.name})")
    amount_field = m.field if m.kind == "sum" else ("amount" if "amount" in f.columns else None)
    scale = ft.scales.get(amount_field or "", 2)
    if m.kind == "sum" and m.field:
        assign(sub[m.field].isna().to_numpy(), f"no {m.field} (a missing CRM field)")
    out = pd.DataFrame({
        "_i": sub["_i"].to_numpy(),
        "_pcode": sub["_pcode"].to_numpy(),
        "date": sub_dates,
        "deal_id": sub["deal_id"].to_numpy(dtype=object) if "deal_id" in sub else np.full(n, "", dtype=object),
        "customer": sub["customer"].to_numpy(dtype=object) if "customer" in sub else np.full(n, "", dtype=object),
        "stage": sub["stage"].to_numpy(dtype=object) if "stage" in sub else np.full(n, "", dtype=object),
        "amount": sub[amount_field].astype("Int64").to_numpy(dtype=object, na_value=None) if amount_field else np.full(n, None, dtype=object),
        "reason": reason,
    })
    if "_orig_currency" in sub.columns and amount_field and f"_orig_{amount_field}" in sub.columns:  # converted by the program's fx
        orig_scale = ft.scales[f"_orig_{amount_field}"]
        out["orig_amount"] = [None if u is None else Decimal(int(u)).scaleb(-orig_scale) for u in sub[f"_orig_{amount_field}"].astype("Int64").to_numpy(dtype=object, na_value=None)]
        out["orig_currency"] = sub["_orig_currency"].to_numpy(dtype=object)
        out["fx_rate"] = sub["_fx_rate"].to_numpy(dtype=object)
    return DealCredit(m, "deals", date_col, amount_field, scale, out)

