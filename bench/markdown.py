"""Print the README's "Performance" table from `bench/results/latest.json`.

    python -m bench.markdown

Paste the output over the table in README.md after a full `make bench`.
"""

from __future__ import annotations

import json
import sys

from bench.common import RESULTS_DIR, Figure, fmt


def table(payload: dict) -> str:
    info = payload["machine"]
    lines = [
        f"Measured {info['date']} on {info['cpus']} × {info['cpu']} ({info['platform']}), "
        f"Python {info['python']}, PySide6 {info['pyside6']}, offscreen Qt; "
        f"the suite took {payload['seconds']:.0f} s. Medians of 5–15 repeats.",
        "",
        "| Figure | AskShot | Baseline (same run) | Ratio | Target | |",
        "|---|---:|---:|---:|---|---|",
    ]
    for bench in payload["benches"]:
        for raw in bench["figures"]:
            f = Figure(**raw)
            base = f"{fmt(f.baseline, f.unit)} {f.baseline_name}" if f.baseline else "–"
            ratio = f"{f.ratio:.2f}×" if f.ratio is not None else "–"
            verdict = "" if f.ok is None else "ok" if f.ok else "**miss**"
            lines.append(
                f"| {f.bench}: {f.name} | {fmt(f.value, f.unit)} | {base} | {ratio} | "
                f"{f.target.replace('(informative)', 'info')} | {verdict} |"
            )
    return "\n".join(lines)


def main() -> int:
    path = RESULTS_DIR / "latest.json"
    if not path.exists():
        print(f"{path} does not exist yet: run `make bench` first.", file=sys.stderr)
        return 1
    print(table(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
