"""Settings on disk: defaults, round trips, damaged files, profiles and overrides."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.secrets import SecretStore
from desktop_app.core.settings import (
    SCHEMA_VERSION,
    ProviderProfile,
    Settings,
    load_settings,
    resolve_profile,
    save_settings,
    settings_path,
)


def _write(data: Any) -> Path:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _backups() -> list[Path]:
    return sorted(settings_path().parent.glob("settings.json.bak-*"))


def test_missing_file_gives_defaults() -> None:
    settings, notice = load_settings()

    assert notice is None
    assert not settings_path().exists()  # loading alone writes nothing
    assert settings.active_profile() == ProviderProfile(
        "OpenAI", "https://api.openai.com/v1", "gpt-4o-mini"
    )
    assert settings.profile_names() == ["OpenAI", "OpenRouter", "Gate.AI", "Local server"]
    assert settings.profile("OpenRouter").model == "openai/gpt-4o-mini"
    local = settings.profile("Local server")
    assert (local.base_url, local.needs_key) == ("http://localhost:11434/v1", False)
    assert settings.default_detail == "auto"
    assert settings.session_budget_usd is None and settings.max_output_tokens is None
    assert settings.capture_send_immediately is False
    assert settings.capture_default_question == "What is this?"


def test_gate_ai_is_incomplete_until_both_fields_are_filled() -> None:
    settings = Settings()
    gate = settings.profile("Gate.AI")

    assert not gate.complete
    assert gate.missing() == (
        "The Gate.AI profile needs a base URL and a model id: copy them from the Gate.AI "
        "console into Settings → Providers, or pass --base-url and --model."
    )
    gate = settings.update_profile("Gate.AI", base_url="https://gate.example/v1/ ")
    assert gate.base_url == "https://gate.example/v1"
    assert "needs a model id" in (gate.missing() or "")
    assert settings.update_profile("Gate.AI", model="gpt-4o-mini").complete


def test_round_trip_keeps_every_field_and_is_private() -> None:
    settings = Settings()
    settings.add_profile(ProviderProfile("LM Studio", "http://127.0.0.1:1234/v1/", "qwen2-vl"))
    settings.set_active("lm studio")
    settings.default_detail = "high"
    settings.system_prompt = ""
    settings.session_budget_usd = 0.5
    settings.monthly_budget_usd = 10
    settings.price_overrides = {"qwen2-vl": {"input": 0.0, "cached_input": 0.0, "output": 0.0}}
    settings.capture_send_immediately = True
    settings.capture_default_question = "Translate this."
    settings.max_output_tokens = 800

    save_settings(settings)
    loaded, notice = load_settings()

    assert notice is None
    assert loaded == settings
    assert loaded.active_profile().base_url == "http://127.0.0.1:1234/v1"
    path = settings_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["version"] == SCHEMA_VERSION
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temp file left


def test_saving_replaces_the_file_atomically() -> None:
    save_settings(Settings())
    before = settings_path().stat().st_ino
    settings = Settings(system_prompt="Be brief.")

    settings.save()

    assert settings_path().stat().st_ino != before  # a new file renamed over the old one
    assert load_settings()[0].system_prompt == "Be brief."


def test_a_save_that_cannot_be_written_says_where() -> None:
    blocker = Path(os.environ["ASKSHOT_CONFIG_DIR"])
    blocker.write_text("a file where the folder should be")

    with pytest.raises(AppError) as caught:
        save_settings(Settings())

    assert str(blocker) in caught.value.message
    assert "a file where AskShot expects a folder" in caught.value.message
    assert caught.value.kind is ErrorKind.ENVIRONMENT


def test_settings_file_never_holds_a_key() -> None:
    key = "sk-proj-Neve.InSettings0123456789zzzz"
    store = SecretStore()
    store.set("OpenAI", key)
    store.set_session_key("OpenRouter", key[::-1])
    settings, _ = load_settings()
    settings.update_profile("OpenAI", model="gpt-4o")

    save_settings(settings)

    text = settings_path().read_bytes()
    assert key.encode() not in text and key[::-1].encode() not in text
    assert b"NeverInSettings" not in text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{ not json", "not valid JSON (line 1"),
        ("[1, 2]", "does not hold a JSON object"),
        ({"version": 1, "session_budget_usd": "ten"}, '"session_budget_usd" should be'),
        ({"version": 1, "default_detail": "medium"}, '"default_detail" should be'),
        ({"version": 1, "providers": {"OpenAI": {}}}, '"providers" should be a list'),
        (
            {"version": 1, "providers": [{"name": "X", "base_url": "", "stream_options": 1}]},
            '"providers.X.stream_options" should be true or false',
        ),
        ({"version": 1, "active_provider": "Nowhere"}, "'Nowhere' has no profile"),
        (
            {"version": 1, "providers": [{"name": "A"}, {"name": "a"}]},
            "two provider profiles are named",
        ),
        ({"version": 1, "max_output_tokens": 0}, '"max_output_tokens" should be'),
        ({"version": 1, "price_overrides": {"m": {"input": 1}}}, "m.output"),
        ({"version": "1"}, "is not a version number"),
    ],
)
def test_unusable_file_is_backed_up_and_defaults_are_used(content: Any, reason: str) -> None:
    path = _write(content)
    original = path.read_bytes()

    settings, notice = load_settings()

    assert settings == Settings()
    assert notice is not None and reason in notice
    (backup,) = _backups()
    assert backup.read_bytes() == original
    assert str(backup) in notice
    assert backup.name[len("settings.json.bak-") :].replace("-", "").isdigit()
    # Defaults now stand in its place, so the notice is shown once, not every start.
    assert load_settings() == (Settings(), None)


def test_each_reset_keeps_its_own_backup() -> None:
    _write("first broken file")
    load_settings()
    _write("second broken file")
    load_settings()

    assert sorted(b.read_text() for b in _backups()) == ["first broken file", "second broken file"]


def test_unknown_keys_are_ignored() -> None:
    _write(
        {
            "version": 1,
            "theme": "dark",  # from some other build
            "system_prompt": "Short answers.",
            "providers": [
                {"name": "Mine", "base_url": "https://x.example/v1", "model": "m", "x": 1}
            ],
            "active_provider": "Mine",
        }
    )

    settings, notice = load_settings()

    assert notice is None
    assert settings.system_prompt == "Short answers."
    assert settings.active_profile() == ProviderProfile("Mine", "https://x.example/v1", "m")
    # Built-ins the file lacks are added back.
    assert settings.profile_names() == ["Mine", "OpenAI", "OpenRouter", "Gate.AI", "Local server"]


def test_file_without_version_is_migrated() -> None:
    _write({"default_detail": "low", "monthly_budget_usd": 20})

    settings, notice = load_settings()

    assert notice is None and _backups() == []
    assert (settings.default_detail, settings.monthly_budget_usd) == ("low", 20.0)
    settings.save()
    assert json.loads(settings_path().read_text())["version"] == SCHEMA_VERSION


def test_migrations_run_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.core import settings as settings_module
    from desktop_app.core import settings_schema

    def v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
        data = {**data, "version": 2}
        data["system_prompt"] = data.pop("prompt")  # a renamed field
        return data

    monkeypatch.setitem(settings_schema.MIGRATIONS, 1, v1_to_v2)
    monkeypatch.setattr(settings_module, "SCHEMA_VERSION", 2)
    _write({"prompt": "Old name."})  # version 0 -> 1 -> 2

    settings, notice = load_settings()

    assert notice is None
    assert settings.system_prompt == "Old name."


def test_editing_profiles() -> None:
    settings = Settings()
    settings.update_profile("OpenAI", model="gpt-4o", base_url="https://proxy.example/v1")
    assert settings.profile("OpenAI").model == "gpt-4o"
    assert settings.restore_builtin("OpenAI").model == "gpt-4o-mini"

    with pytest.raises(AppError, match="cannot be removed"):
        settings.remove_profile("OpenRouter")
    with pytest.raises(AppError, match="cannot be renamed"):
        settings.update_profile("OpenRouter", name="OR")
    with pytest.raises(AppError, match="already exists"):
        settings.add_profile(ProviderProfile("openai", "https://x.example/v1", "m"))
    with pytest.raises(AppError, match="must start with http"):
        settings.add_profile(ProviderProfile("Bad", "ftp://x.example", "m"))

    settings.add_profile(ProviderProfile("Mine", "https://x.example/v1", "m"))
    settings.set_active("Mine")
    settings.update_profile("Mine", name="Ours")
    assert settings.active_provider == "Ours"
    settings.remove_profile("Ours")
    assert settings.active_provider == "OpenAI"
    assert "Ours" not in settings.profile_names()


def test_stream_options_rejection_is_remembered() -> None:
    settings = Settings()

    assert settings.set_stream_options("OpenRouter", False) is True
    assert settings.set_stream_options("OpenRouter", False) is False
    settings.save()

    loaded, _ = load_settings()
    assert loaded.profile("OpenRouter").stream_options is False
    assert loaded.profile("OpenAI").stream_options is True


# -- resolve_profile ------------------------------------------------------------


def test_resolve_uses_the_active_profile_by_default() -> None:
    settings = Settings()
    assert resolve_profile(settings, None, None, None) == settings.profile("OpenAI")


def test_resolve_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(AppError) as caught:
        resolve_profile(Settings(), "Anthropic", None, None)

    assert caught.value.kind is ErrorKind.BAD_INPUT
    assert caught.value.message == (
        "There is no provider profile named 'Anthropic'. "
        "Known profiles: OpenAI, OpenRouter, Gate.AI, Local server."
    )


def test_openai_base_url_env_applies_to_the_openai_profile_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "https://proxy.example/v1/")
    settings = Settings()

    assert resolve_profile(settings, None, None, None).base_url == "https://proxy.example/v1"
    assert resolve_profile(settings, "openrouter", None, None).base_url == (
        "https://openrouter.ai/api/v1"
    )
    explicit = resolve_profile(settings, "OpenAI", "http://127.0.0.1:9/v1", "gpt-4o")
    assert (explicit.base_url, explicit.model) == ("http://127.0.0.1:9/v1", "gpt-4o")
    assert settings.profile("OpenAI").base_url == "https://api.openai.com/v1"  # not saved


def test_resolve_incomplete_profile() -> None:
    settings = Settings()

    with pytest.raises(AppError) as caught:
        resolve_profile(settings, "Gate.AI", None, None)
    assert caught.value.kind is ErrorKind.BAD_INPUT
    assert "Gate.AI console" in caught.value.message

    with pytest.raises(AppError, match="needs a model id"):
        resolve_profile(settings, "Gate.AI", "https://gate.example/v1", None)
    filled = resolve_profile(settings, "Gate.AI", "https://gate.example/v1", "vision-1")
    assert filled.complete
    loose = resolve_profile(settings, "Gate.AI", None, None, require_complete=False)
    assert loose.name == "Gate.AI" and not loose.complete
