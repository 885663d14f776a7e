"""People: known by email, their Teams and Entra ids filled in when first seen."""

from __future__ import annotations

import pytest

from bot.storage import NotFound, Person
from shared.rotation import ValidationError
from tests.storage.samples import ACTOR, rotation


async def test_a_new_person_is_created(store):
    stored = await store.upsert_person(Person("Alice@Example.com", display_name="Alice"))

    assert stored == Person("alice@example.com", display_name="Alice")
    assert await store.get_person("ALICE@example.com") == stored


async def test_ids_seen_in_teams_fill_in_a_member_without_losing_their_name(store):
    await store.create_rotation(rotation(), ACTOR)
    await store.upsert_person(Person("alice@example.com", display_name="Alice Martin"))

    stored = await store.upsert_person(
        Person("alice@example.com", teams_id="29:1abc", aad_object_id="6f1c0c34-0000-4000-8000-000000000001")
    )

    assert stored == Person(
        "alice@example.com",
        display_name="Alice Martin",
        teams_id="29:1abc",
        aad_object_id="6f1c0c34-0000-4000-8000-000000000001",
    )
    assert (await store.get_rotation("data-platform")).members[0] == "alice@example.com"


async def test_a_new_value_replaces_the_stored_one(store):
    await store.upsert_person(Person("alice@example.com", display_name="Alice"))

    stored = await store.upsert_person(Person("alice@example.com", display_name="Alice Martin"))

    assert stored.display_name == "Alice Martin"


async def test_an_unknown_person_is_not_found(store):
    with pytest.raises(NotFound) as raised:
        await store.get_person("ghost@example.com")
    assert (raised.value.kind, raised.value.key) == ("person", "ghost@example.com")


async def test_invalid_people_are_refused_on_both_backends(store):
    refused = [
        (Person("not an email"), "person"),
        (Person("alice@example.com", display_name="x" * 201), "display_name"),
        (Person("alice@example.com", aad_object_id="x" * 65), "aad_object_id"),
    ]
    for person, field in refused:
        with pytest.raises(ValidationError) as raised:
            await store.upsert_person(person)
        assert raised.value.field == field
    with pytest.raises(NotFound):
        await store.get_person("alice@example.com")
