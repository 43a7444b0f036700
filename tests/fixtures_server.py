"""Pytest fixture for the fake OpenAI server; conftest imports `openai_server` from here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.openai_server import FakeOpenAI


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAI]:
    """A fresh fake OpenAI-compatible server on 127.0.0.1, closed after the test."""
    with FakeOpenAI() as server:
        yield server
