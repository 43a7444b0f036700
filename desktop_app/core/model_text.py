"""How models, prices and context sizes read in the model picker and its warnings (no Qt)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.core.catalogue import Catalogue
    from desktop_app.core.pricing import Price


def format_per_million(amount: float) -> str:
    """`$0.15`, `$2.50`, `$0.075`, `$15`: enough digits to tell cheap models apart."""
    if amount == 0:
        return "$0"
    if amount >= 100:
        return f"${amount:,.0f}"
    text = f"{amount:.4f}".rstrip("0")
    whole, _, fraction = text.partition(".")
    if not fraction:
        return f"${whole}"
    return f"${whole}.{fraction.ljust(2, '0')}"


def price_text(price: Price | None) -> str:
    if price is None:
        return "price unknown"
    if price.input == 0 and price.output == 0:
        return "free"
    return f"{format_per_million(price.input)} / {format_per_million(price.output)}"


def context_text(tokens: int | None) -> str:
    """`128K`, `1M`, `1.05M`; empty when unknown."""
    if not tokens:
        return ""
    if tokens >= 1_000_000:
        return f"{tokens / 1_000_000:.2f}".rstrip("0").rstrip(".") + "M"
    if tokens >= 1_000:
        return f"{tokens / 1_000:.0f}K"
    return str(tokens)


def age_text(fetched_at: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or datetime.now(timezone.utc)) - fetched_at).total_seconds()))
    if seconds < 60:
        return "just now"
    for size, unit in ((86_400, "day"), (3_600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


def text_only_warning(
    model: str, catalogue: Catalogue | None, image_count: int, *, short: bool = False
) -> str | None:
    """A sentence when `model` reads text only and images are attached; else None.

    Only a catalogue that says so counts: an unknown model is not warned about.
    `short`: one clause, for the status bar.
    """
    if image_count <= 0 or catalogue is None:
        return None
    info = catalogue.find(model)
    if info is None or info.vision is not False:
        return None
    images = "the attached image" if image_count == 1 else f"the {image_count} attached images"
    if short:
        return f"{model} reads text only: it will not see {images}."
    return (
        f"{model} reads text only: it will not see {images}, and the provider may refuse "
        "the question. Send it anyway, or cancel and choose a model that sees images."
    )
