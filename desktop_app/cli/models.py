"""`askshot models`: the provider's catalogue, with context, vision and prices."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.pricing import lookup_price

if TYPE_CHECKING:
    from desktop_app.context import Services
    from desktop_app.core.catalogue import Catalogue, ModelInfo
    from desktop_app.core.pricing import Price, PriceSource
    from desktop_app.core.settings import ProviderProfile


def add_parser(sub: Any) -> None:
    models = sub.add_parser("models", help="the models a provider offers, with prices")
    models.add_argument("--provider", help="provider profile name (default: the active one)")
    models.add_argument("--base-url", help="an OpenAI-compatible endpoint, e.g. http://host/v1")
    models.add_argument("--vision", action="store_true", help="only models that can see images")
    models.add_argument("--json", action="store_true", help="print one JSON object")
    models.add_argument(
        "--refresh", action="store_true", help="fetch the list again even if the cached one is new"
    )


def run_models(args: argparse.Namespace, services: Services) -> int:
    profile = services.resolve_profile(args.provider, args.base_url, require_complete=False)
    if not profile.base_url:
        raise AppError(ErrorKind.BAD_INPUT, profile.missing() or "The profile has no base URL.")
    catalogue = _catalogue(services, profile, refresh=args.refresh)
    models = catalogue.sorted_for_picker()
    if args.vision:
        models = [m for m in models if m.vision]
    priced = [(m, _price(services, m)) for m in models]
    if args.json:
        print(json.dumps(_json(catalogue, profile, priced), indent=1))
    else:
        _print_table(catalogue, profile, priced)
    return 0


def _catalogue(services: Services, profile: ProviderProfile, *, refresh: bool) -> Catalogue:
    """The catalogue; an old cached one (with a warning) when the server cannot be reached."""
    try:
        return services.catalogue(profile, refresh=refresh)
    except AppError as error:
        cached = services.cached_catalogue(profile)
        if error.reason == "no_catalogue" or cached is None:
            raise
        when = cached.fetched_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"askshot: {error.text()} Showing the list fetched {when}.", file=sys.stderr)
        return cached


def _price(services: Services, model: ModelInfo) -> tuple[Price, PriceSource] | None:
    """The price in the lookup order: override → this catalogue → built-in table."""
    catalogue = {model.id: model.price} if model.price is not None else None
    return lookup_price(model.id, services.spend.price_overrides, catalogue)


def _json(
    catalogue: Catalogue,
    profile: ProviderProfile,
    priced: list[tuple[ModelInfo, tuple[Price, PriceSource] | None]],
) -> dict[str, Any]:
    def entry(model: ModelInfo, found: tuple[Price, PriceSource] | None) -> dict[str, Any]:
        price = None
        if found is not None:
            value, source = found
            price = {
                "input": value.input,
                "cached_input": value.cached_input,
                "output": value.output,
                "unit": "USD per million tokens",
                "source": source.value,
            }
        return {
            "id": model.id,
            "name": model.name,
            "context_length": model.context_length,
            "vision": model.vision,
            "price": price,
            "selected": model.id == profile.model,
        }

    return {
        "provider": profile.name,
        "fetched_at": catalogue.fetched_at.isoformat(),
        "stale": catalogue.stale(),
        "models": [entry(m, p) for m, p in priced],
    }


def _print_table(
    catalogue: Catalogue,
    profile: ProviderProfile,
    priced: list[tuple[ModelInfo, tuple[Price, PriceSource] | None]],
) -> None:
    if not priced:
        print(f"{profile.name} lists no models that match.")
        return
    rows = [("", "MODEL", "CONTEXT", "VISION", "INPUT $/M", "OUTPUT $/M")]
    for model, found in priced:
        price, source = found if found else (None, None)
        mark = "" if source is None or source.value == "catalogue" else f" ({source.value})"
        rows.append(
            (
                "*" if model.id == profile.model else "",
                model.id,
                f"{model.context_length:,}" if model.context_length else "?",
                {True: "yes", False: "no", None: "?"}[model.vision],
                f"{price.input:g}{mark}" if price else "?",
                f"{price.output:g}" if price else "?",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    when = catalogue.fetched_at.astimezone().strftime("%Y-%m-%d %H:%M")
    stale = " (older than a day: --refresh fetches it again)" if catalogue.stale() else ""
    print(
        f"\n{len(priced)} models from {profile.name}, listed {when}{stale}. Prices in USD per "
        "million tokens; * marks the profile's model; ? where unknown.",
        file=sys.stderr,
    )
