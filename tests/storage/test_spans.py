"""Overrides and time off: added, numbered in creation order, deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.storage import NotFound
from shared.oncall import on_call
from shared.rotation import Override
from tests.storage.samples import ACTOR, START, override, rotation, time_off


#: (add, delete, read back from a rotation, sample, the kind NotFound names)
KINDS = {
    "override": ("add_override", "delete_override", "overrides", override, "override"),
    "time off": ("add_time_off", "delete_time_off", "time_off", time_off, "time off"),
}


@pytest.fixture(params=sorted(KINDS))
def kind(request):
    return KINDS[request.param]


async def test_an_added_span_is_part_of_the_rotation(store, kind):
    add, _, field, sample, _ = kind
    await store.create_rotation(rotation(), ACTOR)

    stored = await getattr(store, add)("data-platform", sample(), ACTOR)

    assert stored.id is not None
    assert (stored.person, stored.start, stored.end) == (sample().person, sample().start, sample().end)
    assert getattr(await store.get_rotation("data-platform"), field) == (stored,)


async def test_a_deleted_span_is_gone_and_the_others_stay(store, kind):
    add, delete, field, sample, _ = kind
    await store.create_rotation(rotation(), ACTOR)
    first = await getattr(store, add)("data-platform", sample(hours=1), ACTOR)
    second = await getattr(store, add)("data-platform", sample(hours=2), ACTOR)

    await getattr(store, delete)("data-platform", first.id, ACTOR)

    assert [s.id for s in getattr(await store.get_rotation("data-platform"), field)] == [second.id]


async def test_a_span_is_deleted_only_through_its_own_rotation(store, kind):
    add, delete, field, sample, noun = kind
    await store.create_rotation(rotation(), ACTOR)
    await store.create_rotation(rotation("ops"), ACTOR)
    stored = await getattr(store, add)("data-platform", sample(), ACTOR)

    with pytest.raises(NotFound) as raised:
        await getattr(store, delete)("ops", stored.id, ACTOR)

    assert (raised.value.kind, raised.value.key) == (noun, stored.id)
    assert getattr(await store.get_rotation("data-platform"), field) == (stored,)


async def test_an_unknown_span_or_rotation_is_not_found(store, kind):
    add, delete, _, sample, noun = kind
    await store.create_rotation(rotation(), ACTOR)

    with pytest.raises(NotFound) as unknown_span:
        await getattr(store, delete)("data-platform", 424242, ACTOR)
    with pytest.raises(NotFound) as unknown_rotation_delete:
        await getattr(store, delete)("ghost", 1, ACTOR)
    with pytest.raises(NotFound) as unknown_rotation_add:
        await getattr(store, add)("ghost", sample(person="newcomer@example.com"), ACTOR)

    assert unknown_span.value.kind == noun
    assert unknown_rotation_delete.value.kind == unknown_rotation_add.value.kind == "rotation"
    with pytest.raises(NotFound):
        await store.get_person("newcomer@example.com")


async def test_each_override_is_created_after_every_earlier_one_even_after_deletes(store):
    await store.create_rotation(rotation(), ACTOR)
    first = await store.add_override("data-platform", override(hours=1), ACTOR)
    second = await store.add_override("data-platform", override(hours=2), ACTOR)
    await store.delete_override("data-platform", second.id, ACTOR)

    third = await store.add_override("data-platform", override(hours=3), ACTOR)

    assert first.created < second.created < third.created
    assert third.id != second.id


async def test_the_later_override_wins_where_two_overlap(store):
    await store.create_rotation(rotation(), ACTOR)
    await store.add_override("data-platform", Override("erin@example.com", START, START + timedelta(days=2)), ACTOR)
    await store.add_override("data-platform", Override("dave@example.com", START, START + timedelta(days=1)), ACTOR)

    stored = await store.get_rotation("data-platform")

    assert on_call(stored, START + timedelta(hours=1)).primary == "dave@example.com"
    assert on_call(stored, START + timedelta(hours=30)).primary == "erin@example.com"


async def test_overrides_given_with_a_rotation_keep_their_creation_order(store):
    early = Override("erin@example.com", START, START + timedelta(days=2), created=7)
    late = Override("dave@example.com", START, START + timedelta(days=1), created=9)

    stored = await store.create_rotation(rotation(overrides=(late, early)), ACTOR)

    by_person = {o.person: o.created for o in stored.overrides}
    assert by_person["erin@example.com"] < by_person["dave@example.com"]
    assert on_call(stored, START + timedelta(hours=1)).primary == "dave@example.com"


async def test_a_span_for_someone_new_makes_them_a_known_person(store):
    await store.create_rotation(rotation(), ACTOR)

    await store.add_override("data-platform", override(person="Frank@Example.com"), ACTOR)

    assert (await store.get_person("frank@example.com")).email == "frank@example.com"



async def test_an_id_beyond_the_column_range_is_simply_not_found(store):
    await store.create_rotation(rotation(), ACTOR)
    with pytest.raises(NotFound):
        await store.delete_override("data-platform", 2**40, ACTOR)
