"""A team lead's day with the API, on SQLite and PostgreSQL: every answer is the engine's."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

from icalendar import Calendar

from bot.ics import feed_window
from shared.api_models import OnCallOut, SegmentOut
from shared.oncall import Layer, on_call, shifts
from shared.rotation import Override, Rotation, TimeOff
from tests.api.conftest import NOW, Api, rotation_body
from tests.storage import samples

ROTATIONS = "/api/v1/rotations"
DP = f"{ROTATIONS}/data-platform"
COVER = {"person": "dave@example.com", "start": "2026-03-25T09:00:00+01:00", "end": "2026-03-26T09:00:00+01:00"}
#: Bob is away for exactly his own shift (the fifth, after the change to summer time).
AWAY = {"person": "bob@example.com", "start": "2026-03-30T12:00:00+02:00", "end": "2026-04-06T12:00:00+02:00"}


def expected_rotation() -> Rotation:
    """The same rotation built directly with the domain values, for the engine to answer."""
    return samples.rotation(
        overrides=(Override(COVER["person"], _instant(COVER["start"]), _instant(COVER["end"]), created=1),),
        time_off=(TimeOff(AWAY["person"], _instant(AWAY["start"]), _instant(AWAY["end"])),),
    )


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def _set_up(api: Api) -> tuple[dict, dict, dict]:
    created = await api.ok("POST", ROTATIONS, json=rotation_body())
    override = await api.ok("POST", f"{DP}/overrides", json=COVER)
    time_off = await api.ok("POST", f"{DP}/time-off", json=AWAY)
    return created, override, time_off


async def test_rotation_overrides_and_time_off_are_stored_as_sent(api: Api) -> None:
    created, override, time_off = await _set_up(api)

    assert created == {**rotation_body(), "overrides": [], "time_off": []}
    assert override == {"id": override["id"], **COVER, "start": "2026-03-25T08:00:00Z", "end": "2026-03-26T08:00:00Z"}
    assert time_off == {"id": time_off["id"], **AWAY, "start": "2026-03-30T10:00:00Z", "end": "2026-04-06T10:00:00Z"}
    assert await api.ok("GET", DP) == {**created, "overrides": [override], "time_off": [time_off]}
    assert await api.ok("GET", ROTATIONS) == [await api.ok("GET", DP)]
    audit = await api.ok("GET", "/api/v1/audit?rotation=data-platform")
    assert [(e["action"], e["actor"]) for e in audit] == [
        ("time_off.add", "token:admin"),
        ("override.add", "token:admin"),
        ("rotation.create", "token:admin"),
    ]


async def test_on_call_and_shifts_are_the_engines_answers(api: Api) -> None:
    await _set_up(api)
    rotation = expected_rotation()

    during_cover = "2026-03-25T12:00:00+01:00"
    answer = await api.ok("GET", f"{DP}/on-call?at={quote(during_cover)}")
    assert (answer["primary"], answer["primary_reason"]) == ("dave@example.com", "override")
    assert answer == _json(OnCallOut.model_validate(on_call(rotation, _instant(during_cover))))

    now = await api.ok("GET", f"{DP}/on-call")
    assert (now["primary"], now["secondary"]) == ("carol@example.com", "alice@example.com")
    assert now == _json(OnCallOut.model_validate(on_call(rotation, NOW)))
    assert await api.ok("GET", "/api/v1/on-call") == [now]

    window = ("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
    listed = await api.ok("GET", f"{DP}/shifts?from={window[0]}&to={window[1]}")
    engine = shifts(rotation, _instant(window[0]), _instant(window[1]))
    assert listed == [_json(SegmentOut.model_validate(s)) for s in engine]
    assert {
        "person": "carol@example.com",
        "start": "2026-03-30T10:00:00Z",
        "end": "2026-04-06T10:00:00Z",
        "layer": "primary",
        "reason": "covering-time-off",
    } in listed


async def test_answers_hold_at_both_ends_of_the_calendar(api: Api) -> None:
    await _set_up(api)

    before = await api.ok("GET", f"{DP}/on-call?at=1970-01-01T00:00:00Z")
    assert (before["primary"], before["primary_reason"], before["start"]) == (None, "gap", None)
    assert before["end"] == "2026-03-02T11:00:00Z"
    last = await api.ok("GET", f"{DP}/on-call?at=2199-12-31T23:00:00Z")
    assert last["end"] == "2200-01-06T11:00:00Z"


async def test_a_secondary_rotation_is_consulted(api: Api) -> None:
    await _set_up(api)
    dev = rotation_body("dev-week", members=["erin@example.com"], secondary="data-platform")
    await api.ok("POST", ROTATIONS, json=dev)

    answer = await api.ok("GET", f"{ROTATIONS}/dev-week/on-call?at=2026-03-25T12:00:00Z")
    assert (answer["primary"], answer["secondary"]) == ("erin@example.com", "dave@example.com")
    everyone = await api.ok("GET", "/api/v1/on-call?at=2026-03-25T12:00:00Z")
    assert [(a["rotation"], a["primary"], a["secondary"]) for a in everyone] == [
        ("data-platform", "dave@example.com", "bob@example.com"),
        ("dev-week", "erin@example.com", "dave@example.com"),
    ]


async def test_the_rotation_feed_has_one_event_per_primary_shift(api: Api) -> None:
    await _set_up(api)
    response = await api.client.get(f"{DP}/calendar.ics", headers=api.headers())
    assert (response.status, response.content_type) == (200, "text/calendar")

    events = Calendar.from_ical(await response.read()).events
    start, end = feed_window(NOW)
    # Whole shifts: the ones the window cuts keep their real bounds (a weekly rotation whose
    # every shift changes hands, so the engine's segments over a wider window are the shifts).
    wider = shifts(expected_rotation(), start - timedelta(weeks=2), end + timedelta(weeks=2))
    started = expected_rotation().first_handoff_utc  # the time before it is no news
    expected = [s for s in wider if s.layer is Layer.PRIMARY and s.end > start and s.start < end and s.start >= started]
    assert [(str(e["SUMMARY"]), e.start, e.end) for e in events] == [
        (f"On duty: data-platform ({s.person})", s.start, s.end) for s in expected
    ]
    assert "On duty: data-platform (dave@example.com)" in {str(e["SUMMARY"]) for e in events}
    assert len({str(e["UID"]) for e in events}) == len(events)


async def test_a_persons_feed_lists_their_primary_and_secondary_duties(api: Api) -> None:
    await _set_up(api)
    response = await api.client.get("/api/v1/people/bob@example.com/calendar.ics", headers=api.headers())
    events = Calendar.from_ical(await response.read()).events

    summaries = {(str(e["SUMMARY"]), e.start.isoformat()) for e in events}
    assert ("On duty: data-platform (bob@example.com)", "2026-03-09T11:00:00+00:00") in summaries
    assert ("Secondary: data-platform (bob@example.com)", "2026-03-02T11:00:00+00:00") in summaries
    away = (_instant(AWAY["start"]), _instant(AWAY["end"]))
    assert not [e for e in events if e.start < away[1] and e.end > away[0]]


async def test_changes_keep_what_they_should_and_undo_cleanly(api: Api) -> None:
    _, override, time_off = await _set_up(api)

    replaced = await api.ok("PUT", DP, json=rotation_body(shift="2w", secondary=None))
    assert (replaced["shift"], replaced["secondary"]) == ("2w", None)
    assert (replaced["overrides"], replaced["time_off"]) == ([override], [time_off])

    added = await api.ok("POST", f"{DP}/members", json={"person": "Dave@Example.com", "position": 1})
    assert added["members"] == ["alice@example.com", "dave@example.com", "bob@example.com", "carol@example.com"]
    removed = await api.ok("DELETE", f"{DP}/members/alice@example.com")
    assert removed["members"] == ["dave@example.com", "bob@example.com", "carol@example.com"]
    reset = await api.ok("PUT", f"{DP}/members", json={"members": ["carol@example.com", "bob@example.com"]})
    assert reset["members"] == ["carol@example.com", "bob@example.com"]

    assert await api.call("DELETE", f"{DP}/overrides/{override['id']}") == (204, None)
    assert await api.call("DELETE", f"{DP}/time-off/{time_off['id']}") == (204, None)
    assert (await api.ok("GET", f"{DP}/overrides"), await api.ok("GET", f"{DP}/time-off")) == ([], [])
    assert await api.call("DELETE", DP) == (204, None)
    assert await api.ok("GET", ROTATIONS) == []


def _json(model: OnCallOut | SegmentOut) -> dict:
    return model.model_dump(mode="json")
