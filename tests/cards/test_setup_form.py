"""What the setup form sends back becomes a rotation, or an error under the field to fix."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.cards import rotation_from_form
from shared.oncall import on_call
from shared.rotation import Secondary, SecondaryKind, ShiftLength, ValidationError
from tests.cards.samples import ALICE, BOB, NOW

BOB_ENTRA_ID = "8f1c2d3e-0000-4000-8000-00000000b0b0"
FORM = {
    "verb": "rotation.setup",
    "name": "data-platform",
    "members": f"{ALICE},{BOB_ENTRA_ID}",
    "shift_count": "1",
    "shift_unit": "w",
    "handoff_day": "monday",
    "handoff_time": "12:00",
    "timezone": "Europe/Paris",
    "secondary": "next",
}


def test_a_filled_form_is_a_rotation_that_starts_at_once() -> None:
    rotation = rotation_from_form(FORM, NOW, emails={BOB_ENTRA_ID: BOB})
    assert rotation.name == "data-platform" and rotation.members == (ALICE, BOB)
    assert rotation.shift == ShiftLength.parse("1w") and rotation.secondary == Secondary(SecondaryKind.NEXT)
    assert rotation.handoff == datetime(2026, 3, 2, 12, 0)  # the Monday 12:00 just past
    assert on_call(rotation, NOW).primary == ALICE


def test_the_first_handoff_is_a_week_back_when_today_is_before_the_time() -> None:
    monday_morning = datetime(2026, 3, 9, 9, 0, tzinfo=timezone.utc)  # 10:00 in Paris
    rotation = rotation_from_form(FORM, monday_morning, emails={BOB_ENTRA_ID: BOB})
    assert rotation.handoff == datetime(2026, 3, 2, 12, 0)


def test_numbers_may_arrive_as_numbers() -> None:
    rotation = rotation_from_form({**FORM, "shift_count": 12, "shift_unit": "h"}, NOW, emails={BOB_ENTRA_ID: BOB})
    assert rotation.shift == ShiftLength.parse("12h")


def test_an_edit_keeps_the_rotation_name_from_the_card() -> None:
    values = {**FORM, "name": "", "editing": "data-platform"}
    assert rotation_from_form(values, NOW, emails={BOB_ENTRA_ID: BOB}).name == "data-platform"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "Data Platform"}, "name"),
        ({"members": ""}, "members"),
        ({"members": f"{ALICE},{ALICE}"}, "members"),
        ({"shift_count": "1.5"}, "shift"),
        ({"shift_count": "0"}, "shift"),
        ({"shift_count": "many"}, "shift"),
        ({"handoff_day": "someday"}, "handoff"),
        ({"handoff_time": "noon"}, "handoff"),
        ({"timezone": "Paris"}, "timezone"),
        ({"secondary": "Not A Rotation"}, "secondary"),
    ],
)
def test_a_wrong_value_names_its_field(change: dict, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        rotation_from_form({**FORM, **change}, NOW, emails={BOB_ENTRA_ID: BOB})
    assert refused.value.field == field


def test_a_picked_person_without_a_known_email_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        rotation_from_form(FORM, NOW)
    assert refused.value.field == "members" and BOB_ENTRA_ID in refused.value.message
