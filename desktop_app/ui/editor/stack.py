"""The editor's state and its undo history: plain Python, so it is easy to test.

A state is the edits the user made plus the redactions the finder proposed;
every change pushes a new state, so undo and redo are list moves. Boxes are in
the full-size image's pixels, whatever the zoom on screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop_app.core.image_edits import Edit


@dataclass(frozen=True)
class EditorState:
    edits: tuple[Edit, ...] = ()
    proposals: tuple[Edit, ...] = ()  # redactions the finder proposed, not yet accepted


@dataclass
class EditStack:
    """Edits with undo and redo; a crop replaces the previous one (there is one frame)."""

    _past: list[EditorState] = field(default_factory=lambda: [EditorState()])
    _future: list[EditorState] = field(default_factory=list)

    @property
    def state(self) -> EditorState:
        return self._past[-1]

    @property
    def edits(self) -> tuple[Edit, ...]:
        return self.state.edits

    @property
    def proposals(self) -> tuple[Edit, ...]:
        return self.state.proposals

    def crop(self) -> Edit | None:
        return next((edit for edit in self.edits if edit.kind == "crop"), None)

    def can_undo(self) -> bool:
        return len(self._past) > 1

    def can_redo(self) -> bool:
        return bool(self._future)

    def add(self, edit: Edit) -> None:
        edits = self.edits
        if edit.kind == "crop":
            edits = tuple(e for e in edits if e.kind != "crop")
        self._push(EditorState((*edits, edit), self.proposals))

    def propose(self, proposals: list[Edit]) -> None:
        """Show the finder's boxes (replacing earlier ones); undo hides them again."""
        self._push(EditorState(self.edits, tuple(proposals)))

    def accept_proposals(self) -> int:
        """Turn every proposal into a redaction, in one undo step; returns how many."""
        count = len(self.proposals)
        if count:
            self._push(EditorState((*self.edits, *self.proposals), ()))
        return count

    def undo(self) -> bool:
        if not self.can_undo():
            return False
        self._future.append(self._past.pop())
        return True

    def redo(self) -> bool:
        if not self._future:
            return False
        self._past.append(self._future.pop())
        return True

    def _push(self, state: EditorState) -> None:
        self._past.append(state)
        self._future.clear()
