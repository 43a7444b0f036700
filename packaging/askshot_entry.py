"""PyInstaller's entry script: the frozen `askshot` runs the same `main()` as the wheel's."""

from __future__ import annotations

import sys

from desktop_app.app import main

if __name__ == "__main__":
    sys.exit(main())
