"""The Teams boundary: the only package that imports botbuilder.

Activities come in through `POST /api/messages` (`endpoint.py`), are turned into the
domain's `ChatTurn`, `CardAction` and `ConversationRecord` (`activities.py`) and handed
to the chat service and the card-action router (`handler.py`); replies and proactive
messages (`sender.py`) go back out as activities. A move to the Microsoft 365 Agents SDK
touches this package and nothing else.

This module imports nothing, so `bot.teams.binding` can be used without loading the SDK.
"""
