"""The two ways a storage call refuses, shared by every repository."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class NotFound(LookupError):
    """The named thing does not exist. `kind` is e.g. "rotation", `key` what was asked for."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key


class Conflict(Exception):
    """The change would break a rule that involves other stored data (a duplicate name,
    a rotation still used as another's secondary, a secondary that does not exist)."""


@asynccontextmanager
async def write_transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: committed if the block finishes, rolled back if it raises.
    A constraint that fails here (two writers racing for one name) is a Conflict."""
    try:
        async with sessions() as session, session.begin():
            yield session
    except IntegrityError as exc:
        raise Conflict("the change conflicts with data stored meanwhile; try again") from exc
