"""Microsoft Graph: the Teams tag (`@data-oncall`) that always holds the people on duty.

`client.py` makes the Graph calls with app-only tokens from `token.py` (msal, client
credentials, off the event loop); `reconcile.py` decides, without I/O, what to change
and what to tell people; `sync.py` is the timer source that does it for every rotation
bound to a team, and answers `tag_status` for `who`.
"""

from bot.graph.client import GraphClient, GraphError, Tag, TagGraph, TagMember, TeamRef
from bot.graph.sync import SOURCE_NAME, TagStatus, TagSync
from bot.graph.token import GraphTokens

__all__ = [
    "SOURCE_NAME",
    "GraphClient",
    "GraphError",
    "GraphTokens",
    "Tag",
    "TagGraph",
    "TagMember",
    "TagStatus",
    "TagSync",
    "TeamRef",
]
