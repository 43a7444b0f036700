"""A private D-Bus session bus for tests: no service files, so nothing real is
activated on it, and nothing reaches the user's own session bus."""

from __future__ import annotations

import select
import subprocess
from pathlib import Path

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={socket_dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def start_private_bus(
    config_dir: Path, socket_dir: Path, timeout: float = 10.0
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `dbus-daemon` in its own process group; return it and its address.

    The caller stops it by PID (it is killed here if it prints no address).
    """
    config = config_dir / "bus.conf"
    config.write_text(BUS_CONFIG.format(socket_dir=socket_dir), encoding="utf-8")
    bus = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert bus.stdout is not None
    ready, _, _ = select.select([bus.stdout], [], [], timeout)
    line = bus.stdout.readline() if ready else b""
    if not line.strip():
        bus.kill()
        _, stderr = bus.communicate(timeout=5)
        raise RuntimeError(
            f"dbus-daemon did not print its address: {stderr.decode(errors='replace')}"
        )
    return bus, line.decode().strip()
