"""PySide6's import hook must never run a module's `__getattr__` (it broke `import openai`).

The hook asks `inspect.getsource(module)`, which probes `module.__wrapped__`;
pydantic answers that by importing a module that may be half-imported, so the
first question after start-up failed with an ImportError. Each check runs in a
fresh interpreter: the hook and the imported modules are per process.
"""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALL = "from desktop_app.ui.window import import_hook; import_hook.install()\n"


def _python(code: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    path = ":".join(str(p) for p in (ROOT, *paths))
    return subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path[:0] = {path.split(':')!r}\n{code}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def pydantic_shaped(tmp_path: Path) -> Path:
    """Two modules shaped like pydantic's: `errors` answers unknown names by importing
    `validators`, and `validators` imports `errors` before defining what it exports."""
    package = tmp_path / "shaped"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "validators.py").write_text(
        "from shaped.errors import SchemaError\n\ndef import_string(path):\n    return path\n"
    )
    (package / "errors.py").write_text(
        "class SchemaError(Exception):\n    pass\n\n"
        "def __getattr__(name):\n"
        "    if name == '__path__':\n        raise AttributeError(name)\n"
        "    from shaped.validators import import_string\n"
        "    raise AttributeError(name)\n"
    )
    return tmp_path


def test_without_the_fix_an_import_after_qt_fails(pydantic_shaped: Path) -> None:
    plain = _python("import shaped.validators", pydantic_shaped)
    assert plain.returncode == 0, plain.stderr  # fine without Qt
    after_qt = _python("import PySide6.QtCore\nimport shaped.validators", pydantic_shaped)
    assert after_qt.returncode != 0
    assert "partially initialized module 'shaped.validators'" in after_qt.stderr


def test_with_the_fix_the_same_import_after_qt_works(pydantic_shaped: Path) -> None:
    result = _python(INSTALL + "import shaped.validators\nprint('imported')", pydantic_shaped)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported"


def test_openai_imports_after_qt_with_the_fix() -> None:
    code = INSTALL + "from PySide6.QtWidgets import QApplication\nimport openai\nprint('ok')"
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def _probed(name: str) -> object:
    raise RuntimeError(f"the import hook probed module attribute {name!r}")


def test_the_check_reads_the_file_and_never_probes_the_module(tmp_path: Path) -> None:
    from desktop_app.ui.window import import_hook

    import_hook.install()
    check = sys.modules["shibokensupport.feature"]._mod_uses_pyside
    uses = tmp_path / "uses.py"
    uses.write_text("from PySide6.QtCore import QObject\n")
    plain = tmp_path / "plain.py"
    plain.write_text("import json\n")
    for path, expected in ((uses, True), (plain, False), (None, False)):
        module = types.ModuleType("probe")
        if path is not None:
            module.__file__ = str(path)
        module.__getattr__ = _probed  # type: ignore[attr-defined]
        assert check(module) is expected
