"""Migrations: applied at open, matching the models, harmless on a second start."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage import Store
from bot.storage.database import alembic_config
from bot.storage.tables import Base
from tests.storage.samples import ACTOR, full_rotation, rows


def _differences(connection: Connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def schema_differences(url: str) -> list:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_differences)
    finally:
        await engine.dispose()


def head_revisions() -> list[tuple[str]]:
    """Every branch's head: each area of the service migrates its own tables."""
    return sorted((head,) for head in ScriptDirectory.from_config(alembic_config()).get_heads())


async def test_migrated_schema_matches_the_models(database_url):
    await (await Store.open(database_url)).close()

    assert await schema_differences(database_url) == []
    assert sorted(await rows(database_url, "SELECT version_num FROM alembic_version")) == head_revisions()


async def test_a_second_start_keeps_schema_and_data(database_url):
    first = await Store.open(database_url)
    stored = await first.create_rotation(full_rotation(), ACTOR)
    await first.close()

    second = await Store.open(database_url)
    try:
        assert await second.get_rotation(stored.name) == stored
        assert len(await second.audit_log()) == 1
    finally:
        await second.close()
    assert await schema_differences(database_url) == []
    assert sorted(await rows(database_url, "SELECT version_num FROM alembic_version")) == head_revisions()


async def test_replicas_starting_together_on_an_empty_database_all_come_up(database_url):
    stores = await asyncio.gather(*(Store.open(database_url) for _ in range(3)))
    try:
        await stores[0].create_rotation(full_rotation(), ACTOR)
        assert [r.name for r in await stores[2].list_rotations()] == ["data-platform"]
    finally:
        for opened in stores:
            await opened.close()
    assert await schema_differences(database_url) == []


async def test_ping_answers_on_an_open_database(store):
    await store.ping()


@pytest.mark.parametrize(
    "url",
    [
        "mysql+aiomysql://rota@db.example.com/rota",
        "sqlite:///rota.db",
        "postgresql://rota@db.example.com/rota",
        "rota.db",
        "",
    ],
)
async def test_unsupported_database_urls_are_refused_with_what_would_work(url):
    with pytest.raises(ValueError, match="sqlite\\+aiosqlite"):
        await Store.open(url)


async def test_a_refused_url_does_not_echo_its_password():
    with pytest.raises(ValueError) as raised:
        await Store.open("mysql+aiomysql://rota:hunter2@db.example.com/rota")
    assert "hunter2" not in str(raised.value)


async def test_sqlite_file_in_a_missing_directory_is_created_in_wal_mode(tmp_path):
    path = tmp_path / "state" / "nested" / "rota.db"
    opened = await Store.open(f"sqlite+aiosqlite:///{path}")
    await opened.close()

    assert path.is_file()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_an_in_memory_sqlite_database_works_for_one_store():
    opened = await Store.open("sqlite+aiosqlite://")
    try:
        await opened.create_rotation(full_rotation(), ACTOR)
        assert [r.name for r in await opened.list_rotations()] == ["data-platform"]
    finally:
        await opened.close()
