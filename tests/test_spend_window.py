"""The window's side of spend: estimate beside billed cost under each answer, the
"Earlier images" choice with its price, and the spend view behind the status bar."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop_app.context import Services
from desktop_app.ui.chat.spend_view import SpendDialog
from desktop_app.ui.window.main_window import MainWindow
from tests.openai_server import FakeOpenAI, Scenario
from tests.window_helpers import (
    KEY,
    TIMEOUT_MS,
    ask,
    image_files_fixture,  # noqa: F401 (fixture)
    open_window,
    server_fixture,  # noqa: F401 (fixture)
    services_fixture,  # noqa: F401 (fixture)
    stream_threads_fixture,  # noqa: F401 (fixture)
    wait_ready,
    window_fixture,  # noqa: F401 (fixture)
)


def ask_with_image(qtbot, window: MainWindow, path: str, question: str):
    window.composer.attach_files([path])
    wait_ready(qtbot, window, 1)
    return ask(qtbot, window, question)


def test_each_answer_shows_its_estimate_beside_the_billed_cost(
    qtbot, window: MainWindow, server: FakeOpenAI, image_files
) -> None:
    server.push(Scenario(text="A chart.", usage=(36_862, 57, 0)))
    answer = ask_with_image(qtbot, window, image_files["4k"], "What is this?")
    footer = answer.footer_label.text()
    # 36,862 x $0.15/M + 57 x $0.60/M billed; the estimate was made before sending.
    assert "57 output tokens · est. $0.0055" in footer
    assert footer.endswith("billed $0.005563")
    # Read back from history (another conversation and back), the same footer.
    conv = window.controller.conversation_id
    window.controller.load_conversation(None)
    window.controller.load_conversation(conv)
    stored = window.chat_view.last_answer()
    assert stored is not None and stored.footer_label.text() == footer


def test_earlier_images_choice_prices_and_changes_what_is_sent(
    qtbot, window: MainWindow, server: FakeOpenAI, image_files
) -> None:
    box = window.earlier_images
    assert box.isHidden()  # a new chat has no earlier image
    ask_with_image(qtbot, window, image_files["small"], "What is this?")
    image_tokens = (
        window._services.history()
        .messages(window.controller.conversation_id)[0]
        .attachments[0]
        .tokens
    )
    assert image_tokens
    assert box.isVisible()
    assert box.combo.currentText().startswith(f"all (+{image_tokens:,} tokens · $")
    assert f"“none” saves {image_tokens:,} tokens" in box.combo.toolTip()
    window.composer.set_text("And the colour?")
    with_images = window.composer.estimate().tokens

    box.choose("none")

    assert window.composer.estimate().tokens == with_images - image_tokens
    assert box.combo.currentText() == "none (+0 tokens · $0.00)"
    assert f"“all” adds {image_tokens:,} tokens" in box.saving_label.text()
    with qtbot.waitSignal(window.controller.busy_changed, timeout=TIMEOUT_MS):
        window.composer.send_button.click()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=TIMEOUT_MS)
    assert server.requests[-1].images() == []  # the earlier image stayed home
    assert server.requests[-1].user_text() == "And the colour?"
    conv = window.controller.conversation_id
    assert window._services.history().earlier_images(conv) == "none"
    window.controller.load_conversation(None)
    assert box.isHidden()
    window.controller.load_conversation(conv)
    assert box.policy() == "none"  # kept per conversation


def test_the_spend_view_opens_from_the_status_bar(
    qtbot, window: MainWindow, server: FakeOpenAI
) -> None:
    server.push(Scenario(text="Four.", usage=(1000, 10, 0)))
    ask(qtbot, window, "2+2?")
    window.spend_label.click()
    dialog = window.spend_view
    assert isinstance(dialog, SpendDialog) and dialog.isVisible()
    providers = dialog.tables["provider"]
    assert providers.item(0, 0).text() == "OpenAI"
    assert providers.item(0, 5).text() == "$0.000156"
    assert dialog.tables["model"].item(0, 0).text() == "gpt-4o-mini-2024-07-18"
    assert dialog.tables["day"].rowCount() == dialog.tables["month"].rowCount() == 1
    qtbot.waitUntil(
        lambda: "credit" in dialog.credit_label.text() and "…" not in dialog.credit_label.text(),
        timeout=TIMEOUT_MS,
    )
    assert dialog.credit_label.text() == "OpenAI does not say how much credit is left."
    dialog.close()


@pytest.fixture
def router(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(catalogue="openrouter") as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        yield fake


def test_the_spend_view_shows_the_credit_a_gateway_reports(qtbot, router: FakeOpenAI) -> None:
    services = Services()
    try:
        window = open_window(qtbot, services)
        window.open_spend_view()
        dialog = window.spend_view
        qtbot.waitUntil(lambda: "…" not in dialog.credit_label.text(), timeout=TIMEOUT_MS)
        assert dialog.credit_label.text() == (
            "Credit left at OpenAI: $7.25 of $10.00 ($2.75 used)."
        )
        assert dialog.tables["provider"].rowCount() == 0
        dialog.close()
    finally:
        services.close()
