"""Versions of answers and questions: regenerate, retry and edit add, never delete.

An answer names the question it answers (`reply_to`); an edited question names
the one it replaces (`edit_of`). Exactly one version of each is `active`, the
one the conversation shows; the others wait to be paged back to.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence


def edit_chain(conn: sqlite3.Connection, question_id: int) -> list[int]:
    """Every version of a question: the one it edits, those editing it, and so on."""
    seen = {question_id}
    frontier = [question_id]
    while frontier:
        marks = ",".join("?" * len(frontier))
        rows = conn.execute(
            f"SELECT id, edit_of FROM messages WHERE id IN ({marks}) "  # noqa: S608
            f"OR edit_of IN ({marks})",
            (*frontier, *frontier),
        ).fetchall()
        frontier = []
        for found_id, edits in rows:
            for found in (found_id, edits):
                if found is not None and found not in seen:
                    seen.add(found)
                    frontier.append(found)
    return sorted(seen)


def activate(conn: sqlite3.Connection, message_id: int) -> None:
    """Show this version and hide its siblings (inside the caller's write transaction).

    An answer replaces the other answers to its question, and brings its
    question back if that was an edit waiting for it; a question replaces the
    other versions of itself, and their answers leave with them.
    """
    row = conn.execute("SELECT role, reply_to FROM messages WHERE id = ?", (message_id,)).fetchone()
    if row is None:
        return
    role, reply_to = row
    if role == "assistant":
        conn.execute(
            "UPDATE messages SET active = (id = ?) WHERE role = 'assistant' AND reply_to = ?",
            (message_id, reply_to),
        )
        question = reply_to
    else:
        question = message_id
    if question is None:
        return
    chain = edit_chain(conn, question)
    marks = ",".join("?" * len(chain))
    conn.execute(
        f"UPDATE messages SET active = (id = ?) WHERE id IN ({marks})",  # noqa: S608
        (question, *chain),
    )
    others = [m for m in chain if m != question]
    if others:
        marks = ",".join("?" * len(others))
        conn.execute(
            f"UPDATE messages SET active = 0 WHERE reply_to IN ({marks})",  # noqa: S608
            others,
        )
    if role == "user":
        # The question's newest answer comes back with it, unless one is shown.
        conn.execute(
            "UPDATE messages SET active = 1 WHERE id = (SELECT MAX(id) FROM messages "
            "WHERE reply_to = ?) AND NOT EXISTS (SELECT 1 FROM messages WHERE "
            "reply_to = ? AND active = 1)",
            (question, question),
        )


def places(rows: Sequence[sqlite3.Row]) -> dict[int, tuple[int, int]]:
    """(n, of) per message id: its place among the answers to one question or its edits."""
    groups: dict[tuple[str, int], list[int]] = {}
    root: dict[int, int] = {}
    for row in rows:  # ordered by id, so an edit comes after what it edits
        if row["role"] == "assistant" and row["reply_to"] is not None:
            groups.setdefault(("a", row["reply_to"]), []).append(row["id"])
        elif row["role"] == "user":
            first = root.get(row["edit_of"], row["id"]) if row["edit_of"] else row["id"]
            root[row["id"]] = first
            groups.setdefault(("q", first), []).append(row["id"])
    return {
        message_id: (index + 1, len(ids))
        for ids in groups.values()
        for index, message_id in enumerate(ids)
    }


def in_thread_order(rows: Sequence[sqlite3.Row]) -> list[sqlite3.Row]:
    """Rows (ordered by id) as the conversation reads: each answer after its question.

    A new version is written later than what follows its original, so id
    order alone would put a regenerated early answer at the end.
    """
    root: dict[int, int] = {}
    for row in rows:
        if row["role"] == "user":
            edits = row["edit_of"]
            root[row["id"]] = root.get(edits, edits) if edits else row["id"]

    def key(row: sqlite3.Row) -> tuple[int, int, int]:
        if row["role"] == "assistant" and row["reply_to"] is not None:
            return (root.get(row["reply_to"], row["reply_to"]), 1, row["id"])
        return (root.get(row["id"], row["id"]), 0, row["id"])

    return sorted(rows, key=key)
