"""Which way to grab the screen here, and what to tell a person when it cannot work."""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Mapping

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

BACKEND_ENV = "ASKSHOT_CAPTURE_BACKEND"
MACOS_SCREEN_RECORDING_URL = (
    "x-apple.systempreferences:com.apple.preference.security?Privacy_ScreenCapture"
)

PORTAL_MISSING = (
    "Taking a screenshot on Wayland needs the desktop's screenshot portal, and it is not "
    "running. Install xdg-desktop-portal and a backend such as xdg-desktop-portal-gnome or "
    "xdg-desktop-portal-kde (xdg-desktop-portal-wlr on Sway and other wlroots desktops), "
    "then log out and back in."
)
NO_SESSION_BUS = (
    "AskShot could not reach the D-Bus session bus, which the Wayland screenshot portal "
    "needs. Start AskShot from your desktop session (not a bare terminal or ssh) and try again."
)
MACOS_PERMISSION = (
    "macOS is not letting AskShot record the screen, so the grab shows only the wallpaper. "
    "Open System Settings → Privacy & Security → Screen Recording, turn AskShot on, then "
    "quit and reopen AskShot."
)
WAYLAND_QT_BLANK = (
    "The screen grab came back blank: on Wayland, applications cannot read the screen "
    f"directly. Unset {BACKEND_ENV}=qt so AskShot uses the desktop's screenshot portal."
)
GENERIC_BLANK = (
    "The screen grab came back completely black, so nothing was attached. If you are on "
    "Wayland, install xdg-desktop-portal and a backend for your desktop; otherwise check "
    "that screen capture is not blocked (remote desktop, protected video) and try again."
)


def manages_windows(platform_name: str) -> bool:
    """False on Qt's offscreen/minimal platforms, where raise, activate and keyboard
    grabs only print warnings (tests and headless runs)."""
    return platform_name not in ("offscreen", "minimal")


def is_wayland(platform_name: str, environ: Mapping[str, str] | None = None) -> bool:
    """Wayland session, even when Qt itself runs through XWayland (which sees no windows)."""
    env = os.environ if environ is None else environ
    if platform_name.startswith("wayland"):
        return True
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return False
    return env.get("XDG_SESSION_TYPE", "").lower() == "wayland" or bool(env.get("WAYLAND_DISPLAY"))


def choose_backend(platform_name: str, environ: Mapping[str, str] | None = None) -> str:
    """The capture path: portal on Wayland, qt elsewhere; ASKSHOT_CAPTURE_BACKEND forces one."""
    env = os.environ if environ is None else environ
    forced = env.get(BACKEND_ENV, "").strip().lower()
    if forced in ("portal", "qt"):
        return forced
    return "portal" if is_wayland(platform_name, env) else "qt"


def blank_grab_reason(platform_name: str, environ: Mapping[str, str] | None = None) -> str:
    """The sentence for a grab that came back blank on this platform."""
    if sys.platform == "darwin":
        return MACOS_PERMISSION
    if is_wayland(platform_name, environ):
        return WAYLAND_QT_BLANK
    return GENERIC_BLANK


def screen_recording_allowed() -> bool | None:
    """On macOS 10.15+, whether Screen Recording is granted; None where unknown.

    When it is not, this also asks macOS once to list AskShot in the Screen
    Recording pane (and show its prompt), which only happens after a request.
    """
    if sys.platform != "darwin":
        return None
    try:
        cg = ctypes.cdll.LoadLibrary(
            "/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics"
        )
        preflight = cg.CGPreflightScreenCaptureAccess
        request = cg.CGRequestScreenCaptureAccess
    except (OSError, AttributeError):  # older macOS: no such permission to check
        return None
    preflight.restype = request.restype = ctypes.c_bool
    return bool(preflight()) or bool(request())


def open_screen_recording_settings() -> bool:
    """Open macOS's Screen Recording privacy pane; False elsewhere or on failure."""
    if sys.platform != "darwin":
        return False
    return QDesktopServices.openUrl(QUrl(MACOS_SCREEN_RECORDING_URL))
