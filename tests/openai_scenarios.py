"""What the fake OpenAI server does for one request: `Scenario` and named presets.

Each preset replays one case from docs/architecture.md, "What the wire really does", with
error bodies shaped like the real services' (OpenAI, OpenRouter, Azure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

StreamFault = Literal[
    "mid_stream_error",
    "drop",
    "cutoff",
    "bad_json",
    "stall",
    "stall_headers",
    "comments_forever",  # `: OPENROUTER PROCESSING` every `keepalive` s, never more content
    "empty_deltas_forever",  # chunks with an empty delta every `keepalive` s, never content
]

# The real API answers "gpt-4o-mini" with a dated snapshot.
SNAPSHOTS = {
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
}

# What `GET /models` answers, chosen per server instance (`FakeOpenAI(catalogue=...)`):
# "openai": ids only, like api.openai.com; "openrouter": names, context lengths,
# input modalities and per-token prices as strings; "bare": a JSON list of ids
# (some local servers); "missing": HTTP 404 (no /models at all).
CatalogueShape = Literal["openai", "openrouter", "bare", "missing"]


def _router_model(
    model_id: str,
    name: str,
    context: int,
    inputs: list[str],
    prices: tuple[str, ...],  # prompt, completion[, input_cache_read], USD per token
) -> dict[str, Any]:
    prompt, completion, *rest = prices
    cache_read = rest[0] if rest else None
    pricing = {"prompt": prompt, "completion": completion, "request": "0", "image": "0"}
    if cache_read is not None:
        pricing["input_cache_read"] = cache_read
    return {
        "id": model_id,
        "canonical_slug": model_id,
        "name": name,
        "created": 1721260800,
        "description": f"{name}, as listed by the fake gateway.",
        "context_length": context,
        "architecture": {
            "modality": "+".join(inputs) + "->text",
            "input_modalities": inputs,
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": pricing,
        "top_provider": {
            "context_length": context,
            "max_completion_tokens": 16384,
            "is_moderated": False,
        },
        "per_request_limits": None,
        "supported_parameters": ["max_tokens", "stream", "temperature"],
    }


# OpenRouter's shape (GET https://openrouter.ai/api/v1/models), prices in USD per token.
OPENROUTER_MODELS: list[dict[str, Any]] = [
    _router_model(
        "openai/gpt-4o-mini",
        "OpenAI: GPT-4o-mini",
        128000,
        ["text", "image", "file"],
        ("0.00000015", "0.0000006", "0.000000075"),
    ),
    # Not in the built-in price table: priced from the catalogue only.
    _router_model(
        "qwen/qwen2.5-vl-72b-instruct",
        "Qwen: Qwen2.5 VL 72B Instruct",
        32000,
        ["text", "image"],
        ("0.00000025", "0.00000075"),
    ),
    _router_model(
        "meta-llama/llama-3.3-70b-instruct",
        "Meta: Llama 3.3 70B Instruct",
        131072,
        ["text"],
        ("0.00000013", "0.0000004"),
    ),
    _router_model(
        "google/gemma-3-27b-it:free",
        "Google: Gemma 3 27B (free)",
        96000,
        ["text", "image"],
        ("0", "0"),
    ),
    # A router whose price depends on where it routes: "-1" is no price at all.
    _router_model("openrouter/auto", "Auto Router", 2000000, ["text", "image"], ("-1", "-1")),
]

# OpenRouter's `GET /api/v1/key` for a key with a $10 limit, $2.75 used.
OPENROUTER_KEY = {
    "data": {
        "label": "sk-or-v1-fak...e00",
        "limit": 10.0,
        "limit_remaining": 7.25,
        "usage": 2.75,
        "is_free_tier": False,
    }
}


def catalogue_body(
    shape: CatalogueShape, model_ids: list[str], router_models: list[dict[str, Any]]
) -> Any:
    """The body of a 200 `GET /models` in the given shape."""
    if shape == "openrouter":
        return {"data": router_models}
    if shape == "bare":
        return [{"id": m} for m in model_ids]
    models = [
        {"id": m, "object": "model", "created": 1721260800, "owned_by": "system"} for m in model_ids
    ]
    return {"object": "list", "data": models}


STREAM_OPTIONS_REJECTED = "Unrecognized request argument supplied: stream_options"


@dataclass
class Scenario:
    """How the server answers one request; the defaults give a normal streamed answer."""

    text: str | None = None  # the answer; None describes what the request contained
    chunks: int | None = None  # split the answer into this many deltas (None: word pieces)
    delay: float = 0.0  # seconds between deltas
    comments: bool = False  # SSE comment lines before and between events (OpenRouter)
    refusal: str | None = None  # send this as refusal deltas instead of content
    finish_reason: str = "stop"
    model: str | None = None  # reply model; None: the dated snapshot of the one asked for
    usage: tuple[int, int, int] | None = None  # prompt, completion, cached; None: server default
    cost: float | None = None  # OpenRouter's `usage.cost` in USD
    fault: StreamFault | None = None
    after: int = 3  # content deltas sent before the fault
    error: dict[str, Any] | None = None  # error object for HTTP errors and mid-stream errors
    json_reply: bool = False  # one application/json chat.completion even when stream=true
    status: int = 200  # an HTTP error status, answered with `{"error": error}`
    headers: dict[str, str] = field(default_factory=dict)  # extra or replaced response headers
    keepalive: float = 0.1  # seconds between keep-alive lines of the *_forever faults
    forever: float = 60.0  # the server's own bound on "forever", so nothing can hang


def _err(message: str, type_: str | None, code: Any, param: str | None = None) -> dict[str, Any]:
    return {"message": message, "type": type_, "param": param, "code": code}


PRESETS: dict[str, Scenario] = {
    "default": Scenario(),
    "comments": Scenario(comments=True),
    "openrouter": Scenario(comments=True, cost=0.000_412, model="openai/gpt-4o-mini"),
    "refusal": Scenario(refusal="I'm sorry, but I can't help with identifying people."),
    "length": Scenario(finish_reason="length"),
    "json_reply": Scenario(json_reply=True),
    "slow": Scenario(chunks=200, delay=0.01),
    "mid_stream_error": Scenario(
        fault="mid_stream_error",
        error=_err("Upstream provider returned an error", "server_error", 502),
    ),
    "drop": Scenario(fault="drop"),
    "cutoff": Scenario(fault="cutoff"),
    "bad_json": Scenario(fault="bad_json"),
    "stall": Scenario(fault="stall"),
    "stall_headers": Scenario(fault="stall_headers"),  # never even sends the HTTP headers
    # A gateway keeping the connection busy without an answer (bounded at 60 s by the server).
    "comments_forever": Scenario(fault="comments_forever", after=0),
    "empty_deltas_forever": Scenario(fault="empty_deltas_forever", after=0),
    # "stop" with no text and no refusal: a gateway's empty stream, or an empty JSON reply.
    "empty_answer": Scenario(text=""),
    "empty_json_answer": Scenario(text="", json_reply=True),
    "invalid_api_key": Scenario(
        status=401,
        error=_err(
            "Incorrect API key provided: sk-te*****7890. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            "invalid_api_key",
        ),
    ),
    "insufficient_credits": Scenario(
        status=402,
        error={
            "code": 402,
            "message": "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
        },
    ),
    "permission_denied": Scenario(
        status=403,
        error=_err(
            "Country, region, or territory not supported",
            "request_forbidden",
            "unsupported_country_region_territory",
        ),
    ),
    "model_not_found": Scenario(
        status=404,
        error=_err(
            "The model `gpt-5o-mini` does not exist or you do not have access to it.",
            "invalid_request_error",
            "model_not_found",
        ),
    ),
    "context_length_exceeded": Scenario(
        status=400,
        error=_err(
            "This model's maximum context length is 128000 tokens. However, your messages "
            "resulted in 130512 tokens. Please reduce the length of the messages.",
            "invalid_request_error",
            "context_length_exceeded",
            "messages",
        ),
    ),
    "invalid_image": Scenario(
        status=400,
        error=_err(
            "You uploaded an unsupported image. Please make sure your image has of one the "
            "following formats: ['png', 'jpeg', 'gif', 'webp'].",
            "invalid_request_error",
            "invalid_image_format",
        ),
    ),
    "rate_limited": Scenario(
        status=429,
        headers={"retry-after": "0.2"},
        error=_err(
            "Rate limit reached for gpt-4o-mini in organization org-fake on requests per min "
            "(RPM): Limit 3, Used 3, Requested 1. Please try again in 200ms.",
            "requests",
            "rate_limit_exceeded",
        ),
    ),
    "insufficient_quota": Scenario(
        status=429,
        error=_err(
            "You exceeded your current quota, please check your plan and billing details.",
            "insufficient_quota",
            "insufficient_quota",
        ),
    ),
    "server_error": Scenario(
        status=500,
        error=_err(
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            None,
        ),
    ),
    "overloaded": Scenario(
        status=503,
        error=_err(
            "The engine is currently overloaded, please try again later", "server_error", None
        ),
    ),
}
PRESETS.update(
    {
        "401": PRESETS["invalid_api_key"],
        "402": PRESETS["insufficient_credits"],
        "403": PRESETS["permission_denied"],
        "404": PRESETS["model_not_found"],
        "429": PRESETS["rate_limited"],
        "500": PRESETS["server_error"],
        "503": PRESETS["overloaded"],
    }
)


def preset(name: str) -> Scenario:
    """A fresh copy of the named preset (so a test may tweak it)."""
    try:
        return replace(PRESETS[name], headers=dict(PRESETS[name].headers))
    except KeyError:
        raise ValueError(
            f"unknown scenario {name!r}; known: {', '.join(sorted(PRESETS))}"
        ) from None


_PIECE = re.compile(r"\s*\S+\s*|\s+")
_FILLER = (
    "## Section\n\n",
    "The ",
    "chart ",
    "shows ",
    "**steady** ",
    "growth ",
    "in ",
    "`value` ",
    "over ",
    "time.\n\n",
    "- item ",
    "one\n",
)


def split_pieces(text: str, chunks: int | None) -> list[str]:
    """Token-sized pieces of `text`, or exactly `chunks` pieces when asked."""
    if chunks is None:
        return _PIECE.findall(text)
    if chunks <= 0 or not text:
        return []
    step = max(1, -(-len(text) // chunks))
    return [text[i : i + step] for i in range(0, len(text), step)]


def filler_pieces(chunks: int) -> list[str]:
    """`chunks` Markdown pieces for long-answer benchmarks."""
    return [_FILLER[i % len(_FILLER)] for i in range(chunks)]
