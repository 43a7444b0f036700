"""Run AskShot's benchmarks: `python -m bench [startup|stream|images|client|memory|ocr ...]`.

Without names all of them run, each in its own interpreter (so one's imports,
threads and heap cannot colour another's figures); the run ends with one line
per figure and writes `bench/results/latest.json`. Benchmarks print figures;
they never fail the build (the exit status is 0 unless a benchmark crashed).
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import RESULTS_DIR, ROOT, BenchResult, machine, print_table

BENCHES = ("startup", "stream", "images", "client", "memory", "ocr")


def _run_here(name: str, json_out: Path | None) -> BenchResult:
    """Run one benchmark in this process and print its details."""
    module = importlib.import_module(f"bench.{name}")
    print(f"=== {name} ===", flush=True)
    start = time.perf_counter()
    result: BenchResult = module.run()
    result.seconds = time.perf_counter() - start
    module.report(result)
    print(flush=True)
    if json_out is not None:
        json_out.write_text(json.dumps(result.to_json(), indent=1))
    return result


def _run_child(name: str) -> BenchResult | None:
    """Run one benchmark in a fresh interpreter; its details stream to our stdout."""
    with tempfile.TemporaryDirectory(prefix="askshot-bench-") as folder:
        out = Path(folder) / f"{name}.json"
        proc = subprocess.run(
            [sys.executable, "-m", "bench", name, "--json", str(out)], cwd=ROOT, check=False
        )
        if proc.returncode != 0 or not out.exists():
            print(f"!!! {name} crashed (exit {proc.returncode}); its figures are missing\n")
            return None
        return BenchResult.from_json(json.loads(out.read_text()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHES))
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)  # used by the runner
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    if args.json is not None:  # one benchmark for the runner
        _run_here(args.names[0], args.json)
        return 0

    names = args.names or list(BENCHES)
    info = machine()
    print(
        f"AskShot benchmarks, {info['date']}: {info['cpus']} × {info['cpu']}, "
        f"Python {info['python']}, PySide6 {info['pyside6']}, {info['platform']}\n",
        flush=True,
    )
    start = time.perf_counter()
    results = [r for r in map(_run_child, names) if r is not None]
    total = time.perf_counter() - start
    figures = [f for r in results for f in r.figures]
    print(f"=== summary ({total:.0f} s) ===")
    print_table(figures)
    RESULTS_DIR.mkdir(exist_ok=True)
    target = RESULTS_DIR / ("latest.json" if not args.names else f"{'-'.join(names)}.json")
    payload = {
        "machine": info,
        "seconds": round(total, 1),
        "benches": [r.to_json() for r in results],
    }
    target.write_text(json.dumps(payload, indent=1))
    print(f"\nwritten to {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
