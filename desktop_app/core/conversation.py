"""The conversation engine: one lifecycle for every door (CLI, window, popup).

A turn goes plan → begin → apply… → finish (docs/architecture.md, "The
lifecycle"):

- `plan_question` / `plan_regenerate` build the request from the conversation
  as shown plus the new question, estimate its tokens and dollars on the
  *whole* request, and list the limits it meets (session and monthly budget,
  the model's context window). Nothing is written yet.
- `begin` writes the question and its images, then an empty answer row, before
  anything goes out.
- `ActiveTurn.apply` collects stream events and writes the partial answer at
  most every `SAVE_INTERVAL` seconds, so a kill loses at most that much.
- `ActiveTurn.finish` records the end (complete, cut off, stopped, length,
  refused, empty, error), charges the spend (estimated when no usage came),
  and shows a new version only once it has text: regenerating, retrying and
  editing never delete the answer they replace.

Adapters only turn input into a plan and events into output; they hold no
lifecycle code. The engine runs on one thread (the one that owns `history`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Answer, ChatMessage, RefusalDelta, StreamEvent, TextDelta, Usage
from desktop_app.core.limits import Limit, request_limits
from desktop_app.core.pricing import estimate_text_tokens
from desktop_app.core.turns import (
    STATUS_ERROR,
    ImageChoice,
    Outcome,
    check_text,
    context_tokens,
    earlier_image_tokens,
    history_to_messages,
    image_choices,
    message_images,
    outcome_of,
    request_from_messages,
    status_of,
)

if TYPE_CHECKING:
    from desktop_app.core.events import ChatRequest
    from desktop_app.core.history import History, Message
    from desktop_app.core.history_models import EarlierImages, Status
    from desktop_app.core.images import PreparedImage
    from desktop_app.core.settings import Settings
    from desktop_app.core.spend import SessionSpend

SAVE_INTERVAL = 1.0  # seconds between writes of a streaming answer
FINAL_WRITE_TRIES = 3


@dataclass
class TurnPlan:
    """A question (or a new version of an answer) ready to begin."""

    model: str
    request: ChatRequest
    question: str
    images: list[PreparedImage]
    conversation_id: int | None
    input_tokens: int | None  # None: an image's cost is unknown for this model
    estimated_cost: float | None
    limits: list[Limit] = field(default_factory=list)
    reply_to: int | None = None  # regenerate: the stored question answered again
    edit_of: int | None = None  # edit: the stored question this one replaces
    # The model whose prices and context window apply (a profile's family for an alias).
    priced_as: str | None = None
    provider: str | None = None  # the provider profile's name, stored with the answer
    earlier_images: EarlierImages = "all"  # which earlier images this request resends
    earlier_image_tokens: int = 0  # what they add to `input_tokens`
    # The request under each choice of earlier images, so a door can show the saving.
    image_choices: dict[EarlierImages, ImageChoice] = field(default_factory=dict)

    @property
    def blocking(self) -> list[Limit]:
        return [limit for limit in self.limits if limit.blocking]

    @property
    def warnings(self) -> list[Limit]:
        return [limit for limit in self.limits if not limit.blocking]

    def saving(self, policy: EarlierImages) -> tuple[int, float | None]:
        """Tokens and dollars `policy` saves against this plan's choice (negative: costs more)."""
        chosen, other = self.image_choices.get(self.earlier_images), self.image_choices.get(policy)
        if chosen is None or other is None:
            return 0, None
        tokens = chosen.earlier_image_tokens - other.earlier_image_tokens
        if chosen.cost is None or other.cost is None:
            return tokens, None
        return tokens, chosen.cost - other.cost

    @property
    def new_version(self) -> bool:
        """True when this turn replaces a shown answer only once it has arrived."""
        return self.reply_to is not None or self.edit_of is not None


@dataclass(frozen=True)
class TurnResult:
    status: Status  # what history stores
    outcome: Outcome  # what a person is told
    cost: float | None
    cost_estimated: bool
    answer: Answer
    error: AppError | None
    answer_id: int | None
    conversation_id: int | None
    shown: bool  # this version is the one the conversation shows now
    save_problem: AppError | None = None  # history could not take it (see `saved_aside`)
    saved_aside: str | None = None  # where the answer waits to be written again

    @property
    def usage(self) -> Usage | None:
        return self.answer.usage


class ConversationEngine:
    """Plans, begins and finishes turns against one history (None: nothing is saved)."""

    def __init__(
        self,
        settings: Settings,
        spend: SessionSpend,
        history: History | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        unsaved_dir: Callable[[], object] | None = None,
    ) -> None:
        self.settings = settings
        self.spend = spend
        self.history = history
        self._clock = clock
        self._unsaved_dir = unsaved_dir

    # -- planning -----------------------------------------------------------
    def plan_question(
        self,
        conversation_id: int | None,
        question: str,
        images: Sequence[PreparedImage] = (),
        *,
        model: str,
        system: str | None = None,
        edit_of: int | None = None,
        priced_as: str | None = None,
        provider: str | None = None,
        earlier_images: EarlierImages | None = None,
    ) -> TurnPlan:
        """A new question after the conversation as shown (or replacing `edit_of`).

        `priced_as` (a profile's `priced_as`) prices and sizes it; the wire sends `model`.
        `earlier_images` overrides the conversation's stored choice (a new chat has none).
        """
        question = check_text(question)
        if not question.strip() and not images:
            raise AppError(
                ErrorKind.BAD_INPUT, "The question is empty: type what you want to know."
            )
        if not question.strip():
            question = self.settings.capture_default_question or "What is this?"
        return self._plan(
            model,
            system,
            self._thread(conversation_id, before=edit_of),
            ChatMessage("user", question, tuple(image.part() for image in images)),
            [image.tokens for image in images],
            question=question,
            images=list(images),
            conversation_id=conversation_id,
            edit_of=edit_of,
            priced_as=priced_as or model,
            provider=provider,
            earlier_images=earlier_images,
        )

    def plan_regenerate(
        self,
        answer_id: int,
        *,
        model: str,
        system: str | None = None,
        priced_as: str | None = None,
        provider: str | None = None,
    ) -> TurnPlan:
        """A new version of a stored answer (retry after an error, or regenerate)."""
        history = self._require_history()
        target = next((m for m in history.versions(answer_id)), None)
        if target is None or target.role != "assistant" or target.reply_to is None:
            raise AppError(ErrorKind.BAD_INPUT, "That answer is no longer in the history.")
        conversation_id = target.conversation_id
        every = history.messages(conversation_id, all_versions=True)
        question = next((m for m in every if m.id == target.reply_to), None)
        if question is None:
            raise AppError(ErrorKind.BAD_INPUT, "The question of that answer is gone.")
        return self._plan(
            model,
            system,
            self._thread(conversation_id, before=question.id),
            ChatMessage("user", question.text, message_images(question, history)),
            [a.tokens for a in question.attachments],
            question=question.text,
            images=[],
            conversation_id=conversation_id,
            reply_to=question.id,
            priced_as=priced_as or model,
            provider=provider,
        )

    def _thread(self, conversation_id: int | None, *, before: int | None) -> list[Message]:
        if conversation_id is None or self.history is None:
            return []
        shown = self.history.messages(conversation_id)
        return [m for m in shown if before is None or m.id < before]

    def _plan(
        self,
        model: str,
        system: str | None,
        earlier: list[Message],
        message: ChatMessage,
        image_tokens: Sequence[int | None],
        **fields: Any,
    ) -> TurnPlan:
        """The request for `message` after `earlier`, its estimate and the limits it meets."""
        if system is None:
            system = self.settings.system_prompt
        policy = fields["earlier_images"] = fields.get("earlier_images") or (
            self.history.earlier_images(fields["conversation_id"]) if self.history else "all"
        )
        history_messages = (
            history_to_messages(earlier, self.history, policy) if self.history is not None else []
        )
        request = request_from_messages(
            model,
            [*history_messages, message],
            system=system,
            max_output_tokens=self.settings.max_output_tokens,
        )
        tokens: int | None = None
        if all(t is not None for t in image_tokens):
            asked = estimate_text_tokens(message.text) + 4 + sum(t or 0 for t in image_tokens)
            tokens = context_tokens(earlier, system, policy) + asked
        priced_as = fields.get("priced_as") or model
        cost = self.spend.estimate(priced_as, tokens) if tokens is not None else None
        images_in = earlier_image_tokens(earlier, policy)
        plan = TurnPlan(
            model=model,
            request=request,
            input_tokens=tokens,
            estimated_cost=cost,
            earlier_image_tokens=images_in,
            image_choices=image_choices(
                earlier,
                None if tokens is None else tokens - images_in,
                lambda n: self.spend.estimate(priced_as, n),
            ),
            **fields,
        )
        plan.limits = request_limits(
            priced_as, tokens, cost, settings=self.settings, spend=self.spend, history=self.history
        )
        return plan

    def _require_history(self) -> History:
        if self.history is None:
            raise AppError(ErrorKind.BAD_INPUT, "There is no history to take the answer from.")
        return self.history

    # -- running ------------------------------------------------------------
    def begin(self, plan: TurnPlan) -> ActiveTurn:
        """Write the question (unless it is a regenerate) and open the answer row."""
        turn = ActiveTurn(self, plan)
        history = self.history
        if history is None:
            return turn
        from desktop_app.core.history import NewAttachment

        conversation_id = plan.conversation_id
        if conversation_id is None:
            conversation_id = history.create_conversation()
            turn.created_conversation = True
            if plan.earlier_images != "all":  # chosen in the new chat: the conversation keeps it
                history.set_earlier_images(conversation_id, plan.earlier_images)
        reply_to = plan.reply_to
        if reply_to is None:
            reply_to = history.add_user_message(
                conversation_id,
                plan.question,
                [
                    NewAttachment(
                        data=image.data,
                        mime=image.mime,
                        width=image.sent_size[0],
                        height=image.sent_size[1],
                        detail=image.detail,
                        tokens=image.tokens,
                    )
                    for image in plan.images
                ],
                edit_of=plan.edit_of,
                active=plan.edit_of is None,
            )
        turn.conversation_id = conversation_id
        turn.question_id = reply_to
        turn.answer_id = history.start_answer(
            conversation_id,
            plan.model,
            reply_to=reply_to,
            active=not plan.new_version,
            provider=plan.provider,
            estimate=(plan.estimated_cost, plan.input_tokens),
        )
        turn.saved_at = self._clock()
        return turn

    def now(self) -> float:
        return self._clock()


class ActiveTurn:
    """A turn on the wire: feed it events, then `finish` it exactly once."""

    def __init__(self, engine: ConversationEngine, plan: TurnPlan) -> None:
        self.engine = engine
        self.plan = plan
        self.answer = Answer()
        self.conversation_id: int | None = plan.conversation_id
        self.question_id: int | None = plan.reply_to
        self.answer_id: int | None = None
        self.created_conversation = False
        self.saved_at = 0.0
        self._saved_length = 0
        self.save_problem: AppError | None = None
        self.result: TurnResult | None = None

    def apply(self, event: StreamEvent) -> None:
        self.answer.apply(event)
        if isinstance(event, (TextDelta, RefusalDelta)):
            self.save_partial()

    def save_partial(self, *, force: bool = False) -> None:
        """Write the text so far when a second has passed (or `force`); never raises."""
        history, answer_id = self.engine.history, self.answer_id
        if history is None or answer_id is None or self.result is not None:
            return
        now = self.engine.now()
        if not force and now - self.saved_at < SAVE_INTERVAL:
            return
        text = self.answer.text or self.answer.refusal
        if len(text) == self._saved_length:
            self.saved_at = now
            return
        try:
            history.save_partial(answer_id, text)
        except AppError as exc:  # kept in memory; the final write tries again
            self.save_problem = exc
        else:
            self._saved_length = len(text)
        self.saved_at = now

    def finish(self, error: AppError | None) -> TurnResult:
        """Record how the answer ended, charge the spend, show it if it has text."""
        if self.result is not None:
            return self.result
        answer, plan, engine = self.answer, self.plan, self.engine
        empty = error is not None and error.reason == "empty_answer"
        status = status_of(answer, error)
        outcome = outcome_of(status, answer, error, empty)
        model = answer.model or plan.model
        cost, estimated = self._charge(model, status)
        history = engine.history
        shown = not plan.new_version
        aside: str | None = None
        if history is not None and self.answer_id is not None:
            fields: dict[str, Any] = {
                "text": answer.text or answer.refusal,
                "status": status,
                "model": model,
                "usage": answer.usage,
                "cost_usd": cost,
                "request_id": answer.request_id or (error.request_id if error else None),
                "error": error.text() if error else None,
                "cost_estimated": estimated,
            }
            aside = self._write_final(history, fields)
            if aside is None and plan.new_version and status != STATUS_ERROR:
                try:
                    history.activate(self.answer_id)
                    shown = True
                except AppError as exc:
                    self.save_problem = exc
        self.result = TurnResult(
            status=status,
            outcome=outcome,
            cost=cost,
            cost_estimated=estimated,
            answer=answer,
            error=error,
            answer_id=self.answer_id,
            conversation_id=self.conversation_id,
            shown=shown,
            save_problem=self.save_problem if aside is not None else None,
            saved_aside=aside if aside else None,
        )
        return self.result

    def _charge(self, model: str, status: Status) -> tuple[float | None, bool]:
        """The cost from usage; without usage, estimated from what was sent and received.

        Priced as the profile's family when one is mapped (the reply names the alias).
        """
        answer, spend, plan = self.answer, self.engine.spend, self.plan
        priced_as = plan.priced_as if plan.priced_as and plan.priced_as != plan.model else None
        if answer.usage is not None:
            return spend.record(model, answer.usage, priced_as=priced_as), False
        text = answer.text or answer.refusal
        if status == STATUS_ERROR or not text or plan.input_tokens is None:
            return None, False
        guess = Usage(plan.input_tokens, 0, estimate_text_tokens(text))
        return spend.record(model, guess, priced_as=priced_as), True

    def _write_final(self, history: History, fields: dict[str, Any]) -> str | None:
        """Write the finished answer; if history refuses, keep it aside. None: written."""
        from desktop_app.core import unsaved

        assert self.answer_id is not None
        for attempt in range(FINAL_WRITE_TRIES):
            try:
                history.finish_answer(self.answer_id, **fields)
                return None
            except AppError as exc:
                self.save_problem = exc
                if attempt + 1 < FINAL_WRITE_TRIES:
                    time.sleep(0.2 * (attempt + 1))  # a lock held for a moment may pass
        return unsaved.keep(history.path, self.answer_id, fields) or ""
