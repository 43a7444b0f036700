"""`python -m desktop_app` behaves exactly like the `askshot` command."""

from __future__ import annotations

from desktop_app.app import main

raise SystemExit(main())
