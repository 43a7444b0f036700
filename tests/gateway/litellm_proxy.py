"""Start and stop the LiteLLM proxy (from .venv-litellm) in front of the fake OpenAI server.

Everything stays on 127.0.0.1: the proxy listens there, its only upstream is the fake
server there, the cost map is the bundled one, telemetry and callbacks are off, proxy
variables are dropped, and it runs in an empty folder so it reads no stray `.env`.

Standalone (used by the network-closed check): `python -m tests.gateway.litellm_proxy`
starts a fake server and the proxy, streams one answer through it, prints a JSON
summary and stops both.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
LITELLM = ROOT / ".venv-litellm" / "bin" / "litellm"
CONFIG = ROOT / "tests" / "gateway" / "litellm.yaml"
GATEWAY_KEY = "sk-gateway.test-4f1c2b9d8e7a"  # the proxy's master key (fake)
UPSTREAM_KEY = "sk-upstream.test-9d8e7a6b5c"  # what the proxy sends to the fake server (fake)
READY_SECONDS = 90.0  # a cold start on a busy 2-core machine takes 4-15 s


def missing_reason() -> str | None:
    """Why the proxy cannot run here, or None."""
    if not LITELLM.exists() or not any(LITELLM.parent.parent.glob(".litellm-*")):
        return (
            f"the LiteLLM proxy is not installed in {LITELLM.parent.parent}; "
            "run packaging/litellm-venv.sh"
        )
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Proxy:
    """One `litellm --config` process; `stop()` ends it by its PID."""

    def __init__(self, upstream_base_url: str, log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.log_path = log_path
        self._workdir = tempfile.TemporaryDirectory(prefix="askshot-litellm-")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.lower().endswith("_proxy") and not k.startswith(("OPENAI_", "LITELLM_"))
        }
        env.update(
            ASKSHOT_UPSTREAM_BASE=upstream_base_url,
            ASKSHOT_UPSTREAM_KEY=UPSTREAM_KEY,
            ASKSHOT_GATEWAY_KEY=GATEWAY_KEY,
            LITELLM_LOCAL_MODEL_COST_MAP="True",  # never fetch the price list
            NO_PROXY="127.0.0.1,localhost",
            HOME=self._workdir.name,
        )
        self._log: IO[bytes] = open(log_path, "wb")  # noqa: SIM115  (closed in stop())
        argv = [str(LITELLM), "--config", str(CONFIG), "--host", "127.0.0.1"]
        argv += ["--port", str(self.port), "--telemetry", "False"]
        self.process = subprocess.Popen(
            argv,
            cwd=self._workdir.name,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = READY_SECONDS) -> float:
        """Seconds until `/v1/models` lists the routed model; raises with the log when not."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"litellm exited with {self.process.returncode}: {self.log()}")
            try:
                models = self.get("/models")
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)  # polling a process that is still starting: nothing to wait on
                continue
            if "gpt-4o-mini" in [m.get("id") for m in models.get("data", [])]:
                return time.monotonic() - start
            raise RuntimeError(f"litellm lists no gpt-4o-mini: {models}")
        raise RuntimeError(f"litellm was not ready within {timeout:g} s: {self.log()}")

    def get(self, path: str) -> Any:
        request = urllib.request.Request(  # noqa: S310  (127.0.0.1 only)
            self.base_url + path, headers={"authorization": f"Bearer {GATEWAY_KEY}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return json.loads(response.read())

    def log(self, tail: int = 2000) -> str:
        self._log.flush()
        return self.log_path.read_text("utf-8", "replace")[-tail:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()
        self._workdir.cleanup()


def _stream_once(base_url: str) -> dict[str, Any]:
    body = {
        "model": "gpt-4o-mini",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": "hello"}],
    }
    request = urllib.request.Request(  # noqa: S310  (127.0.0.1 only)
        base_url + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"authorization": f"Bearer {GATEWAY_KEY}", "content-type": "application/json"},
    )
    text = ""
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        for line in response:
            data = line.decode().strip().removeprefix("data: ")
            if data.startswith("{"):
                for choice in json.loads(data).get("choices") or ():
                    text += (choice.get("delta") or {}).get("content") or ""
    return {"text": text}


def main() -> int:
    from tests.openai_server import FakeOpenAI, Scenario

    reason = missing_reason()
    if reason:
        print(json.dumps({"skipped": reason}))
        return 0
    with FakeOpenAI(api_key=UPSTREAM_KEY) as fake, tempfile.TemporaryDirectory() as tmp:
        fake.push(Scenario(text="Offline and fine."))
        proxy = Proxy(fake.base_url, Path(tmp) / "litellm.log")
        try:
            ready = proxy.wait_ready()
            result = {"ready_seconds": round(ready, 2), **_stream_once(proxy.base_url)}
        except Exception as exc:
            result = {"error": str(exc)}
        finally:
            proxy.stop()
        result["upstream_requests"] = len(fake.requests)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
