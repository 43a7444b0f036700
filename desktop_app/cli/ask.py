"""`askshot ask`: stream one answer to stdout, usage and cost to stderr."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from typing import TYPE_CHECKING, Any

from desktop_app.cli.ask_images import read_inputs
from desktop_app.core.conversation import TurnPlan, TurnResult, check_text
from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Answer, Retrying, TextDelta
from desktop_app.core.pricing import format_usd
from desktop_app.core.turns import STATUS_LABELS, usage_line

if TYPE_CHECKING:
    from desktop_app.context import Services
    from desktop_app.core.settings import ProviderProfile


def _limits_allow(args: argparse.Namespace, plan: TurnPlan) -> None:
    """Refuse past a limit unless --allow-over-budget (never past the context window)."""
    for limit in plan.limits:
        if limit.blocking and not (limit.overridable and args.allow_over_budget):
            error = limit.error()
            if limit.overridable:
                error.message += " (--allow-over-budget sends anyway.)"
            raise error
        print(f"askshot: warning: {limit.message}", file=sys.stderr)


class _Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: save what came, marked cut off, and leave."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, _frame: object) -> None:
    raise _Terminated(signum)


def _catch_termination() -> dict[int, Any]:
    """Turn SIGTERM/SIGHUP into an exception so the answer so far is written first."""
    import signal

    previous: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, _raise_terminated)
    return previous


def _restore_signals(previous: dict[int, Any]) -> None:
    import signal

    for number, handler in previous.items():
        signal.signal(number, handler)


def run_ask(args: argparse.Namespace, services: Services) -> int:
    settings = services.settings
    question = check_text(" ".join(args.question).strip())
    if not question:
        raise AppError(ErrorKind.BAD_INPUT, "The question is empty: type what you want to know.")
    profile = services.resolve_profile(args.provider, args.base_url, args.model)
    key = services.api_key_for(profile)
    detail = args.detail or settings.default_detail
    redact = (args.redact or ("auto" if settings.privacy_auto_redact else "off")) == "auto"
    inputs = read_inputs(
        args.image,
        profile.priced_as,  # an alias is sized and priced as its family
        detail,
        redact=redact,
        send_text=args.send_text,
        kinds=settings.privacy_kinds,
        spend=services.spend,
    )
    question = inputs.question_with_texts(question)
    _learn_price(services, profile)

    engine = services.engine(save=not args.no_history)
    conversation_id = None
    if args.continue_last and engine.history is not None:
        conversation_id = engine.history.last_conversation_id()
    plan = engine.plan_question(
        conversation_id,
        question,
        inputs.images,
        model=profile.model,
        system=args.system,
        priced_as=profile.priced_as,
        provider=profile.name,
    )
    _limits_allow(args, plan)

    client = services.chat_client(profile, key)
    previous = _catch_termination()
    try:
        turn = engine.begin(plan)
        error: AppError | None = None
        terminated = False
        cancel = threading.Event()
        stream = client.stream(plan.request, cancel)
        try:
            for event in stream:
                turn.apply(event)
                if isinstance(event, TextDelta) and not args.json:
                    sys.stdout.write(event.text)
                    sys.stdout.flush()
                elif isinstance(event, Retrying):
                    print(f"askshot: {event.reason}", file=sys.stderr)
        except AppError as exc:
            error = exc
        except _Terminated as exc:
            cancel.set()
            terminated = True
            error = AppError(
                ErrorKind.CUT_OFF,
                f"Ended by {_signal_name(exc.signum)}: what arrived was saved, marked cut off.",
            )
        except KeyboardInterrupt:
            cancel.set()
            error = AppError(ErrorKind.CANCELLED, "Stopped: the partial answer was saved.")
        finally:
            close = getattr(stream, "close", None)  # a generator: stops its network worker
            if close is not None:
                close()
        answer = turn.answer
        if answer.text and not args.json:
            sys.stdout.write("\n" if not answer.text.endswith("\n") else "")
            sys.stdout.flush()
        result = turn.finish(error)
    finally:
        _restore_signals(previous)
    return _report(args, plan, result, terminated)


def _learn_price(services: Services, profile: ProviderProfile) -> None:
    """A model no table prices: read the provider's catalogue once (cached for a day)."""
    if services.spend.price_of(profile.priced_as) is not None:
        return
    cached = services.cached_catalogue(profile)
    if cached is not None and not cached.stale():
        return
    # No /models, or it failed: the cost is unknown, as the usage line says later.
    with contextlib.suppress(AppError):
        services.catalogue(profile)


def _signal_name(signum: int) -> str:
    import signal

    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _report(args: argparse.Namespace, plan: TurnPlan, result: TurnResult, terminated: bool) -> int:
    """Exit code and the lines on stderr (or the JSON object on stdout)."""
    answer, error = result.answer, result.error
    model = answer.model or plan.model
    exit_code = 0
    message: str | None = None
    if error is not None:
        exit_code, message = error.exit_code, error.text()
        if terminated:
            exit_code = ErrorKind.CANCELLED.exit_code
    elif result.outcome == "refused":
        exit_code = ErrorKind.BAD_INPUT.exit_code
        message = f"The model declined to answer: {answer.refusal.strip()}"
    elif answer.finish_reason == "content_filter":
        exit_code = ErrorKind.BAD_INPUT.exit_code
        message = "The provider's content filter stopped the answer."
    elif result.status in STATUS_LABELS:
        message = STATUS_LABELS[result.status]
    save_note = _save_note(result)
    if save_note and result.saved_aside is None and exit_code == 0:
        exit_code = ErrorKind.ENVIRONMENT.exit_code

    if args.json:
        output = _json_result(answer, result, model, result.conversation_id)
        # The pre-send estimate beside the billed usage and cost.
        output["estimate"] = {"input_tokens": plan.input_tokens, "cost_usd": plan.estimated_cost}
        print(json.dumps(output))
    for line in (message, save_note):
        if line:
            print(f"askshot: {line}", file=sys.stderr)
    if not args.json and (answer.usage is not None or result.cost_estimated or error is None):
        print(_usage_text(model, result), file=sys.stderr)
    return exit_code


def _save_note(result: TurnResult) -> str | None:
    problem = result.save_problem
    if problem is None:
        return None
    if result.saved_aside:
        return (
            f"{problem.message} The answer was kept in {result.saved_aside} and goes into "
            "the history the next time AskShot opens it."
        )
    return f"{problem.message} The answer above could not be saved anywhere."


def _usage_text(model: str, result: TurnResult) -> str:
    if result.cost_estimated and result.answer.usage is None:
        return (
            f"{model} · the server reported no usage · about {format_usd(result.cost)} "
            "(estimated from the text)"
        )
    return usage_line(model, result.answer, result.cost)


def _json_result(
    answer: Answer, result: TurnResult, model: str, conversation_id: int | None
) -> dict[str, Any]:
    usage, error = answer.usage, result.error
    return {
        "answer": answer.text,
        "refusal": answer.refusal or None,
        "status": result.status,
        "outcome": result.outcome,
        "cost_estimated": result.cost_estimated,
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
