"""Generated parts of the README: the program and sources reference, the CRM export profiles,
the error codes and the exit codes. ``make docs`` rewrites them between their markers; a test fails when the README
and the code drift apart.

    python -m incentive_cli.docs README.md
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from .diagnostics import CODES, ExitCode
from .formats import PROGRAM, SOURCES
from .readers.profiles import PROFILES
from .spec import reference_rows

EXIT_MEANINGS = {
    ExitCode.OK: "Success (warnings may have been printed).",
    ExitCode.INVALID_INPUT: "Invalid input: a program, sources.yaml or a data file was refused. Nothing was written.",
    ExitCode.USAGE: "Usage: a wrong option, a missing argument, or no --period where one is needed.",
    ExitCode.INTERNAL: "Internal error: a bug. One line on stderr names the file holding the details; nothing was written.",
    ExitCode.CANT_WRITE: "The outputs could not be written (disk full, no permission). The previous outputs are intact.",
    ExitCode.LOCKED: "Another run holds the lock on the output folder (EX_TEMPFAIL: try again later).",
}


def _table(rows: list[tuple[str, str, bool, str]]) -> str:
    out = ["| key | type | required | meaning |", "|---|---|---|---|"]
    for path, typ, req, doc in rows:
        out.append(f"| `{path}` | {typ} | {'yes' if req else ''} | {doc.replace('|', '/')} |")
    return "\n".join(out)


def _profiles() -> str:
    out = []
    for name, p in PROFILES.items():
        out.append(f"- **`{name}`**: {p.description}")
        out += [f"  - {rule}" for rule in p.rules]
    return "\n".join(out)


def generated_sections() -> dict[str, str]:
    codes = ["| code | meaning |", "|---|---|"] + [f"| `{c}` | {m} |" for c, m in CODES.items()]
    exits = ["| exit code | meaning |", "|---|---|"] + [f"| {int(c)} | {EXIT_MEANINGS[c]} |" for c in ExitCode]
    return {
        "program-reference": _table(reference_rows(PROGRAM)),
        "sources-reference": _table(reference_rows(SOURCES)),
        "profiles": _profiles(),
        "error-codes": "\n".join(codes),
        "exit-codes": "\n".join(exits),
    }


def _replacer(body: str) -> Callable[[re.Match[str]], str]:
    def replace(m: re.Match[str]) -> str:
        return m.group(1) + body + "\n" + m.group(2)

    return replace


def render(readme: str) -> str:
    for name, body in generated_sections().items():
        pattern = re.compile(rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- end:{name} -->)", re.S)
        if not pattern.search(readme):
            raise SystemExit(f"README has no <!-- generated:{name} --> ... <!-- end:{name} --> block")
        readme = pattern.sub(_replacer(body), readme)
    return readme


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
