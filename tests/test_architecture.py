"""The dependency rules of docs/architecture.md ("Layers"), measured on the import graph.

``lint-imports`` (CI) checks the contracts in pyproject.toml; these tests state the two rules
everything else rests on, with the offending imports in the failure message: ``integrations``
never imports ``connect``, and no module reaches itself through its imports. The graph includes
imports inside functions; imports only for type checking are left out.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

PACKAGES = ("connect", "integrations", "tooling")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)


def _imports(graph: grimp.ImportGraph, module: str) -> list[str]:
    """What loading ``module`` loads: its imports, and the packages around each imported module
    that ``module`` is not inside of (Python runs a package's ``__init__`` before the first of
    its modules loads, so a package whose ``__init__`` imports a module that needs the importer
    closes a circle, although no module imports its importer directly)."""
    own = _packages_around(module)
    imported: set[str] = set()
    for target in graph.find_modules_directly_imported_by(module):
        imported.add(target)
        imported.update(
            package
            for package in _packages_around(target) - own
            if package in graph.modules and package != module
        )
    return sorted(imported)


def _packages_around(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts))}


def _strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm, iterative: every group of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(_imports(graph, root)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(_imports(graph, child))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_integrations_never_imports_connect_or_the_tooling(graph):
    offending = [
        f"{detail['importer']}:{detail['line_number']} {detail['line_contents']}"
        for importer in sorted(graph.modules)
        if importer.split(".")[0] == "integrations"
        for imported in sorted(graph.find_modules_directly_imported_by(importer))
        if imported.split(".")[0] in ("connect", "tooling")
        for detail in graph.get_import_details(importer=importer, imported=imported)
    ]
    assert offending == []


def test_no_module_reaches_itself_through_its_imports(graph):
    assert _strongly_connected(graph) == []


def test_the_cycle_finder_finds_a_circle_through_a_package(tmp_path, monkeypatch):
    """A package whose ``__init__`` imports a module that imports a sibling package's module
    which in turn needs the first package: a circle at run time, though no module imports
    its importer directly."""
    root = tmp_path / "package_example"
    (root / "files").mkdir(parents=True)
    (root / "profiles").mkdir()
    (root / "__init__.py").write_text("")
    (root / "files" / "__init__.py").write_text("from package_example.files import reader\n")
    (root / "files" / "reader.py").write_text("from package_example.profiles import opening\n")
    (root / "files" / "fmt.py").write_text("")
    (root / "profiles" / "__init__.py").write_text("")
    (root / "profiles" / "opening.py").write_text("from package_example.files import fmt\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    example = grimp.build_graph("package_example", cache_dir=None)
    assert _strongly_connected(example) == [
        [
            "package_example.files",
            "package_example.files.reader",
            "package_example.profiles.opening",
        ]
    ]


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    """The check above can fail: two modules that import each other are one group."""
    package = tmp_path / "circular_example"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from circular_example import b\n")
    (package / "b.py").write_text("from circular_example import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    example = grimp.build_graph("circular_example", cache_dir=None)
    assert _strongly_connected(example) == [["circular_example.a", "circular_example.b"]]


def test_the_import_contracts_hold():
    """The layer contracts of pyproject.toml, as CI checks them."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
