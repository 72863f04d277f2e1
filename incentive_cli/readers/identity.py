"""Deal identity: a deals source's key, ids a spreadsheet mangled, and duplicate keys.

A deal exported twice must never count twice in silence. The key (``key:``, default the
deal id) is compared after trimming, case-sensitively unless ``key_case: insensitive``. Two
rows with one key are an error naming both rows, unless the source declares how duplicates
resolve (``duplicates: last`` with an ``order`` field: the row with the highest order value
is kept, every other one is listed in run.json). All of it is vectorised over the frame:
Python runs per duplicated key reported, never per row.

Ids that a spreadsheet turned into numbers are refused: scientific notation
(``1.23457E+18``), numeric XLSX cells of 16 digits or more (Excel keeps 15 significant
digits), and long CSV ids whose digits past the 15th are all zeros, when the column holds
at least three such zeros in all (the chance that real ids end so is below one in 1,000).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..diagnostics import Diagnostic
from .cells import ColumnErrors
from .table import RawTable

SCIENTIFIC = r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+"
EXCEL_DIGITS = 15
MIN_LOST_ZEROS = 3
MAX_REPORTED = 20
ID_HINT = "export the id column as text (in Excel: format the column as Text before pasting or saving, or export CSV straight from the CRM); a number in a spreadsheet keeps only 15 digits"


def key_fields(spec: Any, wanted: dict[str, list[str]]) -> list[str]:
    """The key a deals source declares, else its deal id when mapped, else none."""
    key = spec.get("key")
    if key is None:
        return ["deal_id"] if "deal_id" in wanted else []
    return [key] if isinstance(key, str) else [str(k) for k in key]


def _arrow(values: pd.Series) -> Any:
    """The pyarrow strings behind a text column (one chunk), trimmed blanks as ""."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(values.array) if hasattr(values.array, "__arrow_array__") else pa.array(values.astype(object), type=pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], pa.string())
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    return pc.fill_null(arr, "")


def _candidates(mask: Any) -> np.ndarray:
    return np.flatnonzero(np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool))


def check_mangled_ids(raw: RawTable, fld: str, text: pd.Series, sink: list[Diagnostic]) -> np.ndarray:
    """Refuses, at their cells, ids a spreadsheet mangled; returns the mask of those rows.
    One vectorised pass finds scientific notation; a length kernel picks the few ids of 16
    characters or more before Python looks at any."""
    import pyarrow.compute as pc

    ce = ColumnErrors(raw, fld, sink, summary_code="mangled-id")
    bad = np.zeros(len(text), dtype=bool)
    cells = raw.columns[fld]
    if isinstance(cells, list):  # XLSX: a number cell of 16 digits or more lost the ones past the 15th
        for i, c in enumerate(cells):
            if isinstance(c, int | float) and not isinstance(c, bool) and abs(c) >= 10 ** EXCEL_DIGITS:
                digits = len(str(int(abs(c))))
                ce.add("mangled-id", i, str(c), f"the id is a number cell ({c:.15g}): a spreadsheet keeps 15 digits of a number, so this {digits}-digit id has lost its last {digits - EXCEL_DIGITS}", ID_HINT)
                bad[i] = True
    arr = _arrow(text)
    for i in _candidates(pc.match_substring_regex(arr, f"^{SCIENTIFIC}$")).tolist():
        value = str(arr[i])
        if not bad[i]:
            ce.add("mangled-id", i, value, f"{value!r} is an id in scientific notation: a spreadsheet turned it into a number and lost its digits", ID_HINT)
            bad[i] = True
    if not isinstance(cells, list):
        long = [i for i in _candidates(pc.greater_equal(pc.utf8_length(arr), 16)).tolist() if re.fullmatch(r"\d{16,}", str(arr[i]))]
        tails = [str(arr[i]).lstrip("0")[EXCEL_DIGITS:] for i in long]
        if long and all(not t.strip("0") for t in tails) and sum(len(t) for t in tails) >= MIN_LOST_ZEROS:
            for i in long:
                ce.add("mangled-id", i, str(arr[i]), f"{str(arr[i])!r}: every long id in this column ends in zeros past its 15th digit, as a spreadsheet leaves a number it rounded", ID_HINT)
                bad[i] = True
    ce.close()
    return bad


def _duplicated(frame: pd.DataFrame, key: list[str], insensitive: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The mask of rows whose key is blank, and the positions of the rows whose key another
    row shares, with one code per shared key. Keys of one length (the usual export: every
    Salesforce or Maven id alike) are hashed as fixed-width words in numpy and sorted, and
    only the rows whose hash repeats are compared as text; other keys are hashed by
    pyarrow's dictionary encoding. Either way no Python runs per row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = [_arrow(frame[f]) for f in key]
    blank = np.logical_or.reduce([np.asarray(pc.equal(p, "").to_numpy(zero_copy_only=False), dtype=bool) for p in parts])
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*[pc.cast(p, pa.large_string()) for p in parts], pa.scalar("\x1f", pa.large_string()))
    if insensitive:
        joined = pc.utf8_lower(joined)
    hashed = _fixed_width_hash(joined)
    if hashed is not None:
        ordered = np.sort(hashed)
        repeated = ordered[1:][ordered[1:] == ordered[:-1]]
        candidates = np.flatnonzero(np.isin(hashed, repeated)) if len(repeated) else np.zeros(0, dtype=np.int64)
        joined = joined.take(candidates)
    else:
        candidates = np.arange(len(joined))
    codes = pc.dictionary_encode(joined).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    shared = (np.bincount(codes)[codes] > 1) & ~blank[candidates] if len(codes) else np.zeros(0, dtype=bool)
    return blank, candidates[shared], codes[shared]


def _fixed_width_hash(arr: Any) -> np.ndarray | None:
    """A 64-bit hash of each string when all have the same (non-zero) length, read straight
    from Arrow's buffers: the bytes as words, mixed. None for strings of several lengths."""
    import pyarrow as pa

    if len(arr) < 2 or arr.null_count:
        return None
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64 if pa.types.is_large_string(arr.type) else np.int32)[arr.offset: arr.offset + len(arr) + 1]
    width = int(offsets[1] - offsets[0])
    if width == 0 or int(offsets[-1] - offsets[0]) != width * len(arr) or not (np.diff(offsets) == width).all():
        return None
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]].reshape(len(arr), width)
    words = -(-width // 8)
    padded = np.zeros((len(arr), words * 8), dtype=np.uint8)
    padded[:, :width] = data
    view = padded.view(np.uint64)
    hashed = view[:, 0].copy()
    for j in range(1, words):
        hashed = hashed * np.uint64(0x9E3779B97F4A7C15) ^ view[:, j]
    return hashed


def resolve_duplicates(raw: RawTable, frame: pd.DataFrame, spec: Any, key: list[str], sink: list[Diagnostic], refused: np.ndarray | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The frame with each key once: an error for every duplicated key (default), or the
    declared resolution; and what was done, for run.json. ``frame`` holds one row per data
    row, in file order (``_i`` is the row's position); ``refused`` marks rows whose key is
    already refused (a mangled id), which are not compared again."""
    blank, pos, codes = _duplicated(frame, key, spec.get("key_case") == "insensitive")
    if refused is not None and refused.any():
        keep = ~refused[pos]
        pos, codes = pos[keep], codes[keep]
        codes_left = np.bincount(codes)[codes] if len(codes) else codes
        pos, codes = pos[codes_left > 1], codes[codes_left > 1]
    note: dict[str, Any] = {"key": key if len(key) > 1 else key[0]}
    if spec.get("key_case") == "insensitive":
        note["key_case"] = "insensitive"
    what = " / ".join(key)
    ce = ColumnErrors(raw, key[0], sink, summary_code="blank-value")
    for i in np.flatnonzero(blank).tolist():
        ce.add("blank-value", i, "", f"the deal has no {what}: it cannot be told from a copy of another deal", f"export the {key[0]} of every deal, or declare the fields that identify a deal (key: in sources.yaml)")
    ce.close()
    if not len(pos):
        return frame, note
    sub = pd.DataFrame({"k": codes, "pos": pos})
    if (spec.get("duplicates") or "error") == "error":
        _report_duplicates(raw, sub, what, sink)
        return frame, note
    order = str(spec.get("order"))
    before = len(sink)
    kept, drop = _latest(raw, frame, sub, what, order, sink)
    if len(sink) > before:
        return frame, note
    kept_row = {int(k): raw.row_of(int(p)) for k, p in kept.items()}
    code_of = dict(zip(pos.tolist(), codes.tolist(), strict=True))
    raw.ignored += [{"row": raw.row_of(int(i)), "reason": f"duplicate {what} {raw_text(raw, key[0], int(i))!r}: row {kept_row[code_of[int(i)]]} has the latest {order} (duplicates: last)", "text": raw_text(raw, key[0], int(i))} for i in drop.tolist()]
    note["duplicates"] = {"rule": f"last by {order}", "rows_dropped": int(len(drop))}
    keep = np.ones(len(frame), dtype=bool)
    keep[drop] = False
    return frame[keep].reset_index(drop=True), note


def _report_duplicates(raw: RawTable, sub: pd.DataFrame, what: str, sink: list[Diagnostic]) -> None:
    """One error per duplicated key, at its second row, naming its rows (the first 20 keys,
    then how many more)."""
    groups = sub.groupby("k", sort=False)["pos"]
    firsts = groups.min().sort_values()
    for k in firsts.index[:MAX_REPORTED]:
        rows = sorted(groups.get_group(k).tolist())
        shown = ", ".join(str(raw.row_of(int(i))) for i in rows[:10]) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
        first = raw_text(raw, what.split(" / ")[0], rows[0])
        sink.append(Diagnostic("duplicate-deal", f"{what} {first!r} appears on {len(rows)} rows ({shown}): a deal counts once", raw.location(what.split(" / ")[0], int(rows[1])), hint="remove the copies from the export (ids are compared without their surrounding spaces), or declare how duplicates resolve: duplicates: last with order: <a last-modified field>", value=first))
    if len(firsts) > MAX_REPORTED:
        sink.append(Diagnostic("duplicate-deal", f"... and {len(firsts) - MAX_REPORTED:,} more duplicated ids", raw.location(what.split(" / ")[0]), hint="fix the first ones; the rest are likely the same problem"))


def raw_text(raw: RawTable, fld: str, i: int) -> str:
    v = raw.columns[fld][i]
    v = v.as_py() if hasattr(v, "as_py") else v
    return "" if v is None else str(v).strip()


def _latest(raw: RawTable, frame: pd.DataFrame, sub: pd.DataFrame, what: str, order: str, sink: list[Diagnostic]) -> tuple[pd.Series, np.ndarray]:
    """duplicates: last. Per duplicated key, the position of the row with the highest order
    value, and the positions of the other rows (to drop). A blank order value, or two
    highest rows that differ, cannot say which row is the latest: an error at the cell."""
    o = frame[order].to_numpy()[sub["pos"].to_numpy()]
    sub = sub.assign(o=o, blank=pd.isna(o))
    for p in sub.loc[sub["blank"], "pos"].tolist()[:MAX_REPORTED]:
        sink.append(Diagnostic("duplicate-deal", f"{what} {raw_text(raw, what.split(' / ')[0], p)!r} appears on several rows and this one has no {order}: which row is the latest cannot be told", raw.location(order, p), hint=f"fill {order} on every row of the export (duplicates: last keeps the row with the highest {order})", value=raw_text(raw, what.split(' / ')[0], p)))
    top = sub.groupby("k", sort=False)["o"].transform("max")
    best = sub[(sub["o"] == top).to_numpy(dtype=bool) & ~sub["blank"].to_numpy()]
    many = best.groupby("k", sort=False)["pos"].transform("size").to_numpy() > 1
    if many.any():
        tied = best[many]
        cols = [c for c in frame.columns if not c.startswith("_")]
        shown = frame.iloc[tied["pos"].to_numpy()][cols].astype("string").fillna("").agg("\x1f".join, axis=1).to_numpy()
        for n, (_, grp) in enumerate(tied.assign(row=shown).groupby("k", sort=False)):
            if grp["row"].nunique() > 1 and n < MAX_REPORTED:
                rows = " and ".join(str(raw.row_of(int(p))) for p in grp["pos"])
                first = raw_text(raw, what.split(" / ")[0], int(grp["pos"].iloc[0]))
                sink.append(Diagnostic("duplicate-deal", f"{what} {first!r} appears on rows {rows} with the same {order}, and the rows differ: which one is the latest cannot be told", raw.location(order, int(grp["pos"].iloc[-1])), hint=f"make {order} tell the rows apart in the export, or remove the stale row", value=first))
    kept = best.groupby("k", sort=False)["pos"].max()  # identical copies: the last in the file
    return kept, np.setdiff1d(sub["pos"].to_numpy(), kept.to_numpy())
