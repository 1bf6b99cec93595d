"""Tests share code through helper modules (``tests/helpers.py``, ``tests/live.py``,
``tests/<app>/helpers.py``) and fixtures through ``conftest.py``, which pytest loads by
itself: no file under tests/ imports a test module or a conftest."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def forbidden(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def imported_modules(tree: ast.AST, package: str) -> Iterator[tuple[int, str]]:
    """Every module an import statement names, resolved against ``package``; for
    ``from a import b``, ``a.b`` too (``b`` may be a module)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            # ``from . import x`` is level 1: the package itself; each further dot, its parent.
            start = parts[: len(parts) - node.level + 1] if node.level else []
            module = ".".join([*start, *([node.module] if node.module else [])])
            if node.module:
                yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def test_no_file_under_tests_imports_a_test_module_or_a_conftest():
    offences = []
    for path in sorted(TESTS.rglob("*.py")):
        relative = path.relative_to(TESTS.parent)
        package = ".".join(relative.parent.parts)
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, module in imported_modules(tree, package):
            if forbidden(module):
                offences.append(f"{relative}:{line} imports {module}")
    assert offences == [], "\n".join(offences)
