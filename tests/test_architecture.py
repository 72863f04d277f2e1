"""Import direction and start-up weight, checked on the source."""

from __future__ import annotations

import ast
import subprocess
import sys

from conftest import PROGRAMS, REPO

PKG = REPO / "incentive_cli"


def imports_of(path):  # type: ignore[no-untyped-def]
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                parts = path.relative_to(REPO).with_suffix("").parts[: -node.level]
                mod = ".".join([*parts, mod] if mod else parts)
            out.add(mod)
    return out


def test_the_engine_imports_neither_readers_nor_writers_nor_the_cli():
    for path in (PKG / "engine").glob("*.py"):
        bad = {m for m in imports_of(path) if m.startswith(("incentive_cli.readers", "incentive_cli.writers", "incentive_cli.cli", "incentive_cli.api", "typer", "rich"))}
        assert bad == set(), path


def test_readers_and_writers_do_not_import_each_other_or_the_cli():
    for layer, other in (("readers", "writers"), ("writers", "readers")):
        for path in (PKG / layer).glob("*.py"):
            bad = {m for m in imports_of(path) if m.startswith((f"incentive_cli.{other}", "incentive_cli.cli", "typer", "rich"))}
            assert bad == set(), path


def test_only_the_cli_and_render_import_typer_and_rich():
    for path in PKG.rglob("*.py"):
        if path.name in ("cli.py", "render.py"):
            continue
        assert not {m for m in imports_of(path) if m.split(".")[0] in ("typer", "rich")}, path


def test_validate_and_help_do_not_load_pandas_or_excel_libraries():
    script = (
        "import sys\n"
        "from incentive_cli import cli\n"
        f"sys.argv = ['incentive', 'validate', {str(PROGRAMS)!r}, '--quiet']\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('pandas', 'numpy', 'openpyxl', 'xlsxwriter', 'pyarrow') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
