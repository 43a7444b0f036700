"""Which earlier images a follow-up resends: a small box above the composer.

Every follow-up used to resend all earlier images at full token cost. The
choice (all, the latest, none) is kept per conversation in history; the box
shows what each option adds in tokens and dollars, and what the others save.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from desktop_app.core.errors import AppError
from desktop_app.core.history_models import EARLIER_IMAGES, EarlierImages
from desktop_app.core.pricing import format_usd
from desktop_app.core.turns import ImageChoice, image_choices

if TYPE_CHECKING:
    from desktop_app.context import Services
    from desktop_app.core.history import Message

NAMES: dict[EarlierImages, str] = {"all": "all", "latest": "the latest only", "none": "none"}


def _cost(tokens: int, dollars: float | None) -> str:
    price = f" · {format_usd(dollars)}" if dollars is not None else ""
    return f"{tokens:,} tokens{price}"


def saving_text(policy: EarlierImages, choices: Mapping[EarlierImages, ImageChoice]) -> str:
    """What each other option saves (or adds) per question, against `policy`."""
    chosen = choices[policy]
    parts = []
    for other in EARLIER_IMAGES:
        if other == policy:
            continue
        option = choices[other]
        tokens = chosen.earlier_image_tokens - option.earlier_image_tokens
        dollars = (
            chosen.cost - option.cost
            if chosen.cost is not None and option.cost is not None
            else None
        )
        if tokens > 0:
            parts.append(f"“{NAMES[other]}” saves {_cost(tokens, dollars)}")
        elif tokens < 0:
            more = None if dollars is None else -dollars
            parts.append(f"“{NAMES[other]}” adds {_cost(-tokens, more)}")
        else:
            parts.append(f"“{NAMES[other]}” costs the same")
    return "Per question: " + "; ".join(parts) + "."


class EarlierImagesChoice(QWidget):
    """ "Earlier images: [all (+3,000 tokens · $0.00045)]", with the savings in the tooltip.

    Hidden while the conversation has no earlier image.

    Signals:
        policy_chosen(str): the user picked "all", "latest" or "none".
    """

    policy_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.label = QLabel("Earlier images:")
        self.combo = QComboBox()
        self.combo.setAccessibleName("Earlier images sent with the next question")
        self.label.setBuddy(self.combo)
        self.saving_label = QLabel()
        self.saving_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.saving_label.setWordWrap(True)
        layout.addWidget(self.label)
        layout.addWidget(self.combo)
        layout.addWidget(self.saving_label, 1)
        self.combo.activated.connect(self._on_combo_activated)
        self.hide()

    def show_choices(
        self, policy: EarlierImages, choices: Mapping[EarlierImages, ImageChoice]
    ) -> None:
        """Show each option's extra tokens and dollars, `policy` selected."""
        self.combo.blockSignals(True)
        self.combo.clear()
        for option in EARLIER_IMAGES:
            choice = choices[option]
            self.combo.addItem(
                f"{NAMES[option]} (+{_cost(choice.earlier_image_tokens, choice.cost)})", option
            )
        self.combo.setCurrentIndex(EARLIER_IMAGES.index(policy))
        self.combo.blockSignals(False)
        saving = saving_text(policy, choices)
        self.combo.setToolTip(
            "Which images of earlier questions are sent again with the next one (the new "
            f"question's own images always go). {saving}"
        )
        self.saving_label.setText(saving)
        self.setVisible(choices["all"].earlier_image_tokens > 0 or policy != "all")

    def policy(self) -> EarlierImages:
        data = self.combo.currentData()
        return data if data in EARLIER_IMAGES else "all"

    def choose(self, policy: EarlierImages) -> None:
        """Pick an option as the user would."""
        self.combo.setCurrentIndex(EARLIER_IMAGES.index(policy))
        self._on_combo_activated(self.combo.currentIndex())

    @Slot(int)
    def _on_combo_activated(self, index: int) -> None:
        if 0 <= index < len(EARLIER_IMAGES):
            self.policy_chosen.emit(EARLIER_IMAGES[index])


class EarlierImagesKeeper(QObject):
    """The conversation's choice of earlier images: read from and written to history.

    A new chat's choice is held here until its first question creates the
    conversation (the engine then stores it).

    Signals:
        changed(): the choice changed; the estimate must be recomputed.
        save_failed(str): the history could not store the choice (a sentence).
    """

    changed = Signal()
    save_failed = Signal(str)

    def __init__(
        self,
        services: Services,
        conversation: Callable[[], int | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._conversation = conversation
        self._new_chat: EarlierImages = "all"
        self.box: EarlierImagesChoice | None = None

    def attach(self, box: EarlierImagesChoice) -> None:
        """The window's box: kept up to date, and its choice applied."""
        self.box = box
        box.policy_chosen.connect(self._on_box_policy_chosen)
        self.changed.emit()

    def reset_new_chat(self) -> None:
        self._new_chat = "all"

    def policy(self) -> EarlierImages:
        conv_id = self._conversation()
        if conv_id is None:
            return self._new_chat
        return self._services.history().earlier_images(conv_id)

    def show(self, stored: Sequence[Message]) -> None:
        """Price each option for the conversation shown and update the box."""
        if self.box is None:
            return
        try:
            priced_as: str | None = self._services.resolve_profile().priced_as
        except AppError:
            priced_as = None
        spend = self._services.spend

        def price(tokens: int) -> float | None:
            return spend.estimate(priced_as, tokens) if priced_as else None

        self.box.show_choices(self.policy(), image_choices(stored, 0, price))

    @Slot(str)
    def _on_box_policy_chosen(self, policy: str) -> None:
        if policy not in EARLIER_IMAGES:
            return
        chosen: EarlierImages = policy
        conv_id = self._conversation()
        if conv_id is None:
            self._new_chat = chosen
        else:
            try:
                self._services.history().set_earlier_images(conv_id, chosen)
            except AppError as error:  # a locked or full disk: the box goes back
                self.save_failed.emit(error.text())
                self.changed.emit()
                return
        self.changed.emit()
