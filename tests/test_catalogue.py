"""The provider's model catalogue: shapes, the disk cache, price lookup order, aliases.

Real parts: the openai SDK against the fake server on 127.0.0.1, `Services` with
its data folder in tmp_path, the real settings file.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop_app.context import Services
from desktop_app.core import catalogue as cat
from desktop_app.core.catalogue import Catalogue, ModelInfo
from desktop_app.core.chat_client import ChatClient
from desktop_app.core.conversation import ConversationEngine
from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Usage
from desktop_app.core.images import prepare_image
from desktop_app.core.pricing import Price, PriceSource, lookup_price, price_for
from desktop_app.core.settings import ProviderProfile, Settings, load_settings, save_settings
from desktop_app.core.spend import SessionSpend
from tests.image_factory import encode, screenshot
from tests.openai_scenarios import OPENROUTER_MODELS, catalogue_body
from tests.openai_server import FakeOpenAI

KEY = "sk-test.catalogue-0123456789"  # fake


def services_for(server: FakeOpenAI) -> tuple[Services, ProviderProfile]:
    services = Services()
    services.secrets.set("OpenAI", KEY)
    services.settings.update_profile("OpenAI", base_url=server.base_url)
    return services, services.resolve_profile()


def gets(server: FakeOpenAI, suffix: str) -> int:
    return sum(1 for r in server.requests if r.method == "GET" and r.path.endswith(suffix))


# -- shapes -----------------------------------------------------------------------------


def test_an_openrouter_catalogue_gives_names_context_vision_and_prices() -> None:
    models = {
        m.id: m for m in cat.parse_models(catalogue_body("openrouter", [], OPENROUTER_MODELS))
    }

    mini = models["openai/gpt-4o-mini"]
    assert mini.name == "OpenAI: GPT-4o-mini"
    assert (mini.context_length, mini.vision) == (128_000, True)
    assert mini.price == Price(input=0.15, cached_input=0.075, output=0.60)  # per million
    assert models["meta-llama/llama-3.3-70b-instruct"].vision is False
    # No cache price given: cached input costs as much as input.
    assert models["qwen/qwen2.5-vl-72b-instruct"].price == Price(0.25, 0.25, 0.75)
    assert models["google/gemma-3-27b-it:free"].price == Price(0.0, 0.0, 0.0)
    assert models["openrouter/auto"].price is None  # "-1": the price depends on the route


def test_the_picker_order_puts_vision_models_first() -> None:
    catalogue = cat.build(
        "X",
        [ModelInfo("b-text", vision=False), ModelInfo("z-eyes", vision=True), ModelInfo("a-?")],
    )
    assert [m.id for m in catalogue.sorted_for_picker()] == ["z-eyes", "a-?", "b-text"]
    assert catalogue.find("Z-EYES") is not None and catalogue.find("nope") is None


def test_an_openai_catalogue_without_prices_falls_back_to_the_table(tmp_path: Path) -> None:
    with FakeOpenAI(api_key=KEY, catalogue="openai") as server:
        services, profile = services_for(server)
        catalogue = services.catalogue(profile)
        services.close()

    assert [m.id for m in catalogue.models] == ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"]
    assert all(m.price is None and m.vision is None for m in catalogue.models)
    assert not catalogue.has_prices
    assert server.requests[0].authorization == f"Bearer {KEY}"  # OpenAI lists to key holders
    assert services.spend.price_source("gpt-4o-mini") is PriceSource.TABLE
    assert services.spend.price_of("gpt-4o-mini") == Price(0.15, 0.075, 0.60)


def test_a_bare_list_of_models_is_read_too() -> None:
    with FakeOpenAI(catalogue="bare") as server:
        client = ChatClient(base_url=server.base_url, api_key=KEY)
        models = client.list_models()
        client.close()
    assert [m.id for m in models] == ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"]


def test_a_server_without_models_says_so_and_the_typed_id_still_works() -> None:
    with FakeOpenAI(catalogue="missing") as server:
        services, profile = services_for(server)
        with pytest.raises(AppError) as caught:
            services.catalogue(profile)
        # The connection test falls back to one real token; the typed id is sent as is.
        sentence = services.chat_client(profile, KEY).test_connection("llava")
        services.close()

    error = caught.value
    assert (error.kind, error.reason, error.status) == (ErrorKind.BAD_INPUT, "no_catalogue", 404)
    assert f"The server at 127.0.0.1:{server.port} does not list its models" in error.message
    assert "it is sent as typed" in error.message
    assert services.cached_catalogue(profile) is None
    assert "llava answered" in sentence
    chat = [r for r in server.requests if r.method == "POST"]
    assert len(chat) == 1 and chat[0].body["model"] == "llava"


# -- the cache ---------------------------------------------------------------------------


def test_a_stale_cache_is_refetched_but_still_readable_offline(tmp_path: Path) -> None:
    with FakeOpenAI(api_key=KEY, catalogue="openrouter") as server:
        services, profile = services_for(server)
        first = services.catalogue(profile)
        assert services.catalogue(profile) is first  # fresh: no second fetch
        assert gets(server, "/models") == 1

        # Two days pass: the file on disk now holds an old catalogue.
        old = Catalogue(first.provider, first.fetched_at - timedelta(days=2), first.models)
        cat.save_cached(services._catalogue_path(profile), old)
        services.close()

        later = Services()  # a new run of the app reads the cache from disk
        cached = later.cached_catalogue(profile)
        assert cached is not None and cached.stale()
        assert cached.find("qwen/qwen2.5-vl-72b-instruct") is not None
        assert gets(server, "/models") == 1  # cached_catalogue never touches the network
        # Its prices count already (no network): a model the table lacks is priced.
        assert later.spend.price_source("qwen/qwen2.5-vl-72b-instruct") is PriceSource.CATALOGUE

        refreshed = later.catalogue(profile)
        later.close()
    assert gets(server, "/models") == 2
    assert not refreshed.stale()
    assert datetime.now(timezone.utc) - refreshed.fetched_at < timedelta(minutes=1)
    on_disk = json.loads(Path(later._catalogue_path(profile)).read_text("utf-8"))
    assert on_disk["fetched_at"] == refreshed.fetched_at.isoformat()


def test_a_broken_cache_file_reads_as_no_cache(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", "utf-8")
    assert cat.load_cached(path) is None


# -- prices ------------------------------------------------------------------------------


def test_price_lookup_order_override_then_catalogue_then_table() -> None:
    override = {"gpt-4o-mini": Price(9.0, 9.0, 9.0)}
    catalogue = {"openai/gpt-4o-mini": Price(0.2, 0.1, 0.7), "vendor/new": Price(1.0, 1.0, 2.0)}

    assert price_for("openai/gpt-4o-mini", override, catalogue) == Price(9.0, 9.0, 9.0)
    assert lookup_price("openai/gpt-4o-mini", None, catalogue) == (
        Price(0.2, 0.1, 0.7),
        PriceSource.CATALOGUE,
    )
    assert lookup_price("gpt-4o", override, catalogue) == (
        Price(2.50, 1.25, 10.00),
        PriceSource.TABLE,
    )
    assert price_for("vendor/new", None, catalogue) == Price(1.0, 1.0, 2.0)
    assert price_for("vendor/unknown", override, catalogue) is None

    spend = SessionSpend(price_overrides=override)
    spend.catalogue_prices.update(catalogue)
    assert spend.estimate("vendor/new", 1_000_000) == pytest.approx(1.0)
    assert spend.record("gpt-4o-mini", Usage(1_000_000, 0, 0)) == pytest.approx(9.0)
    # The gateway's reported cost still wins after the fact.
    assert spend.record("vendor/new", Usage(10, 0, 10, reported_cost=0.5)) == 0.5


# -- an alias mapped to a family ----------------------------------------------------------


def test_the_model_family_is_saved_and_loaded(tmp_path: Path) -> None:
    settings = Settings()
    settings.add_profile(
        ProviderProfile("Gateway", "http://127.0.0.1:9/v1", "my-vision", model_family="gpt-4o-mini")
    )
    save_settings(settings, tmp_path / "settings.json")
    loaded, notice = load_settings(tmp_path / "settings.json")
    assert notice is None
    profile = loaded.profile("Gateway")
    assert (profile.model, profile.model_family, profile.priced_as) == (
        "my-vision",
        "gpt-4o-mini",
        "gpt-4o-mini",
    )
    cleared = loaded.update_profile("Gateway", model_family="")
    assert (cleared.model_family, cleared.priced_as) == (None, "my-vision")


def test_an_alias_mapped_to_a_family_is_sized_and_priced_as_that_family() -> None:
    png = encode(screenshot(1920, 1080), "PNG")
    settings = Settings()
    engine = ConversationEngine(settings, SessionSpend(), None)

    mapped = ProviderProfile("Gateway", "http://x/v1", "my-vision", model_family="gpt-4o-mini")
    image = prepare_image(png, mapped.priced_as, "high")
    plan = engine.plan_question(
        None, "what is this?", [image], model=mapped.model, priced_as=mapped.priced_as
    )
    as_family = prepare_image(png, "gpt-4o-mini", "high")
    assert image.tokens == as_family.tokens and image.tokens is not None
    assert plan.request.model == "my-vision"  # the wire sends the alias
    assert plan.input_tokens is not None and plan.estimated_cost is not None
    assert plan.estimated_cost == pytest.approx(plan.input_tokens * 0.15 / 1_000_000)

    bare = ProviderProfile("Gateway", "http://x/v1", "my-vision")
    unknown = prepare_image(png, bare.priced_as, "high")
    plan = engine.plan_question(None, "what?", [unknown], model=bare.model)
    assert unknown.tokens is None  # size and cost unknown, as before
    assert (plan.input_tokens, plan.estimated_cost) == (None, None)
