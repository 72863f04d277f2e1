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


def test_every_component_kind_has_a_module_a_format_entry_a_readme_entry_and_a_test():
    from incentive_cli.engine.components import KINDS
    from incentive_cli.formats import COMPONENT

    [type_field] = [f for f in COMPONENT.fields if f.name == "type"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").glob("test_*.py"))
    tests += "\n".join(p.read_text(encoding="utf-8") for p in PROGRAMS.glob("*.yaml"))
    assert set(KINDS) == set(type_field.spec.choices)  # type: ignore[attr-defined]
    for kind, pay in KINDS.items():
        module = PKG / "engine" / "components" / f"{kind}.py"
        assert module.is_file(), kind
        assert pay.__module__ == f"incentive_cli.engine.components.{kind}", kind
        assert f"{kind}:" in type_field.doc, kind  # the program reference says what it does
        assert f"`{kind}`" in readme, kind  # the README's Programs section explains it
        assert f"type: {kind}" in tests or f"type: {kind}," in tests, kind  # a program that uses it is run by a test
        doc = ast.get_docstring(ast.parse(module.read_text(encoding="utf-8"))) or ""
        assert "YAML::" in doc and "Worked example" in doc, kind


def parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    a = node.args
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs] + ([a.vararg.arg] if a.vararg else []) + ([a.kwarg.arg] if a.kwarg else [])
    return len([n for n in names if n not in ("self", "cls")])


def test_no_engine_function_takes_more_than_six_parameters():
    wide = []
    for path in (PKG / "engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and parameters(node) > 6:
                wide.append(f"{path.relative_to(PKG)}:{node.lineno} {node.name}")
    assert wide == []


def test_no_engine_module_is_longer_than_500_lines():
    long = [f"{p.relative_to(PKG)}: {n}" for p in (PKG / "engine").rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500]
    assert long == []
