"""The conversation engine: every door's lifecycle, tested without Qt on real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop_app.core import unsaved
from desktop_app.core.conversation import ConversationEngine, TurnPlan
from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Finished, ModelReported, TextDelta, Usage, UsageReported
from desktop_app.core.history import History, NewAttachment
from desktop_app.core.images import prepared_from_bytes
from desktop_app.core.settings import Settings
from desktop_app.core.spend import SessionSpend

MODEL = "gpt-4o-mini"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def history(tmp_path: Path) -> History:
    with History(tmp_path / "history.sqlite3") as h:
        yield h


def engine_for(history: History | None, *, budget: float | None = None, **settings: object):
    clock = Clock()
    engine = ConversationEngine(
        Settings(**settings),  # type: ignore[arg-type]
        SessionSpend(budget),
        history,
        clock=clock,
    )
    return engine, clock


def answer(engine: ConversationEngine, plan: TurnPlan, text: str, *, error: AppError | None = None):
    """Run a turn as a door would: begin, feed the stream's events, finish."""
    turn = engine.begin(plan)
    turn.apply(ModelReported("gpt-4o-mini-2024-07-18"))
    if text:
        turn.apply(TextDelta(text))
    if error is None:
        turn.apply(UsageReported(Usage(1000, 0, 10)))
        turn.apply(Finished("stop"))
    return turn, turn.finish(error)


def shown(history: History, conv_id: int) -> list[tuple[str, str]]:
    return [(m.role, m.text) for m in history.messages(conv_id)]


def failure(text: str = "The server had an error (HTTP 500).") -> AppError:
    return AppError(ErrorKind.NETWORK, text)


def test_regenerate_keeps_the_good_answer_until_the_new_one_has_arrived(history: History) -> None:
    engine, _ = engine_for(history)
    _, first = answer(engine, engine.plan_question(None, "What is 2+2?", model=MODEL), "Four.")
    conv = first.conversation_id
    assert conv is not None and first.answer_id is not None

    plan = engine.plan_regenerate(first.answer_id, model=MODEL)
    turn = engine.begin(plan)
    turn.apply(TextDelta("It is"))
    # While the new version streams, the conversation still shows the good answer.
    assert shown(history, conv) == [("user", "What is 2+2?"), ("assistant", "Four.")]
    turn.apply(TextDelta(" four."))
    turn.apply(Finished("stop"))
    result = turn.finish(None)
    assert result.shown
    assert shown(history, conv) == [("user", "What is 2+2?"), ("assistant", "It is four.")]
    versions = history.versions(result.answer_id or 0)
    assert [v.text for v in versions] == ["Four.", "It is four."]
    assert [(m.version, m.versions) for m in history.messages(conv)][1] == (2, 2)
    # The request resent the question once, after nothing else.
    assert [m.text for m in plan.request.messages if m.role == "user"] == ["What is 2+2?"]


def test_a_failed_regenerate_leaves_the_good_answer_shown(history: History) -> None:
    engine, _ = engine_for(history)
    _, first = answer(engine, engine.plan_question(None, "Name a colour.", model=MODEL), "Blue.")
    conv = first.conversation_id or 0
    _, again = answer(
        engine, engine.plan_regenerate(first.answer_id or 0, model=MODEL), "", error=failure()
    )
    assert not again.shown and again.status == "error"
    assert shown(history, conv) == [("user", "Name a colour."), ("assistant", "Blue.")]
    # The failed attempt is kept as a version one can page to, with its error.
    failed = history.versions(first.answer_id or 0)[-1]
    assert failed.status == "error" and "HTTP 500" in (failed.error or "")
    # Paging back and forth changes what is shown; nothing is deleted.
    history.activate(failed.id)
    assert history.messages(conv)[1].status == "error"
    history.activate(first.answer_id or 0)
    assert shown(history, conv)[1] == ("assistant", "Blue.")


def test_editing_the_last_question_deletes_nothing_until_the_new_answer_arrives(
    history: History,
) -> None:
    engine, _ = engine_for(history)
    _, first = answer(engine, engine.plan_question(None, "Translate 'chat'", model=MODEL), "Cat.")
    conv = first.conversation_id or 0
    question_id = history.messages(conv)[0].id
    # Abandoning an edit is doing nothing: the exchange is still there.
    assert shown(history, conv) == [("user", "Translate 'chat'"), ("assistant", "Cat.")]

    plan = engine.plan_question(
        conv, "Translate 'chat' from French", model=MODEL, edit_of=question_id
    )
    assert [m.text for m in plan.request.messages if m.role == "user"] == [
        "Translate 'chat' from French"
    ]
    turn = engine.begin(plan)
    turn.apply(TextDelta("Cat (French: chat)."))
    assert shown(history, conv) == [("user", "Translate 'chat'"), ("assistant", "Cat.")]
    turn.apply(Finished("stop"))
    assert turn.finish(None).shown
    assert shown(history, conv) == [
        ("user", "Translate 'chat' from French"),
        ("assistant", "Cat (French: chat)."),
    ]
    # The first wording is a version of the question, with its answer.
    history.activate(question_id)
    assert shown(history, conv) == [("user", "Translate 'chat'"), ("assistant", "Cat.")]


def test_a_failed_edit_keeps_the_original_exchange(history: History) -> None:
    engine, _ = engine_for(history)
    _, first = answer(engine, engine.plan_question(None, "Old wording", model=MODEL), "Old answer.")
    conv = first.conversation_id or 0
    question_id = history.messages(conv)[0].id
    plan = engine.plan_question(conv, "New wording", model=MODEL, edit_of=question_id)
    _, result = answer(engine, plan, "", error=failure())
    assert not result.shown
    assert shown(history, conv) == [("user", "Old wording"), ("assistant", "Old answer.")]


def test_retry_on_an_old_failed_turn_answers_that_question_not_the_latest(
    history: History,
) -> None:
    engine, _ = engine_for(history)
    _, failed = answer(
        engine, engine.plan_question(None, "First?", model=MODEL), "", error=failure()
    )
    conv = failed.conversation_id
    _, later = answer(engine, engine.plan_question(conv, "Second?", model=MODEL), "Two.")
    plan = engine.plan_regenerate(failed.answer_id or 0, model=MODEL)
    assert plan.request.messages[-1].text == "First?"
    assert "Second?" not in [m.text for m in plan.request.messages]
    _, retried = answer(engine, plan, "One.")
    assert retried.shown
    assert shown(history, conv or 0) == [
        ("user", "First?"),
        ("assistant", "One."),
        ("user", "Second?"),
        ("assistant", "Two."),
    ]
    assert later.answer_id != retried.answer_id


def _image(tokens: int) -> NewAttachment:
    return NewAttachment(
        data=b"\x89PNG fake " + str(tokens).encode(),
        mime="image/png",
        width=1365,
        height=768,
        tokens=tokens,
    )


def test_the_budget_counts_earlier_images_of_the_conversation(history: History) -> None:
    engine, _ = engine_for(history, budget=0.01)
    conv = history.create_conversation()
    for n in range(6):
        history.add_user_message(conv, f"screenshot {n}", [_image(10_000 + n)])
        answer_id = history.start_answer(conv, MODEL)
        history.finish_answer(answer_id, text="ok", status="complete")
    # No new image: the follow-up alone costs nothing, the whole request ~$0.009+.
    plan = engine.plan_question(conv, "and now?", model=MODEL)
    assert plan.input_tokens is not None and plan.input_tokens > 60_000
    assert plan.estimated_cost is not None and plan.estimated_cost > 0.009
    engine.spend.record(MODEL, Usage(10_000, 0, 0))  # $0.0015 spent already
    plan = engine.plan_question(conv, "and now?", model=MODEL)
    assert [limit.kind for limit in plan.blocking] == ["session_budget"]


def test_the_monthly_budget_is_checked_for_every_door(history: History) -> None:
    engine, _ = engine_for(history, monthly_budget_usd=0.001)
    conv = history.create_conversation()
    history.add_user_message(conv, "earlier")
    answer_id = history.start_answer(conv, MODEL)
    history.finish_answer(answer_id, text="ok", status="complete", cost_usd=0.002)
    plan = engine.plan_question(conv, "more?", model=MODEL)
    assert [limit.kind for limit in plan.blocking] == ["monthly_budget"]
    assert plan.blocking[0].overridable
    assert plan.blocking[0].error().kind is ErrorKind.QUOTA


def test_a_request_over_the_context_window_is_refused_before_upload(history: History) -> None:
    engine, _ = engine_for(history)
    huge = prepared_from_bytes(
        b"fake", mime="image/png", size=(2048, 2048), detail="high", tokens=623_000
    )
    plan = engine.plan_question(None, "what is this?", [huge], model=MODEL)
    (limit,) = plan.blocking
    assert limit.kind == "context_window" and not limit.overridable
    assert "128,000" in limit.message and "623,0" in limit.message
    assert limit.error().exit_code == 2


def test_the_partial_answer_is_written_about_every_second(history: History) -> None:
    engine, clock = engine_for(history)
    turn = engine.begin(engine.plan_question(None, "Tell a story.", model=MODEL))
    read = sqlite3.connect(history.path)
    stored = lambda: read.execute(  # noqa: E731
        "SELECT text, status FROM messages WHERE id = ?", (turn.answer_id,)
    ).fetchone()
    turn.apply(TextDelta("Once"))
    assert stored() == ("", "pending")  # not every delta: that would be a write per token
    clock.now = 1.01
    turn.apply(TextDelta(" upon"))
    assert stored() == ("Once upon", "pending")
    clock.now = 1.5
    turn.apply(TextDelta(" a time"))
    assert stored() == ("Once upon", "pending")
    # A crash now loses at most the last second; a reader sees the rest as cut off.
    with History(history.path) as other:
        assert other.messages(turn.conversation_id or 0)[1].status == "partial"
    read.close()


def test_a_stopped_answer_is_charged_an_estimate(history: History) -> None:
    engine, _ = engine_for(history)
    turn = engine.begin(engine.plan_question(None, "Count to a thousand.", model=MODEL))
    turn.apply(TextDelta("one two three " * 100))
    result = turn.finish(AppError(ErrorKind.CANCELLED, "Stopped."))
    assert result.status == "stopped" and result.outcome == "stopped"
    assert result.cost_estimated and result.cost is not None and result.cost > 0
    assert engine.spend.total_cost == pytest.approx(result.cost)
    stored = history.messages(result.conversation_id or 0)[1]
    assert stored.cost_usd == pytest.approx(result.cost) and stored.cost_estimated


def test_an_empty_answer_is_an_error_the_user_can_retry(history: History) -> None:
    engine, _ = engine_for(history)
    empty = AppError(ErrorKind.NETWORK, "The server sent no answer.", reason="empty_answer")
    _, result = answer(engine, engine.plan_question(None, "Hello?", model=MODEL), "", error=empty)
    assert result.outcome == "empty" and result.status == "error"
    assert result.error is not None and result.error.exit_code == 5
    assert engine.plan_regenerate(result.answer_id or 0, model=MODEL).request.messages[-1].text == (
        "Hello?"
    )


def test_a_failed_final_write_keeps_the_answer_aside_and_writes_it_later(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, _ = engine_for(history)
    turn = engine.begin(engine.plan_question(None, "Important?", model=MODEL))
    turn.apply(TextDelta("Very important text."))
    turn.apply(UsageReported(Usage(500, 0, 5)))
    turn.apply(Finished("stop"))

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise AppError(ErrorKind.ENVIRONMENT, "The disk is full.")

    monkeypatch.setattr(History, "finish_answer", disk_full)
    monkeypatch.setattr("desktop_app.core.conversation.time.sleep", lambda _s: None)
    result = turn.finish(None)
    monkeypatch.undo()
    assert result.save_problem is not None and result.saved_aside
    assert Path(result.saved_aside).stat().st_mode & 0o777 == 0o600
    assert engine.spend.total_cost > 0  # the session still counts it

    assert unsaved.replay(history) == 1
    stored = history.messages(result.conversation_id or 0)[1]
    assert stored.text == "Very important text." and stored.status == "complete"
    assert stored.usage == Usage(500, 0, 5)
    assert not list(unsaved.folder(history.path).iterdir())


def test_a_question_that_is_not_utf8_is_refused_before_anything_is_written(
    history: History,
) -> None:
    engine, _ = engine_for(history)
    with pytest.raises(AppError) as caught:
        engine.plan_question(None, "caf\udce9?", model=MODEL)
    assert caught.value.kind is ErrorKind.BAD_INPUT and "UTF-8" in caught.value.message
    assert history.conversations() == []


def test_drafts_survive_reopening_and_follow_a_new_chat(history: History) -> None:
    image = _image(85)
    history.save_draft(None, "half a question", [image])
    with History(history.path) as reopened:
        draft = reopened.draft(None)
        assert draft is not None and draft.text == "half a question"
        assert [(i.width, i.tokens) for i in draft.images] == [(1365, 85)]
        conv = reopened.create_conversation()
        reopened.move_draft(None, conv)
        assert reopened.draft(None) is None and reopened.draft(conv) is not None
        # A purge keeps the draft's image even though no message uses it.
        reopened.purge_deleted()
        sha = draft.images[0].sha256
        assert reopened.attachment_bytes(sha) == image.data
        reopened.clear_draft(conv)
        assert reopened.draft(conv) is None


def test_without_history_nothing_is_written(tmp_path: Path) -> None:
    engine, _ = engine_for(None)
    _, result = answer(engine, engine.plan_question(None, "Private?", model=MODEL), "Yes.")
    assert result.answer_id is None and result.cost is not None
    assert not list(tmp_path.iterdir()) or not (tmp_path / "data").exists()
