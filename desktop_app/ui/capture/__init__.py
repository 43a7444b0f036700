"""Screen capture: frozen overlays on every screen, HiDPI-exact crops, the Wayland portal."""

from __future__ import annotations

from .controller import CaptureController
from .environment import open_screen_recording_settings

__all__ = ["CaptureController", "open_screen_recording_settings"]
