"""Reading cards back in tests: the words they show and the actions they offer, wherever nested."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from jsonschema import Draft6Validator
from tests.reference import REFERENCE



def walk(node: object) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def texts(card: dict) -> list[str]:
    """TextBlock texts and facts as `title: value`, in order."""
    found = []
    for node in walk(card):
        if node.get("type") == "TextBlock":
            found.append(node["text"])
        elif node.get("type") == "FactSet":
            found.extend(f"{f['title']}: {f['value']}" for f in node["facts"])
    return found


def shown(card: dict) -> str:
    return "\n".join(texts(card))


def actions(card: dict) -> list[dict]:
    return [node for node in walk(card) if str(node.get("type", "")).startswith("Action.")]


@cache
def _schema(name: str) -> dict:
    return json.loads((REFERENCE / name).read_text())


def schema_errors(card: dict) -> list[str]:
    """Problems with `card` under the published Adaptive Cards 1.5 schema, as it is."""
    return [e.message for e in Draft6Validator(_schema("adaptive-card.schema.json")).iter_errors(card)]


def schema_errors_with_people_picker(card: dict) -> list[str]:
    """The 1.5 schema plus the one property the people picker needs, `Input.ChoiceSet`'s
    `choices.data`, taken unchanged from the published 1.6 schema (where it belongs)."""
    extended = copy.deepcopy(_schema("adaptive-card.schema.json"))
    newer = _schema("adaptive-card-1.6.schema.json")["definitions"]
    extended["definitions"]["Data.Query"] = newer["Data.Query"]
    choice_set = newer["Input.ChoiceSet"]["properties"]["choices.data"]
    extended["definitions"]["Input.ChoiceSet"]["properties"]["choices.data"] = choice_set
    return [e.message for e in Draft6Validator(extended).iter_errors(card)]


def schema_16_errors(card: dict) -> list[str]:
    return [e.message for e in Draft6Validator(_schema("adaptive-card-1.6.schema.json")).iter_errors(card)]
