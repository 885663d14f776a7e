"""Opening a database: URL checks, the async engine, SQLite's settings, migrations.

On SQLite a writing transaction starts with `BEGIN IMMEDIATE`, so two writers queue
instead of one failing half-way; readers start a plain `BEGIN` and never block in WAL
mode. Inside one process, writers take turns on a pool of one connection of their own
(`writer`): SQLite lets one writer in at a time anyway, and waiting for the pool hands
the turn over the moment the last writer commits, where SQLite's busy handler would
sleep in growing steps (up to 100 ms) and starve everyone under a burst. The busy
timeout still arbitrates between processes (the service and `rota apply`).
"""

from __future__ import annotations

import logging
import sqlite3
import weakref
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

logger = logging.getLogger(__name__)

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
MIGRATIONS = Path(__file__).parent / "migrations"
#: Marks a connection whose transactions will write (see `_begin_sqlite`).
WRITE_OPTION = "rota_writes"
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Key of the PostgreSQL advisory lock held while migrating ("rota" in ASCII).
MIGRATION_LOCK_KEY = 0x726F7461
#: Each SQLite engine's writers' engine (one connection); it goes when the engine does.
_SQLITE_WRITERS: weakref.WeakKeyDictionary[Engine, AsyncEngine] = weakref.WeakKeyDictionary()


def parse_database_url(url: str) -> URL:
    """Raise ValueError, naming what is accepted, unless `url` is a database Rota can use."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError) as exc:
        raise ValueError(f"{_redacted(url)!r} is not a database URL; {_accepted()}") from exc
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise ValueError(f"unsupported database {parsed.drivername!r}; {_accepted()}")
    return parsed


def _accepted() -> str:
    return "use sqlite+aiosqlite:///path/to/rota.db or postgresql+asyncpg://user@host/dbname"


def _redacted(url: object) -> str:
    """Never echo a password back: keep only what comes before the credentials."""
    text_url = str(url)
    return text_url.split("://", 1)[0] + "://..." if "://" in text_url else text_url


def build_engine(url: URL) -> AsyncEngine:
    if url.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url)
    return create_async_engine(url, pool_pre_ping=True)


def _create_sqlite_engine(url: URL) -> AsyncEngine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = _sqlite_engine(url)
    if isinstance(engine.pool, StaticPool):
        return engine  # an in-memory database is one shared connection already
    writers = _sqlite_engine(url, pool_size=1, max_overflow=0, pool_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    _SQLITE_WRITERS[engine.sync_engine] = writers.execution_options(**{WRITE_OPTION: True})
    event.listen(engine.sync_engine, "engine_disposed", lambda _engine: writers.sync_engine.dispose())
    return engine


def _sqlite_engine(url: URL, **pool: Any) -> AsyncEngine:
    engine = create_async_engine(url, **pool)
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    event.listen(engine.sync_engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys are off in SQLite unless asked; WAL lets readers run beside a writer.

    The driver's own implicit BEGIN is turned off so that `_begin_sqlite` decides."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _enter_wal_mode(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _enter_wal_mode(cursor: Any) -> None:
    """Switch the file to WAL (a setting the file keeps), unless another connection holds it.

    SQLite refuses the switch at once, without waiting, while another connection is
    writing a brand-new file. That writer is one of these connections, which switched
    before writing, so the file it commits is in WAL mode and this connection follows."""
    try:
        cursor.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise
        logger.debug("another connection is creating the database; it sets WAL mode")


def _begin_sqlite(connection: Connection) -> None:
    writes = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def engines_of(engine: AsyncEngine) -> list[AsyncEngine]:
    """`engine` and, on SQLite, its writers' own: where to listen for what this process
    reads and writes (engine and pool events do not cross from one to the other)."""
    dedicated = _SQLITE_WRITERS.get(engine.sync_engine)
    return [engine] if dedicated is None else [engine, dedicated]


def writer(engine: AsyncEngine) -> AsyncEngine:
    """Where transactions that will write run: on SQLite the writers' own one-connection
    engine (disposed with `engine`), elsewhere the same engine, marked as writing."""
    dedicated = _SQLITE_WRITERS.get(engine.sync_engine)
    return dedicated if dedicated is not None else engine.execution_options(**{WRITE_OPTION: True})


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    async with writer(engine).begin() as connection:
        await connection.run_sync(_upgrade)


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    command.upgrade(alembic_config(connection), "heads")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's settings, built in code so nothing but the package is needed at run time."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config
