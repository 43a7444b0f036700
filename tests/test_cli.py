"""The `askshot` command line against the fake OpenAI server, as a user runs it."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from desktop_app.core.history import History
from tests.cli_helpers import TEST_KEY, askshot, start_askshot
from tests.image_factory import screenshot
from tests.openai_scenarios import Scenario
from tests.openai_server import FakeOpenAI


@pytest.fixture
def shot(tmp_path: Path) -> Path:
    path = tmp_path / "shot.png"
    screenshot(3840, 2160).save(path)
    return path


def _history() -> History:
    return History(Path(os.environ["ASKSHOT_DATA_DIR"]) / "history.sqlite3")


def test_ask_streams_the_answer_and_uploads_what_the_model_sees(
    openai_server: FakeOpenAI, shot: Path
) -> None:
    openai_server.push(Scenario(text="It is a **test** screenshot.", usage=(36_862, 57, 0)))
    run = askshot("ask", "-i", str(shot), "--base-url", openai_server.base_url, "what is this?")
    assert run.code == 0, run.err
    assert run.out == "It is a **test** screenshot.\n"
    request = openai_server.requests[-1]
    assert request.images() == [(1365, 768, "auto")]
    assert request.user_text() == "what is this?"
    assert request.body["stream_options"] == {"include_usage": True}
    assert request.authorization == f"Bearer {TEST_KEY}"
    # 36,862 x $0.15/M + 57 x $0.60/M = $0.0055635
    assert "36,862 input (0 cached) + 57 output tokens · $0.00556" in run.err
    assert "gpt-4o-mini-2024-07-18" in run.err
    with _history() as history:
        conversation = history.conversations()[0]
        user, answer = history.messages(conversation.id)
    assert (user.text, len(user.attachments)) == ("what is this?", 1)
    assert (user.attachments[0].width, user.attachments[0].height) == (1365, 768)
    assert (answer.text, answer.status) == ("It is a **test** screenshot.", "complete")
    assert answer.cost_usd == pytest.approx(0.0055635)


def test_json_output_is_one_object(openai_server: FakeOpenAI) -> None:
    openai_server.push(Scenario(text="Four.", usage=(12, 2, 0)))
    run = askshot("ask", "--json", "--base-url", openai_server.base_url, "2+2?")
    assert run.code == 0, run.err
    result = json.loads(run.out)
    assert result["answer"] == "Four."
    assert result["usage"] == {"input_tokens": 12, "cached_tokens": 0, "output_tokens": 2}
    assert result["cost_usd"] == pytest.approx((12 * 0.15 + 2 * 0.60) / 1e6)
    assert result["model"] == "gpt-4o-mini-2024-07-18"
    assert result["request_id"] == openai_server.requests[-1].request_id
    assert isinstance(result["conversation_id"], int)


def test_image_from_stdin_at_low_detail(openai_server: FakeOpenAI, shot: Path) -> None:
    run = askshot(
        "ask",
        "-i",
        "-",
        "--detail",
        "low",
        "--base-url",
        openai_server.base_url,
        "what?",
        stdin=shot.read_bytes(),
    )
    assert run.code == 0, run.err
    assert openai_server.requests[-1].images() == [(512, 288, "low")]


def test_continue_sends_the_earlier_exchange(openai_server: FakeOpenAI) -> None:
    openai_server.push(Scenario(text="Paris."), Scenario(text="About 2.1 million."))
    assert askshot("ask", "--base-url", openai_server.base_url, "Capital of France?").code == 0
    run = askshot("ask", "--continue", "--base-url", openai_server.base_url, "Population?")
    assert run.code == 0, run.err
    messages = openai_server.requests[-1].body["messages"]
    assert [(m["role"]) for m in messages if m["role"] != "system"] == ["user", "assistant", "user"]
    with _history() as history:
        assert len(history.conversations()) == 1


def test_no_key_says_how_to_set_one(openai_server: FakeOpenAI) -> None:
    run = askshot("ask", "hello", key=None)
    assert run.code == 3
    assert "askshot key set" in run.err
    assert "Traceback" not in run.err
    assert openai_server.requests == []


def test_an_unreadable_image_is_refused_before_anything_is_sent(
    openai_server: FakeOpenAI, tmp_path: Path
) -> None:
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"this is not a picture")
    run = askshot("ask", "-i", str(bad), "--base-url", openai_server.base_url, "what?")
    assert run.code == 2
    assert "notes.png" in run.err and "Traceback" not in run.err
    assert openai_server.requests == []


WIRE_CASES = [
    # scenario, exit code, words the one-line message must contain, answer status in history
    ("mid_stream_error", 6, "", "partial"),
    ("drop", 6, "", "partial"),
    ("cutoff", 6, "", "partial"),
    ("bad_json", 6, "", "partial"),
    ("invalid_api_key", 3, "key", "error"),
    ("insufficient_credits", 4, "credit", "error"),
    ("permission_denied", 3, "", "error"),
    ("model_not_found", 2, "model", "error"),
    ("context_length_exceeded", 2, "", "error"),
    ("invalid_image", 2, "image", "error"),
    ("insufficient_quota", 4, "quota", "error"),
    ("server_error", 5, "", "error"),
    ("overloaded", 5, "", "error"),
]


@pytest.mark.parametrize(("scenario", "code", "words", "status"), WIRE_CASES)
def test_every_wire_failure_ends_with_a_sentence_and_the_right_code(
    openai_server: FakeOpenAI, scenario: str, code: int, words: str, status: str
) -> None:
    openai_server.push(scenario)
    run = askshot("ask", "--base-url", openai_server.base_url, "Explain this error please")
    assert run.code == code, run.err
    assert "Traceback" not in run.err
    message = [line for line in run.err.splitlines() if line.startswith("askshot: ")]
    assert message, run.err
    assert words.lower() in message[0].lower()
    assert TEST_KEY not in run.err + run.out
    with _history() as history:
        user, answer = history.messages(history.conversations()[0].id)
    assert user.text == "Explain this error please"
    assert answer.status == status
    assert answer.text == run.out.rstrip("\n")


def test_a_stalled_stream_ends_with_a_clear_error(openai_server: FakeOpenAI) -> None:
    openai_server.push("stall")
    run = askshot(
        "ask",
        "--base-url",
        openai_server.base_url,
        "hi",
        env={"ASKSHOT_READ_TIMEOUT": "1"},
    )
    assert run.code == 6, run.err
    assert "Traceback" not in run.err
    with _history() as history:
        _, answer = history.messages(history.conversations()[0].id)
    assert answer.status == "partial" and answer.text


def test_rate_limit_is_retried_after_the_servers_pause(openai_server: FakeOpenAI) -> None:
    openai_server.push("rate_limited", Scenario(text="Done."))
    run = askshot("ask", "--base-url", openai_server.base_url, "hi")
    assert run.code == 0, run.err
    assert run.out == "Done.\n"
    assert len(openai_server.requests) == 2


def test_length_finish_keeps_the_answer_and_says_it_was_cut(openai_server: FakeOpenAI) -> None:
    openai_server.push(Scenario(text="A long answer that", finish_reason="length"))
    run = askshot("ask", "--base-url", openai_server.base_url, "hi")
    assert run.code == 0
    assert "token limit" in run.err
    with _history() as history:
        _, answer = history.messages(history.conversations()[0].id)
    assert (answer.text, answer.status) == ("A long answer that", "length")


def test_refusal_exits_2_with_the_models_words(openai_server: FakeOpenAI) -> None:
    openai_server.push("refusal")
    run = askshot("ask", "--base-url", openai_server.base_url, "who is this?")
    assert run.code == 2
    assert "declined" in run.err and "can't help" in run.err


def test_interrupt_keeps_the_partial_answer(openai_server: FakeOpenAI) -> None:
    openai_server.push(Scenario(chunks=400, delay=0.02))
    process = start_askshot("ask", "--base-url", openai_server.base_url, "hi")
    try:
        assert process.stdout is not None
        first = process.stdout.read(1)  # the answer has started
        assert first
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert b"Traceback" not in err
    with _history() as history:
        _, answer = history.messages(history.conversations()[0].id)
    assert answer.status == "stopped"
    assert answer.text and (first + out).decode().startswith(answer.text[:1])


def test_history_commands(openai_server: FakeOpenAI) -> None:
    openai_server.push(Scenario(text="A cat on a keyboard.", usage=(1000, 10, 0)))
    assert askshot("ask", "--base-url", openai_server.base_url, "What animal is this?").code == 0
    listed = askshot("history", "list")
    assert listed.code == 0 and "What animal is this?" in listed.out
    conv_id = listed.out.split()[0]
    found = askshot("history", "search", "keyboard")
    assert found.code == 0 and conv_id in found.out
    shown = askshot("history", "show", conv_id)
    assert "A cat on a keyboard." in shown.out
    exported = json.loads(askshot("history", "export", conv_id, "--format", "json").out)
    assert "A cat on a keyboard." in json.dumps(exported)
    assert TEST_KEY not in json.dumps(exported)
    spend = askshot("spend")
    assert spend.code == 0 and "$0.000156" in spend.out  # 1000 x 0.15 + 10 x 0.60 per M
    missing = askshot("history", "show", "999")
    assert missing.code == 2 and "999" in missing.err


def test_version_and_help() -> None:
    run = askshot("--version")
    assert run.code == 0 and run.out.startswith("AskShot ")
    run = askshot("ask", "--help")
    assert run.code == 0 and "--detail" in run.out
    run = askshot("ask")
    assert run.code == 2 and "question" in run.err


def test_start_up_of_the_cli_does_not_import_qt(openai_server: FakeOpenAI) -> None:
    started = time.monotonic()
    run = askshot("history", "list", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert run.code == 0
    assert "PySide6" not in run.err, "the command line must not load Qt"
    assert time.monotonic() - started < 30
