"""Settings → General and Settings → Budgets & prices.

Each page shows the saved values and, on OK/Apply, `collect()`s the edited
ones into a draft `Settings`, raising `SettingsInvalid` (with the field to fix)
instead of saving something half-understood.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Slot
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.events import DETAILS
from desktop_app.core.models import normalize_model
from desktop_app.core.pricing import PRICES, PRICES_AS_OF, Price, price_for
from desktop_app.core.settings import (
    DEFAULT_CAPTURE_QUESTION,
    DEFAULT_SYSTEM_PROMPT,
    Settings,
)
from desktop_app.ui.settings.widgets import Note, SettingsInvalid, parse_amount

DETAIL_LABELS = {
    "auto": "Auto — the model decides",
    "low": "Low — a 512 px overview, fewest tokens",
    "high": "High — full resolution, more tokens",
}
MAX_BUDGET = 100_000.0
PRICE_PARTS = (("input", "input"), ("cached_input", "cached input"), ("output", "output"))


class GeneralPage(QWidget):
    """Default detail, system prompt, what a capture does, and the answer length limit."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail_combo = QComboBox()
        for detail in DETAILS:
            self.detail_combo.addItem(DETAIL_LABELS[detail], detail)
        self.detail_combo.setCurrentIndex(max(0, DETAILS.index(settings.default_detail)))
        self.max_tokens_spin = QSpinBox()
        self.max_tokens_spin.setRange(0, 1_000_000)
        self.max_tokens_spin.setSingleStep(256)
        self.max_tokens_spin.setSpecialValueText("No limit")
        self.max_tokens_spin.setSuffix(" tokens")
        self.max_tokens_spin.setValue(settings.max_output_tokens or 0)
        self.prompt_edit = QPlainTextEdit(settings.system_prompt)
        self.prompt_edit.setTabChangesFocus(True)
        self.prompt_edit.setAccessibleName("System prompt")
        self.prompt_edit.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        self.prompt_reset = QPushButton("Restore default prompt")
        self.prompt_reset.clicked.connect(self._on_prompt_reset_clicked)

        answers = QGroupBox("Questions and answers")
        form = QFormLayout(answers)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Image &detail:", self.detail_combo)
        form.addRow("&Longest answer:", self.max_tokens_spin)
        form.addRow(_hint("Longer answers are cut off at this length, and AskShot says so."))
        prompt_label = QLabel("&System prompt (sent before every conversation):")
        prompt_label.setBuddy(self.prompt_edit)
        form.addRow(prompt_label)
        form.addRow(self.prompt_edit)
        reset_line = QHBoxLayout()
        reset_line.addStretch(1)
        reset_line.addWidget(self.prompt_reset)
        form.addRow(reset_line)

        self.send_check = QCheckBox("Send a capture at once, with the default question")
        self.send_check.setChecked(settings.capture_send_immediately)
        self.question_edit = QLineEdit(settings.capture_default_question)
        self.question_edit.setPlaceholderText(DEFAULT_CAPTURE_QUESTION)
        capture = QGroupBox("After a screen capture")
        capture_form = QFormLayout(capture)
        capture_form.addRow(self.send_check)
        capture_form.addRow("Default &question:", self.question_edit)

        layout = QVBoxLayout(self)
        layout.addWidget(answers, 1)
        layout.addWidget(capture)

    @Slot()
    def _on_prompt_reset_clicked(self) -> None:
        self.prompt_edit.setPlainText(DEFAULT_SYSTEM_PROMPT)

    def collect(self, draft: Settings) -> None:
        draft.default_detail = self.detail_combo.currentData()
        draft.max_output_tokens = self.max_tokens_spin.value() or None
        draft.system_prompt = self.prompt_edit.toPlainText().strip()
        draft.capture_send_immediately = self.send_check.isChecked()
        draft.capture_default_question = (
            self.question_edit.text().strip() or DEFAULT_CAPTURE_QUESTION
        )


def _hint(text: str) -> Note:
    note = Note("hint")
    note.show_message(text)
    return note


def _budget_spin(value: float | None) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(0.0, MAX_BUDGET)
    spin.setDecimals(2)
    spin.setSingleStep(1.0)
    spin.setPrefix("$ ")
    spin.setSpecialValueText("No budget")
    spin.setValue(value or 0.0)
    spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance("M") * 10)
    return spin


class _PriceRow:
    """One override: a model id and up to three prices; empty fields use the table."""

    def __init__(self, model: str, values: dict[str, float], parent: QWidget) -> None:
        self.model_combo = QComboBox(parent)
        self.model_combo.setEditable(True)
        self.model_combo.addItems(sorted(PRICES))
        self.model_combo.setEditText(model)
        self.model_combo.setAccessibleName("Model id")
        line_edit = self.model_combo.lineEdit()  # there is one: the combo is editable
        if line_edit is not None:
            line_edit.setPlaceholderText("model id")
        self.edits: list[QLineEdit] = []
        validator = QRegularExpressionValidator(QRegularExpression(r"\d{0,5}([.,]\d{0,6})?"))
        for part, label in PRICE_PARTS:
            edit = QLineEdit(parent)
            edit.setValidator(validator)
            edit.setAccessibleName(f"{label.capitalize()} price")
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            amount = values.get(part)
            edit.setText("" if amount is None else f"{amount:g}")
            self.edits.append(edit)
        self.remove_button = QPushButton("Remove", parent)
        self.model_combo.editTextChanged.connect(self.update_placeholders)
        self.update_placeholders()

    def widgets(self) -> list[QWidget]:
        return [self.model_combo, *self.edits, self.remove_button]

    def model(self) -> str:
        return self.model_combo.currentText().strip()

    def update_placeholders(self) -> None:
        table = price_for(self.model()) if self.model() else None
        defaults = (table.input, table.cached_input, table.output) if table else (None, None, None)
        for edit, (part, _), default in zip(self.edits, PRICE_PARTS, defaults, strict=True):
            if default is not None:
                edit.setPlaceholderText(f"{default:g}")
            else:
                edit.setPlaceholderText("= input" if part == "cached_input" else "required")

    def collect(self) -> tuple[str, dict[str, float]] | None:
        """(model, prices) for the settings file; None for a row left empty."""
        model = self.model()
        texts = [edit.text().strip() for edit in self.edits]
        if not any(texts):
            return None  # nothing overridden: the table price applies
        if not model:
            raise SettingsInvalid(
                "Enter the model id this price override is for.", self.model_combo
            )
        values: list[float | None] = []
        for edit, (_, label) in zip(self.edits, PRICE_PARTS, strict=True):
            try:
                values.append(parse_amount(edit.text()))
            except ValueError:
                raise SettingsInvalid(
                    f"The {label} price for {model} is not a number: enter US dollars per "
                    "million tokens, such as 0.15.",
                    edit,
                ) from None
        table: Price | None = price_for(model)
        fallback = (table.input, table.cached_input, table.output) if table else (None, None, None)
        entry: dict[str, float] = {}
        for index, (part, label) in enumerate(PRICE_PARTS):
            value = values[index] if values[index] is not None else fallback[index]
            if value is None and part != "cached_input":
                raise SettingsInvalid(
                    f"{model} is not in the built-in price list, so enter its {label} price "
                    "(US dollars per million tokens).",
                    self.edits[index],
                )
            if value is not None:
                entry[part] = value
        return model, entry


class PriceTable(QWidget):
    """Price overrides as a grid: model, input, cached input, output, Remove."""

    def __init__(self, overrides: dict[str, dict[str, float]], parent: QWidget | None = None):
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setColumnStretch(0, 2)
        for column in (1, 2, 3):
            self._grid.setColumnStretch(column, 1)
        self._headers = [
            QLabel(text, self) for text in ("Model", "Input", "Cached input", "Output", "")
        ]
        for header in self._headers[1:4]:  # numbers are right-aligned, so are their titles
            header.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._empty = Note("hint", self)
        self._empty.show_message("No overrides: every model uses the built-in price.")
        self.rows: list[_PriceRow] = []
        for model, values in overrides.items():
            self.add_row(model, values)
        self._relayout()

    def add_row(self, model: str = "", values: dict[str, float] | None = None) -> _PriceRow:
        row = _PriceRow(model, values or {}, self)
        row.remove_button.setAccessibleName(f"Remove the price override for {model or 'this row'}")
        row.remove_button.clicked.connect(self._on_remove_clicked)
        self.rows.append(row)
        self._relayout()
        return row

    @Slot()
    def _on_remove_clicked(self) -> None:
        row = next(r for r in self.rows if r.remove_button is self.sender())
        self.rows.remove(row)
        for widget in row.widgets():
            widget.hide()
            widget.deleteLater()
        self._relayout()

    def _relayout(self) -> None:
        while self._grid.count():
            self._grid.takeAt(0)
        for row_index in range(self._grid.rowCount()):
            self._grid.setRowStretch(row_index, 0)
        for column, header in enumerate(self._headers):
            self._grid.addWidget(header, 0, column)
            header.setVisible(bool(self.rows))
        self._grid.addWidget(self._empty, 1, 0, 1, len(self._headers))
        self._empty.setVisible(not self.rows)
        for index, row in enumerate(self.rows, start=2):
            for column, widget in enumerate(row.widgets()):
                self._grid.addWidget(widget, index, column)
                widget.show()  # now, not after the next event loop pass: it may get focus
        self._grid.setRowStretch(len(self.rows) + 2, 1)  # rows stay at the top

    def collect(self) -> dict[str, dict[str, float]]:
        result: dict[str, dict[str, float]] = {}
        seen: dict[str, str] = {}
        for row in self.rows:
            item = row.collect()
            if item is None:
                continue
            model, entry = item
            same = seen.get(normalize_model(model))
            if same is not None:
                raise SettingsInvalid(
                    f"{model} and {same} are the same model for pricing; keep one override.",
                    row.model_combo,
                )
            seen[normalize_model(model)] = model
            result[model] = entry
        return result


class BudgetsPage(QWidget):
    """Session and monthly budgets, and per-model price overrides."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session_spin = _budget_spin(settings.session_budget_usd)
        self.monthly_spin = _budget_spin(settings.monthly_budget_usd)
        budgets = QGroupBox("Budgets")
        form = QFormLayout(budgets)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("&Session budget:", self.session_spin)
        form.addRow(
            _hint(
                "What this run of AskShot may spend. You are warned at 80%, and asked before "
                "a question would pass it."
            )
        )
        form.addRow("&Monthly budget:", self.monthly_spin)
        form.addRow(_hint("What all answers this calendar month may cost, from your history."))

        self.prices = PriceTable(settings.price_overrides)
        scroll = QScrollArea()
        scroll.setWidget(self.prices)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.viewport().setAutoFillBackground(False)
        self.prices.setAutoFillBackground(False)
        self.add_price_button = QPushButton("Add price override")
        self.add_price_button.clicked.connect(self._on_add_price_clicked)
        prices = QGroupBox("Prices, in US dollars per million tokens")
        prices_layout = QVBoxLayout(prices)
        prices_layout.addWidget(
            _hint(
                f"Empty fields use the built-in price, shown in grey (OpenAI's list prices "
                f"as of {PRICES_AS_OF}). Override a model when a gateway charges differently "
                "or the model is not in the list; a cost the gateway reports itself always wins."
            )
        )
        prices_layout.addWidget(scroll, 1)
        add_line = QHBoxLayout()
        add_line.addWidget(self.add_price_button)
        add_line.addStretch(1)
        prices_layout.addLayout(add_line)

        layout = QVBoxLayout(self)
        layout.addWidget(budgets)
        layout.addWidget(prices, 1)

    @Slot()
    def _on_add_price_clicked(self) -> None:
        row = self.prices.add_row()
        row.model_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    def collect(self, draft: Settings) -> None:
        draft.session_budget_usd = self.session_spin.value() or None
        draft.monthly_budget_usd = self.monthly_spin.value() or None
        draft.price_overrides = self.prices.collect()
