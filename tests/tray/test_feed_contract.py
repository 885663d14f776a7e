"""The feed contract: the pydantic models and the committed JSON Schema say the same thing."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from shared.feed import (
    AlertEvent,
    FeedEvent,
    MyFeed,
    PairRequest,
    PairResponse,
    Ping,
    PingEvent,
    ReminderLeads,
    RotationNow,
    ShiftChangedEvent,
    ShiftsChanged,
    SignInOptions,
    feed_schema,
    parse_event,
    schema_for,
    schema_text,
)
from tests.tray.factories import alert, at, feed, leads, shift

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "shared" / "schemas" / "feed.schema.json"


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema_for(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def as_json(model) -> object:
    return json.loads(model.model_dump_json())


EXAMPLE = feed(shift(at("2026-03-10 12:00")), alerts=[alert()],
               reminders={"data-platform": leads(["evening 18:00", "15m", "2h", "1d"], ["15m"])})
EVENTS = [
    FeedEvent(type="feed", data=EXAMPLE),
    ShiftChangedEvent(
        type="shift-changed",
        data=ShiftsChanged(
            rotation=RotationNow(name="data-platform", timezone="Europe/Paris", primary="bob@example.com", until=at("2026-03-10 12:00")),
            shifts=[shift(at("2026-03-11 12:00"))],
            cause="swap",
        ),
    ),
    AlertEvent(type="alert", data=alert()),
    PingEvent(type="ping", data=Ping(at=at("2026-03-10 12:00"))),
]


def test_the_committed_schema_is_the_one_the_models_generate():
    assert json.loads(COMMITTED.read_text()) == feed_schema(), "regenerate: python -m shared.feed > shared/schemas/feed.schema.json"
    assert COMMITTED.read_text() == schema_text()


def test_the_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(feed_schema())


def test_a_feed_the_service_builds_is_valid_against_the_schema_and_reads_back_the_same():
    document = as_json(EXAMPLE)
    validator("MyFeed").validate(document)
    assert MyFeed.model_validate(document) == EXAMPLE


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.type)
def test_every_stream_event_is_valid_against_the_schema_and_parses_back(event):
    validator("StreamEvent").validate(as_json(event))
    assert parse_event(event.model_dump_json()) == event


def test_the_pairing_and_sign_in_messages_are_in_the_schema():
    validator("PairRequest").validate(as_json(PairRequest(code="K7P2-QX9M")))
    validator("PairResponse").validate(as_json(PairResponse(token="t" * 32, user="Alice@Example.com")))
    validator("SignInOptions").validate(as_json(SignInOptions(mode="pairing")))
    assert PairResponse(token="t" * 32, user="Alice@Example.com").user == "alice@example.com"


def broken(path: list, value) -> dict:
    document = copy.deepcopy(as_json(EXAMPLE))
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["generated_at"], "2026-03-10T12:00:00"),
        (["shifts", 0, "start"], "tomorrow"),
        (["user"], "alice"),
        (["alerts", 0, "severity"], "apocalyptic"),
        (["alerts", 0, "state"], "forgotten"),
        (["rotations", 0, "name"], "Data Platform"),
        (["shifts", 0, "layer"], "tertiary"),
        (["links", "teams"], "javascript:alert(1)"),
    ],
)
def test_both_sides_refuse_the_same_malformed_feed(path, value):
    document = broken(path, value)
    assert not validator("MyFeed").is_valid(document)
    with pytest.raises(ValidationError):
        MyFeed.model_validate(document)


def test_a_feed_without_reminder_times_as_an_older_service_sends_it_is_valid_on_both_sides():
    document = as_json(EXAMPLE)
    del document["reminders"]
    assert "reminders" not in feed_schema()["$defs"]["MyFeed"]["required"]
    validator("MyFeed").validate(document)
    validator("StreamEvent").validate({"type": "feed", "data": document})
    assert MyFeed.model_validate(document).reminders is None
    assert parse_event(json.dumps({"type": "feed", "data": document})).data.reminders is None


def test_reminder_times_are_per_rotation_and_written_as_rota_s_reminder_settings():
    document = as_json(EXAMPLE)
    assert document["reminders"] == {
        "data-platform": {"before_start": ["evening 18:00", "15m", "2h", "1d"], "before_end": ["15m"]}}
    assert ReminderLeads.model_validate({}) == ReminderLeads(before_start=[], before_end=[])


@pytest.mark.parametrize("lead", ["soon", "evening 25:00", "evening-18:00", "0m", "15 m", "end-15m", "1w", "15"])
def test_both_sides_refuse_a_reminder_time_they_cannot_read(lead):
    document = broken(["reminders", "data-platform", "before_end"], [lead])
    assert not validator("MyFeed").is_valid(document)
    with pytest.raises(ValidationError):
        MyFeed.model_validate(document)


def test_a_feed_may_only_hold_reminder_times_of_rotations_it_lists():
    document = broken(["reminders", "releases"], {"before_start": ["15m"], "before_end": []})
    with pytest.raises(ValidationError, match="reminders of rotation 'releases'"):
        MyFeed.model_validate(document)


def test_an_unknown_event_type_is_refused_by_both_sides():
    document = {"type": "party", "data": {}}
    assert not validator("StreamEvent").is_valid(document)
    with pytest.raises(ValidationError):
        parse_event(json.dumps(document))


def test_a_feed_may_only_hold_my_own_shifts_in_rotations_it_lists():
    with pytest.raises(ValidationError, match="shift of bob@example.com"):
        MyFeed.model_validate(broken(["shifts", 0, "person"], "bob@example.com"))
    with pytest.raises(ValidationError, match="does not list"):
        MyFeed.model_validate(broken(["shifts", 0, "rotation"], "releases"))
    with pytest.raises(ValidationError, match="end after it starts"):
        MyFeed.model_validate(broken(["shifts", 0, "end"], "2026-03-01T00:00:00+01:00"))


def test_fields_a_newer_service_adds_are_ignored_by_this_tray():
    document = broken(["shifts", 0, "note"], "covering for bob")
    assert MyFeed.model_validate(document).shifts[0].start == at("2026-03-10 12:00")


def test_microsoft_sign_in_must_say_which_app_to_sign_in_with():
    with pytest.raises(ValidationError, match="client_id"):
        SignInOptions(mode="microsoft")
    assert SignInOptions(
        mode="microsoft",
        client_id="00000000-0000-0000-0000-000000000000",
        authority="https://login.microsoftonline.com/contoso.onmicrosoft.com",
        scopes=["api://rota/Feed.Read"],
    ).client_id
