"""Which earlier images a follow-up resends (all, the latest, none), per conversation.

The engine runs real turns through the real client against the fake server,
which records what was really uploaded; history is a real SQLite file.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from desktop_app.core.chat_client import ChatClient
from desktop_app.core.conversation import ConversationEngine, TurnPlan, TurnResult
from desktop_app.core.errors import AppError
from desktop_app.core.history import History
from desktop_app.core.images import PreparedImage, prepared_from_bytes
from desktop_app.core.pricing import PRICES
from desktop_app.core.settings import Settings
from desktop_app.core.spend import SessionSpend
from tests.openai_server import FakeOpenAI

MODEL = "gpt-4o-mini"
KEY = "sk-test.4f1c2b9d8e7a6b5c4d3e2f1a"  # fake
# Each turn's image has its own width, so the server's record says which one went.
FIRST, SECOND, THIRD = (201, 100), (302, 100), (403, 100)
TOKENS = {FIRST: 1000, SECOND: 2000, THIRD: 4000}


def image(size: tuple[int, int]) -> PreparedImage:
    buf = io.BytesIO()
    Image.new("RGB", size, (40, 90, 160)).save(buf, "PNG")
    return prepared_from_bytes(
        buf.getvalue(), mime="image/png", size=size, detail="low", tokens=TOKENS[size]
    )


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def client(server: FakeOpenAI) -> Iterator[ChatClient]:
    chat = ChatClient(base_url=server.base_url, api_key=KEY)
    yield chat
    chat.close()


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    with History(tmp_path / "history.sqlite3") as h:
        yield h


def engine(history: History) -> ConversationEngine:
    return ConversationEngine(Settings(), SessionSpend(), history)


def run(engine: ConversationEngine, client: ChatClient, plan: TurnPlan) -> TurnResult:
    """One turn as a door runs it: begin, stream for real, finish."""
    turn = engine.begin(plan)
    error: AppError | None = None
    try:
        for event in client.stream(plan.request, threading.Event()):
            turn.apply(event)
    except AppError as exc:
        error = exc
    return turn.finish(error)


def two_turns_with_images(engine: ConversationEngine, client: ChatClient) -> int:
    first = run(engine, client, engine.plan_question(None, "one?", [image(FIRST)], model=MODEL))
    conv = first.conversation_id
    assert conv is not None
    run(engine, client, engine.plan_question(conv, "two?", [image(SECOND)], model=MODEL))
    return conv


def widths(server: FakeOpenAI) -> list[int]:
    return [width for width, _height, _detail in server.requests[-1].images()]


@pytest.mark.parametrize(
    ("policy", "sent"),
    [
        ("all", [FIRST[0], SECOND[0], THIRD[0]]),
        ("latest", [SECOND[0], THIRD[0]]),
        ("none", [THIRD[0]]),
    ],
)
def test_each_choice_sends_what_it_says(
    history: History, client: ChatClient, server: FakeOpenAI, policy: str, sent: list[int]
) -> None:
    chat = engine(history)
    conv = two_turns_with_images(chat, client)
    history.set_earlier_images(conv, policy)  # type: ignore[arg-type]
    plan = chat.plan_question(conv, "three?", [image(THIRD)], model=MODEL)
    assert plan.earlier_images == policy
    result = run(chat, client, plan)
    assert result.outcome == "complete"
    assert widths(server) == sent
    # The earlier turns' text always goes; only their images are left out.
    texts = [p["text"] for p in server.requests[-1].parts("text")]
    assert [t for t in texts if t.endswith("?")] == ["one?", "two?", "three?"]


def test_latest_keeps_the_last_message_that_had_images(
    history: History, client: ChatClient, server: FakeOpenAI
) -> None:
    chat = engine(history)
    conv = two_turns_with_images(chat, client)
    run(chat, client, chat.plan_question(conv, "and in words?", model=MODEL))  # no image
    history.set_earlier_images(conv, "latest")
    run(chat, client, chat.plan_question(conv, "anything else?", model=MODEL))
    assert widths(server) == [SECOND[0]]


def test_the_plan_prices_every_choice_and_the_saving(history: History, client: ChatClient) -> None:
    chat = engine(history)
    conv = two_turns_with_images(chat, client)
    plan = chat.plan_question(conv, "three?", [image(THIRD)], model=MODEL)
    assert plan.earlier_images == "all"
    assert plan.earlier_image_tokens == 3000
    choices = plan.image_choices
    assert {p: c.earlier_image_tokens for p, c in choices.items()} == {
        "all": 3000,
        "latest": 2000,
        "none": 0,
    }
    assert choices["all"].input_tokens == plan.input_tokens
    assert choices["all"].cost == pytest.approx(plan.estimated_cost)
    assert choices["none"].input_tokens == plan.input_tokens - 3000  # type: ignore[operator]
    tokens, dollars = plan.saving("none")
    assert tokens == 3000
    assert dollars == pytest.approx(3000 * PRICES[MODEL].input / 1_000_000)
    assert plan.saving("latest")[0] == 1000

    # Chosen "none", the estimate and the budget check count no earlier image.
    history.set_earlier_images(conv, "none")
    lean = chat.plan_question(conv, "three?", [image(THIRD)], model=MODEL)
    assert lean.input_tokens == choices["none"].input_tokens
    assert lean.earlier_image_tokens == 0
    assert lean.saving("all") == (-3000, pytest.approx(-dollars))


def test_the_choice_is_kept_per_conversation(
    tmp_path: Path, client: ChatClient, server: FakeOpenAI
) -> None:
    path = tmp_path / "kept.sqlite3"
    with History(path) as history:
        chat = engine(history)
        kept = two_turns_with_images(chat, client)
        other = two_turns_with_images(chat, client)
        history.set_earlier_images(kept, "none")
    with History(path) as history:  # reopened: the choice stayed
        assert history.earlier_images(kept) == "none"
        assert history.earlier_images(other) == "all"
        assert history.earlier_images(None) == "all"
        chat = engine(history)
        run(chat, client, chat.plan_question(other, "three?", model=MODEL))
        assert widths(server) == [FIRST[0], SECOND[0]]
        with pytest.raises(ValueError):
            history.set_earlier_images(kept, "some")  # type: ignore[arg-type]


def test_a_choice_made_in_a_new_chat_goes_with_the_conversation(
    history: History, client: ChatClient, server: FakeOpenAI
) -> None:
    chat = engine(history)
    plan = chat.plan_question(None, "one?", [image(FIRST)], model=MODEL, earlier_images="none")
    assert widths_after(run(chat, client, plan), server) == [FIRST[0]]  # its own image goes
    conv = plan_conv(history)
    assert history.earlier_images(conv) == "none"
    run(chat, client, chat.plan_question(conv, "two?", [image(SECOND)], model=MODEL))
    assert widths(server) == [SECOND[0]]


def test_regenerating_under_none_still_sends_the_questions_own_images(
    history: History, client: ChatClient, server: FakeOpenAI
) -> None:
    chat = engine(history)
    conv = two_turns_with_images(chat, client)
    history.set_earlier_images(conv, "none")
    last = [m for m in history.messages(conv) if m.role == "assistant"][-1]
    plan = chat.plan_regenerate(last.id, model=MODEL)
    assert plan.earlier_image_tokens == 0
    run(chat, client, plan)
    assert widths(server) == [SECOND[0]]


def widths_after(result: TurnResult, server: FakeOpenAI) -> list[int]:
    assert result.outcome == "complete"
    return widths(server)


def plan_conv(history: History) -> int:
    conv = history.last_conversation_id()
    assert conv is not None
    return conv
