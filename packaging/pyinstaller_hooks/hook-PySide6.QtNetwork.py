"""AskShot's hook for PySide6.QtNetwork: PyInstaller's own, with only the plugins AskShot uses."""

from askshot_qt_policy import lean_qt_dependencies

hiddenimports, binaries, datas = lean_qt_dependencies(__file__)
