"""The machine's failures (read-only folders, locks, full disks) end as sentences, exit 7.

Each runs the real `askshot` in a child process. How each failure is made:
- read-only: a data folder whose parent has no write permission (a root test
  run drops CAP_DAC_OVERRIDE in the child so permissions apply to it too);
- locked: a second connection in the test holds `BEGIN EXCLUSIVE`; the child's
  busy timeout is cut to 0.2 s;
- full: `PRAGMA max_page_count` on every connection the child opens, which
  makes SQLite report SQLITE_FULL exactly as for a full disk; and a file size
  limit (RLIMIT_FSIZE, SIGXFSZ ignored), which SQLite reports as a write error.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.history import History
from desktop_app.core.history_schema import LATEST_VERSION, migrate
from tests.cli_helpers import ROOT, TEST_KEY, Run, askshot
from tests.openai_server import FakeOpenAI

ENVIRONMENT = ErrorKind.ENVIRONMENT.exit_code

# Runs `askshot` after adjusting the child's SQLite: argv[1] is the busy timeout
# in seconds ("" keeps 5 s), argv[2] a max_page_count ("" for none).
_WRAPPER = """
import sqlite3, sys
from desktop_app.core import history_db
busy, pages = sys.argv[1], sys.argv[2]
if busy:
    history_db.BUSY_TIMEOUT_S = float(busy)
if pages:
    _connect = sqlite3.connect
    def connect(*args, **kwargs):
        conn = _connect(*args, **kwargs)
        conn.execute(f"PRAGMA max_page_count = {int(pages)}")
        return conn
    sqlite3.connect = connect
from desktop_app.app import main
sys.exit(main(sys.argv[3:]))
"""


def _child(
    *args: str,
    busy: float | None = None,
    max_pages: int | None = None,
    preexec: Callable[[], None] | None = None,
    timeout: float = 60,
) -> Run:
    """`askshot ARGS` in a child, like `tests.cli_helpers.askshot`, with the knobs above."""
    env = dict(os.environ, OPENAI_API_KEY=TEST_KEY, PYTHONPATH=str(ROOT))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no .pyc writes under a file size limit
    command = [sys.executable, "-c", _WRAPPER, "" if busy is None else str(busy)]
    command += ["" if max_pages is None else str(max_pages), *args]
    result = subprocess.run(
        command,
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
        preexec_fn=preexec,
    )
    return Run(
        result.returncode,
        result.stdout.decode("utf-8", "replace"),
        result.stderr.decode("utf-8", "replace"),
    )


def _history_path() -> Path:
    return Path(os.environ["ASKSHOT_DATA_DIR"]) / "history.sqlite3"


def _assert_sentence(run: Run, *words: str) -> None:
    """Exit 7, no traceback, and one line on stderr holding every word."""
    assert run.code == ENVIRONMENT, run.err
    assert "Traceback" not in run.err
    lines = [line for line in run.err.splitlines() if line.startswith("askshot: ")]
    assert len(lines) == 1, run.err
    for word in words:
        assert word in lines[0], run.err


# -- read-only folders ------------------------------------------------------------

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER = 1, 2, 3


def _obey_permissions() -> None:
    """In the child: root loses the power to write where permissions say no."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write into (checked from a child process)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    probe = subprocess.run(
        [sys.executable, "-c", f"open({str(folder / 'probe')!r}, 'w')"],
        capture_output=True,
        preexec_fn=_obey_permissions,
        check=False,
    )
    try:
        if probe.returncode == 0:
            pytest.skip("cannot make a folder read-only for a child process here")
        yield folder
    finally:
        folder.chmod(0o700)


def test_a_data_folder_that_cannot_be_created_is_a_sentence(
    read_only_folder: Path, openai_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = read_only_folder / "askshot"
    monkeypatch.setenv("ASKSHOT_DATA_DIR", str(data))

    run = _child("ask", "--base-url", openai_server.base_url, "hi", preexec=_obey_permissions)

    _assert_sentence(run, str(data), "not allowed to write", "ASKSHOT_DATA_DIR")
    assert openai_server.requests == []


def test_a_read_only_history_file_is_a_sentence(tmp_path: Path, openai_server: FakeOpenAI) -> None:
    History(_history_path()).close()
    _history_path().chmod(0o400)

    run = _child("ask", "--base-url", openai_server.base_url, "hi", preexec=_obey_permissions)

    if run.code == 0:
        pytest.skip("cannot make a file read-only for a child process here")
    _assert_sentence(run, str(_history_path()), "writable")
    assert openai_server.requests == []


def test_a_folder_in_place_of_the_history_is_a_sentence(openai_server: FakeOpenAI) -> None:
    _history_path().mkdir(parents=True)

    ask = askshot("ask", "--base-url", openai_server.base_url, "hi")
    listing = askshot("history", "list")

    for run in (ask, listing):
        _assert_sentence(run, str(_history_path()), "is a folder", "Move it away")
    assert openai_server.requests == []


# -- a lock held by another program -----------------------------------------------


@contextmanager
def _locked(path: Path) -> Iterator[sqlite3.Connection]:
    """Another program in the middle of a write transaction on `path`."""
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        other.execute(
            "INSERT INTO conversations (title, created_at, updated_at) "
            "VALUES ('not committed', '2030', '2030')"
        )
        try:
            yield other
        finally:
            other.execute("ROLLBACK")


def test_a_locked_history_is_a_sentence_after_a_short_wait(openai_server: FakeOpenAI) -> None:
    History(_history_path()).close()

    with _locked(_history_path()):
        started = time.monotonic()
        run = _child("ask", "--base-url", openai_server.base_url, "hi", busy=0.2)
        elapsed = time.monotonic() - started

    _assert_sentence(run, str(_history_path()), "locked by another program", "Close")
    assert openai_server.requests == []
    assert elapsed < 4.5  # the 0.2 s timeout, not the 5 s default


def test_a_write_that_finds_the_history_locked_is_an_environment_error() -> None:
    with (
        History(_history_path(), busy_timeout=0.2) as history,
        _locked(_history_path()),
        pytest.raises(AppError) as caught,
    ):
        history.create_conversation("mine")

    assert caught.value.kind is ErrorKind.ENVIRONMENT
    assert "locked by another program" in caught.value.message


# -- a full disk ------------------------------------------------------------------


def test_a_full_disk_is_a_sentence(openai_server: FakeOpenAI) -> None:
    # A new history needs ~30 pages for its tables: 8 is a disk that fills up.
    run = _child("ask", "--base-url", openai_server.base_url, "hi", max_pages=8)

    _assert_sentence(run, str(_history_path()), "is full", "Free some disk space")
    assert openai_server.requests == []


def _file_size_limit() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, not kills
    # Above the 32 kB shared-memory file, below what a new history writes.
    resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))


def test_a_file_size_limit_is_a_sentence(openai_server: FakeOpenAI) -> None:
    run = _child("ask", "--base-url", openai_server.base_url, "hi", preexec=_file_size_limit)

    _assert_sentence(run, str(_history_path()), "disk error", "not full")
    assert openai_server.requests == []


def test_a_write_on_a_full_disk_is_an_environment_error() -> None:
    with History(_history_path()) as history:
        pages = history._conn.execute("PRAGMA page_count").fetchone()[0]
        history._conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(AppError) as caught:
            history.create_conversation("x" * 20_000)

    assert caught.value.kind is ErrorKind.ENVIRONMENT
    assert "Free some disk space" in caught.value.message


def test_other_database_failures_stay_bugs() -> None:
    with History(_history_path()) as history:
        with closing(sqlite3.connect(_history_path())) as other:
            other.execute("DROP TABLE conversations")
        with pytest.raises(AppError) as caught:
            history.create_conversation("x")

    assert caught.value.kind is ErrorKind.BUG


# -- read-only commands never take the write lock ---------------------------------


def _one_conversation() -> None:
    with History(_history_path()) as history:
        conv = history.create_conversation()
        history.add_user_message(conv, "Where is the kettle descaler?")


@pytest.mark.parametrize(
    ("args", "shows"),
    [
        (("history", "list"), "Where is the kettle descaler?"),
        (("history", "show", "1"), "Where is the kettle descaler?"),
        (("history", "search", "kettle"), "[kettle]"),
        (("history", "export", "1", "--format", "json"), "kettle descaler"),
        (("spend",), "All time"),
    ],
)
def test_reading_works_while_another_program_writes(args: tuple[str, ...], shows: str) -> None:
    _one_conversation()

    with _locked(_history_path()):
        started = time.monotonic()
        run = askshot(*args)  # the default 5 s busy timeout: no waiting on the lock
        elapsed = time.monotonic() - started

    assert run.code == 0, run.err
    assert shows in run.out
    assert "not committed" not in run.out
    assert elapsed < 4.5


def test_reading_a_missing_history_creates_nothing() -> None:
    for args in (("history", "list"), ("history", "search", "x"), ("spend",)):
        run = askshot(*args)
        assert run.code == 0, run.err
    assert "No conversations yet" in askshot("history", "list").out
    assert not Path(os.environ["ASKSHOT_DATA_DIR"]).exists()


def test_reading_an_older_history_leaves_it_as_it_was() -> None:
    _history_path().parent.mkdir(parents=True)
    with closing(sqlite3.connect(_history_path(), isolation_level=None)) as old:
        migrate(old, _history_path(), target=1)
        old.execute(
            "INSERT INTO conversations (title, created_at, updated_at) VALUES "
            "('From the old days', '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00')"
        )
    before = _history_path().read_bytes()

    run = askshot("history", "list")

    assert run.code == 0, run.err
    assert "From the old days" in run.out
    assert _history_path().read_bytes() == before
    with closing(sqlite3.connect(_history_path())) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == 1 < LATEST_VERSION


def test_a_read_only_history_refuses_writes() -> None:
    _one_conversation()
    with History(_history_path(), read_only=True) as reader:
        assert [c.title for c in reader.conversations()] == ["Where is the kettle descaler?"]
        with pytest.raises(AppError) as caught:
            reader.create_conversation("no")
    assert caught.value.kind is ErrorKind.BUG


def test_an_older_history_too_big_to_copy_says_how_to_upgrade(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop_app.core import history_db

    _history_path().parent.mkdir(parents=True)
    with closing(sqlite3.connect(_history_path(), isolation_level=None)) as old:
        migrate(old, _history_path(), target=1)
    monkeypatch.setattr(history_db, "READ_ONLY_UPGRADE_LIMIT", 0)

    with pytest.raises(AppError) as caught:
        History(_history_path(), read_only=True)

    assert caught.value.kind is ErrorKind.ENVIRONMENT
    assert "older AskShot" in caught.value.message and "upgrade" in caught.value.message
