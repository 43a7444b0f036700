"""Spend per day, month, model and provider; the estimate kept beside each answer;
the version 4 history (provider, estimates, earlier images) over a version 3 one."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop_app.core.conversation import ConversationEngine
from desktop_app.core.events import Finished, TextDelta, Usage, UsageReported
from desktop_app.core.history import FILE_NAME, History
from desktop_app.core.history_schema import LATEST_VERSION, migrate
from desktop_app.core.settings import Settings
from desktop_app.core.spend import SessionSpend
from desktop_app.core.turns import footer_line
from tests.cli_helpers import askshot
from tests.openai_scenarios import Scenario
from tests.openai_server import FakeOpenAI

MARCH = datetime(2025, 3, 30, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Days and months are local: pin the zone so the calendar is known."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def data_path() -> Path:
    return Path(os.environ["ASKSHOT_DATA_DIR"]) / FILE_NAME


def answered(
    h: History,
    model: str,
    provider: str | None,
    usage: Usage,
    cost: float | None,
) -> None:
    conv = h.create_conversation()
    h.add_user_message(conv, "q")
    msg = h.start_answer(conv, model, provider=provider)
    h.finish_answer(msg, text="a", status="complete", usage=usage, cost_usd=cost)


def fill(path: Path) -> None:
    """Four answers over two days in March and one in April, two providers."""
    moments = iter(
        [MARCH + timedelta(minutes=i) for i in range(8)]  # 30 March
        + [MARCH + timedelta(days=1, minutes=i) for i in range(4)]  # 31 March
        + [MARCH + timedelta(days=2, minutes=i) for i in range(4)]  # 1 April
    )
    with History(path, clock=lambda: next(moments)) as h:
        answered(h, "gpt-4o-mini", "OpenAI", Usage(1000, 0, 10), 0.001)
        answered(h, "openai/gpt-4o", "OpenRouter", Usage(2000, 500, 20), 0.02)
        answered(h, "gpt-4o-mini", "OpenAI", Usage(3000, 0, 30), 0.003)
        answered(h, "mystery", "OpenRouter", Usage(10, 0, 1), None)


def test_spend_groups_by_day_month_model_and_provider(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    fill(path)
    with History(path, read_only=True) as h:
        days = {g.key: (g.requests, round(g.cost_usd, 6)) for g in h.spend_by("day")}
        assert days == {"2025-04-01": (1, 0.0), "2025-03-31": (1, 0.003), "2025-03-30": (2, 0.021)}
        assert [g.key for g in h.spend_by("day")] == ["2025-04-01", "2025-03-31", "2025-03-30"]
        assert [(g.key, g.requests) for g in h.spend_by("month")] == [
            ("2025-04", 1),
            ("2025-03", 3),
        ]
        models = h.spend_by("model")
        assert [g.key for g in models] == ["openai/gpt-4o", "gpt-4o-mini", "mystery"]
        assert (models[1].input_tokens, models[1].output_tokens) == (4000, 40)
        assert models[2].unpriced == 1
        providers = {g.key: g for g in h.spend_by("provider")}
        assert providers["OpenRouter"].cost_usd == pytest.approx(0.02)
        assert providers["OpenRouter"].cached_tokens == 500
        assert providers["OpenAI"].requests == 2
        april = datetime(2025, 4, 1, tzinfo=timezone.utc)
        assert [g.key for g in h.spend_by("provider", since=april)] == ["OpenRouter"]


def test_begin_writes_the_provider_and_the_estimate(tmp_path: Path) -> None:
    with History(tmp_path / FILE_NAME) as h:
        engine = ConversationEngine(Settings(), SessionSpend(), h)
        plan = engine.plan_question(
            None, "What is this? " * 50, model="gpt-4o-mini", provider="OpenRouter"
        )
        assert plan.estimated_cost is not None and plan.input_tokens is not None
        turn = engine.begin(plan)
        turn.apply(TextDelta("A test."))
        turn.apply(UsageReported(Usage(190, 0, 3)))
        turn.apply(Finished("stop"))
        result = turn.finish(None)
        assert result.conversation_id is not None
        stored = h.messages(result.conversation_id)[-1]
    assert stored.provider == "OpenRouter"
    assert stored.estimated_tokens == plan.input_tokens
    assert stored.estimated_cost == pytest.approx(plan.estimated_cost)
    assert stored.cost_usd == pytest.approx((190 * 0.15 + 3 * 0.60) / 1e6)


def test_the_footer_shows_the_estimate_beside_the_billed_cost() -> None:
    line = footer_line("gpt-4o-mini", Usage(36_862, 0, 57), 0.0056, 0.0055)
    assert line.endswith("57 output tokens · est. $0.0055 · billed $0.0056")
    # An answer from before estimates were kept shows its cost alone, as before.
    assert footer_line("m", Usage(1, 0, 1), 0.0056, None).endswith("output tokens · $0.0056")
    assert footer_line("m", None, None, 0.001, failed=True) == ""
    assert "est. $0.001 · about $0.002 (estimated)" in footer_line(
        "m", None, 0.002, 0.001, cost_estimated=True
    )


def version_3_history(path: Path) -> None:
    """A history as AskShot wrote it before version 4, with an image and a draft."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, target=3)
    now = MARCH.isoformat(timespec="microseconds")
    conn.execute("INSERT INTO conversations VALUES (1, 'Old talk', ?, ?, NULL)", (now, now))
    conn.execute(
        "INSERT INTO messages (conversation_id, role, text, status, created_at) "
        "VALUES (1, 'user', 'an armadillo from version three', 'complete', ?)",
        (now,),
    )
    conn.execute(
        "INSERT INTO attachments VALUES ('ab12', 'image/png', 2, 1, 3, x'010203')",
    )
    conn.execute("INSERT INTO message_attachments VALUES (1, 'ab12', 0, 'low', 85)")
    conn.execute(
        "INSERT INTO messages (conversation_id, role, text, status, model, created_at, "
        "input_tokens, cached_tokens, output_tokens, cost_usd, reply_to) "
        "VALUES (1, 'assistant', 'It is an armadillo.', 'complete', 'gpt-4o-mini', ?, "
        "1200, 0, 8, 0.000185, 1)",
        (now,),
    )
    conn.execute("INSERT INTO drafts VALUES (1, 'half a thought', NULL, ?)", (now,))
    conn.close()


def test_version_3_history_is_upgraded_with_everything_kept(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    version_3_history(path)
    with History(path) as h:
        conv = h.conversation(1)
        assert conv is not None and (conv.title, conv.earlier_images) == ("Old talk", "all")
        question, answer = h.messages(1)
        assert question.text == "an armadillo from version three"
        assert [(a.sha256, a.tokens) for a in question.attachments] == [("ab12", 85)]
        assert h.attachment_bytes("ab12") == b"\x01\x02\x03"
        assert (answer.text, answer.reply_to, answer.cost_usd) == (
            "It is an armadillo.",
            1,
            0.000185,
        )
        assert (answer.provider, answer.estimated_cost, answer.estimated_tokens) == (
            None,
            None,
            None,
        )
        assert answer.usage == Usage(1200, 0, 8)
        draft = h.draft(1)
        assert draft is not None and draft.text == "half a thought"
        assert {x.message_id for x in h.search("armadillo")} == {1, 2}
        [unknown] = h.spend_by("provider")
        assert (unknown.key, unknown.requests) == ("unknown", 1)
        h.set_earlier_images(1, "latest")
        assert h.earlier_images(1) == "latest"
    with closing(sqlite3.connect(path)) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION == 4


# -- `askshot spend --by` as a user runs it ------------------------------------


def test_spend_by_each_grouping_on_the_command_line() -> None:
    path = data_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fill(path)
    tz = {"TZ": "UTC"}
    by_day = askshot("spend", "--by", "day", env=tz)
    assert by_day.code == 0, by_day.err
    lines = by_day.out.splitlines()
    assert lines[0] == "Per day (all time):"
    assert [line.split()[0] for line in lines[1:4]] == ["2025-04-01", "2025-03-31", "2025-03-30"]
    assert "2 answers" in lines[3] and "$0.021" in lines[3]
    assert "Total" in lines[-1] and "4 answers" in lines[-1]

    by_month = askshot("spend", "--by", "month", env=tz)
    assert by_month.code == 0, by_month.err
    assert [line.split()[0] for line in by_month.out.splitlines()[1:3]] == ["2025-04", "2025-03"]

    by_model = askshot("spend", "--by", "model", env=tz)
    assert by_model.code == 0, by_model.err
    mini = next(line for line in by_model.out.splitlines() if "gpt-4o-mini" in line)
    assert "2 answers" in mini and "4,000 in" in mini and "$0.004" in mini
    assert "(1 unpriced)" in next(line for line in by_model.out.splitlines() if "mystery" in line)

    by_provider = askshot("spend", "--by", "provider", env=tz)
    assert by_provider.code == 0, by_provider.err
    assert by_provider.out.splitlines()[0] == "Per provider (all time):"
    router = next(line for line in by_provider.out.splitlines() if "OpenRouter" in line)
    assert "2 answers" in router and "500 cached" in router and "$0.02" in router

    plain = askshot("spend")  # without --by: the summary as before
    assert (
        plain.code == 0 and plain.out.startswith("Today") and "Per model (all time):" in plain.out
    )

    wrong = askshot("spend", "--by", "week")
    assert wrong.code == 2 and "invalid choice" in wrong.err


def test_spend_by_provider_reads_a_history_from_before_providers() -> None:
    path = data_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    version_3_history(path)
    before = path.read_bytes()
    run = askshot("spend", "--by", "provider")
    assert run.code == 0, run.err
    assert "unknown" in run.out and "1 answer " in run.out and "$0.000185" in run.out
    assert path.read_bytes() == before  # a read-only command upgrades nothing on disk


def test_ask_records_the_provider_and_its_estimate(openai_server: FakeOpenAI) -> None:
    openai_server.push(Scenario(text="Four.", usage=(12, 2, 0)))
    run = askshot("ask", "--base-url", openai_server.base_url, "2+2?")
    assert run.code == 0, run.err
    with History(data_path()) as h:
        conv = h.last_conversation_id()
        assert conv is not None
        answer = h.messages(conv)[-1]
    assert answer.provider == "OpenAI"
    assert answer.estimated_tokens is not None and answer.estimated_cost is not None
    by_provider = askshot("spend", "--by", "provider")
    assert "OpenAI" in by_provider.out and "1 answer " in by_provider.out
