"""Conversation history on real SQLite files in tmp_path."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Usage
from desktop_app.core.history import FILE_NAME, History, NewAttachment, derive_title
from desktop_app.core.history_models import status_for_finish
from desktop_app.core.history_query import fts_query
from desktop_app.core.history_schema import LATEST_VERSION, migrate

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


class Clock:
    """A clock that moves one minute per reading, so order never depends on timing."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def history(tmp_path: Path, clock: Clock) -> Iterator[History]:
    h = History(tmp_path / "db" / FILE_NAME, clock=clock)
    yield h
    h.close()


def png(color: tuple[int, int, int], size: tuple[int, int] = (64, 40)) -> NewAttachment:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return NewAttachment(buf.getvalue(), "image/png", size[0], size[1], "low", 85)


def count(path: Path, table: str) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608


def ask(h: History, question: str, answer: str, model: str = "gpt-4o-mini", **kw: object) -> int:
    conv = h.create_conversation()
    h.add_user_message(conv, question)
    msg = h.start_answer(conv, model)
    h.finish_answer(msg, text=answer, status="complete", **kw)  # type: ignore[arg-type]
    return conv


# -- storing and reading back ------------------------------------------------


def test_round_trip_with_the_same_image_twice_stores_it_once(history: History) -> None:
    red, blue = png((255, 0, 0)), png((0, 0, 255), (30, 20))
    conv = history.create_conversation()
    user = history.add_user_message(conv, "Which is red?\nMore context", [red, blue, red])
    answer = history.start_answer(conv, "gpt-4o-mini")
    history.finish_answer(
        answer,
        text="The first.",
        status="complete",
        model="gpt-4o-mini-2024-07-18",
        usage=Usage(1200, 1024, 9),
        cost_usd=0.000195,
        request_id="req_1",
    )
    history.close()

    reopened = History(history.path)
    try:
        msgs = reopened.messages(conv)
        assert [m.id for m in msgs] == [user, answer]
        question, reply = msgs
        assert (question.role, question.text, question.status) == (
            "user",
            "Which is red?\nMore context",
            "complete",
        )
        sizes = [(a.width, a.height) for a in question.attachments]
        assert sizes == [(64, 40), (30, 20), (64, 40)]
        first = question.attachments[0]
        assert first.sha256 == hashlib.sha256(red.data).hexdigest()
        assert (first.mime, first.size, first.detail, first.tokens) == (
            "image/png",
            len(red.data),
            "low",
            85,
        )
        assert reopened.attachment_bytes(first.sha256) == red.data
        assert Image.open(io.BytesIO(reopened.attachment_bytes(first.sha256))).size == (64, 40)
        assert reply.text == "The first."
        assert reply.model == "gpt-4o-mini-2024-07-18"  # the model that answered
        assert reply.usage == Usage(1200, 1024, 9)
        assert (reply.cost_usd, reply.request_id) == (0.000195, "req_1")
        assert reply.created_at.tzinfo is not None
        assert reopened.conversation(conv).title == "Which is red?"  # type: ignore[union-attr]
    finally:
        reopened.close()
    assert count(history.path, "attachments") == 2
    assert count(history.path, "message_attachments") == 3


def test_the_question_is_saved_before_any_answer(history: History) -> None:
    conv = history.create_conversation()
    history.add_user_message(conv, "Is this saved?", [png((1, 2, 3))])
    # A second reader (as another process would) sees it before start_answer.
    other = History(history.path)
    try:
        assert [m.text for m in other.messages(conv)] == ["Is this saved?"]
    finally:
        other.close()


@pytest.mark.parametrize("status", ["complete", "partial", "stopped", "length"])
def test_each_final_status_is_kept(history: History, status: str) -> None:
    conv = history.create_conversation("t")
    msg = history.start_answer(conv, "gpt-4o-mini")
    history.finish_answer(msg, text="Some words", status=status)  # type: ignore[arg-type]
    [reply] = history.messages(conv)
    assert (reply.text, reply.status, reply.usage, reply.cost_usd) == (
        "Some words",
        status,
        None,
        None,
    )


def test_failed_answer_keeps_the_error(history: History) -> None:
    conv = history.create_conversation("t")
    msg = history.start_answer(conv, "gpt-4o-mini")
    history.finish_answer(msg, text="", status="error", error="The key was rejected.")
    [reply] = history.messages(conv)
    assert (reply.status, reply.text, reply.error) == ("error", "", "The key was rejected.")
    with pytest.raises(ValueError):
        history.finish_answer(msg, text="", status="pending")


def test_partial_answer_survives_a_cut_and_a_crash(history: History) -> None:
    conv = history.create_conversation()
    history.add_user_message(conv, "Explain")
    cut = history.start_answer(conv, "gpt-4o-mini")
    assert history.messages(conv)[-1].status == "pending"
    history.finish_answer(cut, text="The first half", status="partial")
    crashed = history.start_answer(conv, "gpt-4o-mini")
    history.close()  # no finish_answer: the app died mid-stream

    reopened = History(history.path)
    try:
        msgs = {m.id: m for m in reopened.messages(conv)}
        assert (msgs[cut].text, msgs[cut].status) == ("The first half", "partial")
        assert msgs[crashed].status == "partial"
    finally:
        reopened.close()


def test_gateway_cost_is_used_when_no_price_is_given(history: History) -> None:
    conv = ask(history, "q", "a", usage=Usage(10, 0, 5, reported_cost=0.25))
    assert history.messages(conv)[-1].cost_usd == 0.25


def test_finish_reasons_map_to_statuses() -> None:
    assert status_for_finish("stop") == "complete"
    assert status_for_finish("length") == "length"
    assert status_for_finish("cancelled") == "stopped"
    assert status_for_finish(None) == "partial"


def test_title_comes_from_the_first_line_only_when_empty(history: History) -> None:
    long = "word " * 30
    assert len(derive_title(long)) <= 60
    assert derive_title("\n\n  Hello   there \nsecond") == "Hello there"
    titled = history.create_conversation("Mine")
    history.add_user_message(titled, "Not the title")
    assert history.conversation(titled).title == "Mine"  # type: ignore[union-attr]
    untitled = history.create_conversation()
    history.add_user_message(untitled, "")  # an image alone names nothing
    history.add_user_message(untitled, long)
    assert history.conversation(untitled).title == derive_title(long)  # type: ignore[union-attr]


# -- listing, deleting -------------------------------------------------------


def test_conversations_newest_first(history: History) -> None:
    a, b, c = (history.create_conversation(t) for t in "abc")
    assert [x.id for x in history.conversations()] == [c, b, a]
    history.add_user_message(a, "bump")
    assert [x.id for x in history.conversations()] == [a, c, b]
    assert history.last_conversation_id() == a
    history.rename_conversation(b, "  Renamed  ")  # a rename keeps the order
    assert [x.title for x in history.conversations()] == ["a", "c", "Renamed"]
    assert [x.id for x in history.conversations(limit=2, offset=1)] == [c, b]


def test_delete_undo_and_purge_drop_orphan_images(history: History) -> None:
    shared, only_gone, only_kept = png((9, 9, 9)), png((200, 0, 0)), png((0, 200, 0))
    keep = history.create_conversation("keep")
    history.add_user_message(keep, "kept zebra", [shared, only_kept])
    gone = history.create_conversation("gone")
    history.add_user_message(gone, "doomed zebra", [shared, only_gone])

    history.delete_conversation(gone)
    assert [c.id for c in history.conversations()] == [keep]
    assert history.last_conversation_id() == keep
    assert {h.conversation_id for h in history.search("zebra")} == {keep}
    assert history.conversation(gone).deleted_at is not None  # type: ignore[union-attr]

    history.undelete_conversation(gone)
    assert [c.id for c in history.conversations()] == [gone, keep]
    assert {h.conversation_id for h in history.search("zebra")} == {keep, gone}

    history.delete_conversation(gone)
    assert history.purge_deleted() == 1
    assert history.conversation(gone) is None
    assert history.messages(gone) == []
    assert count(history.path, "attachments") == 2
    assert count(history.path, "messages") == 1
    assert history.attachment_bytes(hashlib.sha256(shared.data).hexdigest()) == shared.data
    with pytest.raises(AppError) as err:
        history.attachment_bytes(hashlib.sha256(only_gone.data).hexdigest())
    assert err.value.kind is ErrorKind.BAD_INPUT
    assert history.search("doomed") == []
    history.undelete_conversation(gone)  # too late: nothing comes back
    assert [c.id for c in history.conversations()] == [keep]


def test_purge_gives_the_space_back(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    h = History(path)
    big = NewAttachment(os.urandom(400_000), "image/png", 800, 600)
    conv = h.create_conversation()
    h.add_user_message(conv, "a big screenshot", [big])
    h.delete_conversation(conv)
    h.purge_deleted()
    h.close()
    assert path.stat().st_size < 200_000
    assert big.data[1000:1100] not in path.read_bytes()


def test_purge_before_keeps_recent_deletions(history: History, clock: Clock) -> None:
    old = history.create_conversation("old")
    history.delete_conversation(old)
    cutoff = clock.now + timedelta(seconds=1)
    recent = history.create_conversation("recent")
    history.delete_conversation(recent)
    assert history.purge_deleted(before=cutoff) == 1
    assert history.conversation(old) is None
    assert history.conversation(recent) is not None


# -- search ------------------------------------------------------------------


@pytest.fixture
def searchable(history: History) -> History:
    history.create_conversation("Invoice from ACME")
    ask(history, "What does this e-mail say?", "It asks you to reset your password.")
    ask(history, "Why won't C++ compile this?", "A missing semicolon; don't worry.")
    ask(history, "Traduis: café crème", "Coffee with cream.")
    return history


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("password", ["It asks you to reset your [password]."]),
        ("PASS", ["It asks you to reset your [password]."]),  # prefix, any case
        ("e-mail", ["What does this [e-mail] say?"]),
        ("don't", ["A missing semicolon; [don't] worry."]),
        ("cafe", ["Traduis: [café] crème"]),  # accents do not matter
        ('"missing semicolon"', ["A [missing semicolon]; don't worry."]),
        ('"semicolon missing"', []),
        ("reset nothing-here", []),  # every word must match
    ],
)
def test_search_messages(searchable: History, typed: str, expected: list[str]) -> None:
    hits = [h for h in searchable.search(typed) if h.message_id is not None]
    assert [h.snippet for h in hits] == expected


def test_search_titles_and_updated_text(searchable: History) -> None:
    hits = searchable.search("acme invoice")
    assert [(h.title, h.message_id, h.snippet) for h in hits] == [
        ("Invoice from ACME", None, "[Invoice] from [ACME]")
    ]
    conv = searchable.create_conversation()
    msg = searchable.start_answer(conv, "m")
    assert searchable.search("quokka") == []
    searchable.finish_answer(msg, text="A quokka smiles.", status="complete")
    searchable.rename_conversation(conv, "Marsupials")
    assert [h.message_id for h in searchable.search("quokka")] == [msg]
    assert [h.conversation_id for h in searchable.search("marsup")] == [conv]
    assert searchable.search("quokka", marks=("<b>", "</b>"))[0].snippet == (
        "A <b>quokka</b> smiles."
    )


@pytest.mark.parametrize(
    ("typed", "finds_password"),
    [("pass*", True), ("-password", True), ("^pass", True), ('"passw', True),
     ("password OR", False), ("NOT password", False), ("NEAR(password", False),
     ("text:password", False), ('a"b', False), ("-", False), ("*", False), ("(", False),
     (")", False), ('""', False), ("AND AND", False), ("'", False), ("c++", False),
     ("🙂", False), ("   ", False), ("", False)],
)  # fmt: skip
def test_search_takes_typed_syntax_literally(
    searchable: History, typed: str, finds_password: bool
) -> None:
    """Operators are words to find, never syntax: no sqlite3.OperationalError."""
    hits = searchable.search(typed)
    assert any("[password]" in h.snippet for h in hits) is finds_password


def test_fts_query_quotes_everything() -> None:
    assert fts_query("hello wor") == '"hello"* "wor"*'
    assert fts_query('say "exact words" -not*') == '"say"* "exact words" "not"*'
    assert fts_query('"open phra') == '"open phra"*'
    assert fts_query("NOT OR AND") == '"NOT"* "OR"* "AND"*'
    assert fts_query("- * ( ) ''") is None
    assert fts_query("") is None


# -- spend and export --------------------------------------------------------


def test_spend_per_model_and_since(history: History, clock: Clock) -> None:
    ask(history, "q1", "a1", "gpt-4o-mini", usage=Usage(100, 50, 10), cost_usd=0.01)
    ask(history, "q2", "a2", "other-model", usage=Usage(7, 0, 3))  # no known price
    since = clock.now + timedelta(seconds=1)
    ask(history, "q3", "a3", "gpt-4o-mini", usage=Usage(200, 0, 20), cost_usd=0.02)
    conv = history.create_conversation()
    failed = history.start_answer(conv, "gpt-4o-mini")
    history.finish_answer(failed, text="", status="error", error="401")  # never charged

    totals = {s.model: s for s in history.spend()}
    mini = totals["gpt-4o-mini"]
    assert (mini.requests, mini.input_tokens, mini.cached_tokens, mini.output_tokens) == (
        2,
        300,
        50,
        30,
    )
    assert mini.cost_usd == pytest.approx(0.03)
    assert (mini.unpriced, totals["other-model"].unpriced) == (0, 1)
    assert [s.model for s in history.spend()] == ["gpt-4o-mini", "other-model"]

    [recent] = history.spend(since=since)
    assert (recent.model, recent.requests, recent.input_tokens) == ("gpt-4o-mini", 1, 200)
    assert recent.cost_usd == pytest.approx(0.02)
    assert history.spend(since=clock.now + timedelta(days=1)) == []


def test_export_markdown_and_json(history: History) -> None:
    image = png((10, 20, 30), (120, 80))
    digest = hashlib.sha256(image.data).hexdigest()
    conv = history.create_conversation()
    history.add_user_message(conv, "What colour is this?", [image], detail="low")
    first = history.start_answer(conv, "gpt-4o-mini")
    history.finish_answer(
        first, text="Dark blue", status="stopped", usage=Usage(100, 0, 2), cost_usd=0.0000162
    )
    second = history.start_answer(conv, "gpt-4o-mini")
    history.finish_answer(second, text="", status="error", error="The network dropped.")

    md = history.export(conv, "md")
    assert md.startswith("# What colour is this?\n")
    assert f"sha256:{digest}" in md
    assert "120×80" in md
    assert "base64" not in md and len(md) < 2000
    assert "Dark blue" in md and "Stopped by the user" in md
    assert "The network dropped." in md
    assert "100 tokens in, 2 out · $0.000016" in md

    doc = json.loads(history.export(conv, "json"))
    assert doc["conversation"]["title"] == "What colour is this?"
    user, stopped, failed = doc["messages"]
    assert user["detail"] == "low"
    assert user["attachments"] == [
        {
            "sha256": digest,
            "mime": "image/png",
            "width": 120,
            "height": 80,
            "size": len(image.data),
            "detail": "low",
            "tokens": 85,
        }
    ]
    assert (stopped["status"], stopped["text"], stopped["cost_usd"]) == (
        "stopped",
        "Dark blue",
        0.0000162,
    )
    assert stopped["usage"] == {"input_tokens": 100, "cached_tokens": 0, "output_tokens": 2}
    assert (failed["status"], failed["error"]) == ("error", "The network dropped.")
    assert doc["totals"]["input_tokens"] == 100

    with pytest.raises(AppError) as err:
        history.export(conv + 100, "md")
    assert err.value.kind is ErrorKind.BAD_INPUT


# -- the file on disk --------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_files_are_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        h = History()  # the default place: ASKSHOT_DATA_DIR from conftest
        ask(h, "secret screenshot question", "answer")
    finally:
        os.umask(old)
    try:
        folder = tmp_path / "data"
        assert h.path == folder / FILE_NAME
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        names = {p.name for p in folder.iterdir()}
        assert {FILE_NAME, FILE_NAME + "-wal", FILE_NAME + "-shm"} <= names
        for name in names:
            assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
        with closing(sqlite3.connect(h.path)) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        h.close()


def test_foreign_keys_are_enforced(history: History) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        history.add_user_message(12345, "no such conversation")


def _assert_moved_aside(h: History, original: bytes, folder: Path) -> None:
    side = ("-wal", "-shm", "-journal")
    moved = [p for p in folder.iterdir() if ".corrupt-" in p.name and not p.name.endswith(side)]
    assert len(moved) == 1
    assert moved[0].read_bytes() == original
    assert h.notice is not None and str(moved[0]) in h.notice
    # The fresh database works.
    conv = ask(h, "fresh start", "ok")
    assert [m.text for m in h.messages(conv)] == ["fresh start", "ok"]


def test_garbage_file_is_moved_aside_with_a_notice(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    garbage = os.urandom(3000)
    (folder / FILE_NAME).write_bytes(garbage)
    (folder / (FILE_NAME + "-wal")).write_bytes(b"old wal")
    h = History()
    try:
        _assert_moved_aside(h, garbage, folder)
        [wal] = [p for p in folder.iterdir() if ".corrupt-" in p.name and p.name.endswith("-wal")]
        assert wal.read_bytes() == b"old wal"
    finally:
        h.close()


def test_truncated_database_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "data" / FILE_NAME
    h = History(path)
    for i in range(30):
        ask(h, f"question {i} " + "filler " * 80, "answer")
    h.close()
    assert h.notice is None
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 3)
    truncated = path.read_bytes()
    h = History(path)
    try:
        _assert_moved_aside(h, truncated, path.parent)
        assert "moved to" in h.notice  # type: ignore[operator]
    finally:
        h.close()


def test_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    History(path).close()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(AppError) as err:
        History(path)
    assert err.value.kind is ErrorKind.BAD_INPUT
    assert "newer version of AskShot" in err.value.message
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]


def test_version_1_database_is_upgraded_and_indexed(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, target=1)
    now = T0.isoformat(timespec="microseconds")
    conn.execute("INSERT INTO conversations VALUES (1, 'Old talk', ?, ?, NULL)", (now, now))
    conn.execute(
        "INSERT INTO messages (conversation_id, role, text, status, created_at) "
        "VALUES (1, 'user', 'an armadillo from version one', 'complete', ?)",
        (now,),
    )
    conn.close()

    h = History(path)
    try:
        assert [m.text for m in h.messages(1)] == ["an armadillo from version one"]
        assert [(x.conversation_id, x.message_id) for x in h.search("armadillo")] == [(1, 1)]
        assert [x.conversation_id for x in h.search("old talk")] == [1]
    finally:
        h.close()
    with closing(sqlite3.connect(path)) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION == 4
