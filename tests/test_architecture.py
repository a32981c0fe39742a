"""The package's shape, checked from its source: imports run one way (no cycle between
modules, and the stage folders in pipeline order), and only the table layer speaks SQL.

Function-level imports count too: a cycle hidden in a function is still a cycle.
Imports under ``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from helpers.data import ROOT

PACKAGE = ROOT / "qa"
# Each stage may import the stages before it, never one after it (ENGINEERING.md: data
# flows ingest -> embed -> index -> search -> answer; news/ and fresh/ feed them; web/,
# cli/ and evaluation/ are shells over the library).
ORDER = ("errors", "settings", "news", "ingest", "embed", "index", "search", "answer",
         "fresh", "evaluation", "training", "web", "cli")
# The only modules that speak SQL: the passage table and the annotation tables.
TABLE_LAYER = ("qa/index/passage_sql.py", "qa/index/annotation_sql.py")
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|PRAGMA|REPLACE)\b"
                 r"[\s\S]*\b(FROM|INTO|SET|TABLE|INDEX|WHERE|journal_mode|synchronous)\b")
EXECUTE = {"execute", "executemany", "executescript", "connect"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _import_nodes(tree: ast.AST):
    """Every import statement, at any depth, outside ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if _type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The qa modules ``name`` imports. ``from pkg import mod`` counts ``pkg.mod``, and
    ``pkg`` itself (its ``__init__``) when a name imported is not a submodule."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join(anchor + ([base] if base else []))
        submodules = {f"{base}.{alias.name}" for alias in node.names} & known
        found.update(submodules)
        if len(submodules) < len(node.names):
            found.add(base)
    return {m for m in found if m in known and m != name}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def stage(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "__main__" else None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_import_walk_sees_every_kind_of_import(tmp_path: Path) -> None:
    graph = import_graph()
    assert "qa.search.retriever" in graph["qa.search"]  # from .retriever import ... in __init__
    assert "qa.index.versions" in graph["qa.search.snapshot"]  # from qa.index import versions
    assert "qa.index.ray_cluster" in graph["qa.index.build"]  # an import inside a function
    assert "qa.ingest.corpus" not in graph["qa.news.annotate"]  # only under TYPE_CHECKING


def test_no_import_cycle_between_modules() -> None:
    graph = import_graph()
    assert len(graph) > 60
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_stages_import_only_the_stages_before_them() -> None:
    wrong = []
    for name, imported in import_graph().items():
        here = stage(name)
        for other in imported:
            there = stage(other)
            if here and there and here != there and ORDER.index(there) > ORDER.index(here):
                wrong.append(f"{name} imports {other}")
    assert not wrong, "\n".join(sorted(wrong))
    assert {stage(n) for n in modules()} - {None} == set(ORDER)  # every folder is placed


def sql_outside_the_table_layer(source: str, filename: str = "<source>") -> list[str]:
    """Lines that run SQL: a call of ``.execute*()``/``.connect()``, or a string (other than
    a docstring) that reads as a SQL statement."""
    tree = ast.parse(source, filename)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in EXECUTE
                and not (isinstance(node.func.value, ast.Name)
                         and node.func.value.id in ("socket", "httpx", "signal"))):
            found.append(f"{filename}:{node.lineno} calls .{node.func.attr}()")
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings and SQL.search(node.value)):
            found.append(f"{filename}:{node.lineno} holds SQL: {node.value[:60]!r}")
    return found


def test_the_sql_check_finds_sql() -> None:
    assert sql_outside_the_table_layer('db.execute("SELECT 1")')
    assert sql_outside_the_table_layer('QUERY = "SELECT id FROM articles WHERE x = ?"')
    assert sql_outside_the_table_layer("import sqlite3\nsqlite3.connect('x.db')")
    assert not sql_outside_the_table_layer('"""Select the passages from the table."""')
    assert not sql_outside_the_table_layer('label = "Update the index from the corpus"')


def test_no_module_outside_the_table_layer_runs_sql() -> None:
    found = []
    for path in modules().values():
        rel = path.relative_to(ROOT).as_posix()
        if rel not in TABLE_LAYER:
            found += sql_outside_the_table_layer(path.read_text(), rel)
    assert not found, "\n".join(found)
    for rel in TABLE_LAYER:  # the check would see the table layer's SQL
        assert sql_outside_the_table_layer((ROOT / rel).read_text(), rel)
