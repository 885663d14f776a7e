"""Alembic migrations of the Rota schema, applied by `Store.open` (no alembic.ini needed)."""
