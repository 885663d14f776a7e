"""The tray's feed: each person's shifts and alerts, as a snapshot and as a live stream.

`build` computes a person's `shared.feed.MyFeed` from the rotations, the engine and the
open alerts (pure); `hub` keeps the open streams and refreshes them when the data behind
them changes (`commits` hears every committed write) or a handoff falls due (`handoffs`);
`stream` writes one stream as server-sent events; `pairing` and `identity` say who is
asking; `api` maps the endpoints; `context` wires it all into the application.
"""
