"""The one module that talks to `openai`: build a chat request, stream it, translate it.

`ChatClient.stream` turns the wire (docs/architecture.md, "What the wire really does")
into app events and every failure into exactly one `AppError`. The blocking SDK
calls run on a worker thread so the consumer can stop within a poll interval
even while the server stalls; on cancel the worker's socket is shut down so it
ends too. The consumer also limits the time *without content*: a gateway can
keep a connection busy forever with SSE comments or empty deltas, which the
read timeout (silence between bytes) never notices. `openai` is imported on
first use: it costs ~400 ms at start-up.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from desktop_app.core import chat_errors
from desktop_app.core.catalogue import Credits, ModelInfo, parse_credits, parse_models
from desktop_app.core.chat_errors import ErrorContext
from desktop_app.core.chat_pump import Pump
from desktop_app.core.chat_wire import FINISH_REASONS, Reader, build_messages, retry_after
from desktop_app.core.errors import AppError
from desktop_app.core.events import (
    ChatRequest,
    Finished,
    RefusalDelta,
    ResponseStarted,
    Retrying,
    StreamEvent,
    TextDelta,
    UsageReported,
)
from desktop_app.core.urls import mask_url

if TYPE_CHECKING:
    import openai

log = logging.getLogger(__name__)

PLACEHOLDER_KEY = "not-needed"  # local servers need no key, but the SDK wants one


class _StreamOptionsRejected(Exception):
    """The server refused `stream_options`; try once more without it."""


class _RateLimited(Exception):
    """HTTP 429 that may be retried (not an exhausted quota)."""

    def __init__(self, wait: float | None, message: object, request_id: str | None) -> None:
        super().__init__("rate limited")
        self.wait = wait
        self.message = message
        self.request_id = request_id


class ChatClient:
    """Streams chat completions from one OpenAI-compatible endpoint."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        stream_options: bool = True,
        on_stream_options_rejected: Callable[[], None] | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 45.0,
        first_content_timeout: float = 60.0,
        max_rate_limit_retries: int = 2,
        max_retry_wait: float = 20.0,
    ) -> None:
        self.base_url = base_url
        self._api_key = api_key
        self._stream_options = stream_options
        self._on_stream_options_rejected = on_stream_options_rejected
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        # From sending until the first text; after it, `read_timeout` bounds each gap in text.
        self._first_content_timeout = first_content_timeout
        self._max_rate_limit_retries = max_rate_limit_retries
        self._max_retry_wait = max_retry_wait
        self._sdk: openai.OpenAI | None = None
        self._sdk_lock = threading.Lock()
        self.last_credits: Credits | None = None  # from the last `credits()` call

    def __repr__(self) -> str:
        return f"ChatClient(base_url={mask_url(self.base_url)!r})"

    @property
    def stream_options(self) -> bool:
        """Whether requests carry `stream_options` (turned off when the server rejects it)."""
        return self._stream_options

    def close(self) -> None:
        """Close pooled connections."""
        with self._sdk_lock:
            if self._sdk is not None:
                self._sdk.close()
                self._sdk = None

    def _client(self) -> openai.OpenAI:
        with self._sdk_lock:
            if self._sdk is None:
                import httpx2
                import openai

                # Both passed explicitly so OPENAI_BASE_URL/OPENAI_API_KEY cannot override them;
                # retries are ours (cancellable, reported as Retrying events).
                self._sdk = openai.OpenAI(
                    api_key=self._api_key or PLACEHOLDER_KEY,
                    base_url=self.base_url,
                    max_retries=0,
                    timeout=httpx2.Timeout(self._read_timeout, connect=self._connect_timeout),
                )
            return self._sdk

    def _context(self, model: str) -> ErrorContext:
        return ErrorContext(
            self.base_url, model, self._connect_timeout, self._read_timeout, self._api_key
        )

    # -- streaming --------------------------------------------------------------------

    def stream(
        self, request: ChatRequest, cancel: threading.Event | None = None
    ) -> Iterator[StreamEvent]:
        """Yield the answer's events; raise one `AppError` on failure.

        Ends with `Finished` (reason "cancelled" once `cancel` is set). A stream
        that stops without a finish reason, or sends no text for too long, yields
        what arrived, then raises `AppError(CUT_OFF)` (or NETWORK when nothing
        arrived). "stop" with no text and no refusal raises NETWORK with reason
        "empty_answer" (after any usage, which may still be charged).
        """
        cancel = cancel if cancel is not None else threading.Event()
        ctx = self._context(request.model)
        retries = 0
        while True:
            try:
                yield from self._attempt(request, self._stream_options, cancel, ctx)
                return
            except _StreamOptionsRejected:  # only raised when they were sent
                self._stream_options = False
                self._remember_no_stream_options()
                yield Retrying(f"{ctx.host} does not accept stream_options; trying without it.")
            except _RateLimited as limited:
                too_long = limited.wait is not None and limited.wait > self._max_retry_wait
                if too_long or retries >= self._max_rate_limit_retries:
                    raise chat_errors.rate_limited(
                        ctx,
                        retries=retries,
                        message=limited.message,
                        request_id=limited.request_id,
                        asked_wait=limited.wait if too_long else None,
                    ) from None
                wait = limited.wait if limited.wait is not None else min(2.0**retries, 8.0)
                retries += 1
                yield Retrying(
                    f"{ctx.host} is rate limiting requests; trying again in {wait:.1f} s "
                    f"(retry {retries} of {self._max_rate_limit_retries}).",
                    wait,
                )
                if cancel.wait(wait):
                    yield Finished("cancelled")
                    return

    def _remember_no_stream_options(self) -> None:
        if self._on_stream_options_rejected is None:
            return
        try:
            self._on_stream_options_rejected()
        except Exception:  # remembering is a nicety; the answer still matters
            log.exception("on_stream_options_rejected failed")

    def _attempt(
        self, request: ChatRequest, with_options: bool, cancel: threading.Event, ctx: ErrorContext
    ) -> Iterator[StreamEvent]:
        params: dict[str, Any] = {
            "model": request.model,
            "messages": build_messages(request),
            "stream": True,
        }
        if with_options:
            params["stream_options"] = {"include_usage": True}
        if request.max_output_tokens:
            params["max_tokens"] = request.max_output_tokens
        if cancel.is_set():  # send nothing
            yield Finished("cancelled")
            return
        reader = Reader()
        pump = Pump(self._client(), params, ctx, _parse_completion)
        limit = self._first_content_timeout
        deadline = time.monotonic() + limit  # for the next content (text or refusal)
        worker_done = False  # then its connection may go back to the pool: leave it alone
        try:
            while True:
                item = pump.get(cancel, deadline)
                if item is None:
                    pump.stop(abort=True)
                    yield Finished("cancelled")
                    return
                kind, value, arrived = item
                worker_done = kind in ("end", "error")
                if kind == "chunk":
                    for event in reader.chunk(value):
                        if isinstance(event, (TextDelta, RefusalDelta)):
                            limit = self._read_timeout
                            deadline = arrived + limit
                        yield event
                    if arrived <= deadline or reader.finish is not None:
                        continue
                    kind = "no_content"  # busy all along, but nothing to read for too long
                if kind == "no_content":
                    raise chat_errors.no_content(
                        ctx, waited=limit, partial=reader.got_text, request_id=reader.request_id
                    )
                elif kind == "started":
                    reader.started, reader.request_id = True, value
                    yield ResponseStarted(value)
                elif kind == "completion":
                    yield from reader.completion(value)
                elif kind == "end":
                    if reader.finish is None:
                        raise chat_errors.ended_early(
                            ctx, partial=reader.got_text, request_id=reader.request_id
                        )
                    if reader.usage is not None:
                        yield UsageReported(reader.usage)
                    reason = FINISH_REASONS.get(reader.finish, "other")
                    if reason == "stop" and not reader.got_text:
                        raise chat_errors.empty_answer(ctx, request_id=reader.request_id)
                    yield Finished(reason, reader.finish)
                    return
                else:  # "error"
                    error = self._with_credit(_translate(value, ctx, reader, with_options))
                    raise error from (None if error is value else value)
        finally:
            pump.stop(abort=not worker_done)

    # -- catalogue, credits and the connection check -------------------------------------

    def _get(self, path: str, ctx: ErrorContext) -> tuple[Any, str | None]:
        """GET `path` under the base URL: (parsed JSON, request id). Raises the SDK's errors,
        or the app's "no_catalogue" error for a web page or a body that is not JSON."""
        import httpx2

        response = self._client().get(path, cast_to=httpx2.Response)
        request_id = response.headers.get("x-request-id") or response.headers.get(
            "x-litellm-call-id"
        )
        if "html" in response.headers.get("content-type", "").lower():
            raise chat_errors.no_catalogue(ctx, status=None, request_id=request_id)
        try:
            return response.json(), request_id
        except ValueError:
            raise chat_errors.no_catalogue(ctx, status=None, request_id=request_id) from None

    def list_models(self) -> tuple[ModelInfo, ...]:
        """The server's `GET /models`, parsed; raises AppError (reason "no_catalogue" when
        the server has none: the typed model id still works)."""
        ctx = self._context("")
        try:
            payload, request_id = self._get("/models", ctx)
        except AppError:
            raise
        except Exception as exc:
            raise self._get_error(exc, ctx) from exc
        try:
            return parse_models(payload)
        except ValueError:
            raise chat_errors.no_catalogue(ctx, status=None, request_id=request_id) from None

    def credits(self) -> Credits | None:
        """The key's credit at the gateway (OpenRouter's `GET /key`); None where the server
        has no such endpoint. The last answer is kept for a later "out of credits" error."""
        ctx = self._context("")
        try:
            payload, _ = self._get("/key", ctx)
        except Exception as exc:
            error = exc if isinstance(exc, AppError) else self._get_error(exc, ctx)
            if error.reason == "no_catalogue":  # no /key here: credit is not known
                return None
            raise error from exc
        self.last_credits = parse_credits(payload)
        return self.last_credits

    def _get_error(self, exc: Exception, ctx: ErrorContext) -> AppError:
        """The AppError for a failed GET; reason "no_catalogue" for a path the server lacks."""
        import openai

        if isinstance(exc, openai.APIStatusError) and exc.status_code in (404, 405, 501):
            return chat_errors.no_catalogue(ctx, status=exc.status_code, request_id=exc.request_id)
        error = _translate(exc, ctx, Reader(), with_options=False)
        if isinstance(error, _RateLimited):
            error = chat_errors.rate_limited(
                ctx, retries=0, message=error.message, request_id=error.request_id
            )
        return (
            error
            if isinstance(error, AppError)
            else chat_errors.unexpected(ctx, exc, request_id=None)
        )

    def test_connection(self, model: str) -> str:
        """Check the key and that `model` is offered, without spending tokens; return a
        sentence or raise.

        With a catalogue, the model must be in it (an unknown id raises BAD_INPUT with
        reason "unknown_model" and no chat is sent). Without one (`/models` 404), the
        cheapest real request is sent instead: one output token.
        """
        ctx = self._context(model)
        try:
            models = self.list_models()
        except AppError as exc:
            if exc.reason != "no_catalogue":
                raise
            return self._one_token_check(model, ctx)
        credit = ""
        with contextlib.suppress(AppError):  # /key checks the key where /models is public
            found = self.credits()
            if found is not None and found.remaining is not None:
                credit = f" Credit left: ${found.remaining:,.2f}."
        info = next((m for m in models if m.id == model), None)
        if info is None:
            info = next((m for m in models if m.id.casefold() == model.casefold()), None)
        if info is None:
            raise chat_errors.model_not_listed(ctx, listed=len(models))
        sight = {True: " It can see images.", False: " It reads text only.", None: ""}
        return (
            f"Connected to {ctx.host}: {info.id} is one of the {len(models)} models it "
            f"offers.{sight[info.vision]}{credit}"
        )

    def _one_token_check(self, model: str, ctx: ErrorContext) -> str:
        reader = Reader()
        try:
            raw = self._client().chat.completions.with_raw_response.create(
                model=model, messages=[{"role": "user", "content": "Reply with OK."}], max_tokens=1
            )
            reader.request_id = raw.request_id or raw.http_response.headers.get("x-litellm-call-id")
            completion = raw.parse()
        except Exception as exc:
            error = self._chat_error(exc, ctx, reader)
            raise error from (None if error is exc else exc)
        answered = getattr(completion, "model", None) or model
        return (
            f"Connected to {ctx.host}: {answered} answered (the server lists no models, "
            "so one token was spent to check)."
        )

    def _chat_error(self, exc: BaseException, ctx: ErrorContext, reader: Reader) -> Exception:
        """The AppError for a request that is not retried (a 429 is final here)."""
        error = _translate(exc, ctx, reader, with_options=False)
        if isinstance(error, _RateLimited):
            error = chat_errors.rate_limited(
                ctx, retries=0, message=error.message, request_id=error.request_id
            )
        return self._with_credit(error)

    def _with_credit(self, error: Exception) -> Exception:
        """An out-of-credits error (HTTP 402) says how much is left, when the gateway tells."""
        if not isinstance(error, AppError) or error.status != 402:
            return error
        known = self.last_credits
        if known is None:
            with contextlib.suppress(Exception):  # only a nicety on top of the error
                known = self.credits()
        error.message += chat_errors.credit_left(known)
        return error


def _parse_completion(response: Any) -> Any:
    """The plain JSON body as a ChatCompletion; an `error` body raises like a stream would."""
    import openai
    from openai.types.chat import ChatCompletion

    data = json.loads(response.read())
    if isinstance(data, dict) and data.get("error"):
        error = data["error"]
        message = error.get("message") if isinstance(error, dict) else None
        raise openai.APIError(str(message or "error"), response.request, body=error)
    if not isinstance(data, dict):
        raise json.JSONDecodeError("not a JSON object", str(data)[:40], 0)
    return ChatCompletion.construct(**data)


def _translate(
    exc: BaseException, ctx: ErrorContext, reader: Reader, with_options: bool
) -> Exception:
    """The one exception to raise for `exc`: an AppError or an internal retry signal."""
    import anyio
    import httpx2
    import openai

    rid = reader.request_id
    started, partial = reader.started, reader.got_text
    if isinstance(exc, AppError):
        return exc
    if isinstance(exc, openai.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        message = body.get("message") or (exc.body if isinstance(exc.body, str) else None)
        rid = exc.request_id or rid
        if with_options and exc.status_code in (400, 422) and "stream_options" in str(message):
            return _StreamOptionsRejected()
        quota = "insufficient_quota" in f"{exc.code} {exc.type}"
        if exc.status_code == 429 and not quota:
            return _RateLimited(retry_after(exc.response.headers), message, rid)
        metadata = body.get("metadata")
        upstream = metadata.get("provider_name") if isinstance(metadata, dict) else None
        return chat_errors.http_status(
            ctx,
            exc.status_code,
            code=exc.code,
            type_=exc.type,
            message=message,
            request_id=rid,
            upstream=upstream if isinstance(upstream, str) else None,
        )
    if isinstance(exc, openai.APITimeoutError):
        connecting = isinstance(exc.__cause__, (httpx2.ConnectTimeout, httpx2.PoolTimeout))
        return chat_errors.timed_out(
            ctx,
            connecting=connecting and not started,
            started=started,
            partial=partial,
            request_id=rid,
        )
    if isinstance(exc, openai.APIConnectionError):
        return chat_errors.connection_lost(
            ctx, reason=exc.__cause__ or exc, started=started, partial=partial, request_id=rid
        )
    if isinstance(exc, openai.APIResponseValidationError):
        return chat_errors.not_a_chat_api(ctx, what="an unreadable reply", request_id=rid)
    if isinstance(exc, openai.APIError):  # an `error` object inside the stream
        return chat_errors.stream_error(
            ctx, code=exc.code, type_=exc.type, message=exc.message, partial=partial, request_id=rid
        )
    if isinstance(exc, json.JSONDecodeError):
        return chat_errors.bad_json(ctx, partial=partial, request_id=rid)
    if isinstance(exc, httpx2.TimeoutException):
        connecting = isinstance(exc, (httpx2.ConnectTimeout, httpx2.PoolTimeout)) and not started
        return chat_errors.timed_out(
            ctx, connecting=connecting, started=started, partial=partial, request_id=rid
        )
    if isinstance(exc, (httpx2.HTTPError, httpx2.StreamError, anyio.EndOfStream, OSError)):
        return chat_errors.connection_lost(
            ctx, reason=exc, started=started, partial=partial, request_id=rid
        )
    return chat_errors.unexpected(ctx, exc, request_id=rid)


def preload() -> None:
    """Import the SDK ahead of the first question (the window calls it after its first paint)."""
    import openai  # noqa: F401
