"""Streaming benchmark: feed a 20,000-token Markdown answer to the chat view in 4-char deltas.

Two passes, each in a fresh chat view:

- flood: a 0 ms QTimer appends one delta per event-loop pass, as fast as the
  loop allows (~1,000x a real model). The view must not stall: it renders at
  most one budget of finished text per frame and catches up over frames.
- paced: a 1 ms QTimer appends what a stream of --rate tokens/s would have
  delivered by then (default 2,000 tokens/s, ~10x a fast model), to show the
  cost of an update at 1k, 5k and 20k tokens: it must stay flat.

A 1 ms probe QTimer measures the event loop: the gaps between its ticks are the
stalls a user would feel (on a busy machine they include time the OS gave to
other processes; render CPU is measured with thread time, which does not).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/stream_render.py
        [--tokens 20000] [--rate 2000] [--code-lines 14] [--skip-flood] [--skip-paced]

Budget (DESIGN.md): no stall over 16 ms; work per delta does not grow with length.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CHARS_PER_TOKEN = 4
DELTA_CHARS = 4
_PROSE = (
    "the model reads a screenshot and answers in markdown with lists tables code and "
    "links while the view renders each finished block once"
)


def sample_answer(tokens: int, seed: int = 7, code_lines: int = 14) -> str:
    """About `tokens` tokens of a typical long answer: prose, lists, code, tables, quotes."""
    rnd = random.Random(seed)
    vocab = _PROSE.split()

    def sentence(words: int = 14) -> str:
        return " ".join(rnd.choice(vocab) for _ in range(words)).capitalize() + "."

    parts: list[str] = []
    size = 0
    section = 0
    while size < tokens * CHARS_PER_TOKEN:
        section += 1
        parts.append(f"## Step {section}: {sentence(4)[:-1]}\n\n")
        parts.append(" ".join(sentence() for _ in range(4)) + " See `config.toml` and ")
        parts.append(f"[the guide](https://example.com/{section}) for **details**.\n\n")
        parts.append("".join(f"- {sentence(8)}\n" for _ in range(4)) + "  - nested: ok\n\n")
        body = "".join(
            f"    value_{i} = compute({i}, factor={rnd.randint(1, 9)})  # {rnd.choice(vocab)}\n"
            for i in range(code_lines)
        )
        parts.append(f"```python\ndef step_{section}(data):\n{body}    return data\n```\n\n")
        parts.append(f"1. {sentence(6)}\n\n2. {sentence(6)}\n\n   {sentence(8)}\n\n")
        if section % 3 == 0:
            rows = "".join(
                f"| item {i} | {rnd.randint(1, 999)} | {rnd.choice(vocab)} |\n" for i in range(6)
            )
            parts.append(f"| Name | Count | Note |\n|---|---:|:---:|\n{rows}\n")
            parts.append("> " + sentence(12) + "\n\n")
        size = sum(map(len, parts))
    return "".join(parts)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def run(text: str, rate: float) -> None:
    """Stream `text` into a fresh view at `rate` tokens/s (0: flood); print what it cost."""
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.chat_view import ChatView

    app = QApplication.instance() or QApplication([])
    deltas = [text[i : i + DELTA_CHARS] for i in range(0, len(text), DELTA_CHARS)]
    view = ChatView()
    view.resize(900, 700)
    view.show()
    view.add_user_message("Explain the whole setup, step by step.")
    answer = view.add_answer()
    browser = answer.browser
    app.processEvents()

    # Time each throttled update: CPU of this thread, and where in the answer it was.
    renders: list[tuple[int, float, int]] = []  # (chars shown, CPU seconds, chars rendered)
    inner: Callable[[], None] = browser._throttle._callback

    def timed_update() -> None:
        start = time.thread_time()
        inner()
        stats = browser.stats
        renders.append((stats.shown_chars, time.thread_time() - start, stats.last_chars))

    browser._throttle._callback = timed_update

    # A model takes a few hundred ms to its first token; the view warms up meanwhile.
    wait = QElapsedTimer()
    wait.start()
    while wait.elapsed() < 500:
        app.processEvents()
        time.sleep(0.005)

    clock = QElapsedTimer()
    clock.start()
    gaps: list[tuple[float, float]] = []  # (wall ms, this thread's CPU ms) between probe ticks
    last_tick = [clock.nsecsElapsed(), time.thread_time()]

    def on_probe() -> None:
        now, cpu_now = clock.nsecsElapsed(), time.thread_time()
        gaps.append(((now - last_tick[0]) / 1e6, (cpu_now - last_tick[1]) * 1e3))
        last_tick[0], last_tick[1] = now, cpu_now

    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.timeout.connect(on_probe)
    feeder = QTimer()
    feeder.setTimerType(Qt.TimerType.PreciseTimer)
    index = [0]

    def on_feed() -> None:
        due = int(clock.elapsed() / 1000 * rate * CHARS_PER_TOKEN / DELTA_CHARS)
        count = 1 if rate <= 0 else max(0, min(due, len(deltas)) - index[0])
        for _ in range(count):
            if index[0] < len(deltas):
                answer.append_text(deltas[index[0]])
                index[0] += 1
        if index[0] >= len(deltas) and feeder.isActive():
            feeder.stop()
            answer.finish(footer="gpt-4o-mini · bench", status=None)
        if not feeder.isActive() and browser.is_up_to_date():
            app.quit()

    feeder.timeout.connect(on_feed)
    done = QTimer()
    done.timeout.connect(on_feed)  # keeps checking until the view has caught up
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    probe.start(1)
    feeder.start(0 if rate <= 0 else 1)
    done.start(5)
    app.exec()
    probe.stop()
    done.stop()
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    assert answer.text() == text, "the view lost or reordered text"

    mode = "flood (one delta per event-loop pass)" if rate <= 0 else f"paced, {rate:,.0f} tokens/s"
    print(f"--- {mode}: {len(deltas):,} deltas of {DELTA_CHARS} chars")
    print(f"wall {wall:.2f} s, CPU {cpu:.2f} s ({100 * cpu / wall:.0f}% of a core), ", end="")
    print(f"CPU per delta {1e6 * cpu / len(deltas):.0f} µs")
    walls = [wall for wall, _ in gaps]
    worst_wall, worst_cpu = max(gaps)
    cpu_gaps = [cpu for _, cpu in gaps]
    print(f"event-loop stalls (1 ms probe, {len(gaps):,} ticks): worst {worst_wall:.1f} ms")
    print(f"  ({worst_cpu:.1f} ms of it on our CPU), p99 {percentile(walls, 99):.1f} ms, ", end="")
    print(f"p50 {percentile(walls, 50):.1f} ms")
    print(f"  counting only this thread's CPU time: worst {max(cpu_gaps):.1f} ms, ", end="")
    print(f"p99 {percentile(cpu_gaps, 99):.1f} ms")
    cpu_ms = [s * 1e3 for _, s, _ in renders]
    print(f"updates: {len(renders):,}, CPU worst {max(cpu_ms):.1f} ms, ", end="")
    print(f"p99 {percentile(cpu_ms, 99):.1f} ms, mean {statistics.mean(cpu_ms):.2f} ms")
    print("update cost by position in the answer (must stay flat):")
    for tokens in (1_000, 5_000, 20_000):
        centre = min(tokens * CHARS_PER_TOKEN, len(text) - 2_000)
        window = [r for r in renders if abs(r[0] - centre) <= 2_000]
        if window:
            ms = [s * 1e3 for _, s, _ in window]
            chars = [c for _, _, c in window]
            print(
                f"  ~{tokens:>6,} tokens: {len(window):4} updates, CPU mean "
                f"{statistics.mean(ms):5.2f} ms, max {max(ms):5.2f} ms; "
                f"rendered mean {statistics.mean(chars):5.0f} chars,"
                f" max {max(chars):5} chars"
            )
    print(f"rendered in total: {browser.stats.total_chars:,} chars for {len(text):,} chars")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=2_000, help="paced pass, tokens/s")
    parser.add_argument("--code-lines", type=int, default=14, help="lines per code block")
    parser.add_argument("--skip-flood", action="store_true")
    parser.add_argument("--skip-paced", action="store_true")
    args = parser.parse_args()
    text = sample_answer(args.tokens, code_lines=args.code_lines)
    print(f"answer: {len(text):,} chars (~{len(text) // CHARS_PER_TOKEN:,} tokens)")
    if not args.skip_flood:
        run(text, rate=0)
    if not args.skip_paced:
        run(text, rate=args.rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
