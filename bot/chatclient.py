"""`rota chat`: talk to a running Rota from a terminal, as Teams would.

The client sends Bot Framework activities to the bot's `/api/messages` (a 1:1 chat with the
bot, or a channel message that @mentions it) and runs its own small Bot Connector on
loopback, named as the activities' `serviceUrl`, so the bot's answers — replies, direct
messages to other people, cards updated in place — arrive there and are printed. Cards are
printed as text: headings, facts and columns aligned, buttons numbered; typing `#2`
presses button 2 (an `adaptiveCard/action` invoke) and prints the card that comes back.

People are known by email; their Teams ids are derived from it, so two terminals talking
as two people agree on who is who. This works against a bot in local mode (no
`MicrosoftAppId`); a bot with credentials only takes requests signed by Microsoft.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

BOT_NAME = "Rota"
BOT_ID = "28:rota-local"
DEFAULT_URL = "http://127.0.0.1:3978"
DEFAULT_TEAM = "Rota local"
GENERAL = "General"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "rota.local")
TENANT_ID = str(uuid.uuid5(_NAMESPACE, "tenant"))
_AT_TAG = re.compile(r"<at>(.*?)</at>", re.IGNORECASE)
_MENTION_BY_EMAIL = re.compile(r"@([^@\s]+@[^@\s]+\.[A-Za-z]{2,})")
_PRESS = re.compile(r"^#(\d+)$")
_WIDE_SPACING = frozenset({"Medium", "Large", "ExtraLarge"})

Ask = Callable[[str, str], Awaitable[str]]


def _derived(*parts: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, "/".join(parts))


# --- who and where ------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    email: str
    name: str

    @property
    def teams_id(self) -> str:
        return f"29:{_derived('person', self.email).hex}"

    @property
    def aad_object_id(self) -> str:
        return str(_derived("entra", self.email))

    @property
    def personal_conversation(self) -> str:
        return f"a:{_derived('personal', self.email).hex}"

    def account(self) -> dict[str, Any]:
        """As the roster answers (Teams' `TeamsChannelAccount`)."""
        return {"id": self.teams_id, "name": self.name, "aadObjectId": self.aad_object_id, "email": self.email,
                "userPrincipalName": self.email, "tenantId": TENANT_ID, "userRole": "user"}  # fmt: skip


def person(email: str, name: str | None = None) -> Person:
    """`alice.martin@example.com` is Alice Martin unless named otherwise."""
    email = email.strip().lower()
    local = email.split("@", 1)[0]
    return Person(email, name or " ".join(w.capitalize() for w in re.split(r"[._-]+", local) if w))


@dataclass(frozen=True)
class Place:
    """A 1:1 chat with the bot (no team), or a channel of a team."""

    conversation_id: str
    team_name: str | None = None
    channel_name: str | None = None

    @property
    def is_channel(self) -> bool:
        return self.team_name is not None

    @property
    def team_id(self) -> str:
        return f"19:{_derived('team', self.team_name or '').hex}@thread.tacv2"

    @property
    def aad_group_id(self) -> str:
        return str(_derived("group", self.team_name or ""))

    def describe(self) -> str:
        return f"#{self.channel_name} in {self.team_name}" if self.is_channel else "your chat with Rota"


def personal_place(user: Person) -> Place:
    return Place(user.personal_conversation)


def channel_place(spec: str) -> Place:
    """`TEAM/CHANNEL` or `CHANNEL` (in the team "Rota local"); the General channel has the
    team's own id, as in Teams."""
    team, _, channel = spec.rpartition("/")
    team, channel = team.strip() or DEFAULT_TEAM, channel.strip() or GENERAL
    team_id = f"19:{_derived('team', team).hex}@thread.tacv2"
    if channel.lower() == GENERAL.lower():
        return Place(team_id, team, channel)
    return Place(f"19:{_derived('channel', team, channel).hex}@thread.tacv2", team, channel)


# --- activities, as Teams sends them ------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """What to send for a line typed in the chat."""

    text: str
    entities: list[dict[str, Any]]


def compose(line: str, place: Place, known: Mapping[str, Person]) -> Sent:
    """The text Teams would send for `line`: the bot's mention in front in a channel, and
    `@email` written as a mention of that person (known people by their name)."""
    entities: list[dict[str, Any]] = []

    def mention(match: re.Match[str]) -> str:
        someone = known.get(match.group(1).lower()) or person(match.group(1))
        entities.append(_mention_entity(someone.teams_id, someone.name))
        return f"<at>{someone.name}</at>"

    text = _MENTION_BY_EMAIL.sub(mention, line.strip())
    if place.is_channel:
        text = f"<at>{BOT_NAME}</at> {text}"
        entities.insert(0, _mention_entity(BOT_ID, BOT_NAME))
    return Sent(text, entities)


def _mention_entity(account_id: str, name: str) -> dict[str, Any]:
    return {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": account_id, "name": name}}


def _envelope(place: Place, sender: Person, service_url: str, zone: str, conversation_id: str) -> dict[str, Any]:
    conversation: dict[str, Any] = {"id": conversation_id, "tenantId": TENANT_ID,
                                    "conversationType": "channel" if place.is_channel else "personal"}  # fmt: skip
    channel_data: dict[str, Any] = {"tenant": {"id": TENANT_ID}}
    if place.is_channel:
        conversation["isGroup"] = True
        channel_data |= {"teamsTeamId": place.team_id, "teamsChannelId": place.conversation_id,
                         "team": {"id": place.team_id, "name": place.team_name, "aadGroupId": place.aad_group_id},
                         "channel": {"id": place.conversation_id, "name": place.channel_name}}  # fmt: skip
    return {
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": sender.teams_id, "name": sender.name, "aadObjectId": sender.aad_object_id},
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "conversation": conversation,
        "channelData": channel_data,
        "entities": [{"type": "clientInfo", "locale": "en-US", "platform": "Desktop", "timezone": zone}],
        "locale": "en-US",
        "localTimezone": zone,
    }


def message_activity(sent: Sent, *, place: Place, sender: Person, service_url: str, zone: str,
                     message_id: str) -> dict[str, Any]:  # fmt: skip
    """A new post in a channel (its own thread), or a message in the 1:1 chat."""
    conversation_id = f"{place.conversation_id};messageid={message_id}" if place.is_channel else place.conversation_id
    activity = _envelope(place, sender, service_url, zone, conversation_id)
    activity["entities"] = [*sent.entities, *activity["entities"]]
    return {"type": "message", "id": message_id, "text": sent.text, "textFormat": "plain", **activity}


def install_activity(*, place: Place, sender: Person, service_url: str, zone: str, event_id: str) -> dict[str, Any]:
    """What Teams sends when the app is added to the team, or to the person's 1:1 chat."""
    activity = _envelope(place, sender, service_url, zone, place.conversation_id)
    added = [{"id": BOT_ID}]
    if place.is_channel:
        activity["channelData"] |= {"eventType": "teamMemberAdded",
                                    "settings": {"selectedChannel": {"id": place.conversation_id}}}  # fmt: skip
    else:
        added.append({"id": sender.teams_id, "aadObjectId": sender.aad_object_id})
    return {"type": "conversationUpdate", "id": event_id, "membersAdded": added, **activity}


def invoke_activity(action: Mapping[str, Any], inputs: Mapping[str, str], *, place: Place, sender: Person,
                    service_url: str, zone: str, card_message_id: str | None,
                    conversation_id: str) -> dict[str, Any]:  # fmt: skip
    """An `Action.Execute` press: Teams merges the card's inputs into the action's data."""
    pressed = {"type": "Action.Execute", "title": action.get("title"), "data": {**(action.get("data") or {}), **inputs}}
    if action.get("verb"):
        pressed["verb"] = action["verb"]
    activity = _envelope(place, sender, service_url, zone, conversation_id)
    return {"type": "invoke", "name": "adaptiveCard/action", "id": f"f:{uuid.uuid4()}", "replyToId": card_message_id,
            "value": {"action": pressed, "trigger": "manual"}, **activity}  # fmt: skip


# --- cards as text ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    number: int
    action: Mapping[str, Any]
    inputs: tuple[Mapping[str, Any], ...]
    message_id: str
    conversation_id: str


@dataclass
class CardText:
    """Renders cards to lines; buttons get session-wide numbers from `numbers`."""

    numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    buttons: list[tuple[int, Mapping[str, Any]]] = field(default_factory=list)
    inputs: list[Mapping[str, Any]] = field(default_factory=list)

    def render(self, card: Mapping[str, Any]) -> list[str]:
        self.buttons, self.inputs = [], []
        lines = self._elements(card.get("body") or [])
        lines += self._actions(card.get("actions") or [])
        return lines

    def _elements(self, elements: Sequence[Mapping[str, Any]]) -> list[str]:
        """Elements in order; a separator or a wide spacing before a container is a blank line."""
        lines: list[str] = []
        for element in elements:
            if element.get("isVisible") is False and not str(element.get("type", "")).startswith("Input."):
                continue
            spaced = element.get("separator") or element.get("spacing") in _WIDE_SPACING
            if lines and spaced and element.get("type") == "Container":
                lines.append("")
            lines += self._element(element)
        return lines

    def _element(self, element: Mapping[str, Any]) -> list[str]:
        kind = element.get("type")
        if kind == "TextBlock":
            return _text_block(element)
        if kind == "FactSet":
            rows = [[f"{f.get('title', '')}:", plain(str(f.get("value", "")))] for f in element.get("facts") or []]
            return aligned(rows, gap=" ")
        if kind == "ColumnSet":
            return side_by_side([self._elements(c.get("items") or []) for c in element.get("columns") or []])
        if kind == "Table":
            rows = [[" ".join(self._elements(cell.get("items") or [])) for cell in row.get("cells") or []]
                    for row in element.get("rows") or []]  # fmt: skip
            return aligned(rows)
        if kind == "Container":
            return self._elements(element.get("items") or [])
        if kind == "ActionSet":
            return self._actions(element.get("actions") or [])
        if str(kind).startswith("Input."):
            self.inputs.append(element)
            return [] if element.get("isVisible") is False else [_input_line(element)]
        if kind == "Image":
            return [f"[image: {element.get('altText') or element.get('url', '')}]"]
        return []

    def _actions(self, actions: Sequence[Mapping[str, Any]]) -> list[str]:
        shown = []
        for action in actions:
            if action.get("type") == "Action.OpenUrl":
                shown.append(f"[{action.get('title', 'Open')}: {action.get('url', '')}]")
                continue
            number = next(self.numbers)
            self.buttons.append((number, action))
            shown.append(f"[#{number} {action.get('title', 'button')}]")
        return ["  ".join(shown)] if shown else []


def _text_block(element: Mapping[str, Any]) -> list[str]:
    value = plain(str(element.get("text", "")))
    if element.get("style") == "heading":
        return [f"# {value}"]
    return value.splitlines() or [""]


def _input_line(element: Mapping[str, Any]) -> str:
    label = element.get("label") or element.get("placeholder") or element.get("id")
    value = element.get("value")
    choices = ", ".join(str(c.get("value")) for c in element.get("choices") or [])
    shown = f"  {label} [{element.get('id')}]: {value if value not in (None, '') else '(empty)'}"
    if not choices:
        return shown
    return f"{shown}  ({'any of, comma-separated' if element.get('isMultiSelect') else 'one of'}: {choices})"


def plain(text: str) -> str:
    """Teams markup as terminal text: `<at>Bob</at>` is @Bob, `**bold**` loses its stars."""
    return _AT_TAG.sub(lambda m: f"@{m.group(1)}", text).replace("**", "")


def aligned(rows: Sequence[Sequence[str]], gap: str = "  ") -> list[str]:
    """Rows of cells, each column padded to its widest cell."""
    width = max((len(r) for r in rows), default=0)
    widths = [max((len(r[i]) for r in rows if i < len(r)), default=0) for i in range(width)]
    return [gap.join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


def side_by_side(columns: Sequence[Sequence[str]]) -> list[str]:
    """Columns of lines printed next to each other."""
    height = max((len(c) for c in columns), default=0)
    return aligned([[c[i] if i < len(c) else "" for c in columns] for i in range(height)])


# --- the session ----------------------------------------------------------------------------------


class ChatSession:
    """One person in one place, talking to one bot; what the bot sends is passed to `out`."""

    def __init__(self, bot_url: str, user: Person, place: Place, *, zone: str, out: Callable[[str], None]) -> None:
        self.bot_url = bot_url.rstrip("/")
        self.user = user
        self.place = place
        self.zone = zone
        self.out = out
        self.people: dict[str, Person] = {user.email: user}
        self.buttons: dict[int, Button] = {}
        self.received: list[dict[str, Any]] = []
        self._numbers = itertools.count(1)
        self._ids = itertools.count(int(time.time() * 1000))
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._http: aiohttp.ClientSession | None = None
        self._arrived = asyncio.Condition()

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._activity)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._activity)
        app.router.add_get("/v3/conversations/{conversation}/members", self._members)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_get("/v3/teams/{team}/conversations", self._team_channels)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self._http = aiohttp.ClientSession()

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what the person does ---

    async def handle(self, line: str, ask: Ask | None = None) -> None:
        """A typed line: `#N` presses button N, `/install` adds the app here, else a message."""
        line = line.strip()
        pressed = _PRESS.match(line)
        if not line:
            return
        if pressed:
            await self.press(int(pressed.group(1)), ask=ask)
        elif line in ("/install", "/add"):
            await self.install()
        else:
            await self.say(line)

    async def say(self, line: str) -> None:
        """A message; people mentioned by email join this terminal's roster."""
        for email in _MENTION_BY_EMAIL.findall(line):
            self.people.setdefault(email.lower(), person(email))
        sent = compose(line, self.place, self.people)
        await self._post(message_activity(sent, place=self.place, sender=self.user, service_url=self.service_url,
                                          zone=self.zone, message_id=self._next_id()))  # fmt: skip

    async def install(self) -> None:
        await self._post(install_activity(place=self.place, sender=self.user, service_url=self.service_url,
                                          zone=self.zone, event_id=f"f:{uuid.uuid4()}"))  # fmt: skip

    async def press(self, number: int, *, inputs: Mapping[str, str] | None = None, ask: Ask | None = None) -> None:
        """Press a numbered button; the card's inputs keep their values unless `inputs` or
        `ask` (one question per input) say otherwise."""
        button = self.buttons.get(number)
        if button is None:
            self.out(f"(there is no button #{number})")
            return
        if button.action.get("type") != "Action.Execute":
            self.out(f"(button #{number} is a {button.action.get('type')}, which only Teams can press)")
            return
        values = await _fill(button.inputs, inputs or {}, ask)
        activity = invoke_activity(button.action, values, place=self.place, sender=self.user,
                                   service_url=self.service_url, zone=self.zone,
                                   card_message_id=button.message_id,
                                   conversation_id=button.conversation_id)  # fmt: skip
        status, body = await self._post(activity)
        if status == 200 and isinstance(body, dict):
            self._show_invoke_answer(body, button)

    def _show_invoke_answer(self, body: Mapping[str, Any], button: Button) -> None:
        if body.get("type") == ADAPTIVE_CARD and isinstance(body.get("value"), dict):
            self._show("Rota (card updated)", None, body["value"], button.message_id, button.conversation_id)
        else:
            self.out(f"Rota: {plain(str(body.get('value', '')))}")

    async def _post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        assert self._http is not None
        async with self._http.post(f"{self.bot_url}/api/messages", data=json.dumps(activity),
                                   headers={"Content-Type": "application/json"}) as response:  # fmt: skip
            text = await response.text()
            body = json.loads(text) if text and response.content_type == "application/json" else None
        if response.status >= 300:
            reason = body.get("error", {}).get("message") if isinstance(body, dict) else text
            self.out(f"(the bot answered {response.status}: {reason})")
        return response.status, body

    def _next_id(self) -> str:
        return str(next(self._ids))

    # --- what the bot sends (the local Bot Connector) ---

    async def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 10.0) -> None:
        """Until `predicate(received)` holds, woken by each activity the bot sends."""
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: predicate(self.received)), timeout)

    async def settle(self, quiet: float = 1.0, limit: float = 10.0) -> None:
        """Until the bot has sent nothing for `quiet` seconds (at most `limit`): what goes
        through the outbox arrives after the turn that caused it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while (remaining := deadline - loop.time()) > 0:
            count = len(self.received)
            try:
                await self.wait_for(lambda received: len(received) > count, timeout=min(quiet, remaining))
            except asyncio.TimeoutError:
                return

    async def _activity(self, request: web.Request) -> web.Response:
        activity = await request.json()
        conversation = request.match_info["conversation"]
        updated = request.method == "PUT"
        activity_id = request.match_info.get("activity") or self._next_id()
        self._print_activity(activity, conversation, activity_id, updated)
        self.received.append(activity)
        async with self._arrived:
            self._arrived.notify_all()
        return web.json_response({"id": activity_id}, status=200 if updated else 201)

    def _print_activity(self, activity: Mapping[str, Any], conversation: str, activity_id: str, updated: bool) -> None:
        base = conversation.split(";messageid=")[0]
        where = "Rota"
        if base != self.place.conversation_id:
            someone = next((p for p in self.people.values() if p.personal_conversation == base), None)
            where = f"Rota → {someone.name} <{someone.email}>, direct message" if someone else f"Rota → {base}"
            if someone == self.user:
                where = "Rota → you, direct message"
        if updated:
            where += " (message updated)"
        cards = [a.get("content") for a in activity.get("attachments") or () if a.get("contentType") == ADAPTIVE_CARD]
        self._show(where, activity.get("text"), cards[0] if cards else None, activity_id, conversation)

    def _show(self, where: str, text: str | None, card: Mapping[str, Any] | None, message_id: str,
              conversation: str) -> None:  # fmt: skip
        lines = [f"{where}: {plain(text)}" if text else f"{where}:"]
        if card is not None:
            renderer = CardText(self._numbers)
            lines += [f"  | {line}".rstrip() for line in renderer.render(card)]
            for number, action in renderer.buttons:
                self.buttons[number] = Button(number, action, tuple(renderer.inputs), message_id, conversation)
        self.out("\n".join(lines))

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        members = body.get("members") or []
        someone = next((p for p in self.people.values() if members and p.teams_id == members[0].get("id")), None)
        if someone is None:
            return _connector_error(400, "BadArgument", "unknown member")
        return web.json_response({"id": someone.personal_conversation, "serviceUrl": self.service_url}, status=201)

    async def _members(self, request: web.Request) -> web.Response:
        return web.json_response([p.account() for p in self.people.values()])

    async def _member(self, request: web.Request) -> web.Response:
        wanted = request.match_info["member"]
        found = next((p for p in self.people.values() if p.teams_id == wanted), None)
        if found is None:
            return _connector_error(404, "MemberNotFoundInConversation", "not a member")
        return web.json_response(found.account())

    async def _team_channels(self, request: web.Request) -> web.Response:
        channels = [{"id": self.place.team_id, "name": None}]
        if self.place.is_channel and self.place.conversation_id != self.place.team_id:
            channels.append({"id": self.place.conversation_id, "name": self.place.channel_name})
        return web.json_response({"conversations": channels})


def _connector_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


async def _fill(inputs: Sequence[Mapping[str, Any]], given: Mapping[str, str], ask: Ask | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for element in inputs:
        key = str(element.get("id"))
        default = "" if element.get("value") is None else str(element.get("value"))
        if key in given:
            values[key] = given[key]
        elif ask is not None and element.get("isVisible") is not False:
            answer = await ask(str(element.get("label") or key), default)
            values[key] = answer or default
        else:
            values[key] = default
    return values


# --- the terminal -------------------------------------------------------------------------------------


HELP = """Type a message and press Enter. #N presses button N of a card; /install adds Rota
here (as when the app is added to the team or chat); @alice@example.com mentions Alice;
/quit or Ctrl-D leaves."""


async def _read_line(prompt: str) -> str | None:
    """A line from stdin without blocking the loop (the bot's messages keep arriving)."""
    if prompt and sys.stdin.isatty():
        print(prompt, end="", flush=True)
    line = await asyncio.to_thread(sys.stdin.readline)
    return line.rstrip("\n") if line else None


async def _ask(label: str, default: str) -> str:
    return await _read_line(f"  {label} [{default}]: ") or ""


async def run(bot_url: str, user: Person, place: Place, zone: str) -> None:
    """The interactive loop of `rota chat`."""
    session = ChatSession(bot_url, user, place, zone=zone, out=lambda text: print(text, flush=True))
    await session.start()
    print(f"Talking to {bot_url} as {user.name} <{user.email}> in {place.describe()} ({zone}). {HELP}", flush=True)
    try:
        while (line := await _read_line("> ")) is not None and line.strip() not in ("/quit", "/exit"):
            if line.strip() in ("/help", "?"):
                print(HELP, flush=True)
                continue
            try:
                await session.handle(line, ask=_ask)
            except aiohttp.ClientError as exc:
                print(f"(cannot reach the bot at {bot_url}: {exc})", flush=True)
        if not sys.stdin.isatty():
            await session.settle()
    finally:
        await session.close()
