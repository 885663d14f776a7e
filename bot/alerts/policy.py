"""Escalation policy: who is paged, in what order, after how long; and what is due when.

A policy is an ordered list of steps (the primary, the secondary, the rotation's channel
with an @mention of its tag or of everyone in it, a named person), each with the minutes
to wait for an acknowledgement before the next step, and a repeat count: after the last
step the whole list runs again that many times. Flattened, steps and repeats form a
sequence of *positions* 0, 1, 2, ...; an alert's `escalation_step` is the next position
to page.

`plan(alert, policy, at)` is pure: it says which position is due at `at` (if any) and
when the next one will be. Positions are paged one at a time, each after the previous
one's full wait, so a service that was down catches up without skipping anybody and
without paging anybody twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.alerts.model import Alert, AlertState, is_whole_number
from shared.rotation import ValidationError, normalize_email, to_utc

MAX_STEPS = 10
MAX_REPEAT = 9
MAX_WAIT_MINUTES = 24 * 60


class StepKind(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    CHANNEL = "channel"
    PERSON = "person"


class Mention(StrEnum):
    """Whom a channel step @mentions: the rotation's Teams tag, which holds the people on
    duty (or those people themselves, where there is no tag), or everyone in the rotation,
    each by name."""

    TAG = "tag"
    TEAM = "team"


@dataclass(frozen=True)
class EscalationStep:
    """Page `kind` (and `person` for a person step), then wait `wait_minutes` for an ack."""

    kind: StepKind
    wait_minutes: int
    person: str | None = None
    mention: Mention = Mention.TAG

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", StepKind(self.kind))
            object.__setattr__(self, "mention", Mention(self.mention))
        except ValueError as exc:
            raise ValidationError("steps", str(exc)) from None
        wait = self.wait_minutes
        if not is_whole_number(wait) or not 0 <= wait <= MAX_WAIT_MINUTES:
            raise ValidationError("wait_minutes", f"must be a whole number of minutes from 0 to {MAX_WAIT_MINUTES}")
        if self.kind is StepKind.PERSON:
            object.__setattr__(self, "person", normalize_email(self.person, "person"))
        elif self.person is not None:
            raise ValidationError("person", "only a person step names a person")

    @property
    def wait(self) -> timedelta:
        return timedelta(minutes=self.wait_minutes)

    def describe(self) -> str:
        """How the step reads on a card or a timeline."""
        if self.kind is StepKind.PERSON:
            return str(self.person)
        if self.kind is StepKind.CHANNEL:
            return "the channel (@team)" if self.mention is Mention.TEAM else "the channel (@tag)"
        return f"the {self.kind}"


@dataclass(frozen=True)
class EscalationPolicy:
    steps: tuple[EscalationStep, ...]
    repeat: int = 0

    def __post_init__(self) -> None:
        steps = tuple(self.steps)
        if not 1 <= len(steps) <= MAX_STEPS:
            raise ValidationError("steps", f"a policy has 1 to {MAX_STEPS} steps")
        if not all(isinstance(step, EscalationStep) for step in steps):
            raise ValidationError("steps", "must be escalation steps")
        object.__setattr__(self, "steps", steps)
        if not is_whole_number(self.repeat) or not 0 <= self.repeat <= MAX_REPEAT:
            raise ValidationError("repeat", f"must be a whole number from 0 to {MAX_REPEAT}")
        if self.repeat and not any(step.wait_minutes for step in steps):
            raise ValidationError("repeat", "a repeated policy needs at least one step with a wait")

    @property
    def positions(self) -> int:
        """How many pages a full escalation sends: every step, once plus `repeat` times."""
        return len(self.steps) * (self.repeat + 1)

    def at_position(self, position: int) -> DueStep:
        cycle, index = divmod(position, len(self.steps))
        return DueStep(position=position, cycle=cycle, index=index, step=self.steps[index])


#: Primary, 5 minutes; secondary, 10 minutes; then the whole channel.
DEFAULT_POLICY = EscalationPolicy((
    EscalationStep(StepKind.PRIMARY, 5),
    EscalationStep(StepKind.SECONDARY, 10),
    EscalationStep(StepKind.CHANNEL, 15, mention=Mention.TAG),
))


@dataclass(frozen=True)
class DueStep:
    """Position `position` of the flattened policy: step `index` of pass `cycle` (0 = first)."""

    position: int
    cycle: int
    index: int
    step: EscalationStep


@dataclass(frozen=True)
class EscalationPlan:
    """`due`: the step to page now (None: nothing). `next_at`: when the following step falls
    due, assuming `due` is paged at the planned instant (None: the escalation is over or paused
    with no end, as for an acknowledged, held or resolved alert)."""

    due: DueStep | None
    next_at: datetime | None


def plan(alert: Alert, policy: EscalationPolicy, at: datetime) -> EscalationPlan:
    """What the escalation of `alert` asks for at `at`.

    Acknowledged, held and resolved alerts do not escalate. A snoozed alert waits for
    `snoozed_until`, then starts again from the first step, as it does once unsnoozed."""
    at = to_utc(at, "at")
    if alert.state is AlertState.SNOOZED:
        if at < alert.snoozed_until:
            return EscalationPlan(None, alert.snoozed_until)
        return _from(policy, 0, alert.snoozed_until, at)
    if alert.state is not AlertState.TRIGGERED:
        return EscalationPlan(None, None)
    return _from(policy, alert.escalation_step, alert.escalation_since, at)


def _from(policy: EscalationPolicy, position: int, since: datetime, at: datetime) -> EscalationPlan:
    if position >= policy.positions:
        return EscalationPlan(None, None)
    due_at = since if position == 0 else since + policy.at_position(position - 1).step.wait
    if at < due_at:
        return EscalationPlan(None, due_at)
    due = policy.at_position(position)
    following = at + due.step.wait if position + 1 < policy.positions else None
    return EscalationPlan(due, following)


def next_step(alert: Alert, policy: EscalationPolicy) -> DueStep | None:
    """The step an Escalate button pages now; None when the policy has nobody left."""
    if not alert.is_open or alert.escalation_step >= policy.positions:
        return None
    return policy.at_position(alert.escalation_step)
