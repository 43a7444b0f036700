"""The model picker: the provider's catalogue, vision first, priced per 1M tokens; picking
a model changes what the next request sends; a server without /models keeps the typed id.

The window tests run the real window and the openai SDK against the fake server.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app.context import Services
from desktop_app.core import model_text
from desktop_app.core.catalogue import Catalogue, ModelInfo
from desktop_app.core.pricing import Price
from desktop_app.core.settings import load_settings
from desktop_app.ui.common import model_picker
from desktop_app.ui.common.model_picker import ModelPicker
from desktop_app.ui.settings.dialog import SettingsDialog
from desktop_app.ui.window.main_window import MainWindow
from tests.openai_server import FakeOpenAI, Scenario
from tests.window_helpers import (  # noqa: F401  (fixtures)
    TIMEOUT_MS,
    answer_question,
    ask,
    image_files_fixture,
    server_fixture,
    services_fixture,
    stream_threads_fixture,
    wait_idle,
    wait_ready,
    window_fixture,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

NOW = datetime(2025, 8, 7, 12, 0, tzinfo=timezone.utc)
CATALOGUE = Catalogue(
    "OpenRouter",
    NOW,
    (
        ModelInfo(
            "openai/gpt-3.5-turbo",
            "OpenAI: GPT-3.5 Turbo",
            16_385,
            vision=False,
            price=Price(0.5, 0.5, 1.5),
        ),
        ModelInfo(
            "openai/gpt-4o-mini",
            "OpenAI: GPT-4o-mini",
            128_000,
            vision=True,
            price=Price(0.15, 0.075, 0.6),
        ),
        ModelInfo("local/mystery", None, None, vision=None, price=None),
        ModelInfo(
            "anthropic/claude-3.5-sonnet",
            "Anthropic: Claude 3.5 Sonnet",
            200_000,
            vision=True,
            price=Price(3.0, 0.3, 15.0),
        ),
    ),
)


@pytest.fixture(autouse=True)
def _no_fetch_left() -> Iterator[None]:
    """A catalogue fetch still running after a test is a bug."""
    yield
    assert model_picker.wait_for_pending(10_000), "a catalogue fetch was left running"
    QApplication.processEvents()


def make_picker(qtbot, current: str = "openai/gpt-4o-mini", **kwargs) -> ModelPicker:
    kwargs.setdefault("cached", CATALOGUE)
    kwargs.setdefault("fetch", None)
    picker = ModelPicker("OpenRouter", current, **kwargs)
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitExposed(picker)
    picker.search.setFocus()
    return picker


# -- the list ----------------------------------------------------------------------------------
def test_lists_vision_models_first_with_prices_per_million(qtbot) -> None:
    picker = make_picker(qtbot)

    assert picker.visible_ids() == [
        "anthropic/claude-3.5-sonnet",
        "openai/gpt-4o-mini",
        "local/mystery",  # the catalogue does not say: after those that see images
        "openai/gpt-3.5-turbo",  # text only: last
    ]
    assert picker.row_texts("openai/gpt-4o-mini") == [
        "openai/gpt-4o-mini  (in use)",
        "sees images",
        "128K",
        "$0.15 / $0.60",
    ]
    assert picker.row_texts("anthropic/claude-3.5-sonnet")[1:] == [
        "sees images",
        "200K",
        "$3 / $15",
    ]
    assert picker.row_texts("openai/gpt-3.5-turbo")[1:] == ["text only", "16K", "$0.50 / $1.50"]
    assert picker.row_texts("local/mystery")[1:] == ["", "", "price unknown"]
    assert picker.highlighted() == "openai/gpt-4o-mini"  # the model in use
    assert "OpenRouter lists 4 models" in picker.status_text()


def test_user_price_override_wins_and_built_in_table_fills_a_plain_list(qtbot) -> None:
    plain = Catalogue("OpenAI", NOW, (ModelInfo("gpt-4o-mini"), ModelInfo("gpt-4.1")))
    picker = make_picker(
        qtbot, current="gpt-4o-mini", cached=plain, overrides={"gpt-4.1": Price(1.0, 1.0, 4.0)}
    )

    assert picker.row_texts("gpt-4o-mini")[2:] == ["128K", "$0.15 / $0.60"]  # built-in table
    assert picker.row_texts("gpt-4.1")[2:] == ["1.05M", "$1 / $4"]  # the user's price
    assert "built-in table" in picker.status_text()


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0.15, "$0.15"), (0.075, "$0.075"), (2.5, "$2.50"), (15, "$15"), (0, "$0"), (150, "$150")],
)
def test_price_per_million_format(amount: float, text: str) -> None:
    assert model_text.format_per_million(amount) == text


# -- filtering and picking ---------------------------------------------------------------------
def test_typing_filters_by_id_or_name_and_enter_picks(qtbot) -> None:
    picker = make_picker(qtbot)

    qtbot.keyClicks(picker.search, "sonnet")  # in the name only
    assert picker.visible_ids() == ["anthropic/claude-3.5-sonnet"]
    picker.search.clear()
    qtbot.keyClicks(picker.search, "openai")
    assert picker.visible_ids() == ["openai/gpt-4o-mini", "openai/gpt-3.5-turbo"]
    assert picker.highlighted() == "openai/gpt-4o-mini"
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)  # the arrows move through the list
    assert picker.highlighted() == "openai/gpt-3.5-turbo"

    with qtbot.waitSignal(picker.model_chosen, timeout=TIMEOUT_MS) as chosen:
        qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert chosen.args == ["openai/gpt-3.5-turbo"]
    assert not picker.isVisible()


def test_a_typed_id_that_matches_nothing_is_picked_as_typed(qtbot) -> None:
    picker = make_picker(qtbot)

    qtbot.keyClicks(picker.search, "my-gateway-alias")
    assert picker.visible_ids() == []
    with qtbot.waitSignal(picker.model_chosen, timeout=TIMEOUT_MS) as chosen:
        qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert chosen.args == ["my-gateway-alias"]


def test_text_only_warning_sentence() -> None:
    assert model_text.text_only_warning("openai/gpt-4o-mini", CATALOGUE, 2) is None
    assert model_text.text_only_warning("local/mystery", CATALOGUE, 2) is None  # unknown
    assert model_text.text_only_warning("openai/gpt-3.5-turbo", CATALOGUE, 0) is None
    warning = model_text.text_only_warning("openai/gpt-3.5-turbo", CATALOGUE, 2)
    assert warning is not None
    assert "reads text only" in warning and "the 2 attached images" in warning


# -- in the window, against the fake server ----------------------------------------------------
def open_from_status_bar(qtbot, window: MainWindow) -> ModelPicker:
    qtbot.mouseClick(window.model_label, Qt.MouseButton.LeftButton)
    picker = window.findChild(ModelPicker)
    assert picker is not None and picker.isVisible()
    return picker


def model_gets(server: FakeOpenAI) -> int:
    return sum(1 for r in server.requests if r.method == "GET" and r.path.endswith("/models"))


def test_picking_a_model_changes_what_the_next_request_sends(
    qtbot, window: MainWindow, server: FakeOpenAI
) -> None:
    assert window.model_label.text() == "OpenAI · gpt-4o-mini ▾"
    picker = open_from_status_bar(qtbot, window)
    assert picker.is_fetching() or picker.visible_ids()  # the GUI thread did not wait for it
    qtbot.waitUntil(lambda: "gpt-4.1-mini" in picker.visible_ids(), timeout=TIMEOUT_MS)
    assert model_gets(server) == 1

    qtbot.keyClicks(picker.search, "4.1")
    with qtbot.waitSignal(window.settings_changed, timeout=TIMEOUT_MS):
        qtbot.keyClick(picker.search, Qt.Key.Key_Return)

    assert window.model_label.text() == "OpenAI · gpt-4.1-mini ▾"
    ask(qtbot, window, "Which model are you?")
    assert server.requests[-1].body["model"] == "gpt-4.1-mini"
    saved, _ = load_settings()  # and it stays after a restart
    assert saved.profile("OpenAI").model == "gpt-4.1-mini"


def test_a_server_without_models_says_so_and_the_typed_id_is_sent(
    qtbot, window: MainWindow, server: FakeOpenAI
) -> None:
    server.catalogue = "missing"  # some local servers: GET /models is a 404
    picker = open_from_status_bar(qtbot, window)
    with qtbot.waitSignal(picker.fetch_failed, timeout=TIMEOUT_MS):
        pass
    assert "does not list its models" in picker.status_text()
    assert "Type a model id" in picker.status_text()
    assert picker.visible_ids() == []

    qtbot.keyClicks(picker.search, "llava:13b")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)

    assert window.model_label.text() == "OpenAI · llava:13b ▾"
    ask(qtbot, window, "What is in the picture?")
    assert server.requests[-1].body["model"] == "llava:13b"


def test_the_cached_list_shows_at_once_while_a_fresh_one_is_fetched(
    qtbot, window: MainWindow, services: Services, server: FakeOpenAI
) -> None:
    services.catalogue(services.resolve_profile(), refresh=True)  # fetched once, cached on disk
    fresh = Services()  # as after a restart: only the disk cache
    try:
        profile = fresh.resolve_profile()
        picker = model_picker.picker_for_profile(fresh, profile, window)
        picker.show_near(window.model_label)
        # Before the event loop has run once: the cached list, and a refresh on its way.
        assert "gpt-4o" in picker.visible_ids()
        assert picker.status_text().endswith("Refreshing…")
        with qtbot.waitSignal(picker.catalogue_loaded, timeout=TIMEOUT_MS):
            pass
        assert model_gets(server) == 2
        assert "Refreshing" not in picker.status_text()
        picker.reject()
    finally:
        fresh.close()


def test_settings_choose_fills_the_model_field(
    qtbot, services: Services, server: FakeOpenAI
) -> None:
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    page = dialog.providers_page
    page.select("OpenAI")

    qtbot.mouseClick(page.choose_model_button, Qt.MouseButton.LeftButton)
    picker = page.findChild(ModelPicker)
    assert picker is not None
    qtbot.waitUntil(lambda: "gpt-4o" in picker.visible_ids(), timeout=TIMEOUT_MS)
    qtbot.keyClicks(picker.search, "gpt-4o")
    assert picker.visible_ids() == ["gpt-4o", "gpt-4o-mini"]
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)

    assert page.model_edit.text() == "gpt-4o"
    dialog.accept()
    assert services.settings.profile("OpenAI").model == "gpt-4o"


def test_the_openrouter_catalogue_in_the_window_vision_first_with_prices(
    qtbot, window: MainWindow, server: FakeOpenAI
) -> None:
    server.catalogue = "openrouter"
    picker = open_from_status_bar(qtbot, window)
    with qtbot.waitSignal(picker.catalogue_loaded, timeout=TIMEOUT_MS):
        pass

    assert picker.visible_ids() == [
        "google/gemma-3-27b-it:free",
        "openai/gpt-4o-mini",
        "openrouter/auto",
        "qwen/qwen2.5-vl-72b-instruct",
        "meta-llama/llama-3.3-70b-instruct",  # text only: last
    ]
    assert picker.row_texts("qwen/qwen2.5-vl-72b-instruct")[1:] == [
        "sees images",
        "32K",
        "$0.25 / $0.75",  # from the catalogue: the built-in table does not know it
    ]
    assert picker.row_texts("meta-llama/llama-3.3-70b-instruct")[1] == "text only"
    assert picker.row_texts("google/gemma-3-27b-it:free")[3] == "free"
    assert picker.row_texts("openrouter/auto")[3] == "price unknown"  # "-1": no fixed price
    picker.reject()


def test_images_going_to_a_text_only_model_ask_first(
    qtbot,
    window: MainWindow,
    server: FakeOpenAI,
    image_files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.catalogue = "openrouter"
    window.composer.attach_files([image_files["small"]])
    wait_ready(qtbot, window, 1)
    picker = open_from_status_bar(qtbot, window)
    with qtbot.waitSignal(picker.catalogue_loaded, timeout=TIMEOUT_MS):
        pass
    qtbot.keyClicks(picker.search, "llama")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert "reads text only" in window.statusBar().currentMessage()  # said at once
    posts = sum(1 for r in server.requests if r.method == "POST")

    asked = answer_question(monkeypatch, QMessageBox.StandardButton.Cancel)
    window.composer.set_text("What does the dialog say?")
    window.composer.send_button.click()
    assert len(asked) == 1
    assert "meta-llama/llama-3.3-70b-instruct reads text only" in asked[0]
    assert "the attached image" in asked[0]
    assert sum(1 for r in server.requests if r.method == "POST") == posts  # nothing sent
    assert window.composer.text() == "What does the dialog say?"  # nothing lost
    assert len(window.composer.attachments()) == 1

    asked = answer_question(monkeypatch, QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.controller.busy_changed, timeout=TIMEOUT_MS):
        window.composer.send_button.click()
    wait_idle(qtbot, window)
    assert len(asked) == 1
    assert server.requests[-1].body["model"] == "meta-llama/llama-3.3-70b-instruct"


def test_a_vision_model_with_images_sends_without_asking(
    qtbot,
    window: MainWindow,
    server: FakeOpenAI,
    image_files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.catalogue = "openrouter"
    picker = open_from_status_bar(qtbot, window)
    with qtbot.waitSignal(picker.catalogue_loaded, timeout=TIMEOUT_MS):
        pass
    qtbot.keyClicks(picker.search, "qwen")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    window.composer.attach_files([image_files["small"]])
    wait_ready(qtbot, window, 1)

    asked = answer_question(monkeypatch, QMessageBox.StandardButton.Cancel)
    ask(qtbot, window, "What is this?")
    assert asked == []
    assert server.requests[-1].body["model"] == "qwen/qwen2.5-vl-72b-instruct"
    assert server.requests[-1].parts("image_url")


def test_a_stalled_model_list_never_blocks_the_window(
    qtbot, window: MainWindow, server: FakeOpenAI
) -> None:
    server.push(Scenario(fault="stall_headers"))  # GET /models never answers
    picker = open_from_status_bar(qtbot, window)
    qtbot.waitUntil(lambda: model_gets(server) == 1, timeout=TIMEOUT_MS)
    assert picker.is_fetching()
    assert picker.status_text() == "Fetching the model list…"

    qtbot.keyClicks(picker.search, "gpt-4o")  # the window answers while the list is awaited
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert window.model_label.text() == "OpenAI · gpt-4o ▾"

    server.stopped.set()  # release the stall; the closed picker's fetch ends by itself
    assert model_picker.wait_for_pending(TIMEOUT_MS)
