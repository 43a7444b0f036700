"""Which Qt plugins and data files AskShot's bundle keeps.

PyInstaller's PySide6 hooks collect every plugin of a type (all platform plugins,
the GTK 3 platform theme, PDF and virtual-keyboard plugins...). Each plugin then
pulls its own libraries in (libqgtk3 alone brings GTK 3, cairo, pango and ATK from
the build host). The hooks next to this file call PyInstaller's own Qt helper and
keep only what this policy allows, *before* PyInstaller follows dependencies, so the
excluded plugins' libraries never enter the bundle.
"""

from __future__ import annotations

from pathlib import PurePath

# Plugin folder -> plugin file stems kept (None: the whole folder). Folders not
# listed (egldeviceintegrations, generic, networkinformation, tls, printsupport,
# sqldrivers, qmltooling, wayland-graphics-integration-*, ...) are dropped.
QT_PLUGINS_KEPT: dict[str, set[str] | None] = {
    "platforms": {
        "libqxcb",  # Linux: X11
        "libqwayland",  # Linux: Wayland
        "libqoffscreen",  # Linux and macOS: headless (--self-test in CI)
        "qwindows",  # Windows
        "qoffscreen",  # Windows: headless
        "libqcocoa",  # macOS
    },
    "imageformats": {
        f"{prefix}q{fmt}"
        for prefix in ("lib", "")
        for fmt in ("gif", "ico", "jpeg", "svg", "tiff", "webp", "icns", "macheif")
    },
    "iconengines": None,  # the SVG icon engine draws the app icon
    "xcbglintegrations": None,  # xcb loads GLX or EGL when a window needs it
    "platforminputcontexts": {
        "libcomposeplatforminputcontextplugin",  # dead keys and compose sequences
        "libibusplatforminputcontextplugin",  # IBus input methods (CJK...)
    },
    "platformthemes": {"libqxdgdesktopportal"},  # portal file dialogs; not libqgtk3
    "wayland-shell-integration": {"libxdg-shell"},
    "wayland-decoration-client": None,  # title bars where the compositor draws none (GNOME)
    "styles": None,  # native look on Windows (qmodernwindowsstyle) and macOS
}


def keep(dest: str) -> bool:
    """Whether a Qt file, by its path inside the bundle, belongs in AskShot."""
    parts = PurePath(dest).parts
    if "Qt" not in parts:
        return True
    rest = parts[parts.index("Qt") + 1 :]
    if not rest:
        return True
    if rest[0] == "translations":
        return False  # AskShot's text is English and installs no Qt translator
    if rest[0] in ("qml", "libexec", "resources"):
        return False
    if rest[0] == "plugins" and len(rest) >= 2:
        kept = QT_PLUGINS_KEPT.get(rest[1], set())
        if kept is None or len(rest) == 2:
            return kept is None
        name = rest[-1]
        return name in kept or name.split(".")[0] in kept
    return True


def lean_qt_dependencies(hook_file: str) -> tuple[list[str], list, list]:
    """PyInstaller's add_qt6_dependencies, minus what `keep` rejects."""
    from PyInstaller.utils.hooks.qt import add_qt6_dependencies

    hiddenimports, binaries, datas = add_qt6_dependencies(hook_file)

    def wanted(entry: tuple[str, str]) -> bool:
        src, dest_dir = entry
        return keep(str(PurePath(dest_dir) / PurePath(src).name))

    return hiddenimports, list(filter(wanted, binaries)), list(filter(wanted, datas))
