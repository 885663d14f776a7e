"""The alerts part of the public API (`/api/v1/`): alerts with their timelines, a rotation's
integrations and alert settings, and acknowledging an alert on someone's behalf.

The models here are the contract for these routes (the OpenAPI document is built from
them); handlers are thin and speak to `AlertService` and `AlertStore` only.
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bot.alerts.model import AlertState, AlertStateError, IntegrationKind, Severity
from bot.alerts.policy import Mention, StepKind
from bot.alerts.service import NotAllowed, Verb
from bot.alerts.settings import AlertSettings
from bot.api.auth import actor
from bot.api.errors import ApiError
from bot.api.table import ApiRoute
from bot.appkeys import ALERTS, SETTINGS
from bot.storage.alerts import MAX_LIST, Integration, StoredAlert
from shared.api_models import Email, Id, RotationName, Timestamp

V1 = "/api/v1"
ROTATION = f"{V1}/rotations/{{name}}"


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# integrations -------------------------------------------------------------------------------
class IntegrationIn(_Request):
    kind: IntegrationKind = Field(description="alertmanager, grafana or generic: how the webhook's body is read")
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$", examples=["prometheus"])] = "default"


class IntegrationOut(_Reply):
    id: Id
    rotation: RotationName
    kind: IntegrationKind
    name: str
    url: str = Field(description="Where the source posts: POST with the secret as a bearer token")
    created: Timestamp

    @classmethod
    def of(cls, integration: Integration, base_url: str, **extra: Any) -> IntegrationOut:
        return cls(id=integration.id, rotation=integration.rotation, kind=integration.kind, name=integration.name,
                   url=integration.url(base_url), created=integration.created, **extra)


class IntegrationCreated(IntegrationOut):
    secret: str = Field(description="Shown once: Rota keeps only its hash")


# alerts --------------------------------------------------------------------------------------
class TimelineEventOut(_Reply):
    at: Timestamp
    kind: str
    actor: Email | None
    detail: str


class LinkOut(_Reply):
    name: str
    url: str


class AlertOut(_Reply):
    id: Id
    rotation: RotationName
    integration: IntegrationKind
    title: str
    severity: Severity
    state: AlertState
    source_status: str
    dedup_key: str
    description: str
    labels: dict[str, str]
    links: list[LinkOut]
    count: int
    starts_at: Timestamp
    last_seen: Timestamp
    acknowledged_by: Email | None
    acknowledged_at: Timestamp | None
    resolved_by: Email | None
    resolved_at: Timestamp | None
    snoozed_until: Timestamp | None
    held_until: Timestamp | None
    escalation_step: int
    timeline: list[TimelineEventOut]

    @classmethod
    def of(cls, stored: StoredAlert) -> AlertOut:
        data = stored.alert.to_dict()
        data.pop("annotations")
        data.pop("escalation_since")
        return cls.model_validate(data)


class AlertsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    rotation: RotationName | None = Field(None, description="Only this rotation's alerts")
    state: AlertState | None = Field(None, description="Only alerts in this state")
    limit: int = Field(100, ge=1, le=MAX_LIST, description="At most this many, newest first")


class AcknowledgementIn(_Request):
    alert: Id
    by: Email = Field(description="Who acknowledges: a member of the alert's rotation")


# settings ------------------------------------------------------------------------------------
class StepModel(_Request):
    kind: StepKind
    wait_minutes: int = Field(ge=0, le=24 * 60, description="Minutes to wait for an acknowledgement")
    person: Email | None = Field(None, description="For a person step: whom to page")
    mention: Mention | None = Field(None, description="For a channel step: @mention the rotation's tag (who is on "
                                    "duty; without a tag, those people) or everyone in the rotation")


class EscalationModel(_Request):
    steps: list[StepModel] = Field(min_length=1, max_length=10)
    repeat: int = Field(0, ge=0, le=9, description="How many times the whole list runs again")


class BusinessHoursModel(_Request):
    timezone: str = Field(examples=["Europe/Paris"])
    days: str = Field("mon-fri", examples=["mon-fri", "mon,wed,fri"])
    start: str = Field("09:00", examples=["09:00"])
    end: str = Field("18:00", examples=["18:00"])


class AlertSettingsModel(_Request):
    """A rotation's escalation policy and urgency rules. Without business hours every
    alert pages at once; with them, only `urgent` severities page outside them."""

    escalation: EscalationModel
    business_hours: BusinessHoursModel | None = None
    urgent: list[Severity] = Field(default_factory=lambda: [Severity.CRITICAL, Severity.HIGH])

    @classmethod
    def of(cls, settings: AlertSettings) -> AlertSettingsModel:
        return cls.model_validate(settings.to_dict())

    def to_settings(self) -> AlertSettings:
        return AlertSettings.from_dict(self.model_dump(mode="json", exclude_none=True))


# handlers --------------------------------------------------------------------------------------
async def list_alerts(request: web.Request, query: AlertsQuery) -> list[AlertOut]:
    """Alerts with their timelines, newest first."""
    states = [query.state] if query.state is not None else []
    found = await request.app[ALERTS].alerts.list_alerts(query.rotation, states, query.limit)
    return [AlertOut.of(stored) for stored in found]


async def acknowledge_alert(request: web.Request, body: AcknowledgementIn) -> AlertOut:
    """Acknowledge an alert for a member of its rotation (recorded as them, audited as the token)."""
    try:
        stored = await request.app[ALERTS].apply(body.alert, Verb.ACK, body.by, actor=actor(request))
    except NotAllowed as exc:
        raise ApiError(403, "forbidden", exc.reason, "by") from exc
    except AlertStateError as exc:
        raise ApiError(409, "conflict", exc.message) from exc
    return AlertOut.of(stored)


async def list_integrations(request: web.Request, name: str) -> list[IntegrationOut]:
    """The rotation's webhooks (never their secrets)."""
    base = request.app[SETTINGS].base_url
    return [IntegrationOut.of(i, base) for i in await request.app[ALERTS].alerts.list_integrations(name)]


async def create_integration(request: web.Request, name: str, body: IntegrationIn) -> IntegrationCreated:
    """A new webhook for the rotation; its secret is in this answer and nowhere else."""
    created, secret = await request.app[ALERTS].alerts.create_integration(name, body.kind, body.name, actor(request))
    return IntegrationCreated.of(created, request.app[SETTINGS].base_url, secret=secret)


async def get_alert_settings(request: web.Request, name: str) -> AlertSettingsModel:
    """The rotation's escalation policy and urgency rules (the defaults until set)."""
    return AlertSettingsModel.of(await request.app[ALERTS].alerts.settings(name))


async def put_alert_settings(request: web.Request, name: str, body: AlertSettingsModel) -> AlertSettingsModel:
    """Replace the rotation's escalation policy and urgency rules."""
    stored = await request.app[ALERTS].set_settings(name, body.to_settings(), actor(request))
    return AlertSettingsModel.of(stored)


ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("GET", f"{V1}/alerts", list_alerts, "List alerts", "alerts", query=AlertsQuery, reply=AlertOut,
             many=True),
    ApiRoute("POST", f"{V1}/alerts/acknowledgements", acknowledge_alert, "Acknowledge an alert", "alerts",
             body=AcknowledgementIn, reply=AlertOut),
    ApiRoute("GET", f"{ROTATION}/integrations", list_integrations, "List integrations", "alerts",
             reply=IntegrationOut, many=True),
    ApiRoute("POST", f"{ROTATION}/integrations", create_integration, "Create an integration", "alerts",
             status=201, body=IntegrationIn, reply=IntegrationCreated),
    ApiRoute("GET", f"{ROTATION}/alert-settings", get_alert_settings, "Read alert settings", "alerts",
             reply=AlertSettingsModel),
    ApiRoute("PUT", f"{ROTATION}/alert-settings", put_alert_settings, "Replace alert settings", "alerts",
             body=AlertSettingsModel, reply=AlertSettingsModel),
)

