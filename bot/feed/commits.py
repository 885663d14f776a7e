"""Hearing every committed write to the database, whoever made it.

Rotations change through the API, the chat and the Schedule tab; alerts through
webhooks, buttons and timers. Rather than ask each of them to
announce their changes, the feed listens where they all meet: SQLAlchemy's engine events.
A write is noted on its connection, kept when the transaction commits, forgotten when it
rolls back, and reported when the connection goes back to the pool, by which time the
commit is done, so whoever reads next sees it. Audit entries written alongside say what
the change was (`override.add` ...) and to which rotation.

Only writes through this process's engine are heard: another replica's, or the command
line's, reach open streams with the next change or reconnection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.database import engines_of

AUDIT_TABLE = "audit_log"


@dataclass(frozen=True)
class Audited:
    rotation: str | None
    action: str


@dataclass
class Commit:
    """What one connection committed between two trips to the pool."""

    tables: set[str] = field(default_factory=set)
    audited: list[Audited] = field(default_factory=list)

    def merge(self, other: Commit) -> None:
        self.tables |= other.tables
        self.audited += other.audited


Listener = Callable[[Commit], None]


def watch(engine: AsyncEngine, tables: frozenset[str], listener: Listener) -> Callable[[], None]:
    """Call `listener` on the running loop after each commit that wrote to one of
    `tables`. Returns the function that stops listening."""
    loop = asyncio.get_running_loop()
    written_key, committed_key = object(), object()

    def executed(connection: Any, _cursor: Any, _statement: Any, _parameters: Any, context: Any,
                 _many: bool) -> None:
        if context.compiled is None or not (context.isinsert or context.isupdate or context.isdelete):
            return
        table = getattr(getattr(context.compiled.statement, "table", None), "name", None)
        if table is None:
            return
        pending = connection.info.setdefault(written_key, Commit())
        pending.tables.add(table)
        if table == AUDIT_TABLE and context.isinsert:
            pending.audited += [Audited(row.get("rotation_name"), row.get("action", ""))
                                for row in context.compiled_parameters]

    def committed(connection: Any) -> None:
        written = connection.info.pop(written_key, None)
        if written is not None:
            connection.info.setdefault(committed_key, Commit()).merge(written)

    def rolled_back(connection: Any) -> None:
        connection.info.pop(written_key, None)

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        done = record.info.pop(committed_key, None)
        if done is not None and done.tables & tables and not loop.is_closed():
            loop.call_soon_threadsafe(listener, done)

    hooks = []
    for each in engines_of(engine):
        sync_engine = each.sync_engine
        hooks += [(sync_engine, "after_cursor_execute", executed), (sync_engine, "commit", committed),
                  (sync_engine, "rollback", rolled_back), (sync_engine.pool, "checkin", checked_in)]
    for target, name, hook in hooks:
        event.listen(target, name, hook)

    def stop() -> None:
        for target, name, hook in hooks:
            event.remove(target, name, hook)

    return stop
