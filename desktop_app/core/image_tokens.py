"""What size a model looks at an image, and what that image costs in tokens.

Pure arithmetic on sizes, no Pillow: the window calls `image_tokens` on every
change of model or detail for the live estimate, and `images.prepare_image`
calls `sent_size` to downscale to exactly what the model will use.

Rules as OpenAI's vision guide ("Images and vision" > "Calculating costs",
platform.openai.com/docs/guides/images-vision) published them, read 2025-08-07:

- Tile models (GPT-4o, GPT-4o mini, GPT-4.1, GPT-4.5, GPT-5, o1, o3,
  computer-use-preview): `detail: low` costs a fixed base and the model sees a
  512×512 version. `high` scales to fit 2048×2048, then so the shortest side is
  768 px, counts 512-px tiles: tokens = base + tiles × per-tile. Base/tile:
  4o, 4.1, 4.5: 85/170; 4o-mini: 2833/5667; o1, o1-pro, o3: 75/150;
  gpt-5: 70/140; computer-use-preview: 65/129.
- Patch models (GPT-4.1-mini, GPT-4.1-nano, o4-mini; GPT-5-mini/nano use the
  same scheme): cover the image with 32×32 patches; over 1536 patches, shrink
  by r = √(32²·1536/(w·h)), then by min(floor(w·r/32)/(w·r/32),
  floor(h·r/32)/(h·r/32)) so it fits whole patches; tokens = patches (at most
  1536) × multiplier: 4.1-mini 1.62, 4.1-nano 2.46, o4-mini 1.72,
  5-mini 1.62, 5-nano 2.46. Worked example from the guide: 1800×2400 ->
  1056×1408 -> 33×44 = 1452 patches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from desktop_app.core.events import Detail
from desktop_app.core.models import normalize_model

IMAGE_RULES_AS_OF = "2025-08-07"

TILE_FIT = 2048  # high detail: fit in this square first
TILE_SHORT_SIDE = 768  # then the shortest side is at most this
TILE = 512
LOW_FIT = 512  # low detail: the model sees a version that fits 512×512
PATCH = 32
PATCH_BUDGET = 1536
UNKNOWN_FIT = 2048  # unknown model: no more than this on the long side


@dataclass(frozen=True)
class ImagePolicy:
    """How one model family resizes and bills an image."""

    scheme: Literal["tiles", "patches"]
    base: int = 0  # tiles: tokens for any image (the whole cost at low detail)
    per_tile: int = 0  # tiles: tokens per 512-px tile at high detail
    multiplier: float = 1.0  # patches: billed tokens per patch


def _tiles(base: int, per_tile: int) -> ImagePolicy:
    return ImagePolicy("tiles", base=base, per_tile=per_tile)


def _patches(multiplier: float) -> ImagePolicy:
    return ImagePolicy("patches", multiplier=multiplier)


# Keys are canonical ids (see models.normalize_model); dated snapshots and
# gateway prefixes reduce to these.
POLICIES: dict[str, ImagePolicy] = {
    "gpt-4o": _tiles(85, 170),
    "chatgpt-4o-latest": _tiles(85, 170),
    "gpt-4o-mini": _tiles(2833, 5667),
    "gpt-4.1": _tiles(85, 170),
    "gpt-4.5-preview": _tiles(85, 170),
    "gpt-4-turbo": _tiles(85, 170),
    "gpt-5": _tiles(70, 140),
    "gpt-5-chat-latest": _tiles(70, 140),
    "o1": _tiles(75, 150),
    "o1-pro": _tiles(75, 150),
    "o3": _tiles(75, 150),
    "computer-use-preview": _tiles(65, 129),
    "gpt-4.1-mini": _patches(1.62),
    "gpt-4.1-nano": _patches(2.46),
    "o4-mini": _patches(1.72),
    "gpt-5-mini": _patches(1.62),
    "gpt-5-nano": _patches(2.46),
}


def image_policy(model: str) -> ImagePolicy | None:
    """The published image rule for `model`, or None when we do not know it."""
    return POLICIES.get(normalize_model(model))


def _scale(width: int, height: int, factor: float) -> tuple[int, int]:
    """Scale by `factor` (never up), rounding; rounding never crosses an integer limit."""
    factor = min(1.0, factor)
    if factor >= 1.0:
        return width, height
    return max(1, round(width * factor)), max(1, round(height * factor))


def _fit(width: int, height: int, box: int) -> tuple[int, int]:
    return _scale(width, height, box / max(width, height))


def _patch_count(width: int, height: int) -> int:
    return math.ceil(width / PATCH) * math.ceil(height / PATCH)


def _fit_patches(width: int, height: int) -> tuple[int, int]:
    """The guide's shrink so the image is covered by at most PATCH_BUDGET patches."""
    if _patch_count(width, height) <= PATCH_BUDGET:
        return width, height
    r = math.sqrt(PATCH * PATCH * PATCH_BUDGET / (width * height))
    across, down = width * r / PATCH, height * r / PATCH
    if math.floor(across) >= 1 and math.floor(down) >= 1:
        r *= min(math.floor(across) / across, math.floor(down) / down)
    w, h = _scale(width, height, r)
    # Extreme aspect ratios (a 1-patch-high strip) defeat the formula; shave
    # one patch off the long side until the budget holds.
    while _patch_count(w, h) > PATCH_BUDGET:
        long_side = max(w, h)
        w, h = _scale(w, h, PATCH * (math.ceil(long_side / PATCH) - 1) / long_side)
    return w, h


def sent_size(model: str, width: int, height: int, detail: Detail) -> tuple[int, int]:
    """The size to upload: what the model will look at, never larger than the original.

    `low` always fits 512×512 (on patch models too, where the server would not
    shrink it: the user asked for the cheap option). `auto` is treated as
    `high`, the server's worst case. Applying it twice changes nothing.
    """
    if width < 1 or height < 1:
        raise ValueError(f"image size must be positive, got {width}×{height}")
    if detail == "low":
        return _fit(width, height, LOW_FIT)
    policy = image_policy(model)
    if policy is None:
        return _fit(width, height, UNKNOWN_FIT)
    if policy.scheme == "patches":
        return _fit_patches(width, height)
    w, h = _fit(width, height, TILE_FIT)
    return _scale(w, h, TILE_SHORT_SIDE / min(w, h))


def image_tokens(model: str, width: int, height: int, detail: Detail) -> int | None:
    """Input tokens one image of this original size costs on `model`; None if unknown.

    For `auto` this is the high-detail figure (the server may pick low and bill less).
    """
    policy = image_policy(model)
    if policy is None:
        return None
    w, h = sent_size(model, width, height, detail)
    if policy.scheme == "patches":
        patches = min(_patch_count(w, h), PATCH_BUDGET)
        return math.ceil(patches * policy.multiplier)
    if detail == "low":
        return policy.base
    tiles = math.ceil(w / TILE) * math.ceil(h / TILE)
    return policy.base + tiles * policy.per_tile


def describe_image_cost(model: str, width: int, height: int, detail: Detail) -> str:
    """A short line for the composer, e.g. "1365×768 · 36,835 tokens"."""
    w, h = sent_size(model, width, height, detail)
    tokens = image_tokens(model, width, height, detail)
    cost = "cost unknown" if tokens is None else f"{tokens:,} tokens"
    return f"{w}×{h} · {cost}"
