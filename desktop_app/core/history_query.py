"""Read-only questions to the history: full-text search and spend per day, month, model, provider.

Search input is what a person typed, so it is turned into quoted FTS5 terms
and can never be a syntax error.
"""

from __future__ import annotations

import re
import sqlite3

from desktop_app.core.history_models import ModelSpend, SearchHit, SpendGroup, SpendGrouping

_TERM = re.compile(r'"([^"]*)("?)|([^\s"]+)')


def fts_query(text: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query, or None if nothing is searchable.

    Every word becomes a quoted prefix term (`"word"*`), "quoted text" an exact
    phrase (a quote still open, as while typing, a prefix phrase), all ANDed.
    FTS5 operators (AND, OR, NOT, NEAR, `-`, `*`, `^`, `column:`) and
    unbalanced quotes are taken literally, never as syntax.
    """
    parts: list[str] = []
    for match in _TERM.finditer(text):
        phrase, closed, word = match.groups()
        if phrase is not None:
            if any(ch.isalnum() for ch in phrase):
                parts.append(f'"{phrase}"' if closed else f'"{phrase}"*')
        elif word is not None:
            word = word.lstrip("-+^").rstrip("*")
            if any(ch.isalnum() for ch in word):
                parts.append(f'"{word}"*')
    return " ".join(parts) or None


def search(
    conn: sqlite3.Connection, text: str, limit: int, marks: tuple[str, str]
) -> list[SearchHit]:
    """Title matches first, then message matches, best first; deleted conversations skipped."""
    query = fts_query(text)
    if query is None or limit <= 0:
        return []
    start, end = marks
    hits = [
        SearchHit(row[0], row[1], None, row[2])
        for row in conn.execute(
            "SELECT c.id, c.title, highlight(conversations_fts, 0, ?, ?) "
            "FROM conversations_fts JOIN conversations c ON c.id = conversations_fts.rowid "
            "WHERE conversations_fts MATCH ? AND c.deleted_at IS NULL "
            "ORDER BY conversations_fts.rank, c.updated_at DESC LIMIT ?",
            (start, end, query, limit),
        )
    ]
    hits += [
        SearchHit(row[0], row[1], row[2], row[3])
        for row in conn.execute(
            "SELECT c.id, c.title, m.id, snippet(messages_fts, 0, ?, ?, '…', 12) "
            "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
            "JOIN conversations c ON c.id = m.conversation_id "
            "WHERE messages_fts MATCH ? AND c.deleted_at IS NULL "
            "ORDER BY messages_fts.rank, m.id DESC LIMIT ?",
            (start, end, query, limit - len(hits)),
        )
    ]
    return hits


# What each grouping groups by; days and months are the user's local calendar.
_GROUP_KEYS: dict[SpendGrouping, str] = {
    "day": "date(created_at, 'localtime')",
    "month": "strftime('%Y-%m', created_at, 'localtime')",
    "model": "COALESCE(model, 'unknown')",
    "provider": "COALESCE(provider, 'unknown')",
}
# An answer counts if it reached the server: failed ones only when they reported usage or a cost.
_COUNTED = (
    "role = 'assistant' AND created_at >= ? "
    "AND (status != 'error' OR input_tokens IS NOT NULL OR cost_usd IS NOT NULL)"
)


def spend_by(conn: sqlite3.Connection, grouping: SpendGrouping, since_iso: str) -> list[SpendGroup]:
    """Answers created at or after `since_iso`, grouped: days and months newest first,
    models and providers costliest first. Answers from before providers were recorded
    group under "unknown"."""
    key = _GROUP_KEYS[grouping]
    order = "1 DESC" if grouping in ("day", "month") else "6 DESC, 1"
    rows = conn.execute(
        f"SELECT {key}, COUNT(*), TOTAL(input_tokens), TOTAL(cached_tokens), "  # noqa: S608
        "TOTAL(output_tokens), TOTAL(cost_usd), SUM(cost_usd IS NULL) FROM messages "
        f"WHERE {_COUNTED} GROUP BY 1 ORDER BY {order}",  # fixed SQL, no user input
        (since_iso,),
    )
    return [
        SpendGroup(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), float(r[5]), int(r[6]))
        for r in rows
    ]


def spend(conn: sqlite3.Connection, since_iso: str) -> list[ModelSpend]:
    """Answers created at or after `since_iso`, grouped by model, costliest first."""
    return [
        ModelSpend(
            g.key,
            g.requests,
            g.input_tokens,
            g.cached_tokens,
            g.output_tokens,
            g.cost_usd,
            g.unpriced,
        )
        for g in spend_by(conn, "model", since_iso)
    ]
