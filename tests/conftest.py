"""Fixtures every test package shares: database URLs for SQLite and PostgreSQL.

`database_url` is parametrized, so a test that takes it runs once on each backend.
PostgreSQL is the server at ROTA_TEST_POSTGRES_URL (default: 127.0.0.1:5432, database
`test`, trust auth); each test gets a fresh database created from it and dropped after.
In CI (CI=true) an unreachable server fails the test; elsewhere it is skipped with the
reason, so a laptop without PostgreSQL can still run the rest.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import pytest

pytest_plugins = ["tests.render.fixtures"]

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    return os.environ.get("ROTA_TEST_POSTGRES_URL", DEFAULT_POSTGRES)


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _admin_execute(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _unreachable(reason: str) -> None:
    message = f"PostgreSQL not reachable at {postgres_admin_url()}: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI requires it)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[str]:
    """One scratch database for the session; each test empties it (much cheaper than
    CREATE DATABASE per test)."""
    yield from _scratch_database()


@pytest.fixture
def fresh_postgres_url() -> Iterator[str]:
    """A database of this test's own, for tests that drop or break it."""
    yield from _scratch_database()


def _scratch_database() -> Iterator[str]:
    name = f"rota_t_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin_execute(f'CREATE DATABASE "{name}"'))
    except (OSError, ConnectionError, asyncio.TimeoutError) as exc:
        _unreachable(str(exc))
    base = postgres_admin_url().rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _reset_schema(url: str) -> None:
    """Drop everything a previous test left (tables, types, Alembic's version table),
    ending any connection it leaked first."""
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(url), timeout=5)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()


@pytest.fixture
def postgres_url(_postgres_database: str) -> str:
    """An empty PostgreSQL database for this test."""
    asyncio.run(_reset_schema(_postgres_database))
    return _postgres_database


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'rota.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")
