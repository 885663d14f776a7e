"""API tokens: the secret is shown once, only its hash is kept."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from bot.storage import Conflict, NotFound
from shared.rotation import ValidationError
from tests.storage.samples import rows


async def test_a_token_is_created_with_a_secret_only_its_hash_is_stored(store, database_url, clock):
    token, secret = await store.create_token("grafana", admin=False)

    assert secret.startswith("rota_") and len(secret) > 40
    assert (token.name, token.admin, token.created, token.last_used) == ("grafana", False, clock.now, None)
    stored = await rows(database_url, "SELECT name, secret_hash FROM api_tokens")
    assert stored == [("grafana", hashlib.sha256(secret.encode()).hexdigest())]
    everything = repr(await rows(database_url, "SELECT * FROM api_tokens")) + repr(
        await rows(database_url, "SELECT * FROM audit_log")
    )
    assert secret not in everything


async def test_two_tokens_never_share_a_secret(store):
    _, first = await store.create_token("one", admin=False)
    _, second = await store.create_token("two", admin=False)

    assert first != second


async def test_the_secret_authenticates_its_token_and_records_the_use(store, clock):
    token, secret = await store.create_token("ci", admin=True)
    clock.advance(timedelta(hours=1))

    found = await store.authenticate(secret)

    assert (found.id, found.name, found.admin, found.last_used) == (token.id, "ci", True, clock.now)
    assert (await store.list_tokens())[0].last_used == clock.now


async def test_uses_within_a_minute_are_recorded_once(store, clock):
    _, secret = await store.create_token("ci", admin=False)
    first_use = clock.now
    await store.authenticate(secret)

    clock.advance(timedelta(seconds=30))
    assert (await store.authenticate(secret)).last_used == first_use
    clock.advance(timedelta(minutes=2))
    assert (await store.authenticate(secret)).last_used == clock.now


async def test_anything_but_a_live_secret_authenticates_nobody(store):
    _, secret = await store.create_token("ci", admin=True)
    attempts = ["", "rota_", "rota_not-a-real-token", f"Bearer {secret}", secret[:-1], secret + "x" * 10_000]

    assert [await store.authenticate(attempt) for attempt in attempts] == [None] * len(attempts)


async def test_a_revoked_token_no_longer_authenticates_or_lists(store):
    _, secret = await store.create_token("ci", admin=True)
    await store.create_token("grafana", admin=False)

    await store.revoke_token("ci")

    assert await store.authenticate(secret) is None
    assert [t.name for t in await store.list_tokens()] == ["grafana"]
    with pytest.raises(NotFound):
        await store.revoke_token("ci")


async def test_tokens_are_listed_by_name(store):
    for name in ("zabbix", "alertmanager", "grafana"):
        await store.create_token(name, admin=False)

    assert [t.name for t in await store.list_tokens()] == ["alertmanager", "grafana", "zabbix"]


async def test_a_token_name_is_used_once(store):
    await store.create_token("ci", admin=True)
    await store.revoke_token("ci")

    with pytest.raises(Conflict, match="ci"):
        await store.create_token("ci", admin=False)


async def test_token_names_are_short_plain_words(store):
    for name in ("", "x" * 65, "has space", "semi;colon", "émoji"):
        with pytest.raises(ValidationError) as raised:
            await store.create_token(name, admin=False)
        assert raised.value.field == "name"
    assert await store.list_tokens() == []


async def test_a_64_character_dotted_name_is_accepted(store):
    name = "ci.deploy_bot-" + "x" * 50

    token, _ = await store.create_token(name, admin=False)

    assert token.name == name


async def test_revoking_an_unknown_token_is_not_found(store):
    with pytest.raises(NotFound) as raised:
        await store.revoke_token("ghost")
    assert (raised.value.kind, raised.value.key) == ("token", "ghost")
