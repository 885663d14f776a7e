"""Webhook bodies to incoming alerts: Alertmanager, Grafana, and Rota's generic JSON.

Each parser takes the decoded JSON body and returns the alerts it carries, or raises
`PayloadError` with a reason precise enough to fix the sender ("alerts[3].labels.team:
must be a string"). No other exception escapes for any JSON value, so the webhook can
answer 400 with the reason and never 5xx. Unknown keys from newer source versions are
accepted; the fields Rota reads are checked for type and size.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from urllib.parse import quote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError
from jsonschema.exceptions import best_match

from bot.alerts.model import (
    MAX_ENTRIES,
    MAX_KEY,
    MAX_LABEL_VALUE,
    MAX_LINK_NAME,
    MAX_LINKS,
    MAX_TEXT,
    MAX_TITLE,
    MAX_URL,
    IncomingAlert,
    IntegrationKind,
    Link,
    Severity,
    SourceStatus,
    check_mapping,
    check_text,
)
from shared.rotation import ValidationError, to_utc

#: One webhook may carry at most this many alerts (Alertmanager's `max_alerts` can cap it).
MAX_ALERTS = 1_000
#: Deeper JSON than this is no alert payload; refused before it can exhaust the stack.
MAX_DEPTH = 64

ALERTMANAGER_VERSION = "4"
GRAFANA_VERSION = "1"


class PayloadError(ValueError):
    """A body Rota cannot read; `reason` says what is wrong, for a 400 answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_json(raw: bytes | str) -> object:
    """The request body as JSON, or PayloadError (invalid UTF-8, invalid JSON, too deep)."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value = json.loads(text)
    except UnicodeDecodeError:
        raise PayloadError("the body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise PayloadError(f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise PayloadError(f"the body is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # e.g. an integer longer than Python converts (4,300 digits)
        raise PayloadError(f"the body is not JSON that can be read: {exc}") from None
    if _depth_exceeds(value, MAX_DEPTH):
        raise PayloadError(f"the body is nested deeper than {MAX_DEPTH} levels")
    return value


def _depth_exceeds(value: object, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def parse(kind: IntegrationKind, body: object) -> list[IncomingAlert]:
    """Dispatch on the integration's kind."""
    parsers: dict[IntegrationKind, Callable[[object], list[IncomingAlert]]] = {
        IntegrationKind.ALERTMANAGER: parse_alertmanager,
        IntegrationKind.GRAFANA: parse_grafana,
        IntegrationKind.GENERIC: parse_generic,
    }
    return parsers[IntegrationKind(kind)](body)


# Alertmanager and Grafana ---------------------------------------------------------------
def parse_alertmanager(body: object) -> list[IncomingAlert]:
    """Alertmanager's webhook (version "4"): a group of alerts, each firing or resolved.

    The key is the alert's `fingerprint`; older Alertmanagers do not send it, so it is
    computed the way Alertmanager does (FNV-1a over the sorted label set) and both agree.
    Links: `runbook_url` and `dashboard_url` annotations, `generatorURL`, and a silence
    link built from `externalURL`."""
    group = _group(body, "Alertmanager", ALERTMANAGER_VERSION, required_version=True)
    external = _optional_text(group, "externalURL", MAX_URL, None)
    return _alerts(group, lambda alert, path: _alertmanager_links(alert, path, external))


def parse_grafana(body: object) -> list[IncomingAlert]:
    """Grafana unified alerting's webhook (version "1"). The deprecated top-level `title`,
    `state` and `message` are ignored; each alert brings its own fingerprint, dashboard,
    panel and silence links, and the values of its queries."""
    if isinstance(body, dict) and "alerts" not in body and ("evalMatches" in body or "ruleName" in body):
        raise PayloadError("this is a legacy Grafana alert; use Grafana unified alerting (webhook version 1)")
    group = _group(body, "Grafana", GRAFANA_VERSION, required_version=False)
    return _alerts(group, _grafana_links, describe=_grafana_values)


def _group(body: object, source: str, version: str, *, required_version: bool) -> dict:
    if not isinstance(body, dict):
        raise PayloadError(f"the body must be a JSON object (an {source} webhook), not {_kind(body)}")
    if "version" not in body:
        if required_version:
            raise PayloadError(f"missing field 'version' ({source} sends \"{version}\")")
    elif body["version"] != version:
        raise PayloadError(f"unknown {source} webhook version {_short(body['version'])}; Rota reads version "
                           f"\"{version}\"")
    if "alerts" not in body:
        raise PayloadError("missing field 'alerts'")
    alerts = body["alerts"]
    if not isinstance(alerts, list):
        raise PayloadError(f"alerts: must be a list, not {_kind(alerts)}")
    if len(alerts) > MAX_ALERTS:
        raise PayloadError(f"alerts: {len(alerts)} alerts in one body; the limit is {MAX_ALERTS}")
    if "status" in body:
        _status(body["status"], "status")
    return body


LinkMaker = Callable[[dict, str], list[Link]]
Describer = Callable[[dict, str, str], str]


def _alerts(group: dict, links: LinkMaker, describe: Describer | None = None) -> list[IncomingAlert]:
    return [_group_alert(group, alert, f"alerts[{index}]", links, describe)
            for index, alert in enumerate(group["alerts"])]


def _group_alert(group: dict, alert: object, path: str, links: LinkMaker,
                 describe: Describer | None) -> IncomingAlert:
    if not isinstance(alert, dict):
        raise PayloadError(f"{path}: must be an object, not {_kind(alert)}")
    with _reasons(path):
        labels = check_mapping(alert.get("labels", {}), "labels", MAX_LABEL_VALUE)
        annotations = check_mapping(alert.get("annotations", {}), "annotations", MAX_TEXT)
    status = _status(alert.get("status", group.get("status")), f"{path}.status")
    key = _optional_text(alert, "fingerprint", MAX_KEY, path) or label_fingerprint(labels)
    description = _first(annotations, "description", "message") or ""
    if describe is not None:
        description = describe(alert, path, description)
    with _reasons(path):
        return IncomingAlert(
            dedup_key=key, status=status, title=_title(annotations, labels, key),
            severity=Severity.normalize(labels.get("severity")), description=description,
            labels=labels, annotations=annotations, links=tuple(_unique(links(alert, path))),
            starts_at=_instant(alert.get("startsAt"), f"{path}.startsAt"),
        )


def _alertmanager_links(alert: dict, path: str, external: str | None) -> list[Link]:
    annotations, labels = alert.get("annotations", {}), alert.get("labels", {})
    found = [
        _link("Runbook", annotations.get("runbook_url")),
        _link("Dashboard", annotations.get("dashboard_url")),
        _link("Source", _optional_text(alert, "generatorURL", MAX_URL, path)),
    ]
    if external:
        matchers = ", ".join(f"{name}={json.dumps(value, ensure_ascii=False)}"
                             for name, value in sorted(labels.items()))
        silence = f"{external.rstrip('/')}/#/silences/new?filter={quote('{' + matchers + '}')}"
        found.append(_link("Silence", silence))
    return [link for link in found if link is not None]


def _grafana_links(alert: dict, path: str) -> list[Link]:
    annotations = alert.get("annotations", {})
    found = [
        _link("Runbook", annotations.get("runbook_url")),
        _link("Dashboard", _optional_text(alert, "dashboardURL", MAX_URL, path)),
        _link("Panel", _optional_text(alert, "panelURL", MAX_URL, path)),
        _link("Silence", _optional_text(alert, "silenceURL", MAX_URL, path)),
        _link("Source", _optional_text(alert, "generatorURL", MAX_URL, path)),
    ]
    return [link for link in found if link is not None]


def _grafana_values(alert: dict, path: str, description: str) -> str:
    """Grafana's query values (e.g. B=44.24) are what the person on duty looks at first."""
    values = alert.get("values")
    if values is None:
        return description
    if not isinstance(values, dict) or len(values) > MAX_ENTRIES:
        raise PayloadError(f"{path}.values: must be an object of at most {MAX_ENTRIES} query values")
    shown = []
    for name, value in values.items():
        shown.append(f"{name}={_number(value, f'{path}.values.{name}')}")
    line = "Values: " + ", ".join(shown) if shown else ""
    combined = "\n\n".join(part for part in (description, line) if part)
    return combined[:MAX_TEXT]


def _number(value: object, path: str) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PayloadError(f"{path}: must be a number or null, not {_kind(value)}")
    if isinstance(value, int) and value.bit_length() > 64:
        raise PayloadError(f"{path}: the number is out of range")
    return format(value, ".6g")


def label_fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's fingerprint of a label set: FNV-1a 64 over the sorted names and
    values, each followed by a 0xff byte, as 16 hex digits (prometheus/common `model`)."""
    digest = 14695981039346656037
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode("utf-8") + b"\xff":
                digest = ((digest ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"{digest:016x}"


def _title(annotations: Mapping[str, str], labels: Mapping[str, str], key: str) -> str:
    """The summary if the rule has one, else the alert's name. Derived, so it is cut to
    fit rather than refused: the full text stays in the annotations."""
    text = _first(annotations, "summary", "title") or labels.get("alertname", "").strip() or f"Alert {key}"
    line = text.strip().splitlines()[0] if text.strip() else f"Alert {key}"
    return line if len(line) <= MAX_TITLE else line[: MAX_TITLE - 1] + "…"


def _first(mapping: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        if mapping.get(name, "").strip():
            return mapping[name]
    return None


# Generic JSON -------------------------------------------------------------------------------
_URL_SCHEMA = {"type": "string", "minLength": 1, "maxLength": MAX_URL, "pattern": r"^https?://[^\s/?#]+\S*$"}

#: The documented shape of the generic integration. Unknown fields are refused, so that a
#: misspelt `dedup_key` is reported instead of silently paging once per notice.
GENERIC_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Rota generic alert",
    "description": "One alert posted as JSON to POST /api/alerts/{integration} of a generic integration.",
    "type": "object",
    "required": ["title"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE,
                  "description": "What fired, in one line."},
        "severity": {"type": ["string", "integer"], "maxLength": 64,
                     "description": "critical, high, warning or info; also page, error, P1..P5, sev1..sev5."},
        "dedup_key": {"type": "string", "minLength": 1, "maxLength": MAX_KEY,
                      "description": "Notices with the same key are one alert while it is open. "
                                     "Default: a hash of the title and the labels."},
        "description": {"type": "string", "maxLength": MAX_TEXT},
        "status": {"enum": [status.value for status in SourceStatus],
                   "description": "firing (default) or resolved."},
        "labels": {"type": "object", "maxProperties": MAX_ENTRIES,
                   "propertyNames": {"minLength": 1, "maxLength": 256},
                   "additionalProperties": {"type": "string", "maxLength": MAX_LABEL_VALUE}},
        "links": {
            "description": "A list of {name, url}, or an object of name to url.",
            "type": ["array", "object"],
            "maxItems": MAX_LINKS,
            "maxProperties": MAX_LINKS,
            "items": {
                "type": "object", "required": ["name", "url"], "additionalProperties": False,
                "properties": {"name": {"type": "string", "minLength": 1, "maxLength": MAX_LINK_NAME},
                               "url": _URL_SCHEMA},
            },
            "propertyNames": {"minLength": 1, "maxLength": MAX_LINK_NAME},
            "additionalProperties": _URL_SCHEMA,
        },
    },
}

_GENERIC_VALIDATOR = Draft202012Validator(GENERIC_SCHEMA)


def parse_generic(body: object) -> list[IncomingAlert]:
    """One alert in Rota's documented JSON shape (`GENERIC_SCHEMA`)."""
    error = best_match(_GENERIC_VALIDATOR.iter_errors(body))
    if error is not None:
        raise PayloadError(_schema_reason(error))
    links = body.get("links", [])
    pairs = links.items() if isinstance(links, dict) else ((link["name"], link["url"]) for link in links)
    labels = body.get("labels", {})
    with _reasons(None):
        labels = check_mapping(labels, "labels", MAX_LABEL_VALUE)
        key = body.get("dedup_key") or _content_key(body["title"], labels)
        return [IncomingAlert(
            dedup_key=key, title=body["title"], status=body.get("status", SourceStatus.FIRING),
            severity=Severity.normalize(body.get("severity")), description=body.get("description", ""),
            labels=labels, links=tuple(_unique(Link(name, url) for name, url in pairs)),
        )]


def _content_key(title: str, labels: Mapping[str, str]) -> str:
    canonical = json.dumps({"title": title, "labels": labels}, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:32]


def _schema_reason(error: SchemaError) -> str:
    """A jsonschema error as one short sentence that never echoes a huge value back."""
    where = _path(error.absolute_path)
    kind, limit, value = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [name for name in limit if name not in value]
        return f"missing field {missing[0]!r}" + ("" if where == "body" else f" in {where}")
    if kind == "additionalProperties" and limit is False:
        known = error.schema.get("properties", {})
        unknown = sorted(name for name in value if name not in known)
        return f"{where}: unknown field {_short(unknown[0])} (known: {', '.join(known)})"
    if kind == "type":
        expected = " or ".join(_ARTICLE.get(name, name) for name in ([limit] if isinstance(limit, str) else limit))
        return f"{where}: must be {expected}, not {_kind(value)}"
    if kind in ("maxLength", "minLength"):
        return f"{where}: must be 1 to {error.schema.get('maxLength')} characters (it has {len(value)})"
    if kind in ("maxItems", "maxProperties"):
        return f"{where}: has {len(value)} entries; the limit is {limit}"
    if kind == "pattern":
        return f"{where}: {_short(value)} is not an http(s) URL"
    if kind == "enum":
        return f"{where}: must be one of {', '.join(map(str, limit))}"
    if kind == "propertyNames":
        return f"{where}: names must be 1 to {error.schema['propertyNames']['maxLength']} characters"
    return f"{where}: {error.message[:200]}"


_ARTICLE = {"string": "a string", "integer": "a whole number", "object": "an object", "array": "a list"}


# Shared helpers ----------------------------------------------------------------------------
@contextmanager
def _reasons(path: str | None) -> Iterator[None]:
    """Turn the model's field-named ValidationError into a PayloadError with the body path."""
    try:
        yield
    except ValidationError as exc:
        where = exc.field if path is None else f"{path}.{exc.field}"
        raise PayloadError(f"{where}: {exc.message}") from None


def _status(value: object, path: str) -> SourceStatus:
    if value is None:
        raise PayloadError(f"{path}: missing (firing or resolved)")
    if value not in (SourceStatus.FIRING.value, SourceStatus.RESOLVED.value):
        raise PayloadError(f"{path}: {_short(value)} is not firing or resolved")
    return SourceStatus(value)


def _optional_text(container: dict, name: str, limit: int, path: str | None) -> str | None:
    value = container.get(name)
    if value is None:
        return None
    with _reasons(path):
        return check_text(value, name, limit) or None


def _instant(value: object, path: str) -> datetime | None:
    """RFC 3339 as Go writes it (nanoseconds allowed); Go's zero time means "not set"."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{path}: must be an RFC 3339 date-time string, not {_kind(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"{path}: {_short(value)} is not an RFC 3339 date-time") from None
    if parsed.tzinfo is None:
        raise PayloadError(f"{path}: {_short(value)} has no UTC offset")
    if parsed.year == 1:
        return None
    try:
        return to_utc(parsed, path)
    except OverflowError:
        raise PayloadError(f"{path}: {_short(value)} is out of range") from None
    except ValidationError as exc:
        raise PayloadError(f"{path}: {exc.message}") from None


def _link(name: str, url: object) -> Link | None:
    """A derived link, or None when the source's value is no usable http(s) URL."""
    if not isinstance(url, str) or not url:
        return None
    try:
        return Link(name, url)
    except ValidationError:
        return None


def _unique(links) -> list[Link]:
    """At most MAX_LINKS, one per name, first wins (an annotation beats a derived URL)."""
    seen: dict[str, Link] = {}
    for link in links:
        seen.setdefault(link.name, link)
    return list(seen.values())[:MAX_LINKS]


def _path(parts) -> str:
    """A JSON location as people write it: `links[0].url`; the whole body is `body`."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "body"


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null",
             int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _short(value: object) -> str:
    """A value quoted for a reason, cut so a huge value is never echoed back."""
    if isinstance(value, int) and value.bit_length() > 64 or not isinstance(value, (str, int, float, bool)):
        return _kind(value)
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 60 else text[:57] + "..."
