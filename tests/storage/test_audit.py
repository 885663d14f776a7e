"""The audit log: who changed what in a rotation, and when."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.storage import AuditEntry
from shared.rotation import Secondary, ShiftLength, ValidationError
from tests.storage.samples import ACTOR, full_rotation, override, rotation, time_off


def summary(entries: list[AuditEntry]) -> list[tuple[str, str | None, str]]:
    return [(e.actor, e.rotation, e.action) for e in entries]


async def test_every_change_is_logged_newest_first(store, clock):
    await store.create_rotation(rotation(), "cli:alice")
    clock.advance(timedelta(minutes=1))
    added = await store.add_override("data-platform", override(), "teams:bob@example.com")
    away = await store.add_time_off("data-platform", time_off(), "teams:bob@example.com")
    await store.delete_override("data-platform", added.id, "api:grafana")
    await store.delete_time_off("data-platform", away.id, "api:grafana")
    await store.update_rotation(rotation(timezone="UTC"), "cli:alice")
    await store.delete_rotation("data-platform", "cli:carol")
    await store.create_token("ci", admin=True, actor="cli:carol")
    await store.revoke_token("ci", actor="cli:carol")

    entries = await store.audit_log()

    assert summary(entries) == [
        ("cli:carol", None, "token.revoke"),
        ("cli:carol", None, "token.create"),
        ("cli:carol", "data-platform", "rotation.delete"),
        ("cli:alice", "data-platform", "rotation.update"),
        ("api:grafana", "data-platform", "time_off.delete"),
        ("api:grafana", "data-platform", "override.delete"),
        ("teams:bob@example.com", "data-platform", "time_off.add"),
        ("teams:bob@example.com", "data-platform", "override.add"),
        ("cli:alice", "data-platform", "rotation.create"),
    ]
    assert entries[-1].at == clock.now - timedelta(minutes=1)
    assert entries[0].at == clock.now
    assert entries[0].at.utcoffset() == timedelta(0)


async def test_an_update_records_only_what_changed(store):
    two_weeks, two_members = ShiftLength.parse("2w"), ("bob@example.com", "alice@example.com")
    await store.create_rotation(rotation(), ACTOR)

    await store.update_rotation(rotation(shift=two_weeks, members=two_members, secondary=Secondary()), ACTOR)

    assert (await store.audit_log())[0].details == {
        "before": {
            "shift": "1w",
            "members": ["alice@example.com", "bob@example.com", "carol@example.com"],
            "secondary": "next",
        },
        "after": {"shift": "2w", "members": ["bob@example.com", "alice@example.com"], "secondary": None},
    }


async def test_creating_and_deleting_record_the_whole_rotation(store):
    created = await store.create_rotation(full_rotation(), ACTOR)
    await store.delete_rotation(created.name, ACTOR)

    deleted, made = await store.audit_log()

    assert made.details["after"] == deleted.details["before"]
    assert made.details["after"]["handoff"] == "2026-03-02 12:00"
    assert made.details["after"]["overrides"] == [
        {
            "id": created.overrides[0].id,
            "person": "dave@example.com",
            "start": "2026-04-01T10:00:00+00:00",
            "end": "2026-04-02T10:00:00+00:00",
        }
    ]


async def test_span_entries_say_which_span(store):
    await store.create_rotation(rotation(), ACTOR)
    added = await store.add_override("data-platform", override(), ACTOR)
    await store.delete_override("data-platform", added.id, ACTOR)

    deleted, made = (await store.audit_log())[:2]

    span = {"id": added.id, "person": "dave@example.com"}
    span |= {"start": added.start.isoformat(), "end": added.end.isoformat()}
    assert made.details == {"after": span}
    assert deleted.details == {"before": made.details["after"]}


async def test_the_log_of_one_rotation_outlives_it(store):
    await store.create_rotation(rotation("ops"), ACTOR)
    await store.create_rotation(rotation(), ACTOR)
    await store.add_override("data-platform", override(), ACTOR)
    await store.delete_rotation("data-platform", ACTOR)

    entries = await store.audit_log("data-platform")

    assert [e.action for e in entries] == ["rotation.delete", "override.add", "rotation.create"]


async def test_the_log_is_cut_at_the_limit(store):
    for name in ("a1", "a2", "a3"):
        await store.create_rotation(rotation(name), ACTOR)

    assert [e.rotation for e in await store.audit_log(limit=2)] == ["a3", "a2"]


async def test_a_limit_out_of_range_is_refused(store):
    for limit in (0, -1, 1001, True):
        with pytest.raises(ValidationError) as raised:
            await store.audit_log(limit=limit)
        assert raised.value.field == "limit"
