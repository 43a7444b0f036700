"""Reading the settings file: version migrations and strict type checks.

Wrong types are not guessed at: `SettingsFormatError` says which key is wrong,
and settings.py backs the file up and starts from defaults. Unknown keys are
ignored, so a file with extra notes (or from a sibling build) still loads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from desktop_app.core.privacy import KINDS
from desktop_app.core.providers import ProviderProfile


class SettingsFormatError(ValueError):
    """The file parsed but cannot be used; the message completes "…because …"."""


class NewerSettingsError(SettingsFormatError):
    """The file was written by a newer AskShot: use defaults, but never touch the file."""

    def __init__(self, version: int, current: int) -> None:
        super().__init__(
            f"it was written by a newer AskShot (settings version {version}; this one "
            f"understands up to {current})"
        )
        self.version = version


def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    # Version 0 is a file without a "version" key (written by hand); it uses
    # version 1's field names, so only the version is stamped.
    return {**data, "version": 1}


# from-version -> function returning the data at from-version + 1
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _v0_to_v1}


def migrate(data: Any, current: int) -> dict[str, Any]:
    """Bring parsed JSON up to `current`; refuse files from a newer AskShot."""
    if not isinstance(data, dict):
        raise SettingsFormatError("it does not hold a JSON object")
    version = data.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise SettingsFormatError(f'its "version" {_short(version)} is not a version number')
    if version > current:
        raise NewerSettingsError(version, current)
    while version < current:
        data = MIGRATIONS[version](data)
        version += 1
    return data


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _wrong(key: str, expected: str, value: Any) -> SettingsFormatError:
    return SettingsFormatError(f'"{key}" should be {expected}, not {_short(value)}')


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _wrong(key, "true or false", value)
    return value


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _wrong(key, "text", value)
    return value


def _dollars(key: str, value: Any) -> float | None:
    if value is None:
        return None
    if not _is_number(value) or value < 0:
        raise _wrong(key, "a number of dollars (0 or more) or null", value)
    return float(value)


def _tokens(key: str, value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _wrong(key, "a whole number above 0 or null", value)
    return value


def _seconds(key: str, value: Any) -> float:
    if not _is_number(value) or value <= 0:
        raise _wrong(key, "a number of seconds above 0", value)
    return float(value)


def _prices(key: str, value: Any) -> dict[str, dict[str, float]]:
    if not isinstance(value, dict):
        raise _wrong(key, "an object mapping model ids to prices", value)
    result: dict[str, dict[str, float]] = {}
    for model, price in value.items():
        where = f"{key}.{model}"
        if not isinstance(price, dict):
            raise _wrong(where, 'an object with "input" and "output" prices', price)
        entry: dict[str, float] = {}
        for part in ("input", "cached_input", "output"):
            amount: Any = price.get(part)
            if amount is None and part == "cached_input":
                continue
            if not _is_number(amount) or amount < 0:
                raise _wrong(f"{where}.{part}", "dollars per million tokens", amount)
            entry[part] = float(amount)
        result[model] = entry
    return result


def _kinds(key: str, value: Any) -> list[str]:
    """Kinds of sensitive text, each one of privacy.KINDS, kept in that order."""
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise _wrong(key, "a list of kinds of sensitive text", value)
    unknown = [k for k in value if k not in KINDS]
    if unknown:
        known = ", ".join(f'"{k}"' for k in KINDS)
        raise SettingsFormatError(
            f'"{key}" names {_short(unknown[0])}, which is not a kind of sensitive text '
            f"(known kinds: {known})"
        )
    return [k for k in KINDS if k in value]


def profile_from_json(value: Any) -> ProviderProfile:
    """One profile from the file; unknown keys are ignored."""
    if not isinstance(value, dict):
        raise _wrong("providers", "a list of profile objects", value)
    name = _text("providers.name", value.get("name"))
    if not name.strip():
        raise SettingsFormatError("a provider profile has an empty name")
    where = f"providers.{name}"
    return ProviderProfile(
        name=name.strip(),
        base_url=_text(f"{where}.base_url", value.get("base_url", "")).strip().rstrip("/"),
        model=_text(f"{where}.model", value.get("model", "")).strip(),
        stream_options=_bool(f"{where}.stream_options", value.get("stream_options", True)),
        needs_key=_bool(f"{where}.needs_key", value.get("needs_key", True)),
        model_family=_family(f"{where}.model_family", value.get("model_family")),
    )


def _family(key: str, value: Any) -> str | None:
    """A model family for an alias; empty text reads as no mapping."""
    if value is None:
        return None
    return _text(key, value).strip() or None


def parse_settings(data: dict[str, Any], details: Sequence[str]) -> dict[str, Any]:
    """Checked field values for `Settings(**values)`; keys absent from the file are left out."""
    checks: dict[str, Callable[[str, Any], Any]] = {
        "active_provider": _text,
        "system_prompt": _text,
        "session_budget_usd": _dollars,
        "monthly_budget_usd": _dollars,
        "price_overrides": _prices,
        "capture_send_immediately": _bool,
        "capture_default_question": _text,
        "max_output_tokens": _tokens,
        "first_content_timeout_seconds": _seconds,
        "privacy_auto_redact": _bool,
        "privacy_kinds": _kinds,
    }
    values: dict[str, Any] = {}
    for key, check in checks.items():
        if key in data:
            values[key] = check(key, data[key])
    if "default_detail" in data:
        detail = data["default_detail"]
        if detail not in details:
            raise _wrong("default_detail", " or ".join(f'"{d}"' for d in details), detail)
        values["default_detail"] = detail
    if "providers" in data:
        providers = data["providers"]
        if not isinstance(providers, list):
            raise _wrong("providers", "a list of profile objects", providers)
        values["providers"] = [profile_from_json(p) for p in providers]
    return values
