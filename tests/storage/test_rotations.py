"""Rotations in and out of the store: round trips, updates, deletes and refusals."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta, timezone

import pytest

from bot.storage import Conflict, NotFound, Person
from shared.rotation import Override, Secondary, ShiftLength, TimeOff, ValidationError
from tests.storage.samples import ACTOR, full_rotation, rotation, rows, utc, without_ids


async def test_a_rotation_comes_back_as_it_went_in(store):
    declared = full_rotation()

    created = await store.create_rotation(declared, ACTOR)

    assert without_ids(created) == declared
    assert await store.get_rotation(declared.name) == created
    assert all(o.id is not None for o in created.overrides)
    assert all(t.id is not None for t in created.time_off)


async def test_members_keep_their_order(store):
    order = ("zoe@example.com", "adam@example.com", "mia@example.com", "bea@example.com")

    await store.create_rotation(rotation(members=order), ACTOR)

    assert (await store.get_rotation("data-platform")).members == order


async def test_list_gives_every_rotation_by_name_complete(store):
    created = [await store.create_rotation(full_rotation(name), ACTOR) for name in ("ops", "data-platform", "ml")]

    listed = await store.list_rotations()

    assert [r.name for r in listed] == ["data-platform", "ml", "ops"]
    assert listed == sorted(created, key=lambda r: r.name)


async def test_another_rotation_as_secondary_round_trips(store):
    await store.create_rotation(rotation("dev-of-the-week", secondary=Secondary()), ACTOR)

    created = await store.create_rotation(rotation(secondary=Secondary.parse("dev-of-the-week")), ACTOR)

    assert created.secondary == Secondary.parse("dev-of-the-week")
    assert (await store.get_rotation("data-platform")).secondary == created.secondary


async def test_a_wall_clock_handoff_at_a_dst_change_is_kept_as_written(store, database_url):
    handoffs = {
        "paris-spring": ("Europe/Paris", "2026-03-29 02:30"),  # skipped by the jump forward
        "paris-autumn": ("Europe/Paris", "2026-10-25 02:30:15"),  # happens twice
        "sydney": ("Australia/Sydney", "2026-04-05 02:30"),
        "st-johns": ("America/St_Johns", "2026-03-08 02:00"),
    }
    declared = [
        rotation(name, timezone=zone, handoff=handoff, shift=ShiftLength.parse("1d"))
        for name, (zone, handoff) in handoffs.items()
    ]

    for value in declared:
        await store.create_rotation(value, ACTOR)
    stored = {r.name: r for r in await store.list_rotations()}

    for value in declared:
        assert stored[value.name].handoff == value.handoff
        assert stored[value.name].first_handoff_utc == value.first_handoff_utc
    written = dict(await rows(database_url, "SELECT name, handoff_local FROM rotations"))
    assert written == {name: handoff for name, (_, handoff) in handoffs.items()}


async def test_members_named_by_a_rotation_become_people(store):
    await store.create_rotation(rotation(members=("Alice@Example.com",)), ACTOR)

    assert await store.get_person("alice@example.com") == Person("alice@example.com")


async def test_update_replaces_settings_and_members_and_keeps_overrides_and_time_off(store):
    created = await store.create_rotation(full_rotation(), ACTOR)
    wanted = rotation(
        timezone="America/New_York",
        shift=ShiftLength.parse("12h"),
        handoff="2026-03-09 09:00",
        members=("carol@example.com", "erin@example.com"),
        secondary=Secondary(),
    )

    updated = await store.update_rotation(wanted, ACTOR)

    assert updated == replace(wanted, overrides=created.overrides, time_off=created.time_off)
    assert await store.get_rotation(wanted.name) == updated


async def test_update_can_reverse_the_member_order(store):
    created = await store.create_rotation(rotation(), ACTOR)

    updated = await store.update_rotation(replace(created, members=created.members[::-1]), ACTOR)

    assert updated.members == ("carol@example.com", "bob@example.com", "alice@example.com")


async def test_delete_removes_the_rotation_and_everything_that_belongs_to_it(store, database_url):
    await store.create_rotation(full_rotation(), ACTOR)

    await store.delete_rotation("data-platform", ACTOR)

    with pytest.raises(NotFound):
        await store.get_rotation("data-platform")
    for table in ("rotations", "rotation_members", "overrides", "time_off"):
        assert await rows(database_url, f"SELECT * FROM {table}") == []


async def test_a_deleted_rotations_name_can_be_used_again(store):
    await store.create_rotation(full_rotation(), ACTOR)
    await store.delete_rotation("data-platform", ACTOR)

    again = await store.create_rotation(rotation(), ACTOR)

    assert again.overrides == () and again.time_off == ()


async def test_a_taken_name_is_a_conflict(store):
    await store.create_rotation(rotation(), ACTOR)

    with pytest.raises(Conflict, match="data-platform"):
        await store.create_rotation(rotation(timezone="UTC"), ACTOR)
    assert (await store.get_rotation("data-platform")).timezone == "Europe/Paris"


async def test_two_creations_of_one_name_at_once_store_one_and_refuse_the_other(store):
    outcomes = await asyncio.gather(
        store.create_rotation(rotation(timezone="UTC"), ACTOR),
        store.create_rotation(rotation(timezone="Asia/Kolkata"), ACTOR),
        return_exceptions=True,
    )

    refused = [o for o in outcomes if isinstance(o, Conflict)]
    created = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(refused) == 1 and len(created) == 1
    assert await store.list_rotations() == created
    assert len(await store.audit_log()) == 1


async def test_a_secondary_that_does_not_exist_is_a_conflict(store):
    with pytest.raises(Conflict, match="nobody"):
        await store.create_rotation(rotation(secondary=Secondary.parse("nobody")), ACTOR)
    await store.create_rotation(rotation(), ACTOR)
    with pytest.raises(Conflict, match="nobody"):
        await store.update_rotation(rotation(secondary=Secondary.parse("nobody")), ACTOR)


async def test_a_rotation_used_as_secondary_cannot_be_deleted(store):
    await store.create_rotation(rotation("dev-of-the-week"), ACTOR)
    await store.create_rotation(rotation(secondary=Secondary.parse("dev-of-the-week")), ACTOR)

    with pytest.raises(Conflict, match="data-platform"):
        await store.delete_rotation("dev-of-the-week", ACTOR)
    assert (await store.get_rotation("dev-of-the-week")).name == "dev-of-the-week"


async def test_missing_rotations_are_not_found(store):
    for attempt in (
        store.get_rotation("ghost"),
        store.update_rotation(rotation("ghost"), ACTOR),
        store.delete_rotation("ghost", ACTOR),
    ):
        with pytest.raises(NotFound) as raised:
            await attempt
        assert (raised.value.kind, raised.value.key) == ("rotation", "ghost")


async def test_a_change_without_an_actor_is_refused(store):
    with pytest.raises(ValidationError) as raised:
        await store.create_rotation(rotation(), " ")
    assert raised.value.field == "actor"
    assert await store.list_rotations() == []


async def test_a_failed_create_leaves_no_trace(store):
    declared = rotation(members=("newcomer@example.com",), secondary=Secondary.parse("nobody"))

    with pytest.raises(Conflict):
        await store.create_rotation(declared, ACTOR)

    assert await store.list_rotations() == []
    assert await store.audit_log() == []
    with pytest.raises(NotFound):
        await store.get_person("newcomer@example.com")


async def test_a_failed_update_leaves_the_rotation_as_it_was(store):
    created = await store.create_rotation(full_rotation(), ACTOR)
    wanted = rotation(members=("newcomer@example.com",), timezone="UTC", secondary=Secondary.parse("nobody"))

    with pytest.raises(Conflict):
        await store.update_rotation(wanted, ACTOR)

    assert await store.get_rotation(created.name) == created
    assert len(await store.audit_log()) == 1
    with pytest.raises(NotFound):
        await store.get_person("newcomer@example.com")


async def test_a_failed_delete_leaves_both_rotations(store):
    await store.create_rotation(rotation("dev-of-the-week"), ACTOR)
    await store.create_rotation(full_rotation(), ACTOR)
    await store.update_rotation(rotation("dev-of-the-week", secondary=Secondary.parse("data-platform")), ACTOR)
    before = await store.list_rotations()

    with pytest.raises(Conflict):
        await store.delete_rotation("data-platform", ACTOR)

    assert await store.list_rotations() == before


async def test_reading_a_rotation_takes_a_few_queries_however_many_there_are(store, statements):
    await store.create_rotation(full_rotation("one"), ACTOR)
    statements.count = 0
    await store.list_rotations()
    for_one = statements.count
    for name in ("two", "three", "four", "five"):
        await store.create_rotation(full_rotation(name), ACTOR)

    statements.count = 0
    listed = await store.list_rotations()
    for_five = statements.count
    statements.count = 0
    await store.get_rotation("three")

    assert len(listed) == 5
    assert for_five == for_one
    assert statements.count <= 6


async def test_instants_come_back_in_utc_whatever_offset_they_were_given_in(store):
    kolkata = timezone(timedelta(hours=5, minutes=30))
    start = utc(2026, 4, 1, 4, 30).astimezone(kolkata)
    declared = rotation(
        overrides=(Override("dave@example.com", start, start + timedelta(hours=8)),),
        time_off=(TimeOff("bob@example.com", start, start + timedelta(days=3)),),
    )

    stored = await store.get_rotation((await store.create_rotation(declared, ACTOR)).name)

    for span in (*stored.overrides, *stored.time_off):
        assert span.start.tzinfo is timezone.utc and span.end.tzinfo is timezone.utc
    assert stored.overrides[0].start == utc(2026, 4, 1, 4, 30)
    assert stored.time_off[0].end == utc(2026, 4, 4, 4, 30)
