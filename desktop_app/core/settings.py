"""User settings: provider profiles, defaults, budgets and price overrides.

Stored as versioned JSON at `config_dir()/settings.json`, written atomically and
readable by the owner only. The file never holds an API key (see secrets.py).
A file that cannot be used (corrupt, wrong types) is copied aside as
`settings.json.bak-YYYYmmdd-HHMMSS` and AskShot starts from defaults, with a
sentence saying so; nothing the user wrote is thrown away. A file written by a
newer AskShot is left exactly as it is: this version runs on defaults and
refuses to save over it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import DETAILS, Detail
from desktop_app.core.paths import config_dir, ensure_private_dir
from desktop_app.core.privacy import KINDS
from desktop_app.core.providers import (
    BUILTIN_NAMES,
    DEFAULT_PROVIDER,
    ProviderProfile,
    builtin_profiles,
)
from desktop_app.core.settings_schema import (
    NewerSettingsError,
    SettingsFormatError,
    migrate,
    parse_settings,
)

SCHEMA_VERSION = 1
SETTINGS_FILE = "settings.json"
DEFAULT_SYSTEM_PROMPT = (
    "Answer concisely. When an image is attached, look at the part that matters for "
    "the question, and say so when something in it is too small or unclear to read."
)
DEFAULT_CAPTURE_QUESTION = "What is this?"

__all__ = [
    "BUILTIN_NAMES",
    "DEFAULT_PROVIDER",
    "SCHEMA_VERSION",
    "ProviderProfile",
    "Settings",
    "builtin_profiles",
    "load_settings",
    "resolve_profile",
    "save_settings",
    "settings_path",
]


def _clean_url(url: str) -> str:
    return url.strip().rstrip("/")


@dataclass
class Settings:
    """Everything the user can change, with defaults; `save()` writes it back."""

    providers: list[ProviderProfile] = field(default_factory=builtin_profiles)
    active_provider: str = DEFAULT_PROVIDER
    default_detail: Detail = "auto"
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    session_budget_usd: float | None = None  # None: no budget
    monthly_budget_usd: float | None = None
    # model -> {"input", "cached_input", "output"}, USD per million tokens
    price_overrides: dict[str, dict[str, float]] = field(default_factory=dict)
    capture_send_immediately: bool = False
    capture_default_question: str = DEFAULT_CAPTURE_QUESTION
    max_output_tokens: int | None = None
    # How long a stream may go without content (a gateway's keep-alive comments
    # do not count) before the first token arrives; then it ends as stalled.
    first_content_timeout_seconds: float = 60.0
    # Privacy: redact what the finder detects before sending, without asking;
    # and which kinds of sensitive text count (names from privacy.KINDS).
    privacy_auto_redact: bool = False
    privacy_kinds: list[str] = field(default_factory=lambda: list(KINDS))

    # -- profiles ---------------------------------------------------------
    def profile_names(self) -> list[str]:
        return [p.name for p in self.providers]

    def find_profile(self, name: str) -> ProviderProfile | None:
        """The profile called `name` (case-insensitive), or None."""
        wanted = name.strip().casefold()
        return next((p for p in self.providers if p.name.casefold() == wanted), None)

    def profile(self, name: str) -> ProviderProfile:
        found = self.find_profile(name)
        if found is None:
            known = ", ".join(self.profile_names())
            raise AppError(
                ErrorKind.BAD_INPUT,
                f"There is no provider profile named {name!r}. Known profiles: {known}.",
            )
        return found

    def active_profile(self) -> ProviderProfile:
        return self.profile(self.active_provider)

    def set_active(self, name: str) -> None:
        self.active_provider = self.profile(name).name

    def add_profile(self, profile: ProviderProfile) -> ProviderProfile:
        """Add a custom profile; its name must be new."""
        profile = replace(
            profile,
            name=profile.name.strip(),
            base_url=_clean_url(profile.base_url),
            model=profile.model.strip(),
            model_family=(profile.model_family or "").strip() or None,
        )
        self._check_name(profile.name)
        self._check_url(profile)
        self.providers.append(profile)
        return profile

    def update_profile(
        self,
        current: str,
        *,
        name: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        stream_options: bool | None = None,
        needs_key: bool | None = None,
        model_family: str | None = None,
    ) -> ProviderProfile:
        """Change fields of the profile called `current`; built-ins keep their name.

        None leaves a field as it is; `model_family=""` removes the mapping.
        """
        old = self.profile(current)
        changes: dict[str, Any] = {}
        if base_url is not None:
            changes["base_url"] = _clean_url(base_url)
        if model is not None:
            changes["model"] = model.strip()
        if stream_options is not None:
            changes["stream_options"] = stream_options
        if needs_key is not None:
            changes["needs_key"] = needs_key
        if model_family is not None:
            changes["model_family"] = model_family.strip() or None
        if name is not None and name.strip() != old.name:
            if old.builtin:
                raise AppError(
                    ErrorKind.BAD_INPUT,
                    f"The built-in {old.name} profile cannot be renamed; add a new profile "
                    "instead.",
                )
            changes["name"] = name.strip()
            self._check_name(changes["name"], ignore=old.name)
        new = replace(old, **changes)
        self._check_url(new)
        self.providers[self.providers.index(old)] = new
        if self.active_provider == old.name:
            self.active_provider = new.name
        return new

    def set_stream_options(self, name: str, accepted: bool) -> bool:
        """Record whether an endpoint accepts `stream_options`; True if that changed."""
        profile = self.profile(name)
        if profile.stream_options == accepted:
            return False
        self.update_profile(profile.name, stream_options=accepted)
        return True

    def restore_builtin(self, name: str) -> ProviderProfile:
        """Put a built-in profile back to how it ships."""
        old = self.profile(name)
        original = next((p for p in builtin_profiles() if p.name == old.name), None)
        if original is None:
            raise AppError(ErrorKind.BAD_INPUT, f"{old.name} is not a built-in profile.")
        self.providers[self.providers.index(old)] = original
        return original

    def remove_profile(self, name: str) -> None:
        """Remove a custom profile; the active one falls back to OpenAI."""
        profile = self.profile(name)
        if profile.builtin:
            raise AppError(
                ErrorKind.BAD_INPUT,
                f"The built-in {profile.name} profile cannot be removed; you can change its "
                "base URL and model instead.",
            )
        self.providers.remove(profile)
        if self.active_provider == profile.name:
            self.active_provider = DEFAULT_PROVIDER

    def _check_name(self, name: str, ignore: str | None = None) -> None:
        if not name:
            raise AppError(ErrorKind.BAD_INPUT, "A provider profile needs a name.")
        clash = self.find_profile(name)
        if clash is not None and clash.name != ignore:
            raise AppError(
                ErrorKind.BAD_INPUT,
                f"A provider profile named {clash.name!r} already exists; pick another name.",
            )

    @staticmethod
    def _check_url(profile: ProviderProfile) -> None:
        url = profile.base_url.lower()
        if url and not url.startswith(("http://", "https://")):
            raise AppError(
                ErrorKind.BAD_INPUT,
                f"The base URL {profile.base_url!r} must start with http:// or https://.",
            )

    # -- file -------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "version": SCHEMA_VERSION,
            "active_provider": self.active_provider,
            "providers": [p.to_json() for p in self.providers],
            "default_detail": self.default_detail,
            "system_prompt": self.system_prompt,
            "session_budget_usd": self.session_budget_usd,
            "monthly_budget_usd": self.monthly_budget_usd,
            "price_overrides": {m: dict(v) for m, v in self.price_overrides.items()},
            "capture_send_immediately": self.capture_send_immediately,
            "capture_default_question": self.capture_default_question,
            "max_output_tokens": self.max_output_tokens,
            "first_content_timeout_seconds": self.first_content_timeout_seconds,
            "privacy_auto_redact": self.privacy_auto_redact,
            "privacy_kinds": list(self.privacy_kinds),
        }

    @classmethod
    def from_json(cls, data: Any) -> Settings:
        """Build settings from a parsed file; raises SettingsFormatError with the reason."""
        values = parse_settings(migrate(data, SCHEMA_VERSION), DETAILS)
        providers = values.pop("providers", None)
        settings = cls(**values)
        if providers is not None:
            settings.providers = _with_builtins(providers)
        if settings.find_profile(settings.active_provider) is None:
            raise SettingsFormatError(
                f"the active provider {settings.active_provider!r} has no profile"
            )
        return settings

    def save(self, path: Path | None = None) -> None:
        save_settings(self, path)


def _with_builtins(profiles: list[ProviderProfile]) -> list[ProviderProfile]:
    """Check names are unique and add any built-in the file lacks (a newer release's)."""
    seen: set[str] = set()
    for p in profiles:
        if p.name.casefold() in seen:
            raise SettingsFormatError(f"two provider profiles are named {p.name!r}")
        seen.add(p.name.casefold())
    missing = [b for b in builtin_profiles() if b.name.casefold() not in seen]
    return profiles + missing


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (temp file + rename), mode 0600."""
    ensure_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if os.name == "posix":
            os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _newer_version(path: Path) -> int | None:
    """The version of the settings file at `path` if a newer AskShot wrote it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None  # missing or unusable: saving over it loses nothing (it was backed up)
    version = data.get("version") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        return version
    return None


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write settings to disk; a failure becomes an AppError that says where and why.

    A file from a newer AskShot is never overwritten (its settings would be lost).
    """
    target = path or settings_path()
    newer = _newer_version(target)
    if newer is not None:
        raise AppError(
            ErrorKind.BAD_INPUT,
            f"Your settings were not saved: {target} belongs to a newer AskShot (settings "
            f"version {newer}; this one understands up to {SCHEMA_VERSION}), and saving "
            "would overwrite it. Update AskShot to change settings.",
        )
    text = json.dumps(settings.to_json(), indent=2, ensure_ascii=False) + "\n"
    try:
        _write_private(target, text)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            advice = "Free some disk space, then try again."
        else:
            advice = (
                "Make the folder writable for your user (or set ASKSHOT_CONFIG_DIR to a "
                "folder you can write to), then try again."
            )
        raise AppError(
            ErrorKind.ENVIRONMENT,
            f"Could not save settings to {target} ({reason}). {advice}",
        ) from exc


def _backup(path: Path) -> Path:
    """Copy a settings file aside under a timestamped name that does not exist yet."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    n = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.bak-{stamp}-{n}")
        n += 1
    shutil.copyfile(path, backup)
    if os.name == "posix":
        os.chmod(backup, 0o600)
    return backup


def load_settings(path: Path | None = None) -> tuple[Settings, str | None]:
    """Read settings; returns them and a sentence for the user when the file was reset.

    A missing file gives defaults silently. An unusable file is copied aside, and
    defaults are written in its place so the notice appears once, not every start.
    """
    source = path or settings_path()
    try:
        raw = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings(), None
    except (OSError, UnicodeDecodeError) as exc:
        reason = f"it could not be read ({exc})"
    else:
        try:
            return Settings.from_json(json.loads(raw)), None
        except NewerSettingsError as exc:
            return Settings(), (
                f"Your settings file {source} was written by a newer AskShot (settings "
                f"version {exc.version}; this one understands up to {SCHEMA_VERSION}), so "
                "this AskShot is running on default settings. The file was left untouched, "
                "and changes made here cannot be saved over it; update AskShot to use it."
            )
        except json.JSONDecodeError as exc:
            reason = f"it is not valid JSON (line {exc.lineno}: {exc.msg})"
        except SettingsFormatError as exc:
            reason = str(exc)
    return Settings(), _reset(source, reason)


def _reset(source: Path, reason: str) -> str:
    defaults = Settings()
    try:
        backup = _backup(source)
    except OSError as exc:
        return (
            f"Your settings file {source} could not be used because {reason}, and could "
            f"not be backed up ({exc.strerror or exc}); AskShot is using default settings "
            "for now and has left the file as it is."
        )
    note = (
        f"Your settings file could not be used because {reason}, so AskShot started from "
        f"default settings. The old file was kept as {backup}."
    )
    try:
        save_settings(defaults, source)
    except AppError as exc:
        note += f" {exc.message}"
    return note


def resolve_profile(
    settings: Settings,
    provider: str | None = None,
    base_url: str | None = None,
    model: str | None = None,
    *,
    require_complete: bool = True,
    environ: dict[str, str] | None = None,
) -> ProviderProfile:
    """The profile to use for one run, with command-line overrides applied.

    `--base-url` wins; otherwise `OPENAI_BASE_URL` (what the SDK reads) replaces
    the OpenAI profile's base URL, and only that profile's. The result is a copy:
    overrides are never saved.
    """
    env = os.environ if environ is None else environ
    profile = settings.profile(provider or settings.active_provider)
    changes: dict[str, Any] = {}
    if base_url and base_url.strip():
        changes["base_url"] = _clean_url(base_url)
    elif profile.name == DEFAULT_PROVIDER and env.get("OPENAI_BASE_URL", "").strip():
        changes["base_url"] = _clean_url(env["OPENAI_BASE_URL"])
    if model and model.strip():
        changes["model"] = model.strip()
        if changes["model"] != profile.model:
            # The family maps the profile's alias; another model is not that alias.
            changes["model_family"] = None
    profile = replace(profile, **changes)
    problem = profile.missing()
    if require_complete and problem:
        raise AppError(ErrorKind.BAD_INPUT, problem)
    return profile
