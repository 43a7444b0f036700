"""PySide6's import hook must never run a module's `__getattr__` (it broke `import openai`).

The hook asked `inspect.getsource(module)`, which probes `module.__wrapped__`;
pydantic answers that by importing a module that may be half-imported, so the
first question after start-up failed now and then with an ImportError.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import desktop_app.ui  # noqa: F401  (installs the fix, as any window code does)


def _probed(name: str) -> object:
    raise RuntimeError(f"the import hook probed module attribute {name!r}")


def test_the_hook_reads_the_file_and_never_probes_the_module(tmp_path: Path) -> None:
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
