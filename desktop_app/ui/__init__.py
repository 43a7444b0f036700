"""AskShot's window: the only package that imports Qt."""

from desktop_app.ui import pyside_import_hook

pyside_import_hook.install()  # before any thread imports openai (see that module)
