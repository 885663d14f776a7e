"""A routine duty as it fell due: the checklist sent to whoever was on duty, and its ticks.

A run copies the duty's title and items when it falls due, so later edits of the duty
change neither the card already sent nor the reports of past shifts. It belongs to the
regular shift under way when it fell due: it *closes* at that shift's handoff, and what
is still unticked then is carried into the handover and counts as missed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from shared.rotation import ValidationError


@dataclass(frozen=True)
class Tick:
    by: str
    at: datetime


@dataclass(frozen=True)
class DutyRun:
    """A duty that fell due at `due_at`, sent to `person` (None: nobody was on duty);
    `id` is set once stored."""

    rotation: str
    title: str
    items: tuple[str, ...]
    due_at: datetime
    closes_at: datetime
    person: str | None
    message_key: str
    ticked: Mapping[int, Tick] = field(default_factory=dict)
    done_at: datetime | None = None
    id: int | None = None

    @property
    def steps(self) -> tuple[str, ...]:
        """What is ticked: the items, or the duty itself when it has none."""
        return self.items or (self.title,)

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def unticked(self) -> tuple[str, ...]:
        return tuple(step for i, step in enumerate(self.steps) if i not in self.ticked)

    def missed(self, now: datetime) -> bool:
        """Closed (its shift handed over) with something left unticked."""
        return not self.done and self.closes_at <= now

    def tick(self, index: int, done: bool, by: str, at: datetime) -> DutyRun:
        """The run with step `index` ticked (or unticked); done once every step is ticked.
        Ticking a ticked step keeps who ticked it first."""
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(self.steps):
            raise ValidationError("item", f"this checklist has items 1 to {len(self.steps)}")
        ticked = dict(self.ticked)
        if done:
            ticked.setdefault(index, Tick(by, at))
        else:
            ticked.pop(index, None)
        complete = len(ticked) == len(self.steps)
        done_at = (self.done_at or at) if complete else None
        return replace(self, ticked=ticked, done_at=done_at)


def ticks_to_json(ticked: Mapping[int, Tick]) -> dict[str, dict[str, str]]:
    return {str(index): {"by": tick.by, "at": tick.at.isoformat()} for index, tick in sorted(ticked.items())}


def ticks_from_json(data: Mapping[str, Mapping[str, str]]) -> dict[int, Tick]:
    return {int(index): Tick(tick["by"], datetime.fromisoformat(tick["at"])) for index, tick in data.items()}
