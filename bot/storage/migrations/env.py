"""Alembic environment: runs on the connection that `bot.storage.schema` hands over.

Migrations are applied by `Store.open` inside one transaction (and, on PostgreSQL,
under an advisory lock), so there is no engine or URL to configure here.
"""

from __future__ import annotations

from alembic import context

from bot.storage.tables import Base


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Rota applies its migrations itself when it opens the database (Store.open)")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
