"""The fake OpenAI server in its own process, so its work does not share our GIL.

    python -m bench.serve_fake CHUNKS

Every request gets a normal streamed answer of CHUNKS content deltas. Prints
the base URL on one line, then serves until stdin closes.
"""

from __future__ import annotations

import sys

from tests.openai_server import FakeOpenAI, Scenario


def main() -> int:
    chunks = int(sys.argv[1])
    with FakeOpenAI() as server:
        server.default = Scenario(chunks=chunks)
        print(server.base_url, flush=True)
        sys.stdin.read()  # the parent closes our stdin when it is done
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
