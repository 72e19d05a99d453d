"""The package's layering, read from its source with `ast`: the dialects import nothing of inrarch but the `inr`
dialect, and the module import graph has no cycle, counting the imports inside functions too (a function-level
import that closes a cycle is a cycle that only moved to run time).

Modules are named by their paths (`inrarch/passes/x.py` is `inrarch.passes.x`), as installed. Importing a module
runs its packages' `__init__` first, so every module also depends on its parent package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "inrarch"
DIALECT_ALLOWED = {"inrarch.dialects.inr", "inrarch.dialects", "inrarch"}


def modules() -> dict[str, Path]:
    """Every module of the installed package, by its dotted name."""
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("").parts
        parts = rel[:-1] if rel[-1] == "__init__" else rel
        found[".".join(("inrarch", *parts))] = path
    return found


def imported_names(name: str, path: Path) -> set[str]:
    """The dotted names `path` imports (module level and inside functions), relative imports resolved; for
    `from a import b`, both `a` and `a.b` (the latter counts only where it is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> nx.DiGraph:
    """Module -> the inrarch modules it imports (the most specific module each import names) and its parent
    package."""
    mods = modules()
    graph = nx.DiGraph()
    for name, path in mods.items():
        graph.add_node(name)
        if "." in name:
            graph.add_edge(name, name.rpartition(".")[0])
        for imported in imported_names(name, path):
            while imported and imported not in mods:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                graph.add_edge(name, imported)
    return graph


def test_the_graph_sees_every_kind_of_import():
    """The reader finds module-level, function-level, `from` and relative imports, under the installed names."""
    graph = import_graph()
    assert "inrarch.dialects.dataflow" in graph and "inrarch.passes.dataflow_fuse" in graph
    assert graph.has_edge("inrarch.passes.dataflow_fuse", "inrarch.dialects.dataflow")
    assert graph.has_edge("inrarch.cli", "inrarch.design")  # imported inside a function of cli.py
    assert graph.has_edge("inrarch.dialects.dataflow", "inrarch.dialects")  # the parent package


def test_dialects_import_only_xdsl_and_inr():
    graph = import_graph()
    dialects = [n for n in graph if n.startswith("inrarch.dialects.")]
    assert {"inrarch.dialects.dataflow", "inrarch.dialects.inr"} <= set(dialects)
    wrong = {d: sorted(set(graph.successors(d)) - DIALECT_ALLOWED) for d in dialects}
    assert not {d: w for d, w in wrong.items() if w}, wrong


def test_no_import_cycles():
    graph = import_graph()
    cycles = sorted(" -> ".join(c) for c in nx.simple_cycles(graph))
    assert not cycles, f"{len(cycles)} import cycles:\n" + "\n".join(cycles[:40])


@pytest.mark.parametrize("source, expected", [
    ("from . import b", {"p.q", "p.q.b"}),
    ("from .b import c", {"p.q.b", "p.q.b.c"}),
    ("from ..c import d", {"p.c", "p.c.d"}),
    ("def f():\n    import x.y\n", {"x.y"}),
])  # fmt: skip
def test_imported_names(tmp_path, source, expected):
    """Relative imports resolve against the module's package; imports inside functions count."""
    path = tmp_path / "a.py"
    path.write_text(source)
    assert imported_names("p.q.a", path) == expected
