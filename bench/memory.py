"""Figure 5, memory: RSS and CPU while idle with a long conversation open.

A throw-away profile's history is filled through `desktop_app.core.history`:
one conversation of 200 messages, 100 questions (20 of them with a distinct
1365×768 screenshot, encoded by `prepare_image` as the app would send it)
and 100 Markdown answers (~1,500 characters each: headings, prose, lists,
code). AskShot starts on that profile (the real start-up, `window_probe.py
app`), opens the conversation with `window.controller.load_conversation(id)`,
idles 1 s, and reads its RSS; then its CPU over 2 s of idling. The baseline,
alternated with it, is the same start-up on an empty profile (separate
processes, same harness).

Budget (docs/architecture.md): under 150 MB RSS, 0% CPU (counted as ok below 0.5% of a
core: that is one 10 ms tick in 2 s, what `top` shows as idle).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.common import BenchResult, Figure, child_env, median, run_probe

REPEATS = 5
QUESTIONS = 100
SCREENSHOTS = 20
RSS_BUDGET_MB = 150.0
IDLE_CPU_OK = 0.5  # % of one core
MODEL = "gpt-4o-mini"


def fill_history(data_dir: Path) -> int:
    """The 200-message conversation; returns its id."""
    from PIL import ImageDraw

    from bench.stream_feed import sample_answer
    from desktop_app.core.events import Usage
    from desktop_app.core.history import History
    from desktop_app.core.history_models import NewAttachment
    from desktop_app.core.images import prepare_image
    from tests import image_factory

    base = image_factory.screenshot(1365, 768)
    every = QUESTIONS // SCREENSHOTS
    with History(data_dir / "history.sqlite3") as history:
        conv = history.create_conversation("A long session about a dashboard")
        for i in range(QUESTIONS):
            images = []
            if i % every == 0:
                shot = base.copy()
                ImageDraw.Draw(shot).text((600, 40), f"screenshot {i}", fill=(255, 255, 255))
                prepared = prepare_image(shot, MODEL, "high", name=f"shot-{i}.png")
                w, h = prepared.sent_size
                images.append(
                    NewAttachment(prepared.data, prepared.mime, w, h, "high", prepared.tokens)
                )
            history.add_user_message(conv, f"Question {i}: what does this part show?", images)
            answer = history.start_answer(conv, MODEL)
            history.finish_answer(
                answer,
                text=sample_answer(300, seed=i),
                status="complete",
                model="gpt-4o-mini-2024-07-18",
                usage=Usage(1_200, 0, 380),
            )
    return conv


def _profile_env(folder: str) -> dict[str, str]:
    return child_env(ASKSHOT_CONFIG_DIR=f"{folder}/config", ASKSHOT_DATA_DIR=f"{folder}/data")


def run(repeats: int = REPEATS) -> BenchResult:
    samples: dict[str, list[dict[str, Any]]] = {"open": [], "empty": []}
    with tempfile.TemporaryDirectory(prefix="askshot-bench-") as folder:
        full = Path(folder) / "full"
        (full / "data").mkdir(parents=True, mode=0o700)
        conv = fill_history(full / "data")
        db_bytes = sum(p.stat().st_size for p in (full / "data").iterdir())
        idle = ["--idle", "1", "--cpu", "2"]
        run_probe(["app", "--load", str(conv)], _profile_env(str(full)))  # bytecode, caches
        for index in range(repeats):
            order = ("open", "empty") if index % 2 else ("empty", "open")
            for name in order:
                if name == "open":
                    result, _ = run_probe(
                        ["app", "--load", str(conv), *idle], _profile_env(str(full))
                    )
                else:
                    with tempfile.TemporaryDirectory(prefix="askshot-profile-") as empty:
                        result, _ = run_probe(["app", *idle], _profile_env(empty))
                samples[name].append(result)

    def med(name: str, key: str, scale: float = 1.0) -> float:
        return median([s[key] * scale for s in samples[name]])

    mb = 1 / 2**20
    out = BenchResult("memory")
    rss, rss_empty = med("open", "rss_bytes", mb), med("empty", "rss_bytes", mb)
    out.figures.append(
        Figure.compared(
            "memory",
            "RSS idle, 200 messages + 20 shots",
            rss,
            "MB",
            baseline=rss_empty,
            baseline_name="empty",
            target=f"≤ {RSS_BUDGET_MB:.0f} MB",
            ok=rss <= RSS_BUDGET_MB,
        )
    )
    cpu, cpu_empty = med("open", "idle_cpu_percent"), med("empty", "idle_cpu_percent")
    out.figures.append(
        Figure.compared(
            "memory",
            "CPU idle 2 s, conversation open",
            cpu,
            "%",
            baseline=cpu_empty,
            baseline_name="empty",
            target="0% (< 0.5)",
            ok=cpu < IDLE_CPU_OK,
        )
    )
    out.figures.append(
        Figure.compared(
            "memory",
            "open the 200-message conversation",
            med("open", "load_s", 1000),
            "ms",
            baseline=None,
            baseline_name="",
            target="(informative)",
            ok=None,
        )
    )
    out.details = {
        "repeats": repeats,
        "history_file_mb": round(db_bytes * mb, 1),
        **{
            name: {
                "rss_mb": [round(s["rss_bytes"] * mb, 1) for s in samples[name]],
                "uss_mb": round(med(name, "uss_bytes", mb), 1),
                "peak_rss_at_first_paint_mb": round(med(name, "peak_rss_bytes", mb), 1),
                "idle_cpu_percent": [round(s["idle_cpu_percent"], 2) for s in samples[name]],
                "threads": samples[name][0]["threads"],
                "first_paint_ms": round(med(name, "first_paint_s", 1000)),
                **(
                    {
                        "load_ms": round(med(name, "load_s", 1000)),
                        "rss_before_load_mb": round(med(name, "rss_before_load_bytes", mb), 1),
                        "rss_after_load_mb": round(med(name, "rss_after_load_bytes", mb), 1),
                    }
                    if name == "open"
                    else {}
                ),
            }
            for name in samples
        },
    }
    return out


def report(result: BenchResult) -> None:
    d = result.details
    print(
        f"{d['repeats']} repeats each, medians; history file {d['history_file_mb']} MB "
        f"({QUESTIONS * 2} messages, {SCREENSHOTS} screenshots)"
    )
    for name in ("empty", "open"):
        s = d[name]
        load = ""
        if "load_ms" in s:
            load = (
                f", opened in {s['load_ms']} ms (RSS {s['rss_before_load_mb']} → "
                f"{s['rss_after_load_mb']} MB)"
            )
        print(
            f"  {name:<5} RSS {s['rss_mb']} MB (USS {s['uss_mb']} MB, "
            f"peak at first paint {s['peak_rss_at_first_paint_mb']} MB), "
            f"idle CPU {s['idle_cpu_percent']} %, {s['threads']} threads{load}"
        )
