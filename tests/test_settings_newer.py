"""A settings file from a newer AskShot is left exactly as it is, and never overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.context import Services
from desktop_app.core.errors import AppError
from desktop_app.core.settings import Settings, load_settings, save_settings, settings_path
from tests.cli_helpers import askshot

NEWER = {"version": 99, "active_provider": "Tomorrow", "providers": [{"name": "Tomorrow"}]}


def _newer_file() -> bytes:
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(NEWER))
    return path.read_bytes()


def _siblings() -> list[str]:
    return sorted(p.name for p in settings_path().parent.iterdir())


def test_a_newer_file_runs_on_defaults_and_is_left_untouched() -> None:
    original = _newer_file()

    settings, notice = load_settings()

    assert settings == Settings()
    assert notice is not None
    assert "newer AskShot" in notice and "settings version 99" in notice
    assert "left untouched" in notice and "update AskShot" in notice
    assert settings_path().read_bytes() == original
    assert _siblings() == ["settings.json"]  # no backup copy


def test_saving_over_a_newer_file_is_refused() -> None:
    original = _newer_file()
    settings, _ = load_settings()
    settings.system_prompt = "Changed here."

    with pytest.raises(AppError) as caught:
        save_settings(settings)

    assert "belongs to a newer AskShot" in caught.value.message
    assert "were not saved" in caught.value.message
    assert settings_path().read_bytes() == original
    assert _siblings() == ["settings.json"]


def test_the_command_line_runs_and_keeps_the_file(tmp_path: Path) -> None:
    original = _newer_file()
    services = Services()
    try:
        assert services.notices and "newer AskShot" in services.notices[0]
        with pytest.raises(AppError):
            services.save_settings()
    finally:
        services.close()

    run = askshot("key", "status")

    assert run.code == 0, run.err
    assert "newer AskShot" in run.err
    assert settings_path().read_bytes() == original
    assert _siblings() == ["settings.json"]


def test_an_older_or_current_file_still_saves() -> None:
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text(json.dumps({"version": 1, "system_prompt": "Old."}))
    settings, notice = load_settings()
    assert notice is None and settings.system_prompt == "Old."

    settings.system_prompt = "New."
    save_settings(settings)

    assert load_settings()[0].system_prompt == "New."
