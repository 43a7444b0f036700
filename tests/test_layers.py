"""The layer rules, checked on the source: an AST walk of every module in desktop_app/.

- core/ imports no Qt, and imports cleanly with PySide6 unavailable;
- only core/chat_client.py imports openai;
- nothing in the package imports the composition root (desktop_app.app) except
  desktop_app/__main__.py; outside it only packaging's entry script may (tests and
  benchmarks drive it as a user would, as an entry point);
- desktop_app/ui and desktop_app/cli never import each other, and context.py neither;
- no import cycles among the package's modules.

Which imports count for cycles: those that run while a module is being imported,
i.e. module-level statements (inside `try`/`if` too) but not the body of an
`if TYPE_CHECKING:` block, which never runs. Imports inside functions are left
out on purpose: they run when called, after every module has finished loading,
so they cannot meet a half-initialised module; they are also how the window
keeps `openai` and Qt off the start-up path. A cycle of module-level imports is
what breaks ("cannot import name ... from partially initialized module").
The other rules count every import, wherever it is.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "desktop_app"
CORE = PACKAGE / "core"
QT_MODULES = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom names (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at import time: not in functions, classes' methods or TYPE_CHECKING."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _module_level(block)
            for handler in node.handlers:
                yield from _module_level(handler.body)
        elif isinstance(node, (ast.With, ast.ClassDef)):
            yield from _module_level(node.body)
        else:
            yield node


def _imports(
    path: Path, *, module_level_only: bool = False, submodules: frozenset[str] = frozenset()
) -> set[str]:
    """Modules `path` imports; for `from X import y`, also X.y (it may be a submodule).

    With `submodules` (the package's modules), `from X import y` where X.y is one of
    them counts as X.y alone: X is already in sys.modules, complete or not, and only
    X.y has to be finished (`from . import environment` does not need the package).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = _module_level(tree.body) if module_level_only else ast.walk(tree)
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(path, node)
            targets = {f"{module}.{alias.name}" for alias in node.names}
            names.update(targets)
            if not targets <= submodules:
                names.add(module)
    return names


def _package_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _importers(prefix: str, paths: dict[str, Path]) -> set[str]:
    return {
        name
        for name, path in paths.items()
        if any(m == prefix or m.startswith(prefix + ".") for m in _imports(path))
    }


def test_core_modules_never_import_qt() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _imports(path) if m.split(".")[0] in QT_MODULES
        )
        for path in CORE.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_chat_client_imports_openai() -> None:
    importers = sorted(
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if any(m.split(".")[0] == "openai" for m in _imports(path))
    )
    assert importers == ["desktop_app/core/chat_client.py"]


def test_nothing_imports_the_composition_root() -> None:
    paths = _package_modules()
    assert _importers("desktop_app.app", paths) == {"desktop_app.__main__"}
    outside = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "packaging").rglob("*.py")
        if any(m == "desktop_app.app" for m in _imports(p))
    }
    assert outside == {"packaging/askshot_entry.py"}


def test_ui_and_cli_never_import_each_other() -> None:
    paths = _package_modules()
    ui = {name for name in paths if name.startswith("desktop_app.ui")}
    cli = {name for name in paths if name.startswith("desktop_app.cli")}
    assert _importers("desktop_app.cli", paths) & ui == set()
    assert _importers("desktop_app.ui", paths) & cli == set()
    # The shared context is for both doors, so it depends on neither.
    assert _importers("desktop_app.ui", paths) & {"desktop_app.context"} == set()
    assert _importers("desktop_app.cli", paths) & {"desktop_app.context"} == set()


def _graph() -> dict[str, set[str]]:
    paths = _package_modules()
    modules = frozenset(paths)
    return {
        name: {m for m in _imports(path, module_level_only=True, submodules=modules) if m in paths}
        - {name}
        for name, path in paths.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
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


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_sees_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_type_checking_and_function_imports_do_not_count_for_cycles(tmp_path: Path) -> None:
    source = tmp_path / "desktop_app_probe.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "import json\n"
        "if TYPE_CHECKING:\n    import csv\n"
        "try:\n    import zlib\nexcept ImportError:\n    zlib = None\n"
        "def later():\n    import gzip\n"
    )
    found = {m for m in _imports(source, module_level_only=True) if "." not in m}
    assert found == {"typing", "json", "zlib"}


def test_every_package_folder_is_in_pyproject() -> None:
    """The wheel lists its packages by hand (see pyproject); a new folder must be added."""
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {_module_name(p) for p in PACKAGE.rglob("__init__.py")} | {"desktop_app.resources"}
    assert listed == on_disk


def test_core_imports_with_qt_unavailable() -> None:
    """Import every core module in a fresh interpreter where PySide6 cannot load."""
    modules = sorted(
        "desktop_app.core." + p.relative_to(CORE).with_suffix("").as_posix().replace("/", ".")
        for p in CORE.rglob("*.py")
        if p.name != "__init__.py"
    )
    script = f"""
import importlib, sys
class BlockQt:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {QT_MODULES!r}:
            raise ImportError('Qt is blocked in this test: ' + name)
        return None
sys.meta_path.insert(0, BlockQt())
for name in {modules!r}:
    importlib.import_module(name)
print(len({modules!r}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) == len(modules) >= 5
