"""YAML text -> position-carrying nodes, with the safety rails a payout tool needs.

We never let PyYAML construct Python values: it would turn ``0.05`` into a float, ``NO`` into
``False`` and ``012`` into 10. We stop at the *node* graph (``yaml.compose``), where every
scalar keeps its raw text, its quoting style and its line and column, and the typed reading
happens in :mod:`incentive_cli.spec` against the program format.

Rails: duplicate keys are errors (with both locations); anchors and aliases are allowed but
their expansion is counted, so an alias bomb is refused instead of eating memory; nesting
depth is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from ..diagnostics import Diagnostic, Location

MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 40
MAX_BYTES = 2_000_000

Node = yaml.Node


@dataclass
class LoadedYaml:
    file: str
    text: str
    root: Node | None
    diagnostics: list[Diagnostic]

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def node_location(file: str, node: Node, path: str = "") -> Location:
    mark = node.start_mark
    end = node.end_mark
    end_col = end.column + 1 if end.line == mark.line else None
    return Location(file=file, line=mark.line + 1, column=mark.column + 1, column_name=path or None, end_column=end_col)


class _Budget:
    def __init__(self) -> None:
        self.count = 0


def _check_graph(file: str, node: Node, diags: list[Diagnostic], depth: int, budget: _Budget) -> bool:
    """Walks the graph as a reader would (aliases expanded); False when limits are hit."""
    budget.count += 1
    if budget.count > MAX_EXPANDED_NODES:
        diags.append(
            Diagnostic(
                "yaml-too-large",
                f"the document expands to more than {MAX_EXPANDED_NODES:,} values (anchors and aliases included)",
                node_location(file, node),
                hint="a program needs far fewer values; remove the nested aliases (an 'alias bomb' looks like this)",
            )
        )
        return False
    if depth > MAX_DEPTH:
        diags.append(
            Diagnostic(
                "yaml-too-large",
                f"the document nests deeper than {MAX_DEPTH} levels",
                node_location(file, node),
                hint="programs are at most a few levels deep; flatten this part",
            )
        )
        return False
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, Node] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    first = seen[key.value]
                    diags.append(
                        Diagnostic(
                            "yaml-duplicate-key",
                            f"key {key.value!r} appears twice in this mapping (first at line {first.start_mark.line + 1})",
                            node_location(file, key),
                            hint="keep one of them; YAML readers silently keep the last, which is how payouts go wrong",
                            value=key.value,
                        )
                    )
                else:
                    seen[key.value] = key
            if not _check_graph(file, value, diags, depth + 1, budget):
                return False
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if not _check_graph(file, item, diags, depth + 1, budget):
                return False
    return True


def load_yaml(file: str, text: str) -> LoadedYaml:
    diags: list[Diagnostic] = []
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        diags.append(Diagnostic("yaml-too-large", f"the file is larger than {MAX_BYTES:,} bytes", Location(file), hint="a program file is a few kilobytes"))
        return LoadedYaml(file, text, None, diags)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        problem = exc.problem or "not valid YAML"
        if exc.context:
            problem = f"{exc.context}: {problem}"
        diags.append(Diagnostic("yaml-syntax", problem, loc, hint="check indentation and quoting on this line and the one above"))
        return LoadedYaml(file, text, None, diags)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, other controls)
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        name = "a NUL byte" if char == 0 else f"the control character #x{char:04x}"
        diags.append(Diagnostic("yaml-syntax", f"the file holds {name}, which YAML does not allow", Location(file, line, column), hint="remove it: a program or sources file is plain UTF-8 text (was it saved by a word processor, or as UTF-16?)"))
        return LoadedYaml(file, text, None, diags)
    except yaml.YAMLError as exc:
        diags.append(Diagnostic("yaml-syntax", str(exc).splitlines()[0], Location(file), hint="check the file is YAML text"))
        return LoadedYaml(file, text, None, diags)
    except RecursionError:
        diags.append(Diagnostic("yaml-too-large", "the document nests too deeply to read", Location(file), hint="flatten the structure"))
        return LoadedYaml(file, text, None, diags)
    if root is not None and not _check_graph(file, root, diags, 0, _Budget()):
        return LoadedYaml(file, text, None, diags)
    return LoadedYaml(file, text, root, diags)
