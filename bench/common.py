"""What every benchmark shares: a figure, medians, child processes, the machine, the table.

A figure is one number measured against a baseline taken in the same run (the
same process or the same `make bench`), as a median of several repeats, so a
shared, noisy machine shifts both sides alike.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
# Measured children keep compiled bytecode here (git-ignored), as an installed app has
# it: with PYTHONDONTWRITEBYTECODE=1, as on this machine, every start would compile
# AskShot's modules from source again.
PYCACHE_DIR = RESULTS_DIR / "pycache"


@dataclass
class Figure:
    """One summary line: a value, the same-run baseline it is compared with, and the target."""

    bench: str
    name: str
    value: float
    unit: str
    target: str  # as printed, e.g. "≤ 1.3× bare"
    ok: bool | None  # None: informative, no target
    baseline: float | None = None
    baseline_name: str = ""
    ratio: float | None = None  # value / baseline
    note: str = ""

    @classmethod
    def compared(
        cls,
        bench: str,
        name: str,
        value: float,
        unit: str,
        *,
        baseline: float | None,
        baseline_name: str,
        target: str,
        ok: bool | None,
        note: str = "",
    ) -> Figure:
        ratio = value / baseline if baseline else None
        return cls(bench, name, value, unit, target, ok, baseline, baseline_name, ratio, note)


@dataclass
class BenchResult:
    """What one benchmark hands to the runner: its figures and the details behind them."""

    bench: str
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "bench": self.bench,
            "seconds": round(self.seconds, 1),
            "figures": [asdict(f) for f in self.figures],
            "details": self.details,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BenchResult:
        return cls(
            data["bench"],
            [Figure(**f) for f in data["figures"]],
            data.get("details", {}),
            data.get("seconds", 0.0),
        )


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: a stall either happened or not)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def fmt(value: float | None, unit: str = "") -> str:
    """A number short enough for the summary table."""
    if value is None:
        return "-"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    text = f"{value:,.{digits}f}"
    return f"{text}{unit}" if unit == "×" else f"{text} {unit}".strip()


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a measured child: offscreen Qt, cached bytecode, no user's key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ASKSHOT_"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE_DIR)
    env.update(extra)
    return env


def run_probe(
    args: Sequence[str],
    env: dict[str, str],
    *,
    timeout: float = 60.0,
    python_flags: Sequence[str] = (),
) -> tuple[dict[str, Any], str]:
    """Run `bench/window_probe.py ARGS` in a fresh interpreter; return its JSON and stderr.

    The probe's clock starts at spawn: it gets the parent's `perf_counter()`
    (CLOCK_MONOTONIC, shared by all processes on Linux) just before the fork.
    """
    with tempfile.TemporaryDirectory(prefix="askshot-bench-") as folder:
        out = Path(folder) / "result.json"
        command = [sys.executable, *python_flags, str(BENCH_DIR / "window_probe.py")]
        spawned = time.perf_counter()
        proc = subprocess.run(
            [*command, *args, "--spawned", repr(spawned), "--out", str(out)],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(
                f"window probe {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
            )
        return json.loads(out.read_text()), proc.stderr


def machine() -> dict[str, str]:
    """Where the figures were measured (the README table names it)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version

        pyside = version("PySide6-Essentials")
    except Exception:
        pyside = "?"
    return {
        "date": time.strftime("%Y-%m-%d"),
        "cpus": str(os.cpu_count() or "?"),
        "cpu": cpu,
        "python": platform.python_version(),
        "pyside6": pyside,
        "platform": f"{platform.system()} {platform.release()}",
    }


def print_table(figures: Sequence[Figure]) -> None:
    """One line per figure: value, baseline, ratio, target, verdict."""
    header = f"{'figure':<44} {'value':>11} {'baseline':>24} {'ratio':>7}  {'target':<22} ok"
    print(header)
    print("-" * len(header))
    for f in figures:
        base = f"{fmt(f.baseline, f.unit)} {f.baseline_name}".strip() if f.baseline else "-"
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None else "-"
        verdict = "-" if f.ok is None else "ok" if f.ok else "MISS"
        label = f"{f.bench}: {f.name}"
        value = fmt(f.value, f.unit)
        print(f"{label:<44} {value:>11} {base:>24} {ratio:>7}  {f.target:<22} {verdict}")
