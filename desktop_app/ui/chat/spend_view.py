"""What AskShot has cost: totals by day, month, model and provider, and the credit left.

Opened from the status bar's session spend. The totals come from history (all
time, as `askshot spend --by` prints them); the credit comes from the gateway
when it says (OpenRouter's key endpoint), asked on a worker thread.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import AppError
from desktop_app.core.history_models import SPEND_GROUPINGS, SpendGroup
from desktop_app.core.pricing import format_usd
from desktop_app.ui.common.workers import Worker

if TYPE_CHECKING:
    from desktop_app.context import Services
    from desktop_app.core.catalogue import Credits

TAB_TITLES = {"day": "By day", "month": "By month", "model": "By model", "provider": "By provider"}
COLUMNS = ("", "Answers", "Input tokens", "Cached", "Output tokens", "Cost")


def credit_text(provider: str, credits: Credits | None) -> str:
    """A sentence about the credit left at `provider` (None: it does not say)."""
    if credits is None:
        return f"{provider} does not say how much credit is left."
    used = f"{format_usd(credits.used)} used" if credits.used is not None else ""
    if credits.remaining is None:
        return f"Credit at {provider}: no limit set" + (f" ({used})." if used else ".")
    limit = f" of {format_usd(credits.limit)}" if credits.limit is not None else ""
    extra = f" ({used})" if used else ""
    return f"Credit left at {provider}: {format_usd(credits.remaining)}{limit}{extra}."


def _table(groups: list[SpendGroup], first: str, parent: QWidget) -> QTableWidget:
    table = QTableWidget(len(groups), len(COLUMNS), parent)
    table.setHorizontalHeaderLabels([first, *COLUMNS[1:]])
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    for row, g in enumerate(groups):
        cost = format_usd(g.cost_usd) + (f" + {g.unpriced} unpriced" if g.unpriced else "")
        cells = (
            g.key,
            f"{g.requests:,}",
            f"{g.input_tokens:,}",
            f"{g.cached_tokens:,}",
            f"{g.output_tokens:,}",
            cost,
        )
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column:
                item.setTextAlignment(right)
            table.setItem(row, column, item)
    table.resizeColumnsToContents()
    return table


class SpendDialog(QDialog):
    """Totals from history in four tabs, and the gateway's credit when it tells."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Spend")
        self._services = services
        self._worker: Worker | None = None
        self._provider = ""
        layout = QVBoxLayout(self)
        self.credit_label = QLabel()
        self.credit_label.setWordWrap(True)
        self.credit_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.credit_label)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 1)
        self.tables: dict[str, QTableWidget] = {}
        history = services.history()
        for grouping in SPEND_GROUPINGS:
            groups = history.spend_by(grouping)
            first = {"day": "Day", "month": "Month", "model": "Model"}.get(grouping, "Provider")
            table = _table(groups, first, self)
            self.tables[grouping] = table
            self.tabs.addTab(table, TAB_TITLES[grouping])
        total = sum(g.cost_usd for g in history.spend_by("month"))
        self.total_label = QLabel(f"All time: {format_usd(total)} (answers saved in history)")
        layout.addWidget(self.total_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 420)
        self._ask_credit()

    def _ask_credit(self) -> None:
        """The gateway's credit, off the GUI thread (it is a network call)."""
        try:
            profile = self._services.resolve_profile()
        except AppError:
            self.credit_label.hide()
            return
        self._provider = profile.name
        self.credit_label.setText(f"Asking {profile.name} how much credit is left…")
        self._worker = Worker(partial(self._services.credits, profile), name="credits")
        self._worker.returned.connect(self._on_worker_returned)
        self._worker.errored.connect(self._on_worker_errored)
        self._worker.start()

    @Slot(object)
    def _on_worker_returned(self, credits: Credits | None) -> None:
        self.credit_label.setText(credit_text(self._provider, credits))

    @Slot(object)
    def _on_worker_errored(self, error: BaseException) -> None:
        reason = error.text() if isinstance(error, AppError) else str(error)
        self.credit_label.setText(f"The credit left at {self._provider} is unknown: {reason}")

    def done(self, result: int) -> None:
        """Closing does not wait for the gateway: the answer is dropped when it comes
        (the worker ends by itself, bounded by the network timeouts; quit waits for it)."""
        if self._worker is not None:
            self._worker.cancel()
        super().done(result)
