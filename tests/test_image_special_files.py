"""`-i PATH` on something that is not a regular file is refused at once, not waited on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.images import prepare_image
from tests.cli_helpers import askshot
from tests.image_factory import screenshot
from tests.openai_scenarios import Scenario
from tests.openai_server import FakeOpenAI

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


def test_a_fifo_is_refused_at_once(tmp_path: Path, openai_server: FakeOpenAI) -> None:
    fifo = tmp_path / "shot.png"
    os.mkfifo(fifo)

    # Nothing ever writes to the FIFO: before the fix this waited forever.
    run = askshot("ask", "-i", str(fifo), "--base-url", openai_server.base_url, "hi", timeout=20)

    assert run.code == ErrorKind.BAD_INPUT.exit_code, run.err
    assert "is not a regular file" in run.err and "-i -" in run.err
    assert "Traceback" not in run.err
    assert openai_server.requests == []


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused(path: str) -> None:
    if not Path(path).exists():
        pytest.skip(f"no {path}")
    with pytest.raises(AppError) as caught:
        prepare_image(Path(path), "gpt-4o-mini", "auto")
    assert caught.value.kind is ErrorKind.BAD_INPUT
    assert "is not a regular file" in caught.value.message


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AppError) as caught:
        prepare_image(tmp_path, "gpt-4o-mini", "auto")
    assert caught.value.kind is ErrorKind.BAD_INPUT
    assert "is a folder" in caught.value.message


def test_stdin_still_works(tmp_path: Path, openai_server: FakeOpenAI) -> None:
    path = tmp_path / "shot.png"
    screenshot(640, 360).save(path)
    openai_server.push(Scenario(text="A screenshot."))

    run = askshot(
        "ask", "-i", "-", "--base-url", openai_server.base_url, "what?", stdin=path.read_bytes()
    )

    assert run.code == 0, run.err
    assert len(openai_server.requests[-1].images()) == 1
