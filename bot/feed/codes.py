"""Pairing codes: short enough to type from a chat message, unguessable for ten minutes.

A code is eight symbols from an alphabet without look-alikes (no 0/O, 1/I/L, U/V), shown
as two groups of four: `K7P2-QX9M`. That is 29^8, about 5 × 10^11 codes; with a live code
valid for ten minutes, single use, and failed attempts rate-limited per address, guessing
one is hopeless. Reading is forgiving: case, dashes and spaces do not matter.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LENGTH = 8
GROUP = 4


def new_code() -> str:
    """A fresh random code, grouped for reading."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(symbols[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def normalize_code(text: str) -> str:
    """The code as stored: upper case, without dashes or spaces."""
    return "".join(text.split()).replace("-", "").upper()
