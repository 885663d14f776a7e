"""Webhook parsers against the real payloads, a current Alertmanager body, and any JSON."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from bot.alerts.model import IncomingAlert, IntegrationKind, Link, Severity, SourceStatus
from bot.alerts.parsers import (
    GENERIC_SCHEMA,
    MAX_ALERTS,
    PayloadError,
    decode_json,
    label_fingerprint,
    parse,
    parse_alertmanager,
    parse_generic,
    parse_grafana,
)
from tests.reference import PAYLOADS



def payload(name: str) -> object:
    return json.loads((PAYLOADS / name).read_text())


def current_alertmanager_body() -> dict:
    """A body as Alertmanager sends it today (docs/configuration.md, `<webhook_config>`):
    per-alert fingerprints, truncatedAlerts, notification_reason, and keys Rota does not read."""
    return {
        "version": "4",
        "groupKey": '{}/{team="data"}:{alertname="NightlyETLFailed"}',
        "truncatedAlerts": 2,
        "status": "firing",
        "receiver": "rota",
        "groupLabels": {"alertname": "NightlyETLFailed"},
        "commonLabels": {"alertname": "NightlyETLFailed", "team": "data"},
        "commonAnnotations": {},
        "externalURL": "https://alertmanager.example.com",
        "notification_reason": "new alerts",
        "routeLabels": {"team": "data"},
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "NightlyETLFailed", "team": "data", "job": "orders", "severity": "page"},
                "annotations": {
                    "summary": "Nightly ETL job orders failed\nsee the logs",
                    "description": "Exit code 137 (out of memory).",
                    "runbook_url": "https://runbooks.example.com/etl",
                    "dashboard_url": "https://grafana.example.com/d/etl",
                },
                "startsAt": "2026-03-02T02:14:05.123456789Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "https://prometheus.example.com/graph?g0.expr=etl_failed",
                "fingerprint": "a1b2c3d4e5f60718",
            },
            {
                "labels": {"alertname": "NightlyETLFailed", "team": "data", "job": "users", "severity": "info"},
                "annotations": {},
                "startsAt": "2026-03-02T02:10:00Z",
                "endsAt": "2026-03-02T02:20:00Z",
                "generatorURL": "",
                "fingerprint": "0f1e2d3c4b5a6978",
                "status": "resolved",
            },
            {
                "labels": {"alertname": "NightlyETLFailed", "team": "data", "job": "billing"},
                "annotations": {"title": "Billing ETL failed"},
                "startsAt": "2026-03-02T02:15:00+01:00",
                "fingerprint": "1111222233334444",
            },
        ],
    }


# Alertmanager -------------------------------------------------------------------------------
def test_the_real_alertmanager_firing_body_is_one_critical_firing_alert():
    [alert] = parse_alertmanager(payload("alertmanager-webhook-firing.json"))
    assert alert.status is SourceStatus.FIRING  # although its endsAt is set, in the future
    assert (alert.title, alert.severity, alert.description) == ("Fire", Severity.CRITICAL, "Something is on fire")
    assert alert.dedup_key == label_fingerprint({"alertname": "Fire", "severity": "critical"})
    assert alert.starts_at == datetime(2018, 11, 4, 21, 43, 58, 283995, tzinfo=timezone.utc)
    assert [link.name for link in alert.links] == ["Source", "Silence"]
    assert alert.links[0].url == "http://localhost:9090/graph?g0.expr=vector%28666%29&g0.tab=1"
    assert alert.links[1].url == ("http://localhost:9093/#/silences/new?filter="
                                  "%7Balertname%3D%22Fire%22%2C%20severity%3D%22critical%22%7D")


def test_the_real_resolved_body_resolves_the_same_alert():
    [firing] = parse_alertmanager(payload("alertmanager-webhook-firing.json"))
    [resolved] = parse_alertmanager(payload("alertmanager-webhook-resolved.json"))
    assert resolved.status is SourceStatus.RESOLVED and resolved.dedup_key == firing.dedup_key


def test_a_current_alertmanager_body_uses_fingerprints_and_each_alerts_own_status():
    orders, users, billing = parse_alertmanager(current_alertmanager_body())
    assert [a.dedup_key for a in (orders, users, billing)] == ["a1b2c3d4e5f60718", "0f1e2d3c4b5a6978",
                                                               "1111222233334444"]
    assert [a.status for a in (orders, users, billing)] == [SourceStatus.FIRING, SourceStatus.RESOLVED,
                                                            SourceStatus.FIRING]  # billing: the group's
    assert (orders.title, orders.severity) == ("Nightly ETL job orders failed", Severity.CRITICAL)
    assert orders.starts_at == datetime(2026, 3, 2, 2, 14, 5, 123456, tzinfo=timezone.utc)
    assert [link.name for link in orders.links] == ["Runbook", "Dashboard", "Source", "Silence"]
    assert (users.title, users.severity, users.description) == ("NightlyETLFailed", Severity.INFO, "")
    assert (billing.title, billing.severity) == ("Billing ETL failed", Severity.WARNING)
    assert billing.starts_at == datetime(2026, 3, 2, 1, 15, tzinfo=timezone.utc)


def test_the_label_fingerprint_is_order_independent_and_tells_label_sets_apart():
    assert label_fingerprint({"a": "1", "b": "2"}) == label_fingerprint({"b": "2", "a": "1"})
    assert label_fingerprint({"a": "1", "b": "2"}) != label_fingerprint({"a": "12"})
    assert label_fingerprint({}) == "cbf29ce484222325"  # FNV-1a's offset basis, as Alertmanager


def test_a_long_summary_makes_a_shortened_title_not_a_refusal():
    body = current_alertmanager_body()
    body["alerts"][0]["annotations"]["summary"] = "x" * 2000
    title = parse_alertmanager(body)[0].title
    assert len(title) == 500 and title.endswith("…")


def test_a_link_that_is_not_http_is_left_out():
    body = current_alertmanager_body()
    body["alerts"][0]["annotations"]["runbook_url"] = "javascript:alert(1)"
    assert "Runbook" not in [link.name for link in parse_alertmanager(body)[0].links]


# Grafana ----------------------------------------------------------------------------------------
def test_the_grafana_example_is_two_firing_alerts_with_their_links_and_values():
    first, second = parse_grafana(payload("grafana-webhook-firing.json"))
    assert (first.dedup_key, second.dedup_key) == ("c6eadffa33fcdf37", "bc97ff14869b13e3")
    assert first.status is second.status is SourceStatus.FIRING
    assert first.title == "This alert was triggered for zone us-1"
    assert first.description == "The system has high memory usage\n\nValues: B=44.2394, C=1"
    assert first.links == (
        Link("Runbook", "https://myrunbook.com/runbook/1234"),
        Link("Silence", "https://play.grafana.org/alerting/silence/new?alertmanager=grafana"
                        "&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1"),
        Link("Source", "https://play.grafana.org/alerting/1afz29v7z/edit"),
    )
    assert first.labels == {"alertname": "High memory usage", "team": "blue", "zone": "us-1"}


def test_grafana_dashboard_and_panel_links_and_resolved_alerts():
    body = payload("grafana-webhook-firing.json")
    body["alerts"][0] |= {"status": "resolved", "dashboardURL": "https://g.example.com/d/x",
                          "panelURL": "https://g.example.com/d/x?viewPanel=2", "values": None}
    alert = parse_grafana(body)[0]
    assert alert.status is SourceStatus.RESOLVED
    assert [link.name for link in alert.links] == ["Runbook", "Dashboard", "Panel", "Silence", "Source"]
    assert alert.description == "The system has high memory usage"


def test_a_legacy_grafana_alert_is_refused_with_the_reason():
    with pytest.raises(PayloadError, match="legacy Grafana alert"):
        parse_grafana({"ruleName": "cpu", "state": "alerting", "evalMatches": []})


# Generic ----------------------------------------------------------------------------------------
def test_the_generic_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(GENERIC_SCHEMA)


def test_a_minimal_generic_alert_is_a_firing_warning():
    [alert] = parse_generic({"title": "Nightly ETL failed"})
    assert (alert.title, alert.status, alert.severity, alert.links) == (
        "Nightly ETL failed", SourceStatus.FIRING, Severity.WARNING, ())


def test_a_full_generic_alert_with_links_as_a_list_or_an_object():
    body = {"title": "Model drift", "severity": "P2", "dedup_key": "drift-churn", "description": "PSI 0.31",
            "labels": {"model": "churn"}, "status": "resolved",
            "links": [{"name": "Dashboard", "url": "https://grafana.example.com/d/drift"}]}
    [as_list] = parse_generic(body)
    [as_object] = parse_generic(body | {"links": {"Dashboard": "https://grafana.example.com/d/drift"}})
    assert as_list == as_object
    assert (as_list.dedup_key, as_list.severity, as_list.status) == ("drift-churn", Severity.HIGH,
                                                                     SourceStatus.RESOLVED)


def test_without_a_key_the_same_title_and_labels_are_the_same_alert():
    key = parse_generic({"title": "ETL failed", "labels": {"job": "orders"}})[0].dedup_key
    assert parse_generic({"labels": {"job": "orders"}, "title": "ETL failed"})[0].dedup_key == key
    assert parse_generic({"title": "ETL failed", "labels": {"job": "users"}})[0].dedup_key != key


def test_parse_dispatches_on_the_integration_kind():
    assert parse(IntegrationKind.GENERIC, {"title": "x"})[0].title == "x"
    assert len(parse(IntegrationKind.GRAFANA, payload("grafana-webhook-firing.json"))) == 2


# Refusals ----------------------------------------------------------------------------------------
def _with_alert(**changes) -> dict:
    body = current_alertmanager_body()
    body["alerts"][0] |= changes
    return body


@pytest.mark.parametrize(("parser", "body", "reason"), [
    (parse_alertmanager, [], "the body must be a JSON object (an Alertmanager webhook), not a list"),
    (parse_alertmanager, {"alerts": []}, "missing field 'version' (Alertmanager sends \"4\")"),
    (parse_alertmanager, {"version": "5", "alerts": []}, 'unknown Alertmanager webhook version "5"'),
    (parse_alertmanager, {"version": "4"}, "missing field 'alerts'"),
    (parse_alertmanager, {"version": "4", "alerts": {}}, "alerts: must be a list, not an object"),
    (parse_alertmanager, {"version": "4", "alerts": [{}] * (MAX_ALERTS + 1)},
     "alerts: 1001 alerts in one body; the limit is 1000"),
    (parse_alertmanager, {"version": "4", "alerts": [{"labels": {}}]}, "alerts[0].status: missing"),
    (parse_alertmanager, {"version": "4", "alerts": ["x"]}, "alerts[0]: must be an object, not a string"),
    (parse_alertmanager, _with_alert(status="pending"), 'alerts[0].status: "pending" is not firing or resolved'),
    (parse_alertmanager, _with_alert(labels={"team": 7}), "alerts[0].labels.team: must be a string"),
    (parse_alertmanager, _with_alert(labels=[]), "alerts[0].labels: must be an object"),
    (parse_alertmanager, {"version": "4", "externalURL": 5, "alerts": []}, "externalURL: must be a string"),
    (parse_alertmanager, _with_alert(labels={"team": "x" * 5000}),
     "alerts[0].labels.team: is 5000 characters long; the limit is 4096"),
    (parse_alertmanager, _with_alert(startsAt="yesterday"), 'alerts[0].startsAt: "yesterday" is not an RFC 3339'),
    (parse_alertmanager, _with_alert(startsAt="2026-03-02T10:00:00"), "alerts[0].startsAt: "),
    (parse_alertmanager, _with_alert(startsAt="9999-12-31T23:59:59-23:59"), "alerts[0].startsAt: "),
    (parse_alertmanager, _with_alert(fingerprint=12), "alerts[0].fingerprint: must be a string"),
    (parse_alertmanager, _with_alert(generatorURL={}), "alerts[0].generatorURL: must be a string"),
    (parse_grafana, {"version": "4", "alerts": []}, 'unknown Grafana webhook version "4"'),
    (parse_grafana, {"alerts": [{"status": "firing", "values": {"B": "high"}}]},
     "alerts[0].values.B: must be a number or null, not a string"),
    (parse_generic, {}, "missing field 'title'"),
    (parse_generic, "title", "body: must be an object, not a string"),
    (parse_generic, {"title": 3}, "title: must be a string, not a number"),
    (parse_generic, {"title": ""}, "title: must be 1 to 500 characters (it has 0)"),
    (parse_generic, {"title": "x" * 501}, "title: must be 1 to 500 characters (it has 501)"),
    (parse_generic, {"title": "x", "dedupkey": "k"}, 'body: unknown field "dedupkey"'),
    (parse_generic, {"title": "x", "status": "ok"}, "status: must be one of firing, resolved"),
    (parse_generic, {"title": "x", "labels": {"a": 1}}, "labels.a: must be a string, not a number"),
    (parse_generic, {"title": "x", "links": [{"name": "r", "url": "javascript:x"}]},
     'links[0].url: "javascript:x" is not an http(s) URL'),
    (parse_generic, {"title": "x", "links": {"r": "ftp://x"}}, 'links.r: "ftp://x" is not an http(s) URL'),
    (parse_generic, {"title": "x", "links": [{"url": "https://x.example.com"}]}, "missing field 'name' in links[0]"),
    (parse_generic, {"title": "x", "links": "https://x"}, "links: must be a list or an object, not a string"),
    (parse_generic, {"title": "x", "links": [{"name": "r", "url": "https://x.example.com"}] * 21},
     "links: has 21 entries; the limit is 20"),
    (parse_generic, {"title": "x\x00"}, "title: contains a character that cannot be stored"),
])
def test_a_malformed_body_is_refused_with_a_precise_reason(parser, body, reason):
    with pytest.raises(PayloadError) as error:
        parser(body)
    assert error.value.reason.startswith(reason), error.value.reason


def test_a_huge_value_is_never_echoed_back():
    with pytest.raises(PayloadError) as error:
        parse_alertmanager({"version": "x" * 100_000, "alerts": []})
    assert len(error.value.reason) < 200


@pytest.mark.parametrize(("raw", "reason"), [
    (b"\xff\xfe", "the body is not UTF-8 text"),
    (b"{", "the body is not JSON: Expecting property name"),
    (b"[" * 100 + b"]" * 100, "the body is nested deeper than 64 levels"),
    (b"[" * 100_000 + b"]" * 100_000, "the body is nested deeper than 64 levels"),
    (b'{"severity": ' + b"9" * 5000 + b"}", "the body is not JSON that can be read"),
])
def test_a_body_that_is_not_json_is_refused(raw, reason):
    with pytest.raises(PayloadError) as error:
        decode_json(raw)
    assert error.value.reason.startswith(reason)


# Any JSON at all --------------------------------------------------------------------------------
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=20)
#: Objects built from the keys the parsers read, so the search reaches past the first check.
known_keys = st.sampled_from([
    "version", "status", "alerts", "labels", "annotations", "fingerprint", "startsAt", "endsAt",
    "generatorURL", "externalURL", "dashboardURL", "panelURL", "silenceURL", "values", "summary",
    "runbook_url", "severity", "title", "dedup_key", "description", "links", "name", "url",
])
near_values = st.sampled_from(["4", "1", "firing", "resolved", "https://x.example.com/", "0001-01-01T00:00:00Z",
                               "2026-03-02T10:00:00Z", "critical", ""]) | json_values
shaped = st.recursive(near_values, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(known_keys, inner, max_size=6), max_leaves=30)
PARSERS = (parse_alertmanager, parse_grafana, parse_generic)


def _parses_or_refuses(parser, body) -> None:
    try:
        alerts = parser(body)
    except PayloadError as error:
        assert error.reason
    else:
        assert isinstance(alerts, list) and all(isinstance(alert, IncomingAlert) for alert in alerts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parser=st.sampled_from(PARSERS), body=json_values | shaped)
def test_any_json_is_parsed_or_refused_with_a_payload_error(parser, body):
    _parses_or_refuses(parser, body)


@settings(max_examples=150, deadline=None)
@given(parser=st.sampled_from(PARSERS), alert=st.dictionaries(known_keys, near_values, max_size=8),
       group=st.dictionaries(known_keys, near_values, max_size=4), version=st.sampled_from(["4", "1"]))
def test_any_alert_inside_a_valid_group_is_parsed_or_refused(parser, alert, group, version):
    _parses_or_refuses(parser, group | {"version": version, "status": "firing", "alerts": [alert]})


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=200) | json_values.map(lambda value: json.dumps(value).encode()))
def test_any_bytes_are_decoded_or_refused_with_a_payload_error(raw):
    try:
        body = decode_json(raw)
    except PayloadError:
        return
    _parses_or_refuses(parse_generic, body)
