"""The left pane: conversations newest first, full-text search, new/rename/delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from desktop_app.core.history import History

ID_ROLE = Qt.ItemDataRole.UserRole
UNDO_SECONDS = 10


class _ElidingDelegate(QStyledItemDelegate):
    """Rows as wide as the list, so a long title ends in "…" instead of a scroll bar."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(1, super().sizeHint(option, index).height())


class ConversationList(QWidget):
    """Lists conversations from history and lets the user pick, rename or delete one.

    Deleting is a soft delete with an Undo bar for a few seconds.

    Signals:
        conversation_selected(int): the user picked a conversation.
        conversation_deleted(int): a conversation was (soft-)deleted.
    """

    conversation_selected = Signal(int)
    conversation_deleted = Signal(int)

    def __init__(self, history: History, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._history = history
        self._current: int | None = None
        self._pending_delete: int | None = None

        self.search = QLineEdit(placeholderText="Search conversations")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_changed)
        self._search_timer = QTimer(self, singleShot=True, interval=200)
        self._search_timer.timeout.connect(self.refresh)

        self.list = QListWidget()
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setItemDelegate(_ElidingDelegate(self.list))
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._on_list_context_menu)
        self.list.itemActivated.connect(self._on_item_activated)
        self.list.itemClicked.connect(self._on_item_activated)

        self._rename_action = QAction("Rename…", self, shortcut=QKeySequence(Qt.Key.Key_F2))
        self._rename_action.triggered.connect(self.rename_selected)
        self._delete_action = QAction(
            "Delete", self, shortcut=QKeySequence(QKeySequence.StandardKey.Delete)
        )
        self._delete_action.triggered.connect(self.delete_selected)
        for action in (self._rename_action, self._delete_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.list.addAction(action)

        self.empty_label = QLabel("No conversations yet.")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setEnabled(False)

        self.undo_bar = QWidget()
        undo_layout = QHBoxLayout(self.undo_bar)
        undo_layout.setContentsMargins(0, 0, 0, 0)
        self._undo_label = QLabel("Conversation deleted.")
        self.undo_button = QPushButton("Undo")
        self.undo_button.clicked.connect(self.undo_delete)
        undo_layout.addWidget(self._undo_label, 1)
        undo_layout.addWidget(self.undo_button)
        self.undo_bar.hide()
        self._undo_timer = QTimer(self, singleShot=True, interval=UNDO_SECONDS * 1000)
        self._undo_timer.timeout.connect(self._on_undo_expired)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.undo_bar)
        self.refresh()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    @Slot()
    def refresh(self) -> None:
        """Reload from history, keeping the current conversation selected."""
        query = self.search.text().strip()
        self.list.clear()
        if query:
            seen: set[int] = set()
            for hit in self._history.search(query):
                if hit.conversation_id in seen:
                    continue
                seen.add(hit.conversation_id)
                self._add_item(hit.conversation_id, hit.title, hit.snippet)
        else:
            for conversation in self._history.conversations():
                self._add_item(conversation.id, conversation.title, None)
        self.empty_label.setVisible(self.list.count() == 0)
        self.empty_label.setText("Nothing found." if query else "No conversations yet.")
        self.select(self._current, emit=False)

    def _add_item(self, conv_id: int, title: str, snippet: str | None) -> None:
        item = QListWidgetItem(title or "Untitled")
        item.setData(ID_ROLE, conv_id)
        item.setToolTip(snippet or title or "Untitled")
        self.list.addItem(item)

    def select(self, conv_id: int | None, *, emit: bool = True) -> None:
        self._current = conv_id
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(ID_ROLE) == conv_id:
                self.list.setCurrentItem(item)
                break
        else:
            self.list.setCurrentRow(-1)  # no current item either: F2/Delete act on nothing
        if emit and conv_id is not None:
            self.conversation_selected.emit(conv_id)

    def selected_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(ID_ROLE))

    @Slot(QListWidgetItem)
    def _on_item_activated(self, item: QListWidgetItem) -> None:
        conv_id = int(item.data(ID_ROLE))
        if conv_id != self._current:
            self._current = conv_id
            self.conversation_selected.emit(conv_id)

    @Slot(str)
    def _on_search_changed(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def rename_selected(self) -> None:
        conv_id = self.selected_id()
        if conv_id is None:
            return
        conversation = self._history.conversation(conv_id)
        title, ok = QInputDialog.getText(
            self, "Rename conversation", "Title:", text=conversation.title if conversation else ""
        )
        if ok and title.strip():
            self._history.rename_conversation(conv_id, title.strip())
            self.refresh()

    @Slot()
    def delete_selected(self) -> None:
        conv_id = self.selected_id()
        if conv_id is None:
            return
        self._on_undo_expired()  # an earlier pending delete becomes final
        self._history.delete_conversation(conv_id)
        self._pending_delete = conv_id
        if self._current == conv_id:
            self._current = None
        self.undo_bar.show()
        self._undo_timer.start()
        self.refresh()
        self.conversation_deleted.emit(conv_id)

    @Slot()
    def undo_delete(self) -> None:
        if self._pending_delete is None:
            return
        conv_id, self._pending_delete = self._pending_delete, None
        self._history.undelete_conversation(conv_id)
        self._undo_timer.stop()
        self.undo_bar.hide()
        self._current = conv_id
        self.refresh()
        self.conversation_selected.emit(conv_id)

    @Slot()
    def _on_undo_expired(self) -> None:
        self._pending_delete = None
        self.undo_bar.hide()

    def _on_list_context_menu(self, pos) -> None:
        if self.list.itemAt(pos) is None:
            return
        menu = QMenu(self)
        menu.addAction(self._rename_action)
        menu.addAction(self._delete_action)
        menu.exec(self.list.viewport().mapToGlobal(pos))
