"""Keep PySide6's import hook from running other modules' `__getattr__` mid-import.

Affected: the PySide6 releases whose `shibokensupport/feature.py` has
`_mod_uses_pyside` calling `inspect.getsource` (added for PYSIDE-2029; present
in 6.11.3, the version tested here, and in pyside-setup's current source). After
PySide6 is imported, every `import` statement's result passes through
`feature_imported()`, which asks `inspect.getsource(module)` whether the module
mentions "PySide6". `inspect` first unwraps the module:
`hasattr(module, "__wrapped__")` runs the module's own `__getattr__`. pydantic's
answers through `getattr_migration`, which runs `from ._internal._validators
import import_string`. If `_validators` is the module that is importing
`pydantic.errors` at that moment, this fails with "cannot import name
'import_string' from partially initialized module", and `import openai` after
Qt raised ImportError, so the first question ended in an error. Whether it
happens depends on which pydantic module imports `pydantic.errors` first; with
pydantic 2.14, whose `__init__` imports it early, `import openai` passes, but
any package shaped like that fails (tests/test_pyside_import_hook.py).

No upstream report was found. Searched: GitHub issues for "PySide6 __feature__
import hook", "_mod_uses_pyside inspect.getsource" and "partially initialized
module" with pydantic; the hits were other trouble from the same `getsource`
call (pyzo/pyzo#851, Cubicpath/HaloInfiniteGetter#82). Qt's own tracker
(bugreports.qt.io) could not be searched from here.

The fix answers the hook's question ("does the module's source mention
PySide6?") by reading the module's file, never touching a module attribute.
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
