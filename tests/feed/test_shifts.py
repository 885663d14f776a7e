"""`GET /api/v1/me/shifts`: who is on duty in my rotations and until when, my own shifts
for the coming weeks with overrides and time off applied, my alerts, my reminder times, on
both backends."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from shared.feed import schema_for
from tests.api.conftest import Api, rotation_body
from tests.feed.conftest import ALICE, BOB, CAROL, ROTATION, override, utc

SHIFTS = "/api/v1/me/shifts"

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


def shift(start: str, end: str, layer: str = "primary", reason: str = "regular") -> dict[str, str]:
    return {"rotation": ROTATION, "person": ALICE, "start": start, "end": end, "layer": layer, "reason": reason}


async def test_my_feed_lists_my_shifts_with_overrides_and_time_off_applied(admin: Api, alice: Api):
    await admin.ok("POST", f"/api/v1/rotations/{ROTATION}/overrides", json=override(BOB, utc(2026, 3, 25), 24))
    await admin.ok("POST", f"/api/v1/rotations/{ROTATION}/time-off", json={
        "person": CAROL, "start": "2026-04-06T10:00:00Z", "end": "2026-04-13T10:00:00Z"})

    mine = await alice.ok("GET", SHIFTS)

    Draft202012Validator(schema_for("MyFeed")).validate(mine)
    assert mine["user"] == ALICE
    assert mine["until"] == "2026-04-18T00:00:00Z"
    assert mine["rotations"] == [{"name": ROTATION, "timezone": "Europe/Paris", "primary": CAROL, "secondary": ALICE,
                                  "until": "2026-03-23T11:00:00Z"}]
    assert mine["shifts"] == [
        shift("2026-03-16T11:00:00Z", "2026-03-23T11:00:00Z", layer="secondary"),
        shift("2026-03-23T11:00:00Z", "2026-03-25T00:00:00Z"),
        shift("2026-03-26T00:00:00Z", "2026-03-30T10:00:00Z"),
        shift("2026-04-06T10:00:00Z", "2026-04-13T10:00:00Z", reason="covering-time-off"),
        shift("2026-04-13T10:00:00Z", "2026-04-18T00:00:00Z"),
    ]
    assert mine["alerts"] == []
    assert mine["people"] == {CAROL: "Carol Diaz"}
    assert mine["links"] == {"teams": None, "schedule": "http://127.0.0.1:3978/tab/schedule"}


async def test_the_one_holding_an_override_sees_it_as_theirs(admin: Api, bob: Api):
    await admin.ok("POST", f"/api/v1/rotations/{ROTATION}/overrides", json=override(BOB, utc(2026, 3, 25), 24))

    mine = await bob.ok("GET", SHIFTS)

    taken = [s for s in mine["shifts"] if s["reason"] == "override"]
    assert taken == [{"rotation": ROTATION, "person": BOB, "start": "2026-03-25T00:00:00Z",
                      "end": "2026-03-26T00:00:00Z", "layer": "primary", "reason": "override"}]
    assert all(s["person"] == BOB for s in mine["shifts"])


async def test_my_feed_carries_my_own_reminder_times_else_my_rotations_ones(admin: Api, alice: Api, bob: Api):
    await admin.ok("POST", "/api/v1/rotations", json=rotation_body("ml-infra", members=[ALICE, CAROL]))
    rota_default = {"before_start": ["evening 18:00", "15m"], "before_end": ["15m"]}
    assert (await alice.ok("GET", SHIFTS))["reminders"] == {ROTATION: rota_default, "ml-infra": rota_default}

    await admin.ok("PUT", "/api/v1/rotations/ml-infra/reminders", json={"before_start": ["1h"], "before_end": ["30m"]})
    await admin.ok("PUT", f"/api/v1/people/{ALICE}/reminders", json={"before_start": ["evening 18:00", "15m"]})
    mine, bobs = await alice.ok("GET", SHIFTS), await bob.ok("GET", SHIFTS)

    Draft202012Validator(schema_for("MyFeed")).validate(mine)
    assert mine["reminders"] == {ROTATION: {"before_start": ["evening 18:00", "15m"], "before_end": ["15m"]},
                                 "ml-infra": {"before_start": ["evening 18:00", "15m"], "before_end": ["30m"]}}
    assert bobs["reminders"] == {ROTATION: rota_default}
