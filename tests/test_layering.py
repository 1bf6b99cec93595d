"""The apps stand on floors; these checks keep them there.

- ``lint-imports`` checks the contracts in pyproject.toml: an app imports only apps on
  lower floors (a lower app that must react to a higher one listens to a Django signal),
  and no app but ``realtime`` imports the log's models, the hub or its backends (apps
  publish through ``realtime.publish`` and store through ``realtime.log``).
- An import inside a function hides a dependency; one of a first-party app must say on
  its line why it cannot be at the top of the module.
- Within an app, no modules import each other in a cycle at module level.
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tokenize
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "root_packages"
]


def test_apps_import_only_lower_floors() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _modules(app: str) -> Iterator[tuple[str, Path]]:
    """(dotted name, path) of every module of an app."""
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def _is_first_party(module: str) -> bool:
    return module.split(".")[0] in APPS


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module an ``from ... import`` names, with relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _comment_lines(source: str) -> set[int]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {token.start[0] for token in tokens if token.type == tokenize.COMMENT}


def _imported(node: ast.Import | ast.ImportFrom, module: str, path: Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [_absolute(node, module, path.name == "__init__.py")]


def _local_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports inside function bodies (at any depth)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield inner


@pytest.mark.parametrize("app", APPS)
def test_function_local_imports_say_why(app: str) -> None:
    unexplained = []
    for module, path in _modules(app):
        source = path.read_text()
        comments = _comment_lines(source)
        seen: set[int] = set()
        for node in _local_imports(ast.parse(source)):
            if id(node) in seen:  # a function inside a function is walked twice
                continue
            seen.add(id(node))
            if not any(_is_first_party(name) for name in _imported(node, module, path)):
                continue
            if not comments.intersection(range(node.lineno, (node.end_lineno or 0) + 1)):
                unexplained.append((path.relative_to(ROOT).as_posix(), node.lineno))
    assert not unexplained, (
        "function-local imports of first-party apps with no comment on their line saying "
        "why they cannot be at the top of the module:\n"
        + "\n".join(f"  {path}:{line}" for path, line in sorted(unexplained))
    )


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports run when the module is imported: not in functions, not for type checkers."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _module_level_imports(node.orelse)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                children = getattr(node, field, None)
                if not children:
                    continue
                for child in children:
                    if isinstance(child, ast.ExceptHandler | ast.match_case):
                        yield from _module_level_imports(child.body)
                    elif isinstance(child, ast.stmt):
                        yield from _module_level_imports([child])


def _import_graph(app: str) -> dict[str, set[str]]:
    """Module -> the modules of the same app it imports at module level."""
    paths = dict(_modules(app))
    graph: dict[str, set[str]] = {module: set() for module in paths}
    for module, path in paths.items():
        for node in _module_level_imports(ast.parse(path.read_text()).body):
            targets = _imported(node, module, path)
            if isinstance(node, ast.ImportFrom):
                # ``from package import module`` imports the module itself.
                targets = [
                    f"{targets[0]}.{alias.name}"
                    if f"{targets[0]}.{alias.name}" in paths
                    else targets[0]
                    for alias in node.names
                ]
            graph[module].update(t for t in targets if t in paths and t != module)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("app", APPS)
def test_no_import_cycles_within_an_app(app: str) -> None:
    graph = _import_graph(app)
    cycles = _cycles(graph)
    described = []
    for component in cycles:
        members = set(component)
        edges = [f"  {m} -> {t}" for m in component for t in sorted(graph[m] & members)]
        described.append("\n".join(edges))
    assert not cycles, "modules importing each other at module level:\n" + "\n\n".join(described)


def test_the_cycle_check_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
