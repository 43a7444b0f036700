"""Keep PySide6's import hook from breaking the first `import openai`.

After PySide6 is imported, every import in the process passes through its
`__feature__` hook, which asks `inspect.getsource(module)` whether the module
mentions PySide6. `inspect` first probes `module.__wrapped__`, and that runs a
module's own `__getattr__`: pydantic's answers by importing
`pydantic._internal._validators`, which may be the very module being imported.
Importing openai (pydantic) after Qt then fails now and then with "cannot import
name 'import_string' from partially initialized module" and the first question
ends in an error. Reading the file's text answers the hook's question the same
way without touching any module attribute.
"""

from __future__ import annotations

import sys
from types import ModuleType

_MARK = "_askshot_reads_files"


def _uses_pyside(module: ModuleType) -> bool:
    """Whether the module's source mentions PySide6 (what the hook wants to know)."""
    path = module.__dict__.get("__file__")  # never module.__getattr__
    if not isinstance(path, str) or not path.endswith(".py"):
        return False  # built-in, extension or bytecode-only: inspect finds no source either
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def install() -> None:
    """Replace the hook's source check; safe to call more than once, a no-op if it moved."""
    import PySide6.QtCore  # noqa: F401  (loads the hook)

    feature = sys.modules.get("shibokensupport.feature")
    check = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or check is None or getattr(check, _MARK, False):
        return
    setattr(_uses_pyside, _MARK, True)
    feature._mod_uses_pyside = _uses_pyside  # type: ignore[attr-defined]
