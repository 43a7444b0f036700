"""Run the real `askshot` command in a child process with a throw-away profile."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_KEY = "sk-test.0123456789abcdefghij0123456789"  # fake


@dataclass
class Run:
    code: int
    out: str
    err: str


def askshot(
    *args: str,
    stdin: bytes | None = None,
    key: str | None = TEST_KEY,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> Run:
    """`askshot ARGS` as a user would run it; config and data come from the test's env."""
    child_env = dict(os.environ)
    child_env.pop("OPENAI_API_KEY", None)
    if key is not None:
        child_env["OPENAI_API_KEY"] = key
    child_env["PYTHONPATH"] = str(ROOT)
    child_env.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        input=stdin,
        capture_output=True,
        env=child_env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    return Run(
        result.returncode,
        result.stdout.decode("utf-8", "replace"),
        result.stderr.decode("utf-8", "replace"),
    )


def start_askshot(*args: str, key: str | None = TEST_KEY) -> subprocess.Popen[bytes]:
    """`askshot ARGS` left running with stdout and stderr piped, to read and signal it."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("OPENAI_API_KEY", None)
    if key is not None:
        env["OPENAI_API_KEY"] = key
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
