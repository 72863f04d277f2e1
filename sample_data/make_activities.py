"""Writes sample_data/activities.csv: made-up sales activities for the Maven agents in 2017.

Maven has no activity export. For the weekly call targets of the Q2 plan and the SDR
meeting slabs we invent one: every weekday, each agent logs some calls (each agent has a
usual daily level of 7 to 12 calls, varied day by day), and the SDRs of
sample_data/roles.csv log qualified meetings (about one every third weekday). Values come
from the SHA-256 of the agent and the day, so the file is the same on every machine. Run
``python sample_data/make_activities.py``; a test checks the committed file is what it writes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _h(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:12], 16)


def build() -> str:
    with (HERE / "sales_teams.csv").open(newline="") as f:
        agents = sorted(r["sales_agent"] for r in csv.DictReader(f))
    with (HERE / "roles.csv").open(newline="") as f:
        sdrs = {r["sales_agent"] for r in csv.DictReader(f) if r["role"] == "SDR"}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["rep", "activity_date", "activity_type", "count"])
    day = dt.date(2017, 1, 1)
    while day.year == 2017:
        if day.weekday() < 5:
            for a in agents:
                usual = 7 + _h(a) % 6
                calls = usual + _h(a, day.isoformat()) % 5 - 2
                w.writerow([a, day.isoformat(), "Call", calls])
                if a in sdrs and _h(a, day.isoformat(), "meeting") % 3 == 0:
                    w.writerow([a, day.isoformat(), "Qualified meeting", 1])
        day += dt.timedelta(days=1)
    return out.getvalue()


if __name__ == "__main__":
    (HERE / "activities.csv").write_text(build(), encoding="utf-8")
