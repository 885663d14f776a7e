"""The Schedule tab: a page the service serves at `/tab/`, inside Teams or in a browser.

Inside Teams the page signs the viewer in with Teams single sign-on (an Entra ID token the
service checks, `bot/auth/entra.py`); in a browser it uses an API token. Either way it
reads the schedule (`GET /api/v1/schedule`) and the recent alerts of the same rotations
(`GET /api/v1/schedule/alerts`), and changes rotations through
`POST /api/v1/schedule/{name}/overrides|time-off`: all accept both kinds of credential.
"""
