"""Rotations to store, and a direct look at the tables behind the store's back."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.rotation import Override, Rotation, Secondary, ShiftLength, TimeOff

ACTOR = "cli:alice"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def rotation(name: str = "data-platform", **changes: Any) -> Rotation:
    values: dict[str, Any] = {
        "name": name,
        "timezone": "Europe/Paris",
        "shift": ShiftLength.parse("1w"),
        "handoff": "2026-03-02 12:00",
        "members": ("alice@example.com", "bob@example.com", "carol@example.com"),
        "secondary": Secondary.parse("next"),
    }
    values.update(changes)
    return Rotation(**values)


def full_rotation(name: str = "data-platform") -> Rotation:
    """With an override by a non-member and time off, as a team lead would declare it."""
    return rotation(
        name,
        overrides=(Override("dave@example.com", utc(2026, 4, 1, 10), utc(2026, 4, 2, 10)),),
        time_off=(TimeOff("bob@example.com", utc(2026, 4, 6), utc(2026, 4, 20)),),
    )


START = utc(2026, 4, 1, 10)


def override(person: str = "dave@example.com", hours: int = 24) -> Override:
    return Override(person, START, START + timedelta(hours=hours))


def time_off(person: str = "bob@example.com", hours: int = 24) -> TimeOff:
    return TimeOff(person, START, START + timedelta(hours=hours))


def without_ids(value: Rotation) -> Rotation:
    """The rotation as a caller wrote it: overrides not yet numbered by the store."""
    return replace(value, overrides=tuple(replace(o, created=0, id=None) for o in value.overrides))


async def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Read the database directly, to check what the store really wrote."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(text(sql))]
    finally:
        await engine.dispose()
