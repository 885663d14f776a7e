"""The statements `Store` runs, one small function each, inside a session it owns.

None of these commits or decides what an absence means: they return None or an empty
result, and `store.py` turns that into NotFound or Conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from shared.rotation import Override, TimeOff

from bot.storage.tables import AuditRow, MemberRow, OverrideRow, PersonRow, RotationRow, TimeOffRow

SpanRow = type[OverrideRow] | type[TimeOffRow]
#: Person fields that a later sighting (e.g. in Teams) fills in; None keeps what is stored.
FILLABLE_PERSON_FIELDS = ("display_name", "teams_id", "aad_object_id")


def rotation_query() -> Select[tuple[RotationRow]]:
    """Rotations with everything a `Rotation` value needs: four queries for any number of rows."""
    return select(RotationRow).options(
        joinedload(RotationRow.secondary),
        selectinload(RotationRow.members).joinedload(MemberRow.person),
        selectinload(RotationRow.overrides).joinedload(OverrideRow.person),
        selectinload(RotationRow.time_off).joinedload(TimeOffRow.person),
    )


async def load_rotation(session: AsyncSession, name: str) -> RotationRow | None:
    """Fresh from the database even if rows were changed earlier in this transaction."""
    query = rotation_query().where(RotationRow.name == name).execution_options(populate_existing=True)
    return await session.scalar(query)


async def rotation_id(session: AsyncSession, name: str) -> int | None:
    return await session.scalar(select(RotationRow.id).where(RotationRow.name == name))


async def rotations_naming_as_secondary(session: AsyncSession, rotation_id: int) -> list[str]:
    query = select(RotationRow.name).where(RotationRow.secondary_rotation_id == rotation_id).order_by(RotationRow.name)
    return list(await session.scalars(query))


async def insert_rotation(session: AsyncSession, values: Mapping[str, Any]) -> int:
    new_id = await session.scalar(insert(RotationRow).values(**values).returning(RotationRow.id))
    assert new_id is not None
    return new_id


async def replace_members(
    session: AsyncSession, rotation_id: int, members: Sequence[str], people: Mapping[str, int]
) -> None:
    await session.execute(
        delete(MemberRow).where(MemberRow.rotation_id == rotation_id).execution_options(synchronize_session=False)
    )
    rows = [{"rotation_id": rotation_id, "position": i, "person_id": people[m]} for i, m in enumerate(members)]
    await session.execute(insert(MemberRow), rows)


def _dialect_insert(session: AsyncSession) -> Callable[..., Any]:
    """INSERT ... ON CONFLICT is spelled the same on both backends but built per dialect."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def ensure_people(session: AsyncSession, emails: Iterable[str], now: datetime) -> dict[str, int]:
    """Ids of these (normalized) emails, creating the people not yet known. Safe against
    a concurrent transaction creating the same person."""
    wanted = list(dict.fromkeys(emails))
    if not wanted:
        return {}
    rows = [{"email": email, "created_at": now, "updated_at": now} for email in wanted]
    await session.execute(_dialect_insert(session)(PersonRow).values(rows).on_conflict_do_nothing())
    found = await session.execute(select(PersonRow.email, PersonRow.id).where(PersonRow.email.in_(wanted)))
    return {email: person_id for email, person_id in found}


async def upsert_person(
    session: AsyncSession, email: str, fields: Mapping[str, str | None], now: datetime
) -> PersonRow:
    """Create the person or fill in the given fields; a None field keeps the stored value."""
    table = PersonRow.__table__
    statement = _dialect_insert(session)(PersonRow).values(email=email, created_at=now, updated_at=now, **fields)
    filled = {name: func.coalesce(statement.excluded[name], table.c[name]) for name in FILLABLE_PERSON_FIELDS}
    await session.execute(
        statement.on_conflict_do_update(index_elements=[table.c.email], set_={**filled, "updated_at": now})
    )
    row = await session.scalar(
        select(PersonRow).where(PersonRow.email == email).execution_options(populate_existing=True)
    )
    assert row is not None
    return row


async def person(session: AsyncSession, email: str) -> PersonRow | None:
    return await session.scalar(select(PersonRow).where(PersonRow.email == email))


def span_values(
    rotation_id: int, span: Override | TimeOff, people: Mapping[str, int], now: datetime
) -> dict[str, Any]:
    return {
        "rotation_id": rotation_id,
        "person_id": people[span.person],
        "start_utc": span.start,
        "end_utc": span.end,
        "created_at": now,
    }


async def insert_spans(session: AsyncSession, table: SpanRow, rows: list[dict[str, Any]]) -> None:
    """Inserted in list order; ids are assigned in that order on both backends."""
    for values in rows:
        await insert_span(session, table, values)


async def insert_span(session: AsyncSession, table: SpanRow, values: Mapping[str, Any]) -> int:
    new_id = await session.scalar(insert(table).values(**values).returning(table.id))
    assert new_id is not None
    return new_id


async def find_span(session: AsyncSession, table: SpanRow, rotation_id: int, span_id: int) -> Any:
    query = (
        select(table)
        .where(table.id == span_id, table.rotation_id == rotation_id)
        .options(joinedload(table.person))
    )
    return await session.scalar(query)


async def add_audit(
    session: AsyncSession, at: datetime, actor: str, rotation: str | None, action: str, details: dict[str, Any]
) -> None:
    await session.execute(
        insert(AuditRow).values(at=at, actor=actor, rotation_name=rotation, action=action, details=details)
    )
