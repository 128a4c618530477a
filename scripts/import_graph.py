"""The import map of a package tree, read with ``ast`` (nothing is imported): which
sub-package imports which, and any cycle between them.

``python scripts/import_graph.py`` prints the package-level edges of ``agents/`` (an edge
``agents.train -> agents.models`` means some module of ``agents/train/`` imports one of
``agents/models/``) with the number of import lines behind each, then the cycles, package
level and module level. Imports inside functions count (a lazy import is still a
dependency), and so do ``"module:function"`` entry-point strings (the policy registry's),
since importing the registry may import them. Imports under ``if TYPE_CHECKING:`` do not:
they exist for annotations only and never run.

Usage::

    python scripts/import_graph.py [--root agents] [--depth 2] [--modules]
    python scripts/import_graph.py --root vlnenv --mermaid   # the picture in docs/architecture.md
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

#: A ``"package.module:attr"`` entry-point string.
ENTRY_POINT = re.compile(r"^([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+):[A-Za-z_]\w*$")


def module_name(path: Path, base: Path) -> str:
    """``agents/train/bc.py`` -> ``agents.train.bc``; ``agents/benchmark/__init__.py`` ->
    ``agents.benchmark``."""
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, name: str, is_package: bool) -> Iterable[str]:
    """Every module ``tree`` (the module ``name``) names in an import statement or an
    entry-point string, relative imports resolved (those under ``if TYPE_CHECKING:`` left
    out)."""
    typing_only = {id(inner) for node in ast.walk(tree) if _is_type_checking(node)
                   for stmt in node.body for inner in ast.walk(stmt)}  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = name.split(".")
                anchor = anchor[:len(anchor) - node.level + (1 if is_package else 0)]
                module = ".".join(anchor + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:  # ``from agents.train import bc``: agents.train.bc
                yield f"{module}.{alias.name}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = ENTRY_POINT.match(node.value)
            if match:
                yield match.group(1)


def _is_type_checking(node: ast.AST) -> bool:
    """``node`` is ``if TYPE_CHECKING:`` (or ``if typing.TYPE_CHECKING:``)."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def module_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same tree it imports (only those that exist)."""
    base = root.parent
    files = {module_name(p, base): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = set()
        for module in imported_modules(tree, name, path.name == "__init__.py"):
            while module and module not in files:  # agents.models.ModelConfig -> agents.models
                module = module.rpartition(".")[0]
            if module and module != name:
                targets.add(module)
        graph[name] = targets
    return graph


def package_of(module: str, depth: int) -> str:
    """The first ``depth`` parts of a dotted name: ``agents.train.data.batches`` at depth 2
    -> ``agents.train``. A ``__main__`` module (``python -m agents.train``) is a node of its
    own, an entry point like ``agents.cli``: nothing imports it, so it closes no cycle."""
    if module.endswith(".__main__"):
        return module
    return ".".join(module.split(".")[:depth])


def package_graph(graph: dict[str, set[str]], depth: int) -> dict[tuple[str, str], int]:
    """``(package, package) -> number of module-to-module edges`` between two different
    packages."""
    edges: dict[tuple[str, str], int] = defaultdict(int)
    for source, targets in graph.items():
        for target in targets:
            a, b = package_of(source, depth), package_of(target, depth)
            if a != b:
                edges[a, b] += 1
    return dict(edges)


def cycles(nodes: Iterable[str], edges: set[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan's algorithm):
    each is a set of nodes that import each other, directly or through the others."""
    successors: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        successors[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in successors[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return sorted(found)


def reduced(edges: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The transitive reduction of an acyclic graph: the edges ``a -> b`` with no longer
    path from ``a`` to ``b`` (Aho, Garey & Ullman, 1972); it has the same reachability, so
    a picture of it says the same with fewer arrows."""
    successors: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        successors[a].add(b)

    def reachable(start: str, skip: tuple[str, str]) -> set[str]:
        seen: set[str] = set()
        todo = [b for b in successors[start] if (start, b) != skip]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(successors[node])
        return seen

    return {(a, b) for a, b in edges if b not in reachable(a, (a, b))}


def mermaid(packages: dict[tuple[str, str], int], prefix: str) -> str:
    """A Mermaid ``flowchart`` of the package edges (:func:`reduced`: an edge implied by a
    longer path is left out), nodes named without ``prefix`` (the root package:
    ``agents.train`` -> ``train``); entry points (``__main__``) left out."""
    def node(name: str) -> str:
        short = name.removeprefix(prefix + ".")
        return f"{short.replace('.', '_')}[{short}]"

    lines = ["flowchart TD"]
    edges = {(a, b) for (a, b) in packages if not a.endswith(".__main__")}
    lines += [f"  {node(a)} --> {node(b)}" for (a, b) in sorted(reduced(edges))]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default="agents", help="the package folder to read")
    parser.add_argument("--depth", type=int, default=2,
                        help="dotted parts that name a package (2: agents.train)")
    parser.add_argument("--modules", action="store_true", help="also print module edges")
    parser.add_argument("--mermaid", action="store_true",
                        help="print only the package graph as a Mermaid flowchart")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    graph = module_graph(root)
    packages = package_graph(graph, args.depth)
    if args.mermaid:
        print(mermaid(packages, root.name))
        return 0
    print(f"package edges of {args.root}/ (depth {args.depth}):")
    for (a, b), count in sorted(packages.items()):
        print(f"  {a} -> {b}  ({count})")
    if args.modules:
        print("module edges:")
        for source in sorted(graph):
            for target in sorted(graph[source]):
                print(f"  {source} -> {target}")
    package_cycles = cycles({p for edge in packages for p in edge}, set(packages))
    module_cycles = cycles(graph, {(a, b) for a, bs in graph.items() for b in bs})
    print(f"package cycles: {len(package_cycles)}")
    for cycle in package_cycles:
        print("  " + " <-> ".join(cycle))
    print(f"module cycles: {len(module_cycles)}")
    for cycle in module_cycles:
        print("  " + " <-> ".join(cycle))
    return 1 if package_cycles or module_cycles else 0


if __name__ == "__main__":
    sys.exit(main())
