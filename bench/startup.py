"""Figure 1, start-up: process spawn to the first painted main window, AskShot vs bare PySide6.

Each repeat spawns both (alternating which goes first) in fresh interpreters
with a throw-away profile and offscreen Qt; see `window_probe.py` for how the
first paint is noticed. Peak RSS is the child's own ru_maxrss at that moment.
One more AskShot run under `python -X importtime` shows which imports happen
before the first paint and what they cost.

Budget (docs/architecture.md): at most 1.3× the bare window.
"""

from __future__ import annotations

import tempfile
from typing import Any

from bench.common import BenchResult, Figure, child_env, median, run_probe

REPEATS = 7
TARGET_RATIO = 1.3


def _profile_env(folder: str) -> dict[str, str]:
    return child_env(ASKSHOT_CONFIG_DIR=f"{folder}/config", ASKSHOT_DATA_DIR=f"{folder}/data")


def _once(mode: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="askshot-profile-") as folder:
        result, _ = run_probe([mode], _profile_env(folder))
        return result


def import_profile(top: int = 10) -> dict[str, Any]:
    """`-X importtime` of AskShot's start-up, cut at the first paint.

    Returns the top imports by cumulative time (each with its nesting depth)
    and by self time, and the total import time before the paint.
    """
    with tempfile.TemporaryDirectory(prefix="askshot-profile-") as folder:
        result, stderr = run_probe(
            ["app", "--marker"], _profile_env(folder), python_flags=["-X", "importtime"]
        )
    rows: list[tuple[int, int, int, str]] = []  # cumulative us, self us, depth, name
    for line in stderr.splitlines():
        if "askshot-bench: first paint" in line:
            break
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.split(":", 1)[1].split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        rows.append((int(cumulative), int(own), depth, name.strip()))
    by_cumulative = sorted(rows, reverse=True)[:top]
    by_self = sorted(rows, key=lambda r: r[1], reverse=True)[:top]
    return {
        "first_paint_ms": round(result["first_paint_s"] * 1000, 1),
        "modules_before_paint": len(rows),
        "import_ms_before_paint": round(sum(r[1] for r in rows) / 1000, 1),
        "top_cumulative": [
            {"module": n, "depth": d, "cumulative_ms": c / 1000, "self_ms": s / 1000}
            for c, s, d, n in by_cumulative
        ],
        "top_self": [{"module": n, "self_ms": s / 1000} for _, s, _, n in by_self],
    }


def run(repeats: int = REPEATS) -> BenchResult:
    out = BenchResult("startup")
    samples: dict[str, list[dict[str, Any]]] = {"app": [], "bare": []}
    for mode in samples:  # compiles and caches bytecode, warms the OS's file cache
        _once(mode)
    for index in range(repeats):
        order = ("app", "bare") if index % 2 else ("bare", "app")  # cancel drift
        for mode in order:
            samples[mode].append(_once(mode))
    paint = {m: [s["first_paint_s"] * 1000 for s in samples[m]] for m in samples}
    rss = {m: [s["peak_rss_bytes"] / 2**20 for s in samples[m]] for m in samples}
    app_ms, bare_ms = median(paint["app"]), median(paint["bare"])
    out.figures.append(
        Figure.compared(
            "startup",
            "spawn to first paint",
            app_ms,
            "ms",
            baseline=bare_ms,
            baseline_name="bare",
            target=f"≤ {TARGET_RATIO}× bare",
            ok=app_ms <= TARGET_RATIO * bare_ms,
        )
    )
    app_rss, bare_rss = median(rss["app"]), median(rss["bare"])
    out.figures.append(
        Figure.compared(
            "startup",
            "peak RSS at first paint",
            app_rss,
            "MB",
            baseline=bare_rss,
            baseline_name="bare",
            target="(informative)",
            ok=None,
        )
    )
    profile = import_profile()
    out.details = {
        "repeats": repeats,
        "first_paint_ms": {m: [round(v, 1) for v in paint[m]] for m in paint},
        "peak_rss_mb": {m: [round(v, 1) for v in rss[m]] for m in rss},
        "interpreter_ready_ms": {
            m: round(median([s["imported_s"] * 1000 for s in samples[m]]), 1) for m in samples
        },
        "importtime": profile,
    }
    return out


def report(result: BenchResult) -> None:
    """The details behind the two summary lines."""
    d = result.details
    print(f"start-up, {d['repeats']} repeats each, spawn to first painted frame (ms):")
    for mode, values in d["first_paint_ms"].items():
        print(f"  {mode:<5} {' '.join(f'{v:6.0f}' for v in values)}   median {median(values):.0f}")
    print(
        "  interpreter up and probe imported after "
        + ", ".join(f"{m} {v} ms" for m, v in d["interpreter_ready_ms"].items())
    )
    prof = d["importtime"]
    print(
        f"python -X importtime, AskShot up to its first paint ({prof['first_paint_ms']:.0f} ms "
        f"under importtime): {prof['modules_before_paint']} modules, "
        f"{prof['import_ms_before_paint']:.0f} ms importing"
    )
    print("  top 10 by cumulative time:")
    for row in prof["top_cumulative"]:
        name = "  " * row["depth"] + row["module"]
        print(f"    {row['cumulative_ms']:7.1f} ms  (self {row['self_ms']:5.1f})  {name}")
    print("  top 10 by self time:")
    for row in prof["top_self"]:
        print(f"    {row['self_ms']:7.1f} ms  {row['module']}")
