"""Sentences for every way a chat request can fail.

`chat_client` classifies the `openai`/`httpx2` exception and calls one of these
with plain facts (status, error code, server message, how far the answer got);
this module decides the `ErrorKind` and words a message that says what to do
next. It never imports `openai`; it scrubs the API key and any user name or
password in the base URL from anything the server echoes back, and names the
server by host only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.server_text import plain_text
from desktop_app.core.urls import credentials_of, host_of, mask_url, mask_urls_in

if TYPE_CHECKING:
    from desktop_app.core.catalogue import Credits

_KEY_LIKE = re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_\-*.]{6,}")
_MAX_SERVER_TEXT = 240


@dataclass(frozen=True)
class ErrorContext:
    """What messages may mention: which server, which model, which timeouts (never the key)."""

    base_url: str
    model: str
    connect_timeout: float
    read_timeout: float
    secret: str | None = None  # only used to scrub it from server text

    def __repr__(self) -> str:
        return f"ErrorContext(base_url={self.url!r}, model={self.model!r})"

    @property
    def host(self) -> str:
        """host[:port], never the user name or password a base URL may carry."""
        return host_of(self.base_url)

    @property
    def url(self) -> str:
        """The base URL fit for a message: user information masked."""
        return mask_url(self.base_url)

    def clean(self, text: object) -> str:
        """Server text made safe to show: no key or URL credentials, one line, not too long."""
        out = " ".join(str(text or "").split())
        if self.secret:
            out = out.replace(self.secret, "[redacted key]")
        out = mask_urls_in(out)
        for credential in sorted(credentials_of(self.base_url), key=len, reverse=True):
            out = _scrub(out, credential)
        out = _KEY_LIKE.sub(r"\1-…", out)
        if len(out) > _MAX_SERVER_TEXT:
            out = out[: _MAX_SERVER_TEXT - 1] + "…"
        return out


def _scrub(text: str, secret: str) -> str:
    """`secret` replaced in `text`; a short one only where it stands as a word of its own."""
    if len(secret) >= 8:
        return text.replace(secret, "…")
    return re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", "…", text)


def _said(ctx: ErrorContext, message: object) -> str:
    text = ctx.clean(plain_text(message))
    return f" The server said: “{text}”" if text else ""


def _code_text(code: object, type_: object, message: object) -> str:
    return f"{code or ''} {type_ or ''} {message or ''}".lower()


def http_status(
    ctx: ErrorContext,
    status: int,
    *,
    code: object = None,
    type_: object = None,
    message: object = None,
    request_id: str | None = None,
    upstream: str | None = None,
) -> AppError:
    """An HTTP error status that came before the answer started.

    `upstream` names the provider behind a gateway when the error body says so
    (OpenRouter's `metadata.provider_name`).
    """
    facts = _code_text(code, type_, plain_text(message))
    said = _said(ctx, message)
    host, model = ctx.host, ctx.model

    def err(kind: ErrorKind, text: str) -> AppError:
        return AppError(kind, text + said, request_id=request_id, status=status)

    if status in (400, 401, 403) and any(m in facts for m in _GATEWAY_AUTH):
        return err(
            ErrorKind.AUTH,
            f"The gateway at {host} did not accept your key (HTTP {status}): it is not a key "
            "this gateway issued, or it was revoked. Copy the key from the gateway's console "
            "into Settings (or run `askshot key set`), then try again.",
        )
    if status == 401 and (upstream or any(m in facts for m in _RELAYED_AUTH)):
        behind = upstream or "the provider behind it"
        return err(
            ErrorKind.AUTH,
            f"The gateway at {host} accepted your key, but {behind} rejected the gateway's own "
            f"key for {model} (HTTP 401). Your key is fine: ask whoever runs the gateway to fix "
            "its provider key, or choose another model.",
        )
    if status == 401:
        return err(
            ErrorKind.AUTH,
            f"The server at {host} rejected the API key (HTTP 401). Set a valid key in Settings "
            "(or with `askshot key set`), then try again.",
        )
    if status == 403:
        return err(
            ErrorKind.AUTH,
            f"The server at {host} refused access (HTTP 403): the key may not be allowed to use "
            f"{model}, or the service is not available in your region. Check the key's "
            "permissions or choose another model.",
        )
    if status == 402 or "insufficient_quota" in facts:
        return err(
            ErrorKind.QUOTA,
            f"Your account at {host} is out of credits or quota (HTTP {status}). Add credits "
            "or check your plan and billing, then try again.",
        )
    if status == 429:
        return rate_limited(ctx, retries=0, message=message, request_id=request_id)
    if status == 404:
        if "model" in facts:
            return err(
                ErrorKind.BAD_INPUT,
                f"The model “{model}” is not available at {host} (HTTP 404). Choose another "
                "model in Settings or with --model.",
            )
        return err(
            ErrorKind.BAD_INPUT,
            f"The server at {ctx.url} has no chat completions endpoint (HTTP 404). Check "
            "the base URL; it usually ends in /v1.",
        )
    if status == 408:
        return err(
            ErrorKind.NETWORK,
            f"The server at {host} gave up waiting for the request (HTTP 408). Try again.",
        )
    if 400 <= status < 500:
        return err(ErrorKind.BAD_INPUT, _bad_request_text(ctx, status, facts))
    if status == 503:
        text = f"The server at {host} is overloaded or down for maintenance (HTTP 503)."
        return err(ErrorKind.NETWORK, text + " Try again in a minute.")
    if status in (502, 504):
        text = f"A gateway in front of the model failed (HTTP {status} from {host})."
        return err(ErrorKind.NETWORK, text + " Try again in a moment.")
    if status >= 500:
        text = f"The server at {host} had an internal error (HTTP {status})."
        return err(ErrorKind.NETWORK, text + " Try again in a moment.")
    return err(ErrorKind.BUG, f"The server at {host} answered with an unexpected HTTP {status}.")


# A gateway's own verdict on the key (LiteLLM, OpenRouter). LiteLLM without a
# database answers "No connected db." (HTTP 400) to any key but its master key.
_GATEWAY_AUTH = (
    "proxy server token",
    "auth_error",
    "no auth credentials",
    "user not found",
    "missing authentication header",
    "no connected db",
    "invalid proxy",
)
# An upstream provider's 401 passed on by a gateway.
_RELAYED_AUTH = ("litellm.authenticationerror", "openaiexception", "upstream", "provider returned")
_UNKNOWN_MODEL = (
    "invalid model name",
    "is not a valid model",
    "model_not_found",
    "unknown model",
    "no such model",
    "model not found",
)


def _bad_request_text(ctx: ErrorContext, status: int, facts: str) -> str:
    if "context_length" in facts or "context length" in facts or "maximum context" in facts:
        return (
            f"The conversation is too long for {ctx.model}. Start a new conversation, or remove "
            "some images or earlier messages."
        )
    if any(m in facts for m in _UNKNOWN_MODEL):
        return (
            f"The server at {ctx.host} does not offer the model “{ctx.model}” (HTTP {status}). "
            "Run `askshot models` to see the ids it offers, or pick one in Settings."
        )
    if "image" in facts:
        return (
            "The server could not use an attached image. Try a PNG or JPEG screenshot, or a "
            "smaller image."
        )
    if "content_policy" in facts or "content_filter" in facts or "safety" in facts:
        return (
            "The server refused the prompt or image under its content policy. Rephrase the "
            "question or use another image."
        )
    if status == 413:
        return "The request is too large for the server (HTTP 413). Attach fewer or smaller images."
    return (
        f"The server at {ctx.host} rejected the request (HTTP {status}). Check the model and "
        "the provider settings."
    )


def rate_limited(
    ctx: ErrorContext,
    *,
    retries: int,
    message: object = None,
    request_id: str | None = None,
    asked_wait: float | None = None,
) -> AppError:
    """Still rate limited after `retries` tries, or asked to wait longer than we will."""
    if asked_wait is not None:
        tail = f" and asks to wait {asked_wait:.0f} s. Wait that long, then try again."
    elif retries:
        tail = f" and still was after {retries} more tr{'y' if retries == 1 else 'ies'}. "
        tail += "Wait a minute, then try again."
    else:
        tail = ". Wait a minute, then try again."
    return AppError(
        ErrorKind.QUOTA,
        f"The server at {ctx.host} is rate limiting requests (HTTP 429){tail}"
        + _said(ctx, message),
        request_id=request_id,
        status=429,
    )


def stream_error(
    ctx: ErrorContext,
    *,
    code: object,
    type_: object,
    message: object,
    partial: bool,
    request_id: str | None,
) -> AppError:
    """An `error` object inside an HTTP 200 stream."""
    said = _said(ctx, message)
    if partial:
        return AppError(
            ErrorKind.CUT_OFF,
            "The server reported an error in the middle of the answer, so the answer is cut "
            "off. Try again." + said,
            request_id=request_id,
        )
    status = _status_from_code(code, _code_text(code, type_, message))
    if status is not None:
        error = http_status(
            ctx, status, code=code, type_=type_, message=message, request_id=request_id
        )
        error.status = None  # it came inside the stream, not as an HTTP status
        return error
    return AppError(
        ErrorKind.NETWORK,
        f"The server at {ctx.host} reported an error before answering. Try again in a moment."
        + said,
        request_id=request_id,
    )


def _status_from_code(code: object, facts: str) -> int | None:
    if isinstance(code, int) or (isinstance(code, str) and code.isdigit()):
        return int(code)
    if "insufficient_quota" in facts:
        return 402
    if "rate_limit" in facts:
        return 429
    if "context_length" in facts or "invalid_image" in facts:
        return 400
    if "invalid_api_key" in facts:
        return 401
    return None


def timed_out(
    ctx: ErrorContext,
    *,
    connecting: bool,
    started: bool,
    partial: bool,
    request_id: str | None,
) -> AppError:
    """A connect or read timeout, worded for how far the answer got."""
    if connecting:
        return AppError(
            ErrorKind.NETWORK,
            f"Could not connect to {ctx.host} within {ctx.connect_timeout:g} s. Check your "
            "network connection and the base URL.",
        )
    if partial:
        return AppError(
            ErrorKind.CUT_OFF,
            f"The server stopped sending for {ctx.read_timeout:g} s, so the answer is cut off. "
            "Try again.",
            request_id=request_id,
        )
    what = "stopped sending" if started else "did not answer"
    return AppError(
        ErrorKind.NETWORK,
        f"The server at {ctx.host} {what} for {ctx.read_timeout:g} s before the answer began. "
        "Try again in a moment.",
        request_id=request_id,
    )


def no_content(
    ctx: ErrorContext,
    *,
    waited: float,
    partial: bool,
    request_id: str | None,
) -> AppError:
    """No text for `waited` s although the connection stayed busy (comments, empty deltas)."""
    if partial:
        # Worded as a stall on purpose: silence and keep-alive look the same to the reader,
        # and whichever limit fires first, the person reads one sentence.
        return AppError(
            ErrorKind.CUT_OFF,
            f"The server stopped sending for {waited:g} s, so the answer is cut off. Try again.",
            request_id=request_id,
        )
    return AppError(
        ErrorKind.NETWORK,
        f"The server at {ctx.host} sent no answer for {waited:g} s (it kept the connection open "
        "without sending any text). Try again in a moment, or choose another model.",
        request_id=request_id,
    )


def empty_answer(ctx: ErrorContext, *, request_id: str | None) -> AppError:
    """The server said the answer was complete (`stop`) but sent no text and no refusal."""
    return AppError(
        ErrorKind.NETWORK,
        f"The server at {ctx.host} sent no answer: it said the answer was complete but sent no "
        "text. Gateways do this when the model refused or their upstream failed. Try again, or "
        "choose another model.",
        request_id=request_id,
        reason="empty_answer",
    )


def connection_lost(
    ctx: ErrorContext,
    *,
    reason: object,
    started: bool,
    partial: bool,
    request_id: str | None,
) -> AppError:
    """The connection failed or dropped."""
    if partial:
        return AppError(
            ErrorKind.CUT_OFF,
            f"The connection to {ctx.host} dropped, so the answer is cut off. Try again.",
            request_id=request_id,
        )
    if started:
        return AppError(
            ErrorKind.NETWORK,
            f"The connection to {ctx.host} dropped before the answer began. Try again.",
            request_id=request_id,
        )
    why = ctx.clean(reason)
    return AppError(
        ErrorKind.NETWORK,
        f"Could not connect to {ctx.host}{f' ({why})' if why else ''}. Check your network "
        "connection and the base URL.",
    )


def ended_early(ctx: ErrorContext, *, partial: bool, request_id: str | None) -> AppError:
    """The stream ended cleanly but without a finish reason."""
    if partial:
        return AppError(
            ErrorKind.CUT_OFF,
            "The answer was cut off: the server ended the stream before finishing it. Try again.",
            request_id=request_id,
        )
    return AppError(
        ErrorKind.NETWORK,
        f"The server at {ctx.host} ended the reply without sending an answer. Try again.",
        request_id=request_id,
    )


def bad_json(ctx: ErrorContext, *, partial: bool, request_id: str | None) -> AppError:
    """A line of the stream was not valid JSON."""
    if partial:
        return AppError(
            ErrorKind.CUT_OFF,
            "The server sent a garbled line (not valid JSON), so the answer is cut off. Try again.",
            request_id=request_id,
        )
    return AppError(
        ErrorKind.NETWORK,
        f"The server at {ctx.host} sent a reply that is not valid JSON. Check that the base URL "
        "points at an OpenAI-compatible API, or try again.",
        request_id=request_id,
    )


def not_a_chat_api(ctx: ErrorContext, *, what: str, request_id: str | None) -> AppError:
    """The base URL answers, but not like an OpenAI-compatible chat API."""
    return AppError(
        ErrorKind.BAD_INPUT,
        f"The server at {ctx.url} answered with {what}, not a chat completion. Check the "
        "base URL; it usually ends in /v1.",
        request_id=request_id,
    )


def unexpected(ctx: ErrorContext, exc: BaseException, *, request_id: str | None) -> AppError:
    """Anything else is a bug in AskShot (or the SDK): say so and keep the details."""
    detail = ctx.clean(f"{type(exc).__name__}: {exc}")
    return AppError(
        ErrorKind.BUG,
        f"Something unexpected went wrong while talking to {ctx.host} ({detail}). Please "
        "report this as a bug.",
        request_id=request_id,
    )


def no_catalogue(ctx: ErrorContext, *, status: int | None, request_id: str | None) -> AppError:
    """The server has no `/models` (some local servers): the typed model id still works."""
    how = f"HTTP {status} for /models" if status else "its /models answer is not a model list"
    return AppError(
        ErrorKind.BAD_INPUT,
        f"The server at {ctx.host} does not list its models ({how}), so there is nothing to "
        "pick from. Type the model id in Settings or pass --model; it is sent as typed.",
        request_id=request_id,
        status=status,
        reason="no_catalogue",
    )


def model_not_listed(ctx: ErrorContext, *, listed: int) -> AppError:
    """The catalogue has no model with the profile's id (found without sending a chat)."""
    return AppError(
        ErrorKind.BAD_INPUT,
        f"Connected to {ctx.host}, but it does not offer the model “{ctx.model}” ({listed} "
        "models listed). Pick one from the list (`askshot models`) or check the spelling in "
        "Settings.",
        reason="unknown_model",
    )


def credit_left(credits: Credits | None) -> str:
    """A sentence to add to an out-of-credits error, when the gateway said what is left."""
    if credits is None or credits.remaining is None:
        return ""
    return f" The key has ${credits.remaining:,.2f} of credit left."
