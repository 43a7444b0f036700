"""A stand-in xdg-desktop-portal for tests: owns org.freedesktop.portal.Desktop on
whatever session bus DBUS_SESSION_BUS_ADDRESS names and answers Screenshot calls.

Run as a script: ``python -m tests.capture_portal_service --png FILE [--response N]``.
It prints ``ready`` once it owns the name and one ``call interactive=... token=...``
line per Screenshot call, so a test can wait on its stdout instead of sleeping.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jeepney import DBusAddress, HeaderFields, MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

BUS_NAME = "org.freedesktop.portal.Desktop"
OBJECT_PATH = "/org/freedesktop/portal/desktop"
SCREENSHOT_IFACE = "org.freedesktop.portal.Screenshot"
REQUEST_IFACE = "org.freedesktop.portal.Request"


def request_path(sender: str, token: str) -> str:
    """The path the real portal uses, which clients subscribe to before calling."""
    return f"{OBJECT_PATH}/request/{sender.lstrip(':').replace('.', '_')}/{token}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--png", required=True, help="image the 'screenshot' returns")
    parser.add_argument("--response", type=int, default=0, help="0 ok, 1 cancelled, 2 failed")
    args = parser.parse_args()
    uri = Path(args.png).resolve().as_uri()

    conn = open_dbus_connection(bus="SESSION")
    reply = conn.send_and_get_reply(message_bus.RequestName(BUS_NAME, 4))  # 4: do not queue
    if reply.body[0] != 1:
        print(f"could not own {BUS_NAME}: {reply.body}", flush=True)
        return 1
    print("ready", flush=True)

    while True:
        msg = conn.receive()
        hdr = msg.header
        if hdr.message_type != MessageType.method_call:
            continue
        iface = hdr.fields.get(HeaderFields.interface)
        member = hdr.fields.get(HeaderFields.member)
        if (iface, member) != (SCREENSHOT_IFACE, "Screenshot"):
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))
            continue
        _parent_window, options = msg.body
        token = options.get("handle_token", ("s", "t"))[1]
        interactive = options.get("interactive", ("b", False))[1]
        print(f"call interactive={interactive} token={token}", flush=True)
        path = request_path(hdr.fields[HeaderFields.sender], token)
        conn.send(new_method_return(msg, "o", (path,)))
        results = {"uri": ("s", uri)} if args.response == 0 else {}
        emitter = DBusAddress(path, interface=REQUEST_IFACE)
        conn.send(new_signal(emitter, "Response", "ua{sv}", (args.response, results)))


if __name__ == "__main__":
    sys.exit(main())
