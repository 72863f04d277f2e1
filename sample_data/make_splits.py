"""Writes sample_data/splits.csv: a made-up split table for the Maven deals won in 2017-Q2.

Maven records only the agent who owned a deal. For the split demo (programs/team-success.yaml)
we invent who else worked it: an SDR from the owner's own team (the team's SDR of
sample_data/roles.csv where it has one) and a sales engineer from another team of the same
regional office, chosen by the SHA-256 of the deal id so the file
is the same on every machine. One deal in ten has no sales engineer. Run it with
``python sample_data/make_splits.py``; a test checks the committed file is what it writes.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build() -> str:
    with (HERE / "sales_teams.csv").open(newline="") as f:
        teams = list(csv.DictReader(f))
    team_of = {r["sales_agent"]: r["manager"] for r in teams}
    office_of = {r["sales_agent"]: r["regional_office"] for r in teams}
    with (HERE / "roles.csv").open(newline="") as f:
        sdr_roles = {r["sales_agent"] for r in csv.DictReader(f) if r["role"] == "SDR"}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["opportunity_id", "role", "sales_agent"])
    with (HERE / "sales_pipeline.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            if row["deal_stage"] != "Won" or not "2017-04-01" <= row["close_date"] <= "2017-06-30":
                continue
            owner = row["sales_agent"]
            h = int(hashlib.sha256(row["opportunity_id"].encode()).hexdigest(), 16)
            sdrs = sorted(a for a in team_of if team_of[a] == team_of[owner] and a in sdr_roles)
            mates = sdrs or sorted(a for a in team_of if team_of[a] == team_of[owner] and a != owner)
            engineers = sorted(a for a in team_of if office_of[a] == office_of[owner] and team_of[a] != team_of[owner])
            w.writerow([row["opportunity_id"], "SDR", mates[h % len(mates)]])
            if h % 10:
                w.writerow([row["opportunity_id"], "Sales Engineer", engineers[(h // 10) % len(engineers)]])
    return out.getvalue()


if __name__ == "__main__":
    (HERE / "splits.csv").write_text(build(), encoding="utf-8")
