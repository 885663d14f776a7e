"""`routine_duties:` in the rotations file: read, planned, applied once, exported back."""

from __future__ import annotations

import pytest

from bot.rotafile import (
    RotafileError,
    apply_plan,
    current_duties,
    current_rotations,
    export_rotations,
    load_rotafile,
    plan_changes,
)
from bot.storage import Store
from tests.shifts.conftest import START
from tests.storage.conftest import FakeClock

FILE = """
rotations:
  - name: data-platform
    timezone: Europe/Paris
    shift: 1w
    handoff: "2026-03-02 12:00"
    members: [alice@example.com, bob@example.com]
    routine_duties:
      - "weekdays 16:00 Production rollout checklist: dashboards green; announce in #releases; deploy"
      - thu 18:00 Pre-prod push
      - "sat 09:00 Watch the release: error rate; latency"
"""


def test_duties_are_read_in_the_chat_grammar() -> None:
    [item] = load_rotafile(FILE)

    assert item.duties is not None
    assert [d.line() for d in item.duties] == [
        "weekdays 16:00 Production rollout checklist: dashboards green; announce in #releases; deploy",
        "thu 18:00 Pre-prod push",
        "sat 09:00 Watch the release: error rate; latency",
    ]
    assert load_rotafile(FILE.split("    routine_duties:")[0])[0].duties is None


def test_a_bad_duty_names_the_rotation_and_the_part_to_fix() -> None:
    with pytest.raises(RotafileError, match=r"rotation 'data-platform': days: 'someday'"):
        load_rotafile(FILE.replace("thu 18:00", "someday 18:00"))


async def test_applying_twice_changes_nothing_and_export_reads_back(sqlite_url: str) -> None:
    store = await Store.open(sqlite_url, clock=FakeClock(START))
    try:
        desired = load_rotafile(FILE)
        first = plan_changes(desired, await current_rotations(store), await current_duties(store))
        await apply_plan(store, first, "cli:test")
        second = plan_changes(desired, await current_rotations(store), await current_duties(store))
        exported = export_rotations(await store.list_rotations(), await current_duties(store))
        again = plan_changes(load_rotafile(exported), await current_rotations(store), await current_duties(store))
        cleared = FILE.split("    routine_duties:")[0] + "    routine_duties: []\n"
        emptied = plan_changes(load_rotafile(cleared), await current_rotations(store), await current_duties(store))
    finally:
        await store.close()

    assert [line for line in first.lines if "routine duties" in line] == [
        "~ routine duties data-platform: 0 -> 3 (weekdays 16:00 Production rollout checklist; thu 18:00 Pre-prod push; "
        "sat 09:00 Watch the release)"]  # fmt: skip
    assert second.empty and again.empty
    assert emptied.lines == ["~ routine duties data-platform: 3 -> 0 (none)"]
    assert "Pre-prod push" in exported
