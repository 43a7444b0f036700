"""The streaming benchmark's machinery: a long Markdown answer, a probed event loop, feeders.

`event_loop_pass` runs a local event loop with a 1 ms probe timer (the gaps
between its ticks are the stalls a user would feel, each with the GUI thread's
own CPU) and a feeder timer; `stream_into_chat_view` and
`stream_into_plain_edit` feed an answer into the real chat view or a plain
QPlainTextEdit and return what the pass recorded.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.common import percentile

CHARS_PER_TOKEN = 4
DELTA_CHARS = 4
IDLE_S = 1.0
SETTLE_S = 0.3  # the new view's first layout and paint, before the idle baseline
_PROSE = (
    "the model reads a screenshot and answers in markdown with lists tables code and "
    "links while the view renders each finished block once"
)


def sample_answer(tokens: int = 20_000, seed: int = 7, code_lines: int = 14) -> str:
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


@dataclass
class Trace:
    """What one pass recorded: probe gaps and the feeder's progress over time."""

    gaps: list[tuple[float, float, float]] = field(default_factory=list)  # end s, wall ms, cpu ms
    progress: list[tuple[int, float, float]] = field(default_factory=list)  # deltas, s, thread cpu
    wall: float = 0.0
    cpu: float = 0.0
    deltas: int = 0
    updates: int = 0

    def worst(self) -> float:
        return max(g[1] for g in self.gaps)

    def p99(self) -> float:
        return percentile([g[1] for g in self.gaps], 99)

    def worst_cpu(self) -> float:
        return max(g[2] for g in self.gaps)

    def segment(self, end_delta: int, length: int = 1_000) -> dict[str, float]:
        """CPU per delta and stalls while deltas [end - length, end) were being fed."""
        start_delta = max(0, end_delta - length)
        first = next(p for p in self.progress if p[0] >= start_delta)
        last = next((p for p in self.progress if p[0] >= end_delta), self.progress[-1])
        walls = [g[1] for g in self.gaps if first[1] <= g[0] <= last[1]] or [0.0]
        fed = max(1, last[0] - first[0])
        return {
            "cpu_us_per_delta": 1e6 * (last[2] - first[2]) / fed,
            "worst_ms": max(walls),
            "p99_ms": percentile(walls, 99),
        }


Feed = Callable[[float, Trace], bool]  # (seconds since the pass began, trace) -> done


def event_loop_pass(feed: Feed | None, *, rate: float, seconds: float = 1.0) -> Trace:
    """Run a loop with the 1 ms probe and a 0 ms (rate 0) or 1 ms feeder timer until
    `feed` returns True; without `feed`, idle for `seconds`. One clock times both."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer

    # A local loop: QApplication.quit() would also close every window (Qt 6), and the
    # next pass would then stream into a hidden view that neither lays out nor paints.
    loop = QEventLoop()
    trace = Trace()
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed(), time.thread_time()]

    def on_probe() -> None:
        now, cpu_now = clock.nsecsElapsed(), time.thread_time()
        trace.gaps.append((now / 1e9, (now - last[0]) / 1e6, (cpu_now - last[1]) * 1e3))
        last[0], last[1] = now, cpu_now

    def on_feed() -> None:
        if feed is not None and feed(clock.nsecsElapsed() / 1e9, trace):
            loop.quit()

    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.timeout.connect(on_probe)
    feeder = QTimer()
    feeder.setTimerType(Qt.TimerType.PreciseTimer)
    feeder.timeout.connect(on_feed)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    probe.start(1)
    if feed is None:
        QTimer.singleShot(round(seconds * 1000), loop.quit)
    else:
        feeder.start(0 if rate <= 0 else 1)
    loop.exec()
    probe.stop()
    feeder.stop()
    trace.wall = time.perf_counter() - wall0
    trace.cpu = time.process_time() - cpu0
    return trace


def stream_into_chat_view(
    app: Any, text: str, rate: float, *, idle_first: bool = True
) -> tuple[Trace | None, Trace]:
    """Idle for IDLE_S (the baseline), then stream `text` at `rate` tokens/s (0: flood)."""
    from desktop_app.ui.chat.view import ChatView

    deltas = [text[i : i + DELTA_CHARS] for i in range(0, len(text), DELTA_CHARS)]
    view = ChatView()
    view.resize(900, 700)
    view.show()
    # An earlier exchange fills the viewport, so the first 1k tokens paint as much as the
    # last: the segments then differ only in how long the streaming answer already is.
    view.add_user_message("What is on this screenshot?")
    view.add_answer(sample_answer(1_000, seed=3), footer="gpt-4o-mini · earlier")
    view.add_user_message("Explain the whole setup, step by step.")
    answer = view.add_answer()
    browser = answer.browser
    app.processEvents()
    idle = None
    event_loop_pass(None, rate=0, seconds=SETTLE_S)
    if idle_first:  # as long as a model's time to first token
        idle = event_loop_pass(None, rate=0, seconds=IDLE_S)

    index = [0]

    def feed(elapsed: float, trace: Trace) -> bool:
        # One token is one delta: at `rate` tokens/s, this many have arrived by now.
        due = index[0] + 1 if rate <= 0 else min(int(elapsed * rate), len(deltas))
        while index[0] < due and index[0] < len(deltas):
            answer.append_text(deltas[index[0]])
            index[0] += 1
        trace.progress.append((index[0], elapsed, time.thread_time()))
        if index[0] >= len(deltas) and not answer.is_finished():
            answer.finish(footer="gpt-4o-mini · bench", status=None)
        return answer.is_finished() and browser.is_up_to_date()

    run = event_loop_pass(feed, rate=rate)
    run.deltas = len(deltas)
    run.updates = browser.stats.updates
    if answer.text() != text:
        raise AssertionError("the chat view lost or reordered text")
    if not view.isVisible():
        raise AssertionError("the chat view was hidden: the figures would miss layout and paint")
    view.deleteLater()
    app.processEvents()
    return idle, run


def stream_into_plain_edit(app: Any, text: str) -> Trace:
    """The baseline view: a QPlainTextEdit, every delta inserted at the end as it comes."""
    from PySide6.QtGui import QTextCursor
    from PySide6.QtWidgets import QPlainTextEdit

    deltas = [text[i : i + DELTA_CHARS] for i in range(0, len(text), DELTA_CHARS)]
    edit = QPlainTextEdit()
    edit.setReadOnly(True)
    edit.resize(900, 700)
    edit.show()
    app.processEvents()
    cursor = QTextCursor(edit.document())
    cursor.movePosition(QTextCursor.MoveOperation.End)
    index = [0]

    def feed(_elapsed: float, _trace: Trace) -> bool:
        cursor.insertText(deltas[index[0]])
        index[0] += 1
        return index[0] >= len(deltas)

    trace = event_loop_pass(feed, rate=0)
    trace.deltas = len(deltas)
    if edit.toPlainText() != text or not edit.isVisible():
        raise AssertionError("the plain editor lost text or was hidden")
    edit.deleteLater()
    app.processEvents()
    return trace
