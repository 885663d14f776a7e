"""The duty log, handover notes and the maintenance backlog, from chat."""

from __future__ import annotations

from datetime import timedelta

from tests.chat_service.conftest import (
    ALICE,
    BOB,
    CAROL,
    DATA,
    ERIN,
    World,
    data_platform,
    is_refusal,
    only,
    texts,
    utc,
)

SHIFT = utc(2026, 3, 2, 11)  # Mon 2 Mar 12:00 in Paris


async def test_log_writes_in_the_book_of_the_shift_under_way(team: World):
    reply = only(await team.says(ALICE, "log restarted the nightly ETL after a disk-full error"))

    assert "data-platform log book" in texts([reply]) and "Mon 2 Mar 12:00 → Mon 9 Mar 12:00" in texts([reply])
    [entry] = await team.teams.log_entries("data-platform", SHIFT)
    assert (entry.author, entry.text, entry.at) == (ALICE.email, "restarted the nightly ETL after a disk-full error",
                                                    team.clock())  # fmt: skip


async def test_the_next_shift_starts_a_new_log_book(team: World):
    await team.says(ALICE, "log first week")
    team.clock.advance(timedelta(days=4, hours=3))  # Monday 9 March, 12:30 in Paris
    await team.says(BOB, "log second week", where=DATA)

    assert [e.text for e in await team.teams.log_entries("data-platform", SHIFT)] == ["first week"]
    assert [e.text for e in await team.teams.log_entries("data-platform", utc(2026, 3, 9, 11))] == ["second week"]


async def test_the_log_book_of_a_past_shift_can_be_read_in_chat(team: World):
    await team.says(ALICE, "log restarted the nightly ETL")
    await team.says(ALICE, "handover the Kafka upgrade is half done")
    team.clock.advance(timedelta(days=8))  # Tuesday 10 March: Bob's week
    await team.says(BOB, "log all quiet", where=DATA)

    past = only(await team.says(BOB, "logbook 2026-03-03", where=DATA))
    now = only(await team.says(BOB, "logbook", where=DATA))

    assert "restarted the nightly ETL" in texts([past]) and "the Kafka upgrade is half done" in texts([past])
    assert "data-platform: log book" in texts([past]) and "all quiet" not in texts([past])
    assert "all quiet" in texts([now]) and "restarted the nightly ETL" not in texts([now])
    assert "handover so far" in texts([now])


async def test_the_log_book_before_the_rotation_began_is_refused_with_its_start(team: World):
    reply = only(await team.says(BOB, "logbook 2026-02-20", where=DATA))

    assert is_refusal(reply) and "had not started by then" in texts([reply]) and "Mon 2 Mar" in texts([reply])


async def test_log_in_a_personal_chat_of_someone_in_two_rotations_uses_the_one_they_are_on_duty_in(team: World):
    await team.store.create_rotation(data_platform(name="ml-serving", members=(BOB.email, ALICE.email)), "cli:ops")

    only(await team.says(ALICE, "log all quiet"))
    carols = only(await team.says(CAROL, "log all quiet"))

    assert not is_refusal(carols)  # Carol is only in data-platform
    assert [e.author for e in await team.teams.log_entries("data-platform", SHIFT)] == [ALICE.email, CAROL.email]
    assert await team.teams.log_entries("ml-serving", SHIFT) == []


async def test_log_with_two_rotations_and_no_duty_asks_for_the_channel(team: World):
    await team.store.create_rotation(data_platform(name="ml-serving", members=(ALICE.email, CAROL.email)), "cli:ops")

    reply = only(await team.says(CAROL, "log all quiet"))

    assert is_refusal(reply) and "several rotations" in texts([reply])


async def test_a_very_long_log_entry_is_refused(team: World):
    reply = only(await team.says(ALICE, "log " + "x" * 2001))

    assert is_refusal(reply)
    assert await team.teams.log_entries("data-platform", SHIFT) == []


async def test_handover_keeps_a_note_and_shows_the_handover_so_far(team: World):
    await team.says(ALICE, "log rolled out 2.4 to production")
    await team.says(ALICE, "handover the Kafka upgrade is half done")
    await team.says(ALICE, "backlog add rotate the TLS certs")
    await team.says(ALICE, "backlog done 1")

    shown = texts(await team.says(BOB, "handover", where=DATA))

    assert "Kafka upgrade is half done" in shown and "rolled out 2.4" in shown
    assert "1. rotate the TLS certs" in shown and "on duty: Alice Martin" in shown


async def test_backlog_add_take_done_and_list(team: World):
    await team.says(ALICE, "backlog add rotate the TLS certs https://jira.example.com/OPS-12 p1", where=DATA)
    await team.says(BOB, "backlog add clean up old dashboards p3", where=DATA)
    taken = only(await team.says(ALICE, "backlog take 2"))

    listed = texts(await team.says(CAROL, "backlog", where=DATA))

    assert "You are on item 2" in texts([taken])
    assert listed.index("rotate the TLS certs") < listed.index("clean up old dashboards")
    assert "[rotate the TLS certs](https://jira.example.com/OPS-12)" in listed
    assert "Alice Martin is on it" in listed

    await team.says(ALICE, "backlog done 2")
    assert "clean up old dashboards" not in texts(await team.says(CAROL, "backlog", where=DATA))


async def test_backlog_numbers_that_do_not_exist_or_are_done_are_refused(team: World):
    await team.says(ALICE, "backlog add rotate the TLS certs")
    await team.says(ALICE, "backlog done 1")

    missing = only(await team.says(ALICE, "backlog take 7"))
    done = only(await team.says(ALICE, "backlog done 1"))

    assert is_refusal(missing) and "no item 7" in texts([missing])
    assert is_refusal(done) and "already done" in texts([done])


async def test_the_shift_book_needs_a_rotation(team: World):
    await team.meet(ERIN)

    reply = only(await team.says(ERIN, "backlog"))

    assert is_refusal(reply) and "join <rotation>" in texts([reply])
