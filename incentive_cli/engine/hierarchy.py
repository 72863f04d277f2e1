"""The reporting tree (catalogue kind 6): who reports to whom, from the roster's manager
column. Pure functions over person ids; the roster reader turns their findings into located
diagnostics.

>>> cycles({"a": "b", "b": "c", "c": "a", "d": "a"})
[['a', 'b', 'c']]
>>> sorted(subtree({"b": ["c"], "a": ["b", "d"]}, "a"))
['a', 'b', 'c', 'd']
"""

from __future__ import annotations

from collections.abc import Mapping


def cycles(parent: Mapping[str, str]) -> list[list[str]]:
    """Every cycle of the manager relation, each listed once from its smallest id, in order
    of reporting (a reports to b reports to c reports to a)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(parent):
        path: list[str] = []
        node: str | None = start
        while node is not None and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = parent.get(node)
        if node is not None and state.get(node) == 1:
            loop = path[path.index(node):]
            i = loop.index(min(loop))
            found.append(loop[i:] + loop[:i])
        for n in path:
            state[n] = 2
    return sorted(found)


def children_of(parent: Mapping[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for child, boss in sorted(parent.items()):
        out.setdefault(boss, []).append(child)
    return out


def subtree(children: Mapping[str, list[str]], root: str) -> list[str]:
    """The root and everyone below it, at any depth (the tree has no cycles: the reader
    refuses them)."""
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(children.get(node, ()))
    return out


def depth(parent: Mapping[str, str], pid: str) -> int:
    """0 for someone who reports to nobody."""
    d, node = 0, parent.get(pid)
    while node is not None:
        d += 1
        node = parent.get(node)
    return d
