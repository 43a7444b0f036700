"""Image sizes and token costs, checked against OpenAI's published worked examples."""

from __future__ import annotations

import itertools

import pytest

from desktop_app.core.image_tokens import (
    describe_image_cost,
    image_policy,
    image_tokens,
    sent_size,
)


def test_4k_screenshot_on_gpt_4o_mini_goes_up_as_1365x768_for_36835_tokens() -> None:
    # Fit 2048: 2048×1152; shortest side to 768: 1365.33×768 -> 1365×768;
    # tiles ceil(1365/512)·ceil(768/512) = 3·2 = 6; 2833 + 6·5667 = 36835.
    assert sent_size("gpt-4o-mini", 3840, 2160, "high") == (1365, 768)
    assert image_tokens("gpt-4o-mini", 3840, 2160, "high") == 36835
    assert image_tokens("gpt-4o-mini", 3840, 2160, "auto") == 36835


def test_low_detail_fits_512_and_costs_the_base() -> None:
    assert sent_size("gpt-4o-mini", 3840, 2160, "low") == (512, 288)
    assert image_tokens("gpt-4o-mini", 3840, 2160, "low") == 2833
    assert image_tokens("gpt-4o", 4096, 8192, "low") == 85


@pytest.mark.parametrize(
    ("model", "size", "sent", "tokens"),
    [
        # The guide's gpt-4o examples.
        ("gpt-4o", (1024, 1024), (768, 768), 765),
        ("gpt-4o", (2048, 4096), (768, 1536), 1105),
        ("gpt-4.1", (1024, 1024), (768, 768), 765),
        ("o3", (1024, 1024), (768, 768), 75 + 4 * 150),
        ("gpt-5", (1024, 1024), (768, 768), 70 + 4 * 140),
    ],
)
def test_tile_models(model: str, size: tuple[int, int], sent: tuple[int, int], tokens: int) -> None:
    assert sent_size(model, *size, "high") == sent
    assert image_tokens(model, *size, "high") == tokens


def test_patch_models_follow_the_guides_worked_example() -> None:
    # 1800×2400: 57·75 = 4275 patches > 1536; r = √(1024·1536/4320000) = 0.603;
    # 1086×1448 -> scale by 33/33.94 -> 1056×1408 = 33·44 = 1452 patches.
    assert sent_size("gpt-4.1-mini", 1800, 2400, "high") == (1056, 1408)
    assert image_tokens("gpt-4.1-mini", 1800, 2400, "high") == 2353  # ceil(1452·1.62)
    assert image_tokens("gpt-4.1-nano", 1800, 2400, "high") == 3572  # ceil(1452·2.46)
    assert image_tokens("o4-mini", 1024, 1024, "high") == 1762  # ceil(1024·1.72)
    assert image_tokens("gpt-5-mini", 1024, 1024, "auto") == 1659  # ceil(1024·1.62)


def test_patch_model_4k_screenshot_worked_by_hand() -> None:
    # 3840×2160: 120·68 = 8160 patches. r = √(1024·1536/8294400) = 0.43547;
    # across 52.26 -> 52, down 29.39 -> 29; min(52/52.26, 29/29.39) = 0.98660;
    # r = 0.42963 -> 1649.8×928 -> 1650×928 = 52·29 = 1508 patches; ×1.62 = 2442.96.
    assert sent_size("gpt-4.1-mini", 3840, 2160, "high") == (1650, 928)
    assert image_tokens("gpt-4.1-mini", 3840, 2160, "high") == 2443


def test_low_detail_on_a_patch_model_fits_512() -> None:
    assert sent_size("gpt-4.1-mini", 3840, 2160, "low") == (512, 288)
    assert image_tokens("gpt-4.1-mini", 3840, 2160, "low") == 234  # ceil(16·9·1.62 = 233.28)


@pytest.mark.parametrize(
    "model",
    [
        "gpt-4o-mini",
        "GPT-4o-mini",
        "gpt-4o-mini-2024-07-18",
        "openai/gpt-4o-mini",
        " openai/gpt-4o-mini-2024-07-18 ",
    ],
)
def test_model_ids_normalise(model: str) -> None:
    assert image_tokens(model, 3840, 2160, "high") == 36835


@pytest.mark.parametrize("model", ["llava:13b", "my-azure-deployment", "", "o3-mini", "gpt-5.2"])
def test_unknown_model_has_unknown_cost_and_at_most_2048(model: str) -> None:
    assert image_policy(model) is None
    assert image_tokens(model, 3840, 2160, "high") is None
    assert sent_size(model, 3840, 2160, "high") == (2048, 1152)
    assert sent_size(model, 3840, 2160, "low") == (512, 288)
    assert "cost unknown" in describe_image_cost(model, 3840, 2160, "high")


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-4.1-mini", "unknown-model"])
@pytest.mark.parametrize("detail", ["auto", "low", "high"])
def test_small_images_are_never_upscaled(model: str, detail: str) -> None:
    assert sent_size(model, 300, 200, detail) == (300, 200)  # type: ignore[arg-type]
    assert sent_size(model, 1, 1, detail) == (1, 1)  # type: ignore[arg-type]


def test_sizing_is_stable_and_the_estimate_matches_what_is_sent() -> None:
    """Sizing what we send changes nothing, so the server bills what we estimated."""
    sizes = [1, 31, 33, 511, 513, 767, 769, 1000, 1250, 1920, 2049, 4000, 9000]
    models = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "o4-mini", "gpt-5-nano", "other"]
    for model, detail, w, h in itertools.product(models, ("high", "low"), sizes, sizes):
        sent = sent_size(model, w, h, detail)  # type: ignore[arg-type]
        assert sent[0] <= w and sent[1] <= h
        assert sent_size(model, *sent, detail) == sent, (model, detail, w, h)  # type: ignore[arg-type]
        assert image_tokens(model, *sent, detail) == image_tokens(model, w, h, detail)  # type: ignore[arg-type]


def test_patch_budget_holds_for_extreme_strips() -> None:
    for w, h in ((100_000, 10), (10, 100_000), (60_000, 40)):
        sw, sh = sent_size("gpt-4.1-mini", w, h, "high")
        assert -(-sw // 32) * -(-sh // 32) <= 1536
        assert image_tokens("gpt-4.1-mini", w, h, "high") <= 1536 * 1.62 + 1  # type: ignore[operator]


def test_describe_image_cost() -> None:
    assert describe_image_cost("gpt-4o-mini", 3840, 2160, "high") == "1365×768 · 36,835 tokens"


def test_zero_size_is_a_bug_not_a_cost() -> None:
    with pytest.raises(ValueError, match="positive"):
        sent_size("gpt-4o", 0, 10, "high")
