"""`askshot` on the command line: the same engine as the window, no Qt.

Every expected failure ends with one sentence on stderr and the exit code
docs/architecture.md lists; only a bug prints a traceback (exit 1).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop_app import __version__
from desktop_app.cli import models as cli_models
from desktop_app.cli import ocr as cli_ocr
from desktop_app.core.errors import AppError, ErrorKind

if TYPE_CHECKING:
    from desktop_app.context import Services

COMMANDS = ("ask", "key", "history", "spend", "models", "ocr")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="askshot",
        description="Ask a vision model about a screenshot. Without a command, opens the "
        "window (`askshot [--capture] [IMAGE]...` attaches the images).",
    )
    parser.add_argument("--version", action="version", version=f"AskShot {__version__}")
    parser.add_argument(
        "--capture", action="store_true", help="capture a screen region in the running window"
    )
    parser.add_argument(
        "--self-test", action="store_true", help="check resources, Qt and the keyring, then exit"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser("ask", help="ask a question, optionally about images")
    ask.add_argument("question", nargs="+", help="the question (quote it or not)")
    ask.add_argument(
        "-i",
        "--image",
        action="append",
        default=[],
        metavar="IMAGE",
        help="an image file to ask about (repeatable); - reads one from stdin",
    )
    ask.add_argument("--detail", choices=("auto", "low", "high"), help="image detail")
    ask.add_argument("--model", help="model id (default: the provider profile's)")
    ask.add_argument("--provider", help="provider profile name (default: the active one)")
    ask.add_argument("--base-url", help="an OpenAI-compatible endpoint, e.g. http://host/v1")
    ask.add_argument("--system", help="system prompt for this question")
    ask.add_argument("--json", action="store_true", help="print one JSON object at the end")
    ask.add_argument("--no-history", action="store_true", help="do not save this exchange")
    ask.add_argument(
        "--continue",
        dest="continue_last",
        action="store_true",
        help="continue the last conversation",
    )
    ask.add_argument("--allow-over-budget", action="store_true", help="send even past the budget")
    ask.add_argument(
        "--redact",
        choices=("auto", "off"),
        help="auto: black out the email addresses, keys and other secrets read in each image "
        "before it leaves (default: the Privacy setting, off unless turned on)",
    )
    ask.add_argument(
        "--send-text",
        action="store_true",
        help="send the text read in each image (on this machine) instead of its pixels",
    )

    key = sub.add_parser("key", help="manage API keys in the OS keyring")
    key_sub = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    for name, text in (
        ("set", "store a key (hidden prompt, or stdin)"),
        ("status", "show the keyring backend and the key, masked"),
        ("delete", "remove the key"),
    ):
        p = key_sub.add_parser(name, help=text)
        p.add_argument("--provider", help="provider profile name (default: the active one)")

    history = sub.add_parser("history", help="past conversations")
    h_sub = history.add_subparsers(dest="history_command", metavar="ACTION", required=True)
    h_list = h_sub.add_parser("list", help="conversations, newest first")
    h_list.add_argument("--limit", type=int, default=30)
    h_show = h_sub.add_parser("show", help="print one conversation")
    h_show.add_argument("id", type=int)
    h_search = h_sub.add_parser("search", help="full-text search")
    h_search.add_argument("text", nargs="+")
    h_export = h_sub.add_parser("export", help="export a conversation")
    h_export.add_argument("id", type=int)
    h_export.add_argument("--format", choices=("md", "json"), default="md")

    spend = sub.add_parser("spend", help="tokens and dollars: today, this month, per model")
    spend.add_argument(
        "--by",
        choices=("day", "month", "model", "provider"),
        help="all-time totals per local day, month, model or provider",
    )
    cli_models.add_parser(sub)
    cli_ocr.add_parser(sub)
    return parser


def build_window_parser() -> argparse.ArgumentParser:
    """`askshot [--capture] [IMAGE]...`: the window, optionally with images attached."""
    parser = argparse.ArgumentParser(prog="askshot", add_help=False)
    parser.add_argument("--capture", action="store_true")
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("images", nargs="*")
    return parser


def is_window_invocation(argv: Sequence[str]) -> bool:
    """True unless argv names a command or asks for help or the version."""
    return not argv or argv[0] not in (*COMMANDS, "-h", "--help", "--version")


def run(args: argparse.Namespace, services: Services) -> int:
    from desktop_app.cli import ask as cli_ask
    from desktop_app.cli import manage as cli_manage

    handlers = {
        "ask": cli_ask.run_ask,
        "key": cli_manage.run_key,
        "history": cli_manage.run_history,
        "spend": cli_manage.run_spend,
        "models": cli_models.run_models,
        "ocr": cli_ocr.run_ocr,
    }
    try:
        return handlers[args.command](args, services)
    except AppError as error:
        print(f"askshot: {error.text()}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("askshot: interrupted.", file=sys.stderr)
        return ErrorKind.CANCELLED.exit_code
    except BrokenPipeError:
        return 0  # `askshot ... | head`: the reader left, nothing is wrong
