"""A real, private Secret Service for keyring tests: dbus-daemon + gnome-keyring-daemon.

Each test gets its own session bus (a minimal config with no service
activation, so nothing else is started behind our back) and, for
`secret_service`, a gnome-keyring-daemon unlocked with a throw-away password
read from stdin. HOME and the XDG folders point into the test's tmp_path, so
the keyring file lives there and the user's real keyring is never touched.
Both daemons run in their own process group and are killed by PID on teardown.
Start-up waits on D-Bus events (the address line, NameOwnerChanged), not sleeps.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.private_bus import start_private_bus

TOOLS = ("dbus-daemon", "gnome-keyring-daemon", "secret-tool")
SECRETS_NAME = "org.freedesktop.secrets"
START_TIMEOUT = 10.0


def require_tools() -> None:
    """Skip the test, naming what to install, when a daemon is missing."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"{', '.join(missing)} not installed: apt install gnome-keyring dbus "
            "libsecret-tools to run the real Secret Service tests"
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill the process group we started, politely first."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


@dataclass
class SecretServiceSession:
    """A private bus, optionally with gnome-keyring on it, and the env that selects it."""

    root: Path
    address: str
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return Path(self.env["HOME"])

    def secret_tool(self, *args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run libsecret's secret-tool against this bus (the way another program sees it)."""
        return subprocess.run(
            ["secret-tool", *args],
            input=key,
            capture_output=True,
            text=True,
            env={**os.environ, **self.env},
            timeout=10,
            check=False,
        )

    def lock_default_collection(self) -> None:
        """Lock the login keyring, as after a screen lock or a `secret-tool lock`."""
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection

        connection = open_dbus_connection(bus=self.address)
        with contextlib.closing(connection):
            collection = secretstorage.get_default_collection(connection)
            collection.lock()
            assert collection.is_locked()

    def stop_keyring(self) -> None:
        """Stop gnome-keyring-daemon (a crash, or logging out), keeping the bus."""
        _stop(self.processes.pop("gnome-keyring-daemon"))


def _start_bus(root: Path, run_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    return start_private_bus(root, run_dir, START_TIMEOUT)


def _wait_for_name(address: str, name: str) -> None:
    """Block until `name` has an owner on the bus (NameOwnerChanged), with a timeout."""
    from jeepney.bus_messages import MatchRule, message_bus
    from jeepney.io.blocking import open_dbus_connection

    rule = MatchRule(
        type="signal",
        sender="org.freedesktop.DBus",
        interface="org.freedesktop.DBus",
        member="NameOwnerChanged",
        path="/org/freedesktop/DBus",
    )
    rule.add_arg_condition(0, name)
    connection = open_dbus_connection(bus=address)
    with contextlib.closing(connection), connection.filter(rule) as queue:
        # Subscribe first, then ask: the signal cannot slip between the two.
        connection.send_and_get_reply(message_bus.AddMatch(rule), timeout=START_TIMEOUT)
        reply = connection.send_and_get_reply(message_bus.NameHasOwner(name))
        if reply.body[0]:
            return
        try:
            connection.recv_until_filtered(queue, timeout=START_TIMEOUT)
        except TimeoutError:
            raise RuntimeError(f"{name} did not appear on the test bus") from None


@contextlib.contextmanager
def private_bus(root: Path, *, with_keyring: bool) -> Iterator[SecretServiceSession]:
    """Start a session bus (and gnome-keyring on it) with HOME under `root`."""
    home = root / "home"
    env = {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    for folder in env.values():
        Path(folder).mkdir(parents=True, exist_ok=True)
    # Socket paths are limited to ~108 bytes: keep the runtime dir short.
    run_dir = Path(tempfile.mkdtemp(prefix="askshot-bus-"))
    run_dir.chmod(0o700)
    env["XDG_RUNTIME_DIR"] = str(run_dir)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        bus, address = _start_bus(root, run_dir)
        processes["dbus-daemon"] = bus
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        session = SecretServiceSession(root, address, env, processes)
        if with_keyring:
            keyring_daemon = subprocess.Popen(
                ["gnome-keyring-daemon", "--unlock", "--components=secrets", "--foreground"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={**os.environ, **env},
                start_new_session=True,
            )
            processes["gnome-keyring-daemon"] = keyring_daemon
            assert keyring_daemon.stdin is not None
            keyring_daemon.stdin.write(b"throw-away password")  # --unlock reads it from stdin
            keyring_daemon.stdin.close()
            _wait_for_name(address, SECRETS_NAME)
        yield session
    finally:
        for name in ("gnome-keyring-daemon", "dbus-daemon"):
            if name in processes:
                _stop(processes.pop(name))
        shutil.rmtree(run_dir, ignore_errors=True)


def _use_bus(session: SecretServiceSession, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point this process at the bus and make keyring pick its backend afresh."""
    import keyring.core

    for name, value in session.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    # keyring caches the backend it chose; monkeypatch restores the previous one.
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)


@pytest.fixture
def secret_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SecretServiceSession]:
    """An unlocked gnome-keyring on a private bus, selected as keyring's backend."""
    require_tools()
    with private_bus(tmp_path / "secret-service", with_keyring=True) as session:
        _use_bus(session, monkeypatch)
        yield session


@pytest.fixture
def bus_without_keyring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SecretServiceSession]:
    """A private session bus where nothing provides the Secret Service."""
    require_tools()
    with private_bus(tmp_path / "bare-bus", with_keyring=False) as session:
        _use_bus(session, monkeypatch)
        yield session
