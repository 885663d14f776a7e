"""Alerts: what monitoring sends, what Rota makes of it, and when it pages whom.

Pure domain code only: `model` (the alert and its transitions), `parsers` (webhook
bodies to incoming alerts), `policy` (escalation steps and when each is due) and
`urgency` (business hours, hold or deliver, the digest). Every function takes the
instant it reasons about as an argument; none reads a clock or does I/O.
"""
