"""The storage contract: domain values in, domain values out.

Semantics fixed here (and by tests/storage/): every mutating call is one transaction
that either applies fully or not at all, and writes one audit entry naming the actor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.rotation import Override, Rotation, TimeOff


class NotFound(LookupError):
    """The named thing does not exist. `kind` is e.g. "rotation", `key` what was asked for."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key


class Conflict(Exception):
    """The change would break a rule that involves other stored data (a duplicate name,
    a rotation still used as another's secondary, a secondary that does not exist)."""


@dataclass(frozen=True)
class Person:
    email: str
    display_name: str | None = None
    teams_id: str | None = None
    aad_object_id: str | None = None


@dataclass(frozen=True)
class Token:
    id: int
    name: str
    admin: bool
    created: datetime
    last_used: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    rotation: str | None
    action: str
    details: dict


class Store:
    """Async repository. Create with `await Store.open(url)`; close with `await store.close()`."""

    @classmethod
    async def open(cls, url: str) -> Store:
        """Connect, apply migrations up to head, and return a ready store.

        SQLite runs in WAL mode with foreign keys on. Raises ValueError for a URL that
        names no supported database (sqlite+aiosqlite, postgresql+asyncpg)."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query (used by /healthz)."""
        raise NotImplementedError

    # rotations ---------------------------------------------------------------------
    async def list_rotations(self) -> list[Rotation]:
        """All rotations, by name, complete with overrides and time off."""
        raise NotImplementedError

    async def get_rotation(self, name: str) -> Rotation:
        """Raises NotFound."""
        raise NotImplementedError

    async def create_rotation(self, rotation: Rotation, actor: str) -> Rotation:
        """Store a new rotation with its members, overrides and time off.
        Raises Conflict if the name is taken or the secondary rotation does not exist."""
        raise NotImplementedError

    async def update_rotation(self, rotation: Rotation, actor: str) -> Rotation:
        """Replace the settings and members of the rotation named `rotation.name`;
        its overrides and time off are kept. Raises NotFound, Conflict."""
        raise NotImplementedError

    async def delete_rotation(self, name: str, actor: str) -> None:
        """Raises NotFound; Conflict while another rotation names it as secondary."""
        raise NotImplementedError

    async def add_override(self, rotation: str, override: Override, actor: str) -> Override:
        """Returns the stored override with `id` set and `created` set to a value larger
        than every earlier override's (so later-created wins)."""
        raise NotImplementedError

    async def delete_override(self, rotation: str, override_id: int, actor: str) -> None:
        raise NotImplementedError

    async def add_time_off(self, rotation: str, time_off: TimeOff, actor: str) -> TimeOff:
        raise NotImplementedError

    async def delete_time_off(self, rotation: str, time_off_id: int, actor: str) -> None:
        raise NotImplementedError

    # people --------------------------------------------------------------------------
    async def upsert_person(self, person: Person) -> Person:
        """Create or fill in a person; fields given as None keep their stored value."""
        raise NotImplementedError

    async def get_person(self, email: str) -> Person:
        raise NotImplementedError

    # tokens --------------------------------------------------------------------------
    async def create_token(self, name: str, admin: bool) -> tuple[Token, str]:
        """Returns the token and its secret; only a hash of the secret is stored."""
        raise NotImplementedError

    async def authenticate(self, secret: str) -> Token | None:
        """The live token whose secret this is, or None. Records last use."""
        raise NotImplementedError

    async def list_tokens(self) -> list[Token]:
        raise NotImplementedError

    async def revoke_token(self, name: str) -> None:
        raise NotImplementedError

    # audit ---------------------------------------------------------------------------
    async def audit_log(self, rotation: str | None = None, limit: int = 100) -> Sequence[AuditEntry]:
        """Newest first."""
        raise NotImplementedError
