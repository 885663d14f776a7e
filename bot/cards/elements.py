"""Adaptive Card building blocks (schema 1.5, as Teams' Universal Actions require).

Plain functions returning dicts, so a card is assembled by composition and never by
filling a template with string replacement. Only the properties a call sets are emitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"

Element = dict[str, Any]


def adaptive_card(body: Iterable[Element], actions: Iterable[Element] = ()) -> Element:
    card: Element = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": list(body)}
    actions = list(actions)
    if actions:
        card["actions"] = actions
    return card


def text(value: str, **style: Any) -> Element:
    """A TextBlock that wraps unless told otherwise (Teams truncates unwrapped text)."""
    return {"type": "TextBlock", "text": value, "wrap": True, **style}


def heading(value: str, **style: Any) -> Element:
    return text(value, size="Medium", weight="Bolder", style="heading", **style)


def facts(pairs: Iterable[tuple[str, str]], **style: Any) -> Element:
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in pairs], **style}


def container(items: Iterable[Element], **style: Any) -> Element:
    return {"type": "Container", "items": list(items), **style}


def columns(*cols: Element, **style: Any) -> Element:
    return {"type": "ColumnSet", "columns": list(cols), **style}


def column(items: Iterable[Element], width: str | int = "stretch", **style: Any) -> Element:
    return {"type": "Column", "width": width, "items": list(items), **style}


def table(widths: Iterable[int], header: Iterable[str], rows: Iterable[Element], **style: Any) -> Element:
    """A Table whose first row names the columns."""
    head = table_row([[text(title, weight="Bolder", size="Small", isSubtle=True)] for title in header])
    return {
        "type": "Table",
        "columns": [{"width": w} for w in widths],
        "rows": [head, *rows],
        "firstRowAsHeader": True,
        "showGridLines": False,
        **style,
    }


def table_row(cells: Iterable[Iterable[Element]], **style: Any) -> Element:
    return {"type": "TableRow", "cells": [{"type": "TableCell", "items": list(c)} for c in cells], **style}


def execute(title: str, verb: str, data: Mapping[str, Any] | None = None, **style: Any) -> Element:
    """An `Action.Execute`. The verb is repeated in `data`, because Teams does not always send
    `verb` back in the invoke (see the reference payload); handlers read either."""
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": {"verb": verb, **(data or {})}, **style}


def open_url(title: str, url: str) -> Element:
    return {"type": "Action.OpenUrl", "title": title, "url": url}
