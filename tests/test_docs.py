"""The README stays true: generated reference sections, the two commands, every error code
used somewhere and documented, every program listed."""

from __future__ import annotations

import re

from conftest import PROGRAMS, REPO

from incentive_cli.diagnostics import CODES
from incentive_cli.docs import render

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_generated_sections_match_the_code():
    assert render(README) == README, "run `make docs` and commit README.md"


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["make demo", "make test"]


def test_every_error_code_is_raised_somewhere_and_documented():
    source = "\n".join(p.read_text() for p in (REPO / "incentive_cli").rglob("*.py") if p.name != "diagnostics.py")
    unused = [c for c in CODES if f'"{c}"' not in source]
    assert unused == []
    for code in CODES:
        assert f"| `{code}` |" in README


def test_every_error_code_has_a_test_that_produces_it():
    tests = "\n".join(p.read_text() for p in (REPO / "tests").glob("test_*.py") if p.name != "test_docs.py")
    missing = [c for c in CODES if c not in tests]
    assert missing == []


def test_every_program_in_the_repo_is_listed_in_the_readme():
    for path in PROGRAMS.glob("*.yaml"):
        assert f"`programs/{path.name}`" in README


def test_makefile_targets_named_in_the_readme_exist():
    makefile = (REPO / "Makefile").read_text()
    for target in set(re.findall(r"`make (\w+)`", README)):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_sample_data_readme_exists_and_names_every_file_we_added():
    text = (REPO / "sample_data" / "README.md").read_text(encoding="utf-8")
    for path in sorted((REPO / "sample_data").iterdir()):
        if path.name != "README.md":
            assert f"`{path.name}`" in text, path.name


def test_generated_sample_files_are_what_their_scripts_write():
    import importlib.util

    for script, output in (("make_activities.py", "activities.csv"), ("make_splits.py", "splits.csv")):
        spec = importlib.util.spec_from_file_location(script[:-3], REPO / "sample_data" / script)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert module.build() == (REPO / "sample_data" / output).read_text(encoding="utf-8"), f"run python sample_data/{script}"
