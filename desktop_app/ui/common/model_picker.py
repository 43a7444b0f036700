"""Choose a model from the provider's catalogue: searchable, vision first, priced per 1M tokens.

The cached catalogue shows at once; a fresh one is fetched on a worker (the GUI
thread never waits on the network) and replaces it when it arrives. A provider
without `/models` says so, and the search field still takes a typed model id.
Also here: the question asked before images go to a model that reads text only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sized
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import AppError
from desktop_app.core.model_text import age_text, context_text, price_text, text_only_warning
from desktop_app.core.models import context_window
from desktop_app.core.pricing import Price, price_for
from desktop_app.ui.common import workers
from desktop_app.ui.common.workers import Worker

if TYPE_CHECKING:
    from desktop_app.context import Services
    from desktop_app.core.catalogue import Catalogue, ModelInfo
    from desktop_app.core.settings import ProviderProfile

log = logging.getLogger(__name__)

WORKER_NAME = "model-catalogue"
COLUMNS = ("Model", "Images", "Context", "Price per 1M tokens (in / out)")
SEES_IMAGES = "sees images"
TEXT_ONLY = "text only"
ID_ROLE = Qt.ItemDataRole.UserRole


def confirm_images(parent: QWidget, services: Services, attachments: Callable[[], Sized]) -> bool:
    """Ask before images go to a text-only model; True to send (also when nothing to ask).

    The model is the active profile's (what the request sends), judged by its cached
    catalogue; `attachments` gives what the composer holds now.
    """
    try:
        profile = services.resolve_profile()
    except AppError:
        return True  # no usable profile: sending reports that itself
    warning = text_only_warning(
        profile.model, services.cached_catalogue(profile), len(attachments())
    )
    if warning is None:
        return True
    answer = QMessageBox.question(
        parent,
        "This model reads text only",
        warning,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


def use_model(services: Services, model: str) -> str | None:
    """Make `model` the active profile's and save; a sentence when it could not be saved.

    A model family maps the old alias only, so it goes when the model changes.
    """
    settings = services.settings
    old = settings.active_profile()
    family = "" if model != old.model else None
    settings.update_profile(old.name, model=model, model_family=family)
    try:
        services.save_settings()
    except AppError as error:  # kept for this run
        return f"{error.text()} The model is used until AskShot quits."
    return None


def chosen_text(services: Services, image_count: int) -> str:
    """The status line after a pick: where questions go, or why the images will not be seen."""
    profile = services.resolve_profile(require_complete=False)
    catalogue = services.cached_catalogue(profile)
    warning = text_only_warning(profile.model, catalogue, image_count, short=True)
    return warning or f"New questions go to {profile.model}."


# -- the picker -----------------------------------------------------------------------------
def pending() -> int:
    """Catalogue fetches still running (a closed picker's included)."""
    return len(workers.running(WORKER_NAME))


def wait_for_pending(timeout_ms: int | None = None) -> bool:
    return all(worker.wait(timeout_ms) for worker in workers.running(WORKER_NAME))


class ModelPicker(QDialog):
    """A searchable list of the provider's models; Enter picks the highlighted one.

    With nothing highlighted (no match, or no catalogue), Enter picks the typed id.

    Signals:
        model_chosen(str): the user picked this model id.
        catalogue_loaded(): a fresh catalogue arrived and is shown.
        fetch_failed(str): fetching failed; the sentence shown.
    """

    model_chosen = Signal(str)
    catalogue_loaded = Signal()
    fetch_failed = Signal(str)

    def __init__(
        self,
        provider: str,
        current: str,
        *,
        cached: Catalogue | None,
        fetch: Callable[[], Catalogue] | None,
        overrides: Mapping[str, Price] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Choose a model — {provider}")
        self._provider = provider
        self._current = current
        self._fetch = fetch
        self._overrides = dict(overrides or {})
        self._catalogue: Catalogue | None = None
        self._worker: Worker | None = None
        self._chosen = False
        self._problem: str | None = None

        self.search = QLineEdit()
        self.search.setAccessibleName("Search models or type a model id")
        self.search.setPlaceholderText("Search models, or type a model id and press Enter")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self.choose)
        self.search.installEventFilter(self)

        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Models")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing stays in the search field
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemActivated.connect(self._on_tree_item_activated)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Fetch the provider's model list again.")
        self.refresh_button.clicked.connect(self.refresh)
        self.refresh_button.setEnabled(fetch is not None)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.choose_button = QPushButton("Use model")
        self.choose_button.clicked.connect(self.choose)
        for button in (self.refresh_button, cancel, self.choose_button):
            button.setAutoDefault(False)  # Enter belongs to the search field
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.choose_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        em = self.fontMetrics().horizontalAdvance("M")
        self.resize(em * 52, self.fontMetrics().height() * 28)

        self.show_catalogue(cached)
        if cached is None and fetch is None:
            self._set_status("No model list is available; type a model id and press Enter.")

    # -- contents ----------------------------------------------------------------------
    def catalogue(self) -> Catalogue | None:
        return self._catalogue

    def show_catalogue(self, catalogue: Catalogue | None) -> None:
        """Fill the list (vision first), keep the filter, highlight the current model."""
        self._catalogue = catalogue
        self.tree.clear()
        if catalogue is None:
            return
        prices = catalogue.prices()
        items = []
        for info in catalogue.sorted_for_picker():
            items.append(self._item(info, price_for(info.id, self._overrides, prices)))
        self.tree.addTopLevelItems(items)
        self._apply_filter()
        self._problem = None
        self._set_status(self._describe())
        if self.isVisible():  # a longer list than the cached one may need more room
            screen = self.screen().availableGeometry()
            width = min(self.wanted_width(), screen.width() * 9 // 10)
            if width > self.width():
                self.resize(width, self.height())

    def _item(self, info: ModelInfo, price: Price | None) -> QTreeWidgetItem:
        vision = {True: SEES_IMAGES, False: TEXT_ONLY, None: ""}[info.vision]
        context = info.context_length or context_window(info.id)
        item = QTreeWidgetItem([info.id, vision, context_text(context), price_text(price)])
        item.setData(0, ID_ROLE, info.id)
        tip = info.name or info.id
        if info.vision is None:
            item.setToolTip(1, "The catalogue does not say whether this model reads images.")
        item.setToolTip(0, tip)
        if info.id == self._current:
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            item.setText(0, f"{info.id}  (in use)")
        for column in (2, 3):
            item.setTextAlignment(
                column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
        return item

    def _describe(self) -> str:
        catalogue = self._catalogue
        if catalogue is None:
            return ""
        count = len(catalogue.models)
        models = "1 model" if count == 1 else f"{count} models"
        text = f"{self._provider} lists {models} (fetched {age_text(catalogue.fetched_at)})."
        if not catalogue.has_prices:
            text += " Prices are AskShot's built-in table where it knows the model."
        return text

    def visible_ids(self) -> list[str]:
        """The ids shown now, top to bottom (what a person sees after filtering)."""
        return [
            str(item.data(0, ID_ROLE))
            for item in (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
            if item is not None and not item.isHidden()
        ]

    def row_texts(self, model_id: str) -> list[str]:
        """The texts of a model's row, column by column ([] when it is not listed)."""
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(0, ID_ROLE) == model_id:
                return [item.text(c) for c in range(len(COLUMNS))]
        return []

    def status_text(self) -> str:
        return self.status.text()

    def _set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    # -- filtering and keys -------------------------------------------------------------
    @Slot(str)
    def _on_search_text_changed(self, _text: str) -> None:
        self._apply_filter()

    def _apply_filter(self) -> None:
        words = self.search.text().casefold().split()
        first: QTreeWidgetItem | None = None
        current: QTreeWidgetItem | None = None
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is None:
                continue
            model_id = str(item.data(0, ID_ROLE))
            haystack = f"{model_id} {item.toolTip(0)}".casefold()
            hidden = not all(word in haystack for word in words)
            item.setHidden(hidden)
            if not hidden:
                first = first or item
                if model_id == self._current and not words:
                    current = item
        target = current or first
        if target is not None:
            self.tree.setCurrentItem(target)
            self.tree.scrollToItem(target)
        else:
            self.tree.setCurrentIndex(QModelIndex())
            self.tree.clearSelection()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up, Down and Page keys in the search field move through the list."""
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (
                Qt.Key.Key_Up,
                Qt.Key.Key_Down,
                Qt.Key.Key_PageUp,
                Qt.Key.Key_PageDown,
            ):
                QApplication.sendEvent(self.tree, event)
                return True
        return super().eventFilter(watched, event)

    # -- choosing -------------------------------------------------------------------------
    def highlighted(self) -> str | None:
        item = self.tree.currentItem()
        if item is None or item.isHidden() or not item.isSelected():
            return None
        return str(item.data(0, ID_ROLE))

    @Slot()
    def choose(self) -> None:
        """Pick the highlighted model, or else the typed id."""
        model = self.highlighted() or self.search.text().strip()
        if not model or self._chosen:
            return
        self._chosen = True
        self.model_chosen.emit(model)
        self.accept()

    @Slot(QTreeWidgetItem, int)
    def _on_tree_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        self.tree.setCurrentItem(item)
        self.choose()

    # -- fetching ---------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Fetch the catalogue on a worker; the list shown stays until the new one arrives."""
        if self._fetch is None or self._worker is not None:
            return
        worker = Worker(self._fetch, name=WORKER_NAME)
        worker.returned.connect(self._on_worker_returned)
        worker.errored.connect(self._on_worker_errored)
        self._worker = worker
        self.refresh_button.setEnabled(False)
        base = self._describe()
        self._set_status(f"{base} Refreshing…" if base else "Fetching the model list…")
        worker.start()

    def is_fetching(self) -> bool:
        return self._worker is not None

    def _fetch_ended(self) -> bool:
        """False for a result from a worker this picker no longer waits for."""
        if self._worker is None or self.sender() is not self._worker:
            return False
        self._worker = None
        self.refresh_button.setEnabled(True)
        return True

    @Slot(object)
    def _on_worker_returned(self, catalogue: object) -> None:
        if self._fetch_ended():
            self.show_catalogue(catalogue)  # type: ignore[arg-type]
            self.catalogue_loaded.emit()

    @Slot(object)
    def _on_worker_errored(self, error: object) -> None:
        if not self._fetch_ended():
            return
        kept = " The list below is the one fetched earlier." if self._catalogue else ""
        if isinstance(error, AppError) and error.reason == "no_catalogue":
            text = (
                f"{self._provider} does not list its models (it has no /models).{kept} "
                "Type a model id above and press Enter."
            )
        elif isinstance(error, AppError):
            text = f"{error.text()}{kept} You can still type a model id and press Enter."
        else:  # a bug: say so and stay usable
            log.error("fetching the model list failed", exc_info=error)  # type: ignore[arg-type]
            text = (
                f"Fetching the model list failed inside AskShot ({type(error).__name__}). "
                "You can still type a model id and press Enter."
            )
        self._problem = text
        self._set_status(text)
        self.fetch_failed.emit(text)

    def problem(self) -> str | None:
        return self._problem

    # -- showing ------------------------------------------------------------------------------
    def wanted_width(self) -> int:
        """Wide enough for the longest id shown and the other columns, in pixels."""
        metrics = self.tree.fontMetrics()
        longest = self.tree.sizeHintForColumn(0)  # the delegate's own measure (bold included)
        header = self.tree.header()
        others = sum(header.sectionSizeHint(c) for c in range(1, len(COLUMNS)))
        em = metrics.horizontalAdvance("M")
        return max(em * 52, longest + others + em * 6)

    def show_near(self, anchor: QWidget) -> None:
        """Open beside `anchor` (above it when it sits low on the screen), then refresh."""
        screen = anchor.screen().availableGeometry()
        top_left = anchor.mapToGlobal(QPoint(0, 0))
        width = min(self.wanted_width(), screen.width() * 9 // 10)
        height = min(self.height(), screen.height())
        below = top_left.y() + anchor.height()
        y = below if below + height <= screen.bottom() else top_left.y() - height
        x = min(max(top_left.x(), screen.left()), screen.right() - width)
        self.setGeometry(x, max(y, screen.top()), width, height)
        self.open()
        self.search.setFocus(Qt.FocusReason.PopupFocusReason)
        self.refresh()


def picker_for_profile(
    services: Services, profile: ProviderProfile, parent: QWidget
) -> ModelPicker:
    """A picker over `profile`'s catalogue: the cached one now, a fresh one fetched on a worker.

    It deletes itself when closed; a fetch still running ends on its own.
    """
    picker = ModelPicker(
        profile.name,
        profile.model,
        cached=services.cached_catalogue(profile),
        fetch=partial(services.catalogue, profile, refresh=True),
        overrides=services.spend.price_overrides,
        parent=parent,
    )
    picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return picker
