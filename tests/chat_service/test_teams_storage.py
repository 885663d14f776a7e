"""The Teams side of storage, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.conversations import ConversationKind
from bot.storage import Conflict, NotFound, Person, Store
from bot.storage.teams import BacklogState, CardPlace, MentionState, NewMention, RoutedCard, TeamsStore
from shared.rotation import Override, Secondary, TimeOff, ValidationError
from tests.chat_service.conftest import ALICE, BOB, DATA, ML, NOW, data_platform, utc
from tests.storage.conftest import FakeClock

ACTOR = "teams:alice@example.com"


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[tuple[Store, TeamsStore, FakeClock]]:
    clock = FakeClock(NOW)
    store = await Store.open(database_url, clock=clock)
    try:
        yield store, TeamsStore(store.engine, clock=clock), clock
    finally:
        await store.close()


@pytest.fixture
async def teams(stores) -> TeamsStore:
    store, teams, _ = stores
    await store.create_rotation(data_platform(), "cli:ops")
    return teams


async def test_a_conversation_saved_again_is_updated_and_keeps_its_person(stores):
    _, teams, clock = stores
    await teams.save_conversation(ALICE.chat)
    clock.advance(timedelta(days=1))

    again = await teams.save_conversation(replace(ALICE.chat, person=None, service_url="https://smba.example.test/x/"))

    assert again.person == ALICE.email and again.service_url == "https://smba.example.test/x/"
    assert await teams.personal_conversation_for("Alice@Example.com") == again
    assert await teams.personal_conversation_for(BOB.email) is None
    with pytest.raises(NotFound):
        await teams.get_conversation("19:nowhere")


async def test_a_channel_message_without_the_team_s_group_id_keeps_the_stored_one(stores):
    _, teams, _ = stores
    await teams.save_conversation(DATA)

    again = await teams.save_conversation(replace(DATA, team_aad_group_id=None, tenant_id=None,
                                                  service_url="https://smba.example.test/emea/"))

    assert again.team_aad_group_id == DATA.team_aad_group_id and again.tenant_id == DATA.tenant_id
    assert again.service_url == "https://smba.example.test/emea/"


async def test_conversations_are_read_together_and_unknown_ones_left_out(stores):
    _, teams, _ = stores
    alice, data = await teams.save_conversation(ALICE.chat), await teams.save_conversation(DATA)

    found = await teams.get_conversations([data.key, "19:nowhere", alice.key, data.key])

    assert found == {alice.key: alice, data.key: data}
    assert await teams.get_conversations([]) == {}


async def test_a_channel_belongs_to_one_rotation_and_a_rotation_to_several_channels(stores, teams):
    store, _, _ = stores
    await store.create_rotation(data_platform(name="ml-serving"), "cli:ops")
    for conversation in (DATA, ML):
        await teams.save_conversation(conversation)

    assert await teams.bind("data-platform", DATA.key, ACTOR) is None
    await teams.bind("data-platform", ML.key, ACTOR)
    assert [c.key for c in await teams.channel_conversations_for("data-platform")] == [DATA.key, ML.key]

    assert await teams.bind("ml-serving", ML.key, ACTOR) == "data-platform"
    assert [c.key for c in await teams.channel_conversations_for("data-platform")] == [DATA.key]
    binding = only_binding(await teams.bindings("ml-serving"))
    assert (binding.conversation.team_aad_group_id, binding.conversation.channel_id) == ("group-1", ML.key)
    assert [e.action for e in await store.audit_log("ml-serving")][:1] == ["channel.bind"]


def only_binding(bindings):
    assert len(bindings) == 1
    return bindings[0]


async def test_deleting_a_rotation_takes_its_bindings_and_records_with_it(stores, teams):
    store, _, _ = stores
    await teams.save_conversation(DATA)
    await teams.bind("data-platform", DATA.key, ACTOR)
    await teams.add_backlog_item("data-platform", "rotate certs", None, 2, ALICE.email)

    await store.delete_rotation("data-platform", "cli:ops")

    assert await teams.bound_rotation(DATA.key) is None
    with pytest.raises(NotFound):
        await teams.backlog("data-platform")


async def test_a_rotation_created_with_its_owner_is_all_or_nothing(stores, teams):
    store, _, _ = stores
    created = await teams.create_owned_rotation(data_platform(name="ml-serving"), BOB.email, ACTOR)

    assert created == await store.get_rotation("ml-serving")
    assert await teams.owners("ml-serving") == [BOB.email]
    assert [e.action for e in await store.audit_log("ml-serving")] == ["owner.add", "rotation.create"]
    with pytest.raises(Conflict):
        await teams.create_owned_rotation(data_platform(), BOB.email, ACTOR)
    with pytest.raises(Conflict):
        await teams.create_owned_rotation(data_platform(name="x", secondary=Secondary.parse("nope")), BOB.email, ACTOR)
    assert await teams.owners("data-platform") == []
    assert "x" not in [r.name for r in await store.list_rotations()]


async def test_owners_are_kept_in_the_order_they_were_added(teams):
    assert await teams.add_owner("data-platform", BOB.email, ACTOR)
    assert await teams.add_owner("data-platform", ALICE.email, ACTOR)
    assert not await teams.add_owner("data-platform", "Bob@example.com", ACTOR)

    assert await teams.owners("data-platform") == [BOB.email, ALICE.email]


async def test_spans_in_several_rotations_are_written_all_or_nothing(stores, teams):
    store, _, _ = stores
    swap = [("data-platform", Override(BOB.email, utc(2026, 3, 9, 11), utc(2026, 3, 16, 11))),
            ("data-platform", TimeOff(ALICE.email, utc(2026, 3, 20), utc(2026, 3, 21)))]  # fmt: skip

    with pytest.raises(NotFound):
        await teams.add_spans([*swap, ("no-such-rotation", swap[1][1])], ACTOR)
    assert (await store.get_rotation("data-platform")).overrides == ()

    stored = await teams.add_spans(swap, ACTOR)
    rotation = await store.get_rotation("data-platform")
    assert rotation.overrides == (stored[0],) and rotation.time_off == (stored[1],)
    assert [e.action for e in await store.audit_log("data-platform")][:2] == ["time_off.add", "override.add"]


async def test_a_routed_mention_is_stored_once_per_message_and_taken_once(teams):
    question = NewMention("data-platform", DATA.key, "m-1", None, "ETL failed", BOB.email, NOW, ALICE.email)
    first, created = await teams.route_mention(question)
    again, created_again = await teams.route_mention(question)

    assert created and not created_again and again == first
    passed, moved = await teams.pass_mention(first.id, ALICE.email, BOB.email)
    assert moved and passed.state is MentionState.PASSED
    assert not (await teams.pass_mention(first.id, ALICE.email, BOB.email))[1]
    taken, took = await teams.take_mention(first.id, BOB.email)
    late, took_late = await teams.take_mention(first.id, ALICE.email)
    assert took and not took_late
    assert (late.state, late.taken_by, late.passed_to) == (MentionState.TAKEN, BOB.email, BOB.email)


async def test_card_copies_keep_their_place_and_activity(teams):
    mention, _ = await teams.route_mention(NewMention("data-platform", DATA.key, None, None, "?", BOB.email, NOW, None))
    copy = RoutedCard(mention.id, CardPlace.THREAD, DATA.key, f"routed:{mention.id}:thread", "Europe/Paris")

    assert await teams.add_card(copy) == copy
    assert await teams.add_card(replace(copy, viewer_zone="UTC")) == copy
    await teams.set_card_activity(mention.id, CardPlace.THREAD, "1:abc")
    assert [c.activity_id for c in await teams.cards(mention.id)] == ["1:abc"]


async def test_log_and_handover_notes_belong_to_one_shift(teams):
    shift = utc(2026, 3, 2, 11)
    await teams.add_log_entry("data-platform", shift, ALICE.email, "restarted ETL")
    await teams.add_handover_note("data-platform", shift, ALICE.email, "Kafka upgrade half done")
    await teams.add_log_entry("data-platform", shift + timedelta(weeks=1), BOB.email, "quiet")

    assert [e.text for e in await teams.log_entries("data-platform", shift)] == ["restarted ETL"]
    assert [n.text for n in await teams.handover_notes("data-platform", shift)] == ["Kafka upgrade half done"]


async def test_backlog_items_are_numbered_per_rotation_and_closed_once(stores, teams):
    store, _, _ = stores
    await store.create_rotation(data_platform(name="ml-serving"), "cli:ops")
    link = "https://jira.example.com/OPS-1"
    first = await teams.add_backlog_item("data-platform", "rotate certs", link, 1, BOB.email)
    await teams.add_backlog_item("ml-serving", "retrain", None, 2, BOB.email)
    second = await teams.add_backlog_item("data-platform", "dashboards", None, 3, BOB.email)

    assert (first.number, second.number) == (1, 2)
    taken = await teams.take_backlog_item("data-platform", 2, ALICE.email)
    done = await teams.finish_backlog_item("data-platform", 2, ALICE.email)
    assert (taken.state, done.state, done.done_at) == (BacklogState.TAKEN, BacklogState.DONE, NOW)
    with pytest.raises(Conflict):
        await teams.take_backlog_item("data-platform", 2, BOB.email)
    with pytest.raises(NotFound):
        await teams.finish_backlog_item("data-platform", 9, BOB.email)
    assert [i.number for i in await teams.backlog("data-platform")] == [1]
    assert [i.number for i in await teams.backlog("data-platform", include_done=True)] == [1, 2]
    with pytest.raises(ValidationError):
        await teams.add_backlog_item("data-platform", "x" * 301, None, 2, BOB.email)


async def test_people_are_found_by_their_teams_ids_and_zones_are_remembered(stores):
    store, teams, _ = stores
    await store.upsert_person(Person(ALICE.email, "Alice Martin", ALICE.teams_id, ALICE.aad))
    await teams.set_zone(ALICE.email, "Europe/Paris")

    assert (await teams.find_person(aad_object_id=ALICE.aad)).email == ALICE.email
    assert (await teams.find_person(aad_object_id="aad-x", teams_id=ALICE.teams_id)).email == ALICE.email
    assert await teams.find_person(teams_id="29:nobody") is None
    assert await teams.emails_by_object_id([ALICE.aad, "aad-x"]) == {ALICE.aad: ALICE.email}
    assert await teams.zones([ALICE.email, BOB.email]) == {ALICE.email: "Europe/Paris"}
    with pytest.raises(ValidationError):
        await teams.set_zone(ALICE.email, "Mars/Olympus")


async def test_channel_kinds_round_trip(stores):
    _, teams, _ = stores
    group = replace(ML, key="19:group-chat", kind=ConversationKind.GROUP_CHAT)

    assert (await teams.save_conversation(group)).kind is ConversationKind.GROUP_CHAT
