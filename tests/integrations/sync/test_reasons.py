"""Every reason code the sync can write into a run's log has a German message (and English).

The codes are found by reading the source, not by listing them here: a new code anywhere in the
engines, mappers, filters or ERP readers that lacks a message fails this test.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.utils import translation

from integrations.sync.types import REASONS

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


def _string(node: ast.AST | None, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    return None


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
        codes: list[str | None] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                # reason="..." as a keyword argument (log rows, RecordProblem, ...)
                codes += [_string(k.value, constants) for k in node.keywords if k.arg == "reason"]
                # skip("code", ...) and Skip("code", ...)
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in {"skip", "Skip"} and node.args:
                    codes.append(_string(node.args[0], constants))
            elif isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "REASONS":
                codes.append(_string(node.slice, constants))
            elif isinstance(node, ast.FunctionDef) and REASON_FUNCTIONS.search(node.name):
                codes += [
                    _string(ret.value, constants)
                    for ret in ast.walk(node)
                    if isinstance(ret, ast.Return)
                ]
        for code in codes:
            if code is not None and CODE.match(code):
                found.setdefault(code, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_the_codes_of_every_kind_of_source():
    codes = reason_codes_in_source()
    # keyword arguments in both engines, skip() in the mappers, returns of the filters,
    # module constants of the ERP reader
    assert {"facilioo_rejected", "missing_in_erp"} <= set(codes)
    assert {"ended_contract", "ambiguous_key", "we_only"} <= set(codes)
    assert {"no_email", "invalid_email", "not_released", "too_large"} <= set(codes)
    assert "erp/file/reader.py" in codes["missing_reference"]


def test_every_reason_code_has_a_german_message_and_an_english_translation():
    codes = reason_codes_in_source()
    without = sorted(code for code in codes if code not in REASONS)
    assert not without, f"reason codes without a message in REASONS: {without}"
    for code in sorted(codes):
        with translation.override("de"):
            german = str(REASONS[code])
        with translation.override("en"):
            english = str(REASONS[code])
        assert german.endswith("."), (code, german)
        assert " " in german, (code, german)
        assert english != german, f"{code}: no English translation"
