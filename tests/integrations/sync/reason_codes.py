"""The reason codes the sync can write into a run's log, found by reading the source.

One scanner for every test that needs the codes: a new code anywhere in the engines, mappers,
filters or ERP readers is found without listing it anywhere.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3] / "integrations"
SKIP_DIRS = {"sandbox", "migrations", "management"}
# Functions that return a reason code (or something else when there is none).
REASON_FUNCTIONS = re.compile(r"(reason|problem|status)$")
CODE = re.compile(r"^[a-z]+(_[a-z]+)*$")


def _module_constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }


def _strings(node: ast.AST | None, constants: dict[str, str]) -> list[str]:
    """The text a node stands for: a constant, a module constant, or both branches of a
    conditional expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, ast.IfExp):
        return _strings(node.body, constants) + _strings(node.orelse, constants)
    return []


def reason_codes_in_source() -> dict[str, set[str]]:
    """code → the files it appears in, from every place a reason code is produced."""
    found: dict[str, set[str]] = {}
    trees = {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(ROOT.rglob("*.py"))
        if not SKIP_DIRS & set(path.relative_to(ROOT).parts)
    }
    # Module constants of every module, so an imported constant resolves too.
    constants = {k: v for tree in trees.values() for k, v in _module_constants(tree).items()}
    for path, tree in trees.items():
        codes: list[str] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                # reason="..." as a keyword argument (log rows, RecordProblem, ...)
                for keyword in node.keywords:
                    if keyword.arg == "reason":
                        codes += _strings(keyword.value, constants)
                # skip("code", ...) and Skip("code", ...)
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in {"skip", "Skip"} and node.args:
                    codes += _strings(node.args[0], constants)
            elif isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "REASONS":
                codes += _strings(node.slice, constants)
            elif isinstance(node, ast.FunctionDef) and REASON_FUNCTIONS.search(node.name):
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return):
                        codes += _strings(ret.value, constants)
        for code in codes:
            if CODE.match(code):
                found.setdefault(code, set()).add(str(path.relative_to(ROOT)))
    return found
