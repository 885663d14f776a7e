"""The chat service's own cards (backlog, handover so far, rotation set up): valid Adaptive
Cards 1.5 that say what a reader needs, and pictures of them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.chat.views import backlog_card, handover_card, rotation_ready_card
from bot.storage.teams import BacklogItem, BacklogState, ShiftRecord
from tests.cards.reading import schema_errors
from tests.chat_service.conftest import ALICE, BOB, CAROL, NOW, PARIS, texts, utc
from tests.render.fixtures import ARTIFACTS

NAMES = {ALICE.email: ALICE.name, BOB.email: BOB.name, CAROL.email: CAROL.name}
SHIFT = utc(2026, 3, 2, 11)


def items() -> list[BacklogItem]:
    return [
        BacklogItem("data-platform", 1, "Rotate the TLS certificates", "https://jira.example.com/OPS-12", 1,
                    BacklogState.TAKEN, BOB.email, SHIFT, taken_by=ALICE.email),
        BacklogItem("data-platform", 3, "Clean up the old Grafana dashboards", None, 2, BacklogState.OPEN,
                    CAROL.email, SHIFT),
    ]  # fmt: skip


def cards() -> dict[str, dict]:
    log = [ShiftRecord(1, "data-platform", SHIFT, ALICE.email, NOW - timedelta(hours=20),
                       "Restarted the nightly ETL after a disk-full error")]  # fmt: skip
    notes = [ShiftRecord(2, "data-platform", SHIFT, ALICE.email, NOW, "The Kafka upgrade is half done: brokers 1-3")]
    done = [BacklogItem("data-platform", 2, "Bump the Spark image", None, 2, BacklogState.DONE, BOB.email, SHIFT,
                        done_by=ALICE.email, done_at=NOW)]  # fmt: skip
    return {
        "backlog": backlog_card(rotation="data-platform", items=items(), people=NAMES),
        "backlog-empty": backlog_card(rotation="data-platform", items=[]),
        "handover": handover_card(rotation="data-platform", shift_start=SHIFT, shift_end=SHIFT + timedelta(weeks=1),
                                  on_duty=ALICE.email, log=log, notes=notes, closed=done, viewer_zone=PARIS, now=NOW,
                                  people=NAMES),  # fmt: skip
        "rotation-ready": rotation_ready_card(rotation="ml-serving", members=(BOB.email, CAROL.email),
                                              on_duty=BOB.email, until=utc(2026, 3, 6, 14), viewer_zone=PARIS,
                                              now=NOW, people=NAMES),  # fmt: skip
    }


@pytest.mark.parametrize("name", sorted(cards()))
def test_card_is_valid_adaptive_card_1_5(name: str):
    assert schema_errors(cards()[name]) == []


def test_backlog_card_shows_numbers_priorities_links_and_who_is_on_an_item():
    said = texts([cards()["backlog"]])

    assert "**1** · p1 · [Rotate the TLS certificates](https://jira.example.com/OPS-12)" in said
    assert "Alice Martin is on it" in said and "**3** · p2" in said


def test_handover_card_shows_notes_log_and_closed_items_in_the_viewers_zone():
    said = texts([cards()["handover"]])

    assert "Shift Mon 2 Mar 12:00 → Mon 9 Mar 12:00, on duty: Alice Martin" in said
    assert "The Kafka upgrade is half done" in said and "yesterday" not in said
    assert "Restarted the nightly ETL" in said and "2. Bump the Spark image" in said


@pytest.mark.parametrize("name", sorted(cards()))
def test_card_pictures(name: str, render_card_png):
    card = cards()[name]
    rendered = render_card_png(card, ARTIFACTS / f"chat-{name}.png")

    assert card["body"][0]["text"] in rendered.text and rendered.height > 100
