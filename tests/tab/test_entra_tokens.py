"""Entra ID user tokens: a good one names the person; a wrong issuer, audience, tenant,
signature or lifetime is refused with the reason; keys are fetched once, and again for a
key id the service has not seen, but not on every forged token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import aiohttp
import jwt
import pytest

from bot.auth.entra import (
    DEFAULT_LEEWAY,
    REFETCH_INTERVAL,
    EntraConfig,
    EntraTokenError,
    EntraUnavailable,
    EntraUser,
    EntraValidator,
    app_audiences,
)
from tests.fakes.entra_keys import ALICE, APP_ID, HOST, TENANT, FakeTenant, Person

START = datetime(2026, 3, 20, 9, 0, tzinfo=timezone.utc)
OTHER_TENANT = "9e8d7c6b-5a49-4837-a261-504f3e2d1c0b"


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class World:
    tenant: FakeTenant
    clock: Clock
    validator: EntraValidator

    async def refusal(self, token: str) -> str:
        with pytest.raises(EntraTokenError) as refused:
            await self.validator.validate(token)
        return refused.value.reason


@pytest.fixture
async def world() -> AsyncIterator[World]:
    tenant = FakeTenant()
    await tenant.start()
    clock = Clock()
    config = EntraConfig(audiences=app_audiences(APP_ID, HOST), tenants=frozenset({TENANT}),
                         metadata_url=tenant.metadata_url)  # fmt: skip
    async with aiohttp.ClientSession() as session:
        yield World(tenant, clock, EntraValidator(session, config, clock=clock))
    await tenant.close()


async def test_a_teams_single_sign_on_token_names_the_person(world: World) -> None:
    user = await world.validator.validate(world.tenant.mint(START))

    assert user == EntraUser(object_id=ALICE.object_id, tenant_id=TENANT, email="alice@example.com",
                             name="Alice Martin")  # fmt: skip


async def test_a_v2_token_for_the_app_id_is_accepted_and_its_name_lower_cased(world: World) -> None:
    token = world.tenant.mint(START, version="2.0", person=Person(upn="Bob.Jones@Example.com", name="Bob"))

    user = await world.validator.validate(token)

    assert user.email == "bob.jones@example.com"


async def test_a_guest_is_known_by_their_email_claim_not_their_mangled_upn(world: World) -> None:
    guest = Person(upn="carol_partner.org#EXT#@example.onmicrosoft.com", name="Carol")

    assert (await world.validator.validate(world.tenant.mint(START, person=guest))).email is None
    token = world.tenant.mint(START, person=guest, email="carol@partner.org")
    assert (await world.validator.validate(token)).email == "carol@partner.org"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"iss": "https://login.example.net/5b7c2d1e-8f3a-4c6b-9d0e-1a2b3c4d5e6f/v2.0"}, "issuer"),
        ({"iss": f"https://sts.windows.net/{OTHER_TENANT}/"}, "issuer"),
        ({"iss": f"https://sts.windows.net/{OTHER_TENANT}/", "tid": OTHER_TENANT}, "tenant"),
        ({"aud": "api://rota.example.com/00000000-0000-0000-0000-000000000000"}, "another application"),
        ({"aud": "https://graph.microsoft.com"}, "another application"),
        ({"scp": None, "roles": ["Schedules.Read"]}, "application's"),
        ({"oid": None}, "'oid'"),
        ({"exp": None}, "'exp'"),
    ],
)
async def test_a_token_for_someone_else_is_refused(world: World, claims: dict, reason: str) -> None:
    assert reason in await world.refusal(world.tenant.mint(START, **claims))


async def test_a_signature_by_a_key_nobody_published_is_refused(world: World) -> None:
    forged = world.tenant.unpublished_key()
    published_kid = world.tenant.keys[0].kid
    token = jwt.encode(jwt.decode(world.tenant.mint(START), options={"verify_signature": False}),
                       forged.private, algorithm="RS256", headers={"kid": published_kid})  # fmt: skip

    assert "signature" in await world.refusal(token)


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c"])
async def test_what_is_not_a_jwt_is_refused(world: World, token: str) -> None:
    assert "not a JWT" in await world.refusal(token)


async def test_an_unsigned_or_shared_secret_token_is_refused(world: World) -> None:
    claims = jwt.decode(world.tenant.mint(START), options={"verify_signature": False})

    assert "only RS256" in await world.refusal(jwt.encode(claims, "a-shared-secret-of-thirty-two-bytes!", "HS256"))
    unsigned = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]
    assert "only RS256" in await world.refusal(unsigned)


async def test_a_token_is_accepted_within_its_lifetime_and_the_leeway_only(world: World) -> None:
    token = world.tenant.mint(START, lifetime=timedelta(hours=1))
    early = world.tenant.mint(START + DEFAULT_LEEWAY + timedelta(seconds=5))

    world.clock.advance(timedelta(hours=1) + DEFAULT_LEEWAY - timedelta(seconds=1))
    assert (await world.validator.validate(token)).email == "alice@example.com"
    world.clock.advance(timedelta(seconds=1))
    assert "expired" in await world.refusal(token)
    world.clock.now = START
    assert "not valid yet" in await world.refusal(early)


async def test_keys_are_fetched_once_for_many_tokens(world: World) -> None:
    for _ in range(3):
        await world.validator.validate(world.tenant.mint(START))

    assert world.tenant.jwks_fetches == 1


async def test_a_new_key_id_fetches_the_keys_again_but_not_on_every_forged_token(world: World) -> None:
    await world.validator.validate(world.tenant.mint(START))
    rolled = world.tenant.rotate()
    unknown = world.tenant.mint(START, key=world.tenant.unpublished_key())

    world.clock.advance(REFETCH_INTERVAL)
    assert (await world.validator.validate(world.tenant.mint(START, key=rolled))).email == "alice@example.com"
    assert world.tenant.jwks_fetches == 2
    for _ in range(3):
        assert "does not publish" in await world.refusal(unknown)
    assert world.tenant.jwks_fetches == 2

    world.clock.advance(REFETCH_INTERVAL)
    assert "does not publish" in await world.refusal(unknown)
    assert world.tenant.jwks_fetches == 3


async def test_a_key_rolled_over_just_after_a_fetch_is_found_once_the_interval_passes(world: World) -> None:
    await world.validator.validate(world.tenant.mint(START))
    rolled = world.tenant.rotate()
    token = world.tenant.mint(START, key=rolled)

    assert "does not publish" in await world.refusal(token)
    world.clock.advance(REFETCH_INTERVAL)
    assert (await world.validator.validate(token)).object_id == ALICE.object_id


async def test_unreachable_keys_are_a_temporary_failure_not_a_refusal(world: World) -> None:
    token = world.tenant.mint(START)
    await world.tenant.close()

    with pytest.raises(EntraUnavailable):
        await world.validator.validate(token)


async def test_keys_are_fetched_over_https_except_from_loopback() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ValueError, match="https"):
            EntraValidator(session, EntraConfig(frozenset({APP_ID}), metadata_url="http://login.example.com/x"),
                           clock=Clock())  # fmt: skip
