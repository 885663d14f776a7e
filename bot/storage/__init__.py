"""Persistence: SQLAlchemy 2 (async) on SQLite or PostgreSQL, migrations applied at open.

Everything outside this package talks to `Store` with domain values (`shared.rotation`),
never with rows or sessions.
"""

from bot.storage.store import AuditEntry, Conflict, NotFound, Person, Store, Token

__all__ = ["AuditEntry", "Conflict", "NotFound", "Person", "Store", "Token"]
