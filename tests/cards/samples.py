"""Realistic cards for the tests: one team's rotations on a known day, seen from Paris."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.cards import (
    error_card,
    help_card,
    my_shifts_card,
    routed_mention_card,
    schedule_card,
    setup_card,
    upcoming_shifts,
    welcome_card,
    who_card,
    who_view,
)
from bot.cards.setup import setup_card_for
from bot.chat.table import Scope
from shared.rotation import (
    Override,
    Rotation,
    Secondary,
    SecondaryKind,
    ShiftLength,
    TimeOff,
)

ALICE, BOB, CAROL, DAN = "alice@example.com", "bob@example.com", "carol@example.com", "dan@example.com"
PEOPLE = {ALICE: "Alice Martin", BOB: "Bob Smith", CAROL: "Carol Diaz", DAN: "Dan Okafor"}
#: Thursday 2026-03-05 09:30 in Paris (08:30 UTC): Alice's week, which ends Monday 12:00.
NOW = datetime(2026, 3, 5, 8, 30, tzinfo=timezone.utc)
VIEWER_ZONE = "Europe/Paris"
THREAD_URL = "https://teams.microsoft.com/l/message/19:abc@thread.tacv2/1772699400000"


def data_platform() -> Rotation:
    """Weekly, Monday 12:00 Paris; Carol covers Bob's Wednesday; Dan is away in week 3."""
    return Rotation(
        name="data-platform",
        timezone="Europe/Paris",
        shift=ShiftLength.parse("1w"),
        handoff=datetime(2026, 3, 2, 12, 0),
        members=(ALICE, BOB, CAROL, DAN),
        secondary=Secondary(SecondaryKind.NEXT),
        overrides=(Override(CAROL, datetime(2026, 3, 11, 7, 0, tzinfo=timezone.utc),
                            datetime(2026, 3, 12, 7, 0, tzinfo=timezone.utc)),),  # fmt: skip
        time_off=(TimeOff(DAN, datetime(2026, 3, 21, tzinfo=timezone.utc),
                          datetime(2026, 3, 31, tzinfo=timezone.utc)),),  # fmt: skip
    )


def ml_serving() -> Rotation:
    """Daily, 09:00 New York, nobody on duty before its first handoff on 6 March."""
    return Rotation(
        name="ml-serving",
        timezone="America/New_York",
        shift=ShiftLength.parse("1d"),
        handoff=datetime(2026, 3, 6, 9, 0),
        members=(BOB, DAN),
    )


def who() -> dict:
    views = [
        who_view(data_platform(), NOW, warning="the @data-platform-oncall tag is out of date: Graph answered 403"),
        who_view(ml_serving(), NOW),
    ]
    return who_card(views=views, viewer_zone=VIEWER_ZONE, now=NOW, people=PEOPLE)


def schedule(weeks: int = 4) -> dict:
    segments = upcoming_shifts(data_platform(), NOW, weeks)
    return schedule_card(rotation="data-platform", segments=segments, viewer_zone=VIEWER_ZONE, now=NOW,
                         weeks=weeks, people=PEOPLE)  # fmt: skip


def my_shifts(person: str = CAROL, weeks: int = 4) -> dict:
    mine = [
        (rotation.name, segment)
        for rotation in (data_platform(), ml_serving())
        for segment in upcoming_shifts(rotation, NOW, weeks)
        if segment.person == person
    ]
    return my_shifts_card(shifts=mine, viewer_zone=VIEWER_ZONE, now=NOW, weeks=weeks)


def routed(**outcome: object) -> dict:
    return routed_mention_card(
        item_id="r-17",
        rotation="data-platform",
        question="the nightly ETL failed again, the orders table is empty this morning",
        asked_by=DAN,
        asked_at=NOW - timedelta(minutes=4),
        message_url=THREAD_URL,
        viewer_zone=VIEWER_ZONE,
        now=NOW,
        people=PEOPLE,
        **outcome,
    )


def setup(**values: object) -> dict:
    return setup_card(viewer_zone=VIEWER_ZONE, suggested=[ALICE], other_rotations=["ml-serving"], people=PEOPLE,
                      **values)  # fmt: skip


def setup_edit() -> dict:
    """The form of data-platform, as its owner opens it (`setup data-platform`)."""
    return setup_card_for(data_platform(), viewer_zone=VIEWER_ZONE, suggested=[ALICE],
                          other_rotations=["data-platform", "ml-serving"], people=PEOPLE)  # fmt: skip


def every_card() -> dict[str, dict]:
    """Each card once, by the file name its picture gets."""
    return {
        "who": who(),
        "schedule": schedule(),
        "my-shifts": my_shifts(),
        "help": help_card(scope=Scope.CHANNEL),
        "help-topic": help_card(topic="swap"),
        "error": error_card(message="I can't tell who @carol is.", hint="For example: swap fri with @Bob"),
        "welcome": welcome_card(rotations=["data-platform", "ml-serving"]),
        "routed-mention": routed(),
        "routed-mention-taken": routed(taken_by=ALICE, taken_at=NOW - timedelta(minutes=1)),
        "routed-mention-passed": routed(passed_by=ALICE, passed_to=BOB, passed_at=NOW - timedelta(minutes=2)),
        "setup": setup(),
        "setup-refused": setup(name="data-platform", members=[ALICE, BOB], timezone="Paris",
                               errors={"timezone": "'Paris' is not an IANA time zone (e.g. Europe/Paris)"}),
        "setup-edit": setup_edit(),
        "setup-in-bound-channel": setup(note="This channel belongs to data-platform: to change it, type "
                                             "“@Rota setup data-platform”."),  # fmt: skip
    }
