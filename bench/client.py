"""Figure 4, client overhead: AskShot's ChatClient against the raw openai SDK.

A local fake server (`tests.openai_server.FakeOpenAI`, in its own process so
its work does not take our GIL) streams 2,000 content chunks per request. Each
repeat runs both, alternating which goes first to cancel drift:

- app: one `ChatClient`, `stream(request)` until `Finished`;
- raw: one `openai.OpenAI(base_url=..., api_key=...)`,
  `chat.completions.create(stream=True, stream_options={"include_usage": True})`;
- app, new client: a `ChatClient` built for each question (the app keeps one per endpoint)
  (`Services.chat_client` per turn); building one costs an httpx client and its
  SSL context;
- wire: one httpx client that only reads the body's lines (no parsing): how
  fast the server itself goes, so a client near it is server-bound, not slow.

Time to first token runs from the call (before the client is built, when it
is built per question) to the first non-empty text; throughput is content
chunks per second after that.

Budget (docs/architecture.md): under 5 ms added to first token; throughput within 10%.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.common import ROOT, BenchResult, Figure, median

CHUNKS = 2_000
REPEATS = 15
MODEL = "gpt-4o-mini"
KEY = "sk-bench-not-a-real-key"
QUESTION = "What does this chart show?"
TTFT_BUDGET_MS = 5.0
THROUGHPUT_SHARE = 0.9


Sample = tuple[float, float, int]  # seconds to first text, seconds after it, text chunks
Runner = Callable[[], Sample]


def _app(base_url: str, *, reuse: bool) -> tuple[Runner, Callable[[], None]]:
    """ChatClient.stream until Finished; `reuse=False` builds a client per question."""
    from desktop_app.core.chat_client import ChatClient
    from desktop_app.core.events import ChatMessage, ChatRequest, Finished, TextDelta

    request = ChatRequest(MODEL, (ChatMessage("user", QUESTION),))
    shared = ChatClient(base_url=base_url, api_key=KEY) if reuse else None

    def once() -> Sample:
        start = time.perf_counter()
        client = shared or ChatClient(base_url=base_url, api_key=KEY)
        first = 0.0
        count = 0
        for event in client.stream(request):
            if isinstance(event, TextDelta) and event.text:
                count += 1
                if count == 1:
                    first = time.perf_counter()
            elif isinstance(event, Finished):
                break
        end = time.perf_counter()
        if shared is None:
            client.close()
        return first - start, end - first, count

    return once, (shared.close if shared else lambda: None)


def _raw(base_url: str) -> tuple[Runner, Callable[[], None]]:
    """The openai SDK as its documentation shows it: one client, `create(stream=True)`."""
    import openai

    client = openai.OpenAI(base_url=base_url, api_key=KEY)

    def once() -> Sample:
        start = time.perf_counter()
        stream = client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": QUESTION}],
            stream=True,
            stream_options={"include_usage": True},
        )
        first = 0.0
        count = 0
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                count += 1
                if count == 1:
                    first = time.perf_counter()
        end = time.perf_counter()
        return first - start, end - first, count

    return once, client.close


def _wire(base_url: str) -> tuple[Runner, Callable[[], None]]:
    """The server's own pace: read the body line by line, parse nothing."""
    import httpx2

    http = httpx2.Client()
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": QUESTION}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    headers = {"Authorization": f"Bearer {KEY}"}

    def once() -> Sample:
        start = time.perf_counter()
        first = 0.0
        count = 0
        with http.stream("POST", f"{base_url}/chat/completions", json=body, headers=headers) as r:
            for line in r.iter_lines():
                if '"content": "' in line and '"content": ""' not in line:
                    count += 1
                    if count == 1:
                        first = time.perf_counter()
        end = time.perf_counter()
        return first - start, end - first, count

    return once, http.close


def run(repeats: int = REPEATS) -> BenchResult:
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.serve_fake", str(CHUNKS)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        made = {
            "app": _app(base_url, reuse=True),
            "raw": _raw(base_url),
            "app, new client": _app(base_url, reuse=False),
            "wire": _wire(base_url),
        }
        runners = {name: runner for name, (runner, _) in made.items()}
        for runner in runners.values():  # imports, first connections
            runner()
        samples: dict[str, list[Sample]] = {name: [] for name in runners}
        order = list(runners)
        for index in range(repeats):
            for name in order if index % 2 else reversed(order):
                samples[name].append(runners[name]())
        for _, close in made.values():
            close()
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=10)

    ttft = {n: median([s[0] * 1000 for s in v]) for n, v in samples.items()}
    rate = {n: median([s[2] / s[1] for s in v]) for n, v in samples.items()}
    counts = {n: sorted({s[2] for s in v}) for n, v in samples.items()}
    out = BenchResult("client")
    for name, label, budgeted in (
        ("app", "time to first token", True),
        # The window and CLI keep one client per endpoint (Services.chat_client);
        # this shows what building one per question would cost.
        ("app, new client", "first token, new client/question", False),
    ):
        added = ttft[name] - ttft["raw"]
        out.figures.append(
            Figure.compared(
                "client",
                label,
                ttft[name],
                "ms",
                baseline=ttft["raw"],
                baseline_name="raw SDK",
                target=f"≤ raw + {TTFT_BUDGET_MS:.0f} ms" if budgeted else "(informative)",
                ok=added <= TTFT_BUDGET_MS if budgeted else None,
                note=f"{added:+.1f} ms",
            )
        )
    out.figures.append(
        Figure.compared(
            "client",
            f"chunks/s ({CHUNKS:,}-chunk stream)",
            rate["app"],
            "/s",
            baseline=rate["raw"],
            baseline_name="raw SDK",
            target=f"≥ {THROUGHPUT_SHARE:.1f}× raw",
            ok=rate["app"] >= THROUGHPUT_SHARE * rate["raw"],
        )
    )
    out.details = {
        "repeats": repeats,
        "chunks": CHUNKS,
        "ttft_ms": {n: [round(s[0] * 1000, 2) for s in v] for n, v in samples.items()},
        "chunks_per_s": {n: [round(s[2] / s[1]) for s in v] for n, v in samples.items()},
        "median_ttft_ms": ttft,
        "median_chunks_per_s": rate,
        "content_chunks_seen": counts,
    }
    return out


def report(result: BenchResult) -> None:
    d: dict[str, Any] = result.details
    print(
        f"{d['chunks']:,}-chunk streams from the fake server, {d['repeats']} repeats alternating; "
        "app = ChatClient.stream, raw = openai SDK, wire = httpx body only; one client each,\n"
        "  except 'app, new client', which builds a ChatClient per question (the app keeps one)"
    )
    for name in d["ttft_ms"]:
        print(
            f"  {name:<15} first token {d['median_ttft_ms'][name]:6.2f} ms  "
            f"{d['median_chunks_per_s'][name]:7,.0f} chunks/s  "
            f"(first token each run: {' '.join(f'{v:.1f}' for v in d['ttft_ms'][name])})"
        )
