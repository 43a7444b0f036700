"""`askshot ask`: stream one answer to stdout, usage and cost to stderr."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Answer, Retrying, TextDelta
from desktop_app.core.pricing import estimate_cost, format_usd
from desktop_app.core.spend import BudgetState
from desktop_app.core.turns import (
    STATUS_LABELS,
    TurnResult,
    begin_turn,
    build_request,
    estimate_input_tokens,
    finish_turn,
    history_to_messages,
    usage_line,
)

if TYPE_CHECKING:
    from desktop_app.context import Services
    from desktop_app.core.images import PreparedImage


def _read_images(paths: list[str], model: str, detail: str) -> list[PreparedImage]:
    from pathlib import Path

    from desktop_app.core.images import prepare_image

    images = []
    for path in paths:
        if path == "-":
            data = sys.stdin.buffer.read()
            images.append(prepare_image(data, model, detail, name="stdin"))  # type: ignore[arg-type]
        else:
            images.append(prepare_image(Path(path), model, detail, name=path))  # type: ignore[arg-type]
    return images


def _month_start() -> datetime:
    now = datetime.now(timezone.utc)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _check_budgets(
    args: argparse.Namespace, services: Services, model: str, input_tokens: int | None
) -> None:
    """Refuse to send past a budget unless --allow-over-budget; warn from 80%."""
    settings = services.settings
    next_cost = (
        estimate_cost(model, input_tokens, 0, services.spend.price_overrides)
        if input_tokens is not None
        else None
    )
    checks = [services.spend.check(next_cost)]
    monthly = settings.monthly_budget_usd
    if monthly and not args.no_history:
        spent = sum(s.cost_usd or 0.0 for s in services.history().spend(_month_start()))
        projected = spent + (next_cost or 0.0)
        if projected > monthly:
            raise_or_warn = (
                f"This would pass the monthly budget of {format_usd(monthly)} "
                f"({format_usd(spent)} spent this month). Raise it in Settings or pass "
                "--allow-over-budget."
            )
            if not args.allow_over_budget:
                raise AppError(ErrorKind.QUOTA, raise_or_warn)
            print(f"askshot: warning: {raise_or_warn}", file=sys.stderr)
    for check in checks:
        if check.state is BudgetState.EXCEEDED and not args.allow_over_budget:
            raise AppError(ErrorKind.QUOTA, f"{check.message} (--allow-over-budget sends anyway.)")
        if check.state in (BudgetState.WARNING, BudgetState.EXCEEDED) and check.message:
            print(f"askshot: warning: {check.message}", file=sys.stderr)


def run_ask(args: argparse.Namespace, services: Services) -> int:
    settings = services.settings
    profile = services.resolve_profile(args.provider, args.base_url, args.model)
    key = services.api_key_for(profile)
    detail = args.detail or settings.default_detail
    question = " ".join(args.question).strip()
    if not question:
        raise AppError(ErrorKind.BAD_INPUT, "The question is empty: type what you want to know.")
    images = _read_images(args.image, profile.model, detail)

    history = None if args.no_history else services.history()
    conversation_id = None
    earlier = []
    if args.continue_last and history is not None:
        conversation_id = history.last_conversation_id()
        if conversation_id is not None:
            earlier = history_to_messages(history.messages(conversation_id), history)
    system = args.system if args.system is not None else settings.system_prompt
    request = build_request(
        profile.model,
        question,
        images,
        system=system,
        earlier=earlier,
        max_output_tokens=settings.max_output_tokens,
    )
    input_tokens = estimate_input_tokens(request, [image.tokens for image in images])
    _check_budgets(args, services, profile.model, input_tokens)

    client = services.chat_client(profile, key)
    turn = begin_turn(request, question, images, history=history, conversation_id=conversation_id)
    answer = Answer()
    error: AppError | None = None
    cancel = threading.Event()
    stream = client.stream(request, cancel)
    try:
        for event in stream:
            answer.apply(event)
            if isinstance(event, TextDelta) and not args.json:
                sys.stdout.write(event.text)
                sys.stdout.flush()
            elif isinstance(event, Retrying):
                print(f"askshot: {event.reason}", file=sys.stderr)
    except AppError as exc:
        error = exc
    except KeyboardInterrupt:
        cancel.set()
        error = AppError(ErrorKind.CANCELLED, "Stopped: the partial answer was saved.")
    finally:
        stream.close()
    if answer.text and not args.json:
        sys.stdout.write("\n" if not answer.text.endswith("\n") else "")
        sys.stdout.flush()

    result = finish_turn(turn, answer, error, history=history, spend=services.spend)
    model = answer.model or profile.model
    exit_code = 0
    message: str | None = None
    if error is not None:
        exit_code, message = error.exit_code, error.text()
    elif answer.refusal:
        exit_code = ErrorKind.BAD_INPUT.exit_code
        message = f"The model declined to answer: {answer.refusal.strip()}"
    elif answer.finish_reason == "content_filter":
        exit_code = ErrorKind.BAD_INPUT.exit_code
        message = "The provider's content filter stopped the answer."
    elif result.status in STATUS_LABELS:
        message = STATUS_LABELS[result.status]

    if args.json:
        print(json.dumps(_json_result(answer, result, model, turn.conversation_id)))
        if message:
            print(f"askshot: {message}", file=sys.stderr)
        return exit_code
    if message:
        print(f"askshot: {message}", file=sys.stderr)
    if answer.usage is not None or error is None:
        print(usage_line(model, answer, result.cost), file=sys.stderr)
    return exit_code


def _json_result(
    answer: Answer, result: TurnResult, model: str, conversation_id: int | None
) -> dict[str, Any]:
    usage, error = answer.usage, result.error
    return {
        "answer": answer.text,
        "refusal": answer.refusal or None,
        "status": result.status,
        "finish_reason": answer.finish_reason,
        "model": model,
        "usage": None
        if usage is None
        else {
            "input_tokens": usage.input_tokens,
            "cached_tokens": usage.cached_tokens,
            "output_tokens": usage.output_tokens,
        },
        "cost_usd": result.cost,
        "request_id": answer.request_id or (error.request_id if error else None),
        "conversation_id": conversation_id,
        "error": None
        if error is None
        else {"kind": error.kind.name.lower(), "message": error.message},
    }
