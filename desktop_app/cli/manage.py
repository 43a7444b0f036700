"""`askshot key`, `askshot history` and `askshot spend`."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import closing
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.pricing import format_usd
from desktop_app.core.secrets import ENV_KEY, env_key_applies, mask
from desktop_app.core.turns import STATUS_LABELS

if TYPE_CHECKING:
    from desktop_app.context import Services
    from desktop_app.core.history import History
    from desktop_app.core.history_models import SpendGrouping


def _read_key(provider: str) -> str:
    if sys.stdin.isatty():
        import getpass

        key = getpass.getpass(f"API key for {provider} (input hidden): ")
    else:
        key = sys.stdin.readline()
    key = key.strip()
    if not key:
        raise AppError(ErrorKind.BAD_INPUT, "No key was entered; nothing was stored.")
    return key


def run_key(args: argparse.Namespace, services: Services) -> int:
    profile = services.resolve_profile(args.provider, None, None, require_complete=False)
    store = services.secrets
    applies = env_key_applies(profile.name, profile.base_url) and profile.needs_key
    env_set = bool(os.environ.get(ENV_KEY, "").strip())
    if args.key_command == "set":
        key = _read_key(profile.name)
        store.set(profile.name, key)
        print(f"Stored the key for {profile.name} in {store.backend_name()}: {mask(key)}.")
        if applies and env_set:
            print(f"{ENV_KEY} is set, so it is used instead of this key until you unset it.")
        return 0
    if args.key_command == "delete":
        removed = store.delete(profile.name)
        print(
            f"Removed the key for {profile.name} from {store.backend_name()}."
            if removed
            else f"No key for {profile.name} was stored in {store.backend_name()}."
        )
        return 0
    status = store.status(profile.name, profile.base_url, use_env=profile.needs_key)
    print(f"Provider: {profile.name} ({profile.base_url or 'no base URL yet'})")
    print(f"Keyring:  {status.backend}")
    if status.problem:
        print(f"Problem:  {status.problem}")
    if not status.has_key and not profile.needs_key:
        print(f"Key:      none needed ({profile.name} is sent no key)")
    else:
        print(f"Key:      {status.describe()}")
    if env_set and not applies:
        print(f"Note:     {ENV_KEY} is set, but it is only sent to OpenAI, not to {profile.name}.")
    return 0


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def run_history(args: argparse.Namespace, services: Services) -> int:
    # Read-only: works while another AskShot writes, and creates nothing.
    with closing(services.history_reader()) as history:
        return _history_command(args, history)


def _history_command(args: argparse.Namespace, history: History) -> int:
    if args.history_command == "list":
        conversations = history.conversations(limit=args.limit)
        if not conversations:
            print('No conversations yet. Ask one with: askshot ask "..."')
        for c in conversations:
            print(f"{c.id:>5}  {_when(c.updated_at)}  {c.title or '(untitled)'}")
        return 0
    if args.history_command == "search":
        hits = history.search(" ".join(args.text))
        if not hits:
            print("Nothing found.")
        for hit in hits:
            print(f"{hit.conversation_id:>5}  {hit.title or '(untitled)'}: {hit.snippet}")
        return 0
    conversation = history.conversation(args.id)
    if conversation is None:
        raise AppError(
            ErrorKind.BAD_INPUT,
            f"There is no conversation {args.id}; `askshot history list` shows them.",
        )
    if args.history_command == "export":
        sys.stdout.write(history.export(args.id, args.format))
        return 0
    print(f"# {conversation.title or '(untitled)'}\n")
    for message in history.messages(args.id):
        who = "You" if message.role == "user" else (message.model or "Assistant")
        print(f"## {who} · {_when(message.created_at)}")
        for a in message.attachments:
            print(f"[image {a.width}×{a.height}, {a.mime}]")
        if message.text:
            print(message.text)
        if message.status in STATUS_LABELS:
            print(f"({STATUS_LABELS[message.status]})")
        if message.error:
            print(f"(Error: {message.error})")
        print()
    return 0


def _answers(count: int) -> str:
    return f"{count} answer" if count == 1 else f"{count} answers"


def run_spend(args: argparse.Namespace, services: Services) -> int:
    with closing(services.history_reader()) as history:
        if getattr(args, "by", None):
            return _spend_by(history, args.by)
        return _spend(history, services.settings.monthly_budget_usd)


_GROUP_TITLES = {"day": "Per day", "month": "Per month", "model": "Per model"}


def _spend_by(history: History, grouping: SpendGrouping) -> int:
    """All-time totals per day, month, model or provider, one line each."""
    print(f"{_GROUP_TITLES.get(grouping, 'Per provider')} (all time):")
    groups = history.spend_by(grouping)
    if not groups:
        print("  nothing yet")
    for g in groups:
        unpriced = f" ({g.unpriced} unpriced)" if g.unpriced else ""
        print(
            f"  {g.key:<28} {_answers(g.requests):>11}  {g.input_tokens:>10,} in"
            f" ({g.cached_tokens:,} cached)  {g.output_tokens:>9,} out  "
            f"{format_usd(g.cost_usd)}{unpriced}"
        )
    if groups:
        total = sum(g.cost_usd for g in groups)
        print(
            f"  {'Total':<28} {_answers(sum(g.requests for g in groups)):>11}  {format_usd(total)}"
        )
    return 0


def _spend(history: History, budget: float | None) -> int:
    now = datetime.now(timezone.utc).astimezone()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = today.replace(day=1)
    rows = [
        ("Today", history.spend(today)),
        ("This month", history.spend(month)),
        ("Last 30 days", history.spend(now - timedelta(days=30))),
        ("All time", history.spend(None)),
    ]
    for label, per_model in rows:
        total = sum(m.cost_usd or 0.0 for m in per_model)
        requests = sum(m.requests for m in per_model)
        print(f"{label:<13} {format_usd(total):>12}  {_answers(requests)}")
    print("\nPer model (all time):")
    per_model = history.spend(None)
    if not per_model:
        print("  nothing yet")
    for m in per_model:
        print(
            f"  {m.model:<28} {_answers(m.requests):>11}  {m.input_tokens:>10,} in"
            f" ({m.cached_tokens:,} cached)  {m.output_tokens:>9,} out  {format_usd(m.cost_usd)}"
        )
    if budget:
        spent = sum(m.cost_usd or 0.0 for m in rows[1][1])
        print(f"\nMonthly budget: {format_usd(spent)} of {format_usd(budget)}")
    return 0
