"""scripts/import_graph.py: the import map read with ``ast`` counts lazy imports, relative
imports and ``"module:attr"`` registry strings, finds exactly the cycles of a small tree,
and finds none in ``agents/``."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT, load_script


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_a_lazy_import_and_a_registry_string_close_a_cycle(tmp_path):
    script = load_script("scripts/import_graph.py")
    pkg = _tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a/__init__.py": "",
        "pkg/a/x.py": "def f():\n    from pkg.b.y import g\n    return g\n",
        "pkg/a/__main__.py": "from pkg.c import z\n",
        "pkg/b/__init__.py": "",
        "pkg/b/y.py": "REGISTRY = {'f': 'pkg.a.x:f'}\ndef g():\n    return 1\n",
        "pkg/c/__init__.py": "",
        "pkg/c/z.py": "from ..a import x\n",
    })
    graph = script.module_graph(pkg)
    assert graph["pkg.a.x"] == {"pkg.b.y"}
    assert graph["pkg.b.y"] == {"pkg.a.x"}
    assert graph["pkg.c.z"] == {"pkg.a.x"}
    assert graph["pkg.a.__main__"] == {"pkg.c.z"}
    packages = script.package_graph(graph, 2)
    assert packages == {("pkg.a", "pkg.b"): 1, ("pkg.b", "pkg.a"): 1, ("pkg.c", "pkg.a"): 1,
                        ("pkg.a.__main__", "pkg.c"): 1}
    assert script.cycles({p for edge in packages for p in edge}, set(packages)) == [
        ["pkg.a", "pkg.b"]]
    edges = {(a, b) for a, bs in graph.items() for b in bs}
    assert script.cycles(graph, edges) == [["pkg.a.x", "pkg.b.y"]]


def test_agents_has_no_import_cycle_and_keeps_its_layers(capsys):
    script = load_script("scripts/import_graph.py")
    graph = script.module_graph(ROOT / "agents")
    edges = {(a, b) for a, bs in graph.items() for b in bs}
    assert script.cycles(graph, edges) == []
    packages = script.package_graph(graph, 2)
    assert script.cycles({p for edge in packages for p in edge}, set(packages)) == []
    imported = {a: {b for (s, b) in packages if s == a} for (a, _) in packages}
    # evaluation sits on the models; training scores through it; benchmark and viz on top
    assert imported["agents.evaluation"] <= {"agents.models"}
    assert imported["agents.train"] <= {"agents.models", "agents.evaluation"}
    assert not imported["agents.rl"] & {"agents.benchmark", "agents.viz", "agents.commands"}
    assert "agents.viz" not in imported["agents.benchmark"]
    assert script.main(["--root", str(ROOT / "agents")]) == 0
    assert capsys.readouterr().out.endswith("package cycles: 0\nmodule cycles: 0\n")


def test_vlnenv_has_no_import_cycle_and_never_imports_agents():
    script = load_script("scripts/import_graph.py")
    graph = script.module_graph(ROOT / "vlnenv")
    edges = {(a, b) for a, bs in graph.items() for b in bs}
    assert script.cycles(graph, edges) == []
    packages = script.package_graph(graph, 2)
    assert script.cycles({p for edge in packages for p in edge}, set(packages)) == []
    assert script.main(["--root", str(ROOT / "vlnenv")]) == 0
    for path in sorted((ROOT / "vlnenv").rglob("*.py")):  # lazy imports included
        name = script.module_name(path, ROOT)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named = set(script.imported_modules(tree, name, path.name == "__init__.py"))
        assert not {m for m in named if m.split(".")[0] in ("agents", "torch")}, name


def test_an_import_for_annotations_only_is_no_edge(tmp_path):
    script = load_script("scripts/import_graph.py")
    pkg = _tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": ("from typing import TYPE_CHECKING\n"
                     "if TYPE_CHECKING:\n    from pkg.b import B\n"),
        "pkg/b.py": ("import typing\n"
                     "if typing.TYPE_CHECKING:\n    from pkg import a\nfrom pkg import c\n"),
        "pkg/c.py": "",
    })
    assert script.module_graph(pkg) == {"pkg": set(), "pkg.a": set(), "pkg.b": {"pkg.c"},
                                        "pkg.c": set()}


def test_the_reduction_drops_only_arrows_a_longer_path_implies():
    script = load_script("scripts/import_graph.py")
    edges = {("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"), ("a", "d"), ("e", "d")}
    assert script.reduced(edges) == {("a", "b"), ("b", "c"), ("c", "d"), ("e", "d")}


def test_the_architecture_page_shows_the_current_pictures(capsys):
    script = load_script("scripts/import_graph.py")
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for root in ("vlnenv", "agents"):
        assert script.main(["--root", str(ROOT / root), "--mermaid"]) == 0
        picture = capsys.readouterr().out.strip()
        assert f"```mermaid\n{picture}\n```" in page, (
            f"docs/architecture.md: the {root} picture is stale; paste the output of "
            f"python scripts/import_graph.py --root {root} --mermaid")
