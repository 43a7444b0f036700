"""One error type for everything a person may need to act on.

Every failure the engine expects (bad input, a rejected key, a rate limit, a
network fault, a cut-off stream) becomes an `AppError` whose `message` is a
sentence that says what happened and what to do next. The CLI maps `kind` to
its exit code; the window shows `message` inline.
"""

from __future__ import annotations

from enum import Enum


class ErrorKind(Enum):
    """What went wrong, from the user's point of view; the value is the CLI exit code."""

    BUG = 1
    BAD_INPUT = 2  # unreadable image, prompt/image refused, context too long, unknown model
    AUTH = 3  # no key, key rejected, no permission
    QUOTA = 4  # rate limit, quota, out of credits
    NETWORK = 5  # connection, timeout, server error
    CUT_OFF = 6  # the answer stopped mid-stream
    ENVIRONMENT = 7  # disk full, permissions, database locked: this machine, not a bug
    CANCELLED = 130  # the user stopped it

    @property
    def exit_code(self) -> int:
        return self.value


class AppError(Exception):
    """A failure explained for a person.

    `message` never contains a secret (keys and credentials in URLs are masked).
    `request_id` is the server's id for the failed request when it sent one
    (support desks ask for it).
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        request_id: str | None = None,
        status: int | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.request_id = request_id
        self.status = status
        # A finer cause within `kind` that the engine acts on (for example
        # "empty_answer": the server said stop and sent nothing).
        self.reason = reason

    @property
    def exit_code(self) -> int:
        return self.kind.exit_code

    def text(self) -> str:
        """The message with the request id appended, ready to show."""
        if self.request_id:
            return f"{self.message} (request id: {self.request_id})"
        return self.message

    def __repr__(self) -> str:
        return f"AppError({self.kind.name}, {self.message!r}, request_id={self.request_id!r})"
