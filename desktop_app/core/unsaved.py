"""Answers the history could not take (disk full, database locked) wait here.

When the final write of an answer fails, it is kept as a small private JSON
file beside the history and written again the next time the history opens,
so an answer that was printed or shown is never lost and its cost is counted.
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import suppress
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import AppError
from desktop_app.core.events import Usage

if TYPE_CHECKING:
    from desktop_app.core.history import History

log = logging.getLogger(__name__)
FOLDER = "unsaved"


def folder(history_path: Path) -> Path:
    return history_path.parent / FOLDER


def keep(history_path: Path, answer_id: int, fields: dict[str, Any]) -> str | None:
    """Write the answer's fields aside; return the file's path, or None if that failed too."""
    record = dict(fields)
    usage = record.get("usage")
    record["usage"] = asdict(usage) if isinstance(usage, Usage) else None
    record["answer_id"] = answer_id
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
    target = folder(history_path) / f"answer-{answer_id}-{stamp}.json"
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        with suppress(OSError):
            target.unlink()
        return None
    return str(target)


def replay(history: History) -> int:
    """Write every answer kept aside into the history; return how many were written."""
    written = 0
    for path in sorted(folder(history.path).glob("answer-*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            answer_id = int(record.pop("answer_id"))
            usage = record.get("usage")
            record["usage"] = Usage(**usage) if isinstance(usage, dict) else None
            history.finish_answer(answer_id, **record)
        except AppError:
            return written  # still refused: try again next time
        except (OSError, ValueError, TypeError, KeyError):
            log.warning("An unreadable kept answer was left as it is: %s", path)
            continue
        path.unlink(missing_ok=True)
        written += 1
    return written
