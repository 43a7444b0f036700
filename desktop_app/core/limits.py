"""What stops a request before it goes: the budgets and the model's context window.

Checked on the whole request (earlier turns and images included): past a budget
the window asks and the CLI refuses without --allow-over-budget; past the context
window nothing is sent, whatever the flags, because the server would refuse it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Literal

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.models import context_window
from desktop_app.core.pricing import format_usd
from desktop_app.core.spend import BudgetState

if TYPE_CHECKING:
    from desktop_app.core.history import History
    from desktop_app.core.settings import Settings
    from desktop_app.core.spend import SessionSpend

LimitKind = Literal["session_budget", "monthly_budget", "context_window"]


@dataclass(frozen=True)
class Limit:
    """A reason to ask before sending (window) or to refuse without a flag (CLI)."""

    kind: LimitKind
    message: str
    blocking: bool  # past the limit; False: a warning (80% of a budget)
    overridable: bool = True  # the context window is not: the server would refuse

    def error(self) -> AppError:
        kind = ErrorKind.BAD_INPUT if self.kind == "context_window" else ErrorKind.QUOTA
        return AppError(kind, self.message)


def month_start(now: datetime | None = None) -> datetime:
    now = now or datetime.now(timezone.utc)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def request_limits(
    model: str,
    tokens: int | None,
    cost: float | None,
    *,
    settings: Settings,
    spend: SessionSpend,
    history: History | None,
) -> list[Limit]:
    """The limits a request of `tokens` costing `cost` meets (the whole request counts)."""
    limits: list[Limit] = []
    window = context_window(model)
    wanted = (tokens or 0) + (settings.max_output_tokens or 0)
    if window is not None and tokens is not None and wanted > window:
        limits.append(
            Limit(
                "context_window",
                f"This request is about {tokens:,} tokens, more than {model} can read "
                f"({window:,}). Remove images or earlier turns (start a new conversation), "
                "then send again; nothing was sent.",
                blocking=True,
                overridable=False,
            )
        )
    check = spend.check(cost)
    if check.state in (BudgetState.WARNING, BudgetState.EXCEEDED) and check.message:
        limits.append(Limit("session_budget", check.message, check.state is BudgetState.EXCEEDED))
    monthly = settings.monthly_budget_usd
    if monthly and history is not None:
        spent = sum(s.cost_usd or 0.0 for s in history.spend(month_start()))
        projected = spent + (cost or 0.0)
        if projected > monthly or spent >= monthly:
            limits.append(
                Limit(
                    "monthly_budget",
                    f"This would pass the monthly budget of {format_usd(monthly)} "
                    f"({format_usd(spent)} spent this month). Raise it in Settings or "
                    "send anyway.",
                    blocking=True,
                )
            )
    return limits
