"""Personal tokens: each shows only its own person's feed and alerts, and opens nothing
else of the API (403); API tokens open no feed; unknown tokens are refused (401)."""

from __future__ import annotations

from bot.appkeys import PERSONAL_TOKENS
from tests.api.conftest import Api, rotation_body
from tests.feed.conftest import ALICE, BOB, CAROL, DAN, ROTATION, open_stream

OTHER = "ml-infra"
#: Every kind of route a personal token must not open: reads, changes, calendar feeds, the tab.
ELSEWHERE = [
    ("GET", "/api/v1/rotations"),
    ("GET", f"/api/v1/rotations/{ROTATION}/on-call"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/alerts"),
    ("POST", f"/api/v1/rotations/{ROTATION}/members"),
    ("DELETE", f"/api/v1/rotations/{ROTATION}"),
    ("GET", "/api/v1/schedule?from=2026-03-20T00:00:00Z&to=2026-03-27T00:00:00Z"),
]


async def fire_alert(admin: Api, rotation: str, title: str) -> str:
    created = await admin.ok("POST", f"/api/v1/rotations/{rotation}/integrations", json={"kind": "generic"})
    response = await admin.client.post(f"/api/alerts/{created['id']}", json={"title": title, "dedup_key": title},
                                       headers={"Authorization": f"Bearer {created['secret']}"})
    assert response.status == 200
    return str((await response.json())["alerts"][0]["id"])


async def test_a_personal_token_cannot_read_the_rest_of_the_api(alice: Api):
    for method, path in ELSEWHERE:
        status, body = await alice.call(method, path, json={"person": ALICE} if method == "POST" else None)
        assert status == 403, (method, path, status)
        assert body["error"]["code"] == "forbidden"
    calendar = await alice.client.get(f"/api/v1/people/{ALICE}/calendar.ics?token={alice.secret}")
    assert calendar.status == 403


async def test_an_api_token_opens_no_feed_and_an_unknown_one_nothing(admin: Api, alice: Api):
    forged = Api(alice.client, alice.secret[:-4] + "AAAA")

    assert (await admin.call("GET", "/api/v1/me/shifts"))[0] == 403
    assert (await forged.call("GET", "/api/v1/me/shifts"))[0] == 401
    assert (await forged.call("GET", "/api/v1/rotations"))[0] == 401
    assert (await Api(alice.client, None).call("GET", "/api/v1/me/stream"))[0] == 401
    assert (await admin.call("GET", "/api/v1/me/stream"))[0] == 403


async def test_no_one_elses_shifts_rotations_or_alerts_show_in_my_feed(admin: Api, alice: Api, bob: Api):
    await admin.ok("POST", "/api/v1/rotations", json=rotation_body(OTHER, members=[CAROL, DAN]))
    theirs = await fire_alert(admin, OTHER, "GPU node down")
    ours = await fire_alert(admin, ROTATION, "Nightly ETL failed")

    mine, bobs = await alice.ok("GET", "/api/v1/me/shifts"), await bob.ok("GET", "/api/v1/me/shifts")

    assert [r["name"] for r in mine["rotations"]] == [ROTATION]
    assert {s["person"] for s in mine["shifts"]} == {ALICE} and {s["person"] for s in bobs["shifts"]} == {BOB}
    assert [a["id"] for a in mine["alerts"]] == [ours]
    assert bobs["alerts"] == []
    assert (await bob.call("POST", f"/api/v1/me/alerts/{ours}/acknowledge"))[0] == 404
    assert (await alice.call("POST", f"/api/v1/me/alerts/{theirs}/acknowledge"))[0] == 404
    assert (await alice.call("POST", "/api/v1/me/alerts/99999/acknowledge"))[0] == 404


async def test_a_stream_shows_only_its_owners_alerts(admin: Api, bob: Api):
    stream = await open_stream(bob)
    await stream.next()

    await fire_alert(admin, ROTATION, "Nightly ETL failed")
    await admin.ok("POST", f"/api/v1/rotations/{ROTATION}/time-off", json={
        "person": CAROL, "start": "2026-04-06T10:00:00Z", "end": "2026-04-13T10:00:00Z"})
    told = await stream.next_change()
    stream.close()

    assert told.type == "shift-changed"
    assert {s.person for s in told.data.shifts} == {BOB}


async def test_revoked_personal_tokens_are_refused(client, alice: Api):
    revoked = await client.app[PERSONAL_TOKENS].revoke(ALICE, actor="test")

    assert revoked == 1
    assert (await alice.call("GET", "/api/v1/me/shifts"))[0] == 401
    assert (await alice.call("GET", "/api/v1/rotations"))[0] == 401
