"""`askshot models` and the catalogue's prices in `ask --json`, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.core.settings import Settings, save_settings
from tests.cli_helpers import askshot
from tests.image_factory import encode, screenshot
from tests.openai_server import FakeOpenAI

QWEN = "qwen/qwen2.5-vl-72b-instruct"  # in the fake catalogue, not in the built-in table


def test_models_json_lists_prices_and_vision_from_an_openrouter_catalogue() -> None:
    with FakeOpenAI(catalogue="openrouter") as server:
        run = askshot("models", "--json", "--base-url", server.base_url)
        vision = askshot("models", "--vision", "--json", "--base-url", server.base_url)

    assert run.code == 0, run.err
    listing = json.loads(run.out)
    models = {m["id"]: m for m in listing["models"]}
    assert listing["provider"] == "OpenAI" and listing["stale"] is False
    assert models["openai/gpt-4o-mini"]["vision"] is True
    assert models["openai/gpt-4o-mini"]["context_length"] == 128_000
    assert models["openai/gpt-4o-mini"]["price"] == {
        "input": 0.15,
        "cached_input": 0.075,
        "output": 0.6,
        "unit": "USD per million tokens",
        "source": "catalogue",
    }
    assert models[QWEN]["price"]["input"] == 0.25 and models[QWEN]["price"]["output"] == 0.75
    assert models["meta-llama/llama-3.3-70b-instruct"]["vision"] is False
    assert models["openrouter/auto"]["price"] is None
    # Vision models first.
    flags = [m["vision"] for m in listing["models"]]
    assert flags == sorted(flags, key=lambda v: {True: 0, None: 1, False: 2}[v])

    assert vision.code == 0, vision.err
    seen = [m["id"] for m in json.loads(vision.out)["models"]]
    assert "meta-llama/llama-3.3-70b-instruct" not in seen and QWEN in seen
    # The second run read the cache: one GET /models for both.
    assert [r.path for r in server.requests if r.method == "GET"] == ["/v1/models"]


def test_models_table_for_a_plain_openai_list_uses_the_built_in_prices() -> None:
    with FakeOpenAI(catalogue="openai") as server:
        run = askshot("models", "--base-url", server.base_url)

    assert run.code == 0, run.err
    line = next(row for row in run.out.splitlines() if " gpt-4o-mini " in f"{row} ")
    assert line.split()[:5] == ["*", "gpt-4o-mini", "?", "?", "0.15"]
    assert "(table)" in line  # the price comes from the built-in table, not the catalogue
    assert "3 models from OpenAI" in run.err


def test_models_against_a_server_without_models_says_so() -> None:
    with FakeOpenAI(catalogue="missing") as server:
        run = askshot("models", "--base-url", server.base_url)
    assert run.code == 2
    assert run.err.startswith(f"askshot: The server at 127.0.0.1:{server.port} does not list")
    assert "Traceback" not in run.err


def test_ask_json_prices_a_model_missing_from_the_table_from_the_catalogue() -> None:
    with FakeOpenAI(catalogue="openrouter") as server:
        # No `askshot models` first: ask reads the catalogue itself when no table prices it.
        run = askshot(
            "ask", "--json", "--model", QWEN, "--base-url", server.base_url, "hello there"
        )
        again = askshot(
            "ask", "--json", "--model", QWEN, "--base-url", server.base_url, "hello again"
        )

    assert run.code == 0, run.err
    result = json.loads(run.out)
    estimate = result["estimate"]
    assert estimate["input_tokens"] > 0
    assert estimate["cost_usd"] == pytest.approx(estimate["input_tokens"] * 0.25 / 1e6)
    # Billed from usage (100 in, 20 out) at the catalogue's price.
    assert result["cost_usd"] == pytest.approx((100 * 0.25 + 20 * 0.75) / 1e6)
    assert server.requests[-1].body["model"] == QWEN
    # The second question used the cached list: one /models request in all.
    assert json.loads(again.out)["estimate"]["cost_usd"] is not None
    assert sum(1 for r in server.requests if r.path.endswith("/models")) == 1


def test_ask_json_sizes_and_prices_an_alias_as_its_family(tmp_path: Path) -> None:
    image = tmp_path / "shot.png"
    image.write_bytes(encode(screenshot(1920, 1080), "PNG"))
    with FakeOpenAI() as server:
        settings = Settings()
        settings.update_profile("OpenAI", base_url=server.base_url, model="my-vision")
        save_settings(settings)
        unmapped = askshot("ask", "--json", "-i", str(image), "what is this?")
        settings.update_profile("OpenAI", model_family="gpt-4o-mini")
        save_settings(settings)
        mapped = askshot("ask", "--json", "-i", str(image), "what is this?")

    assert unmapped.code == 0 and mapped.code == 0, (unmapped.err, mapped.err)
    before, after = json.loads(unmapped.out), json.loads(mapped.out)
    assert before["estimate"] == {"input_tokens": None, "cost_usd": None}
    assert before["cost_usd"] is None  # "my-vision" has no price anywhere
    tokens = after["estimate"]["input_tokens"]
    assert tokens is not None and tokens > 1000  # a 1080p screenshot at gpt-4o-mini's rule
    assert after["estimate"]["cost_usd"] == pytest.approx(tokens * 0.15 / 1e6)
    assert after["cost_usd"] == pytest.approx((100 * 0.15 + 20 * 0.60) / 1e6)
    sent = server.requests[-1]
    assert sent.body["model"] == "my-vision"  # the wire sends the alias
    assert sent.images() == [(1365, 768, "auto")]  # downscaled as gpt-4o-mini would see it
